package com.linqapp.gateway.engine;

/**
 * Limits of the {@link Dispatcher}. Immutable; built from the validated gateway configuration.
 *
 * @param maxQueue                    most checks waiting for upstream before new ones are shed (503/9001)
 * @param maxConcurrency              most upstream requests in flight
 * @param maxAttempts                 upstream attempts per check on transient faults (429s are not counted)
 * @param backoffBaseMillis           first retry waits up to this (full jitter)
 * @param backoffCapMillis            no retry waits longer
 * @param senderLineRetryAfterSeconds {@code Retry-After} on an RCS sender-line fault
 * @param bulkMinShare                share of sends the bulk lane keeps while interactive work waits
 * @param perLineLimit                Linq's limit applies per sender line ({@code LINQ_RATE_LIMIT_SCOPE=line})
 * @param senderLineRestMillis        how long a line that gave an RCS sender-line fault is not used for RCS
 */
public record EngineOptions(int maxQueue, int maxConcurrency, int maxAttempts, long backoffBaseMillis,
                            long backoffCapMillis, int senderLineRetryAfterSeconds, double bulkMinShare,
                            boolean perLineLimit, long senderLineRestMillis) {

  public static final int DEFAULT_MAX_ATTEMPTS = 6;
  public static final long DEFAULT_BACKOFF_BASE_MILLIS = 100;
  public static final long DEFAULT_BACKOFF_CAP_MILLIS = 2_000;
  public static final int DEFAULT_SENDER_LINE_RETRY_AFTER_SECONDS = 5;
  public static final double DEFAULT_BULK_MIN_SHARE = 0.2;
  public static final long DEFAULT_SENDER_LINE_REST_MILLIS = 300_000;

  public EngineOptions {
    if (maxQueue < 1 || maxConcurrency < 1 || maxAttempts < 1) {
      throw new IllegalArgumentException("maxQueue, maxConcurrency and maxAttempts must be at least 1");
    }
    if (!(bulkMinShare >= 0 && bulkMinShare <= 1)) {
      throw new IllegalArgumentException("bulkMinShare must be in [0, 1]");
    }
  }

  /** The documented defaults for everything but the bounds and the limit's scope. */
  public static EngineOptions of(int maxQueue, int maxConcurrency, int maxAttempts, boolean perLineLimit) {
    return new EngineOptions(maxQueue, maxConcurrency, maxAttempts, DEFAULT_BACKOFF_BASE_MILLIS,
        DEFAULT_BACKOFF_CAP_MILLIS, DEFAULT_SENDER_LINE_RETRY_AFTER_SECONDS, DEFAULT_BULK_MIN_SHARE, perLineLimit,
        DEFAULT_SENDER_LINE_REST_MILLIS);
  }
}
