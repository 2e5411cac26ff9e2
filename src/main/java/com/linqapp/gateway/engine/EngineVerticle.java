package com.linqapp.gateway.engine;

import com.linqapp.gateway.bus.CapabilityBus;
import com.linqapp.gateway.bus.CheckMessages;
import com.linqapp.gateway.cache.ResultCache;
import com.linqapp.gateway.check.AddressRule;
import com.linqapp.gateway.check.CheckException;
import com.linqapp.gateway.check.CheckRequest;
import com.linqapp.gateway.check.CheckResult;
import com.linqapp.gateway.check.ErrorCodes;
import com.linqapp.gateway.cluster.ClusterNode;
import com.linqapp.gateway.cluster.ClusterQuota;
import com.linqapp.gateway.config.GatewayConfig;
import com.linqapp.gateway.engine.pacing.SendPacer;
import com.linqapp.gateway.linq.LinqClient;
import com.linqapp.gateway.linq.LinqClientOptions;
import com.linqapp.gateway.log.RequestTag;
import com.linqapp.gateway.metrics.GatewayMetrics;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Random;
import java.util.UUID;

/**
 * Owns the {@link Dispatcher} and serves {@code capability.check}. One instance: all dispatch state
 * lives on its event loop. Lifecycle and wiring only; the logic is in the dispatcher.
 *
 * <p>The consumer is never paused (a paused consumer drops what overflows its buffer); when the queue
 * is full the dispatcher refuses at once with 503/9001.
 */
public final class EngineVerticle extends VerticleBase {

  /** Engine status address payload fields, for health. */
  public static final String CREDENTIALS_OK = "credentialsOk";

  private final GatewayConfig config;
  private final String hopId;
  private final ResultCache cache;
  private final GatewayMetrics metrics;
  private final ClusterNode cluster;
  private ClusterQuota clusterQuota;
  private LinqClient linq;
  private Dispatcher dispatcher;
  private CheckService checks;
  private AddressRule addressRule;
  private Scheduler scheduler;
  private boolean draining;
  private MessageConsumer<JsonObject> checkConsumer;
  /** Checks taken from the bus and not replied to yet (the dispatcher's answer is not the reply yet). */
  private int unreplied;
  private Promise<Void> allReplied;

  /**
   * @param hopId this gateway's id in {@code X-Linq-Gateway-Hop}, to detect a gateway calling itself
   * @param cache   the answer cache, shared with the HTTP adapter
   * @param metrics where the engine's events are counted
   * @param cluster this node's cluster membership, or {@code null} when standalone
   */
  public EngineVerticle(GatewayConfig config, String hopId, ResultCache cache, GatewayMetrics metrics,
                        ClusterNode cluster) {
    this.config = config;
    this.hopId = hopId;
    this.cache = cache;
    this.metrics = metrics;
    this.cluster = cluster;
  }

  /** Deployment options for the single engine instance. */
  public static DeploymentOptions deploymentOptions() {
    return new DeploymentOptions().setInstances(1);
  }

  @Override
  public Future<?> start() {
    linq = LinqClient.create(vertx, new LinqClientOptions()
        .setBaseUrl(config.linqBaseUrl())
        .setApiKey(config.linqApiKey())
        .setMaxConcurrency(config.maxConcurrency())
        .setConnectTimeoutMillis(config.connectTimeoutMillis())
        .setIdleTimeoutMillis(config.idleTimeoutMillis())
        .setHopId(hopId));
    scheduler = Scheduler.of(vertx);
    Random random = new Random();
    EngineOptions options = EngineOptions.of(config.maxQueue(), config.maxConcurrency(), config.maxAttempts(),
        "line".equals(config.rateLimitScope()));
    clusterQuota = cluster == null ? null : new ClusterQuota(cluster, context, scheduler);
    dispatcher = new Dispatcher(options, linq, scheduler,
        BackoffPolicy.exponentialFullJitter(options.backoffBaseMillis(), options.backoffCapMillis(), random::nextDouble),
        BackoffPolicy.exponentialFullJitter(1_000, 60_000, random::nextDouble),
        this::pacer, listener(), request -> config.clientBudgets().tryConsume(request.client(), System.currentTimeMillis()));
    checks = new CheckService(cache, dispatcher, scheduler);
    addressRule = new AddressRule(config.defaultRegion());
    dispatcher.verifyCredentials();

    checkConsumer = vertx.eventBus().consumer(CapabilityBus.CHECK, this::onCheck);
    MessageConsumer<JsonObject> statusConsumer = vertx.eventBus().localConsumer(CapabilityBus.ENGINE_STATUS,
        message -> message.reply(status()));
    MessageConsumer<JsonObject> cancelConsumer = vertx.eventBus().consumer(CapabilityBus.CANCEL,
        message -> dispatcher.cancel(message.body().getString("request_id", "")));
    Future<Void> quota = clusterQuota == null ? Future.succeededFuture() : clusterQuota.attach(dispatcher);
    return Future.all(List.of(checkConsumer.completion(), statusConsumer.completion(), cancelConsumer.completion(),
        quota));
  }

