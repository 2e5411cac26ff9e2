package com.linqapp.gateway.app;

import com.linqapp.gateway.bus.CapabilityBus;
import com.linqapp.gateway.bus.CheckConsumer;
import com.linqapp.gateway.cache.ResultCache;
import com.linqapp.gateway.check.AddressRule;
import com.linqapp.gateway.check.CheckException;
import com.linqapp.gateway.cluster.ClusterNode;
import com.linqapp.gateway.cluster.ClusterQuota;
import com.linqapp.gateway.config.GatewayConfig;
import com.linqapp.gateway.engine.BackoffPolicy;
import com.linqapp.gateway.engine.CheckService;
import com.linqapp.gateway.engine.DispatchListener;
import com.linqapp.gateway.engine.Dispatcher;
import com.linqapp.gateway.engine.EngineOptions;
import com.linqapp.gateway.engine.Scheduler;
import com.linqapp.gateway.engine.budget.ClientBudgets;
import com.linqapp.gateway.engine.pacing.SendPacer;
import com.linqapp.gateway.linq.LinqClient;
import com.linqapp.gateway.linq.LinqClientOptions;
import com.linqapp.gateway.metrics.GatewayMetrics;
import com.linqapp.gateway.trace.EngineSpans;
import com.linqapp.gateway.trace.Tracing;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Random;

/**
 * The engine's composition root: builds the {@link Dispatcher} and what it decides with from the
 * configuration, and serves it on the event bus ({@link CheckConsumer}). One instance: all dispatch
 * state lives on its event loop. Lifecycle and wiring only.
 */
public final class EngineVerticle extends VerticleBase {

  private final GatewayConfig config;
  private final String hopId;
  private final ResultCache cache;
  private final GatewayMetrics metrics;
  private final ClusterNode cluster;
  private final Tracing tracing;
  private EngineSpans spans;
  private ClusterQuota clusterQuota;
  private LinqClient linq;
  private Dispatcher dispatcher;
  private CheckConsumer consumer;
  private boolean shuttingDown;
  private boolean draining;

  /**
   * @param hopId this gateway's id in {@code X-Linq-Gateway-Hop}, to detect a gateway calling itself
   * @param cache   the answer cache, shared with the HTTP adapter
   * @param metrics where the engine's events are counted
   * @param cluster this node's cluster membership, or {@code null} when standalone
   * @param tracing whether and where the engine's spans go
   */
  public EngineVerticle(GatewayConfig config, String hopId, ResultCache cache, GatewayMetrics metrics,
                        ClusterNode cluster, Tracing tracing) {
    this.config = config;
    this.hopId = hopId;
    this.cache = cache;
    this.metrics = metrics;
    this.cluster = cluster;
    this.tracing = tracing;
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
        .setRequestTimeoutMillis(config.requestTimeoutMillis())
        .setHopId(hopId));
    Scheduler scheduler = Scheduler.of(vertx);
    spans = tracing.engineSpans();
    Random random = new Random();
    EngineOptions options = EngineOptions.of(config.maxQueue(), config.maxConcurrency(), config.maxAttempts(),
        "line".equals(config.rateLimitScope()));
    ClientBudgets budgets = new ClientBudgets(config.clientDailyBudgets());
    metrics.clientBudgets(budgets, config.clientDailyBudgets().keySet(), System::currentTimeMillis);
    metrics.limits(config.maxQueue(), config.maxConcurrency());
    clusterQuota = cluster == null ? null : new ClusterQuota(cluster, context, scheduler);
    dispatcher = new Dispatcher(options, linq, scheduler,
        BackoffPolicy.exponentialFullJitter(options.backoffBaseMillis(), options.backoffCapMillis(), random::nextDouble),
        BackoffPolicy.exponentialFullJitter(1_000, 60_000, random::nextDouble),
        this::pacer, listener(), request -> budgets.tryConsume(request.client(), System.currentTimeMillis()));
    CheckService checks = new CheckService(cache, dispatcher, scheduler);
    dispatcher.verifyCredentials();

    consumer = new CheckConsumer(vertx, new AddressRule(config.defaultRegion()), scheduler::now,
        config.defaultTimeoutMillis(), checks::check, dispatcher::cancel,
        spans == null ? metrics : CheckConsumer.Observer.all(metrics, spans));
    MessageConsumer<JsonObject> statusConsumer = vertx.eventBus().localConsumer(CapabilityBus.ENGINE_STATUS,
        message -> message.reply(status()));
    Future<Void> quota = clusterQuota == null ? Future.succeededFuture() : clusterQuota.attach(dispatcher);
    return Future.all(List.of(consumer.ready(), statusConsumer.completion(), quota));
  }

  /** Answers go to the cache, events to metrics (and spans) and, in a cluster, 429 pauses to the other nodes. */
  private DispatchListener listener() {
    DispatchListener local = spans == null ? DispatchListener.all(DispatchListener.answers(cache::put), metrics)
        : DispatchListener.all(DispatchListener.answers(cache::put), metrics, spans);
    return clusterQuota == null ? local : DispatchListener.all(local, clusterQuota);
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
        .put(CapabilityBus.STATUS_CREDENTIALS_OK, dispatcher.credentials().rejection() == null)
        .put(CapabilityBus.STATUS_SHUTTING_DOWN, shuttingDown)
        .put(CapabilityBus.STATUS_DRAINING, draining)
        .put("queued", dispatcher.queued())
        .put("inFlight", dispatcher.inFlight())
        .put("window", dispatcher.window())
        .put("rate", Double.isInfinite(dispatcher.rate()) ? null : dispatcher.rate())
        .put("pacing", dispatcher.pacing().label())
        .put(CapabilityBus.STATUS_CLUSTER, clusterQuota == null ? null
            : new JsonObject().put("active", clusterQuota.active()).put("members", clusterQuota.members()));
  }

  /** Readiness goes down (load balancers stop sending here) while checks are still served as usual. */
  public Future<Void> announceShutdown() {
    Promise<Void> announced = Promise.promise();
    context.runOnContext(v -> {
      shuttingDown = true;
      announced.complete();
    });
    return announced.future();
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
      shuttingDown = true;
      draining = true;
      CheckException refusal = CheckException.shuttingDown(1);
      long timer = vertx.setTimer(Math.max(1, graceMillis), id -> dispatcher.failUnanswered(refusal));
      Future<Void> replied = consumer.stop();
      // Drained when every caller has its reply, not only its answer: an answer may still be on its way
      // to the shared cache (at most a second) before it is replied.
      dispatcher.drain(refusal).compose(answered -> replied).onComplete(done -> {
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
