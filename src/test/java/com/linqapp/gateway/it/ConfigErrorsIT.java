package com.linqapp.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.linqapp.gateway.it.support.Http;
import com.linqapp.gateway.it.support.JarProcess;
import com.linqapp.gateway.support.Ports;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Configuration through the real jar: exit code 2 and one stderr line naming the setting; file and env precedence. */
class ConfigErrorsIT {

  static final String LINQ_KEY = "linq-key-for-config-tests";

  @TempDir
  Path workDir;

  JarProcess process;

  @AfterEach
  void stop() {
    if (process != null) {
      process.close();
    }
  }

  @Test
  void badPortIsExit2NamingTheVariable() {
    process = JarProcess.run(workDir, "bad-port",
        Map.of("GATEWAY_HTTP_PORT", "abc", "LINQ_API_V3_API_KEY", LINQ_KEY, "GATEWAY_API_KEYS", "crm=k"), "serve");
    assertUsageError("GATEWAY_HTTP_PORT");
  }

  @Test
  void anyFreePortIsExit2() {
    process = JarProcess.run(workDir, "port-zero",
        Map.of("GATEWAY_HTTP_PORT", "0", "LINQ_API_V3_API_KEY", LINQ_KEY, "GATEWAY_API_KEYS", "crm=k"), "serve");
    assertThat(assertUsageError("GATEWAY_HTTP_PORT")).contains("any free port");
  }

  @Test
  void missingLinqKeyIsExit2SuggestingSandbox() {
    process = JarProcess.run(workDir, "no-linq-key",
        Map.of("GATEWAY_HTTP_PORT", String.valueOf(Ports.free()), "GATEWAY_API_KEYS", "crm=k"), "serve");
    String line = assertUsageError("LINQ_API_V3_API_KEY");
    assertThat(line).contains("--sandbox");
  }

  @Test
  void missingClientKeysIsExit2() {
    process = JarProcess.run(workDir, "no-client-keys",
        Map.of("GATEWAY_HTTP_PORT", String.valueOf(Ports.free()), "LINQ_API_V3_API_KEY", LINQ_KEY), "serve");
    assertUsageError("GATEWAY_API_KEYS");
  }

  @Test
  void unknownOptionIsExit2() {
    process = JarProcess.run(workDir, "unknown-option", Map.of(), "serve", "--no-such-option");
    assertThat(process.exitCode()).as(process.logs()).isEqualTo(2);
    assertThat(process.stderr()).contains("--no-such-option");
  }

  @Test
  void missingConfFileIsExit2() {
    process = JarProcess.run(workDir, "missing-conf", Map.of("GATEWAY_SANDBOX", "true"), "serve", "--conf", "missing.json");
    assertUsageError("missing.json");
  }

  @Test
  void badValueInConfigFileIsExit2NamingIt() {
    writeConfig("{\"LINQ_MAX_CONCURRENCY\": \"lots\"}");
    process = JarProcess.run(workDir, "bad-file-value", Map.of("GATEWAY_SANDBOX", "true"), "serve");
    assertUsageError("LINQ_MAX_CONCURRENCY");
  }

  @Test
  void configFileInWorkingDirectoryIsRead() {
    int port = Ports.free();
    writeConfig("{\"GATEWAY_HTTP_PORT\": " + port + ", \"GATEWAY_SANDBOX\": true}");
    process = JarProcess.start(workDir, "conf-file", Map.of(), "serve").awaitReady(port);
    assertThat(process.stderr()).contains("SANDBOX");
  }

  @Test
  void environmentOverridesConfigFile() {
    int filePort = Ports.free();
    int envPort = Ports.free();
    writeConfig("{\"GATEWAY_HTTP_PORT\": " + filePort + ", \"GATEWAY_SANDBOX\": true}");
    process = JarProcess.start(workDir, "env-wins", Map.of("GATEWAY_HTTP_PORT", String.valueOf(envPort)), "serve")
        .awaitReady(envPort);
    HttpResponse<String> live = Http.get(envPort, "/health/live");
    assertThat(live.statusCode()).isEqualTo(200);
    assertThat(process.stderr()).contains(":" + envPort).doesNotContain(":" + filePort + ";");
  }

  @Test
  void confOptionReplacesTheDefaultFile() throws IOException {
    int port = Ports.free();
    writeConfig("{\"GATEWAY_HTTP_PORT\": \"not-a-port\"}");
    Path other = workDir.resolve("other.json");
    Files.writeString(other, "{\"GATEWAY_HTTP_PORT\": " + port + ", \"GATEWAY_SANDBOX\": true}");
    process = JarProcess.start(workDir, "conf-option", Map.of(), "serve", "--conf", other.toString())
        .awaitReady(port);
  }

  /** @return the single stderr line */
  private String assertUsageError(String naming) {
    assertThat(process.exitCode()).as(process.logs()).isEqualTo(2);
    List<String> lines = process.stderr().lines().filter(line -> !line.isBlank()).toList();
    assertThat(lines).as(process.logs()).hasSize(1);
    assertThat(lines.get(0)).contains(naming);
    return lines.get(0);
  }

  private void writeConfig(String json) {
    try {
      Files.createDirectories(workDir.resolve("conf"));
      Files.writeString(workDir.resolve("conf/config.json"), json);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
