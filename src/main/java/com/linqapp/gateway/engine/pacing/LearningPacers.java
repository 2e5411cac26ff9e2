package com.linqapp.gateway.engine.pacing;

/**
 * Adaptive pacers that learn one limit together: the account's pacer, or one pacer per sender line when Linq limits
 * each line (the lines of an account are fitted as one limit while their answers allow it, so three lines learn as
 * fast as one account, and a line named later starts from what the others learnt). {@link #estimate()} and
 * {@link #adopt} move what was learnt in and out, e.g. between the nodes of a cluster. Confined to the engine's
 * event loop, like the pacers it makes.
 */
public final class LearningPacers implements SendPacer.Factory {

  private final LimitModel model = new LimitModel();

  @Override
  public SendPacer create() {
    return new AdaptivePacer(model, SendPacer.ADAPTIVE_DEFAULT_STARTING_RATE, SendPacer.ADAPTIVE_DEFAULT_BURST);
  }

  /** What the pacers have learnt so far ({@link LimitEstimate#UNKNOWN} before the first 429). */
  public LimitEstimate estimate() {
    return model.estimate();
  }

  /** Starts pacers made from now on from {@code learnt}, unless they have learnt something themselves. */
  public void adopt(LimitEstimate learnt) {
    model.adopt(learnt);
  }
}
