package com.linqapp.gateway.engine;

import static com.linqapp.gateway.support.Await.await;
import static com.linqapp.gateway.support.Await.until;
import static com.linqapp.gateway.support.GatewayHarness.IMESSAGE_ROUTE;
import static com.linqapp.gateway.support.GatewayHarness.KEY_A;
import static com.linqapp.gateway.support.GatewayHarness.RCS_ROUTE;
import static com.linqapp.gateway.support.GatewayHarness.checkWith;
import static com.linqapp.gateway.support.GatewayHarness.envelopeError;
import static org.assertj.core.api.Assertions.assertThat;

import com.linqapp.gateway.sim.Fault;
import com.linqapp.gateway.sim.LinqSimulator;
import com.linqapp.gateway.sim.RateLimitScope;
import com.linqapp.gateway.sim.SimulatorOptions;
import com.linqapp.gateway.support.GatewayTestBase;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * {@code LINQ_RATE_LIMIT_SCOPE=line} against a simulator whose limit is per sender line: checks without
 * {@code from} are spread over the account's lines (discovered from {@code GET /v3/phone_numbers}), one line's
 * 429 or RCS fault does not stop the others, and a caller's own {@code from} is respected.
 */
class SenderLinesTest extends GatewayTestBase {

  private static final int MAX_CONCURRENCY = 4;

  /** The gateway in line scope, once it has discovered the simulator's 3 lines (one budget, one window each). */
  private void startInLineScope(Vertx vertx) {
    start(vertx, new SimulatorOptions().setRateLimitScope(RateLimitScope.LINE),
        new JsonObject().put("LINQ_RATE_LIMIT_SCOPE", "line").put("LINQ_MAX_CONCURRENCY", MAX_CONCURRENCY));
    assertThat(gw.sim().lines()).hasSize(3);
    until("3 sender lines discovered", () -> gw.engineStatus().getInteger("window") == 3 * MAX_CONCURRENCY);
  }

  private List<Long> requestsPerLine() {
    return gw.sim().lines().stream().map(line -> gw.sim().stats().requestsFrom(line)).toList();
  }

  private static String address(int i) {
    return "+1202556" + String.format("%04d", i);
  }

  @Test
  @DisplayName("checks without from take the account's 3 sender lines in turn, not all one")
  void checksWithoutFromAreSpreadOverLines(Vertx vertx) {
    startInLineScope(vertx);

    for (int i = 0; i < 30; i++) { // one at a time: each send is the next line's turn
      assertThat(gw.check(IMESSAGE_ROUTE, address(i)).statusCode()).isEqualTo(200);
    }

    assertThat(requestsPerLine()).as("per line").containsExactly(10L, 10L, 10L);
  }

  @Test
  @DisplayName("a 429 on one line pauses only that line: checks sent during its pause are all answered, from the other lines")
  void rateLimitOnOneLineLeavesOthersRunning(Vertx vertx) {
    startInLineScope(vertx);
    // A pause longer than the test: the line must stay unused to the end. The 429 comes with nothing else
    // in flight, so a request reaching that line afterwards was sent after the gateway read the 429.
    gw.sim().failNext(Fault.rateLimited(600), 1);
    HttpResponse<Buffer> first = gw.check(IMESSAGE_ROUTE, address(99));
    assertThat(first.statusCode()).as("retried on another line at once: %s", first.bodyAsString()).isEqualTo(200);

    WebClient wide = gw.wideClient(30);
    List<Future<HttpResponse<Buffer>>> futures = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      futures.add(checkWith(wide, KEY_A, IMESSAGE_ROUTE, address(100 + i)));
    }
    List<HttpResponse<Buffer>> responses = await(Future.all(futures)).list();

    for (int i = 0; i < responses.size(); i++) {
      assertThat(responses.get(i).statusCode()).as("check %d: %s", i, responses.get(i).bodyAsString()).isEqualTo(200);
    }
    assertThat(gw.sim().stats().rateLimited429()).isEqualTo(1);
    assertThat(gw.sim().stats().requestsInsidePause()).as("requests to the paused line inside its pause").isZero();
    List<Long> perLine = requestsPerLine();
    assertThat(perLine).as("the paused line had only the 429: %s", perLine).containsOnlyOnce(1L);
    assertThat(perLine.stream().mapToLong(Long::longValue).sum()).as("per line %s", perLine).isEqualTo(32);
    assertThat(perLine).as("the other two carried the work: %s", perLine).allSatisfy(n -> assertThat(n).isPositive());
  }

  @Test
  @DisplayName("an RCS sender-line fault on a check without from is retried on another line and answered 200")
  void rcsLineFaultWithoutFromIsAnsweredFromAnotherLine(Vertx vertx) {
    startInLineScope(vertx);
    String phone = address(200);
    gw.sim().failNext(Fault.rcsLineFault(Fault.RCS_LINE_NOT_PROVISIONED), 1);

    HttpResponse<Buffer> response = gw.check(RCS_ROUTE, phone);

    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(200);
    assertThat(response.bodyAsJsonObject().getBoolean("available"))
        .isEqualTo(LinqSimulator.expectedAvailable("RCS", phone, 70));
    assertThat(gw.sim().stats().rcsLineFaults()).isEqualTo(1);
    assertThat(gw.sim().stats().requestsFor("RCS", phone)).isEqualTo(2);
    List<Long> perLine = gw.sim().lines().stream().map(line -> gw.sim().stats().requestsFrom(line)).toList();
    assertThat(perLine).as("the retry went to a different line").containsExactlyInAnyOrder(0L, 1L, 1L);
  }

  @Test
  @DisplayName("an RCS sender-line fault on a check whose caller named the line is that caller's 503/4009, not a retry elsewhere")
  void rcsLineFaultWithExplicitFromIsTheCallersAnswer(Vertx vertx) {
    startInLineScope(vertx);
    String phone = address(201);
    String line = gw.sim().lines().get(0);
    gw.sim().failNext(Fault.rcsLineFault(Fault.RCS_LINE_NOT_PROVISIONED), 1);

    HttpResponse<Buffer> response = gw.post(RCS_ROUTE, new JsonObject().put("address", phone).put("from", line).encode());

    assertThat(response.statusCode()).isEqualTo(503);
    assertThat(envelopeError(response).getInteger("code")).isEqualTo(4009);
    assertThat(response.getHeader("Retry-After")).isNotNull();
    assertThat(gw.sim().stats().requestsFor("RCS", phone)).isEqualTo(1);
    assertThat(gw.sim().stats().requestsFrom(line)).isEqualTo(1);
  }

}
