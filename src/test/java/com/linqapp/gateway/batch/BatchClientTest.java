package com.linqapp.gateway.batch;

import static com.linqapp.gateway.support.GatewayHarness.await;
import static com.linqapp.gateway.support.GatewayHarness.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import com.linqapp.gateway.bus.CapabilityClient;
import com.linqapp.gateway.sim.SimulatorOptions;
import com.linqapp.gateway.support.GatewayHarness;
import io.vertx.core.Context;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@link BatchClient}: a stream of requests in, a stream of answers out, under a bounded window. */
@ExtendWith(VertxExtension.class)
class BatchClientTest {

  private GatewayHarness gw;

  @AfterEach
  void close() {
    if (gw != null) {
      gw.close();
    }
  }

  static String phone(int i) {
    return String.format("+1202%07d", 5_550_000 + i);
  }

  private static List<JsonObject> requests(int n) {
    return IntStream.range(0, n).mapToObj(i -> i == 7 ? new JsonObject().put("address", "nope")
        : new JsonObject().put("address", phone(i % 400)).put("service", i % 2 == 0 ? "imessage" : "rcs")).toList();
  }

  @Test
  void everyRequestAnsweredOnceWithinTheWindow(Vertx vertx) {
    gw = GatewayHarness.start(vertx, new SimulatorOptions(), new JsonObject().put("LINQ_MAX_CONCURRENCY", 200));
    gw.sim().latency(10, 10);
    int n = 1000;
    int window = 32;
    Context context = vertx.getOrCreateContext();
    Promise<Set<Long>> done = Promise.promise();
    Set<Long> seen = new HashSet<>();
    context.runOnContext(v -> {
      BatchClient batches = BatchClient.create(vertx, CapabilityClient.local(vertx, 30_000), window,
          com.linqapp.gateway.check.Service.IMESSAGE);
      BatchRunner<JsonObject, JsonObject> answers = batches.stream(
          BlockingSource.of(context, requests(n).iterator()));
      answers.handler(line -> {
        assertThat(answers.inFlight()).isLessThanOrEqualTo(window);
        if (!seen.add(line.getLong("index"))) {
          done.tryFail("index twice: " + line);
        }
        if (line.getLong("index") == 7) {
          assertThat(line.getJsonObject("error").getInteger("code")).isEqualTo(1002);
        }
      });
      answers.endHandler(x -> done.tryComplete(seen));
    });
    assertThat(await(done.future())).hasSize(n);
    assertThat(gw.sim().stats().maxInFlight()).isLessThanOrEqualTo(window);
    assertThat(gw.sim().stats().checkRequests()).isLessThanOrEqualTo(800);
  }

  @Test
  void pausedConsumerStopsSubmission(Vertx vertx) {
    gw = GatewayHarness.start(vertx, new SimulatorOptions(), new JsonObject().put("LINQ_MAX_CONCURRENCY", 200));
    int window = 16;
    Context context = vertx.getOrCreateContext();
    AtomicReference<BatchRunner<JsonObject, JsonObject>> ref = new AtomicReference<>();
    context.runOnContext(v -> {
      BatchRunner<JsonObject, JsonObject> answers = BatchClient.create(vertx, CapabilityClient.local(vertx, 30_000),
          window, com.linqapp.gateway.check.Service.IMESSAGE).stream(BlockingSource.of(context, requests(500).iterator()));
      ref.set(answers);
      answers.pause();
      answers.handler(line -> { });
    });
    eventually(Duration.ofSeconds(5), "window filled", () -> gw.sim().stats().checkRequests() >= window - 1);
    try {
      Thread.sleep(500);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    assertThat(gw.sim().stats().checkRequests()).as("nothing submitted while the consumer is paused")
        .isLessThanOrEqualTo(window);
    Promise<Void> end = Promise.promise();
    context.runOnContext(v -> {
      ref.get().endHandler(end::tryComplete);
      ref.get().resume();
    });
    await(end.future());
  }
}
