package com.linqapp.gateway.config;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * A client key and its name. The name appears in logs and metrics; the key never does
 * ({@link #toString()} leaves it out).
 */
public record ClientKey(String name, String key) {

  /** Constant-time comparison, so response timing does not reveal how much of a guess was right. */
  public boolean matches(String candidate) {
    return candidate != null
        && MessageDigest.isEqual(key.getBytes(StandardCharsets.UTF_8), candidate.getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public String toString() {
    return "ClientKey[" + name + "]";
  }
}
