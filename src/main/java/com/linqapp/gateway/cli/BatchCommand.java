package com.linqapp.gateway.cli;

import com.linqapp.gateway.app.Gateway;
import com.linqapp.gateway.batch.BatchChecks;
import com.linqapp.gateway.batch.BatchRunner;
import com.linqapp.gateway.batch.BlockingSource;
import com.linqapp.gateway.batch.GatewayBatchConnection;
import com.linqapp.gateway.batch.GatewayEndpoint;
import com.linqapp.gateway.batch.RetryingCheck;
import com.linqapp.gateway.bus.CapabilityClient;
import com.linqapp.gateway.check.AddressRule;
import com.linqapp.gateway.check.CheckResult;
import com.linqapp.gateway.check.Service;
import com.linqapp.gateway.config.ConfigException;
import com.linqapp.gateway.engine.BackoffPolicy;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code batch}: checks every row of a CSV or NDJSON file, streaming (the file is never held in memory),
 * in process (the engine of {@code check}) or through a running gateway's batch route ({@code --gateway}).
 * Both run the same way: rows go through a {@link BatchRunner} window, transient failures are retried
 * ({@link RetryingCheck}), and answers are appended to the output as they arrive ({@link BatchWriter});
 * {@code --resume} completes an interrupted output.
 */
@Command(name = "batch", mixinStandardHelpOptions = true,
    description = "Check every row of a CSV (column 'address', else the first) or NDJSON file; write a CSV or "
        + "NDJSON output as answers arrive. Exit 0 every row answered, 1 could not finish, 2 bad usage.")
final class BatchCommand implements Callable<Integer> {

  /** Attempts of a row that fails transiently (429, 503, 504, 502/9003) before it is left unanswered. */
  static final int MAX_ATTEMPTS = 5;
  /** Backoff between those attempts when the failure names no {@code retry_after}. */
  static final long RETRY_BASE_MILLIS = 1_000;
  static final long RETRY_CAP_MILLIS = 30_000;

  @Mixin
  ConfigOptions options = new ConfigOptions();

  @Mixin
  GatewayClientOptions gatewayClient = new GatewayClientOptions();

  @Option(names = "--input", required = true, paramLabel = "FILE", description = "CSV or NDJSON (.ndjson) input.")
  Path input;

  @Option(names = "--output", required = true, paramLabel = "FILE", description = "Output, .csv or .ndjson.")
  Path output;

  @Option(names = "--service", paramLabel = "imessage|rcs", defaultValue = "imessage",
      description = "Service for rows that name none (default: ${DEFAULT-VALUE}).")
  String service;

  @Option(names = "--resume", description = "Append only the rows the output does not have yet.")
  boolean resume;

  private final AtomicLong cacheHits = new AtomicLong();
  private final AtomicLong upstream = new AtomicLong();
  private final AtomicLong coalesced = new AtomicLong();
  private volatile boolean finished;

