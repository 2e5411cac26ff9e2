package com.linqapp.gateway.app;

import com.linqapp.gateway.cache.ResultCache;
import com.linqapp.gateway.cluster.ClusterNode;
import com.linqapp.gateway.cluster.SharedResultCache;
import com.linqapp.gateway.config.GatewayConfig;
import com.linqapp.gateway.http.DrainSwitch;
import com.linqapp.gateway.http.HttpApiVerticle;
import com.linqapp.gateway.jobs.JobRunner;
import com.linqapp.gateway.jobs.JobRunnerOptions;
import com.linqapp.gateway.jobs.JobStore;
import com.linqapp.gateway.metrics.GatewayMetrics;
import com.linqapp.gateway.trace.Tracing;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * A running gateway: the engine, and (for {@code serve}) the HTTP adapter on every core. Used by the
 * CLI and by tests alike, so tests exercise exactly what users run.
 */
public final class Gateway {

  private final Vertx vertx;
  private final EngineVerticle engine;
  private final String engineDeployment;
  private final DrainSwitch drainSwitch;
  private JobRunner jobs;

  private Gateway(Vertx vertx, EngineVerticle engine, String engineDeployment, DrainSwitch drainSwitch) {
    this.vertx = vertx;
    this.engine = engine;
    this.engineDeployment = engineDeployment;
    this.drainSwitch = drainSwitch;
  }

  /** Starts the engine and the HTTP adapter, with meters of their own (tests). */
  public static Future<Gateway> serve(Vertx vertx, GatewayConfig config) {
    return serve(vertx, config, GatewayMetrics.create());
  }

  /**
   * Starts the engine and the HTTP adapter (one instance per core), sharing one answer cache.
   *
   * @param metrics the registry {@code /metrics} exposes (the one Vert.x's own metrics use, in production)
   */
  public static Future<Gateway> serve(Vertx vertx, GatewayConfig config, GatewayMetrics metrics) {
    return serve(vertx, config, metrics, null);
  }

  /**
   * Starts the engine and the HTTP adapter as one node of a cluster: the answer cache is shared by
   * the nodes, and one of them sends to Linq for all ({@link com.linqapp.gateway.cluster.ClusterQuota}).
   *
   * @param cluster this node's membership, or {@code null} when standalone
   */
  public static Future<Gateway> serve(Vertx vertx, GatewayConfig config, GatewayMetrics metrics,
                                      ClusterNode cluster) {
    return serve(vertx, config, metrics, cluster,
        JobRunnerOptions.defaults().withLeaseTtl(config.jobsOptions().leaseTtl()), Clocks.system());
  }

  /**
   * Also runs durable jobs: their runner is deployed after the engine and opens their store (on a
   * clustered gateway with the file store, jobs are not available and their routes say so).
   *
   * @param jobOptions how the job runner works (tests shorten its timings)
   * @param clocks the engine's clock and the wall clock (the answer cache's freshness and {@code Age}, the
   *     UTC day of the daily budgets), so a test moves time instead of sleeping through it
   */
  public static Future<Gateway> serve(Vertx vertx, GatewayConfig config, GatewayMetrics metrics,
                                      ClusterNode cluster, JobRunnerOptions jobOptions, Clocks clocks) {
    return serve(vertx, config, metrics, cluster, jobOptions, clocks, Tracing.off());
  }

  /**
   * With traces: the engine's spans of checks and Linq calls ({@code vertx} should carry the same tracing,
   * for HTTP and event-bus spans: {@link Tracing#configure}).
   */
  public static Future<Gateway> serve(Vertx vertx, GatewayConfig config, GatewayMetrics metrics,
                                      ClusterNode cluster, JobRunnerOptions jobOptions, Clocks clocks,
                                      Tracing tracing) {
    String hopId = UUID.randomUUID().toString();
    ResultCache cache = cache(config, cluster, metrics, clocks);
    boolean jobsHere = cluster == null || !config.jobsOptions().fileStore();
    return engineOnly(vertx, config, hopId, cache, metrics, cluster, clocks, tracing).compose(gateway -> {
      Future<JobStore> store = jobsHere ? gateway.runJobs(config, metrics, jobOptions) : Future.succeededFuture();
      return store.compose(jobStore -> vertx.deployVerticle(
              () -> new HttpApiVerticle(config, hopId, cache, metrics, gateway.drainSwitch, jobStore),
              new DeploymentOptions().setInstances(Runtime.getRuntime().availableProcessors())))
          .map(gateway);
    });
  }

