package com.linqapp.gateway.config;

import io.vertx.core.net.ClientSSLOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.TrustOptions;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.SslMode;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.KeyStoreException;
import java.security.NoSuchAlgorithmException;
import java.util.Locale;
import java.util.regex.Pattern;
import javax.net.ssl.TrustManagerFactory;

/**
 * The PostgreSQL job store's {@code GATEWAY_JOBS_STORE} URL,
 * {@code postgresql://user:password@host:port/db?sslmode=...}, validated at startup. Its password appears in
 * no message and in no {@link #toString()}: every text about the URL uses the {@link #redacted} form.
 *
 * <p>{@code sslmode} keeps libpq's meanings: {@code disable}; {@code allow}, {@code prefer} (the default)
 * and {@code require} encrypt without verifying the server's certificate; {@code verify-ca} verifies it
 * against {@code sslrootcert} (a PEM file) or else the JVM's trust store; {@code verify-full} also checks
 * that it names the host.
 */
public final class PostgresUrl {

  private static final String SETTING = "GATEWAY_JOBS_STORE";
  private static final Pattern USER_PASSWORD = Pattern.compile("^(postgres(?:ql)?://[^:/@?]*):[^@/?]*@");
  private static final Pattern NAMES_DATABASE = Pattern.compile("^postgres(?:ql)?://[^/?]*/[^/?]+",
      Pattern.CASE_INSENSITIVE);
  private static final Pattern PASSWORD_PARAMETER = Pattern.compile("([?&]password=)[^&]*", Pattern.CASE_INSENSITIVE);

  private final PgConnectOptions options;
  private final String redacted;

  private PostgresUrl(PgConnectOptions options, String redacted) {
    this.options = options;
    this.redacted = redacted;
  }

  /** Whether the text names PostgreSQL ({@code postgresql://} or {@code postgres://}), well-formed or not. */
  public static boolean isPostgres(String text) {
    String lower = text.toLowerCase(Locale.ROOT);
    return lower.startsWith("postgresql://") || lower.startsWith("postgres://");
  }

  /** @throws ConfigException naming the setting and showing the URL without its password */
  public static PostgresUrl parse(String url) {
    String redacted = redact(url);
    PgConnectOptions options;
    try {
      options = PgConnectOptions.fromUri(url);
    } catch (RuntimeException e) {
      // The driver's message quotes the whole URL, password included: never pass it on.
      throw invalid(redacted, "it is not a valid URL");
    }
    if (options.getHost() == null || options.getHost().isEmpty()) {
      throw invalid(redacted, "it names no host");
    }
    if (!NAMES_DATABASE.matcher(url).find()) { // the driver would quietly default to a database named "db"
      throw invalid(redacted, "it names no database");
    }
    String sslMode = parameter(url, "sslmode");
    try {
      configureTls(options, sslMode == null ? SslMode.PREFER : SslMode.of(sslMode), parameter(url, "sslrootcert"));
    } catch (IllegalArgumentException e) {
      throw invalid(redacted, "sslmode must be disable, allow, prefer, require, verify-ca or verify-full");
    }
    return new PostgresUrl(options, redacted);
  }

  private static ConfigException invalid(String redacted, String why) {
    return new ConfigException(SETTING + " must be 'file' or a postgresql://user:password@host:port/db URL "
        + "(optionally ?sslmode=...&sslrootcert=...): " + why + " (got '" + redacted + "')");
  }

  private static void configureTls(PgConnectOptions options, SslMode mode, String rootCert) {
    ClientSSLOptions tls = new ClientSSLOptions();
    switch (mode) {
      case DISABLE -> {
      }
      case ALLOW, PREFER, REQUIRE -> tls.setTrustAll(true);
      case VERIFY_CA, VERIFY_FULL -> tls
          .setTrustOptions(rootCert != null ? new PemTrustOptions().addCertPath(rootCert) : jvmTrustStore())
          .setHostnameVerificationAlgorithm(mode == SslMode.VERIFY_FULL ? "HTTPS" : "");
      default -> throw new IllegalArgumentException(mode.name());
    }
    options.setSslMode(mode).setSslOptions(tls);
  }

  private static TrustOptions jvmTrustStore() {
    try {
      TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      factory.init((KeyStore) null);
      return TrustOptions.wrap(factory);
    } catch (NoSuchAlgorithmException | KeyStoreException e) {
      throw new IllegalStateException("the JVM's default trust store cannot be loaded", e);
    }
  }

  /** A query parameter's decoded value, or {@code null}. */
  private static String parameter(String url, String name) {
    int query = url.indexOf('?');
    if (query < 0) {
      return null;
    }
    for (String pair : url.substring(query + 1).split("&")) {
      int eq = pair.indexOf('=');
      if (eq > 0 && pair.substring(0, eq).equalsIgnoreCase(name)) {
        return URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      }
    }
    return null;
  }

  /** The URL with its password, if any, replaced by {@code ***}. */
  public static String redact(String url) {
    String withoutUserPassword = USER_PASSWORD.matcher(url).replaceFirst("$1:***@");
    return PASSWORD_PARAMETER.matcher(withoutUserPassword).replaceAll("$1***");
  }

  /** A fresh copy of the connection options (password included: hand them to the driver only). */
  public PgConnectOptions connectOptions() {
    return new PgConnectOptions(options);
  }

  /** The URL without its password. */
  public String redacted() {
    return redacted;
  }

  @Override
  public String toString() {
    return redacted;
  }
}
