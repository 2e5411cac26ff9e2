package com.linqapp.gateway.sim;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The simulator's deterministic answers and address validation, public so tests can compute the expected outcome.
 */
public final class Availability {

  /** Service name of check_imessage, as used in {@code selected_service}. */
  public static final String IMESSAGE = "iMessage";
  /** Service name of check_rcs, as used in {@code selected_service}. */
  public static final String RCS = "RCS";

  private static final Pattern E164 = Pattern.compile("^\\+[1-9][0-9]{6,14}$");
  private static final Pattern EMAIL = Pattern.compile("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$");

  private Availability() {
  }

  /**
   * Whether the simulator answers {@code available: true} for an address.
   *
   * @param service {@code "iMessage"} or {@code "RCS"} (case-insensitive)
   * @param address the address exactly as sent
   * @param availablePercent percentage of addresses that are available, 0..100
   * @return {@code floorMod(first 8 bytes of SHA-256(service + ":" + address), 100) < availablePercent}
   */
  public static boolean expectedAvailable(String service, String address, int availablePercent) {
    String key = canonicalService(service) + ":" + address;
    byte[] hash = sha256(key.getBytes(StandardCharsets.UTF_8));
    long v = 0;
    for (int i = 0; i < 8; i++) {
      v = (v << 8) | (hash[i] & 0xFF);
    }
    return Math.floorMod(v, 100L) < availablePercent;
  }

  /** @return whether {@code address} is an E.164 phone number ({@code ^\+[1-9][0-9]{6,14}$}) */
  public static boolean isE164(String address) {
    return address != null && E164.matcher(address).matches();
  }

  /** @return whether {@code address} looks like an email address */
  public static boolean isEmail(String address) {
    return address != null && EMAIL.matcher(address).matches();
  }

  static String canonicalService(String service) {
    String s = service.toLowerCase(Locale.ROOT);
    if (s.equals("imessage")) {
      return IMESSAGE;
    }
    if (s.equals("rcs")) {
      return RCS;
    }
    throw new IllegalArgumentException("Unknown service: " + service + " (expected iMessage or RCS)");
  }

  private static byte[] sha256(byte[] input) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(input);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is always available", e);
    }
  }
}