  /** Answers go to the cache, events to metrics and, in a cluster, 429 pauses to the other nodes. */
  private DispatchListener listener() {
    DispatchListener local = DispatchListener.all(DispatchListener.answers(cache::put), metrics);
    return clusterQuota == null ? local : DispatchListener.all(local, clusterQuota);
  }

  private void onCheck(Message<JsonObject> message) {
    String requestId = message.headers().get(CapabilityBus.REQUEST_ID_HEADER);
    if (requestId == null) {
      requestId = UUID.randomUUID().toString();
    }
    String sender = message.headers().get(CapabilityBus.CLIENT_HEADER);
    String client = sender == null ? "eventbus" : sender;
    RequestTag.set(requestId, client);
    CheckRequest request;
    try {
      JsonObject body = message.body() == null ? new JsonObject() : message.body();
      request = CheckMessages.parse(body, addressRule, scheduler.now(), config.defaultTimeoutMillis(), requestId,
          client);
    } catch (CheckException bad) {
      message.fail(bad.status(), bad.toEnvelope().encode());
      return;
    } catch (ClassCastException notJson) {
      CheckException bad = CheckException.badRequest(ErrorCodes.BODY_NOT_JSON, "Body must be a JSON object");
      message.fail(bad.status(), bad.toEnvelope().encode());
      return;
    }
    unreplied++;
    checks.check(request).onComplete(done -> {
      if (done.succeeded()) {
        CheckResult result = done.result();
        metrics.onResult(result.source());
        message.reply(CheckMessages.reply(result),
            new DeliveryOptions().addHeader(CapabilityBus.CACHE_HEADER, result.source().header()));
      } else {
        CheckException error = CheckMessages.toCheckException(done.cause());
        message.fail(error.status(), error.toEnvelope().encode());
      }
      if (--unreplied == 0 && allReplied != null) {
        allReplied.tryComplete();
      }
    });
  }

  /**
   * A budget's pace: the configured limit when known (per line with the line scope), else learnt from 429s.
   * At a known limit a quarter of Linq's burst (at least one) is kept in reserve: pacing exactly at Linq's
   * edge turns any transit jitter (requests bunching on their way) into a 429, and a 429 costs a whole
   * Retry-After pause; the reserve costs only burst/4 ÷ rate once.
   */
  private SendPacer pacer() {
    int burst = config.rateLimitBurst();
    return config.rateLimitPerSecond() > 0
        ? SendPacer.fixed(config.rateLimitPerSecond(), Math.max(1, burst - Math.max(1, burst / 4)))
        : SendPacer.adaptive();
  }

  private JsonObject status() {
    return new JsonObject()
        .put(CREDENTIALS_OK, dispatcher.credentials().rejection() == null)
        .put("draining", draining)
        .put("queued", dispatcher.queued())
        .put("inFlight", dispatcher.inFlight())
        .put("window", dispatcher.window())
        .put("rate", Double.isInfinite(dispatcher.rate()) ? null : dispatcher.rate())
        .put("cluster", clusterQuota == null ? null
            : new JsonObject().put("active", clusterQuota.active()).put("members", clusterQuota.members()));
  }

  /**
   * Stops accepting checks and answers everything accepted: in flight and queued checks carry on for
   * the grace period, and what is left then is answered 503/9002.
   *
   * @return completes when every accepted check has its answer
   */
  public Future<Void> drain(long graceMillis) {
    Promise<Void> drained = Promise.promise();
    context.runOnContext(v -> {
      draining = true;
      // In a cluster, other nodes take new event-bus checks from now on; this node's own HTTP adapters
      // find no local engine and answer 503/9002.
      checkConsumer.unregister();
      CheckException refusal = CheckException.shuttingDown(1);
      long timer = vertx.setTimer(Math.max(1, graceMillis), id -> dispatcher.failUnanswered(refusal));
      allReplied = Promise.promise();
      if (unreplied == 0) {
        allReplied.complete();
      }
      // Drained when every caller has its reply, not only its answer: an answer may still be on its way
      // to the shared cache (at most a second) before it is replied.
      dispatcher.drain(refusal).compose(answered -> allReplied.future()).onComplete(done -> {
        vertx.cancelTimer(timer);
        drained.complete();
      });
    });
    return drained.future();
  }

  @Override
  public Future<?> stop() {
    return linq == null ? Future.succeededFuture() : linq.close();
  }
}
