package com.linqapp.gateway.bench;

import io.vertx.core.AbstractVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerOptions;

/**
 * The cache-hit benchmark's yardstick ({@code bench/cache-hit.sh}): a trivial Vert.x HTTP server that answers every
 * request, once its body has arrived, with the same static JSON the gateway sends for a cached check. One verticle
 * instance per core, like the gateway's HTTP adapter, so the ratio compares the gateway's per-request work with the
 * least any Vert.x server can do.
 *
 * <p>Usage: {@code java -cp target/test-classes:target/linq-capability-gateway.jar
 * com.linqapp.gateway.bench.ReferenceServer PORT [JSON]}
 */
public final class ReferenceServer extends AbstractVerticle {

  static final String DEFAULT_BODY = "{\"address\":\"+15551234567\",\"available\":false}";

  private final int port;
  private final Buffer body;

  ReferenceServer(int port, Buffer body) {
    this.port = port;
    this.body = body;
  }

  @Override
  public void start(Promise<Void> started) {
    vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(port))
        .requestHandler(request -> request.body().onComplete(ignored -> request.response()
            .putHeader("Content-Type", "application/json")
            .end(body)))
        .listen()
        .<Void>mapEmpty()
        .onComplete(started);
  }

  public static void main(String[] args) {
    int port = args.length > 0 ? Integer.parseInt(args[0]) : 8081;
    Buffer body = Buffer.buffer(args.length > 1 ? args[1] : DEFAULT_BODY);
    Vertx vertx = Vertx.vertx();
    vertx.deployVerticle(() -> new ReferenceServer(port, body),
            new DeploymentOptions().setInstances(Runtime.getRuntime().availableProcessors()))
        .onSuccess(id -> System.err.println("reference server on http://127.0.0.1:" + port))
        .onFailure(failure -> {
          failure.printStackTrace();
          System.exit(1);
        });
  }
}
