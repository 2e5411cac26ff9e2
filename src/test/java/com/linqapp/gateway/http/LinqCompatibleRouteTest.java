package com.linqapp.gateway.http;

import static com.linqapp.gateway.support.Await.await;
import static com.linqapp.gateway.support.Await.until;
import static com.linqapp.gateway.support.GatewayHarness.IMESSAGE_ROUTE;
import static com.linqapp.gateway.support.GatewayHarness.RCS_ROUTE;
import static com.linqapp.gateway.support.GatewayHarness.envelopeError;
import static org.assertj.core.api.Assertions.assertThat;

import com.linqapp.gateway.sim.Fault;
import com.linqapp.gateway.sim.LinqSimulator;
import com.linqapp.gateway.support.GatewayHarness;
import com.linqapp.gateway.support.GatewayTestBase;
import com.linqapp.gateway.support.Ports;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The Linq-compatible routes end to end: the real gateway on loopback in front of the real simulator, one
 * row of the contract's status table per test. Timing is shown by what the gateway computed (a
 * {@code retry_after} equal to the whole pause was told when the 429 came) and by its metrics (refused
 * at admission, answered at a deadline), never by a stopwatch's upper bound.
 */
class LinqCompatibleRouteTest extends GatewayTestBase {

  private static final String PHONE = "+12025550143";
  private static final int SIM_AVAILABLE_PERCENT = 70;

  private static long millisSince(long startNanos) {
    return (System.nanoTime() - startNanos) / 1_000_000;
  }

  // ---- 200 ------------------------------------------------------------------------------------------------

  @Test
  @DisplayName("a check is answered 200 with exactly Linq's fields, the simulator's value, X-Cache: miss and the caller's X-Request-Id")
  void answersWithLinqFieldsOnly(Vertx vertx) {
    start(vertx, new JsonObject());

    HttpResponse<Buffer> response = gw.check(IMESSAGE_ROUTE, PHONE, "X-Request-Id", "req-42");

    assertThat(response.statusCode()).isEqualTo(200);
    JsonObject body = response.bodyAsJsonObject();
    assertThat(body.fieldNames()).containsExactlyInAnyOrder("address", "available");
    assertThat(body.getString("address")).isEqualTo(PHONE);
    assertThat(body.getBoolean("available"))
        .isEqualTo(LinqSimulator.expectedAvailable("iMessage", PHONE, SIM_AVAILABLE_PERCENT));
    assertThat(response.getHeader("X-Request-Id")).isEqualTo("req-42");
    assertThat(response.getHeader("X-Cache")).isEqualTo("miss");
    assertThat(gw.sim().stats().checkRequests()).isEqualTo(1);
  }

  @Test
  @DisplayName("without X-Request-Id the gateway generates one per request")
  void generatesRequestId(Vertx vertx) {
    start(vertx, new JsonObject());

    HttpResponse<Buffer> first = gw.check(IMESSAGE_ROUTE, PHONE);
    HttpResponse<Buffer> second = gw.check(IMESSAGE_ROUTE, "+12025550144");

    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(first.getHeader("X-Request-Id")).isNotBlank();
    assertThat(second.getHeader("X-Request-Id")).isNotBlank().isNotEqualTo(first.getHeader("X-Request-Id"));
  }

  @Test
  @DisplayName("Linq's optional reason and selected_service pass through exactly when Linq sends them")
  void passesLinqOptionalFields(Vertx vertx) {
    start(vertx, new JsonObject());
    gw.sim().extendedFields(true);

    HttpResponse<Buffer> response = gw.check(IMESSAGE_ROUTE, PHONE);

    assertThat(response.statusCode()).isEqualTo(200);
    JsonObject body = response.bodyAsJsonObject();
    assertThat(body.fieldNames()).containsExactlyInAnyOrder("address", "available", "reason", "selected_service");
    boolean available = LinqSimulator.expectedAvailable("iMessage", PHONE, SIM_AVAILABLE_PERCENT);
    assertThat(body.getBoolean("available")).isEqualTo(available);
    assertThat(body.getString("reason")).isEqualTo(available ? "registered" : "not_registered");
  }

