package com.linqapp.gateway.cli;

import com.linqapp.gateway.app.Clocks;
import com.linqapp.gateway.app.Gateway;
import com.linqapp.gateway.config.ConfigException;
import com.linqapp.gateway.jobs.JobRunnerOptions;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code serve}: the gateway over HTTP and the event bus until SIGTERM. */
@Command(name = "serve", mixinStandardHelpOptions = true,
    description = "Run the gateway (HTTP and event bus). SIGTERM takes readiness down, serves for "
        + "GATEWAY_SHUTDOWN_DELAY_SECONDS, then drains: in-flight checks finish, queued ones are answered 503/9002.")
final class ServeCommand implements Callable<Integer> {

  private static final Logger log = LoggerFactory.getLogger(ServeCommand.class);

  @Mixin
  ConfigOptions options = new ConfigOptions();

  @Override
  @MainThreadOnly("startup on the main thread waits for the gateway to listen")
  public Integer call() {
    CommandRuntime runtime;
    try {
      runtime = CommandRuntime.start(options);
      runtime.config.requireServable();
    } catch (ConfigException e) {
      System.err.println("configuration error: " + e.getMessage());
      return ExitCodes.USAGE;
    }
    Gateway gateway;
    try {
      gateway = Gateway.serve(runtime.vertx, runtime.config, runtime.metrics, runtime.cluster,
          JobRunnerOptions.defaults().withLeaseTtl(runtime.config.jobsOptions().leaseTtl()), Clocks.system(),
          runtime.tracing).await();
    } catch (ConfigException e) { // found only once connected: a job store schema newer than this gateway
      System.err.println("configuration error: " + e.getMessage());
      runtime.close();
      return ExitCodes.USAGE;
    } catch (RuntimeException e) {
      System.err.println("could not start: " + e.getMessage());
      runtime.close();
      return ExitCodes.FAILED;
    }
    log.info("Linq Capability Gateway listening on {}:{}; Linq at {}", runtime.config.httpHost(),
        runtime.config.httpPort(), runtime.config.linqBaseUrl());
    if (runtime.cluster != null) {
      log.info("Cluster member {} of '{}' ({} member(s))", runtime.cluster.nodeId(), runtime.cluster.name(),
          runtime.cluster.members());
    }
    long delayMillis = TimeUnit.SECONDS.toMillis(runtime.config.shutdownDelaySeconds());
    long graceMillis = TimeUnit.SECONDS.toMillis(runtime.config.shutdownGraceSeconds());
    Runtime.getRuntime().addShutdownHook(new Thread(() -> shutdown(runtime, gateway, delayMillis, graceMillis),
        "gateway-shutdown"));
    return GatewayMain.KEEP_RUNNING;
  }

  /** Runs on the JVM's shutdown thread (SIGTERM, Ctrl-C): it may wait, the event loops keep running. */
  @MainThreadOnly("the JVM's shutdown-hook thread waits for the drain")
  private static void shutdown(CommandRuntime runtime, Gateway gateway, long delayMillis, long graceMillis) {
    log.info("Shutting down: not ready; serving for {} ms, then refusing new checks and draining for up to {} ms",
        delayMillis, graceMillis);
    try {
      gateway.shutdown(delayMillis, graceMillis).await(delayMillis + graceMillis + 2_000, TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      log.warn("Drain did not complete: {}", e.toString());
    }
    try {
      runtime.vertx.close().await(5, TimeUnit.SECONDS);
    } catch (Exception e) {
      log.warn("Vert.x did not close in time: {}", e.toString());
    }
    runtime.tracing.close(); // exports the drain's spans
    log.info("Stopped");
  }
}
