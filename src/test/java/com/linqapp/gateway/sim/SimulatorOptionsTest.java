package com.linqapp.gateway.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

class SimulatorOptionsTest {

  @Test
  void defaults() {
    SimulatorOptions o = new SimulatorOptions();
    assertThat(o.getHost()).isEqualTo("127.0.0.1");
    assertThat(o.getPort()).isZero();
    assertThat(o.getApiKey()).isEqualTo("sim-key");
    assertThat(o.getLines()).containsExactly("+12025550101", "+12025550102", "+12025550103");
    assertThat(o.getRateLimitMode()).isEqualTo(RateLimitMode.NONE);
    assertThat(o.getRateLimitScope()).isEqualTo(RateLimitScope.ACCOUNT);
    assertThat(o.getWindowMillis()).isEqualTo(5000);
    assertThat(o.getWindowLimit()).isEqualTo(200);
    assertThat(o.getAvailablePercent()).isEqualTo(70);
    assertThat(o.isExtendedFields()).isFalse();
  }

  @Test
  void jsonRoundTripAndCopy() {
    SimulatorOptions o = new SimulatorOptions()
        .setPort(8089)
        .setApiKey("k")
        .setLines(List.of("+14155550000"))
        .setRateLimitMode(RateLimitMode.FIXED_WINDOW)
        .setRatePerSecond(2.5)
        .setBurst(4)
        .setWindowMillis(1000)
        .setWindowLimit(7)
        .setRateLimitScope(RateLimitScope.LINE)
        .setLatencyMillis(3)
        .setJitterMillis(4)
        .setErrorRate(0.1)
        .setResetRate(0.2)
        .setGarbageRate(0.05)
        .setHangRate(0.01)
        .setSlowRate(0.02)
        .setRcsLineFaultRate(0.03)
        .setSlowByteDelayMillis(7)
        .setSeed(99)
        .setAvailablePercent(40)
        .setExtendedFields(true)
        .setForbidden(true);
    JsonObject json = o.toJson();
    assertThat(json.getString("rateLimitMode")).isEqualTo("fixed-window");
    assertThat(json.getString("rateLimitScope")).isEqualTo("line");
    assertThat(new SimulatorOptions(json).toJson()).isEqualTo(json);
    assertThat(new SimulatorOptions(o).toJson()).isEqualTo(json);
    assertThat(new SimulatorOptions(new JsonObject()).toJson()).isEqualTo(new SimulatorOptions().toJson());
  }

  @Test
  void parsesWireNames() {
    SimulatorOptions o = new SimulatorOptions(new JsonObject().put("rateLimitMode", "token-bucket")
        .put("rateLimitScope", "account"));
    assertThat(o.getRateLimitMode()).isEqualTo(RateLimitMode.TOKEN_BUCKET);
  }

  @Test
  void validates() {
    SimulatorOptions o = new SimulatorOptions();
    assertThatThrownBy(() -> o.setErrorRate(1.5)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> o.setLines(List.of("555-1234"))).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> o.setAvailablePercent(101)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> RateLimitMode.parse("leaky")).isInstanceOf(IllegalArgumentException.class);
  }
}
