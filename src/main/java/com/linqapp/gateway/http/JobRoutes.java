package com.linqapp.gateway.http;

import com.linqapp.gateway.check.CheckException;
import com.linqapp.gateway.check.ErrorCodes;
import com.linqapp.gateway.check.Priority;
import com.linqapp.gateway.check.Service;
import com.linqapp.gateway.config.JobsOptions;
import com.linqapp.gateway.jobs.IdempotencyConflictException;
import com.linqapp.gateway.jobs.Job;
import com.linqapp.gateway.jobs.JobDraft;
import com.linqapp.gateway.jobs.JobSpec;
import com.linqapp.gateway.jobs.JobStore;
import com.linqapp.gateway.jobs.JobsBus;
import io.vertx.core.Future;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The durable job routes: {@code POST /v1/jobs} (the body streamed to the store before the {@code 202}),
 * {@code GET /v1/jobs}, {@code GET /v1/jobs/{id}}, {@code DELETE /v1/jobs/{id}} and the results
 * ({@link JobResults}). A job belongs to the client name of the key that submitted it; another client's job
 * is 404, never 403, so ids reveal nothing. Limits are checked before anything is stored. Without a store
 * (a clustered gateway with the file store) every route answers 503 naming {@code GATEWAY_JOBS_STORE}.
 */
final class JobRoutes {

  static final String ROUTE = "/v1/jobs";
  static final int DEFAULT_LIST_LIMIT = 50;
  static final int MAX_LIST_LIMIT = 500;
  private static final Set<String> NDJSON_TYPES = Set.of("application/x-ndjson", "application/ndjson",
      "application/jsonl", "application/x-jsonlines", "application/json");
  private static final long TOO_MANY_JOBS_RETRY_SECONDS = 60;

  private static final Logger log = LoggerFactory.getLogger(JobRoutes.class);

  private final JobStore store;
  private final JobsOptions options;

  private JobRoutes(JobStore store, JobsOptions options) {
    this.store = store;
    this.options = options;
  }

  /**
   * @param store the job store, or {@code null} where jobs are not available (clustered, file store)
   */
  static void mount(Router router, ClientAuth auth, JobStore store, JobsOptions options) {
    JobRoutes routes = new JobRoutes(store, options);
    JobResults results = new JobResults(store);
    router.route(ROUTE).handler(auth).handler(routes::available);
    router.route(ROUTE + "/*").handler(auth).handler(routes::available);
    // No BodyHandler: the body is streamed to the store.
    router.post(ROUTE).handler(routes::submit);
    router.get(ROUTE).handler(routes::list);
    router.get(ROUTE + "/:id").handler(routes::get);
    router.delete(ROUTE + "/:id").handler(routes::cancel);
    router.get(ROUTE + "/:id/results").handler(ctx -> routes.owned(ctx).onSuccess(job -> {
      if (job != null) {
        results.handle(ctx, job);
      }
    }));
  }

  private void available(RoutingContext ctx) {
    if (store == null) {
      ctx.response().putHeader(HttpHeaders.CONNECTION, "close");
      ErrorResponder.send(ctx.response(), new CheckException(503, ErrorCodes.JOBS_UNAVAILABLE,
          "Durable jobs need a shared store on a clustered gateway: GATEWAY_JOBS_STORE=file keeps jobs local to "
              + "one gateway; set GATEWAY_JOBS_STORE to a postgresql:// URL", 60, null));
      return;
    }
    ctx.next();
  }

  // ---- submission -------------------------------------------------------------------------------------------

