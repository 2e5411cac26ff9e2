package com.linqapp.gateway.engine;

import com.linqapp.gateway.engine.pacing.SendPacer;
import com.linqapp.gateway.engine.queue.FairQueue;
import com.linqapp.gateway.log.Mask;

/**
 * One sending budget: the account's, or one sender line's when Linq's limit is per line. It has its
 * own 429 pause and slow start ({@link SendGate}), its own pace ({@link SendPacer}) and a queue for
 * checks pinned to it by the caller's {@code from}. Owned by the dispatcher's event loop.
 */
final class SenderBudget {

  /** The line's number, or {@code null} for the account (Linq picks the line). */
  final String line;
  final SendGate gate;
  final SendPacer pacer;
  /** Flights whose caller named this line; they can go nowhere else. */
  final FairQueue<Flight> pinned;
  int inFlight;
  /** After an RCS sender-line fault, this line is not used for RCS until then. */
  long rcsUnusableUntil = Long.MIN_VALUE;

  SenderBudget(String line, SendGate gate, SendPacer pacer, FairQueue<Flight> pinned) {
    this.line = line;
    this.gate = gate;
    this.pacer = pacer;
    this.pinned = pinned;
  }

  /** {@link #name()} of the account's budget. */
  static final String ACCOUNT = "account";

  /** The budget's name where nodes share what they learnt: the line's number, or {@value #ACCOUNT}. */
  String name() {
    return line == null ? ACCOUNT : line;
  }

  /** Earliest time this budget may send: after its pause, at its pace. */
  long readyAt(long now) {
    return Math.max(gate.readyAt(now), pacer.nextSendAt(now));
  }

  boolean rcsUsable(long now) {
    return rcsUnusableUntil <= now;
  }

  @Override
  public String toString() {
    return line == null ? "account" : "line " + Mask.address(line);
  }
}
