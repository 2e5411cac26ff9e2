package com.linqapp.gateway.jobs;

import com.linqapp.gateway.config.JobsOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers finished jobs' summaries to their {@code callback_url}: {@code POST} of the job's JSON with
 * {@code X-Gateway-Delivery} (the same id on every attempt) and {@code X-Gateway-Signature: t=<unix
 * seconds>,sha256=<hex HMAC-SHA256 of "t.body" with GATEWAY_JOBS_CALLBACK_SECRET>}. A 2xx answer delivers
 * it; anything else — a redirect (never followed), an error, no answer in 10 s — is retried with jittered
 * exponential backoff (10 s doubling, at most an hour) until a day after the first attempt. The state is
 * in the store: an attempt is claimed there first (compare-and-set), so restarts resume the schedule and
 * a shared store has each attempt made once. The host is checked against {@code GATEWAY_JOBS_CALLBACK_HOSTS}
 * again before every attempt.
 */
final class CallbackSender {

  static final String SIGNATURE_HEADER = "X-Gateway-Signature";
  static final String DELIVERY_HEADER = "X-Gateway-Delivery";
  static final Duration GIVE_UP_AFTER = Duration.ofDays(1);
  static final long ATTEMPT_TIMEOUT_MILLIS = 10_000;
  private static final long BASE_DELAY_MILLIS = 10_000;
  private static final long MAX_DELAY_MILLIS = 3_600_000;
  private static final int BATCH = 16;

  private static final Logger log = LoggerFactory.getLogger(CallbackSender.class);

  private final JobStore store;
  private final JobsOptions config;
  private final Clock clock;
  private final HttpClient http;
  private final DoubleSupplier random;
  private boolean delivering;

  CallbackSender(Vertx vertx, JobStore store, JobsOptions config, Clock clock) {
    this(vertx, store, config, clock, () -> ThreadLocalRandom.current().nextDouble());
  }

  CallbackSender(Vertx vertx, JobStore store, JobsOptions config, Clock clock, DoubleSupplier random) {
    this.store = store;
    this.config = config;
    this.clock = clock;
    this.random = random;
    this.http = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout(5_000)
        .setIdleTimeout((int) (ATTEMPT_TIMEOUT_MILLIS / 1000)).setVerifyHost(true).setTrustAll(false));
  }

  /** Makes every attempt that is due (one round at a time). */
  Future<Void> deliverDue() {
    if (delivering) {
      return Future.succeededFuture();
    }
    delivering = true;
    return store.callbacksDue(BATCH)
        .compose(jobs -> Future.join(jobs.stream().map(this::attempt).toList()))
        .<Void>mapEmpty()
        .recover(failure -> {
          log.warn("Callback round failed: {}", failure.toString());
          return Future.succeededFuture();
        })
        .onComplete(done -> delivering = false);
  }

  private Future<Void> attempt(Job job) {
    CallbackState due = job.callback();
    Instant now = clock.instant();
    Instant first = due.firstAttemptAt() == null ? now : due.firstAttemptAt();
    // Claimed in the store first: due again only if this attempt never records its end.
    CallbackState taken = new CallbackState(due.deliveryId(), CallbackState.Status.PENDING, due.attempts() + 1,
        first, now.plusMillis(ATTEMPT_TIMEOUT_MILLIS * 6), due.lastResult());
    return store.updateCallback(job.id(), due, taken).compose(mine -> {
      if (!mine) {
        return Future.succeededFuture();
      }
      if (!config.callbackHostAllowed(URI.create(job.spec().callbackUrl()).getHost())) {
        log.warn("Job {}: callback host no longer allowed by GATEWAY_JOBS_CALLBACK_HOSTS; not delivered", job.id());
        return store.updateCallback(job.id(), taken, new CallbackState(taken.deliveryId(),
            CallbackState.Status.GAVE_UP, taken.attempts() - 1, first, null, "host not allowed")).mapEmpty();
      }
      return post(job).transform(done -> {
        String result = done.succeeded() ? String.valueOf(done.result()) : failureText(done.cause());
        CallbackState next = next(taken, done.succeeded() && done.result() / 100 == 2, result, first);
        if (next.status() == CallbackState.Status.GAVE_UP) {
          log.warn("Job {}: callback not delivered after {} attempts over a day (last: {}); giving up", job.id(),
              next.attempts(), result);
        }
        return store.updateCallback(job.id(), taken, next).mapEmpty();
      });
    });
  }

  private CallbackState next(CallbackState taken, boolean delivered, String result, Instant first) {
    Instant now = clock.instant();
    if (delivered) {
      return new CallbackState(taken.deliveryId(), CallbackState.Status.DELIVERED, taken.attempts(), first, null,
          result);
    }
    long ceiling = Math.min(MAX_DELAY_MILLIS, BASE_DELAY_MILLIS << Math.min(taken.attempts() - 1, 20));
    long delay = (long) (ceiling / 2 + random.getAsDouble() * ceiling / 2);
    Instant at = now.plusMillis(delay);
    if (at.isAfter(first.plus(GIVE_UP_AFTER))) {
      return new CallbackState(taken.deliveryId(), CallbackState.Status.GAVE_UP, taken.attempts(), first, null,
          result);
    }
    return new CallbackState(taken.deliveryId(), CallbackState.Status.PENDING, taken.attempts(), first, at, result);
  }

  /** @return the HTTP status the receiver answered */
  private Future<Integer> post(Job job) {
    String url = job.spec().callbackUrl();
    Buffer body = job.toJson().toBuffer();
    long timestamp = clock.instant().getEpochSecond();
    RequestOptions request = new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(url)
        .setFollowRedirects(false).setTimeout(ATTEMPT_TIMEOUT_MILLIS)
        .putHeader("Content-Type", "application/json").putHeader("User-Agent", "linq-capability-gateway")
        .putHeader(DELIVERY_HEADER, job.callback().deliveryId())
        .putHeader(SIGNATURE_HEADER, "t=" + timestamp + ",sha256=" + sign(config.callbackSecret(), timestamp, body));
    return http.request(request).compose(req -> req.send(body)).compose(response -> response.body()
        .map(ignored -> response.statusCode()));
  }

  /** Hex HMAC-SHA256 of {@code timestamp + "." + body}: what receivers recompute to verify a callback. */
  static String sign(String secret, long timestamp, Buffer body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      mac.update((timestamp + ".").getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(mac.doFinal(body.getBytes()));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is not available", e);
    }
  }

  private static String failureText(Throwable failure) {
    String message = failure.getMessage();
    return failure.getClass().getSimpleName() + (message == null ? "" : ": " + message);
  }
}
