package com.linqapp.gateway.check;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The rule {@code check} and {@code batch} share: which failures are answers, which are worth a retry, which end the run. */
class FailureKindTest {

  @ParameterizedTest(name = "{0}/{1} is {2}")
  @CsvSource({
      "400, 1001, ITEM", "400, 1002, ITEM", "400, 1003, ITEM", "403, 2006, ITEM", "413, 9006, ITEM",
      "508, 9005, ITEM", "499, 9008, ITEM",
      "429, 1007, TRANSIENT", "503, 9001, TRANSIENT", "503, 4004, TRANSIENT", "502, 9003, TRANSIENT",
      "504, 9004, TRANSIENT", "500, 9500, TRANSIENT",
      "502, 2004, FATAL", "502, 2005, FATAL", "401, 2004, FATAL", "503, 9002, FATAL", "429, 9007, FATAL"})
  void classifies(int status, int code, FailureKind expected) {
    assertThat(FailureKind.of(status, code)).isEqualTo(expected);
    assertThat(FailureKind.of(new CheckException(status, code, "m"))).isEqualTo(expected);
    assertThat(FailureKind.of(new CheckException(status, code, "m").toEnvelope().getJsonObject("error")))
        .isEqualTo(expected);
  }

  @Test
  void anErrorWithoutStatusIsAnItemError() {
    assertThat(FailureKind.of(new JsonObject())).isEqualTo(FailureKind.ITEM);
  }
}
