package com.linqapp.gateway.it.support;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * One gateway's job routes as a script uses them: blocking calls with a client key, over loopback.
 *
 * @param port the gateway's HTTP port
 * @param key  the client key sent as {@code Authorization: Bearer}
 */
public record JobsClient(int port, String key) {

  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  private HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .header("Authorization", "Bearer " + key);
  }

  /** A call with an NDJSON body, or none. */
  public HttpResponse<String> call(String method, String path, String ndjson) {
    HttpRequest.Builder request = request(path).timeout(Duration.ofMinutes(5))
        .method(method, ndjson == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(ndjson));
    if (ndjson != null) {
      request.header("Content-Type", "application/x-ndjson");
    }
    try {
      return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** Submits one {@code {"address": ...}} line per address; the job's id (a 202 is required). */
  public String submit(List<String> addresses) {
    StringBuilder body = new StringBuilder();
    addresses.forEach(address -> body.append(new JsonObject().put("address", address).encode()).append('\n'));
    HttpResponse<String> accepted = call("POST", "/v1/jobs", body.toString());
    require(accepted, 202);
    return new JsonObject(accepted.body()).getString("id");
  }

  public JsonObject status(String id) {
    HttpResponse<String> response = call("GET", "/v1/jobs/" + id, null);
    require(response, 200);
    return new JsonObject(response.body());
  }

  /** Polls the job's status until {@code wanted} holds; fails after {@code within}. */
  public JsonObject awaitStatus(String id, Duration within, Predicate<JsonObject> wanted) {
    long deadline = System.nanoTime() + within.toNanos();
    while (true) {
      JsonObject job = status(id);
      if (wanted.test(job)) {
        return job;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("job not there within " + within + ": " + job);
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }

  /** {@code GET results?follow=true}: every answer line, once the job has ended. */
  public CompletableFuture<List<String>> follow(String id) {
    return HTTP.sendAsync(request("/v1/jobs/" + id + "/results?follow=true").GET().build(),
        HttpResponse.BodyHandlers.ofLines()).thenApply(response -> {
          if (response.statusCode() != 200) {
            throw new AssertionError("follow answered " + response.statusCode());
          }
          try (Stream<String> lines = response.body()) {
            return lines.toList();
          }
        });
  }

  private static void require(HttpResponse<String> response, int status) {
    if (response.statusCode() != status) {
      throw new AssertionError("expected " + status + ", got " + response.statusCode() + ": " + response.body());
    }
  }
}