  @Override
  @MainThreadOnly("the command runs on the main thread and waits for the engine and its checks")
  public Integer call() throws IOException {
    Service chosen;
    try {
      chosen = Service.fromWireName(service);
    } catch (IllegalArgumentException e) {
      return usage("--service must be imessage or rcs (got '" + service + "')");
    }
    if (!Files.isRegularFile(input) || !Files.isReadable(input)) {
      return usage("--input " + input + ": no such readable file");
    }
    if (!BatchOutput.supported(output)) {
      return usage("--output " + output + ": the file name must end in .csv or .ndjson");
    }
    if (!resume && Files.exists(output) && Files.size(output) > 0) {
      return usage("--output " + output + " exists: add --resume to complete it, or remove it");
    }
    GatewayEndpoint gateway = null;
    if (gatewayClient.remote()) {
      try {
        gateway = gatewayClient.endpoint(System.getenv(), System.err);
      } catch (IllegalArgumentException e) {
        return usage(e.getMessage());
      }
    }

    BitSet done = resume ? BatchOutput.resume(output) : new BitSet();
    long total = BatchInput.count(input);
    long alreadyDone = done.get(0, (int) Math.min(total, Integer.MAX_VALUE)).cardinality();

    CommandRuntime runtime = null;
    if (gateway == null) {
      try {
        runtime = CommandRuntime.start(options);
        runtime.config.requireLinqKey();
      } catch (ConfigException e) {
        if (runtime != null) {
          runtime.close();
        }
        return usage("configuration error: " + e.getMessage());
      }
    }
    Vertx vertx = runtime != null ? runtime.vertx : Vertx.vertx();

    int exit;
    BatchProgress progress = new BatchProgress(total, alreadyDone, System.console() != null, System.err);
    try (BatchInput rows = BatchInput.open(input);
         BatchOutput out = resume ? BatchOutput.append(output) : BatchOutput.create(output)) {
      BatchWriter writer = new BatchWriter(out, progress, alreadyDone);
      Thread hook = new Thread(() -> interrupted(out, writer, alreadyDone, total), "batch-interrupted");
      Runtime.getRuntime().addShutdownHook(hook);
      Context context = vertx.getOrCreateContext();
      Iterator<BatchInput.Row> todo = skipping(rows, done);
      if (gateway == null) {
        Gateway.engineOnly(vertx, runtime.config, runtime.metrics, runtime.tracing).await();
        CapabilityClient client = CapabilityClient.local(vertx, runtime.config.defaultTimeoutMillis());
        BatchChecks checks = new BatchChecks(client, chosen, new AddressRule(runtime.config.defaultRegion()), "cli", null).onResult(this::count);
        context.runOnContext(v -> run(vertx, context, todo, checks::check, chosen, writer, () -> { }, () -> { }));
      } else {
        GatewayEndpoint endpoint = gateway;
        context.runOnContext(v -> viaGateway(vertx, context, endpoint, todo, chosen, writer));
      }
      exit = writer.consume(total - alreadyDone);
      out.flush();
      finished = true;
      progress.close();
      summary(exit, writer, total, alreadyDone, progress);
    } finally {
      if (runtime != null) {
        runtime.close();
      } else {
        vertx.close().await();
      }
    }
    return exit;
  }

  private static int usage(String message) {
    System.err.println(message);
    return ExitCodes.USAGE;
  }

  private void count(CheckResult result) {
    if (result.source().cached()) {
      cacheHits.incrementAndGet();
    } else if (result.source() == CheckResult.Source.MISS) {
      upstream.incrementAndGet();
    } else if (result.source() == CheckResult.Source.COALESCED) {
      coalesced.incrementAndGet();
    }
  }