  @Test
  @DisplayName("the RCS route answers with the simulator's RCS value, and an email is accepted on iMessage")
  void rcsRouteAndEmail(Vertx vertx) {
    start(vertx, new JsonObject());

    List<String> phones = List.of("+12025550150", "+12025550151", "+12025550152", "+33612345678");
    for (String phone : phones) {
      HttpResponse<Buffer> rcs = gw.check(RCS_ROUTE, phone);
      assertThat(rcs.statusCode()).isEqualTo(200);
      assertThat(rcs.bodyAsJsonObject().getString("address")).isEqualTo(phone);
      assertThat(rcs.bodyAsJsonObject().getBoolean("available"))
          .as("RCS %s", phone).isEqualTo(LinqSimulator.expectedAvailable("RCS", phone, SIM_AVAILABLE_PERCENT));
    }
    HttpResponse<Buffer> email = gw.check(IMESSAGE_ROUTE, "someone@example.com");
    assertThat(email.statusCode()).isEqualTo(200);
    assertThat(email.bodyAsJsonObject().getBoolean("available"))
        .isEqualTo(LinqSimulator.expectedAvailable("iMessage", "someone@example.com", SIM_AVAILABLE_PERCENT));
    assertThat(gw.sim().stats().requestsFor("RCS", "+33612345678")).isEqualTo(1);
  }

  // ---- 400 ------------------------------------------------------------------------------------------------

  static Stream<Arguments> badRequests() {
    return Stream.of(
        Arguments.of("not E.164", IMESSAGE_ROUTE, "{\"address\":\"12025550143\"}", 1002),
        Arguments.of("letters", IMESSAGE_ROUTE, "{\"address\":\"call me\"}", 1002),
        Arguments.of("impossible number", IMESSAGE_ROUTE, "{\"address\":\"+1202\"}", 1002),
        Arguments.of("RCS with an email", RCS_ROUTE, "{\"address\":\"someone@example.com\"}", 1002),
        Arguments.of("body not JSON", IMESSAGE_ROUTE, "address=+12025550143", 1003),
        Arguments.of("body a JSON array", IMESSAGE_ROUTE, "[\"+12025550143\"]", 1003),
        Arguments.of("empty body", IMESSAGE_ROUTE, "", 1003),
        Arguments.of("address missing", IMESSAGE_ROUTE, "{\"from\":\"+12025550101\"}", 1001),
        Arguments.of("address a number", IMESSAGE_ROUTE, "{\"address\":12025550143}", 1001),
        Arguments.of("address null", RCS_ROUTE, "{\"address\":null}", 1001),
        Arguments.of("from not a phone", IMESSAGE_ROUTE, "{\"address\":\"+12025550143\",\"from\":\"me\"}", 1002),
        Arguments.of("from not a string", IMESSAGE_ROUTE, "{\"address\":\"+12025550143\",\"from\":12025550101}", 1005));
  }

  @ParameterizedTest(name = "{0} -> 400/{3}")
  @MethodSource("badRequests")
  @DisplayName("bad input is answered 400 with Linq's code in the envelope and costs no upstream request")
  void badInputCostsNoUpstreamCall(String what, String route, String body, int code, Vertx vertx) {
    start(vertx, new JsonObject());

    HttpResponse<Buffer> response = gw.post(route, body);

    assertThat(response.statusCode()).as(what).isEqualTo(400);
    JsonObject error = envelopeError(response);
    assertThat(error.getInteger("status")).isEqualTo(400);
    assertThat(error.getInteger("code")).as(what).isEqualTo(code);
    assertThat(response.getHeader("X-Request-Id")).isNotBlank();
    assertThat(gw.sim().stats().checkRequests()).isZero();
  }

  // ---- 401 ------------------------------------------------------------------------------------------------

  @Test
  @DisplayName("a missing, wrong or non-Bearer client key is answered 401/2004 without calling Linq")
  void clientKeyRequired(Vertx vertx) {
    start(vertx, new JsonObject());

    List<HttpResponse<Buffer>> responses = List.of(
        gw.check(IMESSAGE_ROUTE, PHONE, "Authorization", null),
        gw.check(IMESSAGE_ROUTE, PHONE, "Authorization", "Bearer nope"),
        gw.check(IMESSAGE_ROUTE, PHONE, "Authorization", "Basic a2V5LWE="),
        gw.check(RCS_ROUTE, PHONE, "Authorization", "Bearer " + gw.sim().apiKey()));
    for (HttpResponse<Buffer> response : responses) {
      assertThat(response.statusCode()).isEqualTo(401);
      assertThat(envelopeError(response).getInteger("code")).isEqualTo(2004);
    }
    assertThat(gw.sim().stats().checkRequests()).isZero();
    // the second configured key works too
    assertThat(gw.check(IMESSAGE_ROUTE, PHONE, "Authorization", "Bearer " + GatewayHarness.KEY_B).statusCode())
        .isEqualTo(200);
  }

