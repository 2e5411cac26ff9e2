package com.linqapp.gateway.metrics;

import static com.linqapp.gateway.support.Await.until;
import static com.linqapp.gateway.support.GatewayHarness.IMESSAGE_ROUTE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.linqapp.gateway.support.Await;
import com.linqapp.gateway.sim.Fault;
import com.linqapp.gateway.support.GatewayHarness;
import com.linqapp.gateway.support.GatewayTestBase;
import io.vertx.core.Vertx;
import java.time.Duration;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** {@code GET /metrics} after real traffic: what a person on call needs, and nothing secret. */
class MetricsEndpointTest extends GatewayTestBase {

  @Test
  @DisplayName("/metrics shows upstream outcomes, cache results, pauses and client requests — without a key")
  void metricsAfterTraffic(Vertx vertx) {
    start(vertx);
    String before = gw.get("/metrics").bodyAsString();
    assertThat(value(before, "linq_pacing_state\\{state=\"unpaced\"\\}")).isEqualTo(1);
    assertThat(value(before, "linq_pacing_state\\{state=\"learning\"\\}")).isZero();
    assertThat(before).as("no rate sample while unpaced (no NaN)").doesNotContain("linq_pacing_rate");
    gw.check(IMESSAGE_ROUTE, "+15551234567");
    gw.check(IMESSAGE_ROUTE, "+15551234567");
    gw.sim().failNext(Fault.error500(), 1);
    gw.check(IMESSAGE_ROUTE, "+15551234568");
    gw.sim().failNext(Fault.rateLimited(1), 1);
    gw.check(IMESSAGE_ROUTE, "+15551234569");
    gw.check(IMESSAGE_ROUTE, "not-a-number");
    assertThat(gw.get("/api/partner/v3/capability/no_such_route").statusCode()).isEqualTo(404);
    // A client request is counted when its response has been written, which may be after the client read it.
    until("the 6 client requests counted", () -> clientRequests(gw.get("/metrics").bodyAsString()) == 6);

    HttpResponse<Buffer> response = gw.get("/metrics");
    assertThat(response.statusCode()).isEqualTo(200);
    String text = response.bodyAsString();
    assertThat(value(text, "linq_requests_total\\{outcome=\"answer\"\\}")).isEqualTo(3);
    assertThat(value(text, "linq_requests_total\\{outcome=\"5xx\"\\}")).isEqualTo(1);
    assertThat(value(text, "linq_requests_total\\{outcome=\"429\"\\}")).isEqualTo(1);
    assertThat(value(text, "linq_pauses_total")).isEqualTo(1);
    assertThat(value(text, "gateway_cache_total\\{result=\"hit\"\\}")).isEqualTo(1);
    assertThat(value(text, "gateway_cache_total\\{result=\"miss\"\\}")).isEqualTo(3);
    assertThat(text).contains("linq_request_duration_seconds_bucket", "gateway_queue_depth{lane=\"bulk\"}",
        "linq_in_flight");
    assertThat(value(text, "linq_pacing_state\\{state=\"learning\"\\}")).as("after Linq's 429").isEqualTo(1);
    assertThat(value(text, "linq_pacing_state\\{state=\"unpaced\"\\}")).isZero();
    assertThat(value(text, "linq_pacing_rate_per_second")).as("the learnt rate").isPositive();
    assertThat(text).containsPattern("gateway_client_requests_total\\{client=\"team-a\",route=\"" + IMESSAGE_ROUTE
        + "\",status=\"400\"\\} 1");
    assertThat(text).as("a path that is no route is labelled other, not by itself")
        .contains("route=\"other\"").doesNotContain("/api/partner/v3/capability/no_such_route");
    assertThat(text).as("no address, key or sender line in any label")
        .doesNotContain("5551234567", "5551234568", "not-a-number", GatewayHarness.KEY_A, "sim-key", "+1202555010");
  }

  @Test
  @DisplayName("a configured limit is reported as known, at its rate, before the first check")
  void knownLimitIsReported(Vertx vertx) {
    start(vertx, new JsonObject().put("LINQ_RATE_LIMIT_PER_SECOND", 20));
    String text = gw.get("/metrics").bodyAsString();
    assertThat(value(text, "linq_pacing_state\\{state=\"known\"\\}")).isEqualTo(1);
    assertThat(value(text, "linq_pacing_state\\{state=\"unpaced\"\\}")).isZero();
    assertThat(value(text, "linq_pacing_rate_per_second")).as("1% under the known limit").isCloseTo(19.8, within(1e-9));
  }

