package com.linqapp.gateway.cli;

import com.linqapp.gateway.cluster.ClusterNode;
import com.linqapp.gateway.config.ConfigException;
import com.linqapp.gateway.config.ConfigLoader;
import com.linqapp.gateway.config.GatewayConfig;
import com.linqapp.gateway.log.LogFormat;
import com.linqapp.gateway.metrics.GatewayMetrics;
import com.linqapp.gateway.sim.LinqSimulator;
import com.linqapp.gateway.sim.SimulatorOptions;
import com.linqapp.gateway.trace.Tracing;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.micrometer.MetricsDomain;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a command needs to run the engine: a Vertx, the validated configuration, metrics and traces and, in
 * sandbox mode, the embedded simulator standing in for Linq. The CLI runs on the main thread, so it may wait here.
 */
final class CommandRuntime implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(CommandRuntime.class);

  final Vertx vertx;
  final GatewayConfig config;
  final GatewayMetrics metrics;
  /** Off unless {@code OTEL_TRACES_EXPORTER} is set; Vert.x carries it too. */
  final Tracing tracing;
  /** This node's cluster membership, or {@code null} when standalone. */
  final ClusterNode cluster;

  private CommandRuntime(Vertx vertx, GatewayConfig config, GatewayMetrics metrics, Tracing tracing,
                         ClusterNode cluster) {
    this.vertx = vertx;
    this.config = config;
    this.metrics = metrics;
    this.tracing = tracing;
    this.cluster = cluster;
  }

  /**
   * @throws ConfigException on bad configuration (exit code 2); the Vertx is closed then
   */
  @MainThreadOnly("startup waits for configuration, the cluster and the sandbox")
  static CommandRuntime start(ConfigOptions options) {
    GatewayConfig config = load(options);
    GatewayMetrics metrics = GatewayMetrics.create();
    Tracing tracing = Tracing.fromEnvironment();
    VertxOptions vertxOptions = tracing.configure(new VertxOptions().setMetricsOptions(metricsOptions()));
    MicrometerMetricsFactory metricsFactory = new MicrometerMetricsFactory(metrics.registry());
    ClusterNode cluster = config.cluster()
        ? ClusterNode.join(config.clusterOptions(), vertxOptions, metricsFactory).await() : null;
    Vertx vertx = cluster != null ? cluster.vertx()
        : Vertx.builder().with(vertxOptions).withMetrics(metricsFactory).build();
    try {
      if (config.sandbox()) {
        config = startSandbox(vertx, config);
      }
      return new CommandRuntime(vertx, config, metrics, tracing, cluster);
    } catch (RuntimeException e) {
      vertx.close().await();
      tracing.close();
      throw e;
    }
  }

  /** Settings through vertx-config, on a Vert.x of its own (the real one may be clustered, per the settings). */
  @MainThreadOnly("startup waits for configuration")
  private static GatewayConfig load(ConfigOptions options) {
    Vertx loader = Vertx.vertx();
    try {
      GatewayConfig config = GatewayConfig.from(ConfigLoader.load(loader, options.confFile).await());
      LogFormat.apply(config.logFormat()); // logback read only the environment; the file may say otherwise
      return options.sandbox ? config.with(new JsonObject().put("GATEWAY_SANDBOX", true)) : config;
    } finally {
      loader.close().await();
    }
  }

  /**
   * Vert.x's HTTP client (to Linq), connection, pool and JVM metrics, into the gateway's registry.
   * Event-bus metrics stay off: they are labelled by address, and reply addresses are one-off. HTTP
   * server metrics stay off too: {@code gateway_client_requests_total} and
   * {@code gateway_client_request_duration_seconds} cover them per route and client, at a fraction of
   * the cost on the cache-hit path (Vert.x's registered meters per request).
   */
  private static MicrometerMetricsOptions metricsOptions() {
    return new MicrometerMetricsOptions().setEnabled(true).setJvmMetricsEnabled(true)
        .setDisabledMetricsCategories(Set.of(MetricsDomain.EVENT_BUS.toCategory(),
            MetricsDomain.HTTP_SERVER.toCategory()));
  }

  @MainThreadOnly("startup waits for the embedded simulator")
  private static GatewayConfig startSandbox(Vertx vertx, GatewayConfig config) {
    SimulatorOptions simulatorOptions = new SimulatorOptions();
    LinqSimulator simulator = LinqSimulator.start(vertx, simulatorOptions).await();
    log.warn("************************************************************************");
    log.warn("* SANDBOX MODE: answers come from the embedded Linq SIMULATOR at       *");
    log.warn("* {} — not from Linq. Nothing here is real.", simulator.baseUrl());
    if (config.clientKeys().isEmpty()) {
      log.warn("* No client keys configured: client authentication is OFF.             *");
    }
    log.warn("************************************************************************");
    return config.with(new JsonObject()
        .put("LINQ_API_V3_BASE_URL", simulator.baseUrl())
        .put("LINQ_API_V3_API_KEY", simulatorOptions.getApiKey()));
  }

  @Override
  @MainThreadOnly("a command's end waits for Vert.x to close")
  public void close() {
    try {
      vertx.close().await();
    } finally {
      tracing.close();
    }
  }
}
