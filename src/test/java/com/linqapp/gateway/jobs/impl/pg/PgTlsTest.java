package com.linqapp.gateway.jobs.impl.pg;

import static com.linqapp.gateway.support.Await.await;
import static com.linqapp.gateway.support.Await.awaitFailure;
import static org.assertj.core.api.Assertions.assertThat;

import com.linqapp.gateway.config.PostgresUrl;
import com.linqapp.gateway.jobs.JobStore;
import com.linqapp.gateway.support.PostgresServer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * {@code sslmode} is honoured against a real TLS server: the test server's {@code tls_only} role is refused
 * without TLS, and its certificate (for {@code localhost}) is signed by a CA of the test's.
 */
class PgTlsTest {

  static final PostgresServer SERVER = PostgresServer.shared();
  static Vertx vertx;
  static String database;

  @BeforeAll
  static void setUp() {
    vertx = Vertx.vertx();
    database = SERVER.createDatabase("tls");
  }

  @AfterAll
  static void tearDown() {
    await(vertx.close());
  }

  static String url(String host, String parameters) {
    return "postgresql://" + PostgresServer.TLS_USER + ":" + PostgresServer.PASSWORD + "@" + host + ":"
        + SERVER.port() + "/" + database + parameters;
  }

  static Future<JobStore> open(String url) {
    return PgJobStore.open(vertx, PostgresUrl.parse(url).connectOptions(), 1, null);
  }

  static void opens(String url) {
    await(await(open(url)).close());
  }

  static Throwable refused(String url) {
    Throwable failure = awaitFailure(open(url));
    assertThat(String.valueOf(failure.getMessage())).doesNotContain(PostgresServer.PASSWORD);
    return failure;
  }

  @Test
  @DisplayName("sslmode=disable is refused by a server that demands TLS, and the error shows no password")
  void disableMeansNoTls() {
    assertThat(refused(url("127.0.0.1", "?sslmode=disable"))).hasMessageContaining("no encryption");
  }

  @Test
  @DisplayName("require, prefer (the default) and allow encrypt without checking the certificate")
  void requireEncrypts() {
    opens(url("127.0.0.1", "?sslmode=require"));
    opens(url("127.0.0.1", ""));
    opens(url("127.0.0.1", "?sslmode=allow"));
  }

  @Test
  @DisplayName("verify-ca checks the certificate's signer, not its name")
  void verifyCaChecksTheSigner() {
    opens(url("127.0.0.1", "?sslmode=verify-ca&sslrootcert=" + SERVER.caCertificate()));
    refused(url("localhost", "?sslmode=verify-ca")); // the JVM's trust store does not know the test CA
  }

  @Test
  @DisplayName("verify-full also checks that the certificate names the host")
  void verifyFullChecksTheName() {
    opens(url("localhost", "?sslmode=verify-full&sslrootcert=" + SERVER.caCertificate()));
    refused(url("127.0.0.1", "?sslmode=verify-full&sslrootcert=" + SERVER.caCertificate()));
  }
}
