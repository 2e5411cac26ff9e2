package com.linqapp.gateway.check;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class StrictJsonTest {

  private static JsonObject parse(String text) {
    return StrictJson.objectOrNull(Buffer.buffer(text));
  }

  @Test
  void readsAnObjectWithEveryKindOfValue() {
    JsonObject json = parse("{\"address\":\"+15551234567\",\"n\":3,\"big\":12345678901234567890,\"long\":4000000000,"
        + "\"x\":1.5,\"t\":true,\"f\":false,\"none\":null,\"list\":[1,\"a\",[],{}],\"nested\":{\"k\":\"v\"}}");

    assertThat(json.getString("address")).isEqualTo("+15551234567");
    assertThat(json.getValue("n")).isEqualTo(3);
    assertThat(json.getValue("big")).isEqualTo(new BigInteger("12345678901234567890"));
    assertThat(json.getValue("long")).isEqualTo(4_000_000_000L);
    assertThat(json.getValue("x")).isEqualTo(1.5);
    assertThat(json.getBoolean("t")).isTrue();
    assertThat(json.getBoolean("f")).isFalse();
    assertThat(json.containsKey("none")).isTrue();
    assertThat(json.getValue("none")).isNull();
    assertThat(json.getJsonArray("list")).isEqualTo(new JsonArray().add(1).add("a").add(new JsonArray()).add(new JsonObject()));
    assertThat(json.getJsonObject("nested").getString("k")).isEqualTo("v");
  }

  @Test
  void aRepeatedKeyKeepsItsLastValue() {
    assertThat(parse("{\"address\":\"a\",\"address\":\"b\"}").getString("address")).isEqualTo("b");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", " ", "[]", "\"text\"", "42", "null", "{", "{\"a\":1", "{\"a\":1}}", "{\"a\":1} {}",
      "{\"a\":1} x", "{/* comment */\"a\":1}", "{\"a\":1 // comment\n}", "{'a':1}", "{\"a\":NaN}", "{a:1}",
      "{\"a\":01}", "{\"a\":[1,]}", "{\"a\":1,}", "{\"a\":\"\u0001\"}"})
  void refusesAnythingButOneStrictObject(String text) {
    assertThat(parse(text)).isNull();
  }

  @Test
  void refusesNestingBeyondJacksonsLimit() {
    String deep = "{\"a\":".repeat(2_000) + "1" + "}".repeat(2_000);
    assertThat(parse(deep)).isNull();
  }

  @ParameterizedTest
  @ValueSource(strings = {"{\"address\":\"+15551234567\"}", " { \"address\" : \"a@b.co\" ,\r\n\t\"from\":\"+15550000000\" } ",
      "{\"address\":\"x\",\"address\":\"y\"}", "{\"\":\"\"}"})
  void readsTheUsualFlatBodyWithoutJackson(String text) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    assertThat(StrictJson.flatStringsOrNull(bytes)).isNotNull().isEqualTo(StrictJson.viaJackson(bytes));
  }

  /** Differential: on flat objects and random damage to them, the scanner declines or reads what Jackson reads. */
  @Test
  void theFlatScannerNeverDisagreesWithJackson() {
    String[] pieces = {"{", "}", "\"", ":", ",", " ", "\t", "\n", "\r", "\\", "a", "+1", "é", "\u0001", "\u007f", "[",
        "]", "1", "null", "true", "/*", "'", "\\u0041", "\\\""};
    String[] spaces = {"", " ", "\t", "\r\n", "  "};
    Random random = new Random(42);
    int accepted = 0;
    for (int i = 0; i < 50_000; i++) {
      StringBuilder text = new StringBuilder(spaces[random.nextInt(spaces.length)]).append('{');
      for (int pair = random.nextInt(3) + 1; pair > 0; pair--) {
        text.append(spaces[random.nextInt(spaces.length)]).append('"').append(pieces[random.nextInt(11)])
            .append("\":").append(spaces[random.nextInt(spaces.length)]).append("\"+1555").append(random.nextInt(99))
            .append('"').append(pair > 1 ? "," : "");
      }
      text.append(spaces[random.nextInt(spaces.length)]).append('}');
      for (int damage = random.nextInt(3); damage > 0; damage--) {
        int at = random.nextInt(text.length() + 1);
        switch (random.nextInt(3)) {
          case 0 -> text.insert(at, pieces[random.nextInt(pieces.length)]);
          case 1 -> text.delete(Math.min(at, text.length() - 1), Math.min(at + 1, text.length()));
          default -> text.replace(Math.min(at, text.length() - 1), Math.min(at + 1, text.length()),
              pieces[random.nextInt(pieces.length)]);
        }
      }
      byte[] bytes = text.toString().getBytes(StandardCharsets.UTF_8);
      JsonObject flat = StrictJson.flatStringsOrNull(bytes);
      if (flat != null) {
        accepted++;
        assertThat(flat).as(text.toString()).isEqualTo(StrictJson.viaJackson(bytes));
      }
    }
    assertThat(accepted).isGreaterThan(5_000); // the comparison really ran (9 407 with this seed)
  }
}
