package com.linqapp.gateway.check;

import java.util.Locale;

/** The messaging services Linq can check. The wire name is what callers and Linq's routes use. */
public enum Service {
  IMESSAGE("imessage", "check_imessage", true),
  RCS("rcs", "check_rcs", false);

  private final String wireName;
  private final String linqRoute;
  private final boolean acceptsEmail;

  Service(String wireName, String linqRoute, boolean acceptsEmail) {
    this.wireName = wireName;
    this.linqRoute = linqRoute;
    this.acceptsEmail = acceptsEmail;
  }

  /** {@code imessage} or {@code rcs}. */
  public String wireName() {
    return wireName;
  }

  /** Last path segment of Linq's route for this service, e.g. {@code check_imessage}. */
  public String linqRoute() {
    return linqRoute;
  }

  /** RCS is addressed by phone number only; iMessage also by email. */
  public boolean acceptsEmail() {
    return acceptsEmail;
  }

  /**
   * @param name a wire name, case-insensitive
   * @return the service
   * @throws IllegalArgumentException when the name is not a service
   */
  public static Service fromWireName(String name) {
    if (name != null) {
      String lower = name.toLowerCase(Locale.ROOT);
      for (Service s : values()) {
        if (s.wireName.equals(lower)) {
          return s;
        }
      }
    }
    throw new IllegalArgumentException("service must be one of imessage, rcs");
  }
}
