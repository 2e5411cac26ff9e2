package com.linqapp.gateway.http;

import static com.linqapp.gateway.support.GatewayHarness.IMESSAGE_ROUTE;
import static com.linqapp.gateway.support.GatewayHarness.KEY_A;
import static com.linqapp.gateway.support.GatewayHarness.RCS_ROUTE;
import static org.assertj.core.api.Assertions.assertThat;

import com.linqapp.gateway.support.Await;
import com.linqapp.gateway.support.GatewayHarness;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A corpus of hostile requests through the real gateway (in front of the real simulator, no default region):
 * each row is one request, sent as raw bytes over a plain socket so that malformed HTTP, non-UTF-8 bytes and
 * oversized request lines go out exactly as written, and the status and envelope code it must get.
 *
 * <p>Every row must be answered with the contract's 4xx in Linq's envelope (never a bare 413/431, never a 5xx),
 * must cost no upstream request, and the gateway must still serve a valid check after the whole corpus.
 * Unknown fields in an otherwise valid body are accepted (200), as Linq does; see the last tests.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HostileInputTest {

  private static final String PHONE = "+12025550143";
  private static final int READ_TIMEOUT_MILLIS = (int) Await.LIMIT.toMillis();

  private static Vertx vertx;
  private static GatewayHarness gw;

  @BeforeAll
  static void startGateway() {
    vertx = Vertx.vertx();
    gw = GatewayHarness.start(vertx, new JsonObject());
  }

  @AfterAll
  static void stopGateway() {
    if (gw != null) {
      gw.close();
    }
    if (vertx != null) {
      Await.await(vertx.close());
    }
  }

  // ---- the corpus -----------------------------------------------------------------------------------------

  static Stream<Arguments> corpus() {
    List<Arguments> rows = new ArrayList<>();
    // body is not JSON (1003)
    row(rows, "truncated JSON", post(json("{\"address\":\"" + PHONE + "\"")), 400, 1003);
    row(rows, "JSON cut inside a string", post(json("{\"address\":\"+1202")), 400, 1003);
    row(rows, "unquoted keys", post(json("{address:\"" + PHONE + "\"}")), 400, 1003);
    row(rows, "single quotes", post(json("{'address':'" + PHONE + "'}")), 400, 1003);
    row(rows, "trailing comma", post(json("{\"address\":\"" + PHONE + "\",}")), 400, 1003);
    row(rows, "trailing garbage after the object", post(json("{\"address\":\"" + PHONE + "\"} x")), 400, 1003);
    row(rows, "form data sent as JSON", post(json("address=%2B12025550143")), 400, 1003);
    row(rows, "empty body", post(json("")), 400, 1003);
    row(rows, "whitespace-only body", post(json(" \r\n\t ")), 400, 1003);
    row(rows, "JSON array", post(json("[\"" + PHONE + "\"]")), 400, 1003);
    row(rows, "JSON string", post(json("\"" + PHONE + "\"")), 400, 1003);
    row(rows, "JSON null", post(json("null")), 400, 1003);
    row(rows, "JSON number", post(json("12025550143")), 400, 1003);
    row(rows, "raw control character in a string", post(json("{\"address\":\"+1202\u0001555\"}")), 400, 1003);
    row(rows, "NaN", post(json("{\"address\":NaN}")), 400, 1003);
    row(rows, "comment before the object", post(json("/* hi */{\"address\":\"" + PHONE + "\"}")), 400, 1003);
    row(rows, "non-UTF-8 byte 0xFF in the address", post(latin1("{\"address\":\"+1202555\u00ff0143\"}")), 400, 1003);
    row(rows, "Latin-1 e-acute in an email", post(latin1("{\"address\":\"jos\u00e9@example.com\"}")), 400, 1003);
    row(rows, "deeply nested address (3000 arrays)",
        post(json("{\"address\":" + "[".repeat(3000) + "]".repeat(3000) + "}")), 400, 1003);
    row(rows, "deeply nested objects (2500)", post(json("{\"a\":".repeat(2500) + "1" + "}".repeat(2500))), 400, 1003);
    row(rows, "number of 1500 digits", post(json("{\"address\":" + "9".repeat(1500) + "}")), 400, 1003);

    // address missing or not a string (1001); from not a string (1005)
    row(rows, "empty object", post(json("{}")), 400, 1001);
    row(rows, "address a number", post(json("{\"address\":12025550143}")), 400, 1001);
    row(rows, "address a boolean", post(json("{\"address\":true}")), 400, 1001);
    row(rows, "address an object", post(json("{\"address\":{\"e164\":\"" + PHONE + "\"}}")), 400, 1001);
    row(rows, "address an array", post(json("{\"address\":[\"" + PHONE + "\"]}")), 400, 1001);
    row(rows, "address null", post(json("{\"address\":null}")), 400, 1001);
    row(rows, "only from", post(json("{\"from\":\"+12025550101\"}")), 400, 1001);
    row(rows, "Address with a capital A", post(json("{\"Address\":\"" + PHONE + "\"}")), 400, 1001);
    row(rows, "from a number", post(json("{\"address\":\"" + PHONE + "\",\"from\":12025550101}")), 400, 1005);
    row(rows, "from an array", post(json("{\"address\":\"" + PHONE + "\",\"from\":[\"+12025550101\"]}")), 400, 1005);

    // the address rule (1002)
    row(rows, "empty address", post(address("")), 400, 1002);
    row(rows, "leading space", post(address(" " + PHONE)), 400, 1002);
    row(rows, "trailing newline", post(address(PHONE + "\n")), 400, 1002);
    row(rows, "NUL inside", post(address("+1202555\u00000143")), 400, 1002);
    row(rows, "zero-width space inside", post(address("+1202\u200b5550143")), 400, 1002);
    row(rows, "right-to-left override", post(address("\u202e" + PHONE)), 400, 1002);
    row(rows, "full-width plus and digits", post(address("＋１２０２５５５０１４３")), 400, 1002);
    row(rows, "full-width digits after an ASCII plus", post(address("+１２０２５５５０１４３")), 400, 1002);
    row(rows, "one full-width digit", post(address("+1202555014３")), 400, 1002);
    row(rows, "Arabic-Indic digits", post(address("+١٢٠٢٥٥٥٠١٤٣")), 400, 1002);
    row(rows, "Devanagari digits", post(address("+१२०२५५५०१४३")), 400, 1002);
    row(rows, "mathematical bold digits", post(address("+𝟏𝟐𝟎𝟐𝟓𝟓𝟓𝟎𝟏𝟒𝟑")), 400, 1002);
    row(rows, "letter O for zero", post(address("+1202555O143")), 400, 1002);
    row(rows, "E.164 with dashes (no default region)", post(address("+1-202-555-0143")), 400, 1002);
    row(rows, "E.164 with spaces and parentheses", post(address("+1 (202) 555-0143")), 400, 1002);
    row(rows, "E.164 with dots", post(address("+1.202.555.0143")), 400, 1002);
    row(rows, "national format (no default region)", post(address("(202) 555-0143")), 400, 1002);
    row(rows, "international prefix 00", post(address("0012025550143")), 400, 1002);
    row(rows, "10 000-digit number", post(address("+1" + "2".repeat(10_000))), 400, 1002);
    row(rows, "300-character email", post(address("a".repeat(300) + "@example.com")), 400, 1002);
    row(rows, "email on the RCS route", post(address("someone@example.com")).path(RCS_ROUTE), 400, 1002);
    row(rows, "from not a phone", post(json("{\"address\":\"" + PHONE + "\",\"from\":\"me\"}")), 400, 1002);
    row(rows, "from with separators", post(json("{\"address\":\"" + PHONE + "\",\"from\":\"+1-202-555-0101\"}")),
        400, 1002);
    row(rows, "from in full-width digits", post(json("{\"address\":\"" + PHONE + "\",\"from\":\"+１２０２５５５０１０１\"}")),
        400, 1002);

    // bad headers on a valid body (1005)
    row(rows, "X-Request-Timeout-Ms not a number", post(address(PHONE)).header("X-Request-Timeout-Ms", "soon"), 400, 1005);
    row(rows, "X-Request-Timeout-Ms zero", post(address(PHONE)).header("X-Request-Timeout-Ms", "0"), 400, 1005);
    row(rows, "X-Request-Timeout-Ms beyond long", post(address(PHONE))
        .header("X-Request-Timeout-Ms", "99999999999999999999"), 400, 1005);
    row(rows, "X-Stainless-Timeout negative", post(address(PHONE)).header("X-Stainless-Timeout", "-1"), 400, 1005);
    row(rows, "X-Priority unknown", post(address(PHONE)).header("X-Priority", "urgent"), 400, 1005);
    row(rows, "Cache-Control max-age not a number", post(address(PHONE)).header("Cache-Control", "max-age=soon"),
        400, 1005);

    // content type, method, path, key
    row(rows, "text/plain", post(address(PHONE)).header("Content-Type", "text/plain"), 400, 1003);
    row(rows, "form content type", post(latin1("address=%2B12025550143"))
        .header("Content-Type", "application/x-www-form-urlencoded"), 400, 1003);
    row(rows, "multipart content type", post(address(PHONE)).header("Content-Type", "multipart/form-data; boundary=x"),
        400, 1003);
    row(rows, "GET on the check route", new Req("GET", IMESSAGE_ROUTE).auth(), 405, 9405);
    row(rows, "PUT on the check route", post(address(PHONE)).method("PUT"), 405, 9405);
    row(rows, "DELETE on the check route", new Req("DELETE", IMESSAGE_ROUTE).auth(), 405, 9405);
    row(rows, "PATCH on the check route", post(address(PHONE)).method("PATCH"), 405, 9405);
    row(rows, "unknown service route", post(address(PHONE)).path("/api/partner/v3/capability/check_sms"), 404, 9404);
    row(rows, "root path", new Req("GET", "/"), 404, 9404);
    row(rows, "path traversal", new Req("GET", "/api/partner/v3/capability/../../../../etc/passwd"), 404, 9404);
    row(rows, "non-UTF-8 byte in the path", post(address(PHONE)).path("/api/partner/v3/capability/check_\u00ffimessage"),
        404, 9404);
    row(rows, "percent-encoded invalid UTF-8 in the path", post(address(PHONE)).path("/api/%ff%fe"), 404, 9404);
    row(rows, "no Authorization", post(address(PHONE)).header("Authorization", null), 401, 2004);
    row(rows, "non-UTF-8 bytes in the key", post(address(PHONE)).header("Authorization", "Bearer key-\u00ff\u00fe"),
        401, 2004);

    // sizes (9006, always in the envelope)
    row(rows, "20 KiB body", post(address(PHONE + "\",\"pad\":\"" + "x".repeat(20 * 1024))), 413, 9006);
    row(rows, "1 MiB body", post(address(PHONE + "\",\"pad\":\"" + "x".repeat(1024 * 1024))), 413, 9006);
    row(rows, "20 KiB chunked body", post(address(PHONE + "\",\"pad\":\"" + "x".repeat(20 * 1024))).chunked(), 413, 9006);
    row(rows, "one 10 KiB header", post(address(PHONE)).header("X-Big", "x".repeat(10 * 1024)), 431, 9006);
    Req manyHeaders = post(address(PHONE));
    for (int i = 0; i < 100; i++) {
      manyHeaders.header("X-Filler-" + i, "y".repeat(100));
    }
    row(rows, "100 headers of 100 bytes", manyHeaders, 431, 9006);
    row(rows, "10 KiB request line", post(address(PHONE)).path(IMESSAGE_ROUTE + "?q=" + "z".repeat(10 * 1024)), 414, 9006);

    // malformed HTTP (400/1003, "Malformed HTTP request")
    row(rows, "not HTTP at all", raw("HELLO THERE\r\n\r\n"), 400, 1003);
    row(rows, "two different Content-Length headers", raw("POST " + IMESSAGE_ROUTE + " HTTP/1.1\r\nHost: x\r\n"
        + "Content-Length: 5\r\nContent-Length: 7\r\n\r\n{}"), 400, 1003);
    row(rows, "negative Content-Length", raw("POST " + IMESSAGE_ROUTE + " HTTP/1.1\r\nHost: x\r\n"
        + "Content-Length: -5\r\n\r\n{}"), 400, 1003);
    row(rows, "Content-Length not a number", raw("POST " + IMESSAGE_ROUTE + " HTTP/1.1\r\nHost: x\r\n"
        + "Content-Length: abc\r\n\r\n{}"), 400, 1003);
    row(rows, "header line without a colon", raw("POST " + IMESSAGE_ROUTE + " HTTP/1.1\r\nHost: x\r\n"
        + "NoColonHere\r\nContent-Length: 2\r\n\r\n{}"), 400, 1003);
    row(rows, "space before the header colon", raw("POST " + IMESSAGE_ROUTE + " HTTP/1.1\r\nHost: x\r\n"
        + "Content-Length : 2\r\n\r\n{}"), 400, 1003);
    return rows.stream();
  }

  @ParameterizedTest(name = "{0} -> {2}/{3}")
  @MethodSource("corpus")
  @Order(1)
  @DisplayName("a hostile request gets the contract's 4xx in Linq's envelope and costs no upstream request")
  void hostileRequest(String name, Req request, int status, int code) throws IOException {
    RawResponse response = send(request.bytes());

    assertThat(response.status).as("%s: status (%s)", name, response.body).isEqualTo(status);
    assertThat(response.header("content-type")).as(name).startsWith("application/json");
    JsonObject envelope = new JsonObject(response.body);
    assertThat(envelope.getBoolean("success")).as(name).isFalse();
    JsonObject error = envelope.getJsonObject("error");
    assertThat(error.getInteger("status")).as(name).isEqualTo(status);
    assertThat(error.getInteger("code")).as("%s: code (%s)", name, response.body).isEqualTo(code);
    assertThat(error.getString("message")).as(name).isNotBlank();
    assertThat(gw.sim().stats().checkRequests()).as("%s reached Linq", name).isZero();
  }

  @Test
  @Order(2)
  @DisplayName("after the whole corpus the gateway still serves a valid check, over a new connection and the same socket path")
  void stillServesAfterTheCorpus() throws IOException {
    RawResponse raw = send(post(address(PHONE)).bytes());
    assertThat(raw.status).as(raw.body).isEqualTo(200);
    assertThat(new JsonObject(raw.body).getString("address")).isEqualTo(PHONE);

    HttpResponse<Buffer> viaClient = gw.check(RCS_ROUTE, "+12025550144");
    assertThat(viaClient.statusCode()).isEqualTo(200);
    assertThat(gw.get("/health/ready").statusCode()).isEqualTo(200);
    assertThat(gw.sim().stats().checkRequests()).isEqualTo(2);
  }

  @Test
  @Order(3)
  @DisplayName("unknown fields in an otherwise valid body are ignored (200), as Linq ignores them; they never reach Linq")
  void unknownFieldsAreIgnored() {
    long before = gw.sim().stats().checkRequests();
    HttpResponse<Buffer> response = gw.post(IMESSAGE_ROUTE, new JsonObject().put("address", "+12025550145")
        .put("service", "sms").put("priority", 7).put("extra", new JsonObject().put("nested", true)).encode());

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.bodyAsJsonObject().fieldNames()).containsExactlyInAnyOrder("address", "available");
    assertThat(gw.sim().stats().checkRequests()).isEqualTo(before + 1);
  }

  // ---- requests as bytes ----------------------------------------------------------------------------------

  private static void row(List<Arguments> rows, String name, Req request, int status, int code) {
    rows.add(Arguments.of(name, request, status, code));
  }

  private static byte[] json(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  /** Each char is one byte: {@code \u00ff} is the byte 0xFF, not its UTF-8 encoding. */
  private static byte[] latin1(String text) {
    return text.getBytes(StandardCharsets.ISO_8859_1);
  }

  private static byte[] address(String address) {
    return json(new JsonObject().put("address", address).encode());
  }

  private static Req post(byte[] body) {
    return new Req("POST", IMESSAGE_ROUTE).auth().header("Content-Type", "application/json").body(body);
  }

  private static Req raw(String bytes) {
    Req req = new Req(null, null);
    req.raw = latin1(bytes);
    return req;
  }

  /** One request: method, path (Latin-1: one char per byte), headers and body, or raw bytes. */
  static final class Req {
    private String method;
    private String path;
    private final Map<String, String> headers = new LinkedHashMap<>();
    private byte[] body;
    private boolean chunked;
    private byte[] raw;

    Req(String method, String path) {
      this.method = method;
      this.path = path;
    }

    Req method(String method) {
      this.method = method;
      return this;
    }

    Req path(String path) {
      this.path = path;
      return this;
    }

    Req auth() {
      return header("Authorization", "Bearer " + KEY_A);
    }

    /** A {@code null} value removes the header. */
    Req header(String name, String value) {
      if (value == null) {
        headers.remove(name);
      } else {
        headers.put(name, value);
      }
      return this;
    }

    Req body(byte[] body) {
      this.body = body;
      return this;
    }

    Req chunked() {
      this.chunked = true;
      return this;
    }

    byte[] bytes() {
      if (raw != null) {
        return raw;
      }
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      StringBuilder head = new StringBuilder(method).append(' ').append(path).append(" HTTP/1.1\r\n")
          .append("Host: 127.0.0.1\r\nConnection: close\r\n");
      headers.forEach((name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
      if (body != null && chunked) {
        head.append("Transfer-Encoding: chunked\r\n");
      } else if (body != null) {
        head.append("Content-Length: ").append(body.length).append("\r\n");
      }
      out.writeBytes(latin1(head.append("\r\n").toString()));
      if (body != null && chunked) {
        for (int at = 0; at < body.length; at += 4096) {
          int n = Math.min(4096, body.length - at);
          out.writeBytes(latin1(Integer.toHexString(n) + "\r\n"));
          out.write(body, at, n);
          out.writeBytes(latin1("\r\n"));
        }
        out.writeBytes(latin1("0\r\n\r\n"));
      } else if (body != null) {
        out.writeBytes(body);
      }
      return out.toByteArray();
    }

    @Override
    public String toString() {
      return raw != null ? "raw" : method + " " + path;
    }
  }

  // ---- responses as bytes ---------------------------------------------------------------------------------

  record RawResponse(int status, Map<String, String> headers, String body) {
    String header(String name) {
      return headers.getOrDefault(name.toLowerCase(Locale.ROOT), "");
    }
  }

  /**
   * Writes the request on a new connection and reads the response until the server closes it. A server that
   * answers early (e.g. 413 before the body is read) may make the rest of the write fail; the answer is still
   * read.
   */
  private static RawResponse send(byte[] request) throws IOException {
    try (Socket socket = new Socket("127.0.0.1", gw.port())) {
      socket.setSoTimeout(READ_TIMEOUT_MILLIS);
      OutputStream out = socket.getOutputStream();
      try {
        out.write(request);
        out.flush();
      } catch (IOException answeredEarly) {
        // read what the server said below
      }
      InputStream in = socket.getInputStream();
      ByteArrayOutputStream received = new ByteArrayOutputStream();
      byte[] chunk = new byte[8192];
      try {
        for (int n; (n = in.read(chunk)) >= 0; ) {
          received.write(chunk, 0, n);
          RawResponse complete = parseIfComplete(received.toByteArray(), false);
          if (complete != null) {
            return complete;
          }
        }
      } catch (IOException reset) {
        if (received.size() == 0) {
          throw reset;
        }
      }
      RawResponse complete = parseIfComplete(received.toByteArray(), true);
      if (complete == null) {
        throw new AssertionError("incomplete response: " + received.toString(StandardCharsets.ISO_8859_1));
      }
      return complete;
    }
  }

  /**
   * The response once its head and its Content-Length body (or last chunk, or the end of the stream) have arrived,
   * else null.
   */
  private static RawResponse parseIfComplete(byte[] bytes, boolean eof) {
    String text = new String(bytes, StandardCharsets.ISO_8859_1);
    int headEnd = text.indexOf("\r\n\r\n");
    if (headEnd < 0) {
      return null;
    }
    String[] lines = text.substring(0, headEnd).split("\r\n");
    int status = Integer.parseInt(lines[0].split(" ")[1]);
    Map<String, String> headers = new LinkedHashMap<>();
    for (int i = 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
    }
    byte[] rest = java.util.Arrays.copyOfRange(bytes, headEnd + 4, bytes.length);
    if (headers.containsKey("content-length")) {
      int length = Integer.parseInt(headers.get("content-length"));
      return rest.length < length ? null
          : new RawResponse(status, headers, new String(rest, 0, length, StandardCharsets.UTF_8));
    }
    if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
      ByteArrayOutputStream body = new ByteArrayOutputStream();
      int at = 0;
      while (true) {
        int lineEnd = indexOf(rest, at);
        if (lineEnd < 0) {
          return null;
        }
        int size = Integer.parseInt(new String(rest, at, lineEnd - at, StandardCharsets.ISO_8859_1).trim(), 16);
        if (size == 0) {
          return new RawResponse(status, headers, body.toString(StandardCharsets.UTF_8));
        }
        if (lineEnd + 2 + size > rest.length) {
          return null;
        }
        body.write(rest, lineEnd + 2, size);
        at = lineEnd + 2 + size + 2;
      }
    }
    return eof ? new RawResponse(status, headers, new String(rest, StandardCharsets.UTF_8)) : null;
  }

  private static int indexOf(byte[] bytes, int from) {
    for (int i = from; i + 1 < bytes.length; i++) {
      if (bytes[i] == '\r' && bytes[i + 1] == '\n') {
        return i;
      }
    }
    return -1;
  }
}
