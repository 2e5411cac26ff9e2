package com.linqapp.gateway.http;

import com.linqapp.gateway.check.CheckException;
import com.linqapp.gateway.check.ErrorCodes;
import com.linqapp.gateway.config.ClientKey;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import java.util.List;

/**
 * {@code Authorization: Bearer <client key>}, compared in constant time; 401/2004 as Linq, before any
 * body is read. Puts the client's name (never its key) on the routing context.
 */
final class ClientAuth implements Handler<RoutingContext> {

  /** Routing-context key of the authenticated client's name. */
  static final String CLIENT = "client";
  private static final String ANONYMOUS = "anonymous";

  private final List<ClientKey> keys;
  private final boolean disabled;

  ClientAuth(List<ClientKey> keys, boolean disabled) {
    this.keys = List.copyOf(keys);
    this.disabled = disabled;
  }

  @Override
  public void handle(RoutingContext ctx) {
    String name = clientFor(ctx.request());
    if (name != null) {
      ctx.put(CLIENT, name);
      ctx.next();
    }
  }

  /** The client's name, or {@code null} after answering 401/2004. */
  String clientFor(HttpServerRequest request) {
    String name = disabled ? ANONYMOUS : clientFor(request.getHeader(HttpHeaders.AUTHORIZATION));
    if (name == null) {
      ErrorResponder.send(request.response(), new CheckException(401, ErrorCodes.UNAUTHORIZED,
          "Unauthorized - missing or invalid authentication token"));
    }
    return name;
  }

  private String clientFor(String authorization) {
    if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return null;
    }
    String candidate = authorization.substring(7).trim();
    String match = null;
    for (ClientKey key : keys) {
      // No early exit: every key is compared, so timing does not tell which one matched.
      if (key.matches(candidate)) {
        match = key.name();
      }
    }
    return match;
  }
}
