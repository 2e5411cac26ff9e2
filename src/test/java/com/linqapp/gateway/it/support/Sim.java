package com.linqapp.gateway.it.support;

import static com.linqapp.gateway.support.Await.await;

import com.linqapp.gateway.sim.LinqSimulator;
import com.linqapp.gateway.sim.SimulatorOptions;
import io.vertx.core.Vertx;

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

  @Override
  public void close() {
    await(vertx.close());
  }
}
