package com.linqapp.gateway.engine;

import com.linqapp.gateway.check.CheckException;
import com.linqapp.gateway.linq.LinqClient;
import com.linqapp.gateway.linq.LinqOutcome;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tracks whether Linq accepts the gateway's key. Once Linq rejects it, every check fails fast with
 * 502 and Linq's code (no quota is spent on requests that cannot succeed) while {@code GET
 * /v3/phone_numbers}, which costs no check quota, probes with exponential backoff until the key works.
 */
public final class CredentialsGuard {

  /** What Linq says of the gateway's key. */
  public enum State {
    /** Nothing yet: the startup probe has not been answered (or failed on a transient fault). */
    UNVERIFIED,
    /** A probe or a check was answered. */
    ACCEPTED,
    /** Linq refused the key (401, or 403/2005); probing until it accepts it again. */
    REJECTED;

    /** The lower-case name metrics show. */
    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  private static final Logger log = LoggerFactory.getLogger(CredentialsGuard.class);

  private final LinqClient linq;
  private final Scheduler scheduler;
  private final BackoffPolicy probeBackoff;
  private final Runnable onRecovered;
  private final Consumer<List<String>> onSenderLines;
  private final Consumer<State> onState;
  private State state = State.UNVERIFIED;
  private CheckException rejection;
  private int failedProbes;
  private boolean probing;
  private List<String> senderLines = List.of();

  /**
   * @param probeBackoff delay before each probe while the key is rejected
   * @param onRecovered   called on the owner's loop when a probe succeeds after a rejection
   * @param onSenderLines called with the account's lines after every successful probe
   * @param onState       called with the new state on every change
   */
  public CredentialsGuard(LinqClient linq, Scheduler scheduler, BackoffPolicy probeBackoff, Runnable onRecovered,
                          Consumer<List<String>> onSenderLines, Consumer<State> onState) {
    this.linq = linq;
    this.scheduler = scheduler;
    this.probeBackoff = probeBackoff;
    this.onRecovered = onRecovered;
    this.onSenderLines = onSenderLines;
    this.onState = onState;
  }

  public State state() {
    return state;
  }

  /** Linq answered a check: the key works, even if the startup probe could not tell. */
  public void answered() {
    if (state == State.UNVERIFIED) {
      changeTo(State.ACCEPTED);
    }
  }

  private void changeTo(State next) {
    if (state != next) {
      state = next;
      onState.accept(next);
    }
  }

  /** The failure to give every check while the key is rejected, or {@code null} when it is accepted. */
  public CheckException rejection() {
    return rejection;
  }

  /** The account's sender lines from the last successful probe. */
  public List<String> senderLines() {
    return senderLines;
  }

  /** Probes once now (at startup); a transient fault leaves the state as it is. */
  public void verify() {
    probe();
  }

  /** Linq refused the key on a check: stop sending and start probing. */
  public void reject(LinqOutcome.CredentialsRejected outcome) {
    boolean wasAccepted = rejection == null;
    rejection = new CheckException(502, outcome.code(),
        "Linq rejected the gateway's API key (" + outcome.status() + "): " + outcome.message(), null, outcome.traceId());
    if (wasAccepted) {
      changeTo(State.REJECTED);
      log.error("Linq rejected the gateway's API key (HTTP {}, code {}, trace {}); checks fail with 502 until a probe succeeds",
          outcome.status(), outcome.code(), outcome.traceId());
      failedProbes = 0;
      scheduleProbe();
    }
  }

  private void scheduleProbe() {
    if (!probing) {
      probing = true;
      scheduler.schedule(probeBackoff.delayMillis(++failedProbes), () -> {
        probing = false;
        probe();
      });
    }
  }

  private void probe() {
    linq.senderLines().onComplete(done -> {
      LinqOutcome outcome = done.succeeded() ? done.result()
          : LinqOutcome.TransientFault.of(LinqOutcome.TransientFault.Kind.CONNECTION, String.valueOf(done.cause()));
      if (outcome instanceof LinqOutcome.SenderLines lines) {
        senderLines = lines.lines();
        onSenderLines.accept(senderLines);
        boolean recovered = rejection != null;
        rejection = null;
        changeTo(State.ACCEPTED);
        if (recovered) {
          log.info("Linq accepts the gateway's API key again; checks resume");
          onRecovered.run();
        }
      } else if (outcome instanceof LinqOutcome.CredentialsRejected rejected) {
        if (rejection == null) {
          reject(rejected);
        } else {
          scheduleProbe();
        }
      } else if (rejection != null) {
        scheduleProbe();
      } else {
        log.warn("Could not verify the Linq API key at startup ({}); checks will tell", outcome);
      }
    });
  }
}
