package com.linqapp.gateway.http;

import com.linqapp.gateway.check.CheckException;
import com.linqapp.gateway.check.ErrorCodes;
import com.linqapp.gateway.linq.LinqClient;
import com.linqapp.gateway.log.RequestTag;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every request gets first: its id ({@code X-Request-Id} in and out, and the log tag) and the loop
 * check — a request carrying this gateway's own hop id means it is configured to call itself (508/9005).
 */
final class RequestTagger {

  private static final Logger log = LoggerFactory.getLogger(RequestTagger.class);

  /** Header names as Netty AsciiStrings: hashed once, not per request. */
  private static final CharSequence REQUEST_ID = HttpHeaders.createOptimized(RequestIds.HEADER);
  private static final CharSequence HOP = HttpHeaders.createOptimized(LinqClient.HOP_HEADER);

  private final String hopId;

  RequestTagger(String hopId) {
    this.hopId = hopId;
  }

  /** @return the request id, or {@code null} after answering the request (a loop) */
  String tag(HttpServerRequest request) {
    String requestId = RequestIds.accept(request.getHeader(REQUEST_ID));
    request.response().headers().add(REQUEST_ID, requestId); // the first header: nothing to replace
    RequestTag.set(requestId, "-");
    if (hopId.equals(request.getHeader(HOP))) {
      log.error("Request loop: LINQ_API_V3_BASE_URL points at this gateway; answering 508");
      ErrorResponder.send(request.response(), new CheckException(508, ErrorCodes.LOOP_DETECTED,
          "Request loop: the gateway is configured to call itself (check LINQ_API_V3_BASE_URL)"));
      return null;
    }
    return requestId;
  }
}
