package com.linqapp.gateway.it.support;

import com.linqapp.gateway.support.Await;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Blocking HTTP calls to a gateway under test, as a client such as curl would make them. */
public final class Http {

  private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private Http() {
  }

  /** POSTs {@code {"address": address}} to {@code check_imessage}; {@code clientKey} may be null. */
  public static HttpResponse<String> checkIMessage(int port, String address, String clientKey, String requestId) {
    return check(port, "check_imessage", address, clientKey, requestId);
  }

  public static HttpResponse<String> check(int port, String route, String address, String clientKey, String requestId) {
    HttpRequest.Builder request = HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + port + "/api/partner/v3/capability/" + route))
        .timeout(Await.LIMIT)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(new JsonObject().put("address", address).encode()));
    if (clientKey != null) {
      request.header("Authorization", "Bearer " + clientKey);
    }
    if (requestId != null) {
      request.header("X-Request-Id", requestId);
    }
    return send(request.build());
  }

  public static HttpResponse<String> get(int port, String path) {
    return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Await.LIMIT).GET().build());
  }

  public static HttpResponse<String> send(HttpRequest request) {
    try {
      return CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
