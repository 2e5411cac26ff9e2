package com.linqapp.gateway.sim;

import static com.linqapp.gateway.support.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Wire format of answers and errors. */
class SimulatorApiTest extends SimulatorHttpTestBase {

  @Test
  void answerHasExactlyAddressAndAvailable(Vertx vertx) {
    start(vertx, new SimulatorOptions());
    assertThat(sim.baseUrl()).isEqualTo("http://127.0.0.1:" + sim.port() + "/api/partner");
    HttpResponse<Buffer> resp = imessage("+12025550123");
    assertThat(resp.statusCode()).isEqualTo(200);
    assertThat(resp.getHeader("Content-Type")).isEqualTo("application/json");
    JsonObject body = resp.bodyAsJsonObject();
    assertThat(body.fieldNames()).containsExactlyInAnyOrder("address", "available");
    assertThat(body.getString("address")).isEqualTo("+12025550123");
    assertThat(body.getBoolean("available"))
        .isEqualTo(LinqSimulator.expectedAvailable("iMessage", "+12025550123", 70));
  }

  @Test
  void answersAreDeterministicPerServiceAndAddress(Vertx vertx) {
    start(vertx, new SimulatorOptions());
    int trues = 0;
    for (int i = 0; i < 20; i++) {
      String phone = "+1415555" + String.format("%04d", i);
      boolean im = imessage(phone).bodyAsJsonObject().getBoolean("available");
      boolean rc = rcs(phone).bodyAsJsonObject().getBoolean("available");
      assertThat(im).isEqualTo(Availability.expectedAvailable("iMessage", phone, 70));
      assertThat(rc).isEqualTo(Availability.expectedAvailable("RCS", phone, 70));
      assertThat(imessage(phone).bodyAsJsonObject().getBoolean("available")).isEqualTo(im);
      trues += im ? 1 : 0;
    }
    assertThat(trues).isBetween(1, 19);
    assertThat(imessage("someone@example.com").bodyAsJsonObject().getBoolean("available"))
        .isEqualTo(Availability.expectedAvailable("iMessage", "someone@example.com", 70));
  }

  @Test
  void availablePercentAndExtendedFields(Vertx vertx) {
    start(vertx, new SimulatorOptions().setExtendedFields(true).setAvailablePercent(100));
    JsonObject yes = rcs("+12025550123").bodyAsJsonObject();
    assertThat(yes.fieldNames()).containsExactlyInAnyOrder("address", "available", "reason", "selected_service");
    assertThat(yes.getString("reason")).isEqualTo("registered");
    assertThat(yes.getString("selected_service")).isEqualTo("RCS");
    sim.availablePercent(0);
    JsonObject no = imessage("+12025550123").bodyAsJsonObject();
    assertThat(no.getBoolean("available")).isFalse();
    assertThat(no.getString("reason")).isEqualTo("not_registered");
    assertThat(no.getString("selected_service")).isEqualTo("SMS");
    sim.extendedFields(false);
    assertThat(imessage("+12025550123").bodyAsJsonObject().fieldNames())
        .containsExactlyInAnyOrder("address", "available");
  }

  @Test
  void validationErrors(Vertx vertx) {
    start(vertx, new SimulatorOptions());
    String auth = "Bearer " + KEY;
    assertThat(assertError(post("check_imessage", auth, Buffer.buffer("not json")), 400, 1003)
        .getString("message")).isEqualTo("Invalid JSON body");
    assertError(post("check_imessage", auth, Buffer.buffer("[1,2]")), 400, 1003);
    assertError(post("check_imessage", auth, Buffer.buffer()), 400, 1003);
    assertThat(assertError(post("check_imessage", auth, Buffer.buffer("{}")), 400, 1001).getString("message"))
        .isEqualTo("address is required");
    assertError(post("check_rcs", auth, Buffer.buffer("{\"address\":5}")), 400, 1001);
    assertThat(assertError(imessage("2025550123"), 400, 1002).getString("message"))
        .isEqualTo("Phone number must be in E.164 format");
    assertError(imessage("not-an-email@"), 400, 1002);
    assertError(rcs("someone@example.com"), 400, 1002);
    assertThat(sim.stats().clientError4xx()).isEqualTo(8);
    assertThat(sim.stats().checkRequests()).isEqualTo(8);
    assertThat(sim.stats().distinctAddresses()).isZero();
  }

  @Test
  void unknownFromIsForbidden(Vertx vertx) {
    start(vertx, new SimulatorOptions());
    JsonObject ok = new JsonObject().put("address", "+12025550123").put("from", LINE2);
    assertThat(await(checkAsync("check_rcs", ok)).statusCode()).isEqualTo(200);
    JsonObject bad = new JsonObject().put("address", "+12025550123").put("from", "+19995550000");
    assertThat(assertError(await(checkAsync("check_imessage", bad)), 403, 2006).getString("message"))
        .isEqualTo("from number does not belong to this account");
  }

  @Test
  void authenticationAndKeyRotation(Vertx vertx) {
    start(vertx, new SimulatorOptions());
    JsonObject error = assertError(post("check_imessage", "Bearer wrong", Buffer.buffer("{}")), 401, 2004);
    assertThat(error.getString("message")).isEqualTo("Unauthorized - missing or invalid authentication token");
    assertError(post("check_imessage", null, Buffer.buffer("{}")), 401, 2004);
    assertError(phoneNumbers("wrong"), 401, 2004);

    sim.apiKey("rotated");
    assertError(imessage("+12025550123"), 401, 2004);
    assertThat(post("check_imessage", "Bearer rotated", Buffer.buffer("{\"address\":\"+12025550123\"}"))
        .statusCode()).isEqualTo(200);
    sim.apiKey(KEY);
    assertThat(imessage("+12025550123").statusCode()).isEqualTo(200);
  }

  @Test
  void forbiddenModeOnEveryRoute(Vertx vertx) {
    start(vertx, new SimulatorOptions().setForbidden(true));
    JsonObject error = assertError(imessage("+12025550123"), 403, 2005);
    assertThat(error.getString("message")).isEqualTo("Access denied - insufficient permissions for this resource");
    assertError(rcs("+12025550123"), 403, 2005);
    assertError(phoneNumbers(KEY), 403, 2005);
    sim.forbidden(false);
    assertThat(imessage("+12025550123").statusCode()).isEqualTo(200);
  }

  @Test
  void phoneNumbersListsTheLines(Vertx vertx) {
    start(vertx, new SimulatorOptions());
    HttpResponse<Buffer> resp = phoneNumbers(KEY);
    assertThat(resp.statusCode()).isEqualTo(200);
    JsonArray numbers = resp.bodyAsJsonObject().getJsonArray("phone_numbers");
    assertThat(numbers).hasSize(3);
    for (int i = 0; i < 3; i++) {
      JsonObject n = numbers.getJsonObject(i);
      assertThat(n.fieldNames()).containsExactlyInAnyOrder("id", "phone_number");
      assertThat(n.getString("phone_number")).isEqualTo(SimulatorOptions.DEFAULT_LINES.get(i));
      assertThat(UUID.fromString(n.getString("id"))).isNotNull();
    }
    assertThat(sim.stats().phoneNumbersRequests()).isEqualTo(1);
    assertThat(sim.stats().checkRequests()).isZero();
  }
}
