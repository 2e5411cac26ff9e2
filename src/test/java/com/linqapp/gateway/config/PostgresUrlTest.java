package com.linqapp.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.SslMode;
import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code GATEWAY_JOBS_STORE=postgresql://...}: parsed as libpq would, and its password never shown. */
class PostgresUrlTest {

  static final String SECRET = "s3cret-Pw";

  private static GatewayConfig with(JsonObject overrides) {
    return GatewayConfig.from(ConfigLoader.builtInDefaults().mergeIn(overrides));
  }

  @Test
  @DisplayName("user, password, host, port and database reach the driver; the text shown has no password")
  void partsReachTheDriver() {
    PostgresUrl url = PostgresUrl.parse("postgresql://jobs:" + SECRET + "@db.internal:6543/gateway");
    PgConnectOptions options = url.connectOptions();
    assertThat(options.getUser()).isEqualTo("jobs");
    assertThat(options.getPassword()).isEqualTo(SECRET);
    assertThat(options.getHost()).isEqualTo("db.internal");
    assertThat(options.getPort()).isEqualTo(6543);
    assertThat(options.getDatabase()).isEqualTo("gateway");
    assertThat(url.toString()).isEqualTo("postgresql://jobs:***@db.internal:6543/gateway").doesNotContain(SECRET);
    assertThat(PostgresUrl.parse("postgres://jobs@db/gateway").connectOptions().getHost()).isEqualTo("db");
  }

  @Test
  @DisplayName("sslmode keeps libpq's meanings; prefer is the default")
  void sslModes() {
    String base = "postgresql://jobs:" + SECRET + "@db.internal/gateway";
    PgConnectOptions byDefault = PostgresUrl.parse(base).connectOptions();
    assertThat(byDefault.getSslMode()).isEqualTo(SslMode.PREFER);
    assertThat(byDefault.getSslOptions().isTrustAll()).isTrue();
    assertThat(PostgresUrl.parse(base + "?sslmode=disable").connectOptions().getSslMode()).isEqualTo(SslMode.DISABLE);
    PgConnectOptions require = PostgresUrl.parse(base + "?sslmode=require").connectOptions();
    assertThat(require.getSslMode()).isEqualTo(SslMode.REQUIRE);
    assertThat(require.getSslOptions().isTrustAll()).isTrue();

    PgConnectOptions verifyCa = PostgresUrl.parse(base + "?sslmode=verify-ca&sslrootcert=/etc/ssl/db-ca.pem")
        .connectOptions();
    assertThat(verifyCa.getSslMode()).isEqualTo(SslMode.VERIFY_CA);
    assertThat(verifyCa.getSslOptions().isTrustAll()).isFalse();
    assertThat(((PemTrustOptions) verifyCa.getSslOptions().getTrustOptions()).getCertPaths())
        .containsExactly("/etc/ssl/db-ca.pem");
    assertThat(verifyCa.getSslOptions().getHostnameVerificationAlgorithm()).isEmpty();

    PgConnectOptions verifyFull = PostgresUrl.parse(base + "?sslmode=verify-full").connectOptions();
    assertThat(verifyFull.getSslMode()).isEqualTo(SslMode.VERIFY_FULL);
    assertThat(verifyFull.getSslOptions().getTrustOptions()).as("the JVM's trust store").isNotNull();
    assertThat(verifyFull.getSslOptions().getHostnameVerificationAlgorithm()).isEqualTo("HTTPS");
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {
      "postgresql://jobs:" + SECRET + "@db.internal/gateway?sslmode=sometimes",
      "postgresql://jobs:" + SECRET + "@db.internal:port/gateway",
      "postgresql://jobs:" + SECRET + "@db.internal:5432",
      "postgresql://jobs:" + SECRET + "@db.internal/gateway?password",
      "postgresql://jobs:" + SECRET + ":again@db.internal/gateway"})
  @DisplayName("a bad URL is refused naming the setting, and the message never shows the password")
  void badUrlsHideThePassword(String url) {
    assertThatThrownBy(() -> with(new JsonObject().put("GATEWAY_JOBS_STORE", url)))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("GATEWAY_JOBS_STORE")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain(SECRET).doesNotContain("Pw"));
  }

  @Test
  @DisplayName("a password given as a query parameter is hidden too")
  void passwordParameterIsRedacted() {
    assertThat(PostgresUrl.redact("postgresql://db/gateway?sslmode=require&password=" + SECRET + "&x=1"))
        .isEqualTo("postgresql://db/gateway?sslmode=require&password=***&x=1");
    assertThat(PostgresUrl.parse("postgresql://jobs@db/gateway?password=" + SECRET).connectOptions().getPassword())
        .isEqualTo(SECRET);
  }

  @Test
  @DisplayName("the jobs settings print the store without its password, with the lease and pool settings")
  void jobsOptionsPrintNoPassword() {
    GatewayConfig config = with(new JsonObject()
        .put("GATEWAY_JOBS_STORE", "postgresql://jobs:" + SECRET + "@db.internal/gateway")
        .put("GATEWAY_JOBS_LEASE_SECONDS", "20").put("GATEWAY_JOBS_DB_POOL_SIZE", "4"));
    JobsOptions jobs = config.jobsOptions();
    assertThat(jobs.fileStore()).isFalse();
    assertThat(jobs.leaseTtl()).isEqualTo(Duration.ofSeconds(20));
    assertThat(jobs.dbPoolSize()).isEqualTo(4);
    assertThat(jobs.toString()).contains("postgresql://jobs:***@db.internal/gateway").doesNotContain(SECRET);
    assertThat(with(new JsonObject()).jobsOptions().leaseTtl()).isEqualTo(Duration.ofSeconds(30));
    assertThatThrownBy(() -> with(new JsonObject().put("GATEWAY_JOBS_LEASE_SECONDS", "1")))
        .hasMessageContaining("GATEWAY_JOBS_LEASE_SECONDS");
  }
}
