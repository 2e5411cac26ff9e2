package com.linqapp.gateway.jobs.impl.pg;

import static com.linqapp.gateway.support.GatewayHarness.await;

import com.linqapp.gateway.jobs.JobStore;
import com.linqapp.gateway.jobs.JobStoreContract;
import com.linqapp.gateway.jobs.MutableClock;
import com.linqapp.gateway.support.PostgresServer;
import io.vertx.core.Vertx;

/** The store contract on PostgreSQL: a real server, a fresh database per test. */
class PgJobStoreTest extends JobStoreContract {

  static final PostgresServer SERVER = PostgresServer.shared();

  String database;

  @Override
  protected JobStore open(Vertx vertx, MutableClock clock) {
    database = SERVER.createDatabase("contract");
    return reopen(vertx, clock);
  }

  @Override
  protected JobStore reopen(Vertx vertx, MutableClock clock) {
    return await(PgJobStore.open(vertx, SERVER.connectOptions(database), 4, clock));
  }
}
