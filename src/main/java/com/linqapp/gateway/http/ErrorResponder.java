package com.linqapp.gateway.http;

import com.linqapp.gateway.check.CheckException;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;

/**
 * Writes every error the HTTP adapter gives: Linq's envelope, {@code Retry-After} with every 429/503,
 * and {@code x-should-retry: false} where a client retry cannot help (so the SDKs do not multiply
 * retries the gateway already made).
 */
public final class ErrorResponder {

  private ErrorResponder() {
  }

  /**
   * 503/9002 to a request that arrives while the gateway drains, with {@code Connection: close}: the
   * client's next request should go to another instance.
   */
  static void shuttingDown(HttpServerResponse response) {
    response.putHeader(HttpHeaders.CONNECTION, "close");
    send(response, CheckException.shuttingDown(1));
  }

  public static void send(HttpServerResponse response, CheckException error) {
    if (response.ended() || response.closed()) {
      return;
    }
    response.setStatusCode(error.status()).putHeader(HttpHeaders.CONTENT_TYPE, "application/json");
    if (error.retryAfterSeconds() != null) {
      response.putHeader(HttpHeaders.RETRY_AFTER, String.valueOf(error.retryAfterSeconds()));
    }
    if (!error.retryHelps()) {
      response.putHeader("x-should-retry", "false");
    }
    response.end(error.toEnvelope().toBuffer());
  }
}
