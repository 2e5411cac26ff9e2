package com.linqapp.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * A real HTTP server on loopback with {@link IdleConnections} at an 800 ms idle timeout (sweeps every
 * 200 ms): idle connections close, busy ones and ones kept in use stay open. Margins are generous: a
 * request every 150 ms is idle for a fifth of the timeout.
 */
class IdleConnectionsTest {

  private static final long IDLE_MILLIS = 800;

  private Vertx vertx;
  private HttpServer server;
  private final AtomicInteger opened = new AtomicInteger();

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    // Deployed in a context of its own, like the HTTP verticle: connections, requests and sweeps share it.
    // Without h2c, as in the gateway: Vert.x then sees a connection when it opens, not at its first bytes.
    server = vertx.deployVerticle(new VerticleBase() {
      @Override
      public Future<?> start() {
        IdleConnections connections = new IdleConnections(vertx, IDLE_MILLIS);
        server = vertx.createHttpServer(new HttpServerOptions().setHttp2ClearTextEnabled(false))
            .connectionHandler(connection -> {
              opened.incrementAndGet();
              connections.opened(connection);
            })
            .requestHandler(request -> {
              IdleConnections.Activity activity = connections.onRequest(request);
              request.response().endHandler(ended -> connections.onEnd(activity));
              long delay = Long.parseLong(request.getParam("delay", "0"));
              vertx.setTimer(Math.max(1, delay), id -> request.response().end("ok"));
            });
        return server.listen(0, "127.0.0.1");
      }
    }).map(id -> server).await(10, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  @Test
  @DisplayName("a connection that never sends a request is closed after the idle timeout, not before")
  void closesSilentConnection() throws Exception {
    NetClient net = vertx.createNetClient();
    long started = System.nanoTime();
    NetSocket socket = net.connect(server.actualPort(), "127.0.0.1").await(5, TimeUnit.SECONDS);
    Future<Void> closed = Future.future(promise -> socket.closeHandler(promise::complete));
    closed.await(5, TimeUnit.SECONDS);
    long afterMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
    assertThat(afterMillis).isBetween(IDLE_MILLIS - 50, 5_000L);
  }

  @Test
  @DisplayName("a request in progress for three idle timeouts is answered on its connection")
  void keepsBusyConnection() throws Exception {
    HttpClient client = vertx.createHttpClient();
    String body = client.request(HttpMethod.GET, server.actualPort(), "127.0.0.1", "/?delay=" + 3 * IDLE_MILLIS)
        .compose(request -> request.send().compose(HttpClientResponse::body))
        .await(10, TimeUnit.SECONDS).toString();
    assertThat(body).isEqualTo("ok");
  }

  @Test
  @DisplayName("a keep-alive connection in use keeps serving; once idle, it is closed")
  void keepsConnectionInUse() throws Exception {
    HttpClient client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true),
        new PoolOptions().setHttp1MaxSize(1));
    for (int i = 0; i < 16; i++) { // 16 x 150 ms: three idle timeouts in all
      client.request(HttpMethod.GET, server.actualPort(), "127.0.0.1", "/")
          .compose(request -> request.send().compose(HttpClientResponse::body))
          .await(5, TimeUnit.SECONDS);
      Thread.sleep(150);
    }
    assertThat(opened.get()).isEqualTo(1);

    Thread.sleep(3 * IDLE_MILLIS);
    client.request(HttpMethod.GET, server.actualPort(), "127.0.0.1", "/")
        .compose(request -> request.send().compose(HttpClientResponse::body))
        .await(5, TimeUnit.SECONDS);
    assertThat(opened.get()).isEqualTo(2); // the idle one was closed, so the client had to open another
  }
}
