package com.linqapp.gateway.log;

import com.google.i18n.phonenumbers.NumberParseException;
import com.google.i18n.phonenumbers.PhoneNumberUtil;

/**
 * Masks addresses for logs and errors: a phone number keeps its country code and last two digits
 * ({@code +1•••••••67}), an email its first letter and domain ({@code j•••@example.com}); anything else
 * shows only its length.
 */
public final class Mask {

  private static final String DOTS = "•••";

  private Mask() {
  }

  public static String address(String address) {
    if (address == null) {
      return "null";
    }
    int at = address.lastIndexOf('@');
    if (at > 0 && at < address.length() - 1) {
      return address.charAt(0) + DOTS + address.substring(at);
    }
    if (address.length() >= 8 && address.startsWith("+") && address.chars().skip(1).allMatch(Character::isDigit)) {
      return "+" + countryCode(address) + DOTS + address.substring(address.length() - 2);
    }
    return "<" + address.length() + " chars>";
  }

  /** The country calling code, or empty when the number has none libphonenumber knows. */
  private static String countryCode(String e164) {
    try {
      return String.valueOf(PhoneNumberUtil.getInstance().parse(e164, null).getCountryCode());
    } catch (NumberParseException e) {
      return "";
    }
  }
}
