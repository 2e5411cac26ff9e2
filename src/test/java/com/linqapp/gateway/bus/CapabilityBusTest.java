package com.linqapp.gateway.bus;

import static com.linqapp.gateway.support.Await.await;
import static com.linqapp.gateway.support.Await.awaitFailure;
import static com.linqapp.gateway.support.GatewayHarness.IMESSAGE_ROUTE;
import static com.linqapp.gateway.support.GatewayHarness.RCS_ROUTE;
import static org.assertj.core.api.Assertions.assertThat;

import com.linqapp.gateway.check.CheckException;
import com.linqapp.gateway.check.CheckResult;
import com.linqapp.gateway.check.Service;
import com.linqapp.gateway.sim.Fault;
import com.linqapp.gateway.sim.LinqSimulator;
import com.linqapp.gateway.support.GatewayHarness;
import com.linqapp.gateway.support.GatewayTestBase;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * {@code capability.check} as a foreign verticle uses it: plain {@link JsonObject} requests through
 * {@code vertx.eventBus().request}, replies and {@link ReplyException} failures as the contract states them.
 */
class CapabilityBusTest extends GatewayTestBase {

  private static final String PHONE = "+12025550143";

  private JsonObject request(JsonObject body) {
    Message<JsonObject> reply = await(gw.vertx().eventBus().<JsonObject>request(CapabilityBus.CHECK, body));
    return reply.body();
  }

  private ReplyException failure(Object body) {
    Throwable failure = awaitFailure(gw.vertx().eventBus().request(CapabilityBus.CHECK, body));
    assertThat(failure).isInstanceOf(ReplyException.class);
    return (ReplyException) failure;
  }

  private static JsonObject envelopeError(ReplyException failure) {
    JsonObject envelope = new JsonObject(failure.getMessage());
    assertThat(envelope.getBoolean("success")).isFalse();
    JsonObject error = envelope.getJsonObject("error");
    assertThat(error.getInteger("status")).isEqualTo(failure.failureCode());
    assertThat(error.getString("message")).isNotBlank();
    return error;
  }

  @Test
  @DisplayName("a raw JsonObject request is answered with exactly address, available, cached and age")
  void rawRequestReplyFields(Vertx vertx) {
    start(vertx);

    JsonObject reply = request(new JsonObject().put("service", "imessage").put("address", PHONE));
    JsonObject rcs = request(new JsonObject().put("service", "rcs").put("address", PHONE).put("timeout_ms", 20_000));

    assertThat(reply.fieldNames()).containsExactlyInAnyOrder("address", "available", "cached", "age");
    assertThat(reply.getString("address")).isEqualTo(PHONE);
    assertThat(reply.getBoolean("available")).isEqualTo(LinqSimulator.expectedAvailable("iMessage", PHONE, 70));
    assertThat(reply.getBoolean("cached")).isFalse();
    assertThat(reply.getLong("age")).isZero();
    assertThat(rcs.getBoolean("available")).isEqualTo(LinqSimulator.expectedAvailable("RCS", PHONE, 70));
  }

  @Test
  @DisplayName("service defaults to imessage, and Linq's reason and selected_service are in the reply when Linq sends them")
  void replyCarriesLinqOptionalFields(Vertx vertx) {
    start(vertx);
    gw.sim().extendedFields(true);

    JsonObject reply = request(new JsonObject().put("address", "someone@example.com"));

    assertThat(reply.fieldNames())
        .containsExactlyInAnyOrder("address", "available", "reason", "selected_service", "cached", "age");
    assertThat(gw.sim().stats().requestsFor("iMessage", "someone@example.com")).isEqualTo(1);
  }

