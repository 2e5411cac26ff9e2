package com.linqapp.gateway.check;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.google.i18n.phonenumbers.NumberParseException;
import com.google.i18n.phonenumbers.PhoneNumberUtil;
import com.google.i18n.phonenumbers.Phonenumber.PhoneNumber;
import java.util.regex.Pattern;

/**
 * Linq's address rule, applied before anything else so that a bad address costs no upstream call:
 * an E.164 number in ASCII that libphonenumber finds <em>possible</em> (not <em>valid</em>, which would
 * reject Linq's own {@code +1555…} examples), or an email for iMessage. With a default region, national
 * formats and E.164 with separators are normalized to E.164; without one, only E.164 passes.
 */
public final class AddressRule {

  /** Only ASCII digits, separators and a leading plus may be normalized: look-alike digits are refused. */
  private static final Pattern NATIONAL = Pattern.compile("^\\+?[0-9 ().\\-]{6,40}$");
  private static final Pattern EMAIL = Pattern.compile("^[A-Za-z0-9._%+'\\-]{1,64}@[A-Za-z0-9\\-]+(\\.[A-Za-z0-9\\-]+)*\\.[A-Za-z]{2,63}$");
  private static final int MAX_EMAIL_LENGTH = 254;

  static final String NOT_E164 = "Phone number must be in E.164 format";
  static final String RCS_PHONE_ONLY = "RCS checks take a phone number in E.164 format";
  static final String BAD_FROM = "from must be a phone number in E.164 format";

  /** Recent verdicts: libphonenumber's parse is the costliest step of a cache hit, and hot addresses repeat. */
  private static final Cache<String, Boolean> POSSIBLE = Caffeine.newBuilder().maximumSize(65_536)
      .executor(Runnable::run).build();

  private final PhoneNumberUtil phones = PhoneNumberUtil.getInstance();
  private final String defaultRegion;

  /** @param defaultRegion ISO region for national formats, or {@code null} for E.164 only */
  public AddressRule(String defaultRegion) {
    this.defaultRegion = defaultRegion;
  }

  /**
   * @return the address to check: the caller's own text when already E.164 or an email, else its
   *     normalized E.164 form
   * @throws CheckException 400/1002 when the address breaks the rule
   */
  public String normalize(Service service, String address) {
    if (isE164(address)) {
      return address;
    }
    if (address.indexOf('@') >= 0) {
      if (!service.acceptsEmail()) {
        throw CheckException.badRequest(ErrorCodes.ADDRESS_INVALID, RCS_PHONE_ONLY);
      }
      if (address.length() <= MAX_EMAIL_LENGTH && EMAIL.matcher(address).matches()) {
        return address;
      }
      throw CheckException.badRequest(ErrorCodes.ADDRESS_INVALID, "Address must be an E.164 phone number or an email address");
    }
    String normalized = normalizeNational(address);
    if (normalized == null) {
      throw CheckException.badRequest(ErrorCodes.ADDRESS_INVALID, service.acceptsEmail() ? NOT_E164 : RCS_PHONE_ONLY);
    }
    return normalized;
  }

  /**
   * A sender line given by the caller: always a phone number, normalized like an address.
   *
   * @throws CheckException 400/1002 when it is not a phone number
   */
  public String normalizeFrom(String from) {
    if (isE164(from)) {
      return from;
    }
    String normalized = normalizeNational(from);
    if (normalized == null) {
      throw CheckException.badRequest(ErrorCodes.ADDRESS_INVALID, BAD_FROM);
    }
    return normalized;
  }

  /** E.164 in ASCII and possible for its country. */
  public boolean isE164(String address) {
    if (!hasE164Shape(address)) {
      return false;
    }
    // A quiet read: this memo's eviction order needs no bookkeeping on every cache hit (a verdict is
    // cheap to recompute); Caffeine's per-read bookkeeping was most of this method's cost.
    Boolean known = POSSIBLE.policy().getIfPresentQuietly(address);
    if (known == null) {
      known = possible(address);
      POSSIBLE.put(address, known);
    }
    return known;
  }

  /** {@code +}, a digit 1-9, then 6-14 more ASCII digits (a loop: this runs on every cache hit). */
  private static boolean hasE164Shape(String address) {
    int length = address.length();
    if (length < 8 || length > 16 || address.charAt(0) != '+' || address.charAt(1) < '1' || address.charAt(1) > '9') {
      return false;
    }
    for (int i = 2; i < length; i++) {
      char c = address.charAt(i);
      if (c < '0' || c > '9') {
        return false;
      }
    }
    return true;
  }

  private boolean possible(String e164) {
    try {
      return phones.isPossibleNumber(phones.parse(e164, null));
    } catch (NumberParseException e) {
      return false;
    }
  }

  private String normalizeNational(String text) {
    if (defaultRegion == null || !NATIONAL.matcher(text).matches()) {
      return null;
    }
    try {
      PhoneNumber number = phones.parse(text, defaultRegion);
      if (!phones.isPossibleNumber(number)) {
        return null;
      }
      String e164 = phones.format(number, PhoneNumberUtil.PhoneNumberFormat.E164);
      return isE164(e164) ? e164 : null;
    } catch (NumberParseException e) {
      return null;
    }
  }
}
