package com.linqapp.gateway.config;

import java.util.LinkedHashMap;
import java.util.Map;

/** Reads {@value #SETTING}: optional daily budgets of upstream checks per client name. */
public final class DailyBudgets {

  /** The setting (environment variable) the budgets are read from. */
  public static final String SETTING = "GATEWAY_CLIENT_DAILY_BUDGETS";

  private static final String NAME = "[A-Za-z0-9._-]{1,64}";

  private DailyBudgets() {
  }

  /**
   * Comma-separated {@code name=checksPerDay}; blank (or {@code null}) means no budgets, blank entries
   * are skipped.
   *
   * @return client name to checks per UTC day, in the setting's order
   * @throws IllegalArgumentException naming the setting and the bad entry
   */
  public static Map<String, Long> parse(String setting) {
    Map<String, Long> limits = new LinkedHashMap<>();
    if (setting == null || setting.isBlank()) {
      return limits;
    }
    for (String item : setting.split(",")) {
      String entry = item.trim();
      if (entry.isEmpty()) {
        continue;
      }
      int eq = entry.indexOf('=');
      String name = eq < 0 ? "" : entry.substring(0, eq).trim();
      String count = eq < 0 ? "" : entry.substring(eq + 1).trim();
      if (!name.matches(NAME) || !count.matches("[0-9]{1,18}") || Long.parseLong(count) < 1) {
        throw new IllegalArgumentException(SETTING + " entry '" + entry + "' must be name=checksPerDay with a client"
            + " name (letters, digits, '.', '_' or '-') and a whole number of at least 1, e.g. crm=10000,etl=500000");
      }
      if (limits.put(name, Long.parseLong(count)) != null) {
        throw new IllegalArgumentException(SETTING + " names client '" + name + "' twice");
      }
    }
    return limits;
  }
}
