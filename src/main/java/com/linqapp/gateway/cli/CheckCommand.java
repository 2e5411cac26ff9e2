package com.linqapp.gateway.cli;

import com.linqapp.gateway.app.Gateway;
import com.linqapp.gateway.bus.CapabilityClient;
import com.linqapp.gateway.bus.CheckQuery;
import com.linqapp.gateway.check.CheckException;
import com.linqapp.gateway.check.CheckResult;
import com.linqapp.gateway.check.ErrorCodes;
import com.linqapp.gateway.check.FailureKind;
import com.linqapp.gateway.check.Service;
import com.linqapp.gateway.config.ConfigException;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code check}: one-off checks in-process, with the same engine and configuration as {@code serve}. */
@Command(name = "check", mixinStandardHelpOptions = true,
    description = "Check addresses now. NDJSON lines when stdout is not a terminal (or with --json), a table otherwise.")
final class CheckCommand implements Callable<Integer> {

  @Mixin
  ConfigOptions options = new ConfigOptions();

  @Option(names = "--service", paramLabel = "imessage|rcs", defaultValue = "imessage",
      description = "Service to check (default: ${DEFAULT-VALUE}).")
  String service;

  @Option(names = "--json", description = "NDJSON output even on a terminal.")
  boolean json;

  @Parameters(paramLabel = "ADDRESS", arity = "1..*", description = "E.164 numbers or (iMessage) emails.")
  List<String> addresses = new ArrayList<>();

  @Override
  @MainThreadOnly("the command runs on the main thread and waits for its checks")
  public Integer call() {
    Service chosen;
    try {
      chosen = Service.fromWireName(service);
    } catch (IllegalArgumentException e) {
      System.err.println("--service must be imessage or rcs (got '" + service + "')");
      return ExitCodes.USAGE;
    }
    CommandRuntime runtime;
    try {
      runtime = CommandRuntime.start(options);
      runtime.config.requireLinqKey();
    } catch (ConfigException e) {
      System.err.println("configuration error: " + e.getMessage());
      return ExitCodes.USAGE;
    }
    try (runtime) {
      Gateway.engineOnly(runtime.vertx, runtime.config, runtime.metrics, runtime.tracing).await();
      CapabilityClient client = CapabilityClient.local(runtime.vertx, runtime.config.defaultTimeoutMillis());
      List<Future<CheckResult>> results = new ArrayList<>();
      for (String address : addresses) {
        results.add(client.check(CheckQuery.of(chosen, address), null, "cli"));
      }
      Future.join(results).otherwiseEmpty().await(); // item errors are answers: wait for all, never throw
      return print(chosen, results, json || System.console() == null, System.out);
    }
  }

  private int print(Service chosen, List<Future<CheckResult>> results, boolean ndjson, PrintStream out) {
    int exit = ExitCodes.OK;
    for (int i = 0; i < results.size(); i++) {
      Future<CheckResult> result = results.get(i);
      JsonObject line = new JsonObject().put("address", addresses.get(i)).put("service", chosen.wireName());
      if (result.succeeded()) {
        line.put("available", result.result().answer().available());
      } else {
        CheckException error = result.cause() instanceof CheckException e ? e
            : new CheckException(500, ErrorCodes.INTERNAL, String.valueOf(result.cause()));
        line.put("error", error.toEnvelope().getJsonObject("error"));
        if (FailureKind.of(error) != FailureKind.ITEM) {
          exit = ExitCodes.FAILED; // not this address's answer: the run did not answer everything
        }
      }
      out.println(ndjson ? line.encode() : row(line));
    }
    return exit;
  }

  private static String row(JsonObject line) {
    JsonObject error = line.getJsonObject("error");
    String outcome = error == null ? (line.getBoolean("available") ? "available" : "not available")
        : "error " + error.getInteger("status") + "/" + error.getInteger("code") + ": " + error.getString("message");
    return String.format("%-32s %-9s %s", line.getString("address"), line.getString("service"), outcome);
  }
}