  private void submit(RoutingContext ctx) {
    HttpServerRequest request = ctx.request();
    request.pause();
    String client = ctx.get(ClientAuth.CLIENT);
    JobSpec spec;
    boolean csv;
    try {
      spec = spec(request, client);
      csv = csv(request.getHeader(HttpHeaders.CONTENT_TYPE));
    } catch (CheckException bad) {
      refuseUnread(ctx, bad);
      return;
    }
    String fingerprintBase = spec.toJson().put("format", csv ? "csv" : "ndjson").encode();
    Future<Job> earlier = spec.idempotencyKey() == null ? Future.succeededFuture()
        : store.findByIdempotencyKey(client, spec.idempotencyKey());
    earlier.compose(existing -> existing != null ? Future.succeededFuture(Long.MAX_VALUE) : admit(client))
        .compose(room -> store.draft(spec).compose(draft -> upload(ctx, draft, csv, room, fingerprintBase)))
        .onSuccess(job -> {
          vertx(ctx).eventBus().publish(JobsBus.SUBMITTED, job.id());
          ctx.response().setStatusCode(202).putHeader(HttpHeaders.LOCATION, ROUTE + "/" + job.id());
          json(ctx.response(), job.toJson());
        })
        .onFailure(failure -> {
          if (failure instanceof IdempotencyConflictException conflict) {
            ErrorResponder.send(ctx.response(), new CheckException(409, ErrorCodes.IDEMPOTENCY_CONFLICT,
                "This Idempotency-Key was used for a different submission (job " + conflict.jobId() + ")"));
          } else if (failure instanceof CheckException refused) {
            refuseUnread(ctx, refused);
          } else if (!ctx.response().closed()) {
            log.error("Job submission failed", failure);
            ErrorResponder.send(ctx.response(), new CheckException(500, ErrorCodes.INTERNAL, "Internal error"));
          }
        });
  }

  /** The limits checked before anything is stored; @return the bytes the store still has room for */
  private Future<Long> admit(String client) {
    return store.usage(client).compose(usage -> {
      if (usage.openJobs() >= options.maxOpenPerClient()) {
        return Future.failedFuture(new CheckException(429, ErrorCodes.TOO_MANY_JOBS, "This client has "
            + usage.openJobs() + " jobs not finished; at most " + options.maxOpenPerClient()
            + " are allowed (GATEWAY_JOBS_MAX_OPEN_PER_CLIENT)", (int) TOO_MANY_JOBS_RETRY_SECONDS, null));
      }
      if (usage.bytes() >= options.maxStoreBytes()) {
        return Future.failedFuture(new CheckException(507, ErrorCodes.STORE_FULL,
            "The job store is full (GATEWAY_JOBS_MAX_STORE_MB); retry once older jobs are deleted"));
      }
      return Future.succeededFuture(options.maxStoreBytes() - usage.bytes());
    });
  }

  private Future<Job> upload(RoutingContext ctx, JobDraft draft, boolean csv, long room, String fingerprintBase) {
    request(ctx).resume();
    return JobUpload.read(request(ctx), csv, draft, options.maxLines(), room).compose(body -> {
      if (body.lines() == 0) {
        return Future.failedFuture(CheckException.badRequest(ErrorCodes.BODY_NOT_JSON,
            "The body has no lines: send NDJSON lines or CSV rows"));
      }
      if (!body.anyObject()) {
        return Future.failedFuture(CheckException.badRequest(ErrorCodes.BODY_NOT_JSON, "No line of the body is a "
            + "JSON object: send NDJSON lines such as {\"address\":\"+15551234567\"}, or CSV with Content-Type: text/csv"));
      }
      return draft.commit(sha256(fingerprintBase + "\n" + body.bodySha256()));
    }).onFailure(failure -> draft.abort());
  }

  /** An error before the body was read: the connection closes, so the unread body cannot become a request. */
  private static void refuseUnread(RoutingContext ctx, CheckException error) {
    if (!ctx.request().isEnded()) {
      ctx.response().putHeader(HttpHeaders.CONNECTION, "close");
    }
    ErrorResponder.send(ctx.response(), error);
  }

  private JobSpec spec(HttpServerRequest request, String client) {
    Service service;
    try {
      service = request.getParam("service") == null ? Service.IMESSAGE : Service.fromWireName(request.getParam("service"));
    } catch (IllegalArgumentException e) {
      throw badParameter("service must be imessage or rcs");
    }
    Long maxAge = null;
    if (request.getParam("max_age") != null) {
      try {
        maxAge = Long.parseLong(request.getParam("max_age"));
      } catch (NumberFormatException e) {
        maxAge = -1L;
      }
      if (maxAge < 0 || maxAge > Integer.MAX_VALUE) {
        throw badParameter("max_age must be a whole number of seconds");
      }
    }
    Priority priority;
    try {
      priority = Priority.parse(request.getParam("priority"), Priority.BULK);
    } catch (IllegalArgumentException e) {
      throw badParameter("priority must be interactive or bulk");
    }
    String name = request.getParam("name");
    if (name != null && (name.length() > 200 || name.chars().anyMatch(Character::isISOControl))) {
      throw badParameter("name must be at most 200 characters, without control characters");
    }
    String key = request.getHeader("Idempotency-Key");
    if (key != null && !key.matches("[\\x21-\\x7e]{1,255}")) {
      throw badParameter("Idempotency-Key must be 1 to 255 visible ASCII characters");
    }
    return new JobSpec(client, name, service, maxAge, priority, callbackUrl(request.getParam("callback_url")), key);
  }

