package com.linqapp.gateway.cli;

import com.linqapp.gateway.batch.GatewayEndpoint;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code jobs}: a running gateway's durable jobs ({@code --gateway URL}, client key from
 * {@code GATEWAY_CLIENT_KEY} or {@code --api-key}). Job JSON goes to stdout, one object a line.
 */
@Command(name = "jobs", mixinStandardHelpOptions = true,
    description = "Durable jobs on a running gateway: submit a file, follow it, fetch its answers.",
    subcommands = {JobsCommand.Submit.class, JobsCommand.Status.class, JobsCommand.Results.class,
        JobsCommand.Cancel.class, JobsCommand.ListJobs.class})
final class JobsCommand {

  /** How often {@code --follow} asks for the job's status. */
  static final long FOLLOW_POLL_MILLIS = 1_000;
  /** Answers read per request by {@code results}. */
  static final int PAGE = 10_000;

  /** What every subcommand shares: the gateway, a Vert.x to reach it, and one way to report a refusal. */
  abstract static class Remote implements Callable<Integer> {

    @Mixin
    GatewayClientOptions gatewayClient = new GatewayClientOptions();

    GatewayEndpoint gateway;
    Vertx vertx;
    HttpClient http;

    @Override
    public final Integer call() throws Exception {
      if (!gatewayClient.remote()) {
        System.err.println("--gateway URL is required: jobs live on a running gateway");
        return ExitCodes.USAGE;
      }
      try {
        gateway = gatewayClient.endpoint(System.getenv(), System.err);
      } catch (IllegalArgumentException e) {
        System.err.println(e.getMessage());
        return ExitCodes.USAGE;
      }
      vertx = Vertx.vertx();
      http = gateway.client(vertx);
      try {
        return run();
      } catch (Refused refused) {
        System.err.println("jobs: the gateway answered " + refused.status + ": " + refused.getMessage());
        return refused.status == 401 || refused.status == 400 || refused.status == 413 || refused.status == 415
            ? ExitCodes.USAGE : ExitCodes.FAILED;
      } finally {
        vertx.close().await(5, TimeUnit.SECONDS);
      }
    }

    abstract int run() throws Exception;

    /** A request with an empty body; its JSON answer, or {@link Refused}. */
    JsonObject call(HttpMethod method, String path) {
      return http.request(gateway.request(method, path)).compose(request -> request.send())
          .compose(JobsCommand::json).await();
    }
  }

  /** The gateway refused: the status and the envelope's message. */
  static final class Refused extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final int status;

