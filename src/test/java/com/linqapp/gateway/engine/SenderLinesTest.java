package com.linqapp.gateway.engine;

import static com.linqapp.gateway.support.GatewayHarness.IMESSAGE_ROUTE;
import static com.linqapp.gateway.support.GatewayHarness.KEY_A;
import static com.linqapp.gateway.support.GatewayHarness.RCS_ROUTE;
import static com.linqapp.gateway.support.GatewayHarness.await;
import static com.linqapp.gateway.support.GatewayHarness.checkWith;
import static com.linqapp.gateway.support.GatewayHarness.envelopeError;
import static com.linqapp.gateway.support.GatewayHarness.eventually;
import static com.linqapp.gateway.support.GatewayHarness.sleep;
import static org.assertj.core.api.Assertions.assertThat;

import com.linqapp.gateway.bus.CapabilityBus;
import com.linqapp.gateway.sim.Fault;
import com.linqapp.gateway.sim.LinqSimulator;
import com.linqapp.gateway.sim.RateLimitScope;
import com.linqapp.gateway.sim.SimulatorOptions;
import com.linqapp.gateway.support.GatewayHarness;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code LINQ_RATE_LIMIT_SCOPE=line} against a simulator whose limit is per sender line: checks without
 * {@code from} are spread over the account's lines (discovered from {@code GET /v3/phone_numbers}), one line's
 * 429 or RCS fault does not stop the others, and a caller's own {@code from} is respected.
 */
@ExtendWith(VertxExtension.class)
class SenderLinesTest {

  private static final int MAX_CONCURRENCY = 4;

  private GatewayHarness gw;

  @AfterEach
  void close() {
    if (gw != null) {
      gw.close();
    }
  }

  /** The gateway in line scope, once it has discovered the simulator's 3 lines (one budget, one window each). */
  private void start(Vertx vertx) {
    gw = GatewayHarness.start(vertx, new SimulatorOptions().setRateLimitScope(RateLimitScope.LINE),
        new JsonObject().put("LINQ_RATE_LIMIT_SCOPE", "line").put("LINQ_MAX_CONCURRENCY", MAX_CONCURRENCY));
    assertThat(gw.sim().lines()).hasSize(3);
    eventually(Duration.ofSeconds(5), "3 sender lines discovered", () -> {
      JsonObject status = await(vertx.eventBus().<JsonObject>request(CapabilityBus.ENGINE_STATUS, null)).body();
      return status.getInteger("window") == 3 * MAX_CONCURRENCY;
    });
  }

  private static String address(int i) {
    return "+1202556" + String.format("%04d", i);
  }

  @Test
  @DisplayName("checks without from are spread over the account's 3 sender lines, not all sent from one")
  void checksWithoutFromAreSpreadOverLines(Vertx vertx) {
    start(vertx);
    WebClient wide = gw.wideClient(30);

    List<Future<HttpResponse<Buffer>>> futures = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      futures.add(checkWith(wide, KEY_A, IMESSAGE_ROUTE, address(i)));
    }
    for (HttpResponse<Buffer> response : await(Future.all(futures)).<HttpResponse<Buffer>>list()) {
      assertThat(response.statusCode()).isEqualTo(200);
    }

    List<Long> perLine = gw.sim().lines().stream().map(line -> gw.sim().stats().requestsFrom(line)).toList();
    assertThat(perLine.stream().mapToLong(Long::longValue).sum()).as("per line %s", perLine).isEqualTo(30);
    assertThat(perLine).as("per line").allSatisfy(n -> assertThat(n).isBetween(5L, 15L));
  }

  @Test
  @DisplayName("a 429 on one line pauses only that line: checks keep being answered during its 3 s pause and none is sent to it")
  void rateLimitOnOneLineLeavesOthersRunning(Vertx vertx) {
    start(vertx);
    WebClient wide = gw.wideClient(40);
    gw.sim().failNext(Fault.rateLimited(3), 1);

    ConcurrentLinkedQueue<Long> latencies = new ConcurrentLinkedQueue<>();
    List<Future<HttpResponse<Buffer>>> futures = new ArrayList<>();
    long t0 = System.nanoTime();
    for (int i = 0; i < 30; i++) { // one check every 100 ms for the 3 s of the pause
      long sent = System.nanoTime();
      futures.add(checkWith(wide, KEY_A, IMESSAGE_ROUTE, address(100 + i))
          .onSuccess(r -> latencies.add((System.nanoTime() - sent) / 1_000_000)));
      sleep(100);
    }
    List<HttpResponse<Buffer>> responses = await(Future.all(futures)).list();
    long elapsed = (System.nanoTime() - t0) / 1_000_000;

    for (int i = 0; i < responses.size(); i++) {
      assertThat(responses.get(i).statusCode()).as("check %d: %s", i, responses.get(i).bodyAsString()).isEqualTo(200);
    }
    assertThat(gw.sim().stats().rateLimited429()).isEqualTo(1);
    assertThat(gw.sim().stats().requestsInsidePause()).as("requests to the paused line inside its pause").isZero();
    assertThat(latencies).as("no check waited for the paused line").allSatisfy(ms -> assertThat(ms).isLessThan(1_000));
    assertThat(elapsed).as("all answered while the pause lasted").isLessThan(3_900);
    List<Long> perLine = gw.sim().lines().stream().map(line -> gw.sim().stats().requestsFrom(line)).toList();
    assertThat(perLine.stream().filter(n -> n >= 8).count()).as("two lines carried the work: %s", perLine)
        .isGreaterThanOrEqualTo(2);
  }

  @Test
  @DisplayName("an RCS sender-line fault on a check without from is retried on another line and answered 200")
  void rcsLineFaultWithoutFromIsAnsweredFromAnotherLine(Vertx vertx) {
    start(vertx);
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
    start(vertx);
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
