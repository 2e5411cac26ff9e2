package com.linqapp.gateway.cluster;

import com.hazelcast.map.IMap;
import com.linqapp.gateway.cache.CachedAnswer;
import com.linqapp.gateway.cache.ResultCache;
import com.linqapp.gateway.check.CheckAnswer;
import com.linqapp.gateway.check.CheckKey;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster's answer cache: a Hazelcast map shared by every node, behind this node's Caffeine near
 * cache. An answer fetched by one node is served by the others without a Linq call.
 *
 * <p>No raw address sits in the shared map: keys are SHA-256 of service, address and {@code from},
 * salted with the cluster's name, and values hold only what Linq said (the caller's request supplies
 * the address again). A phone number's hash can still be found by trying every number, so the map is
 * as private as the cluster's network (see the README's network boundary).
 *
 * <p>The shared map is a help, never a dependency: a read that fails, or does not answer within
 * {@value #READ_BOUND_MILLIS} ms (or the check's deadline, if sooner), is a miss, and the check goes on to
 * the dispatcher; a write that fails is logged, and the answer goes out all the same. Both are counted
 * ({@link Faults}).
 *
 * <p>Map operations are asynchronous; their completion is brought back to the caller's Vert.x context.
 */
public final class SharedResultCache implements ResultCache {

  /** The Hazelcast map's name (configured in {@code conf/hazelcast.xml}). */
  public static final String MAP = "linq-gateway.answers";

  /** Longest a look-up waits for the shared map before it counts as a miss: tens of milliseconds. */
  public static final long READ_BOUND_MILLIS = 50;

  /** At most one line a while about the shared map failing: it fails for every check when it does. */
  private static final long LOG_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);
  private static final Logger log = LoggerFactory.getLogger(SharedResultCache.class);

  /** Told of each shared-map operation that failed or timed out. Called on any thread; must not block. */
  @FunctionalInterface
  public interface Faults {
    /**
     * @param operation {@code read} or {@code write}
     * @param cause     {@code error} or {@code timeout}
     */
    void onFault(String operation, String cause);
  }

  private final Vertx vertx;
  private final ResultCache near;
  private final IMap<String, String> shared;
  private final Faults faults;
  private final AtomicLong lastLogged = new AtomicLong(System.nanoTime() - LOG_INTERVAL_NANOS);
  private final String salt;
  private final long staleRetentionMillis;
  /** Writes to the shared map not yet acknowledged, so the engine answers only once other nodes can read. */
  private final Map<CheckKey, Future<Void>> writing = new ConcurrentHashMap<>();

  public SharedResultCache(ClusterNode node, ResultCache near, long staleRetentionMillis, Faults faults) {
    this.vertx = node.vertx();
    this.near = near;
    this.faults = faults;
    this.shared = node.hazelcast().getMap(MAP);
    this.salt = node.name();
    this.staleRetentionMillis = staleRetentionMillis;
  }

  @Override
  public Future<CachedAnswer> get(CheckKey key) {
    return get(key, READ_BOUND_MILLIS);
  }

  @Override
  public Future<CachedAnswer> get(CheckKey key, long maxWaitMillis) {
    CachedAnswer local = near.get(key).result();
    long wait = Math.min(READ_BOUND_MILLIS, maxWaitMillis);
    if (local != null || wait <= 0) {
      return Future.succeededFuture(local);
    }
    Promise<CachedAnswer> answer = Promise.promise();
    long timer = vertx.setTimer(wait, id -> {
      if (answer.tryComplete()) {
        faults.onFault("read", "timeout");
      }
    });
    onCallerContext(shared.getAsync(hash(key))).map(value -> value == null ? null : decode(key, new JsonObject(value)))
        .onComplete(read -> {
          vertx.cancelTimer(timer);
          if (read.failed()) {
            if (answer.tryComplete()) {
              faults.onFault("read", "error");
              warn("read", read.cause());
            }
            return;
          }
          if (read.result() != null) {
            near.store(key, read.result()); // late or not, it serves the next look-up
          }
          answer.tryComplete(read.result());
        });
    return answer.future();
  }

  private void warn(String operation, Throwable cause) {
    long last = lastLogged.get();
    long now = System.nanoTime();
    if (now - last >= LOG_INTERVAL_NANOS && lastLogged.compareAndSet(last, now)) {
      log.warn("Shared answer cache: a {} failed ({}); checks go on without it (gateway_shared_cache_faults_total "
          + "counts every one)", operation, cause.toString());
    }
  }

  @Override
  public Future<Void> put(CheckKey key, CheckAnswer answer) {
    near.put(key, answer);
    CachedAnswer stored = near.get(key).result();
    if (stored == null) {
      return Future.succeededFuture();
    }
    Future<Void> write = onCallerContext(shared.setAsync(hash(key), encode(stored),
        stored.ttlMillis() + staleRetentionMillis, TimeUnit.MILLISECONDS)).<Void>mapEmpty().onFailure(failure -> {
          faults.onFault("write", "error");
          warn("write", failure);
        });
    writing.put(key, write);
    write.onComplete(done -> writing.remove(key, write));
    return write;
  }

  @Override
  public Future<Void> written(CheckKey key) {
    Future<Void> write = writing.get(key);
    return write == null ? Future.succeededFuture() : write.otherwiseEmpty();
  }

  /** Hazelcast completes on its own threads: continue on the caller's Vert.x context when there is one. */
  private static <T> Future<T> onCallerContext(CompletionStage<T> stage) {
    Context context = Vertx.currentContext();
    return context == null ? Future.fromCompletionStage(stage) : Future.fromCompletionStage(stage, context);
  }

  @Override
  public void store(CheckKey key, CachedAnswer cached) {
    near.store(key, cached);
  }

  @Override
  public long now() {
    return near.now();
  }

  private String hash(CheckKey key) {
    return sharedKey(salt, key);
  }

  /** The shared map's key of an answer in cluster {@code clusterName}: a salted hash, never the address. */
  public static String sharedKey(String clusterName, CheckKey key) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      String text = clusterName + '\0' + key.service().wireName() + '\0' + key.address() + '\0'
          + (key.from() == null ? "" : key.from());
      return HexFormat.of().formatHex(sha.digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JVM", e);
    }
  }

  private static String encode(CachedAnswer cached) {
    JsonObject value = new JsonObject().put("available", cached.answer().available())
        .put("fetchedAt", cached.fetchedAtMillis()).put("ttl", cached.ttlMillis());
    if (cached.answer().reason() != null) {
      value.put("reason", cached.answer().reason());
    }
    if (cached.answer().selectedService() != null) {
      value.put("selected_service", cached.answer().selectedService());
    }
    return value.encode();
  }

  private static CachedAnswer decode(CheckKey key, JsonObject value) {
    return new CachedAnswer(new CheckAnswer(key.address(), value.getBoolean("available"), value.getString("reason"),
        value.getString("selected_service")), value.getLong("fetchedAt"), value.getLong("ttl"));
  }
}
