package com.linqapp.gateway.it;

import static com.linqapp.gateway.support.Await.await;
import static com.linqapp.gateway.support.Await.until;
import static org.assertj.core.api.Assertions.assertThat;

import com.linqapp.gateway.support.Await;
import com.linqapp.gateway.it.support.CommandTestBase;
import com.linqapp.gateway.it.support.JarProcess;
import com.linqapp.gateway.sim.Fault;
import com.linqapp.gateway.sim.LinqSimulator;
import com.linqapp.gateway.support.GatewayHarness;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code batch}: the real jar against a simulator (or an in-test gateway), files and exit codes as users see them. */
class BatchCommandIT extends CommandTestBase {

  static String phone(int i) {
    return String.format("+1202%07d", 5_550_000 + i);
  }

  private Path write(String name, String text) throws IOException {
    Path file = workDir.resolve(name);
    Files.writeString(file, text, StandardCharsets.UTF_8);
    return file;
  }

  /** CSV output rows by row number, after checking the header and that no row appears twice. */
  private static Map<Integer, List<String>> csvRows(Path file) throws IOException {
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    assertThat(lines.get(0)).isEqualTo("row,address,service,available,error_code,error_message");
    Map<Integer, List<String>> rows = new HashMap<>();
    for (String line : lines.subList(1, lines.size())) {
      List<String> fields = parseCsvLine(line);
      assertThat(rows.put(Integer.parseInt(fields.get(0)), fields)).as("row twice: " + line).isNull();
    }
    return rows;
  }

