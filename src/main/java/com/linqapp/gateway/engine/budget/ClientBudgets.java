package com.linqapp.gateway.engine.budget;

import com.linqapp.gateway.check.CheckException;
import com.linqapp.gateway.check.ErrorCodes;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;

/**
 * Optional daily budgets of checks per client key name (the setting {@code GATEWAY_CLIENT_DAILY_BUDGETS}): once a
 * client has used its budget for the UTC day, its checks are refused with 429/9007 until midnight
 * UTC. Clients without a budget are unlimited and not counted.
 *
 * <p>Time is always passed in (epoch milliseconds, i.e. wall-clock time: the engine's monotonic
 * {@code Scheduler.now()} is not a date); nothing here reads a clock. Methods are synchronized, so
 * one instance can be shared by verticles on several event loops; they never block for long.
 */
public final class ClientBudgets {

  private static final long DAY_MILLIS = 86_400_000L;

  private final Map<String, Long> limits;
  private final Map<String, Usage> usage = new HashMap<>();

  /** @param dailyLimits client name to checks per UTC day (at least 1) */
  public ClientBudgets(Map<String, Long> dailyLimits) {
    dailyLimits.forEach((client, limit) -> {
      if (client == null || limit == null || limit < 1) {
        throw new IllegalArgumentException("daily budget of client '" + client + "' must be at least 1 (got " + limit + ")");
      }
    });
    this.limits = Map.copyOf(dailyLimits);
  }

  /** No budgets: every client unlimited. */
  public static ClientBudgets none() {
    return new ClientBudgets(Map.of());
  }

  /** @return whether no client has a budget (the engine can skip the check entirely) */
  public boolean isEmpty() {
    return limits.isEmpty();
  }

  /** @return the client's checks per UTC day, or empty when unlimited */
  public OptionalLong dailyLimit(String client) {
    Long limit = client == null ? null : limits.get(client);
    return limit == null ? OptionalLong.empty() : OptionalLong.of(limit);
  }

  /**
   * Counts one check against the client's budget for the UTC day of {@code nowEpochMillis}.
   *
   * @return {@code null} when the check may go ahead (and was counted), else the 429/9007 to answer
   *     with, {@code retry_after} being the seconds until the budget resets at midnight UTC
   */
  public synchronized CheckException tryConsume(String client, long nowEpochMillis) {
    Long limit = client == null ? null : limits.get(client);
    if (limit == null) {
      return null;
    }
    Usage today = usage.computeIfAbsent(client, c -> new Usage());
    today.rollTo(day(nowEpochMillis));
    if (today.used < limit) {
      today.used++;
      return null;
    }
    long resetAt = (today.day + 1) * DAY_MILLIS;
    int seconds = CheckException.secondsRoundedUp(resetAt - nowEpochMillis);
    return new CheckException(429, ErrorCodes.CLIENT_BUDGET_EXHAUSTED, "Daily budget of " + limit
        + " checks for client '" + client + "' is used up; it resets at midnight UTC, in " + seconds + " seconds.",
        seconds, null);
  }

  /**
   * Gives back one check that cost Linq nothing (answered from the cache, refused before sending).
   * Only today's count is refunded: a check counted before midnight and refunded after is not.
   */
  public synchronized void refund(String client, long nowEpochMillis) {
    Usage today = client == null ? null : usage.get(client);
    if (today != null && today.day == day(nowEpochMillis) && today.used > 0) {
      today.used--;
    }
  }

  /** @return checks the client has left for the UTC day of {@code nowEpochMillis}, or empty when unlimited */
  public synchronized OptionalLong remaining(String client, long nowEpochMillis) {
    OptionalLong limit = dailyLimit(client);
    if (limit.isEmpty()) {
      return limit;
    }
    Usage today = usage.get(client);
    long used = today == null || today.day < day(nowEpochMillis) ? 0 : today.used;
    return OptionalLong.of(Math.max(0, limit.getAsLong() - used));
  }

  /** The clients with a budget. */
  public Set<String> clients() {
    return limits.keySet();
  }

  /** @return checks the client has used in the UTC day of {@code nowEpochMillis} (0 when unlimited) */
  public synchronized long used(String client, long nowEpochMillis) {
    Usage today = client == null ? null : usage.get(client);
    return today == null || today.day != day(nowEpochMillis) ? 0 : today.used;
  }

  /**
   * Counts at least {@code used} checks for the client in the UTC day of {@code nowEpochMillis}: what was
   * counted elsewhere before (by a cluster's previous owner). Never lowers a count.
   */
  public synchronized void countAtLeast(String client, long nowEpochMillis, long used) {
    if (dailyLimit(client).isEmpty()) {
      return;
    }
    Usage today = usage.computeIfAbsent(client, c -> new Usage());
    today.rollTo(day(nowEpochMillis));
    if (today.day == day(nowEpochMillis)) {
      today.used = Math.max(today.used, used);
    }
  }

  /** The UTC day of a time, in days since the epoch: what a day's counts are kept under. */
  public static long day(long epochMillis) {
    return Math.floorDiv(epochMillis, DAY_MILLIS);
  }

  private static final class Usage {
    long day = Long.MIN_VALUE;
    long used;

    /** Only forward: a wall clock stepped back across midnight must not hand out a second budget. */
    void rollTo(long newDay) {
      if (newDay > day) {
        day = newDay;
        used = 0;
      }
    }
  }
}
