package com.linqapp.gateway.app;

import com.linqapp.gateway.bus.CapabilityBus;
import com.linqapp.gateway.bus.CheckConsumer;
import com.linqapp.gateway.cache.ResultCache;
import com.linqapp.gateway.check.AddressRule;
import com.linqapp.gateway.check.CheckException;
import com.linqapp.gateway.cluster.ClusterNode;
import com.linqapp.gateway.cluster.ClusterQuota;
import com.linqapp.gateway.cluster.PauseAnnouncements;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;

/**
 * The engine's composition root: builds the {@link Dispatcher} and what it decides with from the
 * configuration, and serves it on the event bus ({@link CheckConsumer}). In a cluster, checks go through
 * the {@link ClusterQuota}'s dispatch (to whichever gateway sends for the cluster), and this gateway also
 * takes the checks other gateways forward to it. One instance: all dispatch state lives on its event loop.
 * Lifecycle and wiring only.
 */
public final class EngineVerticle extends VerticleBase {

  private final GatewayConfig config;
  private final String hopId;
  private final ResultCache cache;
  private final GatewayMetrics metrics;
  private final ClusterNode cluster;
  private final Clocks clocks;
  private final Tracing tracing;
  private Scheduler scheduler;
  private EngineSpans spans;
  private ClusterQuota clusterQuota;
  private LinqClient linq;
  private Dispatcher dispatcher;
  private CheckConsumer consumer;
  private boolean shuttingDown;
  private CheckConsumer forwarded;
  private boolean draining;

  /**
   * @param hopId this gateway's id in {@code X-Linq-Gateway-Hop}, to detect a gateway calling itself
   * @param cache   the answer cache, shared with the HTTP adapter
   * @param metrics where the engine's events are counted
   * @param cluster this node's cluster membership, or {@code null} when standalone
   * @param clocks  the engine's clock and the wall clock
   * @param tracing whether and where the engine's spans go
   */
  public EngineVerticle(GatewayConfig config, String hopId, ResultCache cache, GatewayMetrics metrics,
                        ClusterNode cluster, Clocks clocks, Tracing tracing) {
    this.config = config;
    this.hopId = hopId;
    this.cache = cache;
    this.metrics = metrics;
    this.cluster = cluster;
    this.clocks = clocks;
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
    scheduler = Scheduler.of(vertx, clocks.monotonicMillis());
    spans = tracing.engineSpans();
    Random random = new Random();
    EngineOptions options = EngineOptions.of(config.maxQueue(), config.maxConcurrency(), config.maxAttempts(),
        "line".equals(config.rateLimitScope()));
    ClientBudgets budgets = new ClientBudgets(config.clientDailyBudgets());
    metrics.clientBudgets(budgets, config.clientDailyBudgets().keySet(), clocks.epochMillis());
    metrics.limits(config.maxQueue(), config.maxConcurrency());
    PauseAnnouncements pauses = cluster == null ? null : new PauseAnnouncements(cluster, scheduler);
    dispatcher = new Dispatcher(options, linq, scheduler,
        BackoffPolicy.exponentialFullJitter(options.backoffBaseMillis(), options.backoffCapMillis(), random::nextDouble),
        BackoffPolicy.exponentialFullJitter(1_000, 60_000, random::nextDouble),
        pacers(), listener(pauses), request -> budgets.tryConsume(request.client(), clocks.epochMillis().getAsLong()));
    CheckService local = new CheckService(cache, dispatcher, scheduler);
    dispatcher.verifyCredentials();
    AddressRule rule = new AddressRule(config.defaultRegion());
    List<Future<?>> ready = new ArrayList<>();
    CheckService checks = local;
    Consumer<String> cancel = dispatcher::cancel;
    if (cluster != null) {
      clusterQuota = new ClusterQuota(cluster, context, scheduler, clocks.epochMillis(), dispatcher, local, budgets,
          pauses, config.defaultTimeoutMillis());
      checks = new CheckService(cache, clusterQuota.dispatch(), scheduler);
      cancel = clusterQuota::cancel;
      // Checks other gateways forward while this one sends for the cluster; their own consumer counted them.
      forwarded = new CheckConsumer(vertx, clusterQuota.endpoint(), rule, scheduler::now, config.defaultTimeoutMillis(),
          clusterQuota::serveForwarded, dispatcher::cancel, CheckConsumer.Observer.NONE);
      ready.add(forwarded.ready());
      ready.add(clusterQuota.start());
    }
    consumer = new CheckConsumer(vertx, CapabilityBus.PUBLIC, rule, scheduler::now, config.defaultTimeoutMillis(),
        checks::check, cancel, spans == null ? metrics : CheckConsumer.Observer.all(metrics, spans));
    MessageConsumer<JsonObject> statusConsumer = vertx.eventBus().localConsumer(CapabilityBus.ENGINE_STATUS,
        message -> message.reply(status()));
    ready.add(consumer.ready());
    ready.add(statusConsumer.completion());
    return Future.all(ready);
  }

