package com.linqapp.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.linqapp.gateway.app.Gateway;
import com.linqapp.gateway.config.ConfigLoader;
import com.linqapp.gateway.config.GatewayConfig;
import com.linqapp.gateway.it.support.JarProcess;
import com.linqapp.gateway.it.support.Sim;
import com.linqapp.gateway.sim.Fault;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Linq's official TypeScript SDK ({@code @linqapp/sdk}, pinned in {@code compat/sdk-node}) against the
 * gateway: typed answers and the SDK's own error classes. Needs {@code npm ci --prefix compat/sdk-node}.
 */
class LinqSdkCompatibilityIT {

  @TempDir
  Path jobsDir;


  static final Path SDK_DIR = Path.of("compat", "sdk-node");
  static final String CLIENT_KEY = "sdk-client-key";

  Sim sim;
  Gateway gateway;
  int port;

  @BeforeEach
  void start() {
    if (!Files.isDirectory(SDK_DIR.resolve("node_modules/@linqapp/sdk"))) {
      throw new AssertionError("Linq's SDK is not installed in " + SDK_DIR.toAbsolutePath()
          + ": run `npm ci --prefix compat/sdk-node` first (.ci/run does)");
    }
    sim = new Sim();
    port = JarProcess.freePort();
    GatewayConfig config = GatewayConfig.from(ConfigLoader.builtInDefaults().mergeIn(new JsonObject()
        .put("GATEWAY_HTTP_HOST", "127.0.0.1")
        .put("GATEWAY_HTTP_PORT", port)
        .put("GATEWAY_API_KEYS", "sdk=" + CLIENT_KEY)
        .put("LINQ_API_V3_BASE_URL", sim.baseUrl())
        .put("LINQ_API_V3_API_KEY", sim.apiKey())
        .put("GATEWAY_JOBS_DIR", jobsDir.resolve("jobs").toString())));
    config.requireServable();
    gateway = Sim.await(Gateway.serve(sim.vertx, config));
  }

  @AfterEach
  void stop() {
    if (sim != null) {
      sim.close();
    }
  }

  @Test
  void answersAndErrorsAreTypedBySdk() throws Exception {
    JsonObject summary = runScript("ok,bad_address,wrong_key");

    JsonObject results = summary.getJsonObject("results");
    JsonObject answer = results.getJsonObject("ok").getJsonObject("answer");
    assertThat(answer.getString("address")).isEqualTo("+15551234567");
    assertThat(answer.getValue("available")).isInstanceOf(Boolean.class);
    assertThat(results.getJsonObject("bad_address").getJsonObject("error").getString("name")).isEqualTo("BadRequestError");
    assertThat(results.getJsonObject("bad_address").getJsonObject("error").getInteger("status")).isEqualTo(400);
    assertThat(results.getJsonObject("wrong_key").getJsonObject("error").getString("name"))
        .isEqualTo("AuthenticationError");
  }

  @Test
  void linqRateLimitBeyondTheDeadlineIsSdkRateLimitError() throws Exception {
    sim.simulator.failNext(Fault.rateLimited(3), 1);

    JsonObject summary = runScript("rate_limited");

    JsonObject result = summary.getJsonObject("results").getJsonObject("rate_limited");
    assertThat(result.getJsonObject("error").getString("name")).isEqualTo("RateLimitError");
    assertThat(result.getJsonObject("error").getInteger("status")).isEqualTo(429);
    assertThat(Integer.parseInt(result.getString("retryAfter"))).isBetween(1, 3);
  }

  /** Runs {@code node check.mjs} with the given scenarios; asserts exit 0 and returns the printed summary. */
  private JsonObject runScript(String scenarios) throws IOException, InterruptedException {
    ProcessBuilder builder = new ProcessBuilder("node", "check.mjs").directory(SDK_DIR.toFile())
        .redirectErrorStream(false);
    builder.environment().keySet().removeIf(key -> key.startsWith("LINQ_"));
    builder.environment().put("GATEWAY_URL", "http://127.0.0.1:" + port + "/api/partner");
    builder.environment().put("CLIENT_KEY", CLIENT_KEY);
    builder.environment().put("SCENARIOS", scenarios);
    Path err = Files.createTempFile("sdk-compat", ".err");
    builder.redirectError(err.toFile());
    Process node = builder.start();
    String out = new String(node.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!node.waitFor(60, TimeUnit.SECONDS)) {
      node.destroyForcibly();
      throw new AssertionError("node check.mjs did not finish in 60 s");
    }
    String stderr = Files.readString(err);
    Files.deleteIfExists(err);
    assertThat(node.exitValue()).as("node check.mjs exit code\nstdout: " + out + "\nstderr: " + stderr).isZero();
    JsonObject summary = new JsonObject(out.strip().lines().reduce((a, b) -> b).orElse("{}"));
    assertThat(summary.getBoolean("ok")).as(out).isTrue();
    return summary;
  }
}
