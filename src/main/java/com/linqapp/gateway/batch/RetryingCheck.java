package com.linqapp.gateway.batch;

import com.linqapp.gateway.check.FailureKind;
import com.linqapp.gateway.engine.BackoffPolicy;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

/**
 * Retries an item whose answer line carries a {@link FailureKind#TRANSIENT transient} error (429, 503, 504,
 * 502/9003), after the longer of its {@code retry_after} and a jittered backoff, up to a number of attempts;
 * the item keeps its place in the batch's window meanwhile. An item still failing then is answered with its
 * last error line, which its caller must not take as the address's answer.
 */
public final class RetryingCheck<I> implements BatchRunner.Check<I, JsonObject> {

  private final Vertx vertx;
  private final BatchRunner.Check<I, JsonObject> check;
  private final int maxAttempts;
  private final BackoffPolicy backoff;
  private final BooleanSupplier stopped;
  private final Predicate<JsonObject> retryable;

  /** @param stopped whether the run is over: no retry is scheduled any more */
  public RetryingCheck(Vertx vertx, BatchRunner.Check<I, JsonObject> check, int maxAttempts, BackoffPolicy backoff,
                       BooleanSupplier stopped) {
    this(vertx, check, maxAttempts, backoff, stopped, RetryingCheck::isTransient);
  }

  /**
   * @param retryable which answer lines' {@code error} objects are worth another try (by default the
   *                  {@link FailureKind#TRANSIENT transient} ones)
   */
  public RetryingCheck(Vertx vertx, BatchRunner.Check<I, JsonObject> check, int maxAttempts, BackoffPolicy backoff,
                       BooleanSupplier stopped, Predicate<JsonObject> retryable) {
    this.vertx = vertx;
    this.check = check;
    this.maxAttempts = maxAttempts;
    this.backoff = backoff;
    this.stopped = stopped;
    this.retryable = retryable;
  }

  @Override
  public Future<JsonObject> submit(long index, I item) {
    return attempt(index, item, 1);
  }

  private Future<JsonObject> attempt(long index, I item, int attempt) {
    return check.submit(index, item).compose(line -> {
      JsonObject error = line.getJsonObject("error");
      if (error == null || !retryable.test(error) || attempt >= maxAttempts || stopped.getAsBoolean()) {
        return Future.succeededFuture(line);
      }
      long delay = Math.max(error.getLong("retry_after", 0L) * 1000, backoff.delayMillis(attempt));
      Promise<JsonObject> retried = Promise.promise();
      vertx.setTimer(Math.max(1, delay), timer -> {
        if (stopped.getAsBoolean()) {
          retried.complete(line); // the run ended while this item waited: it stays unanswered
        } else {
          attempt(index, item, attempt + 1).onComplete(retried);
        }
      });
      return retried.future();
    });
  }

  /** Whether an answer line's error is worth another try. */
  public static boolean isTransient(JsonObject error) {
    return kind(error) == FailureKind.TRANSIENT;
  }

  /** The kind of an answer line's {@code error} object. */
  public static FailureKind kind(JsonObject error) {
    return FailureKind.of(error.getInteger("status", 0), error.getInteger("code", 0));
  }
}
