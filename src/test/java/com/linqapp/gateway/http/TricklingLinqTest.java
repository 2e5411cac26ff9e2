package com.linqapp.gateway.http;

import static com.linqapp.gateway.support.GatewayHarness.IMESSAGE_ROUTE;
import static com.linqapp.gateway.support.GatewayHarness.envelopeError;
import static com.linqapp.gateway.support.GatewayHarness.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import com.linqapp.gateway.check.ErrorCodes;
import com.linqapp.gateway.sim.Fault;
import com.linqapp.gateway.sim.SimulatorOptions;
import com.linqapp.gateway.support.GatewayHarness;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Issue 10: an exchange with Linq was bounded only by its silences (the idle timeout), so an answer
 * that trickles in a byte at a time held its connection, and the engine's concurrency slot, long past
 * the check's deadline. Each exchange is now bounded as a whole by the check's deadline.
 */
@ExtendWith(VertxExtension.class)
class TricklingLinqTest {

  /** One byte a second: an answer of ~40 bytes takes ~40 s, and no silence reaches the idle timeout. */
  private static final long BYTE_DELAY_MILLIS = 1_000;

  private GatewayHarness gw;

  @AfterEach
  void close() {
    if (gw != null) {
      gw.close();
    }
  }

  @Test
  @DisplayName("a trickling answer is cut at the check's deadline (504/9004) and frees its slot: the next check, with the only slot, is answered")
  void tricklingAnswerFreesItsSlotAtTheDeadline(Vertx vertx) {
    gw = GatewayHarness.start(vertx, new SimulatorOptions().setSlowByteDelayMillis(BYTE_DELAY_MILLIS),
        new JsonObject().put("LINQ_MAX_CONCURRENCY", 1));
    gw.sim().failNext(Fault.slow(), 1);

    HttpResponse<Buffer> trickled = gw.check(IMESSAGE_ROUTE, "+12025550101", "X-Request-Timeout-Ms", "1000");

    assertThat(trickled.statusCode()).as(trickled.bodyAsString()).isEqualTo(504);
    assertThat(envelopeError(trickled).getInteger("code")).isEqualTo(ErrorCodes.UPSTREAM_TIMEOUT);
    assertThat(gw.sim().stats().slow()).as("Linq was trickling").isEqualTo(1);

    // Without a bound on the whole exchange the only slot stays taken for the ~40 s the trickle lasts,
    // and this check could not be sent before its own deadline.
    HttpResponse<Buffer> next = gw.check(IMESSAGE_ROUTE, "+12025550102", "X-Request-Timeout-Ms", "10000");

    assertThat(next.statusCode()).as(next.bodyAsString()).isEqualTo(200);
    assertThat(next.bodyAsJsonObject().getString("address")).isEqualTo("+12025550102");
    eventually(Duration.ofSeconds(5), "no request left in flight to Linq",
        () -> UpstreamFaultsTest.engineStatus(gw).getInteger("inFlight", -1) == 0
            && gw.sim().stats().inFlight() == 0);
  }
}