  @Test
  @DisplayName("what the dashboard reads: build, answer cache size and evictions, members, limits, budget left, latency by lane")
  void dashboardMetrics(Vertx vertx) {
    gw = GatewayHarness.start(vertx, new JsonObject().put("GATEWAY_CACHE_MAX_ENTRIES", 2)
        .put("GATEWAY_CLIENT_DAILY_BUDGETS", "team-a=10").put("GATEWAY_MAX_QUEUE", 321).put("LINQ_MAX_CONCURRENCY", 7));
    for (String address : GatewayHarness.addresses(4, "+1555123")) {
      assertThat(gw.check(IMESSAGE_ROUTE, address).statusCode()).isEqualTo(200);
    }
    assertThat(gw.check(IMESSAGE_ROUTE, "+15559870000", "X-Priority", "bulk").statusCode()).isEqualTo(200);
    assertThat(gw.check(IMESSAGE_ROUTE, "+15559870000").getHeader("X-Cache")).isEqualTo("hit");

    String text = gw.get("/metrics").bodyAsString();
    assertThat(text).containsPattern("(?m)^gateway_build_info\\{version=\"dev\"\\} 1");
    assertThat(value(text, "cache_size\\{cache=\"answers\"\\}")).as("bounded by GATEWAY_CACHE_MAX_ENTRIES").isEqualTo(2);
    assertThat(value(text, "cache_evictions_total\\{cache=\"answers\"\\}")).as("5 answers, room for 2").isEqualTo(3);
    assertThat(value(text, "gateway_members")).as("standalone").isEqualTo(1);
    assertThat(value(text, "gateway_queue_limit")).isEqualTo(321);
    assertThat(value(text, "linq_in_flight_limit")).isEqualTo(7);
    assertThat(value(text, "gateway_client_budget_limit\\{client=\"team-a\"\\}")).isEqualTo(10);
    assertThat(value(text, "gateway_client_budget_remaining\\{client=\"team-a\"\\}"))
        .as("five checks went to Linq; the hit cost nothing").isEqualTo(5);
    assertThat(text).as("team-b has no budget").doesNotContain("client=\"team-b\"");
    assertThat(value(text, "gateway_check_duration_seconds_count\\{lane=\"interactive\"\\}")).isEqualTo(4);
    assertThat(value(text, "gateway_check_duration_seconds_count\\{lane=\"bulk\"\\}")).isEqualTo(1);
    assertThat(text).contains("gateway_check_duration_seconds_bucket{lane=\"bulk\",le=");
  }

  @Test
  @DisplayName("credentials: accepted once Linq answers the startup probe, rejected once Linq refuses the key")
  void credentialsState(Vertx vertx) {
    gw = GatewayHarness.start(vertx, new JsonObject());
    Await.until("the startup probe answered", () ->
        value(gw.get("/metrics").bodyAsString(), "linq_credentials_state\\{state=\"accepted\"\\}") == 1);
    gw.sim().apiKey("another-key");
    assertThat(gw.check(IMESSAGE_ROUTE, "+15551234567").statusCode()).isEqualTo(502);
    String text = gw.get("/metrics").bodyAsString();
    assertThat(value(text, "linq_credentials_state\\{state=\"rejected\"\\}")).isEqualTo(1);
    assertThat(value(text, "linq_credentials_state\\{state=\"accepted\"\\}")).isZero();
    assertThat(value(text, "linq_credentials_state\\{state=\"unverified\"\\}")).isZero();
  }

  /** {@code gateway_client_requests_total} over every series but the scrapes' own. */
  private static double clientRequests(String text) {
    return text.lines().filter(line -> line.startsWith("gateway_client_requests_total{")
            && !line.contains("route=\"/metrics\""))
        .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1))).sum();
  }

  private static double value(String text, String series) {
    Matcher matcher = Pattern.compile("(?m)^" + series + " ([0-9.eE+-]+)$").matcher(text);
    assertThat(matcher.find()).as(series).isTrue();
    return Double.parseDouble(matcher.group(1));
  }
}
