package com.linqapp.gateway.cluster;

import com.hazelcast.map.IMap;
import com.linqapp.gateway.cache.CachedAnswer;
import com.linqapp.gateway.cache.ResultCache;
import com.linqapp.gateway.check.CheckAnswer;
import com.linqapp.gateway.check.CheckKey;
import io.vertx.core.Context;
import io.vertx.core.Future;
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

/**
 * The cluster's answer cache: a Hazelcast map shared by every node, behind this node's Caffeine near
 * cache. An answer fetched by one node is served by the others without a Linq call.
 *
 * <p>No raw address sits in the shared map: keys are SHA-256 of service, address and {@code from},
 * salted with the cluster's name, and values hold only what Linq said (the caller's request supplies
 * the address again). A phone number's hash can still be found by trying every number, so the map is
 * as private as the cluster's network (see the README's network boundary).
 *
 * <p>Map operations are asynchronous; their completion is brought back to the caller's Vert.x context.
 */
public final class SharedResultCache implements ResultCache {

  /** The Hazelcast map's name (configured in {@code conf/hazelcast.xml}). */
  public static final String MAP = "linq-gateway.answers";

  private final ResultCache near;
  private final IMap<String, String> shared;
  private final String salt;
  private final long staleRetentionMillis;
  /** Writes to the shared map not yet acknowledged, so the engine answers only once other nodes can read. */
  private final Map<CheckKey, Future<Void>> writing = new ConcurrentHashMap<>();

  public SharedResultCache(ClusterNode node, ResultCache near, long staleRetentionMillis) {
    this.near = near;
    this.shared = node.hazelcast().getMap(MAP);
    this.salt = node.name();
    this.staleRetentionMillis = staleRetentionMillis;
  }

  @Override
  public Future<CachedAnswer> get(CheckKey key) {
    CachedAnswer local = near.get(key).result();
    if (local != null) {
      return Future.succeededFuture(local);
    }
    return onCallerContext(shared.getAsync(hash(key))).map(value -> {
      if (value == null) {
        return null;
      }
      CachedAnswer remote = decode(key, new JsonObject(value));
      near.store(key, remote);
      return remote;
    });
  }

  @Override
  public Future<Void> put(CheckKey key, CheckAnswer answer) {
    near.put(key, answer);
    CachedAnswer stored = near.get(key).result();
    if (stored == null) {
      return Future.succeededFuture();
    }
    Future<Void> write = onCallerContext(shared.setAsync(hash(key), encode(stored),
        stored.ttlMillis() + staleRetentionMillis, TimeUnit.MILLISECONDS)).mapEmpty();
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
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      String text = salt + '\0' + key.service().wireName() + '\0' + key.address() + '\0'
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
