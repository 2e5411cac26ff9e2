package com.linqapp.gateway.cli;

import com.linqapp.gateway.app.Gateway;
import com.linqapp.gateway.batch.BatchChecks;
import com.linqapp.gateway.batch.BatchRunner;
import com.linqapp.gateway.batch.BlockingSource;
import com.linqapp.gateway.batch.NdjsonLines;
import com.linqapp.gateway.bus.CapabilityClient;
import com.linqapp.gateway.check.CheckResult;
import com.linqapp.gateway.check.FailureKind;
import com.linqapp.gateway.check.Service;
import com.linqapp.gateway.config.ConfigException;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code batch}: checks every row of a CSV or NDJSON file, streaming (the file is never held in memory),
 * in process (the engine of {@code check}) or through a running gateway's batch route ({@code --gateway}).
 * Answers are appended to the output as they arrive and flushed; {@code --resume} completes an interrupted
 * output. The CLI thread owns the output file; the event loop owns the checks; a bounded queue joins them.
 */
@Command(name = "batch", mixinStandardHelpOptions = true,
    description = "Check every row of a CSV (column 'address', else the first) or NDJSON file; write a CSV or "
        + "NDJSON output as answers arrive. Exit 0 every row answered, 1 could not finish, 2 bad usage.")
final class BatchCommand implements java.util.concurrent.Callable<Integer> {

  /** Retries of a transient item failure (429, 503, 504, 502/9003) in process before the row is left unanswered. */
  static final int MAX_ATTEMPTS = 5;
  private static final int QUEUE_HIGH = 1024;
  private static final int QUEUE_LOW = 256;
  private static final Object END = new Object();

  /** The run cannot go on; {@code exit} is the command's exit code. */
  private record Fatal(int exit, String message) {
  }

  @Mixin
  ConfigOptions options = new ConfigOptions();

  @Option(names = "--input", required = true, paramLabel = "FILE", description = "CSV or NDJSON (.ndjson) input.")
  Path input;

  @Option(names = "--output", required = true, paramLabel = "FILE", description = "Output, .csv or .ndjson.")
  Path output;

  @Option(names = "--service", paramLabel = "imessage|rcs", defaultValue = "imessage",
      description = "Service for rows that name none (default: ${DEFAULT-VALUE}).")
  String service;

  @Option(names = "--resume", description = "Append only the rows the output does not have yet.")
  boolean resume;

  @Option(names = "--gateway", paramLabel = "URL",
      description = "Send the work to a running gateway (client key from GATEWAY_API_KEY) instead of in process.")
  String gateway;

  private final BlockingQueue<Object> queue = new LinkedBlockingQueue<>();
  private volatile boolean outputPaused;
  private volatile Runnable resumeOutput = () -> { };
  private volatile Runnable cancel = () -> { };
  private volatile boolean finished;
  private final AtomicLong cacheHits = new AtomicLong();
  private final AtomicLong upstream = new AtomicLong();
  private final AtomicLong coalesced = new AtomicLong();

  private long total;
  private long alreadyDone;
  private long written;
  private long available;
  private long itemErrors;
  private long unanswered;
  private BatchProgress progress;

  @Override
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
    URI gatewayUri = null;
    if (gateway != null) {
      try {
        gatewayUri = URI.create(gateway.endsWith("/") ? gateway.substring(0, gateway.length() - 1) : gateway);
        if (!"http".equals(gatewayUri.getScheme()) && !"https".equals(gatewayUri.getScheme())
            || gatewayUri.getHost() == null) {
          throw new IllegalArgumentException("not an http(s) URL");
        }
      } catch (IllegalArgumentException e) {
        return usage("--gateway " + gateway + ": " + e.getMessage());
      }
    }

    BitSet done = resume ? BatchOutput.resume(output) : new BitSet();
    total = BatchInput.count(input);
    alreadyDone = done.get(0, (int) Math.min(total, Integer.MAX_VALUE)).cardinality();

    Vertx vertx;
    CommandRuntime runtime = null;
    if (gatewayUri == null) {
      try {
        runtime = CommandRuntime.start(options);
        runtime.config.requireLinqKey();
      } catch (ConfigException e) {
        if (runtime != null) {
          runtime.close();
        }
        return usage("configuration error: " + e.getMessage());
      }
      vertx = runtime.vertx;
    } else {
      vertx = Vertx.vertx();
    }