  /** A callback_url: absolute http(s), no user info, its host in GATEWAY_JOBS_CALLBACK_HOSTS. */
  private String callbackUrl(String url) {
    if (url == null) {
      return null;
    }
    if (options.callbackHosts().isEmpty()) {
      throw badParameter("callback_url is refused: this gateway allows no callback hosts "
          + "(GATEWAY_JOBS_CALLBACK_HOSTS is empty)");
    }
    URI uri;
    try {
      uri = URI.create(url);
    } catch (IllegalArgumentException e) {
      throw badParameter("callback_url must be an absolute http or https URL");
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null || uri.getRawUserInfo() != null
        || uri.getRawFragment() != null) {
      throw badParameter("callback_url must be an absolute http or https URL without user info or fragment");
    }
    if (!options.callbackHostAllowed(uri.getHost())) {
      throw badParameter("callback_url's host is not in GATEWAY_JOBS_CALLBACK_HOSTS");
    }
    return url;
  }

  static boolean csv(String contentType) {
    if (contentType == null) {
      return false;
    }
    String media = contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
    if (media.equals("text/csv")) {
      return true;
    }
    if (NDJSON_TYPES.contains(media)) {
      return false;
    }
    throw new CheckException(415, ErrorCodes.BODY_NOT_JSON,
        "Content-Type must be application/x-ndjson (the batch route's lines) or text/csv");
  }

  static CheckException badParameter(String message) {
    return CheckException.badRequest(ErrorCodes.ADDRESS_MISSING, message);
  }

  private static String sha256(String text) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  // ---- reading and cancelling -------------------------------------------------------------------------------

  /** The caller's job, or {@code null} after answering 404 (no such job, or another client's). */
  private Future<Job> owned(RoutingContext ctx) {
    return store.get(ctx.pathParam("id")).map(job -> {
      if (job == null || !job.client().equals(ctx.get(ClientAuth.CLIENT))) {
        ErrorResponder.send(ctx.response(), new CheckException(404, ErrorCodes.NOT_FOUND, "No such job"));
        return null;
      }
      return job;
    }).onFailure(ctx::fail);
  }

  private void get(RoutingContext ctx) {
    owned(ctx).onSuccess(job -> {
      if (job != null) {
        json(ctx.response(), job.toJson());
      }
    });
  }

  private void cancel(RoutingContext ctx) {
    owned(ctx).compose(job -> job == null ? Future.succeededFuture() : store.cancel(job.id()).onSuccess(cancelled -> {
      vertx(ctx).eventBus().publish(JobsBus.CANCELLED, cancelled.id());
      json(ctx.response(), cancelled.toJson());
    })).onFailure(ctx::fail);
  }

  private void list(RoutingContext ctx) {
    int limit;
    try {
      limit = JobResults.intParam(ctx.request(), "limit", DEFAULT_LIST_LIMIT, 1, MAX_LIST_LIMIT);
    } catch (CheckException bad) {
      ErrorResponder.send(ctx.response(), bad);
      return;
    }
    String after = ctx.request().getParam("after");
    store.list(ctx.get(ClientAuth.CLIENT), after, limit).onSuccess(jobs -> {
      JsonArray page = new JsonArray();
      jobs.forEach(job -> page.add(job.toJson()));
      JsonObject body = new JsonObject().put("jobs", page);
      if (jobs.size() == limit) {
        body.put("next_after", jobs.get(jobs.size() - 1).id());
      }
      json(ctx.response(), body);
    }).onFailure(ctx::fail);
  }

  private static void json(HttpServerResponse response, JsonObject body) {
    if (!response.ended() && !response.closed()) {
      response.putHeader(HttpHeaders.CONTENT_TYPE, "application/json").end(body.toBuffer());
    }
  }

  private static HttpServerRequest request(RoutingContext ctx) {
    return ctx.request();
  }

  private static io.vertx.core.Vertx vertx(RoutingContext ctx) {
    return ctx.vertx();
  }

  static List<String> routes() {
    return List.of(ROUTE, ROUTE + "/{id}", ROUTE + "/{id}/results");
  }
}
