package com.linqapp.gateway.http;

import static com.linqapp.gateway.support.GatewayHarness.IMESSAGE_ROUTE;
import static com.linqapp.gateway.support.GatewayHarness.await;
import static com.linqapp.gateway.support.GatewayHarness.envelopeError;
import static org.assertj.core.api.Assertions.assertThat;

import com.linqapp.gateway.check.ErrorCodes;
import com.linqapp.gateway.support.GatewayHarness;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Issue 10: during a drain the HTTP adapter still answered cached checks 200 from its event loop,
 * although every new request was promised 503/9002. {@code Gateway#drain} now turns the HTTP
 * adapter's switch before the engine drains.
 */
@ExtendWith(VertxExtension.class)
class DrainTest {

  private static final String CACHED = "+12025550143";

  private GatewayHarness gw;

  @AfterEach
  void close() {
    if (gw != null) {
      gw.close();
    }
  }

  @Test
  @DisplayName("once draining, a cached address, a new address and a new batch are refused 503/9002 with Retry-After, and Linq hears nothing")
  void everyNewRequestIsRefusedWhileDraining(Vertx vertx) {
    gw = GatewayHarness.start(vertx);
    assertThat(gw.check(IMESSAGE_ROUTE, CACHED).statusCode()).isEqualTo(200);
    assertThat(gw.check(IMESSAGE_ROUTE, CACHED).getHeader("X-Cache")).as("the cache could answer it").isEqualTo("hit");
    long linqCalls = gw.sim().stats().checkRequests();

    Future<Void> drained = gw.gateway().drain(5_000);

    assertShuttingDown(gw.check(IMESSAGE_ROUTE, CACHED));
    assertShuttingDown(gw.check(IMESSAGE_ROUTE, "+12025550199"));
    assertShuttingDown(gw.post(BatchHandler.ROUTE, "{\"address\":\"" + CACHED + "\"}\n",
        "Content-Type", BatchHandler.NDJSON));
    assertThat(gw.sim().stats().checkRequests()).as("no call to Linq").isEqualTo(linqCalls);
    await(drained);
    assertThat(gw.get("/health/live").statusCode()).as("health is still served").isEqualTo(200);
    assertThat(gw.get("/health/ready").statusCode()).isEqualTo(503);
  }

  private static void assertShuttingDown(HttpResponse<Buffer> response) {
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(503);
    assertThat(envelopeError(response).getInteger("code")).isEqualTo(ErrorCodes.SHUTTING_DOWN);
    assertThat(response.getHeader("Retry-After")).isEqualTo("1");
  }
}
