package com.linqapp.gateway.it.support;

import com.linqapp.gateway.sim.LinqSimulator;
import com.linqapp.gateway.sim.SimulatorOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.concurrent.TimeUnit;

/** A Linq simulator in the test JVM, on its own Vertx, for the jar under test to call over loopback. */
public final class Sim implements AutoCloseable {

  public final Vertx vertx = Vertx.vertx();
  public final LinqSimulator simulator;

  public Sim(SimulatorOptions options) {
    simulator = await(LinqSimulator.start(vertx, options));
  }

  public Sim() {
    this(new SimulatorOptions());
  }

  public String baseUrl() {
    return simulator.baseUrl();
  }

  public String apiKey() {
    return simulator.apiKey();
  }

  public static <T> T await(Future<T> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("future failed: " + e, e);
    }
  }

  @Override
  public void close() {
    await(vertx.close());
  }
}
