package com.linqapp.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.linqapp.gateway.support.Ports;
import com.linqapp.gateway.it.support.CommandTestBase;
import com.linqapp.gateway.it.support.JarProcess;
import com.linqapp.gateway.sim.Fault;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code check}: the real jar against a simulator in the test JVM, output and exit codes as scripts see them. */
class CheckCommandIT extends CommandTestBase {

  @Test
  void answersAndItemErrorsAsNdjsonExit0() {
    process = JarProcess.run(workDir, "check",
        simulatorEnv(),
        "check", "--json", "+15551234567", "bad-address");

    assertThat(process.exitCode()).as(process.logs()).isZero();
    List<JsonObject> lines = ndjson(process.stdout());
    assertThat(lines).as(process.logs()).hasSize(2);

    JsonObject answer = lines.get(0);
    assertThat(answer.fieldNames()).containsExactlyInAnyOrder("address", "service", "available");
    assertThat(answer.getString("address")).isEqualTo("+15551234567");
    assertThat(answer.getString("service")).isEqualTo("imessage");
    assertThat(answer.getBoolean("available"))
        .isEqualTo(com.linqapp.gateway.sim.LinqSimulator.expectedAvailable("iMessage", "+15551234567", 70));

    JsonObject error = lines.get(1);
    assertThat(error.fieldNames()).containsExactlyInAnyOrder("address", "service", "error");
    assertThat(error.getString("address")).isEqualTo("bad-address");
    assertThat(error.getJsonObject("error").getInteger("status")).isEqualTo(400);
    assertThat(error.getJsonObject("error").getInteger("code")).isEqualTo(1002);

  }

  @Test
  void rcsServiceIsReported() {
    process = JarProcess.run(workDir, "check-rcs",
        simulatorEnv(),
        "check", "--service", "rcs", "--json", "+15551234567", "jane@example.com");

    assertThat(process.exitCode()).as(process.logs()).isZero();
    List<JsonObject> lines = ndjson(process.stdout());
    assertThat(lines).hasSize(2);
    assertThat(lines.get(0).getString("service")).isEqualTo("rcs");
    assertThat(lines.get(0).containsKey("available")).isTrue();
    assertThat(lines.get(1).getJsonObject("error").getInteger("code")).as("RCS takes no email").isEqualTo(1002);
  }

  @Test
  void sandboxNeedsNoLinqKey() {
    process = JarProcess.run(workDir, "check-sandbox", Map.of(), "check", "--sandbox", "--json", "+15551234567");

    assertThat(process.exitCode()).as(process.logs()).isZero();
    List<JsonObject> lines = ndjson(process.stdout());
    assertThat(lines).hasSize(1);
    assertThat(lines.get(0).getString("address")).isEqualTo("+15551234567");
    assertThat(lines.get(0).getValue("available")).isInstanceOf(Boolean.class);
  }

  @Test
  void noLinqKeyIsExit2() {
    process = JarProcess.run(workDir, "check-no-key", Map.of("LINQ_API_V3_BASE_URL", sim.baseUrl()),
        "check", "+15551234567");
    assertThat(process.exitCode()).as(process.logs()).isEqualTo(2);
    assertThat(process.stderr()).contains("LINQ_API_V3_API_KEY");
  }

  @Test
  void wrongLinqKeyIsExit1() {
    process = JarProcess.run(workDir, "check-wrong-key",
        Map.of("LINQ_API_V3_BASE_URL", sim.baseUrl(), "LINQ_API_V3_API_KEY", "not-the-simulator-key"),
        "check", "--json", "+15551234567");

    assertThat(process.exitCode()).as(process.logs()).isEqualTo(1);
    List<JsonObject> lines = ndjson(process.stdout());
    assertThat(lines).as(process.logs()).hasSize(1);
    assertThat(lines.get(0).getJsonObject("error").getInteger("status")).isEqualTo(502);
  }

  /** Issue 10: Linq unreachable ended in 502/9003 or 504 for the address, yet {@code check} exited 0. */
  @Test
  void linqUnreachableIsExit1() {
    String nobody = "http://127.0.0.1:" + Ports.free() + "/api/partner";
    process = JarProcess.run(workDir, "check-unreachable",
        Map.of("LINQ_API_V3_BASE_URL", nobody, "LINQ_API_V3_API_KEY", sim.apiKey(), "GATEWAY_DEFAULT_TIMEOUT_MS", "4000"),
        "check", "--json", "+15551234567", "bad-address");

    assertThat(process.exitCode()).as(process.logs()).isEqualTo(1);
    List<JsonObject> lines = ndjson(process.stdout());
    assertThat(lines).as(process.logs()).hasSize(2);
    assertThat(lines.get(0).getJsonObject("error").getInteger("status")).as("Linq failing or too slow").isIn(502, 504);
    assertThat(lines.get(1).getJsonObject("error").getInteger("code")).as("still an item error").isEqualTo(1002);
  }

  /** Issue 10: a check Linq's limit kept from being sent (429/1007) is not an answer either. */
  @Test
  void rateLimitedIsExit1() {
    sim.simulator.failNext(Fault.rateLimited(120), 1);
    process = JarProcess.run(workDir, "check-429",
        Map.of("LINQ_API_V3_BASE_URL", sim.baseUrl(), "LINQ_API_V3_API_KEY", sim.apiKey(),
            "GATEWAY_DEFAULT_TIMEOUT_MS", "4000"),
        "check", "--json", "+15551234567");

    assertThat(process.exitCode()).as(process.logs()).isEqualTo(1);
    List<JsonObject> lines = ndjson(process.stdout());
    assertThat(lines).as(process.logs()).hasSize(1);
    assertThat(lines.get(0).getJsonObject("error").getInteger("status")).isEqualTo(429);
    assertThat(sim.simulator.stats().rateLimited429()).as("the one 429 came from Linq").isEqualTo(1);
  }

  static List<JsonObject> ndjson(String text) {
    return text.lines().filter(line -> !line.isBlank()).map(JsonObject::new).toList();
  }
}
