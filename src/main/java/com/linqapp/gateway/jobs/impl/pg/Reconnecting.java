package com.linqapp.gateway.jobs.impl.pg;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxException;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.ClosedConnectionException;
import java.io.IOException;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs an idempotent statement again when the connection it ran on was lost (the server restarted, a
 * failover, {@code pg_terminate_backend}, a network cut): the pool replaces the connection, and the
 * statement is sent again after a short delay, a few times. Only statements whose repetition changes
 * nothing more go through here — answer inserts keep the first answer per line, so a batch whose commit
 * was lost with its connection can be sent again without losing or doubling an answer.
 */
final class Reconnecting {

  /** Delays before the second, third... attempts: about 3 s in all, enough for a pool to reconnect. */
  static final long[] DELAYS_MILLIS = {50, 200, 500, 1_000, 1_500};

  /** Connection exceptions (class 08), the server shutting down or restarting, and the transient transaction failures. */
  private static final Set<String> TRANSIENT_STATES = Set.of("57P01", "57P02", "57P03", "40001", "40P01");
  private static final Logger log = LoggerFactory.getLogger(Reconnecting.class);

  private final Vertx vertx;

  Reconnecting(Vertx vertx) {
    this.vertx = vertx;
  }

  <T> Future<T> run(String what, Supplier<Future<T>> statement) {
    Promise<T> result = Promise.promise();
    attempt(what, statement, 0, result);
    return result.future();
  }

  private <T> void attempt(String what, Supplier<Future<T>> statement, int retries, Promise<T> result) {
    statement.get().onComplete(result::complete, failure -> {
      if (retries >= DELAYS_MILLIS.length || !isTransient(failure)) {
        result.fail(failure);
        return;
      }
      log.warn("Job store: {} failed on a lost connection ({}); sending it again", what, describe(failure));
      vertx.setTimer(DELAYS_MILLIS[retries], timer -> attempt(what, statement, retries + 1, result));
    });
  }

  static boolean isTransient(Throwable failure) {
    if (failure instanceof ClosedConnectionException || failure instanceof IOException) {
      return true;
    }
    if (failure instanceof PgException pg && pg.getSqlState() != null) {
      return pg.getSqlState().startsWith("08") || TRANSIENT_STATES.contains(pg.getSqlState());
    }
    // A pooled connection that died while idle: the driver has no type of its own for this one.
    return failure instanceof VertxException && failure.getMessage() != null
        && failure.getMessage().startsWith("Connection is not active now");
  }

  /** The failure's class and message: a driver message never carries the connection's password. */
  private static String describe(Throwable failure) {
    return failure.getClass().getSimpleName() + ": " + failure.getMessage();
  }
}
