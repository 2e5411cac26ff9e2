package com.linqapp.gateway.jobs.impl.pg;

import static com.linqapp.gateway.support.Await.await;
import static com.linqapp.gateway.support.Await.awaitFailure;
import static org.assertj.core.api.Assertions.assertThat;

import com.linqapp.gateway.config.ConfigException;
import com.linqapp.gateway.jobs.JobStore;
import com.linqapp.gateway.support.PostgresServer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The schema is created and migrated at start, once, whoever starts; a newer one is refused. */
class PgSchemaTest {

  static final PostgresServer SERVER = PostgresServer.shared();

  Vertx vertx;
  String database;
  final List<JobStore> stores = new ArrayList<>();

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
    database = SERVER.createDatabase("schema");
  }

  @AfterEach
  void tearDown() {
    stores.forEach(store -> await(store.close()));
    await(vertx.close());
  }

  Future<JobStore> open() {
    return PgJobStore.open(vertx, SERVER.connectOptions(database), 2, null).onSuccess(stores::add);
  }

  String appliedVersions() {
    return SERVER.psql(database, "SELECT string_agg(version::text, ',' ORDER BY version) FROM gateway_schema_version")
        .trim();
  }

  String allVersions() {
    return IntStream.rangeClosed(1, PgSchema.VERSION).mapToObj(String::valueOf).collect(Collectors.joining(","));
  }

  @Test
  @DisplayName("a fresh database gets every migration, and opening it again applies none twice")
  void freshDatabaseIsMigrated() {
    await(open());
    assertThat(appliedVersions()).isEqualTo(allVersions());
    assertThat(SERVER.psql(database, "SELECT count(*) FROM gateway_jobs").trim()).isEqualTo("0");
    await(open());
    assertThat(appliedVersions()).isEqualTo(allVersions());
  }

  @Test
  @DisplayName("gateways starting together on a fresh database all start, and each migration is applied once")
  void concurrentStartsMigrateOnce() {
    // Six pools connect and migrate at the same moment; without the advisory lock, the second CREATE TABLE
    // of the same name fails (or the version table gets a migration twice).
    List<Future<JobStore>> starts = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      starts.add(open());
    }
    await(Future.all(starts));
    assertThat(appliedVersions()).isEqualTo(allVersions());
  }

  @Test
  @DisplayName("a schema newer than this gateway knows is refused, naming the versions, and left untouched")
  void newerSchemaIsRefused() {
    await(open());
    int newer = PgSchema.VERSION + 1;
    SERVER.psql(database, "INSERT INTO gateway_schema_version (version, script) VALUES (" + newer + ", 'V" + newer
        + "__from_the_future.sql')");
    Throwable refused = awaitFailure(open());
    assertThat(refused).isInstanceOf(ConfigException.class)
        .hasMessageContaining("GATEWAY_JOBS_STORE")
        .hasMessageContaining("version " + newer)
        .hasMessageContaining("newer than this gateway knows (" + PgSchema.VERSION + ")");
    assertThat(appliedVersions()).isEqualTo(allVersions() + "," + newer);
  }
}
