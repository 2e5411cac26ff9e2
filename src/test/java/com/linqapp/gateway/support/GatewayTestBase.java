package com.linqapp.gateway.support;

import com.linqapp.gateway.sim.SimulatorOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Tests of one real gateway in front of one simulator, both on the test's {@link Vertx} (fresh per test
 * from {@link VertxExtension}): {@link #start} them; the gateway is closed after each test.
 *
 * <p>The gateway's wall clock (cache freshness and {@code Age}, the daily budgets' UTC day) is
 * {@link #wallClock}: it stands still at {@link #NOON} unless the test moves it, so ages and
 * {@code retry_after} values are exact and nothing expires or resets at midnight behind a test's back.
 */
@ExtendWith(VertxExtension.class)
public abstract class GatewayTestBase {

  /** Where {@link #wallClock} starts: 12:00 UTC, twelve hours before the daily budgets' reset. */
  protected static final long NOON = Instant.parse("2026-01-15T12:00:00Z").toEpochMilli();

  /** The gateway's wall clock, in epoch milliseconds. */
  protected final AtomicLong wallClock = new AtomicLong(NOON);

  /** The gateway under test, once {@link #start}ed. */
  protected GatewayHarness gw;

  protected GatewayHarness start(Vertx vertx) {
    return start(vertx, new SimulatorOptions(), new JsonObject());
  }

  protected GatewayHarness start(Vertx vertx, JsonObject overrides) {
    return start(vertx, new SimulatorOptions(), overrides);
  }

  protected GatewayHarness start(Vertx vertx, SimulatorOptions sim, JsonObject overrides) {
    gw = GatewayHarness.start(vertx, sim, overrides, wallClock::get);
    return gw;
  }

  @AfterEach
  void closeGateway() {
    if (gw != null) {
      gw.close();
    }
  }
}
