package com.linqapp.gateway.jobs;

import static com.linqapp.gateway.support.GatewayHarness.await;
import static com.linqapp.gateway.support.GatewayHarness.eventually;

import com.linqapp.gateway.support.GatewayHarness;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Submitting and reading jobs over real HTTP in tests. */
public final class JobsTestSupport {

  /** Short timings: answers written every 50 ms or 100 lines, retries after 300 ms, scans every 200 ms. */
  public static JobRunnerOptions fastRunner() {
    return new JobRunnerOptions(10_000, 100, 50, Duration.ofSeconds(30), 200, 0.5, failures -> 300);
  }

  private JobsTestSupport() {
  }

  public static String ndjson(List<String> addresses) {
    StringBuilder body = new StringBuilder();
    addresses.forEach(address -> body.append(new JsonObject().put("address", address).encode()).append('\n'));
    return body.toString();
  }

  public static HttpResponse<Buffer> submit(GatewayHarness gw, String key, String query, String contentType,
                                            String body, String... headers) {
    HttpRequest<Buffer> request = gw.web().post("/v1/jobs" + (query == null ? "" : "?" + query))
        .putHeader("Authorization", "Bearer " + key);
    if (contentType != null) {
      request.putHeader("Content-Type", contentType);
    }
    for (int i = 0; i + 1 < headers.length; i += 2) {
      request.putHeader(headers[i], headers[i + 1]);
    }
    return await(request.sendBuffer(Buffer.buffer(body)));
  }

  public static HttpResponse<Buffer> get(GatewayHarness gw, String key, String path, String... headers) {
    HttpRequest<Buffer> request = gw.web().get(path).putHeader("Authorization", "Bearer " + key);
    for (int i = 0; i + 1 < headers.length; i += 2) {
      request.putHeader(headers[i], headers[i + 1]);
    }
    return await(request.send());
  }

  public static HttpResponse<Buffer> delete(GatewayHarness gw, String key, String path) {
    return await(gw.web().delete(path).putHeader("Authorization", "Bearer " + key).send());
  }

  public static JsonObject status(GatewayHarness gw, String key, String id) {
    return get(gw, key, "/v1/jobs/" + id).bodyAsJsonObject();
  }

  public static JsonObject awaitStatus(GatewayHarness gw, String key, String id, String status, Duration within) {
    JsonObject[] last = {null};
    eventually(within, "job " + id + " " + status, () -> {
      last[0] = status(gw, key, id);
      return status.equals(last[0].getString("status"));
    });
    return last[0];
  }

  public static List<JsonObject> lines(HttpResponse<Buffer> response) {
    List<JsonObject> lines = new ArrayList<>();
    String body = response.bodyAsString();
    for (String line : body == null ? new String[0] : body.split("\n")) {
      if (!line.isBlank()) {
        lines.add(new JsonObject(line));
      }
    }
    return lines;
  }
}