    int exit;
    try (BatchInput rows = BatchInput.open(input);
         BatchOutput out = resume ? BatchOutput.append(output) : BatchOutput.create(output)) {
      Iterator<BatchInput.Row> todo = skipping(rows, done);
      Thread hook = new Thread(() -> interrupted(out), "batch-interrupted");
      Runtime.getRuntime().addShutdownHook(hook);
      progress = new BatchProgress(total, alreadyDone, System.console() != null, System.err);
      Context context = vertx.getOrCreateContext();
      if (gatewayUri == null) {
        Gateway.engineOnly(vertx, runtime.config, runtime.metrics).await();
        CapabilityClient client = CapabilityClient.local(vertx, runtime.config.defaultTimeoutMillis());
        BatchChecks checks = new BatchChecks(client, chosen, "cli", null).onResult(this::count);
        context.runOnContext(v -> inProcess(vertx, context, todo, checks, chosen));
      } else {
        URI uri = gatewayUri;
        context.runOnContext(v -> viaGateway(vertx, context, uri, todo, chosen));
      }
      exit = consume(out);
      out.flush();
      finished = true;
      progress.close();
      summary(exit);
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

  private void inProcess(Vertx vertx, Context context, Iterator<BatchInput.Row> todo, BatchChecks checks,
                         Service chosen) {
    BlockingSource<BatchInput.Row> source = new BlockingSource<>(context, todo);
    BatchRunner<BatchInput.Row, JsonObject> runner = new BatchRunner<>(vertx, source, BatchRunner.DEFAULT_WINDOW,
        (index, row) -> row.item() == null ? Future.succeededFuture(BatchChecks.unreadableLine(row.index(), chosen.wireName(), row.tooLong()))
            : attempt(vertx, checks, row, 1));
    resumeOutput = () -> context.runOnContext(v -> runner.resume());
    cancel = runner::cancel;
    runner.exceptionHandler(failure -> queue.add(new Fatal(ExitCodes.FAILED, "cannot read input: " + failure)));
    runner.endHandler(v -> queue.add(END));
    runner.handler(line -> enqueue(line, runner::pause));
  }

  /** One row, retrying transient failures after their {@code retry_after}, within the batch's window. */
  private Future<JsonObject> attempt(Vertx vertx, BatchChecks checks, BatchInput.Row row, int attempt) {
    return checks.check(row.index(), row.item()).compose(line -> {
      JsonObject error = line.getJsonObject("error");
      if (error == null || !transientError(error) || attempt >= MAX_ATTEMPTS || finished) {
        return Future.succeededFuture(line);
      }
      long delay = Math.min(30, Math.max(1, error.getInteger("retry_after", attempt))) * 1000L;
      Promise<JsonObject> retried = Promise.promise();
      vertx.setTimer(delay, t -> attempt(vertx, checks, row, attempt + 1).onComplete(retried));
      return retried.future();
    });
  }

  private void enqueue(Object item, Runnable pause) {
    queue.add(item);
    if (queue.size() >= QUEUE_HIGH && !outputPaused) {
      outputPaused = true;
      pause.run();
    }
  }

  private void viaGateway(Vertx vertx, Context context, URI uri, Iterator<BatchInput.Row> todo, Service chosen) {
    boolean tls = "https".equals(uri.getScheme());
    HttpClient http = vertx.createHttpClient(new HttpClientOptions().setSsl(tls).setTrustAll(false));
    String key = System.getenv("GATEWAY_API_KEY");
    RequestOptions request = new RequestOptions().setMethod(HttpMethod.POST)
        .setAbsoluteURI(uri + "/v1/capability/batch")
        .putHeader("Content-Type", "application/x-ndjson");
    if (key != null && !key.isBlank()) {
      request.putHeader("Authorization", "Bearer " + key.trim());
    }
    Consumer<Throwable> lost = failure -> queue.add(new Fatal(ExitCodes.FAILED,
        "lost the gateway at " + uri + ": " + failure.getMessage()));
    http.request(request).onFailure(lost::accept).onSuccess(req -> {
      cancel = () -> context.runOnContext(v -> req.reset());
      Map<Long, BatchInput.Row> sent = new HashMap<>();
      long[] sequence = {0};
      req.setChunked(true);
      req.response().onFailure(lost::accept).onSuccess(response -> {
        if (response.statusCode() != 200) {
          response.body().onComplete(body -> queue.add(new Fatal(
              response.statusCode() == 401 ? ExitCodes.USAGE : ExitCodes.FAILED,
              "the gateway answered " + response.statusCode() + (response.statusCode() == 401
                  ? " (set GATEWAY_API_KEY to a client key of the gateway)" : "") + ": "
                  + (body.succeeded() ? body.result().toString().trim() : ""))));
          return;
        }
        NdjsonLines answers = new NdjsonLines(response, 1 << 20);
        resumeOutput = () -> context.runOnContext(v -> answers.resume());
        response.exceptionHandler(lost::accept);
        answers.endHandler(v -> queue.add(END));
        answers.handler(text -> {
          JsonObject line = new JsonObject(text.text());
          BatchInput.Row row = sent.remove(line.getLong("index"));
          if (row != null) {
            line.put("index", row.index());
            if (line.getString("address") == null) {
              line.put("address", row.address());
            }
            enqueue(line, answers::pause);
          }
        });
      });
      BlockingSource<BatchInput.Row> source = new BlockingSource<>(context, todo);
      source.exceptionHandler(failure -> queue.add(new Fatal(ExitCodes.FAILED, "cannot read input: " + failure)));
      source.endHandler(v -> req.end());
      source.handler(row -> {
        if (row.item() == null) {
          queue.add(BatchChecks.unreadableLine(row.index(), chosen.wireName(), row.tooLong()));
          return;
        }
        JsonObject item = row.item().copy();
        if (item.getValue("service") == null) {
          item.put("service", chosen.wireName());
        }
        sent.put(sequence[0]++, row);
        req.write(Buffer.buffer(item.encode()).appendByte((byte) '\n'));
        if (req.writeQueueFull()) {
          source.pause();
          req.drainHandler(v -> source.resume());
        }
      });
    });
  }

  // ---- CLI thread side ------------------------------------------------------------------------------------

  private int consume(BatchOutput out) throws IOException {
    while (true) {
      Object next;
      try {
        next = queue.poll(500, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        cancel.run();
        return ExitCodes.FAILED;
      }
      if (next == null) {
        out.flush();
        progress.update(alreadyDone + written);
        continue;
      }
      if (next == END) {
        return missing() == 0 ? ExitCodes.OK : ExitCodes.FAILED;
      }
      if (next instanceof Fatal fatal) {
        cancel.run();
        System.err.println("batch: " + fatal.message());
        return fatal.exit();
      }
      JsonObject line = (JsonObject) next;
      JsonObject error = line.getJsonObject("error");
      if (error != null && fatalError(error)) {
        cancel.run();
        System.err.println("batch: cannot go on: " + error.getInteger("status") + "/" + error.getInteger("code")
            + " " + error.getString("message"));
        return ExitCodes.FAILED;
      }
      if (error != null && transientError(error)) {
        unanswered++; // not written: a --resume run checks it again
      } else {
        out.write(line);
        written++;
        if (error == null) {
          if (Boolean.TRUE.equals(line.getBoolean("available"))) {
            available++;
          }
        } else {
          itemErrors++;
        }
      }
      if (queue.isEmpty()) {
        out.flush();
      }
      if (outputPaused && queue.size() <= QUEUE_LOW) {
        outputPaused = false;
        resumeOutput.run();
      }
      progress.update(alreadyDone + written);
    }
  }

  private long missing() {
    return total - alreadyDone - written;
  }

  /** Failures no other row can escape: Linq or the gateway refuses the key, a budget is used up, shutdown. */
  static boolean fatalError(JsonObject error) {
    return FailureKind.of(error) == FailureKind.FATAL;
  }

  /** Failures that say nothing about the address: worth another try later, never written as the row's answer. */
  static boolean transientError(JsonObject error) {
    return FailureKind.of(error) == FailureKind.TRANSIENT;
  }

  private void summary(int exit) {
    long answered = written - itemErrors;
    String percent = answered == 0 ? "-" : String.format("%.1f%%", 100.0 * available / answered);
    String upstreamText = gateway == null
        ? upstream.get() + " upstream checks, " + coalesced.get() + " shared an in-flight check, "
            + cacheHits.get() + " cache hits"
        : "upstream checks and cache hits: see the gateway's /metrics";
    System.err.printf("batch: %s: %d rows, %d written now (%d done before), %d available (%s of answers), "
            + "%d item errors, %d left unanswered, %s, elapsed %.1f s%n",
        exit == ExitCodes.OK ? "done" : "NOT finished", total, written, alreadyDone, available, percent,
        itemErrors, missing(), upstreamText, progress.elapsedSeconds());
    if (exit != ExitCodes.OK && missing() > 0) {
      System.err.println("batch: run again with --resume to complete " + output);
    }
  }

  /** SIGTERM / Ctrl-C: what was written stays (flushed), the run ends with exit code 1. */
  private void interrupted(BatchOutput out) {
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
        + "run again with --resume to complete %s%n", written, alreadyDone, total, output);
    System.err.flush();
    Runtime.getRuntime().halt(ExitCodes.FAILED);
  }
}