  // ---- Linq 4xx -------------------------------------------------------------------------------------------

  @Test
  @DisplayName("a from that is not one of the account's lines is Linq's 403/2006, passed through")
  void foreignFromIsLinqs403(Vertx vertx) {
    start(vertx, new JsonObject());
    String foreign = "+12025550999";
    assertThat(gw.sim().lines()).doesNotContain(foreign);

    HttpResponse<Buffer> response = gw.post(IMESSAGE_ROUTE,
        new JsonObject().put("address", PHONE).put("from", foreign).encode());

    assertThat(response.statusCode()).isEqualTo(403);
    assertThat(envelopeError(response).getInteger("code")).isEqualTo(2006);
    assertThat(gw.sim().stats().checkRequests()).isEqualTo(1);
    HttpResponse<Buffer> own = gw.post(IMESSAGE_ROUTE,
        new JsonObject().put("address", PHONE).put("from", gw.sim().lines().get(1)).encode());
    assertThat(own.statusCode()).isEqualTo(200);
  }

  // ---- Linq rejects the gateway's key ---------------------------------------------------------------------

  @Test
  @DisplayName("when Linq rejects the gateway's key checks get 502 with Linq's code and /health is 503 until the key works again")
  void rejectedLinqKeyIs502AndHealthRecovers(Vertx vertx) {
    start(vertx, new JsonObject());
    String original = gw.sim().apiKey();
    // the startup probe has been answered with the good key
    until("the startup probe", () -> gw.sim().stats().phoneNumbersRequests() >= 1);
    assertThat(gw.get("/health").statusCode()).isEqualTo(200);

    gw.sim().apiKey("rotated");
    HttpResponse<Buffer> rejected = gw.check(IMESSAGE_ROUTE, PHONE);

    assertThat(rejected.statusCode()).isEqualTo(502);
    assertThat(envelopeError(rejected).getInteger("code")).isEqualTo(2004);
    assertThat(rejected.getHeader("x-should-retry")).isEqualTo("false");
    HttpResponse<Buffer> health = gw.get("/health");
    assertThat(health.statusCode()).isEqualTo(503);
    assertThat(checkStatus(health.bodyAsJsonObject(), "linq-credentials")).isEqualTo("DOWN");
    assertThat(checkStatus(health.bodyAsJsonObject(), "engine")).isEqualTo("UP");
    // while rejected, checks fail at once without calling Linq
    long before = gw.sim().stats().checkRequests();
    assertThat(gw.check(IMESSAGE_ROUTE, "+12025550145").statusCode()).isEqualTo(502);
    assertThat(gw.sim().stats().checkRequests()).isEqualTo(before);

    gw.sim().apiKey(original);
    until("a recovery probe succeeds: /health back to 200", () -> gw.get("/health").statusCode() == 200);
    HttpResponse<Buffer> again = gw.check(IMESSAGE_ROUTE, PHONE);
    assertThat(again.statusCode()).isEqualTo(200);
  }

  private static String checkStatus(JsonObject health, String id) {
    JsonArray checks = health.getJsonArray("checks");
    for (Object check : checks) {
      JsonObject json = (JsonObject) check;
      if (id.equals(json.getString("id"))) {
        return json.getString("status");
      }
    }
    throw new AssertionError("no check " + id + " in " + health);
  }

  // ---- 429 ------------------------------------------------------------------------------------------------

