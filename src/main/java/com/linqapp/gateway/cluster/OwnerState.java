package com.linqapp.gateway.cluster;

import com.hazelcast.map.IMap;
import com.linqapp.gateway.engine.Dispatcher;
import com.linqapp.gateway.engine.budget.ClientBudgets;
import com.linqapp.gateway.engine.pacing.LimitEstimate;
import com.linqapp.gateway.engine.pacing.SendPacer;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the owner keeps for whoever owns after it, in Hazelcast maps that outlive any one gateway: what its
 * pacers learnt of Linq's limit ({@value #PACING}) and the client budgets' counts of the day
 * ({@value #BUDGETS}). The owner is their single writer: it publishes every {@value #PUBLISH_MILLIS} ms what
 * changed (one write at a time, so writes cannot overtake each other), and a new owner reads them before it
 * sends anything. So a gateway's restart neither resets a client's daily budget nor makes the cluster learn
 * the limit again, while the cluster stays up.
 *
 * <p>Values are JSON strings and longs, and only built-in map operations are used: consumer applications hold
 * partitions of these maps too, and have none of the gateway's classes.
 *
 * <p>What is lost when the owner dies: the counts and the pace of its last {@value #PUBLISH_MILLIS} ms.
 * Confined to the engine's context.
 */
final class OwnerState {

  /** Map of the learnt pace: one entry, {@value #LEARNT}, a JSON object by budget ("account" or a line). */
  static final String PACING = "linq-gateway.pacing";
  /** Map of the client budgets' counts: {@code client@day} (days since the epoch, UTC) to checks used. */
  static final String BUDGETS = "linq-gateway.budgets";
  static final String LEARNT = "learnt";
  static final long PUBLISH_MILLIS = 250;
  /** Longest a new owner waits for the maps before it sends without them (they may be unreachable). */
  static final long TAKEOVER_WAIT_MILLIS = 2_000;
  /** A day's counts are kept a day past it: long enough for every clock's idea of that day. */
  static final long BUDGET_TTL_MILLIS = TimeUnit.DAYS.toMillis(2);

  private static final Logger log = LoggerFactory.getLogger(OwnerState.class);

  private final ClusterNode node;
  private final Context engine;
  private final Dispatcher dispatcher;
  private final ClientBudgets budgets;
  private final LongSupplier wallClock;
  private final Future<IMap<String, String>> pacing;
  private final Future<IMap<String, Long>> counts;
  private final Map<String, Long> countsWritten = new HashMap<>();
  private String pacingWritten;
  private boolean owning;
  private long publisher = -1;
  private Future<Void> publishing = Future.succeededFuture();

  /** @param wallClock milliseconds since the epoch: which UTC day budgets count in */
  OwnerState(ClusterNode node, Context engine, Dispatcher dispatcher, ClientBudgets budgets, LongSupplier wallClock) {
    this.node = node;
    this.engine = engine;
    this.dispatcher = dispatcher;
    this.budgets = budgets;
    this.wallClock = wallClock;
    this.pacing = node.map(PACING);
    this.counts = node.map(BUDGETS);
  }

  /**
   * This gateway becomes the owner: it reads what the previous owner kept (waiting at most
   * {@value #TAKEOVER_WAIT_MILLIS} ms), takes it over, and publishes its own from now on.
   *
   * @return completes when the dispatcher may send for the cluster; never fails
   */
  Future<Void> takeOver() {
    owning = true;
    long now = wallClock.getAsLong();
    long day = ClientBudgets.day(now);
    Future<String> learnt = pacing.compose(map -> read(map.getAsync(LEARNT)));
    Map<String, Future<Long>> used = new HashMap<>();
    for (String client : budgets.clients()) {
      used.put(client, counts.compose(map -> read(map.getAsync(key(client, day)))));
    }
    List<Future<?>> reads = new ArrayList<>(used.values());
    reads.add(learnt);
    Promise<Void> done = Promise.promise();
    long timer = node.vertx().setTimer(TAKEOVER_WAIT_MILLIS, id -> done.tryComplete());
    Future.join(reads).onComplete(all -> {
      node.vertx().cancelTimer(timer);
      done.tryComplete();
    });
    return done.future().map(v -> {
      used.forEach((client, count) -> {
        if (count.succeeded() && count.result() != null) {
          budgets.countAtLeast(client, now, count.result());
          countsWritten.put(key(client, day), count.result());
        }
      });
      Map<String, LimitEstimate> adopted = learnt.succeeded() && learnt.result() != null
          ? decode(learnt.result()) : Map.of();
      dispatcher.takeOver(adopted);
      if (!reads.stream().allMatch(Future::succeeded)) {
        log.warn("Cluster: took over without all of the previous owner's state (the shared maps did not answer "
            + "within {} ms): budgets and pace start from what this gateway knows", TAKEOVER_WAIT_MILLIS);
      }
      log.info("Cluster: this gateway sends for the cluster, with the pace learnt before for {} budget(s)",
          adopted.size());
      if (owning && publisher < 0) {
        publisher = node.vertx().setPeriodic(PUBLISH_MILLIS, id -> publish());
      }
      return null;
    });
  }

  /** No longer the owner: stops publishing (the next owner writes from now on). */
  void stepDown() {
    owning = false;
    if (publisher >= 0) {
      node.vertx().cancelTimer(publisher);
      publisher = -1;
    }
  }

  /**
   * Writes what changed since the last write, unless a write is still under way.
   *
   * @return completes when this round's writes are done; never fails
   */
  Future<Void> publish() {
    if (!publishing.isComplete()) {
      return publishing;
    }
    List<Future<?>> writes = new ArrayList<>();
    String learnt = encode(dispatcher.learnt());
    if (!learnt.equals(pacingWritten)) {
      writes.add(pacing.compose(map -> read(map.setAsync(LEARNT, learnt))).onSuccess(v -> pacingWritten = learnt));
    }
    long now = wallClock.getAsLong();
    for (String client : budgets.clients()) {
      String key = key(client, ClientBudgets.day(now));
      long used = budgets.used(client, now);
      if (used > 0 && !Long.valueOf(used).equals(countsWritten.get(key))) {
        writes.add(counts.compose(map -> read(map.setAsync(key, used, BUDGET_TTL_MILLIS, TimeUnit.MILLISECONDS)))
            .onSuccess(v -> countsWritten.put(key, used)));
      }
    }
    publishing = Future.join(writes).<Void>mapEmpty().otherwise(failure -> {
      log.warn("Cluster: could not publish the pace or the budgets' counts: {}", failure.toString());
      return null;
    });
    return publishing;
  }

  private static String key(String client, long day) {
    return client + "@" + day;
  }

  /** Hazelcast completes on its own threads: back to the engine's context. */
  private <T> Future<T> read(CompletionStage<T> stage) {
    return Future.fromCompletionStage(stage, engine);
  }

  static String encode(Map<String, LimitEstimate> learnt) {
    JsonObject json = new JsonObject();
    learnt.forEach((budget, estimate) -> json.put(budget, estimate.toJson()));
    return json.encode();
  }

  static Map<String, LimitEstimate> decode(String encoded) {
    Map<String, LimitEstimate> learnt = new HashMap<>();
    JsonObject json = new JsonObject(encoded);
    for (String budget : json.fieldNames()) {
      learnt.put(budget, LimitEstimate.fromJson(json.getJsonObject(budget)));
    }
    return learnt;
  }
}
