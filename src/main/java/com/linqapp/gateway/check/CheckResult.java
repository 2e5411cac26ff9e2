package com.linqapp.gateway.check;

/**
 * An answer plus how it was obtained, for {@code X-Cache}/{@code Age} and the event bus's
 * {@code cached}/{@code age}.
 *
 * @param answer     Linq's answer
 * @param source     where the answer came from
 * @param ageSeconds seconds since Linq gave the answer (0 for a fresh one)
 */
public record CheckResult(CheckAnswer answer, Source source, long ageSeconds) {

  /** Values of the {@code X-Cache} response header. */
  public enum Source {
    MISS, HIT, COALESCED, STALE;

    private final String header = name().toLowerCase(java.util.Locale.ROOT);

    public String header() {
      return header;
    }

    public boolean cached() {
      return this == HIT || this == STALE;
    }
  }

}
