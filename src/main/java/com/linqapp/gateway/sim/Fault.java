package com.linqapp.gateway.sim;

import java.util.Objects;

/**
 * A misbehaviour the simulator can inject into a capability check, either at random (fault rates in
 * {@link SimulatorOptions}) or on demand ({@link LinqSimulator#failNext(Fault, int)}).
 *
 * @param kind what goes wrong
 * @param value the Retry-After seconds for {@link Kind#RATE_LIMITED}, the Linq error code for
 *     {@link Kind#RCS_LINE_FAULT}, otherwise 0
 */
public record Fault(Kind kind, int value) {

  /** The kinds of fault. */
  public enum Kind {
    /** 500 with code 3006. */
    ERROR_500,
    /** The connection is closed without any response. */
    RESET,
    /** 200 headers and half the body are sent, then the connection is closed. */
    RESET_MID_BODY,
    /** 200 whose body is not JSON or is truncated JSON. */
    GARBAGE,
    /** The request is never answered (until the client gives up). */
    HANG,
    /** A correct answer, written one byte at a time with a delay between bytes. */
    SLOW,
    /** 429 with code 1007 and the given Retry-After. */
    RATE_LIMITED,
    /** 503 sender-line fault (4004, 4009 or 4010); only check_rcs suffers it, a scripted one waits for the next check_rcs. */
    RCS_LINE_FAULT
  }

  /** Sender line unavailable for RCS. */
  public static final int RCS_LINE_UNAVAILABLE = 4004;
  /** Sender line not provisioned for RCS. */
  public static final int RCS_LINE_NOT_PROVISIONED = 4009;
  /** Sender line temporarily suspended. */
  public static final int RCS_LINE_SUSPENDED = 4010;

  public Fault {
    Objects.requireNonNull(kind, "kind");
    if (kind == Kind.RATE_LIMITED && value < 1) {
      throw new IllegalArgumentException("retry-after seconds must be >= 1: " + value);
    }
    if (kind == Kind.RCS_LINE_FAULT && rcsMessage(value) == null) {
      throw new IllegalArgumentException("RCS line fault code must be 4004, 4009 or 4010: " + value);
    }
  }

  /** @return a 500/3006 fault */
  public static Fault error500() {
    return new Fault(Kind.ERROR_500, 0);
  }

  /** @return a fault closing the connection without answering */
  public static Fault reset() {
    return new Fault(Kind.RESET, 0);
  }

  /** @return a fault sending the 200 headers and half the body, then closing the connection */
  public static Fault resetMidBody() {
    return new Fault(Kind.RESET_MID_BODY, 0);
  }

  /** @return a fault answering 200 with a body that does not parse as JSON */
  public static Fault garbage() {
    return new Fault(Kind.GARBAGE, 0);
  }

  /** @return a fault never answering */
  public static Fault hang() {
    return new Fault(Kind.HANG, 0);
  }

  /** @return a fault answering correctly but byte by byte */
  public static Fault slow() {
    return new Fault(Kind.SLOW, 0);
  }

  /** @return a 429/1007 fault announcing {@code retryAfterSeconds} (&gt;= 1) */
  public static Fault rateLimited(int retryAfterSeconds) {
    return new Fault(Kind.RATE_LIMITED, retryAfterSeconds);
  }

  /** @return a 503 sender-line fault with {@code code} 4004, 4009 or 4010 (applies to check_rcs) */
  public static Fault rcsLineFault(int code) {
    return new Fault(Kind.RCS_LINE_FAULT, code);
  }

  /** @return the error message Linq uses for an RCS sender-line fault code, or {@code null} if unknown */
  public static String rcsMessage(int code) {
    switch (code) {
      case RCS_LINE_UNAVAILABLE:
        return "Sender line unavailable for RCS";
      case RCS_LINE_NOT_PROVISIONED:
        return "Sender line is not provisioned for RCS";
      case RCS_LINE_SUSPENDED:
        return "Sender line is temporarily suspended";
      default:
        return null;
    }
  }
}
