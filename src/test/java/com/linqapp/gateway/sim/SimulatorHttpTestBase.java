package com.linqapp.gateway.sim;

import static com.linqapp.gateway.support.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.ExtendWith;

/** Starts simulators and talks to them over real loopback HTTP; test methods block on the JUnit thread. */
@ExtendWith(VertxExtension.class)
abstract class SimulatorHttpTestBase {

  static final String KEY = SimulatorOptions.DEFAULT_API_KEY;
  static final String LINE1 = "+12025550101";
  static final String LINE2 = "+12025550102";

  Vertx vertx;
  WebClient client;
  LinqSimulator sim;

  LinqSimulator start(Vertx vertx, SimulatorOptions options) {
    this.vertx = vertx;
    if (client != null) {
      client.close();
    }
    this.client = WebClient.create(vertx);
    this.sim = await(LinqSimulator.start(vertx, options));
    return sim;
  }

  @AfterEach
  void closeSimulator() {
    if (client != null) {
      client.close();
    }
    if (sim != null) {
      await(sim.close());
    }
  }

  Future<HttpResponse<Buffer>> checkAsync(String service, JsonObject body) {
    return client.postAbs(sim.baseUrl() + "/v3/capability/" + service)
        .putHeader("Authorization", "Bearer " + KEY)
        .sendJsonObject(body);
  }

  HttpResponse<Buffer> imessage(String address) {
    return await(checkAsync("check_imessage", new JsonObject().put("address", address)));
  }

  HttpResponse<Buffer> rcs(String address) {
    return await(checkAsync("check_rcs", new JsonObject().put("address", address)));
  }

  HttpResponse<Buffer> post(String service, String authorization, Buffer body) {
    var req = client.postAbs(sim.baseUrl() + "/v3/capability/" + service);
    if (authorization != null) {
      req.putHeader("Authorization", authorization);
    }
    return await(req.sendBuffer(body));
  }

  HttpResponse<Buffer> phoneNumbers(String key) {
    return await(client.getAbs(sim.baseUrl() + "/v3/phone_numbers").putHeader("Authorization", "Bearer " + key)
        .send());
  }

  /** Asserts the Linq error envelope and returns its {@code error} object. */
  static JsonObject assertError(HttpResponse<Buffer> resp, int status, int code) {
    assertThat(resp.statusCode()).isEqualTo(status);
    assertThat(resp.getHeader("Content-Type")).isEqualTo("application/json");
    JsonObject body = resp.bodyAsJsonObject();
    JsonObject error = body.getJsonObject("error");
    assertThat(error.getInteger("status")).isEqualTo(status);
    assertThat(error.getInteger("code")).isEqualTo(code);
    assertThat(error.getString("message")).isNotBlank();
    assertThat(body.getBoolean("success")).isFalse();
    assertThat(body.getString("trace_id")).matches("trace_[0-9a-f]+");
    assertThat(resp.getHeader("X-Trace-ID")).isEqualTo(body.getString("trace_id"));
    if (status == 429) {
      assertThat(error.getInteger("retry_after")).isNotNull();
    } else {
      assertThat(error.containsKey("retry_after")).isFalse();
    }
    return error;
  }
}
