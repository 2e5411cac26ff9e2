package com.linqapp.gateway.http;

import static com.linqapp.gateway.jobs.JobsTestSupport.awaitStatus;
import static com.linqapp.gateway.support.GatewayHarness.KEY_A;
import static com.linqapp.gateway.support.GatewayHarness.KEY_B;
import static com.linqapp.gateway.support.Await.await;
import static com.linqapp.gateway.support.GatewayHarness.envelopeError;
import static com.linqapp.gateway.support.Await.until;
import static org.assertj.core.api.Assertions.assertThat;

import com.linqapp.gateway.support.Ports;
import com.linqapp.gateway.cache.ResultCache;
import com.linqapp.gateway.check.ErrorCodes;
import com.linqapp.gateway.config.GatewayConfig;
import com.linqapp.gateway.jobs.JobsTestSupport;
import com.linqapp.gateway.linq.LinqClient;
import com.linqapp.gateway.metrics.GatewayMetrics;
import com.linqapp.gateway.sim.Fault;
import com.linqapp.gateway.sim.SimulatorOptions;
import com.linqapp.gateway.support.GatewayHarness;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The server held to its OpenAPI document ({@code GET /openapi.yaml}): every route the router has and every check
 * route served ahead of it is documented, and every documented answer of every operation is met by a real
 * exchange and matches the document (status, required headers, content type, body schema).
 *
 * <p>Two servers: the real gateway (engine, simulator, job store), and a second HTTP verticle of the same code on
 * another port, built without a job store (the job routes answer 503 there) and with a hop id the test knows (so
 * a request can look like a loop, 508). Its router is the one walked for routes.
 */
@ExtendWith(VertxExtension.class)
class OpenApiTest {

  private static final String HOP = "openapi-test-hop";
  private static final String IMESSAGE = GatewayHarness.IMESSAGE_ROUTE;
  private static final String RCS = GatewayHarness.RCS_ROUTE;
  private static final String BIG_HEADER = "x".repeat(9_000);
  /** Documented answers no exchange here meets, each with where it is proven instead. */
  private static final Map<String, String> MET_ELSEWHERE = Map.of(
      "submitJob 507", "a full job store: JobRoutesTest.limits fills GATEWAY_JOBS_MAX_STORE_MB");

  private GatewayHarness gw;
  private HttpApiVerticle bare;
  private WebClient bareClient;
  private OpenApiContract contract;

