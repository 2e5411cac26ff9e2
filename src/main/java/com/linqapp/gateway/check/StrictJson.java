package com.linqapp.gateway.check;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads request bodies as Linq does: plain RFC 8259 JSON, read once with Jackson's strict defaults (no
 * comments, no NaN, no single quotes, nothing after the value, nesting bounded by Jackson's read
 * constraints). Vert.x's own decoder accepts comments, so it is not used for untrusted bodies.
 *
 * <p>Jackson's streaming parser builds the tree directly: the same grammar as its data binding, without
 * the per-call binding context, which was a sizeable share of a cache hit's cost. The usual body, a flat
 * object of plain ASCII strings such as {@code {"address":"+15551234567"}}, is read by a few lines of
 * scanning first ({@link #flatStringsOrNull}); anything else goes to Jackson.
 */
public final class StrictJson {

  private static final JsonFactory STRICT = JsonFactory.builder().build();

  private StrictJson() {
  }

  /** @return the body's JSON object, or {@code null} when the body is anything else */
  public static JsonObject objectOrNull(Buffer body) {
    if (body == null || body.length() == 0) {
      return null;
    }
    byte[] bytes = body.getBytes();
    JsonObject flat = flatStringsOrNull(bytes);
    return flat != null ? flat : viaJackson(bytes);
  }

  static JsonObject viaJackson(byte[] bytes) {
    try (JsonParser parser = STRICT.createParser(bytes)) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        return null;
      }
      Map<String, Object> object = readObject(parser);
      return parser.nextToken() == null ? new JsonObject(object) : null; // nothing after the value
    } catch (IOException | RuntimeException notJson) {
      return null;
    }
  }

  /** The object whose {@code START_OBJECT} was just read (a repeated key keeps its last value). */
  private static Map<String, Object> readObject(JsonParser parser) throws IOException {
    Map<String, Object> object = new LinkedHashMap<>();
    while (parser.nextToken() == JsonToken.FIELD_NAME) {
      String name = parser.currentName();
      parser.nextToken();
      object.put(name, readValue(parser));
    }
    return object;
  }

  private static Object readValue(JsonParser parser) throws IOException {
    return switch (parser.currentToken()) {
      case START_OBJECT -> new JsonObject(readObject(parser));
      case START_ARRAY -> readArray(parser);
      case VALUE_STRING -> parser.getText();
      case VALUE_NUMBER_INT -> parser.getNumberValue();
      case VALUE_NUMBER_FLOAT -> parser.getDoubleValue();
      case VALUE_TRUE -> Boolean.TRUE;
      case VALUE_FALSE -> Boolean.FALSE;
      case VALUE_NULL -> null;
      default -> throw new IOException("unexpected " + parser.currentToken());
    };
  }

  private static JsonArray readArray(JsonParser parser) throws IOException {
    List<Object> items = new ArrayList<>();
    while (parser.nextToken() != JsonToken.END_ARRAY) {
      items.add(readValue(parser));
    }
    return new JsonArray(items);
  }

  /**
   * {@code {"key":"value",...}} with only ASCII keys and values free of escapes and control characters,
   * RFC 8259 whitespace between tokens; {@code null} for anything else (which Jackson then reads, or
   * refuses). For every body it accepts, the object equals what Jackson reads.
   */
  static JsonObject flatStringsOrNull(byte[] json) {
    int[] at = {skipSpace(json, 0)};
    if (at[0] >= json.length || json[at[0]] != '{') {
      return null;
    }
    at[0] = skipSpace(json, at[0] + 1);
    Map<String, Object> object = new LinkedHashMap<>();
    if (at[0] < json.length && json[at[0]] == '}') {
      return null; // {} is rare: left to Jackson
    }
    while (true) {
      String key = plainString(json, at);
      if (key == null || (at[0] = skipSpace(json, at[0])) >= json.length || json[at[0]] != ':') {
        return null;
      }
      at[0] = skipSpace(json, at[0] + 1);
      String value = plainString(json, at);
      if (value == null || (at[0] = skipSpace(json, at[0])) >= json.length) {
        return null;
      }
      object.put(key, value);
      byte next = json[at[0]];
      at[0] = skipSpace(json, at[0] + 1);
      if (next == '}') {
        return at[0] == json.length ? new JsonObject(object) : null;
      }
      if (next != ',') {
        return null;
      }
    }
  }

  /** The string starting at {@code at[0]}, moving {@code at[0]} past it; {@code null} if not plain ASCII. */
  private static String plainString(byte[] json, int[] at) {
    int start = at[0];
    if (start >= json.length || json[start] != '"') {
      return null;
    }
    for (int i = start + 1; i < json.length; i++) {
      byte b = json[i];
      if (b == '"') {
        at[0] = i + 1;
        return new String(json, start + 1, i - start - 1, StandardCharsets.ISO_8859_1);
      }
      if (b < 0x20 || b == '\\') { // also every byte >= 0x80: negative
        return null;
      }
    }
    return null;
  }

  private static int skipSpace(byte[] json, int from) {
    int i = from;
    while (i < json.length && (json[i] == ' ' || json[i] == '\t' || json[i] == '\n' || json[i] == '\r')) {
      i++;
    }
    return i;
  }
}
