package com.linqapp.gateway.engine.pacing;

/** {@link SendPacer#unlimited()}. */
enum Unlimited implements SendPacer {
  INSTANCE;

  @Override
  public long nextSendAt(long now) {
    return now;
  }

  @Override
  public void onSend(long now) {
  }

  @Override
  public void onAnswer(long now) {
  }

  @Override
  public void onThrottle(long now) {
  }

  @Override
  public double rate() {
    return Double.POSITIVE_INFINITY;
  }

  @Override
  public State state() {
    return State.UNPACED;
  }
}