  /** Answers go to the cache, events to metrics (and spans) and, in a cluster, 429 pauses to the other gateways. */
  private DispatchListener listener(PauseAnnouncements pauses) {
    DispatchListener local = spans == null ? DispatchListener.all(DispatchListener.answers(cache::put), metrics)
        : DispatchListener.all(DispatchListener.answers(cache::put), metrics, spans);
    return pauses == null ? local : DispatchListener.all(local, pauses);
  }

  /**
   * Each budget's pace: the configured limit when known (per line with the line scope), else learnt from Linq's
   * answers, by pacers that learn together (lines of an account alike). A known limit is paced a little under
   * Linq's edge ({@link SendPacer#belowKnownLimit}).
   */
  private SendPacer.Factory pacers() {
    return config.rateLimitPerSecond() > 0
        ? () -> SendPacer.belowKnownLimit(config.rateLimitPerSecond(), config.rateLimitBurst())
        : SendPacer.learning();
  }

  private JsonObject status() {
    return new JsonObject()
        .put(CapabilityBus.STATUS_CREDENTIALS_OK, dispatcher.credentials().rejection() == null)
        .put(CapabilityBus.STATUS_SHUTTING_DOWN, shuttingDown)
        .put(CapabilityBus.STATUS_DRAINING, draining)
        .put("queued", dispatcher.queued())
        .put("inFlight", dispatcher.inFlight())
        .put("waiting", dispatcher.unanswered())
        .put("window", dispatcher.window())
        .put("rate", Double.isInfinite(dispatcher.rate()) ? null : dispatcher.rate())
        .put("pacing", dispatcher.pacing().label())
        .put("pausedMillis", Math.max(0, dispatcher.pausedUntil(scheduler.now()) - scheduler.now()))
        .put(CapabilityBus.STATUS_CLUSTER, clusterQuota == null ? null : clusterQuota.status());
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
   * the grace period, and what is left then is answered 503/9002. In a cluster the gateway first hands
   * over to the next one: if it was sending for the cluster, its checks not yet sent are asked of the next
   * owner, as are its own callers' checks from then on.
   *
   * @return completes when every accepted check has its answer
   */
  public Future<Void> drain(long graceMillis) {
    Promise<Void> drained = Promise.promise();
    context.runOnContext(v -> {
      shuttingDown = true;
      draining = true;
      CheckException refusal = CheckException.shuttingDown(1);
      long timer = vertx.setTimer(Math.max(1, graceMillis), id -> {
        dispatcher.failUnanswered(refusal);
        if (clusterQuota != null) {
          clusterQuota.close(refusal);
        }
      });
      Future<Void> answered = dispatcher.drain(refusal);
      Future<Void> handedOver = clusterQuota == null ? Future.succeededFuture() : clusterQuota.leave();
      // Drained when every caller has its reply, not only its answer: an answer may still be on its way
      // to the shared cache (at most a second) before it is replied.
      Future<Void> replied = consumer.stop();
      // The forwarded checks' endpoint stays registered: once this gateway no longer owns, it refuses them
      // (503/9002) and their gateways ask the next owner, where an unregistered one would drop them unanswered.
      Future<Void> forwardedReplied = forwarded == null ? Future.succeededFuture()
          : handedOver.compose(done -> forwarded.replied());
      Future.join(answered, replied, forwardedReplied).onComplete(done -> {
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
