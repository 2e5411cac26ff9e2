package com.linqapp.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonObject;
import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class JobsOptionsTest {

  private static JobsOptions with(JsonObject overrides) {
    return GatewayConfig.from(ConfigLoader.builtInDefaults().mergeIn(overrides)).jobsOptions();
  }

  @Test
  @DisplayName("defaults: the file store in ./jobs, 7 days, a million lines, no callbacks")
  void defaults() {
    JobsOptions options = with(new JsonObject());
    assertThat(options.fileStore()).isTrue();
    assertThat(options.dir()).isEqualTo("./jobs");
    assertThat(options.retention()).isEqualTo(Duration.ofDays(7));
    assertThat(options.maxLines()).isEqualTo(1_000_000);
    assertThat(options.callbackHosts()).isEmpty();
  }

  @Test
  @DisplayName("retention is an ISO-8601 duration or seconds")
  void retention() {
    assertThat(with(new JsonObject().put("GATEWAY_JOBS_RETENTION", "PT12H")).retention()).isEqualTo(Duration.ofHours(12));
    assertThat(with(new JsonObject().put("GATEWAY_JOBS_RETENTION", "p2d")).retention()).isEqualTo(Duration.ofDays(2));
    assertThat(with(new JsonObject().put("GATEWAY_JOBS_RETENTION", "3600")).retention()).isEqualTo(Duration.ofHours(1));
    assertThatThrownBy(() -> with(new JsonObject().put("GATEWAY_JOBS_RETENTION", "a week")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("GATEWAY_JOBS_RETENTION");
  }

  @Test
  @DisplayName("callback hosts match exactly or as subdomains of a *. entry, and need a secret")
  void callbackHosts() {
    JobsOptions options = with(new JsonObject().put("GATEWAY_JOBS_CALLBACK_HOSTS", "hooks.example.com, *.corp.example")
        .put("GATEWAY_JOBS_CALLBACK_SECRET", "0123456789abcdef"));
    assertThat(options.callbackHostAllowed("HOOKS.example.com")).isTrue();
    assertThat(options.callbackHostAllowed("a.corp.example")).isTrue();
    assertThat(options.callbackHostAllowed("corp.example")).isFalse();
    assertThat(options.callbackHostAllowed("evil-hooks.example.com")).isFalse();
    assertThat(options.callbackHostAllowed("hooks.example.com.evil.net")).isFalse();
    assertThat(options.toString()).doesNotContain("0123456789abcdef");
    assertThatThrownBy(() -> with(new JsonObject().put("GATEWAY_JOBS_CALLBACK_HOSTS", "hooks.example.com")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("GATEWAY_JOBS_CALLBACK_SECRET");
  }

  @Test
  @DisplayName("the store is 'file' or a postgresql:// URL, whose password is never shown")
  void store() {
    JobsOptions pg = with(new JsonObject().put("GATEWAY_JOBS_STORE", "postgresql://gw:secret@db:5432/jobs"));
    assertThat(pg.fileStore()).isFalse();
    assertThat(pg.toString()).doesNotContain("secret");
    assertThatThrownBy(() -> with(new JsonObject().put("GATEWAY_JOBS_STORE", "mysql://db/jobs")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("GATEWAY_JOBS_STORE");
  }
}
