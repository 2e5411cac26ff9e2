package com.linqapp.gateway.engine.pacing;

import java.util.Arrays;

/**
 * One budget's recent exchanges with Linq, in the order they were sent: when each left, and whether Linq admitted
 * it (any answer but a 429) or refused it (429). A request's arrival at Linq is taken to be its send time: every
 * request takes about the same way there, so the shift cancels out of every rate.
 *
 * <p>What Linq's bucket held when the log starts matters to what the log says ({@link Start}): full when sending
 * began, empty at a refusal. The log is trimmed, oldest first, at a refusal when it can be; otherwise what the bucket
 * held is unknown. Confined to the engine's event loop.
 */
final class ExchangeLog {

  static final byte PENDING = 0;
  static final byte ADMITTED = 1;
  static final byte REFUSED = 2;
  /** Added to an outcome: the first send after a pause Linq ordered (its bucket may have refilled meanwhile). */
  static final byte RESUME = 4;
  private static final byte OUTCOME = 3;

  /** What Linq's bucket held at the start of the log. */
  enum Start {
    /** Full: nothing had been sent for long. */
    FULL,
    /** Empty (less than one token): Linq had just refused a request. */
    EMPTY,
    /** Anything from empty to full. */
    UNKNOWN
  }

  private final int capacity;
  private long[] sentAt;
  private byte[] outcome;
  private int size;
  private long start = Long.MIN_VALUE;
  private Start startState = Start.FULL;
  /** Index of the oldest send whose outcome is not known yet (answers come back in about send order). */
  private int firstPending;

  /** @param capacity most exchanges kept; the oldest are dropped (at a refusal) beyond it */
  ExchangeLog(int capacity) {
    this.capacity = capacity;
    this.sentAt = new long[Math.min(capacity, 256)];
    this.outcome = new byte[sentAt.length];
  }

  void sent(long at) {
    sent(at, false);
  }

  /** A request left at {@code at}; {@code resume}: the first after a pause Linq ordered. */
  void sent(long at, boolean resume) {
    if (size == 0 && start == Long.MIN_VALUE) {
      start = at;
    }
    if (size == capacity) {
      trim();
    } else if (size == sentAt.length) {
      sentAt = Arrays.copyOf(sentAt, Math.min(capacity, sentAt.length * 2));
      outcome = Arrays.copyOf(outcome, sentAt.length);
    }
    sentAt[size] = at;
    outcome[size] = resume ? RESUME : PENDING;
    size++;
  }

  /**
   * The outcome of the request sent at {@code at}: the oldest pending one sent then, or, when the send time is not
   * known ({@code Long.MIN_VALUE}), the oldest pending one. It left at {@code leftAt}, later than {@code at} when it
   * waited for a connection to open: from then on the log has it there, still in order.
   */
  void resolved(long at, long leftAt, boolean admitted) {
    int index = -1;
    for (int i = firstPending; i < size; i++) {
      if (outcome(i) == PENDING && (at == Long.MIN_VALUE || sentAt[i] == at)) {
        index = i;
        break;
      }
    }
    if (index < 0) {
      return; // sent before the log was last restarted
    }
    outcome[index] |= admitted ? ADMITTED : REFUSED;
    if (at != Long.MIN_VALUE && leftAt > at) {
      moveLater(index, leftAt);
    }
    while (firstPending < size && outcome(firstPending) != PENDING) {
      firstPending++;
    }
  }

  /**
   * Forgets everything up to the last refusal, where Linq's bucket was empty; with no refusal, everything sent
   * before {@code now}.
   */
  void restartAfterLastRefusal(long now) {
    int last = lastRefusalBefore(size);
    if (last >= 0) {
      startEmptyAfter(last);
      return;
    }
    int keep = 0;
    while (keep < size && sentAt[keep] < now) {
      keep++;
    }
    dropFirst(keep);
    start = now;
    startState = Start.EMPTY;
  }

  /**
   * Forgets the oldest episode, when two later ones remain: everything before the first send that resumed after a
   * pause (the log then starts empty at the episode's last refusal).
   *
   * @return whether an episode was forgotten
   */
  boolean dropOldestEpisode() {
    int resume = nextResume(1);
    int refusal = lastRefusalBefore(resume);
    if (nextResume(resume + 1) >= size || refusal < 0) {
      return false;
    }
    startEmptyAfter(refusal);
    dropFirst(resume - refusal - 1); // its answers still in flight at the refusal: as doubtful as the rest of it
    return true;
  }