  private static List<String> parseCsvLine(String line) {
    List<String> fields = new ArrayList<>();
    StringBuilder field = new StringBuilder();
    boolean quoted = false;
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (quoted) {
        if (c == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
          field.append('"');
          i++;
        } else if (c == '"') {
          quoted = false;
        } else {
          field.append(c);
        }
      } else if (c == '"') {
        quoted = true;
      } else if (c == ',') {
        fields.add(field.toString());
        field.setLength(0);
      } else {
        field.append(c);
      }
    }
    fields.add(field.toString());
    return fields;
  }

  private static boolean available(String address) {
    return LinqSimulator.expectedAvailable("iMessage", address, 70);
  }

  @Test
  void csvWithHeaderQuotingAndRepeatedAddresses() throws IOException {
    Path in = write("in.csv", "name,\"Address\"\r\n"
        + "\"Smith, Jane\",+12025550143\r\n"
        + "\"two\nlines\",jane@example.com\r\n"
        + "\r\n"
        + "x,not-an-address\r\n"
        + "\"quote \"\"q\"\"\",\"+12025550143\"\r\n"
        + "y,+12025550144");
    process = JarProcess.run(workDir, "batch-csv", simulatorEnv(), "batch", "--input", "in.csv", "--output", "out.csv");

    assertThat(process.exitCode()).as(process.logs()).isZero();
    Map<Integer, List<String>> rows = csvRows(workDir.resolve("out.csv"));
    assertThat(rows.keySet()).containsExactlyInAnyOrder(1, 2, 3, 4, 5);
    assertThat(rows.get(1)).containsExactly("1", "+12025550143", "imessage",
        String.valueOf(available("+12025550143")), "", "");
    assertThat(rows.get(2).get(1)).isEqualTo("jane@example.com");
    assertThat(rows.get(3).subList(1, 5)).containsExactly("not-an-address", "imessage", "", "1002");
    assertThat(rows.get(3).get(5)).isNotBlank();
    assertThat(rows.get(4).get(3)).isEqualTo(rows.get(1).get(3));
    assertThat(rows.get(5).get(1)).isEqualTo("+12025550144");
    assertThat(sim.simulator.stats().requestsFor("+12025550143")).as("repeated address, one call").isEqualTo(1);
    assertThat(sim.simulator.stats().requestsFor("not-an-address")).isZero();

    String err = process.stderr();
    assertThat(err).contains("batch: progress").contains("batch: done: 5 rows").doesNotContain("\r");
  }

  @Test
  void csvWithoutHeaderAndRcs() throws IOException {
    write("in.csv", "+12025550143,first\n+12025550144\njane@example.com\n");
    process = JarProcess.run(workDir, "batch-noheader", simulatorEnv(),
        "batch", "--service", "rcs", "--input", "in.csv", "--output", "out.csv");

    assertThat(process.exitCode()).as(process.logs()).isZero();
    Map<Integer, List<String>> rows = csvRows(workDir.resolve("out.csv"));
    assertThat(rows.keySet()).containsExactlyInAnyOrder(1, 2, 3);
    assertThat(rows.get(1).subList(1, 3)).containsExactly("+12025550143", "rcs");
    assertThat(rows.get(3).subList(1, 5)).as("RCS takes no email").containsExactly("jane@example.com", "rcs", "", "1002");
  }

  @Test
  void ndjsonInAndOut() throws IOException {
    write("in.ndjson", "{\"address\":\"+12025550143\"}\r\n\n{\"address\":\"+12025550144\",\"service\":\"rcs\"}\n"
        + "not json\n{\"address\":\"+12025550143\"}\n");
    process = JarProcess.run(workDir, "batch-ndjson", simulatorEnv(), "batch", "--input", "in.ndjson", "--output", "out.ndjson");

    assertThat(process.exitCode()).as(process.logs()).isZero();
    Map<Long, JsonObject> lines = new HashMap<>();
    for (String line : Files.readAllLines(workDir.resolve("out.ndjson"))) {
      JsonObject json = new JsonObject(line);
      assertThat(lines.put(json.getLong("index"), json)).isNull();
    }
    assertThat(lines.keySet()).containsExactlyInAnyOrder(0L, 1L, 2L, 3L);
    assertThat(lines.get(0L).fieldNames()).containsExactlyInAnyOrder("index", "address", "service", "available");
    assertThat(lines.get(1L).getString("service")).isEqualTo("rcs");
    assertThat(lines.get(2L).getJsonObject("error").getInteger("code")).isEqualTo(1003);
    assertThat(lines.get(3L).getBoolean("available")).isEqualTo(available("+12025550143"));
  }

  @Test
  void resumeAfterSigtermLosesAndDoublesNothing() throws IOException {
    int n = 300;
    StringBuilder csv = new StringBuilder("address\n");
    for (int i = 0; i < n; i++) {
      csv.append(phone(i % 250)).append('\n'); // 50 repeated addresses too
    }
    write("in.csv", csv.toString());
    // Linq answers the first 40 checks and holds the rest: the run is interrupted with exactly 40 rows done.
    sim.simulator.hold();
    await(sim.simulator.release(40));
    Map<String, String> interrupted = new HashMap<>(simulatorEnv());
    interrupted.put("LINQ_MAX_CONCURRENCY", "4");
    interrupted.put("GATEWAY_SHUTDOWN_GRACE_SECONDS", "1");
    process = JarProcess.start(workDir, "batch-interrupted", interrupted,
        "batch", "--input", "in.csv", "--output", "out.csv");
    Path out = workDir.resolve("out.csv");
    until("40 rows written", () -> lineCount(out) == 1 + 40);
    process.terminate();
    assertThat(process.waitForExit()).as(process.logs()).isEqualTo(1);
    assertThat(process.stderr()).contains("--resume");
    assertThat(lineCount(out)).as("rows written, after the header").isEqualTo(1 + 40);
    Files.writeString(out, "29", java.nio.file.StandardOpenOption.APPEND); // a torn last line
    process.close();

    await(sim.simulator.releaseAll());
    process = JarProcess.run(workDir, "batch-resumed", simulatorEnv(),
        "batch", "--resume", "--input", "in.csv", "--output", "out.csv");
    assertThat(process.exitCode()).as(process.logs()).isZero();
    Map<Integer, List<String>> rows = csvRows(out);
    assertThat(rows).hasSize(n);
    for (int row = 1; row <= n; row++) {
      assertThat(rows.get(row)).as("row " + row).isNotNull();
      assertThat(rows.get(row).get(1)).isEqualTo(phone((row - 1) % 250));
    }
    assertThat(process.stderr()).contains("40 done before");
  }

  @Test
  void viaGatewayRoute() throws IOException {
    Vertx vertx = Vertx.vertx();
    try (GatewayHarness gateway = GatewayHarness.start(vertx)) {
      write("in.csv", "address\n+12025550143\n+12025550143\nbad\n+12025550145\n");
      process = JarProcess.run(workDir, "batch-gateway", Map.of("GATEWAY_CLIENT_KEY", GatewayHarness.KEY_A),
          "batch", "--gateway", "http://127.0.0.1:" + gateway.port(), "--input", "in.csv", "--output", "out.csv");
      assertThat(process.exitCode()).as(process.logs()).isZero();
      Map<Integer, List<String>> rows = csvRows(workDir.resolve("out.csv"));
      assertThat(rows.keySet()).containsExactlyInAnyOrder(1, 2, 3, 4);
      assertThat(rows.get(3).get(4)).isEqualTo("1002");
      assertThat(rows.get(4).get(1)).isEqualTo("+12025550145");
      assertThat(gateway.sim().stats().requestsFor("+12025550143")).isEqualTo(1);

      process.close();
      process = JarProcess.run(workDir, "batch-gateway-badkey", Map.of(),
          "batch", "--gateway", "http://127.0.0.1:" + gateway.port(), "--api-key", "wrong",
          "--input", "in.csv", "--output", "out2.csv");
      assertThat(process.exitCode()).as(process.logs()).isEqualTo(2);
      assertThat(process.stderr()).contains("401").contains("GATEWAY_CLIENT_KEY");
    } finally {
      Await.await(vertx.close());
    }
  }

  @Test
  void viaGatewayRetriesTransientFailuresAndReadsTheOldKeyVariableWithAWarning() throws IOException {
    Vertx vertx = Vertx.vertx();
    // One attempt per check in the gateway, so each fault reaches the CLI as 502/9003.
    try (GatewayHarness gateway = GatewayHarness.start(vertx, new JsonObject().put("LINQ_MAX_ATTEMPTS", 1))) {
      gateway.sim().failNext(Fault.error500(), 3);
      StringBuilder csv = new StringBuilder("address\n");
      for (int i = 0; i < 6; i++) {
        csv.append(phone(i)).append('\n');
      }
      write("in.csv", csv.toString());
      process = JarProcess.run(workDir, "batch-gateway-retry", Map.of("GATEWAY_API_KEY", GatewayHarness.KEY_A),
          "batch", "--gateway", "http://127.0.0.1:" + gateway.port(), "--input", "in.csv", "--output", "out.csv");

      assertThat(process.exitCode()).as(process.logs()).isZero();
      Map<Integer, List<String>> rows = csvRows(workDir.resolve("out.csv"));
      assertThat(rows).hasSize(6);
      rows.values().forEach(row -> assertThat(row.get(4)).as("no error written: " + row).isEmpty());
      assertThat(gateway.sim().pendingFaults()).isZero();
      assertThat(gateway.sim().stats().checkRequests()).isEqualTo(6 + 3);
      assertThat(gateway.sim().stats().serverError5xx()).isEqualTo(3);
      assertThat(process.stderr()).contains("GATEWAY_API_KEY is read for this release only");
    } finally {
      await(vertx.close());
    }
  }

  @Test
  void exitCodes() throws IOException {
    write("in.csv", "+12025550143\n");
    process = JarProcess.run(workDir, "batch-noinput", simulatorEnv(), "batch", "--input", "missing.csv", "--output", "o.csv");
    assertThat(process.exitCode()).isEqualTo(2);
    assertThat(process.stderr()).contains("missing.csv");
    process.close();

    process = JarProcess.run(workDir, "batch-badservice", simulatorEnv(),
        "batch", "--service", "sms", "--input", "in.csv", "--output", "o.csv");
    assertThat(process.exitCode()).isEqualTo(2);
    process.close();

    write("exists.csv", "row,address\n");
    process = JarProcess.run(workDir, "batch-exists", simulatorEnv(), "batch", "--input", "in.csv", "--output", "exists.csv");
    assertThat(process.exitCode()).isEqualTo(2);
    assertThat(process.stderr()).contains("--resume");
    process.close();

    process = JarProcess.run(workDir, "batch-linq-refuses", Map.of("LINQ_API_V3_BASE_URL", sim.baseUrl(),
        "LINQ_API_V3_API_KEY", "not-the-key"), "batch", "--input", "in.csv", "--output", "o.csv");
    assertThat(process.exitCode()).as(process.logs()).isEqualTo(1);
  }

  private static long lineCount(Path file) {
    try {
      return Files.exists(file) ? Files.readAllLines(file).size() : 0;
    } catch (IOException e) {
      return 0;
    }
  }
}
