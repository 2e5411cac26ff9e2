package com.linqapp.gateway.sim;

import static com.linqapp.gateway.support.Await.await;
import static com.linqapp.gateway.support.Await.until;
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
    start(vertx, new SimulatorOptions());
    sim.hold();
    List<Future<HttpResponse<Buffer>>> responses = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      responses.add(checkAsync("check_imessage", new JsonObject().put("address", "+1202555010" + i)));
    }
    until("4 checks held", () -> sim.held().size() == 4);
    assertThat(sim.stats().inFlight()).as("held checks are in flight").isEqualTo(4);
    assertThat(sim.stats().maxInFlight()).isEqualTo(4);

    await(sim.releaseAll());
    assertThat(await(Future.all(responses)).<HttpResponse<Buffer>>list()).extracting(HttpResponse::statusCode)
        .containsOnly(200);
    // A response's end is counted just after its bytes are written, possibly after the client has read
    // them; the stats route is served on the simulator's event loop after that, so it sees every end.
    JsonObject stats = await(client.getAbs(sim.origin() + "/_sim/stats").send()).bodyAsJsonObject();
    assertThat(stats.getLong("inFlight")).isZero();
    assertThat(stats.getLong("maxInFlight")).isEqualTo(4);
    assertThat(stats.getLong("answered")).isEqualTo(4);
  }

  @Test
  void heldChecksAreAnsweredAsReleasedInArrivalOrder(Vertx vertx) {
    start(vertx, new SimulatorOptions());
    sim.hold();
    Future<HttpResponse<Buffer>> first = checkAsync("check_imessage", new JsonObject().put("address", "+12025550101"));
    until("the first check held", () -> sim.held().size() == 1);
    Future<HttpResponse<Buffer>> second = checkAsync("check_rcs", new JsonObject().put("address", "+12025550102"));
    until("both checks held", () -> sim.held().size() == 2);
    assertThat(sim.held()).containsExactly("+12025550101", "+12025550102");

    await(sim.release(1));
    assertThat(await(first).statusCode()).isEqualTo(200);
    assertThat(sim.held()).containsExactly("+12025550102");
    assertThat(second.isComplete()).as("still held").isFalse();

    // What is left of a release lets later arrivals through: one held, two more passes.
    await(sim.release(3));
    assertThat(await(second).statusCode()).isEqualTo(200);
    assertThat(imessage("+12025550103").statusCode()).isEqualTo(200);
    assertThat(imessage("+12025550104").statusCode()).isEqualTo(200);
    Future<HttpResponse<Buffer>> held = checkAsync("check_imessage", new JsonObject().put("address", "+12025550105"));
    until("the check after the passes held", () -> sim.held().size() == 1);

    await(sim.releaseAll());
    assertThat(await(held).statusCode()).isEqualTo(200);
    assertThat(imessage("+12025550106").statusCode()).as("no longer holding").isEqualTo(200);
    assertThat(sim.held()).isEmpty();
    assertThat(sim.stats().answered()).isEqualTo(6);
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