  private static Iterator<BatchInput.Row> skipping(Iterator<BatchInput.Row> rows, BitSet done) {
    return new Iterator<>() {
      private BatchInput.Row next;

      @Override
      public boolean hasNext() {
        while (next == null && rows.hasNext()) {
          BatchInput.Row row = rows.next();
          if (!done.get(row.index())) {
            next = row;
          }
        }
        return next != null;
      }

      @Override
      public BatchInput.Row next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        BatchInput.Row row = next;
        next = null;
        return row;
      }
    };
  }

  // ---- event loop side ------------------------------------------------------------------------------------

  /**
   * Rows through the batch's window to {@code check} (retried when they fail transiently) and on to the writer.
   *
   * @param onEnd    every row has its final answer
   * @param onCancel the run stops early (a fatal failure, Ctrl-C)
   */
  private void run(Vertx vertx, Context context, Iterator<BatchInput.Row> todo,
                   BatchRunner.Check<JsonObject, JsonObject> check, Service chosen, BatchWriter writer,
                   Runnable onEnd, Runnable onCancel) {
    RetryingCheck<JsonObject> retrying = new RetryingCheck<>(vertx, check, MAX_ATTEMPTS,
        BackoffPolicy.exponentialFullJitter(RETRY_BASE_MILLIS, RETRY_CAP_MILLIS, ThreadLocalRandom.current()::nextDouble),
        () -> finished);
    BatchRunner<BatchInput.Row, JsonObject> runner = new BatchRunner<>(vertx, BlockingSource.of(context, todo),
        BatchRunner.DEFAULT_WINDOW, (index, row) -> row.item() == null
            ? Future.succeededFuture(BatchChecks.unreadableLine(row.index(), chosen.wireName(), row.tooLong()))
            : retrying.submit(row.index(), row.item()));
    Runnable cancel = () -> context.runOnContext(v -> {
      runner.cancel();
      onCancel.run();
    });
    writer.controls(cancel, () -> context.runOnContext(v -> runner.resume()));
    runner.exceptionHandler(failure -> {
      cancel.run();
      writer.fatal(exitFor(failure), failure instanceof GatewayBatchConnection.Refused refused
          && refused.status() == 401 ? refused.getMessage() + " (set GATEWAY_CLIENT_KEY, or --api-key, to a client key"
          + " of the gateway)" : "cannot go on: " + failure.getMessage());
    });
    runner.endHandler(v -> {
      onEnd.run();
      writer.end();
    });
    runner.handler(line -> writer.accept(line, runner::pause));
  }

  /** The gateway's batch route carries the rows (with the default service filled in) on one open request. */
  private void viaGateway(Vertx vertx, Context context, GatewayEndpoint gateway, Iterator<BatchInput.Row> todo,
                          Service chosen, BatchWriter writer) {
    HttpClient http = gateway.client(vertx);
    GatewayBatchConnection.open(http, gateway).onFailure(failure -> writer.fatal(ExitCodes.FAILED,
        "cannot reach the gateway at " + gateway.base() + ": " + failure.getMessage())).onSuccess(connection -> {
          BatchRunner.Check<JsonObject, JsonObject> check = (index, item) -> connection.submit(index,
              item.getValue("service") == null ? item.copy().put("service", chosen.wireName()) : item);
          run(vertx, context, todo, check, chosen, writer, connection::finish, connection::cancel);
        });
  }

  private static int exitFor(Throwable failure) {
    return failure instanceof GatewayBatchConnection.Refused refused && refused.status() == 401
        ? ExitCodes.USAGE : ExitCodes.FAILED;
  }

  // ---- CLI thread side ------------------------------------------------------------------------------------

  private void summary(int exit, BatchWriter writer, long total, long alreadyDone, BatchProgress progress) {
    long answered = writer.written() - writer.itemErrors();
    String percent = answered == 0 ? "-" : String.format("%.1f%%", 100.0 * writer.available() / answered);
    String upstreamText = !gatewayClient.remote()
        ? upstream.get() + " upstream checks, " + coalesced.get() + " shared an in-flight check, "
            + cacheHits.get() + " cache hits"
        : "upstream checks and cache hits: see the gateway's /metrics";
    long missing = total - alreadyDone - writer.written();
    System.err.printf("batch: %s: %d rows, %d written now (%d done before), %d available (%s of answers), "
            + "%d item errors, %d left unanswered, %s, elapsed %.1f s%n",
        exit == ExitCodes.OK ? "done" : "NOT finished", total, writer.written(), alreadyDone, writer.available(),
        percent, writer.itemErrors(), missing, upstreamText, progress.elapsedSeconds());
    if (exit != ExitCodes.OK && missing > 0) {
      System.err.println("batch: run again with --resume to complete " + output);
    }
  }

  /** SIGTERM / Ctrl-C: what was written stays (flushed), the run ends with exit code 1. */
  private void interrupted(BatchOutput out, BatchWriter writer, long alreadyDone, long total) {
    if (finished) {
      return;
    }
    try {
      out.flush();
      out.close();
    } catch (IOException e) {
      // the process ends anyway
    }
    System.err.printf("batch: interrupted after %d rows written now (%d done before, %d rows in all); "
        + "run again with --resume to complete %s%n", writer.written(), alreadyDone, total, output);
    System.err.flush();
    Runtime.getRuntime().halt(ExitCodes.FAILED);
  }
}
