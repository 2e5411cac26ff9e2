package com.linqapp.gateway.config;

import io.vertx.core.json.JsonObject;
import java.util.Locale;
import java.util.Set;

/**
 * Typed, validated reads of raw settings. Values come from JSON (typed) or the environment (strings);
 * both are accepted, and every error names the setting.
 */
final class Settings {

  private final JsonObject raw;

  Settings(JsonObject raw) {
    this.raw = raw;
  }

  String string(String name) {
    Object value = raw.getValue(name);
    return value == null ? "" : String.valueOf(value).trim();
  }

  /** @return the value, or {@code null} when empty */
  String optional(String name) {
    String value = string(name);
    return value.isEmpty() ? null : value;
  }

  boolean bool(String name) {
    String value = string(name).toLowerCase(Locale.ROOT);
    switch (value) {
      case "true":
      case "1":
      case "yes":
        return true;
      case "":
      case "false":
      case "0":
      case "no":
        return false;
      default:
        throw new ConfigException(name + " must be true or false (got '" + string(name) + "')");
    }
  }

  long integer(String name, long min, long max) {
    String value = string(name);
    try {
      long parsed = Long.parseLong(value);
      if (parsed >= min && parsed <= max) {
        return parsed;
      }
    } catch (NumberFormatException ignored) {
      // reported below with the accepted range
    }
    throw new ConfigException(name + " must be a whole number from " + min + " to " + max + " (got '" + value + "')");
  }

  /** @return the whole number, or {@code null} when the setting is empty (not set) */
  Long optionalInteger(String name, long min, long max) {
    return string(name).isEmpty() ? null : integer(name, min, max);
  }

  double decimal(String name, double min, double max) {
    String value = string(name);
    try {
      double parsed = value.isEmpty() ? 0 : Double.parseDouble(value);
      if (parsed >= min && parsed <= max && !Double.isNaN(parsed)) {
        return parsed;
      }
    } catch (NumberFormatException ignored) {
      // reported below with the accepted range
    }
    throw new ConfigException(name + " must be a number from " + min + " to " + max + " (got '" + value + "')");
  }

  String oneOf(String name, Set<String> allowed) {
    String value = string(name).toLowerCase(Locale.ROOT);
    if (!allowed.contains(value)) {
      throw new ConfigException(name + " must be one of " + String.join(", ", allowed) + " (got '" + string(name) + "')");
    }
    return value;
  }
}