  @Test
  @DisplayName("a bad address fails with failure code 400 and the 1002 envelope, a missing one with 1001, another bad field with 1005, a non-object body with 1003, all without calling Linq")
  void badRequestsFailWithEnvelope(Vertx vertx) {
    start(vertx);

    ReplyException badAddress = failure(new JsonObject().put("service", "imessage").put("address", "555-0143"));
    ReplyException rcsEmail = failure(new JsonObject().put("service", "rcs").put("address", "someone@example.com"));
    ReplyException missing = failure(new JsonObject().put("service", "imessage"));
    ReplyException notAString = failure(new JsonObject().put("address", 12025550143L));
    ReplyException notAnObject = failure("{\"address\":\"+12025550143\"}");
    List<ReplyException> badFields = List.of(
        failure(new JsonObject().put("service", "sms").put("address", "+12025550143")),
        failure(new JsonObject().put("address", "+12025550143").put("priority", 5)),
        failure(new JsonObject().put("address", "+12025550143").put("timeout_ms", "soon")),
        failure(new JsonObject().put("address", "+12025550143").put("max_age", -1)),
        failure(new JsonObject().put("address", "+12025550143").put("from", 12025550101L)));

    assertThat(badAddress.failureCode()).isEqualTo(400);
    assertThat(envelopeError(badAddress).getInteger("code")).isEqualTo(1002);
    assertThat(rcsEmail.failureCode()).isEqualTo(400);
    assertThat(envelopeError(rcsEmail).getInteger("code")).isEqualTo(1002);
    assertThat(missing.failureCode()).isEqualTo(400);
    assertThat(envelopeError(missing).getInteger("code")).isEqualTo(1001);
    assertThat(envelopeError(notAString).getInteger("code")).isEqualTo(1001);
    assertThat(notAnObject.failureCode()).isEqualTo(400);
    assertThat(envelopeError(notAnObject).getInteger("code")).isEqualTo(1003);
    badFields.forEach(bad -> {
      assertThat(bad.failureCode()).isEqualTo(400);
      assertThat(envelopeError(bad).getInteger("code")).as(bad.getMessage()).isEqualTo(1005);
    });
    assertThat(gw.sim().stats().checkRequests()).isZero();
  }

  @Test
  @DisplayName("a check that cannot be sent before its timeout_ms because of a 429 pause fails at once with failure code 429 and the pause as retry_after")
  void rateLimitedFailsWith429(Vertx vertx) {
    start(vertx);
    gw.sim().failNext(Fault.rateLimited(60), 1);

    ReplyException limited = failure(new JsonObject().put("address", PHONE).put("timeout_ms", 20_000));

    assertThat(limited.failureCode()).isEqualTo(429);
    JsonObject error = envelopeError(limited);
    assertThat(error.getInteger("code")).isEqualTo(1007);
    assertThat(error.getInteger("retry_after")).as("the whole pause: answered when the 429 came").isEqualTo(60);
    assertThat(gw.sim().stats().requestsInsidePause()).isZero();
  }

  @Test
  @DisplayName("the typed CapabilityClient gets the same answers as HTTP for the same addresses, and typed failures")
  void typedClientMatchesHttp(Vertx vertx) {
    start(vertx);
    CapabilityClient client = CapabilityClient.create(vertx, gw.config().defaultTimeoutMillis());
    List<String> addresses = List.of("+12025550170", "+12025550171", "+12025550172", "+447700900123", "+33612345678");

    for (String address : addresses) {
      for (Service service : Service.values()) {
        HttpResponse<Buffer> http = gw.check(service == Service.RCS ? RCS_ROUTE : IMESSAGE_ROUTE, address);
        CheckResult typed = await(client.check(CheckQuery.of(service, address)));
        assertThat(http.statusCode()).isEqualTo(200);
        assertThat(typed.answer().address()).isEqualTo(http.bodyAsJsonObject().getString("address"));
        assertThat(typed.answer().available()).as("%s %s", service, address)
            .isEqualTo(http.bodyAsJsonObject().getBoolean("available"));
        assertThat(typed.source()).as("the HTTP check filled the cache the bus reads").isEqualTo(CheckResult.Source.HIT);
      }
    }
    assertThat(gw.sim().stats().checkRequests()).as("one Linq call per service and address")
        .isEqualTo(addresses.size() * 2L);

    Throwable bad = awaitFailure(client.check(CheckQuery.of(Service.IMESSAGE, "not-an-address")));
    assertThat(bad).isInstanceOfSatisfying(CheckException.class, e -> {
      assertThat(e.status()).isEqualTo(400);
      assertThat(e.code()).isEqualTo(1002);
    });
    HttpResponse<Buffer> httpBad = gw.check(IMESSAGE_ROUTE, "not-an-address");
    assertThat(httpBad.statusCode()).isEqualTo(400);
    assertThat(GatewayHarness.envelopeError(httpBad).getInteger("code")).isEqualTo(1002);
  }
}
