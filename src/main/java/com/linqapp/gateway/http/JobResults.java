package com.linqapp.gateway.http;

import com.linqapp.gateway.batch.AnswerCsv;
import com.linqapp.gateway.check.CheckException;
import com.linqapp.gateway.jobs.Job;
import com.linqapp.gateway.jobs.JobStore;
import com.linqapp.gateway.jobs.JobsBus;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.List;

/**
 * {@code GET /v1/jobs/{id}/results?after=I&limit=N[&follow=true]}: answer lines with {@code index > I} in
 * input order, up to the first line not answered yet (so the last index read is a safe {@code after} for
 * the next call), as NDJSON or, with {@code Accept: text/csv}, CSV rows ({@link AnswerCsv}; the header
 * only on a read from the start). With {@code follow=true} the response streams until the job has ended
 * and its last answer is sent: it waits for gaps to fill (woken by the runner's writes, else every
 * second), and reads the store only as fast as the client reads the response.
 */
final class JobResults {

  static final int DEFAULT_LIMIT = 1_000;
  static final int MAX_LIMIT = 10_000;
  static final int PAGE = 1_000;
  static final long POLL_MILLIS = 1_000;

  private final JobStore store;

  JobResults(JobStore store) {
    this.store = store;
  }

  void handle(RoutingContext ctx, Job job) {
    HttpServerRequest request = ctx.request();
    long after;
    int limit;
    boolean follow;
    try {
      after = longParam(request, "after", -1, -1, Long.MAX_VALUE);
      limit = intParam(request, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT);
      follow = boolParam(request, "follow");
    } catch (CheckException bad) {
      ErrorResponder.send(ctx.response(), bad);
      return;
    }
    String accept = request.getHeader(HttpHeaders.ACCEPT);
    boolean csv = accept != null && accept.toLowerCase(java.util.Locale.ROOT).contains("text/csv");
    HttpServerResponse response = ctx.response().setChunked(true)
        .putHeader(HttpHeaders.CONTENT_TYPE, csv ? "text/csv; charset=utf-8" : BatchHandler.NDJSON);
    if (csv && after < 0) {
      response.write(AnswerCsv.HEADER + "\n");
    }
    if (!follow) {
      store.answers(job.id(), after, limit).onSuccess(lines -> response.end(encode(lines, csv))).onFailure(ctx::fail);
      return;
    }
    new Follower(ctx.vertx(), job.id(), response, csv).read(after);
  }

  private static Buffer encode(List<JsonObject> lines, boolean csv) {
    Buffer out = Buffer.buffer();
    for (JsonObject line : lines) {
      out.appendString(csv ? AnswerCsv.row(line) : line.encode()).appendByte((byte) '\n');
    }
    return out;
  }

  /** One following response: reads a page, writes it, and waits for the client or for new answers. */
  private final class Follower {
    private final Vertx vertx;
    private final String jobId;
    private final HttpServerResponse response;
    private final boolean csv;
    private final MessageConsumer<String> wakeUps;
    private long waitTimer = -1;
    private long waitingAfter = Long.MIN_VALUE;
    private boolean gone;

    Follower(Vertx vertx, String jobId, HttpServerResponse response, boolean csv) {
      this.vertx = vertx;
      this.jobId = jobId;
      this.response = response;
      this.csv = csv;
      this.wakeUps = vertx.eventBus().localConsumer(JobsBus.ANSWERED, message -> {
        if (jobId.equals(message.body())) {
          wake();
        }
      });
      response.closeHandler(v -> stop());
    }

    /** The job's state first: if it had ended before this page was read, a short page is the last. */
    void read(long after) {
      if (gone) {
        return;
      }
      store.get(jobId).compose(job -> store.answers(jobId, after, PAGE).onSuccess(lines -> {
        if (gone) {
          return;
        }
        long last = lines.isEmpty() ? after : lines.get(lines.size() - 1).getLong("index");
        if (!lines.isEmpty()) {
          response.write(encode(lines, csv));
        }
        boolean ended = job == null || job.status().finished();
        if (ended && lines.size() < PAGE) {
          stop();
          response.end();
        } else if (response.writeQueueFull()) {
          response.drainHandler(v -> read(last));
        } else if (lines.size() == PAGE) {
          read(last);
        } else {
          waitFor(last);
        }
      })).onFailure(failure -> {
        stop();
        response.reset();
      });
    }

    private void waitFor(long after) {
      waitingAfter = after;
      waitTimer = vertx.setTimer(POLL_MILLIS, id -> {
        waitTimer = -1;
        wake();
      });
    }

    private void wake() {
      if (waitingAfter == Long.MIN_VALUE || gone) {
        return;
      }
      long after = waitingAfter;
      waitingAfter = Long.MIN_VALUE;
      if (waitTimer >= 0) {
        vertx.cancelTimer(waitTimer);
        waitTimer = -1;
      }
      read(after);
    }

    private void stop() {
      gone = true;
      wakeUps.unregister();
      if (waitTimer >= 0) {
        vertx.cancelTimer(waitTimer);
      }
    }
  }

  static int intParam(HttpServerRequest request, String name, int fallback, int min, int max) {
    return (int) longParam(request, name, fallback, min, max);
  }

  static long longParam(HttpServerRequest request, String name, long fallback, long min, long max) {
    String value = request.getParam(name);
    if (value == null || value.isEmpty()) {
      return fallback;
    }
    try {
      long parsed = Long.parseLong(value.trim());
      if (parsed >= min && parsed <= max) {
        return parsed;
      }
    } catch (NumberFormatException ignored) {
      // reported below
    }
    throw JobRoutes.badParameter(name + " must be a whole number from " + min + " to " + max);
  }

  static boolean boolParam(HttpServerRequest request, String name) {
    String value = request.getParam(name);
    if (value == null || value.isEmpty() || value.equals("false")) {
      return false;
    }
    if (value.equals("true")) {
      return true;
    }
    throw JobRoutes.badParameter(name + " must be true or false");
  }
}