  @Test
  @DisplayName("a 429 whose pause outlasts the deadline is answered 429/1007 at once with the pause as retry_after, a check admitted inside it is refused at admission, and nothing reaches Linq inside the pause")
  void rateLimitedBeyondDeadline(Vertx vertx) {
    start(vertx, new JsonObject());
    gw.sim().failNext(Fault.rateLimited(60), 1);

    // Deadlines well inside the pause, and long enough for a first exchange on a busy machine.
    HttpResponse<Buffer> first = gw.check(IMESSAGE_ROUTE, PHONE, "X-Request-Timeout-Ms", "20000");

    assertThat(first.statusCode()).isEqualTo(429);
    JsonObject error = envelopeError(first);
    assertThat(error.getInteger("code")).isEqualTo(1007);
    assertThat(error.getInteger("retry_after")).as("the whole pause: answered when the 429 came, not at the deadline")
        .isEqualTo(60);
    assertThat(first.getHeader("Retry-After")).isEqualTo("60");

    HttpResponse<Buffer> second = gw.check(IMESSAGE_ROUTE, "+12025550146", "X-Request-Timeout-Ms", "20000");
    assertThat(second.statusCode()).isEqualTo(429);
    JsonObject secondError = envelopeError(second);
    assertThat(secondError.getInteger("code")).isEqualTo(1007);
    assertThat(secondError.getInteger("retry_after")).as("what is left of the pause").isBetween(1, 60);
    assertThat(second.getHeader("Retry-After")).isEqualTo(String.valueOf(secondError.getInteger("retry_after")));

    assertThat(gw.metric("gateway_deadline_expiries_total{status=\"429\"}")).as("the first, inside the pause").isEqualTo(1);
    assertThat(gw.metric("gateway_shed_total{code=\"1007\",status=\"429\"}")).as("the second, at admission").isEqualTo(1);
    assertThat(gw.sim().stats().checkRequests()).isEqualTo(1);
    assertThat(gw.sim().stats().requestsInsidePause()).isZero();
  }

  // ---- 503 ------------------------------------------------------------------------------------------------

  @Test
  @DisplayName("an RCS sender-line fault is 503 with Linq's code and Retry-After, never a cached 'no'")
  void rcsSenderLineFault(Vertx vertx) {
    start(vertx, new JsonObject());
    gw.sim().failNext(Fault.rcsLineFault(Fault.RCS_LINE_NOT_PROVISIONED), 1);

    HttpResponse<Buffer> response = gw.check(RCS_ROUTE, PHONE);

    assertThat(response.statusCode()).isEqualTo(503);
    assertThat(envelopeError(response).getInteger("code")).isEqualTo(4009);
    assertThat(response.getHeader("Retry-After")).isNotNull();
    assertThat(Integer.parseInt(response.getHeader("Retry-After"))).isPositive();
    HttpResponse<Buffer> next = gw.check(RCS_ROUTE, PHONE);
    assertThat(next.statusCode()).isEqualTo(200);
    assertThat(next.bodyAsJsonObject().getBoolean("available"))
        .isEqualTo(LinqSimulator.expectedAvailable("RCS", PHONE, SIM_AVAILABLE_PERCENT));
  }

  @Test
  @DisplayName("with the queue full a further check is refused 503/9001 with Retry-After at once, while the accepted ones wait")
  void queueFullIsShedAtOnce(Vertx vertx) {
    start(vertx, new JsonObject().put("LINQ_MAX_CONCURRENCY", 1).put("GATEWAY_MAX_QUEUE", 1));
    gw.sim().hold(); // the check in flight stays there: the queue cannot drain

    List<Future<HttpResponse<Buffer>>> sent = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      sent.add(gw.checkAsync(IMESSAGE_ROUTE, "+1202555016" + i));
    }
    await(Future.any(sent)); // only a refusal at admission can be answered while Linq holds the one in flight
    List<HttpResponse<Buffer>> answered = sent.stream().filter(Future::isComplete).map(Future::result).toList();
    assertThat(answered).hasSize(1);
    HttpResponse<Buffer> shed = answered.get(0);
    assertThat(shed.statusCode()).isEqualTo(503);
    assertThat(envelopeError(shed).getInteger("code")).isEqualTo(9001);
    assertThat(shed.getHeader("Retry-After")).isEqualTo("1");
    JsonObject engine = gw.engineStatus();
    assertThat(engine.getInteger("inFlight")).isEqualTo(1);
    assertThat(engine.getInteger("queued")).isEqualTo(1);

