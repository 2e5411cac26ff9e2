package com.linqapp.gateway.linq;

import static com.linqapp.gateway.support.Await.await;
import static com.linqapp.gateway.support.Await.onContext;
import static org.assertj.core.api.Assertions.assertThat;

import com.linqapp.gateway.check.Service;
import com.linqapp.gateway.sim.LinqSimulator;
import com.linqapp.gateway.sim.SimulatorOptions;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The Linq client's connection pool against the real simulator: it must take everything the engine may
 * have in flight at once — a full window of checks and the key probe — even before a connection is open.
 * (Found by the flaky-test hunt: a window of checks sent while the startup probe waited for its connection
 * was refused by the pool, {@code ConnectionPoolTooBusyException}, and every refusal cost the check an attempt.)
 */
@ExtendWith(VertxExtension.class)
class LinqClientPoolTest {

  private static final int MAX_CONCURRENCY = 4;

  @Test
  @DisplayName("the key probe and a full window of checks sent at once, before any connection opens, are all answered")
  void probeAndFullWindowFitThePool(Vertx vertx) {
    LinqSimulator sim = await(LinqSimulator.start(vertx, new SimulatorOptions()));
    LinqClient linq = LinqClient.create(vertx, new LinqClientOptions().setBaseUrl(sim.baseUrl())
        .setApiKey(sim.apiKey()).setMaxConcurrency(MAX_CONCURRENCY));
    Context context = vertx.getOrCreateContext();

    // All on one turn of the event loop: no connection can open meanwhile, so every request waits in the pool.
    Future<List<LinqOutcome>> outcomes = onContext(context, () -> {
      List<Future<LinqOutcome>> sent = new ArrayList<>();
      sent.add(linq.senderLines());
      for (int i = 0; i < MAX_CONCURRENCY; i++) {
        sent.add(linq.check(Service.IMESSAGE, "+1202555010" + i, null, 10_000));
      }
      return Future.all(sent).map(all -> all.<LinqOutcome>list());
    });

    List<LinqOutcome> answers = await(outcomes);
    assertThat(answers.get(0)).isInstanceOf(LinqOutcome.SenderLines.class);
    assertThat(answers.subList(1, answers.size())).as("%s", answers)
        .allSatisfy(outcome -> assertThat(outcome).isInstanceOf(LinqOutcome.Answered.class));
    await(linq.close());
    await(sim.close());
  }

  @Test
  @DisplayName("a check that waits for a connection says when it leaves: after the other gave the connection back")
  void aCheckThatWaitsLeavesWhenItsConnectionIsThere(Vertx vertx) {
    long latency = 300;
    LinqSimulator sim = await(LinqSimulator.start(vertx, new SimulatorOptions().setLatencyMillis(latency)
        .setJitterMillis(0)));
    LinqClient linq = LinqClient.create(vertx, new LinqClientOptions().setBaseUrl(sim.baseUrl())
        .setApiKey(sim.apiKey()).setMaxConcurrency(1));
    Context context = vertx.getOrCreateContext();
    long[] leftAt = new long[2];

    // Both at once on one connection: one leaves only when the other's answer is in, at least the simulator's
    // latency later (a lower bound: a slow machine only makes it later).
    Future<List<LinqOutcome>> outcomes = onContext(context, () -> Future.all(
            linq.check(Service.IMESSAGE, "+12025550100", null, 10_000, () -> leaves(leftAt, 0)),
            linq.check(Service.IMESSAGE, "+12025550101", null, 10_000, () -> leaves(leftAt, 1)))
        .map(all -> all.<LinqOutcome>list()));

    assertThat(await(outcomes)).allSatisfy(outcome -> assertThat(outcome).isInstanceOf(LinqOutcome.Answered.class));
    assertThat(leftAt).doesNotContain(0L);
    assertThat(TimeUnit.NANOSECONDS.toMillis(Math.abs(leftAt[1] - leftAt[0]))).isGreaterThanOrEqualTo(latency);
    await(linq.close());
    await(sim.close());
  }

  private static Future<Void> leaves(long[] leftAt, int index) {
    leftAt[index] = System.nanoTime();
    return Future.succeededFuture();
  }

  @Test
  @DisplayName("a request is written when its departure completes; one held past its bound is never written")
  void aHeldRequestWaitsForItsDeparture(Vertx vertx) {
    LinqSimulator sim = await(LinqSimulator.start(vertx, new SimulatorOptions().setLatencyMillis(0)
        .setJitterMillis(0)));
    LinqClient linq = LinqClient.create(vertx, new LinqClientOptions().setBaseUrl(sim.baseUrl())
        .setApiKey(sim.apiKey()).setMaxConcurrency(2));
    Context context = vertx.getOrCreateContext();
    Promise<Void> release = Promise.promise();

    Future<LinqOutcome> held = onContext(context, () ->
        linq.check(Service.IMESSAGE, "+12025550100", null, 60_000, release::future));
    Future<LinqOutcome> heldTooLong = onContext(context, () ->
        linq.check(Service.IMESSAGE, "+12025550101", null, 200, Promise.<Void>promise()::future));

    assertThat(await(heldTooLong)).isInstanceOf(LinqOutcome.TransientFault.class)
        .extracting(outcome -> ((LinqOutcome.TransientFault) outcome).kind())
        .isEqualTo(LinqOutcome.TransientFault.Kind.TIMEOUT);
    assertThat(held.isComplete()).isFalse();
    assertThat(sim.stats().checkRequests()).as("neither written").isZero();

    context.runOnContext(v -> release.complete());
    assertThat(await(held)).isInstanceOf(LinqOutcome.Answered.class);
    assertThat(sim.stats().checkRequests()).isEqualTo(1);
    await(linq.close());
    await(sim.close());
  }
}
