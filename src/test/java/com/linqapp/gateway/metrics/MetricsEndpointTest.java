package com.linqapp.gateway.metrics;

import static com.linqapp.gateway.support.Await.until;
import static com.linqapp.gateway.support.GatewayHarness.IMESSAGE_ROUTE;
import static org.assertj.core.api.Assertions.assertThat;

import com.linqapp.gateway.sim.Fault;
import com.linqapp.gateway.support.GatewayHarness;
import com.linqapp.gateway.support.GatewayTestBase;
import io.vertx.core.Vertx;
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
    assertThat(value(text, "linq_pacing_rate_per_second")).isEqualTo(20.0);
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