    await(gw.sim().releaseAll());
    List<Integer> statuses = sent.stream().map(f -> await(f).statusCode()).toList();
    assertThat(statuses).containsExactlyInAnyOrder(503, 200, 200);
    assertThat(gw.sim().stats().checkRequests()).as("the shed check never reached Linq").isEqualTo(2);
  }

  // ---- 502 / 504 ------------------------------------------------------------------------------------------

  static Stream<Arguments> transientFaults() {
    return Stream.of(Arguments.of("500", Fault.error500()), Arguments.of("reset", Fault.reset()),
        Arguments.of("garbage", Fault.garbage()));
  }

  @ParameterizedTest(name = "{0} once")
  @MethodSource("transientFaults")
  @DisplayName("one transient Linq fault is retried and the caller still gets the 200 answer")
  void transientFaultIsRetried(String what, Fault fault, Vertx vertx) {
    start(vertx, new JsonObject());
    gw.sim().failNext(fault, 1);

    HttpResponse<Buffer> response = gw.check(IMESSAGE_ROUTE, PHONE);

    assertThat(response.statusCode()).as(what).isEqualTo(200);
    assertThat(response.bodyAsJsonObject().getBoolean("available"))
        .isEqualTo(LinqSimulator.expectedAvailable("iMessage", PHONE, SIM_AVAILABLE_PERCENT));
    assertThat(gw.sim().stats().checkRequests()).isEqualTo(2);
  }

  @ParameterizedTest(name = "{0} every time")
  @MethodSource("transientFaults")
  @DisplayName("a Linq that keeps failing is 502/9003 with x-should-retry: false after the retries")
  void persistentFaultIs502(String what, Fault fault, Vertx vertx) {
    start(vertx, new JsonObject().put("LINQ_MAX_ATTEMPTS", 3));
    gw.sim().failNext(fault, 5);

    HttpResponse<Buffer> response = gw.check(IMESSAGE_ROUTE, PHONE);

    assertThat(response.statusCode()).as(what).isEqualTo(502);
    assertThat(envelopeError(response).getInteger("code")).isEqualTo(9003);
    assertThat(response.getHeader("x-should-retry")).isEqualTo("false");
    assertThat(gw.sim().stats().checkRequests()).isEqualTo(gw.config().maxAttempts());
  }

  @Test
  @DisplayName("a silent Linq is 504/9004 at the caller's X-Request-Timeout-Ms, with x-should-retry: false")
  void silentLinqIs504AtDeadline(Vertx vertx) {
    start(vertx, new JsonObject());
    gw.sim().failNext(Fault.hang(), 3);

    long t0 = System.nanoTime();
    HttpResponse<Buffer> response = gw.check(IMESSAGE_ROUTE, PHONE, "X-Request-Timeout-Ms", "400");
    long elapsed = millisSince(t0);

    assertThat(response.statusCode()).isEqualTo(504);
    assertThat(envelopeError(response).getInteger("code")).isEqualTo(9004);
    assertThat(response.getHeader("x-should-retry")).isEqualTo("false");
    assertThat(elapsed).as("not before the deadline").isGreaterThanOrEqualTo(400);
  }

  @Test
  @DisplayName("the SDKs' X-Stainless-Timeout (seconds) bounds the deadline when X-Request-Timeout-Ms is absent")
  void stainlessTimeoutBoundsDeadline(Vertx vertx) {
    // A default deadline beyond any wait of this test: only the SDK's header can end the check.
    start(vertx, new JsonObject().put("GATEWAY_DEFAULT_TIMEOUT_MS", 600_000));
    gw.sim().failNext(Fault.hang(), 3);

    long t0 = System.nanoTime();
    HttpResponse<Buffer> response = gw.check(IMESSAGE_ROUTE, PHONE, "X-Stainless-Timeout", "1");
    long elapsed = millisSince(t0);

    assertThat(response.statusCode()).isEqualTo(504);
    assertThat(envelopeError(response).getInteger("code")).isEqualTo(9004);
    assertThat(elapsed).as("the SDK's 1 s less the 0.5 s margin, not less").isGreaterThanOrEqualTo(500);
  }

  // ---- 508 ------------------------------------------------------------------------------------------------

  @Test
  @DisplayName("a gateway configured to call itself answers 508/9005 instead of looping or retrying")
  void requestLoopIs508(Vertx vertx) {
    int port = Ports.free();
    start(vertx, new JsonObject().put("GATEWAY_HTTP_PORT", port)
        .put("LINQ_API_V3_BASE_URL", "http://127.0.0.1:" + port + "/api/partner")
        .put("GATEWAY_AUTH_DISABLED", true));

    HttpResponse<Buffer> response = gw.check(IMESSAGE_ROUTE, PHONE);

    assertThat(response.statusCode()).isEqualTo(508);
    assertThat(envelopeError(response).getInteger("code")).isEqualTo(9005);
    assertThat(response.getHeader("x-should-retry")).isEqualTo("false");
    assertThat(gw.metric("linq_requests_total{outcome=\"4xx\"}")).as("one exchange: the 508").isEqualTo(1);
    assertThat(gw.metric("linq_requests_total{outcome=\"5xx\"}")).as("no retry").isZero();
  }

  // ---- 413 / 431 / 404 / 405 ------------------------------------------------------------------------------

  @Test
  @DisplayName("a body over 16 KiB is 413 with envelope code 9006, and costs no upstream request")
  void oversizedBody(Vertx vertx) {
    start(vertx, new JsonObject());
    String body = new JsonObject().put("address", PHONE).put("padding", "x".repeat(17 * 1024)).encode();

    HttpResponse<Buffer> response = gw.post(IMESSAGE_ROUTE, body);

    assertThat(response.statusCode()).isEqualTo(413);
    assertThat(envelopeError(response).getInteger("code")).isEqualTo(9006);
    assertThat(gw.sim().stats().checkRequests()).isZero();
  }

  @Test
  @DisplayName("headers over 8 KiB are 431 with envelope code 9006, not a bare 431")
  void oversizedHeaders(Vertx vertx) {
    start(vertx, new JsonObject());

    HttpResponse<Buffer> response = gw.check(IMESSAGE_ROUTE, PHONE, "X-Padding", "y".repeat(9 * 1024));

    assertThat(response.statusCode()).isEqualTo(431);
    assertThat(envelopeError(response).getInteger("code")).isEqualTo(9006);
    assertThat(gw.sim().stats().checkRequests()).isZero();
  }

  @Test
  @DisplayName("an unknown path is 404 and a GET on the check route is 405, both with the envelope")
  void unknownPathAndWrongMethod(Vertx vertx) {
    start(vertx, new JsonObject());

    HttpResponse<Buffer> notFound = gw.get("/api/partner/v3/capability/check_sms",
        "Authorization", "Bearer " + GatewayHarness.KEY_A);
    HttpResponse<Buffer> wrongMethod = gw.get(IMESSAGE_ROUTE, "Authorization", "Bearer " + GatewayHarness.KEY_A);

    assertThat(notFound.statusCode()).isEqualTo(404);
    assertThat(envelopeError(notFound).getInteger("status")).isEqualTo(404);
    assertThat(wrongMethod.statusCode()).isEqualTo(405);
    assertThat(envelopeError(wrongMethod).getInteger("status")).isEqualTo(405);
    assertThat(gw.sim().stats().checkRequests()).isZero();
  }

  // ---- health ---------------------------------------------------------------------------------------------

  @Test
  @DisplayName("/health/live and /health/ready answer 200 without any client key")
  void healthNeedsNoKey(Vertx vertx) {
    start(vertx, new JsonObject());

    assertThat(gw.get("/health/live").statusCode()).isEqualTo(200);
    assertThat(gw.get("/health/ready").statusCode()).isEqualTo(200);
    until("the startup probe succeeds: /health 200", () -> gw.get("/health").statusCode() == 200);
    assertThat(await(gw.web().get("/health/ready").send()).bodyAsJsonObject().getString("status")).isEqualTo("UP");
  }

  /** The SDKs send whole seconds: a per-request timeout under a second arrives as 0, and must still be served. */
  @Test
  @DisplayName("X-Stainless-Timeout: 0 (an SDK timeout under a second) is a short deadline, not a bad request")
  void stainlessTimeoutUnderASecond(Vertx vertx) {
    start(vertx, new JsonObject());

    HttpResponse<Buffer> response = gw.check(IMESSAGE_ROUTE, PHONE, "X-Stainless-Timeout", "0");

    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(200);
    assertThat(response.getHeader("X-Cache")).isEqualTo("miss");
  }
}
