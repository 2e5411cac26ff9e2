package com.linqapp.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.linqapp.gateway.it.support.Http;
import com.linqapp.gateway.it.support.JarProcess;
import com.linqapp.gateway.support.Ports;
import com.linqapp.gateway.it.support.Sim;
import com.linqapp.gateway.sim.Fault;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Everything the real jar writes while things go wrong (Linq 500s, a 429, a rejected Linq key, bad
 * addresses, a wrong client key) holds no secret and no full address, and its log lines carry the
 * request id and client name.
 */
class LogScanIT {

  static final String CLIENT_KEY = "client-secret-123";
  static final String LINQ_KEY = "linq-secret-456";
  static final String PHONE = "+15551234567";
  static final String EMAIL = "jane@example.com";
  /** The text layout: {@code %d %-5level [%requestId %client] %logger - %msg}. */
  static final Pattern LOG_LINE = Pattern.compile(
      "^\\d{2}:\\d{2}:\\d{2}\\.\\d{3} (TRACE|DEBUG|INFO |WARN |ERROR) \\[(\\S+) (\\S+)\\] \\S+ - .*");

  @TempDir
  Path workDir;

  Sim sim;
  JarProcess gateway;

  @AfterEach
  void stop() {
    if (gateway != null) {
      gateway.close();
    }
    if (sim != null) {
      sim.close();
    }
  }

  @ParameterizedTest(name = "GATEWAY_LOG_FORMAT={0}")
  @ValueSource(strings = {"text", "json"})
  void logsHoldNoSecretsNorFullAddresses(String format) {
    sim = new Sim();
    sim.simulator.apiKey(LINQ_KEY);
    int port = Ports.free();
    gateway = JarProcess.start(workDir, "logscan", Map.of(
            "GATEWAY_HTTP_PORT", String.valueOf(port),
            "LINQ_API_V3_BASE_URL", sim.baseUrl(),
            "LINQ_API_V3_API_KEY", LINQ_KEY,
            "GATEWAY_API_KEYS", "crm=" + CLIENT_KEY,
            "GATEWAY_LOG_LEVEL", "DEBUG",
            "GATEWAY_LOG_FORMAT", format),
        "serve").awaitReady(port);

    // Linq 500s: retried, then answered
    sim.simulator.failNext(Fault.error500(), 2);
    assertThat(check(PHONE, "logscan-500s").statusCode()).isIn(200, 502);
    // a 429 from Linq: requeued after Retry-After
    sim.simulator.failNext(Fault.rateLimited(1), 1);
    assertThat(check(EMAIL, "logscan-429").statusCode()).isIn(200, 429);
    // bad addresses: 400/1002, no upstream call
    assertThat(check("bad-address", "logscan-bad1").statusCode()).isEqualTo(400);
    assertThat(check("jane@", "logscan-bad2").statusCode()).isEqualTo(400);
    // wrong client key
    assertThat(Http.checkIMessage(port, PHONE, "not-the-key", "logscan-401").statusCode()).isEqualTo(401);
    // Linq rejects the gateway's key
    sim.simulator.apiKey("rotated-key");
    HttpResponse<String> rejected = Http.check(port, "check_rcs", "+15551234599", CLIENT_KEY, "logscan-rejected");
    assertThat(rejected.statusCode()).as(rejected.body()).isEqualTo(502);
    sim.simulator.apiKey(LINQ_KEY);
    // and a plain cached answer
    assertThat(check(PHONE, "logscan-cached").statusCode()).isIn(200, 502);

    gateway.terminate();
    gateway.waitForExit();

    String all = gateway.stdout() + gateway.stderr();
    assertThat(all).as("client key").doesNotContain(CLIENT_KEY);
    assertThat(all).as("Linq key").doesNotContain(LINQ_KEY);
    assertThat(all).as("full phone number").doesNotContain(PHONE).doesNotContain("+15551234599");
    assertThat(all).as("full email").doesNotContain(EMAIL);

    List<String> lines = gateway.stderr().lines().filter(line -> !line.isBlank()).toList();
    if (format.equals("json")) {
      List<JsonObject> events = lines.stream().map(JsonObject::new).toList();
      assertThat(events).as("every line is a JSON event").allSatisfy(
          event -> assertThat(event.fieldNames()).contains("time", "level", "logger", "message"));
      assertThat(events).as("some events carry the request id and client name as fields\n" + gateway.stderr())
          .anyMatch(event -> event.getString("request_id", "").startsWith("logscan-")
              && "crm".equals(event.getString("client")));
      return;
    }
    List<String> logLines = lines.stream().filter(line -> LOG_LINE.matcher(line).matches()).toList();
    assertThat(logLines).as("log lines in the text layout").isNotEmpty();
    assertThat(logLines).as("some log lines carry a request id and the client name\n" + gateway.stderr())
        .anyMatch(line -> line.contains("[logscan-") && line.contains(" crm]"));
  }

  /**
   * Issue 10: {@code GATEWAY_LOG_FORMAT} in a {@code --conf} file was validated and then ignored (logback
   * read only the environment), so the lines stayed text.
   */
  @Test
  void jsonFormatFromConfFile() throws IOException {
    int port = Ports.free();
    Path conf = workDir.resolve("json-logs.json");
    Files.writeString(conf, new JsonObject().put("GATEWAY_HTTP_PORT", port).put("GATEWAY_SANDBOX", true)
        .put("GATEWAY_LOG_FORMAT", "json").encode());
    gateway = JarProcess.start(workDir, "logscan-conf", Map.of(), "serve", "--conf", conf.toString())
        .awaitReady(port);
    assertThat(Http.checkIMessage(port, PHONE, null, "logscan-conf-1").statusCode()).isEqualTo(200);
    gateway.terminate();
    gateway.waitForExit();

    List<String> lines = gateway.stderr().lines().filter(line -> !line.isBlank()).toList();
    assertThat(lines).as("the sandbox banner and the shutdown are logged").hasSizeGreaterThan(2);
    assertThat(lines).as("every line is a JSON event\n" + gateway.stderr()).allSatisfy(line -> assertThat(
        new JsonObject(line).fieldNames()).contains("time", "level", "logger", "message"));
    assertThat(lines).anyMatch(line -> new JsonObject(line).getString("message").contains("SANDBOX"));
  }

  private HttpResponse<String> check(String address, String requestId) {
    return Http.checkIMessage(portOf(), address, CLIENT_KEY, requestId);
  }

  private int portOf() {
    String stderr = gateway.stderr();
    java.util.regex.Matcher m = Pattern.compile("listening on \\S+:(\\d+);").matcher(stderr);
    if (!m.find()) {
      throw new AssertionError("no listening line\n" + stderr);
    }
    return Integer.parseInt(m.group(1));
  }
}