  /** Deploys the job runner, which opens the job store; the routes get that store. */
  private Future<JobStore> runJobs(GatewayConfig config, GatewayMetrics metrics, JobRunnerOptions options) {
    jobs = new JobRunner(config.jobsOptions(), config.maxQueue(), options, Clock.systemUTC(), metrics);
    return vertx.deployVerticle(jobs, JobRunner.deploymentOptions()).map(id -> jobs.store());
  }

  /** Starts the engine alone: the in-process CLI talks to it over the local event bus. */
  public static Future<Gateway> engineOnly(Vertx vertx, GatewayConfig config, GatewayMetrics metrics,
                                           Tracing tracing) {
    Clocks clocks = Clocks.system();
    return engineOnly(vertx, config, UUID.randomUUID().toString(), cache(config, null, metrics, clocks), metrics, null,
        clocks, tracing);
  }

  private static Future<Gateway> engineOnly(Vertx vertx, GatewayConfig config, String hopId, ResultCache cache,
                                            GatewayMetrics metrics, ClusterNode cluster, Clocks clocks,
                                            Tracing tracing) {
    // Gateways, not members: consumer applications that join the cluster are no gateways.
    metrics.countMembers(cluster == null ? () -> 1 : () -> cluster.gateways().size());
    EngineVerticle engine = new EngineVerticle(config, hopId, cache, metrics, cluster, clocks, tracing);
    return vertx.deployVerticle(engine, EngineVerticle.deploymentOptions())
        .map(id -> new Gateway(vertx, engine, id, new DrainSwitch()));
  }

  private static ResultCache cache(GatewayConfig config, ClusterNode cluster, GatewayMetrics metrics, Clocks clocks) {
    long staleRetention = TimeUnit.SECONDS.toMillis(config.cacheMaxStaleSeconds());
    ResultCache local = ResultCache.create(TimeUnit.SECONDS.toMillis(config.cacheTtlAvailableSeconds()),
        TimeUnit.SECONDS.toMillis(config.cacheTtlUnavailableSeconds()), staleRetention, config.cacheMaxEntries(),
        clocks.epochMillis(), metrics.registry());
    return cluster == null ? local : new SharedResultCache(cluster, local, staleRetention, metrics::onSharedCacheFault);
  }

  /**
   * What SIGTERM does: readiness goes down at once, checks are served as usual for {@code delayMillis} (time
   * for load balancers, e.g. Kubernetes endpoints, to stop sending here), then {@link #drain}.
   *
   * @return completes when every accepted check has its answer
   */
  public Future<Void> shutdown(long delayMillis, long graceMillis) {
    return engine.announceShutdown()
        .compose(v -> delayMillis > 0 ? vertx.timer(delayMillis).<Void>mapEmpty() : Future.<Void>succeededFuture())
        .compose(v -> drain(graceMillis));
  }

  /**
   * Starts the drain: every HTTP request that arrives once this returns is refused 503/9002 (a cache
   * hit or a batch too), and so is every check the engine receives after its event loop takes this up
   * (the event bus); accepted checks may finish for {@code graceMillis}, and the rest is answered
   * 503/9002. Not tied to a signal: {@code serve} calls it on SIGTERM.
   *
   * @return completes when every accepted check has its answer
   */
  public Future<Void> drain(long graceMillis) {
    drainSwitch.drain();
    if (jobs == null) {
      return engine.drain(graceMillis);
    }
    // Jobs stop feeding first; what the engine still answers is written, then their leases go back.
    return jobs.stopFeeding().compose(v -> engine.drain(graceMillis)).compose(v -> jobs.closeRuns());
  }

  public Vertx vertx() {
    return vertx;
  }

  /** Undeploys the engine (the HTTP adapter goes with {@link Vertx#close()}). */
  public Future<Void> stopEngine() {
    return vertx.undeploy(engineDeployment);
  }
}
