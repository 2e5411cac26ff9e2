package com.linqapp.gateway.check;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.util.Map;

/**
 * Reads request bodies as Linq does: plain RFC 8259 JSON, read once with Jackson's strict defaults (no
 * comments, no NaN, no single quotes, nothing after the value, nesting bounded by Jackson's read
 * constraints). Vert.x's own decoder accepts comments, so it is not used for untrusted bodies.
 */
public final class StrictJson {

  private static final ObjectMapper STRICT = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  private StrictJson() {
  }

  /** @return the body's JSON object, or {@code null} when the body is anything else */
  public static JsonObject objectOrNull(Buffer body) {
    if (body == null || body.length() == 0) {
      return null;
    }
    try {
      Object value = STRICT.readValue(body.getBytes(), Object.class);
      if (value instanceof Map<?, ?> fields) {
        @SuppressWarnings("unchecked")
        Map<String, Object> object = (Map<String, Object>) fields;
        return new JsonObject(object);
      }
      return null;
    } catch (IOException | RuntimeException notJson) {
      return null;
    }
  }
}
