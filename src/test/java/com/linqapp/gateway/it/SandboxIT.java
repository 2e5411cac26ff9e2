package com.linqapp.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.linqapp.gateway.it.support.Http;
import com.linqapp.gateway.it.support.JarProcess;
import com.linqapp.gateway.support.Ports;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code serve --sandbox}: the real jar with its embedded simulator, as a first-time user runs it. */
class SandboxIT {

  @TempDir
  Path workDir;

  JarProcess gateway;

  @AfterEach
  void stop() {
    if (gateway != null) {
      gateway.close();
    }
  }

  @Test
  void sandboxServesWithoutKeysAndSaysSoLoudly() {
    int port = Ports.free();
    gateway = JarProcess.start(workDir, "sandbox", Map.of("GATEWAY_HTTP_PORT", String.valueOf(port)), "serve", "--sandbox")
        .awaitReady(port);

    assertThat(gateway.stderr()).contains("SANDBOX").contains("SIMULATOR").contains("authentication is OFF");

    HttpResponse<String> response = Http.checkIMessage(port, "+15551234567", null, null);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    JsonObject body = new JsonObject(response.body());
    assertThat(body.fieldNames()).containsExactlyInAnyOrder("address", "available");
    assertThat(body.getString("address")).isEqualTo("+15551234567");
    assertThat(body.getValue("available")).isInstanceOf(Boolean.class);
    assertThat(response.headers().firstValue("X-Request-Id")).isPresent();

    HttpResponse<String> bad = Http.checkIMessage(port, "bad-address", null, null);
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(new JsonObject(bad.body()).getJsonObject("error").getInteger("code")).isEqualTo(1002);
  }

  @Test
  void sandboxWithClientKeysKeepsAuthenticationOn() {
    int port = Ports.free();
    gateway = JarProcess.start(workDir, "sandbox-keys",
            Map.of("GATEWAY_HTTP_PORT", String.valueOf(port), "GATEWAY_SANDBOX", "true", "GATEWAY_API_KEYS", "crm=k1"),
            "serve")
        .awaitReady(port);

    assertThat(gateway.stderr()).contains("SANDBOX").doesNotContain("authentication is OFF");
    assertThat(Http.checkIMessage(port, "+15551234567", null, null).statusCode()).isEqualTo(401);
    assertThat(Http.checkIMessage(port, "+15551234567", "k1", null).statusCode()).isEqualTo(200);
  }
}
