package com.linqapp.gateway.check;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.i18n.phonenumbers.PhoneNumberUtil;
import java.util.Random;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AddressRuleTest {

  private final AddressRule e164Only = new AddressRule(null);
  private final AddressRule us = new AddressRule("US");

  @ParameterizedTest
  @ValueSource(strings = {"+15551234567", "+12025550143", "+33612345678", "+447911123456"})
  @DisplayName("E.164 numbers that are possible pass unchanged, including Linq's own +1555 examples")
  void e164Passes(String address) {
    assertThat(e164Only.normalize(Service.IMESSAGE, address)).isEqualTo(address);
    assertThat(e164Only.normalize(Service.RCS, address)).isEqualTo(address);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "15551234567", "+0123456789", "+1", "+1234", "+1-202-555-0143", "(202) 555-0143",
      "+１２０２５５５０１４３", "+1202555014３", "+١٢٠٢٥٥٥٠١٤٣", " +12025550143", "+12025550143 ", "+1202555014312345",
      "not-an-address", "@example.com", "a@b"})
  @DisplayName("anything else is 400/1002 without a region")
  void othersRejected(String address) {
    assertThatThrownBy(() -> e164Only.normalize(Service.IMESSAGE, address))
        .isInstanceOfSatisfying(CheckException.class, e -> {
          assertThat(e.status()).isEqualTo(400);
          assertThat(e.code()).isEqualTo(1002);
        });
  }

  @Test
  @DisplayName("emails pass for iMessage and are refused for RCS")
  void emails() {
    assertThat(e164Only.normalize(Service.IMESSAGE, "jane.doe+x@example.co.uk")).isEqualTo("jane.doe+x@example.co.uk");
    assertThatThrownBy(() -> e164Only.normalize(Service.RCS, "jane@example.com"))
        .isInstanceOfSatisfying(CheckException.class, e -> assertThat(e.code()).isEqualTo(1002));
  }

  @Test
  @DisplayName("with a region, national formats and separated E.164 normalize; look-alike digits never do")
  void regionNormalizes() {
    assertThat(us.normalize(Service.IMESSAGE, "(202) 555-0143")).isEqualTo("+12025550143");
    assertThat(us.normalize(Service.IMESSAGE, "+1-202-555-0143")).isEqualTo("+12025550143");
    assertThat(new AddressRule("FR").normalize(Service.RCS, "06 12 34 56 78")).isEqualTo("+33612345678");
    assertThatThrownBy(() -> us.normalize(Service.IMESSAGE, "２０２５５５０１４３")).isInstanceOf(CheckException.class);
    assertThatThrownBy(() -> us.normalize(Service.IMESSAGE, "12")).isInstanceOf(CheckException.class);
  }

  @Test
  @DisplayName("from must be a phone number")
  void fromRule() {
    assertThat(e164Only.normalizeFrom("+12025550101")).isEqualTo("+12025550101");
    assertThatThrownBy(() -> e164Only.normalizeFrom("me@example.com")).isInstanceOf(CheckException.class);
  }

  @Test
  @DisplayName("randomized: the rule equals its specification (ASCII E.164 pattern and isPossibleNumber)")
  void randomizedAgainstSpecification() {
    PhoneNumberUtil phones = PhoneNumberUtil.getInstance();
    Random random = new Random(42);
    String alphabet = "+0123456789 -()１٣a";
    for (int i = 0; i < 20_000; i++) {
      StringBuilder candidate = new StringBuilder(random.nextBoolean() ? "+" : "");
      int length = random.nextInt(18);
      for (int j = 0; j < length; j++) {
        candidate.append(random.nextInt(10) < 8 ? (char) ('0' + random.nextInt(10))
            : alphabet.charAt(random.nextInt(alphabet.length())));
      }
      String address = candidate.toString();
      boolean expected = address.matches("^\\+[1-9][0-9]{6,14}$") && possible(phones, address);
      boolean accepted;
      try {
        accepted = e164Only.normalize(Service.RCS, address).equals(address);
      } catch (CheckException e) {
        accepted = false;
      }
      assertThat(accepted).as(address).isEqualTo(expected);
    }
  }

  @Test
  @DisplayName("randomized with a region: only ASCII digits and ( ) . - space normalize, always to a possible ASCII E.164")
  void randomizedWithRegion() {
    PhoneNumberUtil phones = PhoneNumberUtil.getInstance();
    Random random = new Random(7);
    String lookAlikes = "１２３٣۳३𝟑⁵₅ⅣOo\u00a0\u200b\n";
    String separators = " -().";
    int accepted = 0;
    for (int i = 0; i < 20_000; i++) {
      StringBuilder candidate = new StringBuilder(random.nextBoolean() ? "+" : "");
      int length = 7 + random.nextInt(12);
      for (int j = 0; j < length; j++) {
        int pick = random.nextInt(20);
        if (pick < 16) {
          candidate.append((char) ('0' + random.nextInt(10)));
        } else if (pick < 19) {
          candidate.append(separators.charAt(random.nextInt(separators.length())));
        } else {
          candidate.appendCodePoint(lookAlikes.codePoints().toArray()[random.nextInt((int) lookAlikes.codePoints().count())]);
        }
      }
      String address = candidate.toString();
      boolean onlyAscii = address.matches("^\\+?[0-9 ().\\-]*$");
      String normalized;
      try {
        normalized = us.normalize(Service.RCS, address);
      } catch (CheckException e) {
        assertThat(e.code()).isEqualTo(1002);
        continue;
      }
      accepted++;
      assertThat(onlyAscii).as("accepted %s", address).isTrue();
      assertThat(normalized).as(address).matches("^\\+[1-9][0-9]{6,14}$");
      assertThat(possible(phones, normalized)).as(address).isTrue();
    }
    assertThat(accepted).as("the generator also makes acceptable numbers").isGreaterThan(1_000);
  }

  private static boolean possible(PhoneNumberUtil phones, String address) {
    try {
      return phones.isPossibleNumber(phones.parse(address, null));
    } catch (Exception e) {
      return false;
    }
  }
}
