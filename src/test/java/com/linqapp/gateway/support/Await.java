package com.linqapp.gateway.support;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Blocking waits for test threads (never an event loop). The limits are hang detectors, not
 * measurements: generous enough for a busy two-core machine, so a test only fails at one when
 * something that must happen never does.
 *
 * <p>{@link #until} polls for a state that must come (a counter that only grows, a request that is
 * held until released). It is never the way to show that something did <em>not</em> happen: for that a
 * test waits for an event that marks the point after which it would have happened.
 */
public final class Await {

  /** How long a future may take, or a state may take to come, before the test gives up. */
  public static final Duration LIMIT = Duration.ofSeconds(60);

  private static final long POLL_MILLIS = 10;

  private Await() {
  }

  /** The future's result; an {@link AssertionError} if it fails or does not complete within {@link #LIMIT}. */
  public static <T> T await(Future<T> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(LIMIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw new AssertionError("future failed: " + e.getCause(), e.getCause());
    } catch (TimeoutException e) {
      throw new AssertionError("future not complete within " + LIMIT, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** The failure of a future expected to fail. */
  public static Throwable awaitFailure(Future<?> future) {
    try {
      Object result = future.toCompletionStage().toCompletableFuture().get(LIMIT.toMillis(), TimeUnit.MILLISECONDS);
      throw new AssertionError("expected a failure, got " + result);
    } catch (ExecutionException e) {
      return e.getCause();
    } catch (TimeoutException e) {
      throw new AssertionError("future not complete within " + LIMIT, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** {@code action}'s value, computed on {@code context} (state confined to an event loop is read there). */
  public static <T> T onContext(Context context, Supplier<T> action) {
    Promise<T> result = Promise.promise();
    context.runOnContext(v -> {
      try {
        result.complete(action.get());
      } catch (RuntimeException | AssertionError e) {
        result.fail(e);
      }
    });
    return await(result.future());
  }

  /** Polls {@code condition} until it holds; fails if it does not within {@link #LIMIT}. */
  public static void until(String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + LIMIT.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("never came within " + LIMIT + ": " + what);
      }
      try {
        Thread.sleep(POLL_MILLIS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }
}