  @BeforeEach
  void start(Vertx vertx) {
    gw = GatewayHarness.start(vertx, new SimulatorOptions(), new JsonObject()
        .put("GATEWAY_CLIENT_DAILY_BUDGETS", "team-b=1").put("GATEWAY_JOBS_MAX_LINES", 20)
        .put("GATEWAY_JOBS_MAX_OPEN_PER_CLIENT", 1).put("LINQ_MAX_ATTEMPTS", 2), JobsTestSupport.fastRunner());
    GatewayConfig config = gw.config().with(new JsonObject().put("GATEWAY_HTTP_PORT", Ports.free()));
    bare = new HttpApiVerticle(config, HOP, ResultCache.create(60_000, 60_000, 0, 100, System::currentTimeMillis),
        GatewayMetrics.create(), new DrainSwitch(), null);
    await(vertx.deployVerticle(bare));
    bareClient = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1")
        .setDefaultPort(config.httpPort()).setKeepAlive(false));
    HttpResponse<Buffer> served = gw.get(OpenApiDocument.ROUTE);
    assertThat(served.statusCode()).isEqualTo(200);
    contract = OpenApiContract.load(vertx, served.bodyAsString());
  }

  @AfterEach
  void stop() {
    bareClient.close();
    gw.close();
  }

  @Test
  @DisplayName("the document is served without a key, is valid OpenAPI 3.1 and carries the build's version")
  void documentIsServedAndValid() {
    HttpResponse<Buffer> served = exchange(gw.web(), HttpMethod.GET, OpenApiDocument.ROUTE, null, null);
    assertThat(served.getHeader("Content-Type")).isEqualTo(OpenApiDocument.MEDIA_TYPE);
    assertThat(contract.document().getJsonObject("info").getString("version")).matches("\\d+\\.\\d+\\.\\d+.*");
    assertThat(contract.operations()).extracting(OpenApiContract.Operation::id).doesNotHaveDuplicates()
        .doesNotContainNull();
  }

  @Test
  @DisplayName("no route the document lacks: every router route and check route is documented, and every documented operation is routed")
  void everyRouteIsDocumented() {
    Map<String, Set<String>> documented = contract.methodsByRouterPath();
    Map<String, Set<String>> routed = new java.util.TreeMap<>();
    for (Route route : bare.router().getRoutes()) {
      String path = route.getPath();
      if (path == null) {
        continue; // handlers for every request (request ids, metrics)
      }
      if (path.endsWith("/")) {
        path = path.substring(0, path.length() - 1); // a prefix route ("/v1/jobs/*")
        String prefix = path + "/";
        assertThat(documented.keySet()).as("documented paths under " + prefix).anyMatch(p -> p.startsWith(prefix));
        continue;
      }
      assertThat(documented).as("route " + path + " is documented").containsKey(path);
      Set<String> methods = routed.computeIfAbsent(path, p -> new TreeSet<>());
      if (route.methods() != null) { // else a guard (auth) or the 405 of other methods, on a documented path
        route.methods().forEach(method -> methods.add(method.name()));
      }
    }
    for (String check : bare.checkRoutes()) {
      routed.computeIfAbsent(check, p -> new TreeSet<>()).add("POST");
    }
    routed.forEach((path, methods) -> assertThat(documented.get(path)).as(path).containsAll(methods));
    assertThat(routed).as("every documented path is routed with its methods").containsAllEntriesOf(documented);
  }

  @Test
  @DisplayName("as the document says: a path it does not list is 404/9404, a listed path with another method 405/9405")
  void undocumentedPathsAndMethodsAreRefused() {
    assertThat(contract.operation("GET", "/v2/anything")).isNull();
    assertThat(envelopeError(gw.get("/v2/anything")).getInteger("code")).isEqualTo(ErrorCodes.NOT_FOUND);
    for (String route : List.of(IMESSAGE, RCS, "/v1/capability/batch", "/metrics")) {
      String method = route.equals("/metrics") ? "POST" : "GET";
      assertThat(contract.operation(method, route)).as(method + " " + route).isNull();
      HttpResponse<Buffer> refused = await(gw.web().request(HttpMethod.valueOf(method), route)
          .putHeader("Authorization", "Bearer " + KEY_A).send());
      assertThat(refused.statusCode()).as(method + " " + route).isEqualTo(405);
      assertThat(envelopeError(refused).getInteger("code")).isEqualTo(ErrorCodes.METHOD_NOT_ALLOWED);
    }
  }

  @Test
  @DisplayName("every documented answer of every operation is met, and matches the document")
  void everyDocumentedAnswerIsMet() {
    until("Linq's key verified", () -> gw.get("/health").statusCode() == 200);
    checks();
    batch();
    jobs();
    operations();
    refusedBeforeRouting();
    loops();
    drained();

    Set<String> expected = new LinkedHashSet<>(contract.documentedResponses());
    assertThat(expected).as("only documented answers are excused").containsAll(MET_ELSEWHERE.keySet());
    expected.removeAll(MET_ELSEWHERE.keySet());
    assertThat(contract.seen()).containsAll(expected);
  }

  // ---- scenarios ----------------------------------------------------------------------------------------------

  private void checks() {
    for (String route : List.of(IMESSAGE, RCS)) {
      assertThat(check(route, KEY_A, "+15551230001").getHeader("X-Cache")).isEqualTo("miss");
      assertThat(check(route, KEY_A, "+15551230001").getHeader("Age")).as("a hit").isNotNull();
      assertThat(envelopeError(check(route, KEY_A, "not-a-number")).getInteger("code")).isEqualTo(1002);
      assertThat(status(exchange(gw.web(), HttpMethod.POST, route, KEY_A, "nope", "Content-Type", "application/json")))
          .isEqualTo(400);
      assertThat(status(exchange(gw.web(), HttpMethod.POST, route, null, "{\"address\":\"+15551230001\"}"))).isEqualTo(401);
      String huge = new JsonObject().put("address", "+15551230001").put("pad", "x".repeat(17_000)).encode();
      assertThat(status(exchange(gw.web(), HttpMethod.POST, route, KEY_A, huge))).isEqualTo(413);
      assertThat(status(exchange(gw.web(), HttpMethod.POST, route, KEY_A,
          new JsonObject().put("address", "+15551230002").put("from", "+19999999999").encode()))).isEqualTo(403);
      gw.sim().failNext(Fault.error500(), 2);
      assertThat(envelopeError(check(route, KEY_A, "+15551230003")).getInteger("code")).isEqualTo(9003);
      gw.sim().failNext(Fault.hang(), 1);
      assertThat(status(check(route, KEY_A, "+15551230004", "X-Request-Timeout-Ms", "1000"))).isEqualTo(504);
    }
    gw.sim().failNext(Fault.rcsLineFault(Fault.RCS_LINE_UNAVAILABLE), 1);
    assertThat(envelopeError(check(RCS, KEY_A, "+15551230005")).getInteger("code")).isEqualTo(4004);
    // team-b's daily budget is one check that costs Linq a call
    assertThat(status(check(IMESSAGE, KEY_B, "+15551230006"))).isEqualTo(200);
    for (String route : List.of(IMESSAGE, RCS)) {
      assertThat(envelopeError(check(route, KEY_B, "+15551230007")).getInteger("code")).isEqualTo(9007);
    }
  }

  private void batch() {
    String lines = "{\"address\":\"+15551230010\"}\n{\"address\":\"+15551230011\",\"service\":\"rcs\"}\nnot json\n";
    HttpResponse<Buffer> answered = exchange(gw.web(), HttpMethod.POST, "/v1/capability/batch", KEY_A, lines,
        "Content-Type", "application/x-ndjson");
    assertThat(answered.statusCode()).isEqualTo(200);
    assertThat(answered.bodyAsString().split("\n")).hasSize(3);
    assertThat(status(exchange(gw.web(), HttpMethod.POST, "/v1/capability/batch", null, lines))).isEqualTo(401);
  }

  private void jobs() {
    String ndjson = JobsTestSupport.ndjson(GatewayHarness.addresses(3, "+1555124")) + "{\"address\":\"bad\"}\n";
    HttpResponse<Buffer> submitted = exchange(gw.web(), HttpMethod.POST, "/v1/jobs?name=one", KEY_A, ndjson,
        "Content-Type", "application/x-ndjson", "Idempotency-Key", "key-1");
    assertThat(submitted.statusCode()).isEqualTo(202);
    String id = submitted.bodyAsJsonObject().getString("id");
    awaitStatus(gw, KEY_A, id, "completed", Duration.ofSeconds(30));
    String job = "/v1/jobs/" + id;
    assertThat(status(exchange(gw.web(), HttpMethod.GET, job, KEY_A, null))).isEqualTo(200);
    assertThat(status(exchange(gw.web(), HttpMethod.GET, "/v1/jobs?limit=1", KEY_A, null))).isEqualTo(200);
    assertThat(exchange(gw.web(), HttpMethod.GET, job + "/results", KEY_A, null).bodyAsString().split("\n")).hasSize(4);
    assertThat(exchange(gw.web(), HttpMethod.GET, job + "/results", KEY_A, null, "Accept", "text/csv")
        .getHeader("Content-Type")).startsWith("text/csv");
    assertThat(status(exchange(gw.web(), HttpMethod.GET, job + "/results?limit=0", KEY_A, null))).isEqualTo(400);
    assertThat(status(exchange(gw.web(), HttpMethod.DELETE, job, KEY_A, null))).as("a finished job stays").isEqualTo(200);
    assertThat(status(exchange(gw.web(), HttpMethod.POST, "/v1/jobs", KEY_A, "address\n+15551240000\n",
        "Content-Type", "text/csv", "Idempotency-Key", "key-1"))).as("same key, another body").isEqualTo(409);
    HttpResponse<Buffer> csv = exchange(gw.web(), HttpMethod.POST, "/v1/jobs", KEY_A, "address\n+15551240000\n",
        "Content-Type", "text/csv");
    assertThat(csv.statusCode()).isEqualTo(202);
    awaitStatus(gw, KEY_A, csv.bodyAsJsonObject().getString("id"), "completed", Duration.ofSeconds(30));

    assertThat(status(exchange(gw.web(), HttpMethod.POST, "/v1/jobs?service=sms", KEY_A, ndjson))).isEqualTo(400);
    assertThat(status(exchange(gw.web(), HttpMethod.GET, "/v1/jobs?limit=0", KEY_A, null))).isEqualTo(400);
    String tooMany = JobsTestSupport.ndjson(GatewayHarness.addresses(21, "+1555125"));
    assertThat(status(exchange(gw.web(), HttpMethod.POST, "/v1/jobs", KEY_A, tooMany))).isEqualTo(413);
    assertThat(status(exchange(gw.web(), HttpMethod.POST, "/v1/jobs", KEY_A, ndjson, "Content-Type", "text/plain")))
        .isEqualTo(415);
    // team-b's budget is spent: its job of addresses nobody asked yet (no cache hits) waits, paused, and stays
    // open, so a second one is one too many
    String uncached = JobsTestSupport.ndjson(GatewayHarness.addresses(3, "+1555126"));
    String waiting = exchange(gw.web(), HttpMethod.POST, "/v1/jobs", KEY_B, uncached).bodyAsJsonObject().getString("id");
    assertThat(envelopeError(exchange(gw.web(), HttpMethod.POST, "/v1/jobs", KEY_B, uncached)).getInteger("code"))
        .isEqualTo(9010);
    awaitStatus(gw, KEY_B, waiting, "paused", Duration.ofSeconds(30));
    assertThat(status(exchange(gw.web(), HttpMethod.GET, "/v1/jobs/" + waiting, KEY_B, null))).isEqualTo(200);

    for (String path : List.of("/v1/jobs/nope", "/v1/jobs/nope/results", job + "-other")) {
      assertThat(status(exchange(gw.web(), HttpMethod.GET, path, KEY_A, null))).isEqualTo(404);
    }
    assertThat(status(exchange(gw.web(), HttpMethod.GET, job, KEY_B, null))).as("another client's job").isEqualTo(404);
    assertThat(status(exchange(gw.web(), HttpMethod.DELETE, "/v1/jobs/nope", KEY_A, null))).isEqualTo(404);
    for (HttpMethod method : List.of(HttpMethod.GET, HttpMethod.POST)) {
      assertThat(status(exchange(gw.web(), method, "/v1/jobs", null, method == HttpMethod.POST ? ndjson : null)))
          .isEqualTo(401);
      assertThat(status(exchange(bareClient, method, "/v1/jobs", KEY_A, method == HttpMethod.POST ? ndjson : null)))
          .as("no job store").isEqualTo(503);
    }
    for (HttpMethod method : List.of(HttpMethod.GET, HttpMethod.DELETE)) {
      assertThat(status(exchange(gw.web(), method, job, null, null))).isEqualTo(401);
      assertThat(status(exchange(bareClient, method, job, KEY_A, null))).isEqualTo(503);
    }
    assertThat(status(exchange(gw.web(), HttpMethod.GET, job + "/results", null, null))).isEqualTo(401);
    assertThat(status(exchange(bareClient, HttpMethod.GET, job + "/results", KEY_A, null))).isEqualTo(503);
  }

  private void operations() {
    for (String path : List.of("/health", "/health/live", "/health/ready", "/metrics", OpenApiDocument.ROUTE)) {
      assertThat(status(exchange(gw.web(), HttpMethod.GET, path, null, null))).as(path).isEqualTo(200);
    }
  }

  /** Headers over 8 KiB: Netty refuses them before any route, 431 on every path. */
  private void refusedBeforeRouting() {
    for (OpenApiContract.Operation operation : contract.operations()) {
      String path = operation.path().replace("{id}", "some-id");
      assertThat(status(exchange(gw.web(), HttpMethod.valueOf(operation.method()), path, KEY_A, null,
          "X-Big", BIG_HEADER))).as(operation.id()).isEqualTo(431);
    }
  }

  /** A request carrying the server's own hop id is a loop: 508 on every path, before anything else. */
  private void loops() {
    for (OpenApiContract.Operation operation : contract.operations()) {
      String path = operation.path().replace("{id}", "some-id");
      assertThat(status(exchange(bareClient, HttpMethod.valueOf(operation.method()), path, KEY_A, null,
          LinqClient.HOP_HEADER, HOP))).as(operation.id()).isEqualTo(508);
    }
  }

  /** Once the gateway drains: checks and batches 503/9002, readiness and the full report down. */
  private void drained() {
    await(gw.gateway().drain(1_000));
    for (String route : List.of(IMESSAGE, RCS)) {
      assertThat(envelopeError(check(route, KEY_A, "+15551230020")).getInteger("code")).isEqualTo(9002);
    }
    assertThat(status(exchange(gw.web(), HttpMethod.POST, "/v1/capability/batch", KEY_A, "{\"address\":\"+15551230021\"}\n")))
        .isEqualTo(503);
    until("readiness down", () -> gw.get("/health/ready").statusCode() == 503);
    assertThat(status(exchange(gw.web(), HttpMethod.GET, "/health/ready", null, null))).isEqualTo(503);
    assertThat(status(exchange(gw.web(), HttpMethod.GET, "/health", null, null))).isEqualTo(503);
  }

  // ---- exchanges ----------------------------------------------------------------------------------------------

  private HttpResponse<Buffer> check(String route, String key, String address, String... headers) {
    String[] all = new String[headers.length + 2];
    all[0] = "Content-Type";
    all[1] = "application/json";
    System.arraycopy(headers, 0, all, 2, headers.length);
    return exchange(gw.web(), HttpMethod.POST, route, key, new JsonObject().put("address", address).encode(), all);
  }

  /** Sends a request and asserts the answer is documented for it. */
  private HttpResponse<Buffer> exchange(WebClient client, HttpMethod method, String uri, String key, String body,
                                        String... headers) {
    HttpRequest<Buffer> request = client.request(method, uri);
    if (key != null) {
      request.putHeader("Authorization", "Bearer " + key);
    }
    for (int i = 0; i + 1 < headers.length; i += 2) {
      request.putHeader(headers[i], headers[i + 1]);
    }
    HttpResponse<Buffer> response = await(body == null ? request.send() : request.sendBuffer(Buffer.buffer(body)));
    contract.assertDocumented(method.name(), uri.split("\\?", 2)[0], response);
    return response;
  }

  private static int status(HttpResponse<Buffer> response) {
    return response.statusCode();
  }
}
