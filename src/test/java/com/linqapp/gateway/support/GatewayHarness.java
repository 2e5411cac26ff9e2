package com.linqapp.gateway.support;

import com.linqapp.gateway.app.Gateway;
import com.linqapp.gateway.config.ConfigLoader;
import com.linqapp.gateway.config.GatewayConfig;
import com.linqapp.gateway.jobs.JobRunnerOptions;
import com.linqapp.gateway.metrics.GatewayMetrics;
import com.linqapp.gateway.sim.LinqSimulator;
import com.linqapp.gateway.sim.SimulatorOptions;
import com.linqapp.gateway.trace.Tracing;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The real gateway ({@link Gateway#serve}) on loopback in front of the real {@link LinqSimulator}, both on the
 * test's {@link Vertx}. Test methods block on the JUnit thread (not an event loop) with {@link #await}.
 * The Vertx is the test's own (fresh per test from {@code VertxExtension}), so closing it closes everything;
 * {@link #close()} also closes the simulator and the web client explicitly.
 */
public final class GatewayHarness implements AutoCloseable {

  public static final String KEY_A = "key-a";
  public static final String KEY_B = "key-b";
  public static final String IMESSAGE_ROUTE = "/api/partner/v3/capability/check_imessage";
  public static final String RCS_ROUTE = "/api/partner/v3/capability/check_rcs";

  private final Vertx vertx;
  private final LinqSimulator sim;
  private final Gateway gateway;
  private final GatewayConfig config;
  private final WebClient web;
  private final List<WebClient> extraClients = new ArrayList<>();

  private GatewayHarness(Vertx vertx, LinqSimulator sim, Gateway gateway, GatewayConfig config, WebClient web) {
    this.vertx = vertx;
    this.sim = sim;
    this.gateway = gateway;
    this.config = config;
    this.web = web;
  }

  public static GatewayHarness start(Vertx vertx) {
    return start(vertx, new SimulatorOptions(), new JsonObject());
  }

  public static GatewayHarness start(Vertx vertx, JsonObject overrides) {
    return start(vertx, new SimulatorOptions(), overrides);
  }

  /**
   * @param overrides merged last, over the built-in defaults and the harness's wiring (simulator URL and key,
   *                  loopback host, a free port, client keys {@code team-a=key-a,team-b=key-b})
   */
  public static GatewayHarness start(Vertx vertx, SimulatorOptions simOptions, JsonObject overrides) {
    return start(vertx, simOptions, overrides, JobRunnerOptions.defaults());
  }

  /**
   * @param jobOptions the job runner's timings (the job store is in a fresh temporary directory unless
   *                   {@code overrides} names one)
   */
  public static GatewayHarness start(Vertx vertx, SimulatorOptions simOptions, JsonObject overrides,
                                     JobRunnerOptions jobOptions) {
    return start(vertx, simOptions, overrides, jobOptions, Tracing.off());
  }

  /** @param tracing the engine's spans ({@code vertx} carries the same for HTTP and the event bus) */
  public static GatewayHarness start(Vertx vertx, SimulatorOptions simOptions, JsonObject overrides,
                                     JobRunnerOptions jobOptions, Tracing tracing) {
    LinqSimulator sim = await(LinqSimulator.start(vertx, simOptions));
    Path jobsDir;
    try {
      jobsDir = Files.createTempDirectory("gateway-jobs-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    JsonObject settings = new JsonObject()
        .put("GATEWAY_JOBS_DIR", jobsDir.resolve("jobs").toString())
        .put("LINQ_API_V3_BASE_URL", sim.baseUrl())
        .put("LINQ_API_V3_API_KEY", sim.apiKey())
        .put("GATEWAY_HTTP_HOST", "127.0.0.1")
        .put("GATEWAY_HTTP_PORT", freePort())
        .put("GATEWAY_API_KEYS", "team-a=" + KEY_A + ",team-b=" + KEY_B)
        .mergeIn(overrides);
    GatewayConfig config = GatewayConfig.from(ConfigLoader.builtInDefaults().mergeIn(settings));
    Gateway gateway = await(Gateway.serve(vertx, config, GatewayMetrics.create(), null, jobOptions, tracing));
    WebClient web = WebClient.create(vertx, new WebClientOptions()
        .setDefaultHost("127.0.0.1").setDefaultPort(config.httpPort()).setKeepAlive(false));
    return new GatewayHarness(vertx, sim, gateway, config, web);
  }

  /** A port free right now; several HTTP verticle instances must share one known port, so 0 will not do. */
  public static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      socket.setReuseAddress(true);
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public Vertx vertx() {
    return vertx;
  }

  public LinqSimulator sim() {
    return sim;
  }

  public Gateway gateway() {
    return gateway;
  }

  public GatewayConfig config() {
    return config;
  }

  public int port() {
    return config.httpPort();
  }

  public WebClient web() {
    return web;
  }

  /**
   * A client to the gateway allowing {@code connections} connections at once (the default web client's pool
   * would queue a flood of concurrent requests a few at a time); closed with the harness.
   */
  public synchronized WebClient wideClient(int connections) {
    WebClient client = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1")
        .setDefaultPort(config.httpPort()).setKeepAlive(true), new PoolOptions().setHttp1MaxSize(connections)
        .setMaxWaitQueueSize(-1));
    extraClients.add(client);
    return client;
  }

  /** {@code POST route} with {@code key} through {@code client}, a JSON body {@code {"address": ...}}, header pairs. */
  public static Future<HttpResponse<Buffer>> checkWith(WebClient client, String key, String route, String address,
      String... headers) {
    HttpRequest<Buffer> request = client.post(route).putHeader("Authorization", "Bearer " + key)
        .putHeader("Content-Type", "application/json");
    for (int i = 0; i + 1 < headers.length; i += 2) {
      request.putHeader(headers[i], headers[i + 1]);
    }
    return request.sendBuffer(Buffer.buffer(new JsonObject().put("address", address).encode()));
  }

  /** {@code POST route} with team-a's key and a raw body, plus {@code name, value} header pairs. */
  public Future<HttpResponse<Buffer>> postAsync(String route, String body, String... headers) {
    HttpRequest<Buffer> request = web.post(route).putHeader("Authorization", "Bearer " + KEY_A)
        .putHeader("Content-Type", "application/json");
    for (int i = 0; i + 1 < headers.length; i += 2) {
      if (headers[i + 1] == null) {
        request.headers().remove(headers[i]);
      } else {
        request.putHeader(headers[i], headers[i + 1]);
      }
    }
    return body == null ? request.send() : request.sendBuffer(Buffer.buffer(body));
  }

  public HttpResponse<Buffer> post(String route, String body, String... headers) {
    return await(postAsync(route, body, headers));
  }

  /** Checks one address on a service route with a JSON body {@code {"address": ...}}. */
  public HttpResponse<Buffer> check(String route, String address, String... headers) {
    return post(route, new JsonObject().put("address", address).encode(), headers);
  }

  public Future<HttpResponse<Buffer>> checkAsync(String route, String address, String... headers) {
    return postAsync(route, new JsonObject().put("address", address).encode(), headers);
  }

  public HttpResponse<Buffer> get(String path, String... headers) {
    HttpRequest<Buffer> request = web.get(path);
    MultiMap map = request.headers();
    for (int i = 0; i + 1 < headers.length; i += 2) {
      map.set(headers[i], headers[i + 1]);
    }
    return await(request.send());
  }

  @Override
  public void close() {
    web.close();
    synchronized (this) {
      extraClients.forEach(WebClient::close);
    }
    try {
      await(sim.close());
    } catch (AssertionError alreadyClosed) {
      // the Vertx may be closing already
    }
  }

  public static <T> T await(Future<T> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw new AssertionError("future failed: " + e.getCause(), e.getCause());
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  /** The failure of a future expected to fail. */
  public static Throwable awaitFailure(Future<?> future) {
    try {
      future.toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      return e.getCause();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
    throw new AssertionError("expected a failure");
  }

  /** Polls {@code condition} every 50 ms until it holds or {@code within} has passed. */
  public static void eventually(Duration within, String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + within.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within " + within.toMillis() + " ms: " + what);
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }

  /** The envelope's {@code error} object, after checking the envelope's shape. */
  public static JsonObject envelopeError(HttpResponse<Buffer> response) {
    JsonObject body = response.bodyAsJsonObject();
    if (body == null || !Boolean.FALSE.equals(body.getBoolean("success")) || body.getJsonObject("error") == null) {
      throw new AssertionError("not an error envelope: " + response.statusCode() + " " + response.bodyAsString());
    }
    JsonObject error = body.getJsonObject("error");
    if (error.getInteger("status") == null || error.getInteger("code") == null || error.getString("message") == null) {
      throw new AssertionError("envelope lacks status/code/message: " + body);
    }
    return error;
  }

  /** Waits on the test thread (never an event loop): for tests that let real time pass. */
  public static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** {@code count} distinct addresses: {@code prefix} followed by four digits. */
  public static List<String> addresses(int count, String prefix) {
    List<String> addresses = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      addresses.add(prefix + String.format("%04d", i));
    }
    return addresses;
  }
}
