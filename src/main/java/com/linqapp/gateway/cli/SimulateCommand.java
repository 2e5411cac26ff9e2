package com.linqapp.gateway.cli;

import com.linqapp.gateway.sim.LinqSimulator;
import com.linqapp.gateway.sim.RateLimitMode;
import com.linqapp.gateway.sim.RateLimitScope;
import com.linqapp.gateway.sim.SimulatorOptions;
import io.vertx.core.Vertx;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code simulate}: the Linq simulator alone, for trying the gateway or an SDK against a fake Linq. */
@Command(name = "simulate", mixinStandardHelpOptions = true,
    description = "Run the Linq simulator (Linq's wire format, rate limits, faults) until stopped.")
final class SimulateCommand implements Callable<Integer> {

  @Option(names = "--host", defaultValue = "127.0.0.1", description = "Bind address (default: ${DEFAULT-VALUE}).")
  String host;

  @Option(names = "--port", defaultValue = "8090", description = "Port (default: ${DEFAULT-VALUE}; 0 = any).")
  int port;

  @Option(names = "--api-key", defaultValue = SimulatorOptions.DEFAULT_API_KEY,
      description = "The Linq key the simulator accepts (default: ${DEFAULT-VALUE}).")
  String apiKey;

  @Option(names = "--rate", defaultValue = "0",
      description = "Rate limit, checks per second (token bucket); 0 = no limit (default: ${DEFAULT-VALUE}).")
  double rate;

  @Option(names = "--burst", defaultValue = "1", description = "Token-bucket burst (default: ${DEFAULT-VALUE}).")
  int burst;

  @Option(names = "--window", paramLabel = "LIMIT/MILLIS",
      description = "Fixed-window limit instead of a token bucket, e.g. 200/5000.")
  String window;

  @Option(names = "--scope", defaultValue = "account",
      description = "Rate-limit scope: account or line (default: ${DEFAULT-VALUE}).")
  String scope;

  @Option(names = "--latency", defaultValue = "0", description = "Latency in ms (default: ${DEFAULT-VALUE}).")
  long latency;

  @Option(names = "--jitter", defaultValue = "0", description = "Latency jitter in ms (default: ${DEFAULT-VALUE}).")
  long jitter;

  @Option(names = "--error-rate", defaultValue = "0", description = "Share of 500s, 0..1.")
  double errorRate;

  @Option(names = "--reset-rate", defaultValue = "0", description = "Share of connection resets, 0..1.")
  double resetRate;

  @Option(names = "--garbage-rate", defaultValue = "0", description = "Share of non-JSON 200s, 0..1.")
  double garbageRate;

  @Option(names = "--hang-rate", defaultValue = "0", description = "Share of requests never answered, 0..1.")
  double hangRate;

  @Option(names = "--slow-rate", defaultValue = "0", description = "Share of answers sent byte by byte, 0..1.")
  double slowRate;

  @Option(names = "--rcs-line-fault-rate", defaultValue = "0", description = "Share of RCS 503 line faults, 0..1.")
  double rcsLineFaultRate;

  @Option(names = "--seed", defaultValue = "1", description = "Random seed (default: ${DEFAULT-VALUE}).")
  long seed;

  @Override
  @MainThreadOnly("startup on the main thread waits for the simulator to listen")
  public Integer call() {
    SimulatorOptions options;
    try {
      options = options();
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      return ExitCodes.USAGE;
    }
    Vertx vertx = Vertx.vertx();
    try {
      LinqSimulator simulator = LinqSimulator.start(vertx, options).await();
      System.err.println("Linq simulator listening: base URL " + simulator.baseUrl() + " (key '" + apiKey + "'), "
          + "stats at http://" + host + ":" + simulator.port() + "/_sim/stats");
      return GatewayMain.KEEP_RUNNING;
    } catch (RuntimeException e) {
      System.err.println("could not start the simulator: " + e.getMessage());
      vertx.close();
      return ExitCodes.FAILED;
    }
  }

  private SimulatorOptions options() {
    SimulatorOptions options = new SimulatorOptions().setHost(host).setPort(port).setApiKey(apiKey)
        .setRateLimitScope(RateLimitScope.parse(scope)).setLatencyMillis(latency).setJitterMillis(jitter)
        .setErrorRate(errorRate).setResetRate(resetRate).setGarbageRate(garbageRate).setHangRate(hangRate)
        .setSlowRate(slowRate).setRcsLineFaultRate(rcsLineFaultRate).setSeed(seed);
    if (window != null) {
      String[] parts = window.split("/");
      if (parts.length != 2) {
        throw new IllegalArgumentException("--window must be LIMIT/MILLIS, e.g. 200/5000");
      }
      options.setRateLimitMode(RateLimitMode.FIXED_WINDOW).setWindowLimit(Integer.parseInt(parts[0]))
          .setWindowMillis(Long.parseLong(parts[1]));
    } else if (rate > 0) {
      options.setRateLimitMode(RateLimitMode.TOKEN_BUCKET).setRatePerSecond(rate).setBurst(burst);
    }
    return options;
  }
}
