package com.linqapp.gateway.engine.pacing;

import java.util.Locale;

/**
 * Spaces requests to Linq in time so its rate limit is met without 429s. The engine asks
 * {@link #nextSendAt} before each send and arms one timer for that instant when it lies in the future;
 * it reports every send and how each exchange ended. All times are milliseconds on the engine's
 * clock. Implementations are confined to the engine's event loop and need no locking.
 */
public interface SendPacer {

  /** {@link #adaptive(double, int)}: unpaced until the first 429. */
  double ADAPTIVE_DEFAULT_STARTING_RATE = Double.POSITIVE_INFINITY;

  /** {@link #adaptive(double, int)}: one request at a time, evenly spaced, once paced. */
  int ADAPTIVE_DEFAULT_BURST = 1;

  /** Earliest time the next request may leave; {@code <= now} means now. */
  long nextSendAt(long now);

  /** A request left at {@code now}. */
  void onSend(long now);

  /** Linq answered something other than 429 (an answer, or an error about the request). */
  void onAnswer(long now);

  /** {@link #onAnswer(long, long, long)} for a request that left as soon as it was sent. */
  default void onAnswer(long sentAt, long now) {
    onAnswer(sentAt, sentAt, now);
  }

  /**
   * {@link #onAnswer(long)} for the request sent at {@code sentAt} (when {@link #onSend} was told), which left for
   * Linq at {@code leftAt}: later when it waited for a connection to open. A pacer that learns the limit needs to
   * know which requests Linq admitted, not only how many, and when they reached it.
   */
  default void onAnswer(long sentAt, long leftAt, long now) {
    onAnswer(now);
  }

  /** Linq answered 429: the limit was exceeded. */
  void onThrottle(long now);

  /** Linq answered 429 and asked for {@code retryAfterMillis} before the next request. */
  default void onThrottle(long now, long retryAfterMillis) {
    onThrottle(now);
  }

  /** {@link #onThrottle(long, long, long, long)} for a request that left as soon as it was sent. */
  default void onThrottle(long sentAt, long now, long retryAfterMillis) {
    onThrottle(sentAt, sentAt, now, retryAfterMillis);
  }

  /** {@link #onThrottle(long, long)} for the request sent at {@code sentAt}, which left at {@code leftAt}. */
  default void onThrottle(long sentAt, long leftAt, long now, long retryAfterMillis) {
    onThrottle(now, retryAfterMillis);
  }

  /**
   * A 429 pause (this node's, or one announced by another node of the cluster) ends at {@code until}:
   * Linq's bucket is empty then, so sending resumes at the steady pace rather than in a burst.
   */
  default void onPauseEnd(long until) {
  }

  /** Requests per second currently allowed ({@link Double#POSITIVE_INFINITY} when unpaced). */
  double rate();

  /** Whether, and after what, this pacer paces now. */
  State state();

  /** What a pace is based on; least paced first. */
  enum State {
    /** None: no limit is configured and Linq has not answered 429 yet (or no pacing at all). */
    UNPACED,
    /** A limit learnt from Linq's 429s. */
    LEARNING,
    /** The configured limit. */
    KNOWN;

    /** The lower-case name metrics and the health report show. */
    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }

    /** Of several budgets' states, the least paced: the one that bounds (or unbounds) their combined rate. */
    public State loosest(State other) {
      return compareTo(other) <= 0 ? this : other;
    }
  }

  /**
   * What this pacer has learnt about Linq's limit, for another pacer to start from ({@link #adopt}): a
   * cluster's next owner takes over where the last one stopped instead of learning again. {@code null} when
   * there is nothing to hand over (a known limit, or nothing learnt yet).
   */
  default LimitEstimate learnt() {
    return null;
  }

  /**
   * Starts from what another pacer learnt ({@link #learnt}) as if this one had learnt it, at {@code now}.
   * A pacer with nothing to learn (a known limit) ignores it.
   */
  default void adopt(LimitEstimate learnt, long now) {
  }

  /** Makes one pacer per sending budget (the account's, or each sender line's). */
  @FunctionalInterface
  interface Factory {
    SendPacer create();
  }

  /** No pacing at all: only 429 pauses hold requests back. */
  static SendPacer unlimited() {
    return Unlimited.INSTANCE;
  }

  /**
   * A known limit: GCRA (the generic cell rate algorithm, a token bucket expressed as one
   * timestamp) at {@code ratePerSecond}, allowing {@code burst} requests at once.
   */
  static SendPacer fixed(double ratePerSecond, int burst) {
    return new GcraPacer(ratePerSecond, burst);
  }

  /** The share of a known limit that is paced: see {@link #belowKnownLimit}. */
  double KNOWN_LIMIT_HEADROOM = 0.99;

  /**
   * The pace for a known Linq limit of {@code limitPerSecond} with Linq's burst {@code linqBurst}: 1% under the
   * limit, and a quarter of the burst (at least one) kept in reserve. Requests bunch on their way to Linq (transit
   * jitter), and Linq counts them when they arrive; paced at exactly the limit, Linq's bucket would stay as low as
   * the opening left it, so any bunching beyond the reserve turns into a 429, which costs a whole Retry-After
   * pause. 1% under the limit gives Linq's bucket back {@code 0.01 × limit} tokens a second (2 at 200/s) until it
   * is full again, for 1% of the time. (A stall at Linq's end longer than its burst lasts costs 429s whatever the
   * pace: the bucket cannot save more than its burst for the requests that wait meanwhile.)
   */
  static SendPacer belowKnownLimit(double limitPerSecond, int linqBurst) {
    return fixed(limitPerSecond * KNOWN_LIMIT_HEADROOM, (int) burstWithReserve(linqBurst));
  }

  /** Linq's burst less a quarter of it (at least one) kept in reserve, at least one: see {@link #belowKnownLimit}. */
  static double burstWithReserve(double linqBurst) {
    return Math.max(1, linqBurst - Math.max(1, Math.floor(linqBurst / 4)));
  }

  /**
   * An unknown limit, learnt from Linq's answers ({@link AdaptivePacer}): an opening that doubles per round
   * trip until the first 429, then a token bucket fitted to what Linq admitted and refused.
   */
  static SendPacer adaptive() {
    return adaptive(ADAPTIVE_DEFAULT_STARTING_RATE, ADAPTIVE_DEFAULT_BURST);
  }

  /**
   * {@link #adaptive()} starting at {@code startingRatePerSecond} (paced, and probing upwards, from
   * the first request; {@link Double#POSITIVE_INFINITY} for unpaced until the first 429), allowing
   * {@code burst} requests at once when tokens have accumulated.
   */
  static SendPacer adaptive(double startingRatePerSecond, int burst) {
    return new AdaptivePacer(startingRatePerSecond, burst);
  }

  /**
   * Adaptive pacers, one per budget, that learn one limit together (every sender line of the account alike, until
   * their answers say otherwise); see {@link LearningPacers}.
   */
  static LearningPacers learning() {
    return new LearningPacers();
  }
}
