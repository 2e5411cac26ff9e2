package com.linqapp.gateway.log;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxBootstrap;
import io.vertx.core.spi.VertxServiceProvider;
import io.vertx.core.spi.context.storage.ContextLocal;

/**
 * The request id and client name of the request a Vert.x (duplicated) context is serving. Kept in
 * Vert.x context-local storage, not a thread-local MDC: an event loop interleaves many requests, and
 * the context, not the thread, is what follows a request through callbacks and timers.
 *
 * @param requestId the {@code X-Request-Id}
 * @param client    the client key's name
 */
public record RequestTag(String requestId, String client) {

  /** Registered before any Vertx instance exists, through {@link Registration}'s service entry. */
  static final ContextLocal<RequestTag> LOCAL = ContextLocal.registerLocal(RequestTag.class);

  /** Tags the current context, when there is one; each HTTP request and bus message has its own. */
  public static void set(String requestId, String client) {
    Context context = Vertx.currentContext();
    if (context != null) {
      context.putLocal(LOCAL, new RequestTag(requestId, client));
    }
  }

  /** The current context's tag, or {@code null}. */
  public static RequestTag current() {
    Context context = Vertx.currentContext();
    return context == null ? null : context.getLocal(LOCAL);
  }

  /**
   * Service-loaded by Vert.x so that {@link #LOCAL} is registered before the first Vertx is built, as
   * {@link ContextLocal}'s documentation prescribes (the SPI's parameter type is Vert.x's; we do not use it).
   */
  public static final class Registration implements VertxServiceProvider {
    @Override
    public void init(VertxBootstrap builder) {
      LOCAL.getClass(); // touching the field registers the local
    }
  }
}