  private int nextResume(int from) {
    int i = from;
    while (i < size && !resumed(i)) {
      i++;
    }
    return i;
  }

  /**
   * Moves the request at {@code index} to {@code leftAt}, past the later sends that left before it (a pending one
   * moves again when its own answer comes). The mark of the first send after a pause stays where it was: whatever
   * moves past it was sent after the pause too.
   */
  private void moveLater(int index, long leftAt) {
    int i = index;
    sentAt[i] = leftAt;
    for (; i + 1 < size && sentAt[i + 1] < leftAt; i++) {
      sentAt[i] = sentAt[i + 1];
      sentAt[i + 1] = leftAt;
      byte moved = (byte) (outcome[i] & OUTCOME);
      outcome[i] = (byte) ((outcome[i] & RESUME) | (outcome[i + 1] & OUTCOME));
      outcome[i + 1] = (byte) ((outcome[i + 1] & RESUME) | moved);
    }
  }

  /** The index of the last refusal before {@code end}, or -1. */
  private int lastRefusalBefore(int end) {
    int i = end - 1;
    while (i >= 0 && outcome(i) != REFUSED) {
      i--;
    }
    return i;
  }

  /** Forgets everything up to and including the refusal at {@code refusal}, where Linq's bucket was empty. */
  private void startEmptyAfter(int refusal) {
    start = sentAt[refusal];
    startState = Start.EMPTY;
    dropFirst(refusal + 1);
  }

  /** Drops the oldest half or more: up to and including a refusal (the log then starts empty), else just half. */
  private void trim() {
    for (int i = size / 2; i < size; i++) {
      if (outcome(i) == REFUSED) {
        startEmptyAfter(i);
        return;
      }
    }
    dropFirst(size / 2);
    start = sentAt[0];
    startState = Start.UNKNOWN;
  }

  private void dropFirst(int count) {
    System.arraycopy(sentAt, count, sentAt, 0, size - count);
    System.arraycopy(outcome, count, outcome, 0, size - count);
    size -= count;
    firstPending = Math.max(0, firstPending - count);
  }

  int size() {
    return size;
  }

  long sentAt(int i) {
    return sentAt[i];
  }

  /** {@link #PENDING}, {@link #ADMITTED} or {@link #REFUSED}. */
  byte outcome(int i) {
    return (byte) (outcome[i] & OUTCOME);
  }

  /** Whether the request was the first sent after a pause Linq ordered. */
  boolean resumed(int i) {
    return (outcome[i] & RESUME) != 0;
  }

  /** When the log starts: the first send, or the refusal it was restarted at. */
  long start() {
    return start;
  }

  Start startState() {
    return startState;
  }

  /** Admissions among the requests sent at or after {@code from}. */
  int admittedSince(long from) {
    int count = 0;
    for (int i = size - 1; i >= 0 && sentAt[i] >= from; i--) {
      count += outcome(i) == ADMITTED ? 1 : 0;
    }
    return count;
  }

  /**
   * Sends per second just before {@code now}: over the last {@code windowMillis}, stretched back to hold at least
   * {@code minSends} sends, never before {@code from}. What was being sent when Linq refused, not an average that
   * includes a slow start or a quiet spell.
   */
  double recentSendRate(long now, long from, long windowMillis, int minSends) {
    int count = 0;
    long since = now;
    for (int i = size - 1; i >= 0 && sentAt[i] >= from; i--) {
      if (now - sentAt[i] > windowMillis && count >= minSends) {
        break;
      }
      count++;
      since = sentAt[i];
    }
    return count * 1000.0 / Math.max(1, now - since);
  }

  /** The most admissions in any {@code windowMillis} of the log, per second: the fastest Linq was seen to admit. */
  double maxAdmittedRate(long windowMillis) {
    int best = 0;
    int inWindow = 0;
    int first = 0;
    for (int i = 0; i < size; i++) {
      if (outcome(i) != ADMITTED) {
        continue;
      }
      inWindow++;
      while (sentAt[first] <= sentAt[i] - windowMillis || outcome(first) != ADMITTED) {
        inWindow -= outcome(first) == ADMITTED ? 1 : 0;
        first++;
      }
      best = Math.max(best, inWindow);
    }
    return best * 1000.0 / windowMillis;
  }

  int admitted() {
    int count = 0;
    for (int i = 0; i < size; i++) {
      count += outcome(i) == ADMITTED ? 1 : 0;
    }
    return count;
  }
}
