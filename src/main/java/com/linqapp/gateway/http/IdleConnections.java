package com.linqapp.gateway.http;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerRequest;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Closes client connections that have sat idle — no request in progress — for the idle timeout. It stands
 * in for Vert.x's {@code setIdleTimeout}, whose Netty {@code IdleStateHandler} hangs a promise and a
 * listener on every write (measured: 7 % of a cache hit's cost) and would also cut a request that is
 * still waiting for Linq, or a batch whose results are still streaming. Here a request costs one map
 * lookup and a counter; one periodic sweep per event loop does the rest.
 *
 * <p>The server must not detect h2c: Vert.x then reports a connection only at its first bytes, and one
 * that never sends any would never be seen. One per HTTP verticle: its connections and requests all run on
 * that verticle's event loop, so the state needs no locking. Timing is in sweeps: a connection closes after idling for between
 * {@code SWEEPS} and {@code SWEEPS + 1} sweep periods.
 */
final class IdleConnections {

  /** Sweeps per idle timeout: the timeout's resolution is a quarter of it. */
  static final int SWEEPS = 4;

  private final Map<HttpConnection, Activity> connections = new IdentityHashMap<>();
  private long sweep;

  /** What a request reports to when its response has ended ({@link #onRequest}). */
  static final class Activity {
    /** The sweep during which the connection was last seen busy (or opened). */
    long lastActive;
    /** Requests started and not yet answered (HTTP/2 may have several). */
    int inProgress;
  }

  /**
   * @param idleTimeoutMillis close connections idle this long ({@code > 0})
   */
  IdleConnections(Vertx vertx, long idleTimeoutMillis) {
    vertx.setPeriodic(Math.max(1, idleTimeoutMillis / SWEEPS), id -> sweep());
  }

  /** Without a timer: whoever creates it calls {@link #sweep} (tests count sweeps instead of waiting). */
  IdleConnections() {
  }

  /** Connections open and not yet closed for idling. */
  int open() {
    return connections.size();
  }

  /**
   * A new connection: idle from now until its first request. Its close handler is set here, so nothing
   * else may set it (a request that needs to know uses its response's close handler).
   */
  void opened(HttpConnection connection) {
    Activity activity = new Activity();
    activity.lastActive = sweep;
    connections.put(connection, activity);
    connection.closeHandler(closed -> connections.remove(connection));
  }

  /**
   * A request started on its connection.
   *
   * @return its connection's activity, to pass to {@link #onEnd} when the response has ended
   */
  Activity onRequest(HttpServerRequest request) {
    Activity activity = connections.get(request.connection());
    if (activity == null) {
      return new Activity(); // a connection not seen opening: nothing to track
    }
    activity.inProgress++;
    return activity;
  }

  /** The response to a request has ended: its connection's idle time counts from here. */
  void onEnd(Activity activity) {
    activity.inProgress--;
    activity.lastActive = sweep;
  }

  /** One sweep period has passed: closes the connections idle for more than {@link #SWEEPS} of them. */
  void sweep() {
    sweep++;
    List<HttpConnection> idle = new ArrayList<>();
    connections.forEach((connection, activity) -> {
      if (activity.inProgress > 0) {
        activity.lastActive = sweep; // a request in progress (waiting for Linq, streaming a batch)
      } else if (sweep - activity.lastActive > SWEEPS) {
        idle.add(connection);
      }
    });
    idle.forEach(connection -> {
      connections.remove(connection);
      connection.close();
    });
  }
}
