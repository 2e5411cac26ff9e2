package com.linqapp.gateway.support;

import static com.linqapp.gateway.support.Await.await;

import com.linqapp.gateway.app.Clocks;
import com.linqapp.gateway.app.Gateway;
import com.linqapp.gateway.bus.CapabilityBus;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * The real gateway ({@link Gateway#serve}) on loopback in front of the real {@link LinqSimulator}, both on the
 * test's {@link Vertx}. Test methods block on the JUnit thread (not an event loop) with {@link Await}.
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
    return start(vertx, simOptions, overrides, JobRunnerOptions.defaults(), System::currentTimeMillis, Tracing.off());
  }

  /**
   * @param jobOptions the job runner's timings (the job store is in a fresh temporary directory unless
   *                   {@code overrides} names one)
   */
  public static GatewayHarness start(Vertx vertx, SimulatorOptions simOptions, JsonObject overrides,
                                     JobRunnerOptions jobOptions) {
    return start(vertx, simOptions, overrides, jobOptions, System::currentTimeMillis, Tracing.off());
  }

  /**
   * @param wallClock the gateway's wall clock (epoch millis: cache freshness and {@code Age}, the daily
   *                  budgets' day), for tests that move time instead of sleeping
   */
  public static GatewayHarness start(Vertx vertx, SimulatorOptions simOptions, JsonObject overrides,
                                     LongSupplier wallClock) {
    return start(vertx, simOptions, overrides, JobRunnerOptions.defaults(), wallClock, Tracing.off());
  }

  /** @param tracing the engine's spans ({@code vertx} carries the same for HTTP and the event bus) */
  public static GatewayHarness start(Vertx vertx, SimulatorOptions simOptions, JsonObject overrides,
                                     JobRunnerOptions jobOptions, Tracing tracing) {
    return start(vertx, simOptions, overrides, jobOptions, System::currentTimeMillis, tracing);
  }

  private static GatewayHarness start(Vertx vertx, SimulatorOptions simOptions, JsonObject overrides,
                                      JobRunnerOptions jobOptions, LongSupplier wallClock, Tracing tracing) {
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
        .put("GATEWAY_HTTP_PORT", Ports.free())
        .put("GATEWAY_API_KEYS", "team-a=" + KEY_A + ",team-b=" + KEY_B)
        .mergeIn(overrides);
    GatewayConfig config = GatewayConfig.from(ConfigLoader.builtInDefaults().mergeIn(settings));
    Gateway gateway = await(Gateway.serve(vertx, config, GatewayMetrics.create(), null, jobOptions,
        new Clocks(Clocks.system().monotonicMillis(), wallClock), tracing));
    WebClient web = WebClient.create(vertx, new WebClientOptions()
        .setDefaultHost("127.0.0.1").setDefaultPort(config.httpPort()).setKeepAlive(false));
    return new GatewayHarness(vertx, sim, gateway, config, web);
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

  /**
   * The engine's status, as {@code /health} reports it: {@code queued}, {@code inFlight} (at Linq),
   * {@code waiting} (callers not answered yet), {@code window}, {@code rate}... Read on the engine's
   * event loop, so it is one consistent moment.
   */
  public JsonObject engineStatus() {
    return await(vertx.eventBus().<JsonObject>request(CapabilityBus.ENGINE_STATUS, null)).body();
  }

  /**
   * One series of {@code GET /metrics}, e.g. {@code gateway_shed_total{code="1007",status="429"}} (labels
   * in alphabetical order, as Prometheus prints them); 0 when the series does not exist (yet).
   */
  public double metric(String series) {
    String prefix = series + " ";
    return get("/metrics").bodyAsString().lines().filter(line -> line.startsWith(prefix))
        .mapToDouble(line -> Double.parseDouble(line.substring(prefix.length()).trim())).findFirst().orElse(0);
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

  /** {@code count} distinct addresses: {@code prefix} followed by four digits. */
  public static List<String> addresses(int count, String prefix) {
    List<String> addresses = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      addresses.add(prefix + String.format("%04d", i));
    }
    return addresses;
  }
}
