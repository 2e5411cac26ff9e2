package com.linqapp.gateway.http;

import static com.linqapp.gateway.support.Await.await;
import static com.linqapp.gateway.support.Await.onContext;
import static com.linqapp.gateway.support.Await.until;
import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.net.NetSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * A real HTTP server on loopback with {@link IdleConnections}, whose sweeps the test runs itself: idle
 * time is counted in sweeps, so the tests say exactly when a connection must still be open and when it
 * must be closed, whatever the machine's load.
 */
class IdleConnectionsTest {

  private static final int SWEEPS = IdleConnections.SWEEPS;

  private Vertx vertx;
  private HttpServer server;
  private Context serverContext;
  private IdleConnections connections;
  private final AtomicInteger opened = new AtomicInteger();
  /** Requests to {@code /held}, unanswered until the test answers them (on the server's context). */
  private final List<HttpServerRequest> held = new ArrayList<>();

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    // Deployed in a context of its own, like the HTTP verticle: connections, requests and sweeps share it.
    // Without h2c, as in the gateway: Vert.x then sees a connection when it opens, not at its first bytes.
    await(vertx.deployVerticle(new VerticleBase() {
      @Override
      public Future<?> start() {
        serverContext = context;
        connections = new IdleConnections();
        server = vertx.createHttpServer(new HttpServerOptions().setHttp2ClearTextEnabled(false))
            .connectionHandler(connection -> {
              opened.incrementAndGet();
              connections.opened(connection);
            })
            .requestHandler(request -> {
              IdleConnections.Activity activity = connections.onRequest(request);
              request.response().endHandler(ended -> connections.onEnd(activity));
              if (request.path().equals("/held")) {
                held.add(request);
              } else {
                request.response().end("ok");
              }
            });
        return server.listen(0, "127.0.0.1");
      }
    }));
  }

  @AfterEach
  void stop() {
    await(vertx.close());
  }

  /** Runs {@code action} on the server's event loop, where the connections' state lives. */
  private <T> T onServer(Supplier<T> action) {
    return onContext(serverContext, action);
  }

  /** {@code count} sweep periods pass. */
  private void sweeps(int count) {
    onServer(() -> {
      for (int i = 0; i < count; i++) {
        connections.sweep();
      }
      return null;
    });
  }

  private int open() {
    return onServer(connections::open);
  }

  private static Future<String> get(HttpClient client, int port, String path) {
    return client.request(HttpMethod.GET, port, "127.0.0.1", path)
        .compose(request -> request.send().compose(HttpClientResponse::body)).map(Object::toString);
  }

  @Test
  @DisplayName("a connection that never sends a request is closed after the idle timeout, not before")
  void closesSilentConnection() {
    NetSocket socket = await(vertx.createNetClient().connect(server.actualPort(), "127.0.0.1"));
    Promise<Void> closed = Promise.promise();
    socket.closeHandler(closed::tryComplete);
    until("the server saw the connection", () -> opened.get() == 1);

    sweeps(SWEEPS);
    assertThat(open()).as("idle for the timeout's %d sweeps: still open", SWEEPS).isEqualTo(1);
    sweeps(1);
    assertThat(open()).as("idle past the timeout: closed").isZero();
    await(closed.future());
  }

  @Test
  @DisplayName("a request in progress for three idle timeouts is answered on its connection")
  void keepsBusyConnection() {
    HttpClient client = vertx.createHttpClient();
    Future<String> body = get(client, server.actualPort(), "/held");
    until("the request is in progress", () -> onServer(held::size) == 1);

    sweeps(3 * SWEEPS + 1);
    assertThat(open()).as("busy for three idle timeouts: still open").isEqualTo(1);
    onServer(() -> {
      held.forEach(request -> request.response().end("ok"));
      return null;
    });
    assertThat(await(body)).isEqualTo("ok");
    assertThat(opened.get()).isEqualTo(1);
  }

  @Test
  @DisplayName("a keep-alive connection in use keeps serving; once idle, it is closed")
  void keepsConnectionInUse() {
    AtomicInteger clientSawClose = new AtomicInteger();
    HttpClient client = vertx.httpClientBuilder().with(new HttpClientOptions().setKeepAlive(true))
        .with(new PoolOptions().setHttp1MaxSize(1))
        .withConnectHandler(connection -> connection.closeHandler(v -> clientSawClose.incrementAndGet()))
        .build();
    for (int i = 0; i < 16; i++) { // idle for a whole timeout between requests: 16 timeouts in all
      assertThat(await(get(client, server.actualPort(), "/"))).isEqualTo("ok");
      sweeps(SWEEPS);
    }
    assertThat(opened.get()).as("every request on the one connection").isEqualTo(1);
    assertThat(open()).isEqualTo(1);

    sweeps(1);
    assertThat(open()).as("idle past the timeout: closed").isZero();
    until("the client sees its connection closed", () -> clientSawClose.get() == 1);
  }
}
