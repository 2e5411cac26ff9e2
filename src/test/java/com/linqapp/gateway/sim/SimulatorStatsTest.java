package com.linqapp.gateway.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Counters, in process and over {@code /_sim}. */
class SimulatorStatsTest extends SimulatorHttpTestBase {

  @Test
  void countsConcurrentInFlightRequests(Vertx vertx) {
    start(vertx, new SimulatorOptions().setLatencyMillis(200));
    List<Future<HttpResponse<Buffer>>> responses = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      responses.add(checkAsync("check_imessage", new JsonObject().put("address", "+1202555010" + i)));
    }
    eventually(() -> sim.stats().inFlight() == 4);
    await(Future.all(responses));
    assertThat(sim.stats().maxInFlight()).isEqualTo(4);
    assertThat(sim.stats().inFlight()).isZero();
    assertThat(sim.stats().answered()).isEqualTo(4);
  }

  @Test
  void countsRepeatedAndPerAddressRequests(Vertx vertx) {
    start(vertx, new SimulatorOptions());
    imessage("+12025550123");
    imessage("+12025550123");
    imessage("+12025550123");
    rcs("+12025550123");
    imessage("a@example.com");
    SimulatorStats stats = sim.stats();
    assertThat(stats.checkRequests()).isEqualTo(5);
    assertThat(stats.distinctAddresses()).isEqualTo(2);
    assertThat(stats.repeatedAddresses()).isEqualTo(2);
    assertThat(stats.requestsFor("+12025550123")).isEqualTo(4);
    assertThat(stats.requestsFor("RCS", "+12025550123")).isEqualTo(1);
    assertThat(stats.requestsFor("iMessage", "+12025550123")).isEqualTo(3);
    assertThat(stats.requestsFor("+19999999999")).isZero();

    sim.resetStats();
    assertThat(stats.checkRequests()).isZero();
    assertThat(stats.requestsFor("+12025550123")).isZero();
    imessage("+12025550123");
    assertThat(stats.repeatedAddresses()).as("reset forgets addresses").isZero();
  }

  @Test
  void statsAndResetOverHttp(Vertx vertx) {
    start(vertx, new SimulatorOptions());
    imessage("+12025550123");
    imessage("+12025550123");
    sim.failNext(Fault.error500(), 1);
    imessage("+12025550124");
    phoneNumbers(KEY);

    HttpResponse<Buffer> resp = await(client.getAbs(sim.origin() + "/_sim/stats").send());
    assertThat(resp.statusCode()).isEqualTo(200);
    JsonObject json = resp.bodyAsJsonObject();
    assertThat(json.getLong("checkRequests")).isEqualTo(3);
    assertThat(json.getLong("answered")).isEqualTo(2);
    assertThat(json.getLong("serverError5xx")).isEqualTo(1);
    assertThat(json.getLong("phoneNumbersRequests")).isEqualTo(1);
    assertThat(json.getLong("repeatedAddresses")).isEqualTo(1);
    assertThat(json.getLong("distinctAddresses")).isEqualTo(2);
    assertThat(json.getLong("maxInFlight")).isEqualTo(1);
    assertThat(json).isEqualTo(sim.stats().toJson());

    assertThat(await(client.postAbs(sim.origin() + "/_sim/reset").send()).statusCode()).isEqualTo(200);
    JsonObject after = await(client.getAbs(sim.origin() + "/_sim/stats").send()).bodyAsJsonObject();
    assertThat(after.getLong("checkRequests")).isZero();
    assertThat(after.getLong("answered")).isZero();
    assertThat(after.getLong("phoneNumbersRequests")).isZero();
  }
}
