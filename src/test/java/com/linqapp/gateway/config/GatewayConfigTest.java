package com.linqapp.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class GatewayConfigTest {

  private static GatewayConfig with(JsonObject overrides) {
    return GatewayConfig.from(ConfigLoader.builtInDefaults().mergeIn(overrides));
  }

  @Test
  @DisplayName("built-in defaults are valid and match the documented values")
  void defaults() {
    GatewayConfig config = with(new JsonObject());
    assertThat(config.httpPort()).isEqualTo(8080);
    assertThat(config.linqBaseUrl()).isEqualTo("https://api.linqapp.com/api/partner");
    assertThat(config.defaultTimeoutMillis()).isLessThan(60_000);
    assertThat(config.shutdownGraceSeconds()).isLessThan(10);
    assertThat(config.defaultRegion()).isNull();
    assertThat(config.requestTimeoutMillis()).isEqualTo(30_000);
    assertThat(config.logFormat()).isEqualTo("text");
  }

  @Test
  @DisplayName("environment-style strings are parsed like typed JSON values")
  void stringsParse() {
    GatewayConfig config = with(new JsonObject().put("GATEWAY_HTTP_PORT", "9090")
        .put("LINQ_RATE_LIMIT_PER_SECOND", "0.1").put("GATEWAY_SANDBOX", "true").put("GATEWAY_DEFAULT_REGION", "fr"));
    assertThat(config.httpPort()).isEqualTo(9090);
    assertThat(config.rateLimitPerSecond()).isEqualTo(0.1);
    assertThat(config.sandbox()).isTrue();
    assertThat(config.defaultRegion()).isEqualTo("FR");
  }

  @Test
  @DisplayName("a bad value names its setting")
  void badValuesNameTheSetting() {
    assertThatThrownBy(() -> with(new JsonObject().put("GATEWAY_HTTP_PORT", "eighty")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("GATEWAY_HTTP_PORT");
    assertThatThrownBy(() -> with(new JsonObject().put("LINQ_API_V3_BASE_URL", "ftp://x")))
        .hasMessageContaining("LINQ_API_V3_BASE_URL");
    assertThatThrownBy(() -> with(new JsonObject().put("GATEWAY_DEFAULT_REGION", "XX")))
        .hasMessageContaining("GATEWAY_DEFAULT_REGION");
    assertThatThrownBy(() -> with(new JsonObject().put("LINQ_RATE_LIMIT_SCOPE", "planet")))
        .hasMessageContaining("LINQ_RATE_LIMIT_SCOPE");
    assertThatThrownBy(() -> with(new JsonObject().put("GATEWAY_LOG_FORMAT", "xml")))
        .hasMessageContaining("GATEWAY_LOG_FORMAT");
  }

  @Test
  @DisplayName("GATEWAY_HTTP_PORT=0 is refused: one HTTP instance per core needs one known, shared port")
  void anyFreePortIsRefused() {
    assertThatThrownBy(() -> with(new JsonObject().put("GATEWAY_HTTP_PORT", 0)))
        .isInstanceOf(ConfigException.class).hasMessageContaining("GATEWAY_HTTP_PORT").hasMessageContaining("0 (any free port)");
    assertThatThrownBy(() -> with(new JsonObject().put("GATEWAY_HTTP_PORT", "0")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("GATEWAY_HTTP_PORT");
    assertThat(with(new JsonObject().put("GATEWAY_HTTP_PORT", 1)).httpPort()).isEqualTo(1);
  }

  @Test
  @DisplayName("client keys: name=key or bare keys named client-N; the key never prints")
  void clientKeys() {
    GatewayConfig config = with(new JsonObject().put("GATEWAY_API_KEYS", "crm=secret-1, s3cr3t-2"));
    assertThat(config.clientKeys()).extracting(ClientKey::name).containsExactly("crm", "client-2");
    assertThat(config.clientKeys().get(0).matches("secret-1")).isTrue();
    assertThat(config.clientKeys().get(0).matches("secret-2")).isFalse();
    assertThat(config.clientKeys().toString()).doesNotContain("secret");
  }

  @Test
  @DisplayName("serve refuses to start without a Linq key or client keys, unless sandbox or auth disabled")
  void servability() {
    assertThatThrownBy(() -> with(new JsonObject()).requireServable())
        .hasMessageContaining("LINQ_API_V3_API_KEY").hasMessageContaining("--sandbox");
    assertThatThrownBy(() -> with(new JsonObject().put("LINQ_API_V3_API_KEY", "k")).requireServable())
        .hasMessageContaining("GATEWAY_API_KEYS");
    with(new JsonObject().put("LINQ_API_V3_API_KEY", "k").put("GATEWAY_AUTH_DISABLED", true)).requireServable();
    GatewayConfig sandbox = with(new JsonObject().put("GATEWAY_SANDBOX", true));
    sandbox.requireServable();
    assertThat(sandbox.authDisabled()).isTrue();
  }
}