    Refused(int status, String message) {
      super(message, null, false, false);
      this.status = status;
    }
  }

  static Future<JsonObject> json(HttpClientResponse response) {
    return response.body().compose(body -> {
      if (response.statusCode() / 100 != 2) {
        String message = body.toString();
        try {
          message = new JsonObject(body).getJsonObject("error").getString("message", message);
        } catch (RuntimeException notAnEnvelope) {
          // keep the raw text
        }
        return Future.failedFuture(new Refused(response.statusCode(), message));
      }
      return Future.succeededFuture(new JsonObject(body));
    });
  }

  static String path(String id) {
    return "/v1/jobs/" + URLEncoder.encode(id, StandardCharsets.UTF_8);
  }

  static boolean ended(JsonObject job) {
    String status = job.getString("status");
    return "completed".equals(status) || "cancelled".equals(status) || "failed".equals(status);
  }

  @Command(name = "submit", mixinStandardHelpOptions = true,
      description = "Submit a CSV (.csv, the batch command's rules) or NDJSON file as a job; prints the job.")
  static final class Submit extends Remote {

    @Parameters(paramLabel = "FILE", description = "CSV (.csv) or NDJSON (.ndjson/.jsonl) lines to check.")
    Path file;

    @Option(names = "--follow", description = "Show progress until the job ends (exit 0 when it completed).")
    boolean follow;

    @Option(names = "--service", paramLabel = "imessage|rcs", description = "Service of lines that name none.")
    String service;

    @Option(names = "--name", description = "A label for the job.")
    String name;

    @Option(names = "--callback-url", paramLabel = "URL", description = "Where the gateway posts the job's summary when it ends.")
    String callbackUrl;

    @Option(names = "--idempotency-key", paramLabel = "KEY",
        description = "Submitting again with the same key returns the same job instead of a new one.")
    String idempotencyKey;

    @Override
    int run() throws IOException {
      if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
        System.err.println(file + ": no such readable file");
        return ExitCodes.USAGE;
      }
      StringBuilder query = new StringBuilder();
      param(query, "service", service);
      param(query, "name", name);
      param(query, "callback_url", callbackUrl);
      RequestOptions options = gateway.request(HttpMethod.POST, "/v1/jobs" + query)
          .putHeader("Content-Type", BatchInput.isNdjson(file) || !file.toString().toLowerCase().endsWith(".csv")
              ? "application/x-ndjson" : "text/csv");
      if (idempotencyKey != null) {
        options.putHeader("Idempotency-Key", idempotencyKey);
      }
      // The file is streamed: read only as fast as the gateway stores it.
      JsonObject job = vertx.fileSystem().open(file.toString(), new OpenOptions().setRead(true))
          .compose(input -> http.request(options).compose(request -> {
            request.setChunked(true);
            Future<HttpClientResponse> response = request.response();
            return input.pipeTo(request).compose(v -> response, failure -> response);
          })).compose(JobsCommand::json).await();
      System.out.println(job.encode());
      return follow ? follow(job) : ExitCodes.OK;
    }

    private int follow(JsonObject submitted) {
      String id = submitted.getString("id");
      long total = submitted.getLong("total", 0L);
      JsonObject job = submitted;
      try (BatchProgress progress = new BatchProgress(total, job.getLong("answered", 0L), System.console() != null,
          System.err)) {
        while (!ended(job)) {
          vertx.timer(FOLLOW_POLL_MILLIS).await();
          job = call(HttpMethod.GET, path(id));
          progress.update(job.getLong("answered", 0L));
        }
      }
      System.out.println(job.encode());
      return "completed".equals(job.getString("status")) ? ExitCodes.OK : ExitCodes.FAILED;
    }

    private static void param(StringBuilder query, String name, String value) {
      if (value != null) {
        query.append(query.length() == 0 ? '?' : '&').append(name).append('=')
            .append(URLEncoder.encode(value, StandardCharsets.UTF_8));
      }
    }
  }

  /** A subcommand about one job: one request, the job's JSON printed. */
  abstract static class OneJob extends Remote {
    @Parameters(paramLabel = "ID")
    String id;

    abstract HttpMethod method();

    @Override
    int run() {
      System.out.println(call(method(), path(id)).encode());
      return ExitCodes.OK;
    }
  }

  @Command(name = "status", mixinStandardHelpOptions = true, description = "Print a job's status.")
  static final class Status extends OneJob {
    @Override
    HttpMethod method() {
      return HttpMethod.GET;
    }
  }

  @Command(name = "cancel", mixinStandardHelpOptions = true,
      description = "Cancel a job (answers so far are kept); prints the job.")
  static final class Cancel extends OneJob {
    @Override
    HttpMethod method() {
      return HttpMethod.DELETE;
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "Print your jobs, newest first.")
  static final class ListJobs extends Remote {
    @Option(names = "--limit", defaultValue = "50", description = "Jobs per page (default: ${DEFAULT-VALUE}).")
    int limit;

    @Option(names = "--all", description = "Every page, not only the first.")
    boolean all;

    @Override
    int run() {
      String after = null;
      do {
        JsonObject page = call(HttpMethod.GET, "/v1/jobs?limit=" + limit + (after == null ? ""
            : "&after=" + URLEncoder.encode(after, StandardCharsets.UTF_8)));
        page.getJsonArray("jobs").forEach(job -> System.out.println(((JsonObject) job).encode()));
        after = page.getString("next_after");
      } while (all && after != null);
      return ExitCodes.OK;
    }
  }

  @Command(name = "results", mixinStandardHelpOptions = true,
      description = "Write a job's answers to FILE (.csv or .ndjson, as the batch command's output), in input "
          + "order, until the job ends. Resumable: run it again to complete FILE.")
  static final class Results extends Remote {
    @Parameters(paramLabel = "ID")
    String id;

    @Option(names = "--output", required = true, paramLabel = "FILE", description = "Output, .csv or .ndjson.")
    Path output;

    @Option(names = "--no-wait", description = "Write the answers there are now, without waiting for the job to end.")
    boolean noWait;

    @Override
    int run() throws IOException {
      if (!BatchOutput.supported(output)) {
        System.err.println("--output " + output + ": the file name must end in .csv or .ndjson");
        return ExitCodes.USAGE;
      }
      // Answers come in input order, so the last row written is a safe cursor. Pages are read and written
      // on this thread (the event loop only carries them), a page at a time.
      BitSet done = BatchOutput.resume(output);
      long after = done.length() - 1L;
      long written = 0;
      try (BatchOutput out = Files.exists(output) && Files.size(output) > 0 ? BatchOutput.append(output)
          : BatchOutput.create(output)) {
        while (true) {
          JsonObject job = call(HttpMethod.GET, path(id));
          Buffer page = http.request(gateway.request(HttpMethod.GET, path(id) + "/results?limit=" + PAGE
                  + "&after=" + after)).compose(request -> request.send())
              .compose(response -> response.statusCode() == 200 ? response.body()
                  : json(response).map(ignored -> Buffer.buffer())).await();
          int lines = 0;
          for (String line : page.toString(StandardCharsets.UTF_8).split("\n")) {
            if (!line.isBlank()) {
              JsonObject answer = new JsonObject(line);
              out.write(answer);
              after = answer.getLong("index");
              lines++;
            }
          }
          out.flush();
          written += lines;
          if (lines < PAGE && (ended(job) || noWait)) {
            break; // the job had ended before this page was read: nothing more will come
          }
          if (lines < PAGE) {
            vertx.timer(FOLLOW_POLL_MILLIS).await();
          }
        }
      }
      JsonObject job = call(HttpMethod.GET, path(id));
      long total = done.cardinality() + written;
      System.err.printf("jobs: %d answers written now, %d in %s; job %s, %d of %d lines answered%n", written,
          total, output, job.getString("status"), job.getLong("answered"), job.getLong("total"));
      return ended(job) && total == job.getLong("answered") ? ExitCodes.OK : ExitCodes.FAILED;
    }
  }
}
