package com.linqapp.gateway.check;

import java.util.Locale;

/** Scheduling lane of a check: single interactive checks go first, bulk work keeps a minimum share. */
public enum Priority {
  INTERACTIVE,
  BULK;

  /** @return the lane for a header or field value; {@code null} or blank means {@code fallback} */
  public static Priority parse(String value, Priority fallback) {
    if (value == null || value.isBlank()) {
      return fallback;
    }
    switch (value.trim().toLowerCase(Locale.ROOT)) {
      case "interactive":
        return INTERACTIVE;
      case "bulk":
        return BULK;
      default:
        throw new IllegalArgumentException("priority must be interactive or bulk");
    }
  }

  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }
}
