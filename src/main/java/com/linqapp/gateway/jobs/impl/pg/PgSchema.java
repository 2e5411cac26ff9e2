package com.linqapp.gateway.jobs.impl.pg;

import com.linqapp.gateway.config.ConfigException;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store's schema, created and migrated when a gateway starts: forward-only numbered migrations
 * ({@code db/jobs/V<n>__<what>.sql} resources, listed in {@link #MIGRATIONS}), recorded in
 * {@code gateway_schema_version}. Everything happens in one transaction holding a transaction-scoped
 * advisory lock, so gateways starting together apply each migration once, in order, and a failed
 * migration leaves the schema as it was. A schema newer than this gateway knows (a newer gateway
 * migrated it) is refused: this one would misread it.
 */
final class PgSchema {

  /** The migrations in order; the version they reach is their number. */
  static final List<String> MIGRATIONS = List.of("V1__jobs.sql");
  static final int VERSION = MIGRATIONS.size();
  /** The advisory lock key: an arbitrary constant of this store ("gwjobs" in ASCII). */
  static final long LOCK_KEY = 0x67776a6f6273L;

  private static final Logger log = LoggerFactory.getLogger(PgSchema.class);
  /** Read once at class load: a few kilobytes from the jar, never on an event loop afterwards. */
  private static final List<String> SCRIPTS = MIGRATIONS.stream().map(PgSchema::script).toList();

  private PgSchema() {
  }

  /**
   * Brings the schema to {@link #VERSION}.
   *
   * @return the version found before; fails with a {@link ConfigException} when the schema is newer
   */
  static Future<Integer> migrate(Pool pool) {
    return pool.withTransaction(connection -> connection.query("SELECT pg_advisory_xact_lock(" + LOCK_KEY + ")")
        .execute()
        // "already exists, skipping" is no news at every start
        .compose(locked -> connection.query("SET LOCAL client_min_messages = warning").execute())
        .compose(quiet -> connection.query("""
            CREATE TABLE IF NOT EXISTS gateway_schema_version (
              version    integer PRIMARY KEY,
              script     text NOT NULL,
              applied_at timestamptz NOT NULL DEFAULT now())""").execute())
        .compose(created -> connection.query("SELECT coalesce(max(version), 0) AS version FROM gateway_schema_version")
            .execute())
        .compose(rows -> {
          int found = rows.iterator().next().getInteger("version");
          if (found > VERSION) {
            return Future.failedFuture(new ConfigException("GATEWAY_JOBS_STORE: the database's job schema is at "
                + "version " + found + ", newer than this gateway knows (" + VERSION + "): a newer gateway has "
                + "migrated it, and migrations only go forward. Run that version of the gateway, or another database."));
          }
          return apply(connection, found + 1).map(found);
        }));
  }

  private static Future<Void> apply(SqlConnection connection, int version) {
    if (version > VERSION) {
      return Future.succeededFuture();
    }
    String name = MIGRATIONS.get(version - 1);
    return connection.query(SCRIPTS.get(version - 1)).execute()
        .compose(done -> connection.preparedQuery("INSERT INTO gateway_schema_version (version, script) VALUES ($1, $2)")
            .execute(Tuple.of(version, name)))
        .onSuccess(recorded -> log.info("Job store schema migrated to version {} ({})", version, name))
        .compose(recorded -> apply(connection, version + 1));
  }

  private static String script(String name) {
    String expectedPrefix = "V" + (MIGRATIONS.indexOf(name) + 1) + "__";
    if (!name.startsWith(expectedPrefix)) {
      throw new IllegalStateException("migration " + name + " is out of order: expected " + expectedPrefix + "...");
    }
    try (InputStream in = PgSchema.class.getResourceAsStream("/db/jobs/" + name)) {
      if (in == null) {
        throw new IllegalStateException("migration db/jobs/" + name + " is missing from the jar");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
