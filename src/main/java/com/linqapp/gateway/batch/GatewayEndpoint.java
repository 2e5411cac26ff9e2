package com.linqapp.gateway.batch;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.net.URI;
import java.util.Locale;
import java.util.Objects;

/**
 * A running gateway as a client reaches it: its base URL and the client key sent as a bearer token.
 *
 * @param base      {@code http(s)://host[:port]}, no trailing slash
 * @param clientKey the client key, or {@code null} (a gateway without authentication)
 */
public record GatewayEndpoint(URI base, String clientKey) {

  public GatewayEndpoint {
    Objects.requireNonNull(base, "base");
  }

  /**
   * @throws IllegalArgumentException when {@code url} is not an http(s) URL with a host
   */
  public static GatewayEndpoint parse(String url, String clientKey) {
    URI uri = URI.create(url.replaceAll("/+$", ""));
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null) {
      throw new IllegalArgumentException("not an http(s) URL");
    }
    return new GatewayEndpoint(uri, clientKey == null || clientKey.isBlank() ? null : clientKey.trim());
  }

  /** An HTTP client for this gateway (TLS verified against the JVM's trust store for https). */
  public HttpClient client(Vertx vertx) {
    return vertx.createHttpClient(new HttpClientOptions().setSsl("https".equalsIgnoreCase(base.getScheme()))
        .setTrustAll(false).setVerifyHost(true));
  }

  /** A request to {@code path} (starting with {@code /}), authenticated with the client key. */
  public RequestOptions request(HttpMethod method, String path) {
    RequestOptions options = new RequestOptions().setMethod(method).setAbsoluteURI(base + path);
    if (clientKey != null) {
      options.putHeader("Authorization", "Bearer " + clientKey);
    }
    return options;
  }
}
