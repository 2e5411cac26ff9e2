package com.linqapp.gateway.engine;

import static com.linqapp.gateway.support.Await.await;
import static com.linqapp.gateway.support.Await.until;
import static com.linqapp.gateway.support.GatewayHarness.IMESSAGE_ROUTE;
import static com.linqapp.gateway.support.GatewayHarness.KEY_A;
import static com.linqapp.gateway.support.GatewayHarness.KEY_B;
import static com.linqapp.gateway.support.GatewayHarness.addresses;
import static com.linqapp.gateway.support.GatewayHarness.checkWith;
import static com.linqapp.gateway.support.GatewayHarness.envelopeError;
import static org.assertj.core.api.Assertions.assertThat;

import com.linqapp.gateway.support.GatewayTestBase;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Sharing Linq's limit between clients, over HTTP with each client's own key: a bulk flood does not hold up
 * another client's interactive checks, and a client's daily budget stops its upstream checks but not its cache hits.
 */
class PrioritiesAndBudgetsTest extends GatewayTestBase {

  @Test
  @DisplayName("team-b's interactive checks sent during team-a's bulk flood go to Linq next, ahead of the bulk checks queued before them, but for every fifth send, which bulk keeps")
  void bulkFloodDoesNotDelayAnotherClientsInteractiveChecks(Vertx vertx) {
    // One check at Linq at a time, answered when the test says: the order of sends is the queue's order.
    start(vertx, new JsonObject().put("LINQ_MAX_CONCURRENCY", 1));
    gw.sim().hold();
    List<String> bulkAddresses = addresses(20, "+1202561");
    List<String> interactiveAddresses = addresses(8, "+1202562");
    WebClient teamA = gw.wideClient(bulkAddresses.size());
    WebClient teamB = gw.wideClient(interactiveAddresses.size());

    List<Future<HttpResponse<Buffer>>> bulk = new ArrayList<>();
    for (String address : bulkAddresses) {
      bulk.add(checkWith(teamA, KEY_A, IMESSAGE_ROUTE, address, "X-Priority", "bulk"));
    }
    until("team-a's flood queued behind the check at Linq", () -> gw.engineStatus().getInteger("queued") == 19
        && gw.sim().held().size() == 1);
    List<Future<HttpResponse<Buffer>>> interactive = new ArrayList<>();
    for (String address : interactiveAddresses) {
      interactive.add(checkWith(teamB, KEY_B, IMESSAGE_ROUTE, address));
    }
    until("team-b's checks queued too", () -> gw.engineStatus().getInteger("queued") == 27);

    List<String> sent = new ArrayList<>(gw.sim().held());
    while (sent.size() < 28) {
      await(gw.sim().release(1)); // Linq answers; the gateway sends the next check, held in its turn
      until("the next send reaches Linq", () -> gw.sim().held().size() == 1);
      sent.addAll(gw.sim().held());
    }
    await(gw.sim().releaseAll());

    String lanes = sent.stream().map(address -> interactiveAddresses.contains(address) ? "I" : "B")
        .reduce("", String::concat);
    assertThat(lanes).as("lanes in the order sent (%s)", sent).isEqualTo("B" + "IIIIB" + "IIII" + "B".repeat(18));
    assertThat(sent).as("each check sent once").doesNotHaveDuplicates()
        .containsExactlyInAnyOrderElementsOf(concat(bulkAddresses, interactiveAddresses));
    for (Future<HttpResponse<Buffer>> response : interactive) {
      assertThat(await(response).statusCode()).isEqualTo(200);
      assertThat(await(response).getHeader("X-Cache")).isEqualTo("miss");
    }
    for (Future<HttpResponse<Buffer>> response : bulk) {
      assertThat(await(response).statusCode()).as(await(response).bodyAsString()).isEqualTo(200);
    }
    assertThat(gw.sim().stats().checkRequests()).isEqualTo(28);
  }

  private static List<String> concat(List<String> first, List<String> second) {
    List<String> all = new ArrayList<>(first);
    all.addAll(second);
    return all;
  }

  @Test
  @DisplayName("team-a's daily budget of 3 refuses its 4th distinct check with 429/9007 until midnight UTC, while its cache hits and team-b still answer")
  void dailyBudgetStopsUpstreamChecksButNotCacheHits(Vertx vertx) {
    start(vertx, new JsonObject().put("GATEWAY_CLIENT_DAILY_BUDGETS", "team-a=3"));
    WebClient client = gw.wideClient(2);
    List<String> addresses = addresses(4, "+1202563");

    for (int i = 0; i < 3; i++) {
      HttpResponse<Buffer> allowed = await(checkWith(client, KEY_A, IMESSAGE_ROUTE, addresses.get(i)));
      assertThat(allowed.statusCode()).isEqualTo(200);
      assertThat(allowed.getHeader("X-Cache")).isEqualTo("miss");
    }

    String fourth = addresses.get(3);
    HttpResponse<Buffer> refused = await(checkWith(client, KEY_A, IMESSAGE_ROUTE, fourth));
    assertThat(refused.statusCode()).isEqualTo(429);
    JsonObject error = envelopeError(refused);
    assertThat(error.getInteger("code")).isEqualTo(9007);
    assertThat(error.getInteger("retry_after")).as("seconds from noon to midnight UTC").isEqualTo(12 * 3600);
    assertThat(refused.getHeader("Retry-After")).isEqualTo(String.valueOf(12 * 3600));
    assertThat(gw.sim().stats().requestsFor(fourth)).as("Linq calls for the refused check").isZero();

    HttpResponse<Buffer> hit = await(checkWith(client, KEY_A, IMESSAGE_ROUTE, addresses.get(0)));
    assertThat(hit.statusCode()).isEqualTo(200);
    assertThat(hit.getHeader("X-Cache")).isEqualTo("hit");

    HttpResponse<Buffer> otherClient = await(checkWith(client, KEY_B, IMESSAGE_ROUTE, fourth));
    assertThat(otherClient.statusCode()).isEqualTo(200);
    assertThat(gw.sim().stats().checkRequests()).isEqualTo(4);

    wallClock.addAndGet(12 * 3_600_000L); // midnight UTC: a new day's budget
    HttpResponse<Buffer> nextDay = await(checkWith(client, KEY_A, IMESSAGE_ROUTE, "+12025639999"));
    assertThat(nextDay.statusCode()).as(nextDay.bodyAsString()).isEqualTo(200);
    assertThat(nextDay.getHeader("X-Cache")).isEqualTo("miss");
  }
}
