package com.linqapp.gateway.batch;

import static com.linqapp.gateway.support.Await.await;
import static com.linqapp.gateway.support.Await.onContext;
import static com.linqapp.gateway.support.Await.until;
import static org.assertj.core.api.Assertions.assertThat;

import com.linqapp.gateway.bus.CapabilityClient;
import com.linqapp.gateway.check.Service;
import com.linqapp.gateway.support.GatewayTestBase;
import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.streams.ReadStream;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** {@link BatchClient}: a stream of requests in, a stream of answers out, under a bounded window. */
class BatchClientTest extends GatewayTestBase {

  static String phone(int i) {
    return String.format("+1202%07d", 5_550_000 + i);
  }

  /** {@code n} requests over 400 distinct checks (each asked up to three times), the 8th a bad address. */
  private static List<JsonObject> requests(int n) {
    return IntStream.range(0, n).mapToObj(i -> i == 7 ? new JsonObject().put("address", "nope")
        : new JsonObject().put("address", phone(i % 400)).put("service", i % 2 == 0 ? "imessage" : "rcs")).toList();
  }

  @Test
  void everyRequestAnsweredOnceWithinTheWindow(Vertx vertx) {
    start(vertx, new JsonObject().put("LINQ_MAX_CONCURRENCY", 200));
    gw.sim().latency(10, 10);
    int n = 1000;
    int window = 32;
    Context context = vertx.getOrCreateContext();
    Promise<Set<Long>> done = Promise.promise();
    Set<Long> seen = new HashSet<>();
    context.runOnContext(v -> {
      BatchClient batches = BatchClient.create(vertx, CapabilityClient.local(vertx, 30_000), window, Service.IMESSAGE);
      BatchRunner<JsonObject, JsonObject> answers = batches.stream(
          BlockingSource.of(context, requests(n).iterator()));
      answers.handler(line -> {
        if (answers.inFlight() > window) {
          done.tryFail("more than the window in flight: " + answers.inFlight());
        }
        if (!seen.add(line.getLong("index"))) {
          done.tryFail("index twice: " + line);
        }
        if (line.getLong("index") == 7 && line.getJsonObject("error").getInteger("code") != 1002) {
          done.tryFail("the bad address answered " + line);
        }
      });
      answers.endHandler(x -> done.tryComplete(seen));
    });
    assertThat(await(done.future())).hasSize(n);
    assertThat(gw.sim().stats().maxInFlight()).isLessThanOrEqualTo(window);
    // A repeat is submitted only once its first ask was answered, cached before it was: a cache hit.
    assertThat(gw.sim().stats().checkRequests()).as("one upstream call per distinct check").isEqualTo(400);
  }

  @Test
  void pausedConsumerStopsSubmission(Vertx vertx) {
    start(vertx, new JsonObject().put("LINQ_MAX_CONCURRENCY", 200));
    int window = 16;
    Context context = vertx.getOrCreateContext();
    AskCounting<JsonObject> input = new AskCounting<>(BlockingSource.of(context, requests(500).iterator()));
    AtomicReference<BatchRunner<JsonObject, JsonObject>> ref = new AtomicReference<>();
    context.runOnContext(v -> {
      BatchRunner<JsonObject, JsonObject> answers = BatchClient.create(vertx, CapabilityClient.local(vertx, 30_000),
          window, Service.IMESSAGE).stream(input);
      ref.set(answers);
      answers.pause();
      answers.handler(line -> { });
    });
    BatchRunner<JsonObject, JsonObject> answers = onContext(context, ref::get);

    // Each answer arriving is when the runner could ask for more input: once all of the window's are in,
    // it has had every chance to.
    until("the window's checks all answered, none consumed",
        () -> onContext(context, () -> answers.submitted() == window && answers.inFlight() == 0));
    assertThat(onContext(context, () -> input.asked)).as("input asked for while paused").isEqualTo(window);

    // The positive control: consuming one answer makes room for exactly one more.
    assertThat(onContext(context, () -> {
      answers.fetch(1);
      return input.asked;
    })).isEqualTo(window + 1);
    until("the one more submitted", () -> onContext(context, () -> answers.submitted() == window + 1));

    Promise<Void> end = Promise.promise();
    context.runOnContext(v -> {
      answers.endHandler(end::tryComplete);
      answers.resume();
    });
    await(end.future());
    assertThat(onContext(context, answers::submitted)).isEqualTo(500);
  }

  /** A stream that counts what its reader asks of it ({@link #fetch}): for a batch runner, asking is submitting. */
  private static final class AskCounting<T> implements ReadStream<T> {

    private final ReadStream<T> source;
    long asked;

    AskCounting(ReadStream<T> source) {
      this.source = source;
    }

    @Override
    public ReadStream<T> fetch(long amount) {
      asked += amount;
      source.fetch(amount);
      return this;
    }

    @Override
    public ReadStream<T> pause() {
      source.pause();
      return this;
    }

    @Override
    public ReadStream<T> resume() {
      return fetch(Long.MAX_VALUE);
    }

    @Override
    public ReadStream<T> handler(Handler<T> handler) {
      source.handler(handler);
      return this;
    }

    @Override
    public ReadStream<T> endHandler(Handler<Void> endHandler) {
      source.endHandler(endHandler);
      return this;
    }

    @Override
    public ReadStream<T> exceptionHandler(Handler<Throwable> handler) {
      source.exceptionHandler(handler);
      return this;
    }
  }
}
