package com.linqapp.gateway.sim;

import static com.linqapp.gateway.support.Await.await;
import static com.linqapp.gateway.support.Await.awaitFailure;
import static com.linqapp.gateway.support.Await.until;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/** Scripted and random faults. */
class SimulatorFaultTest extends SimulatorHttpTestBase {

  private static final String PHONE = "+12025550123";

  @Test
  void error500ThenNormal(Vertx vertx) {
    start(vertx, new SimulatorOptions());
    sim.failNext(Fault.error500(), 2);
    assertThat(assertError(imessage(PHONE), 500, 3006).getString("message")).isEqualTo("Internal server error");
    assertError(rcs(PHONE), 500, 3006);
    assertThat(imessage(PHONE).statusCode()).isEqualTo(200);
    assertThat(sim.stats().serverError5xx()).isEqualTo(2);
    assertThat(sim.stats().answered()).isEqualTo(1);
  }

  @Test
  void resetClosesTheConnectionWithoutResponse(Vertx vertx) {
    start(vertx, new SimulatorOptions());
    sim.failNext(Fault.reset(), 1);
    Throwable failure = awaitFailure(checkAsync("check_imessage", new JsonObject().put("address", PHONE)));
    assertThat(failure).isNotNull();
    assertThat(sim.stats().resets()).isEqualTo(1);
    until("the reset request ended", () -> sim.stats().inFlight() == 0);
    assertThat(imessage(PHONE).statusCode()).isEqualTo(200);
  }

  @Test
  void garbageIs200WithoutJson(Vertx vertx) {
    start(vertx, new SimulatorOptions());
    sim.failNext(Fault.garbage(), 4);
    for (int i = 0; i < 4; i++) {
      HttpResponse<Buffer> resp = imessage(PHONE);
      assertThat(resp.statusCode()).isEqualTo(200);
      assertThatThrownBy(() -> new JsonObject(resp.body())).isInstanceOf(DecodeException.class);
    }
    assertThat(sim.stats().garbage()).isEqualTo(4);
    assertThat(sim.stats().answered()).isZero();
  }

  @Test
  void hangNeverAnswers(Vertx vertx) {
    start(vertx, new SimulatorOptions());
    sim.failNext(Fault.hang(), 1);
    Throwable failure = awaitFailure(client.postAbs(sim.baseUrl() + "/v3/capability/check_imessage")
        .putHeader("Authorization", "Bearer " + KEY)
        .timeout(300)
        .sendJsonObject(new JsonObject().put("address", PHONE)));
    assertThat(failure).isInstanceOf(TimeoutException.class);
    assertThat(sim.stats().hangs()).isEqualTo(1);
    until("the hung request ended with its connection", () -> sim.stats().inFlight() == 0);
  }

  @Test
  void closeDoesNotWaitForHungRequests(Vertx vertx) {
    start(vertx, new SimulatorOptions().setHangRate(1));
    Future<?> pending = checkAsync("check_imessage", new JsonObject().put("address", PHONE));
    until("the check hangs", () -> sim.stats().hangs() == 1);
    await(sim.close());
    sim = null;
    assertThat(awaitFailure(pending)).isNotNull();
  }

  @Test
  void slowAnswersByteByByte(Vertx vertx) {
    start(vertx, new SimulatorOptions().setSlowByteDelayMillis(5));
    sim.failNext(Fault.slow(), 1);
    long started = System.nanoTime();
    HttpResponse<Buffer> resp = imessage(PHONE);
    long tookMillis = (System.nanoTime() - started) / 1_000_000;
    JsonObject body = resp.bodyAsJsonObject();
    assertThat(resp.statusCode()).isEqualTo(200);
    assertThat(body.getString("address")).isEqualTo(PHONE);
    assertThat(tookMillis).isGreaterThanOrEqualTo((resp.body().length() - 1) * 5L);
    assertThat(sim.stats().slow()).isEqualTo(1);
    assertThat(sim.stats().answered()).isEqualTo(1);
  }

  @Test
  void rcsLineFaultOnlyHitsCheckRcs(Vertx vertx) {
    start(vertx, new SimulatorOptions());
    sim.failNext(Fault.rcsLineFault(Fault.RCS_LINE_NOT_PROVISIONED), 1);
    assertThat(imessage(PHONE).statusCode()).as("check_imessage leaves it queued").isEqualTo(200);
    assertThat(sim.pendingFaults()).isEqualTo(1);
    JsonObject error = assertError(rcs(PHONE), 503, 4009);
    assertThat(error.getString("message")).isNotBlank();
    assertThat(rcs(PHONE).statusCode()).isEqualTo(200);
    assertThat(sim.stats().rcsLineFaults()).isEqualTo(1);
    assertThat(sim.stats().serverError5xx()).isEqualTo(1);
  }

  @Test
  void scriptedRateLimit(Vertx vertx) {
    start(vertx, new SimulatorOptions());
    sim.failNext(Fault.rateLimited(7), 1);
    HttpResponse<Buffer> resp = imessage(PHONE);
    JsonObject error = assertError(resp, 429, 1007);
    assertThat(resp.getHeader("Retry-After")).isEqualTo("7");
    assertThat(error.getInteger("retry_after")).isEqualTo(7);
    assertThat(error.getString("message")).isEqualTo("Rate limited. Try again in 7 seconds.");
    assertThat(sim.stats().rateLimited429()).isEqualTo(1);
  }

  @Test
  void validationComesBeforeScriptedFaults(Vertx vertx) {
    start(vertx, new SimulatorOptions());
    sim.failNext(Fault.error500(), 1);
    assertError(imessage("bogus"), 400, 1002);
    assertThat(sim.pendingFaults()).isEqualTo(1);
    sim.noFaults();
    assertThat(imessage(PHONE).statusCode()).isEqualTo(200);
  }

  @Test
  void randomFaultsAreReproducibleWithASeed(Vertx vertx) {
    SimulatorOptions options = new SimulatorOptions().setSeed(7).setErrorRate(0.3).setGarbageRate(0.2);
    start(vertx, options);
    List<Integer> first = statusSequence();
    assertThat(first).contains(200, 500);
    await(sim.close());
    start(vertx, options);
    assertThat(statusSequence()).isEqualTo(first);
  }

  @Test
  void randomRateOfOneAlwaysFails(Vertx vertx) {
    start(vertx, new SimulatorOptions().setErrorRate(1));
    for (int i = 0; i < 5; i++) {
      assertError(imessage(PHONE), 500, 3006);
    }
    sim.errorRate(0).rcsLineFaultRate(1);
    assertThat(imessage(PHONE).statusCode()).isEqualTo(200);
    assertThat(rcs(PHONE).statusCode()).isEqualTo(503);
  }

  /** Status per request, with 0 for garbage bodies. */
  private List<Integer> statusSequence() {
    List<Integer> statuses = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      HttpResponse<Buffer> resp = imessage(PHONE);
      boolean json;
      try {
        new JsonObject(resp.body());
        json = true;
      } catch (DecodeException e) {
        json = false;
      }
      statuses.add(json ? resp.statusCode() : 0);
    }
    return statuses;
  }
}
