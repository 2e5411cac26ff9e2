package com.linqapp.gateway.http;

import com.linqapp.gateway.bus.CapabilityBus;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.HealthChecks;
import io.vertx.ext.healthchecks.Status;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.healthchecks.HealthCheckHandler;

/**
 * {@code /health/live} (the process runs), {@code /health/ready} (the engine serves, is not shutting down
 * and, in cluster mode, is a cluster member), {@code /health} (everything, including whether Linq
 * accepts the gateway's key). None
 * needs a client key. Built on vertx-health-check: 200 when all procedures are up, 503 otherwise.
 */
final class HealthRoutes {

  private static final long STATUS_TIMEOUT_MILLIS = 2_000;

  private HealthRoutes() {
  }

  static void mount(Vertx vertx, Router router) {
    HealthChecks live = HealthChecks.create(vertx).register("process", promise -> promise.complete(Status.OK()));
    HealthChecks ready = HealthChecks.create(vertx).register("engine", engine(vertx));
    HealthChecks full = HealthChecks.create(vertx).register("engine", engine(vertx))
        .register("linq-credentials", promise -> engineStatus(vertx).onComplete(done -> promise.complete(
            done.succeeded() && done.result().getBoolean(CapabilityBus.STATUS_CREDENTIALS_OK, false) ? Status.OK()
                : Status.KO(new JsonObject().put("reason", "Linq rejects the gateway's API key")))));
    router.get("/health/live").handler(HealthCheckHandler.createWithHealthChecks(live));
    router.get("/health/ready").handler(HealthCheckHandler.createWithHealthChecks(ready));
    router.get("/health").handler(HealthCheckHandler.createWithHealthChecks(full));
  }

  /**
   * Up when the engine answers its status and is not shutting down: from SIGTERM on, readiness is down
   * while checks are still served for the shutdown delay, then while the engine drains.
   */
  private static Handler<Promise<Status>> engine(Vertx vertx) {
    return promise -> engineStatus(vertx).onComplete(done -> {
      if (done.failed()) {
        promise.complete(Status.KO(new JsonObject().put("reason", "engine not started")));
      } else if (done.result().getBoolean(CapabilityBus.STATUS_DRAINING, false)) {
        promise.complete(Status.KO(new JsonObject().put("reason", "draining")));
      } else if (done.result().getBoolean(CapabilityBus.STATUS_SHUTTING_DOWN, false)) {
        promise.complete(Status.KO(new JsonObject().put("reason", "shutting down: serving until the drain")));
      } else if (done.result().getJsonObject(CapabilityBus.STATUS_CLUSTER) != null
          && !done.result().getJsonObject(CapabilityBus.STATUS_CLUSTER).getBoolean("active", false)) {
        promise.complete(Status.KO(new JsonObject().put("reason", "not a cluster member")));
      } else {
        promise.complete(Status.OK(done.result()));
      }
    });
  }

  private static Future<JsonObject> engineStatus(Vertx vertx) {
    return vertx.eventBus().<JsonObject>request(CapabilityBus.ENGINE_STATUS, null,
        new DeliveryOptions().setLocalOnly(true).setSendTimeout(STATUS_TIMEOUT_MILLIS)).map(reply -> reply.body());
  }
}
