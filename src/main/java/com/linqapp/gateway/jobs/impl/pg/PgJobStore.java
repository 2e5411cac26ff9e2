package com.linqapp.gateway.jobs.impl.pg;

import com.linqapp.gateway.jobs.CallbackState;
import com.linqapp.gateway.jobs.IdempotencyConflictException;
import com.linqapp.gateway.jobs.Job;
import com.linqapp.gateway.jobs.JobAnswer;
import com.linqapp.gateway.jobs.JobDraft;
import com.linqapp.gateway.jobs.JobIds;
import com.linqapp.gateway.jobs.JobLine;
import com.linqapp.gateway.jobs.JobPause;
import com.linqapp.gateway.jobs.JobSpec;
import com.linqapp.gateway.jobs.JobStatus;
import com.linqapp.gateway.jobs.JobStore;
import com.linqapp.gateway.jobs.Lease;
import com.linqapp.gateway.jobs.LeaseHeldException;
import com.linqapp.gateway.jobs.StaleLeaseException;
import com.linqapp.gateway.jobs.StoreClosedException;
import com.linqapp.gateway.jobs.StoreUsage;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgException;
import io.vertx.pgclient.pubsub.PgSubscriber;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The job store every gateway of a deployment shares ({@code GATEWAY_JOBS_STORE=postgresql://...}), on the
 * non-blocking {@code vertx-pg-client} and a bounded pool. The schema is in {@code db/jobs/} and is migrated
 * when the store opens ({@link PgSchema}).
 *
 * <h2>Time</h2>
 * Leases, job times and callback due times are PostgreSQL's {@code now()}, never a gateway's clock: gateways
 * with skewed clocks still agree on who holds a job. Every statement that needs the time takes it as
 * {@code coalesce($1, now())}, and {@code $1} is {@code null} unless the store was opened with a clock of
 * its own — which only the store contract's tests do, to move time at will.
 *
 * <h2>Fencing</h2>
 * Every runner write names the lease's generation and owner in its {@code WHERE} clause and locks the job's
 * row first, so a write racing a takeover either commits before the claim or finds the generation moved
 * on and changes nothing ({@link StaleLeaseException}). Answers go in one statement per batch
 * ({@code unnest} arrays, {@code ON CONFLICT DO NOTHING}): the first answer per line wins, and the job's
 * counters grow by exactly the answers that were new — which is also what makes a batch safe to send again
 * after a lost connection ({@link Reconnecting}).
 *
 * <h2>Drafts</h2>
 * A submission is a {@code draft} row (invisible to readers) whose lines are stored as they arrive; its
 * lease, renewed by every append, says it is still being received. Drafts whose gateway closed are
 * discarded by it; those of a gateway that died are discarded by {@link #purgeFinishedBefore} once their
 * lease is {@link #DRAFT_TTL} old.
 */
public final class PgJobStore implements JobStore {

  /** A draft without an append this long is taken for abandoned (its gateway died mid-upload). */
  static final Duration DRAFT_TTL = Duration.ofMinutes(10);
  /** The pool's name in the {@code vertx_pool_*} metrics ({@code pool_type="sql"}). */
  public static final String POOL_NAME = "gateway-jobs";

  private static final Logger log = LoggerFactory.getLogger(PgJobStore.class);

  private static final String NOW = "coalesce($1::timestamptz, now())";
  private static final String OPEN = "('queued', 'running', 'paused')";
  private static final String ENDED = "('completed', 'cancelled', 'failed')";

  private static final String INSERT_DRAFT = """
      INSERT INTO gateway_jobs (id, client, spec, status, created_at, lease_owner, lease_expires_at)
      VALUES ($2, $3, $4, 'draft', NOW, $5, NOW + $6::float8 * interval '1 millisecond')
      ON CONFLICT (id) DO NOTHING""".replace("NOW", NOW);
  private static final String APPEND_LINES = """
      WITH draft AS (
        SELECT id AS draft_id FROM gateway_jobs WHERE id = $2 AND status = 'draft' FOR NO KEY UPDATE),
      stored AS (
        INSERT INTO gateway_job_lines (job_id, idx, line)
        SELECT draft_id, l.idx, l.line FROM draft, unnest($3::bigint[], $4::text[]) AS l(idx, line)
        ON CONFLICT DO NOTHING
        RETURNING idx, coalesce(octet_length(line), 0) + 1 AS size),
      fresh AS (SELECT max(idx) + 1 AS new_total, coalesce(sum(size), 0) AS new_bytes FROM stored)
      UPDATE gateway_jobs j SET total = greatest(j.total, coalesce(f.new_total, 0)), bytes = j.bytes + f.new_bytes,
        lease_expires_at = NOW + $5::float8 * interval '1 millisecond'
      FROM draft, fresh f WHERE j.id = draft_id
      RETURNING j.total""".replace("NOW", NOW);
  private static final String COMMIT_DRAFT = """
      UPDATE gateway_jobs SET status = 'queued', idempotency_key = $3, fingerprint = $4, created_at = NOW,
        lease_owner = NULL, lease_expires_at = NULL
      WHERE id = $2 AND status = 'draft' RETURNING *""".replace("NOW", NOW);
  private static final String ABORT_DRAFT = """
      WITH gone AS (DELETE FROM gateway_jobs WHERE id = $1 AND status = 'draft' RETURNING id)
      DELETE FROM gateway_job_lines WHERE job_id IN (SELECT id FROM gone)""";

  private static final String GET = "SELECT * FROM gateway_jobs WHERE id = $1 AND status <> 'draft'";
  private static final String BY_IDEMPOTENCY_KEY = "SELECT * FROM gateway_jobs WHERE client = $1 AND idempotency_key = $2";
  private static final String LIST = """
      SELECT * FROM gateway_jobs WHERE client = $1 AND status <> 'draft' AND ($2::text IS NULL OR id < $2)
      ORDER BY id DESC LIMIT $3""";
  private static final String USAGE = """
      SELECT count(*) FILTER (WHERE client = $2 AND (status IN OPEN OR (status = 'draft' AND lease_expires_at > NOW)))
               AS open_jobs,
             coalesce(sum(bytes), 0)::bigint AS bytes
      FROM gateway_jobs""".replace("OPEN", OPEN).replace("NOW", NOW);
  private static final String COUNT_BY_STATUS =
      "SELECT status, count(*) AS jobs FROM gateway_jobs WHERE status <> 'draft' GROUP BY status";
  private static final String CANCEL = "UPDATE gateway_jobs SET " + ending("'cancelled'", "$3")
      + " WHERE id = $2 AND status IN " + OPEN + " RETURNING *";
  /** Answers in the window ($2, $3], at most $4, with the job's status and total (see {@link #window}). */
  private static final String ANSWERS = """
      SELECT j.status, j.total, a.idx, a.answer AS text FROM gateway_jobs j
      LEFT JOIN LATERAL (
        SELECT idx, answer FROM gateway_job_answers
        WHERE job_id = j.id AND idx > $2 AND idx <= $3 ORDER BY idx LIMIT $4) a ON true
      WHERE j.id = $1 AND j.status <> 'draft'
      ORDER BY a.idx""";

  private static final String RUNNABLE = """
      SELECT * FROM gateway_jobs
      WHERE status IN OPEN AND (lease_owner IS NULL OR lease_expires_at <= NOW)
      ORDER BY created_at, id LIMIT $2""".replace("OPEN", OPEN).replace("NOW", NOW);
  private static final String CLAIM = """
      UPDATE gateway_jobs SET generation = generation + 1, lease_owner = $3,
        lease_expires_at = NOW + $4::float8 * interval '1 millisecond', started_at = coalesce(started_at, NOW),
        status = CASE WHEN status = 'queued' THEN 'running' ELSE status END
      WHERE id = (
        SELECT id FROM gateway_jobs
        WHERE id = $2 AND status IN OPEN AND (lease_owner IS NULL OR lease_expires_at <= NOW)
        FOR NO KEY UPDATE SKIP LOCKED)
      RETURNING generation, lease_expires_at""".replace("OPEN", OPEN).replace("NOW", NOW);
  private static final String RENEW = """
      UPDATE gateway_jobs SET lease_expires_at = NOW + $5::float8 * interval '1 millisecond'
      WHERE id = $2 AND generation = $3 AND lease_owner = $4
      RETURNING lease_expires_at""".replace("NOW", NOW);
  private static final String RELEASE = """
      UPDATE gateway_jobs SET lease_owner = NULL, lease_expires_at = NULL, rate = NULL
      WHERE id = $1 AND generation = $2 AND lease_owner = $3""";
  /** Lines without an answer in the window ($2, $3], at most $4, with the job's status and total. */
  private static final String UNANSWERED = """
      SELECT j.status, j.total, l.idx, l.line AS text FROM gateway_jobs j
      LEFT JOIN LATERAL (
        SELECT idx, line FROM gateway_job_lines l
        WHERE l.job_id = j.id AND l.idx > $2 AND l.idx <= $3
          AND NOT EXISTS (SELECT 1 FROM gateway_job_answers a WHERE a.job_id = l.job_id AND a.idx = l.idx)
        ORDER BY l.idx LIMIT $4) l ON true
      WHERE j.id = $1
      ORDER BY l.idx""";
  /** The widest window one read statement covers. */
  private static final long MAX_WINDOW = 65_536;
  /** The lease holder's row, locked: what fences every runner write. */
  private static final String HELD = """
      held AS (
        SELECT id AS held_id, status AS held_status, total AS held_total FROM gateway_jobs
        WHERE id = $ID AND generation = $GEN AND lease_owner = $OWNER FOR NO KEY UPDATE)""";
  private static final String APPEND_ANSWERS = ("""
      WITH HELD,
      input AS (
        SELECT * FROM unnest($4::bigint[], $5::text[], $6::boolean[], $7::boolean[])
          AS a(idx, answer, is_available, is_error)),
      stored AS (
        INSERT INTO gateway_job_answers (job_id, idx, answer)
        SELECT held_id, input.idx, input.answer FROM held, input WHERE input.idx >= 0 AND input.idx < held_total
        ON CONFLICT DO NOTHING
        RETURNING idx, octet_length(answer) + 1 AS size),
      fresh AS (
        SELECT count(*) AS new_answered, count(*) FILTER (WHERE is_available) AS new_available,
               count(*) FILTER (WHERE is_error) AS new_errors, coalesce(sum(size), 0) AS new_bytes
        FROM stored JOIN input USING (idx))
      UPDATE gateway_jobs j SET answered = j.answered + f.new_answered, available = j.available + f.new_available,
        errors = j.errors + f.new_errors, bytes = j.bytes + f.new_bytes, rate = coalesce($8::float8, j.rate)
      FROM held, fresh f WHERE j.id = held_id
      RETURNING j.*""").replace("HELD", held("$1", "$2", "$3"));
  private static final String PROGRESS = ("""
      WITH HELD,
      changed AS (
        UPDATE gateway_jobs SET status = $4, pause_reason = $5, paused_until = $6
        FROM held WHERE id = held_id AND held_status IN OPEN
        RETURNING gateway_jobs.*)
      SELECT * FROM changed
      UNION ALL
      SELECT gateway_jobs.* FROM gateway_jobs JOIN held ON id = held_id WHERE NOT EXISTS (SELECT 1 FROM changed)""")
      .replace("HELD", held("$1", "$2", "$3")).replace("OPEN", OPEN);
  private static final String END = ("""
      WITH HELD,
      changed AS (
        UPDATE gateway_jobs SET ENDING
        FROM held WHERE id = held_id AND held_status IN OPEN AND ($5 <> 'completed' OR answered >= total)
        RETURNING gateway_jobs.*)
      SELECT * FROM changed
      UNION ALL
      SELECT gateway_jobs.* FROM gateway_jobs JOIN held ON id = held_id WHERE NOT EXISTS (SELECT 1 FROM changed)""")
      .replace("HELD", held("$2", "$3", "$4")).replace("ENDING", ending("$5", "$6")).replace("OPEN", OPEN);

  private static final String CALLBACKS_DUE = """
      SELECT * FROM gateway_jobs WHERE callback_status = 'pending' AND callback_next_attempt_at <= NOW
      ORDER BY callback_next_attempt_at LIMIT $2""".replace("NOW", NOW);
  private static final String UPDATE_CALLBACK = """
      UPDATE gateway_jobs SET callback_delivery_id = $2, callback_status = $3, callback_attempts = $4,
        callback_first_attempt_at = $5, callback_next_attempt_at = $6, callback_last_result = $7
      WHERE id = $1 AND status <> 'draft'
        AND callback_delivery_id IS NOT DISTINCT FROM $8 AND callback_status IS NOT DISTINCT FROM $9
        AND callback_attempts IS NOT DISTINCT FROM $10 AND callback_first_attempt_at IS NOT DISTINCT FROM $11
        AND callback_next_attempt_at IS NOT DISTINCT FROM $12 AND callback_last_result IS NOT DISTINCT FROM $13""";
  private static final String PURGE = """
      WITH doomed AS (
        SELECT id, status FROM gateway_jobs
        WHERE (status IN ENDED AND finished_at < $2::timestamptz) OR (status = 'draft' AND lease_expires_at < NOW)
        FOR UPDATE SKIP LOCKED),
      lines AS (DELETE FROM gateway_job_lines WHERE job_id IN (SELECT id FROM doomed)),
      answers AS (DELETE FROM gateway_job_answers WHERE job_id IN (SELECT id FROM doomed)),
      jobs AS (DELETE FROM gateway_jobs WHERE id IN (SELECT id FROM doomed))
      SELECT count(*) FILTER (WHERE status <> 'draft') AS purged FROM doomed""".replace("ENDED", ENDED)
      .replace("NOW", NOW);

  private final Pool pool;
  private final PgSubscriber notifications;
  private final Clock clock;
  private final JobIds ids = new JobIds();
  private final Reconnecting reconnecting;
  /** This store's own drafts, discarded when it closes (the store is used from several event loops). */
  private final Set<String> drafts = ConcurrentHashMap.newKeySet();
  private final String draftOwner = "drafts-" + UUID.randomUUID();

  private volatile boolean closed;

  private PgJobStore(Vertx vertx, Pool pool, PgSubscriber notifications, Clock clock) {
    this.pool = pool;
    this.notifications = notifications;
    this.clock = clock;
    this.reconnecting = new Reconnecting(vertx);
  }

  /**
   * Connects, migrates the schema and returns the store.
   *
   * @param connect  where the database is (its password goes to the driver only)
   * @param poolSize most connections this store opens
   * @param clock    {@code null}: PostgreSQL's {@code now()} is the time (always, outside the store's tests)
   * @return fails with a {@link com.linqapp.gateway.config.ConfigException} on a schema newer than this
   *     gateway knows, or with the driver's failure when the database cannot be reached
   */
  public static Future<JobStore> open(Vertx vertx, PgConnectOptions connect, int poolSize, Clock clock) {
    PgConnectOptions options = new PgConnectOptions(connect);
    options.setCachePreparedStatements(true).setMetricsName(POOL_NAME);
    Pool pool = PgBuilder.pool()
        .with(new PoolOptions().setMaxSize(poolSize).setMaxWaitQueueSize(poolSize * 256).setName(POOL_NAME))
        .connectingTo(options).using(vertx).build();
    return PgSchema.migrate(pool)
        .compose(before -> Notifications.listen(vertx, options))
        .<JobStore>map(notifications -> {
          log.info("Job store: PostgreSQL at {}:{}/{}, schema version {}, {} connections at most", options.getHost(),
              options.getPort(), options.getDatabase(), PgSchema.VERSION, poolSize);
          return new PgJobStore(vertx, pool, notifications, clock);
        })
        .recover(failure -> pool.close().transform(closed -> Future.failedFuture(failure)));
  }

  // ---- statements -----------------------------------------------------------------------------------------

  private static String held(String id, String generation, String owner) {
    return HELD.replace("$ID", id).replace("$GEN", generation).replace("$OWNER", owner);
  }

  /**
   * The assignments that end a job: its time, and a first callback delivery due at once (id {@code delivery})
   * when it has a {@code callback_url} and none yet. In an {@code UPDATE} every expression reads the row as
   * it was, so the repeated condition holds or fails for all of them alike.
   */
  private static String ending(String status, String delivery) {
    String firstEnd = "spec->>'callback_url' IS NOT NULL AND callback_delivery_id IS NULL";
    return "status = " + status + ", finished_at = " + NOW + ", pause_reason = NULL, paused_until = NULL, rate = NULL, "
        + "callback_delivery_id = CASE WHEN " + firstEnd + " THEN " + delivery + " ELSE callback_delivery_id END, "
        + "callback_status = CASE WHEN " + firstEnd + " THEN 'pending' ELSE callback_status END, "
        + "callback_attempts = CASE WHEN " + firstEnd + " THEN 0 ELSE callback_attempts END, "
        + "callback_next_attempt_at = CASE WHEN " + firstEnd + " THEN " + NOW + " ELSE callback_next_attempt_at END";
  }

  /** Parameters after {@code $1}, the time (see the class comment). */
  private Tuple at(Object... values) {
    Tuple tuple = Tuple.tuple().addValue(clock == null ? null : JobRows.timestamp(clock.instant()));
    for (Object value : values) {
      tuple.addValue(value);
    }
    return tuple;
  }

  private static Tuple args(Object... values) {
    Tuple tuple = Tuple.tuple();
    for (Object value : values) {
      tuple.addValue(value);
    }
    return tuple;
  }

  /** A statement that may be sent again after a lost connection: it changes nothing more the second time. */
  private Future<RowSet<Row>> idempotent(String what, String sql, Tuple args) {
    return reconnecting.run(what, () -> once(sql, args));
  }

  private Future<RowSet<Row>> once(String sql, Tuple args) {
    if (closed) {
      return Future.failedFuture(new StoreClosedException());
    }
    return pool.preparedQuery(sql).execute(args)
        .recover(failure -> Future.failedFuture(closed ? new StoreClosedException() : failure));
  }

  private static double millis(Duration duration) {
    return duration.toMillis();
  }

  // ---- submission and reading -----------------------------------------------------------------------------

  @Override
  public Future<JobDraft> draft(JobSpec spec) {
    String id = ids.next(clock == null ? Instant.now() : clock.instant());
    return idempotent("creating a draft", INSERT_DRAFT,
        at(id, spec.client(), spec.toJson(), draftOwner, millis(DRAFT_TTL)))
        .map(created -> {
          drafts.add(id);
          return new Draft(id, spec);
        });
  }

  @Override
  public Future<Job> get(String id) {
    return idempotent("reading a job", GET, args(id)).map(JobRows::firstOrNull);
  }

  @Override
  public Future<Job> findByIdempotencyKey(String client, String key) {
    return idempotent("reading a job", BY_IDEMPOTENCY_KEY, args(client, key)).map(JobRows::firstOrNull);
  }

  @Override
  public Future<List<Job>> list(String client, String beforeId, int limit) {
    return idempotent("listing jobs", LIST, args(client, beforeId, limit)).map(JobRows::jobs);
  }

  @Override
  public Future<StoreUsage> usage(String client) {
    return idempotent("measuring the store", USAGE, at(client)).map(rows -> {
      Row row = rows.iterator().next();
      return new StoreUsage(row.getLong("open_jobs").intValue(), row.getLong("bytes"));
    });
  }

  @Override
  public Future<Map<JobStatus, Integer>> countByStatus() {
    return idempotent("counting jobs", COUNT_BY_STATUS, args()).map(rows -> {
      Map<JobStatus, Integer> counts = new EnumMap<>(JobStatus.class);
      rows.forEach(row -> counts.put(JobStatus.fromWireName(row.getString("status")), row.getLong("jobs").intValue()));
      return counts;
    });
  }

  @Override
  public Future<Job> cancel(String id) {
    return idempotent("cancelling a job", CANCEL, at(id, UUID.randomUUID().toString()))
        .compose(rows -> rows.size() > 0 ? Future.succeededFuture(JobRows.firstOrNull(rows)) : get(id));
  }

  @Override
  public Future<List<JsonObject>> answers(String id, long after, int limit) {
    List<JsonObject> lines = new ArrayList<>();
    return window(ANSWERS, "reading answers", id, Math.max(after, -1), limit, limit, true, (status, index, text) -> {
      long expected = lines.isEmpty() ? Math.max(after, -1) + 1 : lines.get(lines.size() - 1).getLong("index") + 1;
      if (index != expected && !status.finished()) {
        return false; // a line before this one is still unanswered: the cursor stops there
      }
      lines.add(new JsonObject(text));
      return true;
    }).map(lines);
  }

  /** What a window's rows go to: {@code false} stops the read (a gap the reader must not pass). */
  @FunctionalInterface
  private interface WindowRow {
    boolean accept(JobStatus status, long index, String text);
  }

  /**
   * Reads a job's rows window by window, {@code (after, after + span]}, until {@code limit} rows were taken or
   * the job's last line was passed: PostgreSQL's statistics know nothing yet of a job submitted a moment ago,
   * and with no bound a plan chosen on them may read every line of the job before the first few are returned.
   * Bounded, any plan reads at most one window. A window without enough rows (answered lines skipped, gaps)
   * is followed by one twice as wide.
   *
   * @param answers whether these are answers, which a job not finished has none of past its first gap: they are
   *                read in one window of {@code limit}
   */
  private Future<Void> window(String sql, String what, String id, long after, int limit, long span, boolean answers,
                              WindowRow rows) {
    long upTo = after + span;
    return idempotent(what, sql, args(id, after, upTo, limit)).compose(result -> {
      int taken = 0;
      long total = 0;
      boolean finished = false;
      for (Row row : result) {
        JobStatus status = JobStatus.fromWireName(row.getString("status"));
        total = row.getLong("total");
        finished = status.finished();
        Long index = row.getLong("idx");
        if (index == null) {
          break; // nothing in this window
        }
        if (!rows.accept(status, index, row.getString("text"))) {
          return Future.succeededFuture();
        }
        taken++;
      }
      if (taken >= limit || upTo >= total - 1 || result.size() == 0 || answers && !finished) {
        return Future.succeededFuture();
      }
      return window(sql, what, id, upTo, limit - taken, Math.min(span * 2, MAX_WINDOW), answers, rows);
    });
  }

  // ---- running --------------------------------------------------------------------------------------------

  @Override
  public Future<List<Job>> runnable(int limit) {
    return idempotent("finding runnable jobs", RUNNABLE, at(limit)).map(JobRows::jobs);
  }

  /** Not sent again on a lost connection: a claim that did commit would then look held by another runner. */
  @Override
  public Future<Lease> claim(String id, String owner, Duration ttl) {
    return once(CLAIM, at(id, owner, millis(ttl))).compose(rows -> {
      if (rows.size() == 0) {
        return Future.failedFuture(new LeaseHeldException(id));
      }
      Row row = rows.iterator().next();
      return Future.succeededFuture(new Lease(id, owner, row.getLong("generation"),
          JobRows.instant(row, "lease_expires_at")));
    });
  }

  @Override
  public Future<Lease> renew(Lease lease, Duration ttl) {
    return idempotent("renewing a lease", RENEW, at(lease.jobId(), lease.generation(), lease.owner(), millis(ttl)))
        .compose(rows -> rows.size() == 0 ? Future.failedFuture(new StaleLeaseException(lease))
            : Future.succeededFuture(new Lease(lease.jobId(), lease.owner(), lease.generation(),
                JobRows.instant(rows.iterator().next(), "lease_expires_at"))));
  }

  @Override
  public Future<Void> release(Lease lease) {
    return idempotent("releasing a lease", RELEASE, args(lease.jobId(), lease.generation(), lease.owner()))
        .mapEmpty();
  }

  @Override
  public Future<List<JobLine>> unanswered(String id, long after, int limit) {
    List<JobLine> lines = new ArrayList<>(limit);
    return window(UNANSWERED, "reading lines", id, Math.max(after, -1), limit, 2L * limit, false, (status, index, text) ->
        lines.add(new JobLine(index, text))).map(lines);
  }

  @Override
  public Future<Job> appendAnswers(Lease lease, List<JobAnswer> answers, Double rate) {
    List<Long> indexes = new ArrayList<>(answers.size());
    List<String> lines = new ArrayList<>(answers.size());
    List<Boolean> available = new ArrayList<>(answers.size());
    List<Boolean> errors = new ArrayList<>(answers.size());
    Set<Long> seen = new HashSet<>();
    for (JobAnswer answer : answers) {
      if (seen.add(answer.index())) { // the first answer in the batch wins too
        indexes.add(answer.index());
        lines.add(answer.line().encode());
        available.add(answer.available());
        errors.add(answer.error());
      }
    }
    return idempotent("writing answers", APPEND_ANSWERS, args(lease.jobId(), lease.generation(), lease.owner(),
        indexes.toArray(Long[]::new), lines.toArray(String[]::new), available.toArray(Boolean[]::new),
        errors.toArray(Boolean[]::new), rate))
        .compose(rows -> held(lease, rows));
  }

  @Override
  public Future<Job> update(Lease lease, JobStatus status, JobPause pause) {
    Future<RowSet<Row>> written = switch (status) {
      case RUNNING, PAUSED -> idempotent("updating a job", PROGRESS, args(lease.jobId(), lease.generation(),
          lease.owner(), status.wireName(), status == JobStatus.PAUSED && pause != null ? pause.reason().wireName()
              : null, status == JobStatus.PAUSED && pause != null ? JobRows.timestamp(pause.until()) : null));
      case COMPLETED, FAILED -> idempotent("ending a job", END, at(lease.jobId(), lease.generation(), lease.owner(),
          status.wireName(), UUID.randomUUID().toString()));
      default -> Future.failedFuture(new IllegalArgumentException("a runner cannot set " + status));
    };
    return written.compose(rows -> held(lease, rows)).compose(job -> {
      if (status == JobStatus.COMPLETED && !job.status().finished()) {
        return Future.failedFuture(new IllegalStateException("job " + job.id() + " has "
            + (job.total() - job.answered()) + " lines without an answer"));
      }
      return Future.succeededFuture(job);
    });
  }

  /** The job a runner write returned, or {@link StaleLeaseException} when its lease was no longer held. */
  private static Future<Job> held(Lease lease, RowSet<Row> rows) {
    return rows.size() == 0 ? Future.failedFuture(new StaleLeaseException(lease))
        : Future.succeededFuture(JobRows.firstOrNull(rows));
  }

  // ---- callbacks ------------------------------------------------------------------------------------------

  @Override
  public Future<List<Job>> callbacksDue(int limit) {
    return idempotent("finding callbacks due", CALLBACKS_DUE, at(limit)).map(JobRows::jobs);
  }

  /** Not sent again on a lost connection: a compare-and-set that did commit would then report a lost race. */
  @Override
  public Future<Boolean> updateCallback(String id, CallbackState expected, CallbackState next) {
    Tuple args = args(id);
    addCallback(args, next);
    addCallback(args, expected);
    return once(UPDATE_CALLBACK, args).map(rows -> rows.rowCount() == 1);
  }

  private static void addCallback(Tuple args, CallbackState state) {
    args.addValue(state == null ? null : state.deliveryId())
        .addValue(state == null ? null : JobRows.wireName(state.status()))
        .addValue(state == null ? null : state.attempts())
        .addValue(state == null ? null : JobRows.timestamp(state.firstAttemptAt()))
        .addValue(state == null ? null : JobRows.timestamp(state.nextAttemptAt()))
        .addValue(state == null ? null : state.lastResult());
  }

  // ---- retention and lifecycle ----------------------------------------------------------------------------

  /** Also discards drafts abandoned by a gateway that died mid-upload (not counted). */
  @Override
  public Future<Integer> purgeFinishedBefore(Instant cutoff) {
    return idempotent("purging old jobs", PURGE, at(JobRows.timestamp(cutoff)))
        .map(rows -> rows.iterator().next().getLong("purged").intValue());
  }

  @Override
  public Future<Void> close() {
    if (closed) {
      return Future.succeededFuture();
    }
    List<Future<Void>> discarded = new ArrayList<>();
    for (String id : List.copyOf(drafts)) {
      discarded.add(discard(id));
    }
    return Future.join(discarded).transform(done -> {
      closed = true;
      return Future.join(notifications.close(), pool.close()).mapEmpty();
    });
  }

  private Future<Void> discard(String id) {
    drafts.remove(id);
    return idempotent("discarding a draft", ABORT_DRAFT, args(id)).mapEmpty();
  }

  /** A submission being received: lines go to {@code gateway_job_lines} as they come, under a draft row. */
  private final class Draft implements JobDraft {
    private final String id;
    private final JobSpec spec;
    /** Appends come one after the other from one submission: no two calls overlap. */
    private long lines;
    private boolean done;

    Draft(String id, JobSpec spec) {
      this.id = id;
      this.spec = spec;
    }

    @Override
    public String id() {
      return id;
    }

    @Override
    public Future<Void> append(List<JobLine> batch) {
      if (done) {
        return Future.failedFuture(new IllegalStateException("draft " + id + " was committed or aborted"));
      }
      Long[] indexes = new Long[batch.size()];
      String[] texts = new String[batch.size()];
      for (int i = 0; i < batch.size(); i++) {
        JobLine line = batch.get(i);
        if (line.index() != lines + i) {
          return Future.failedFuture(new IllegalArgumentException("line " + line.index() + " appended where line "
              + (lines + i) + " was expected"));
        }
        indexes[i] = line.index();
        texts[i] = line.text();
      }
      lines += batch.size();
      return idempotent("storing lines", APPEND_LINES, at(id, indexes, texts, millis(DRAFT_TTL)))
          .compose(rows -> rows.size() == 0
              ? Future.failedFuture(new IllegalStateException("draft " + id + " was discarded"))
              : Future.succeededFuture());
    }

    @Override
    public Future<Job> commit(String fingerprint) {
      if (done) {
        return Future.failedFuture(new IllegalStateException("draft " + id + " was committed or aborted"));
      }
      done = true;
      String key = spec.idempotencyKey();
      if (key == null) {
        return store(null, fingerprint);
      }
      return idempotent("reading a job", BY_IDEMPOTENCY_KEY, args(spec.client(), key)).compose(rows -> rows.size() > 0
          ? earlier(rows.iterator().next(), fingerprint)
          : store(key, fingerprint).recover(failure -> isUniqueViolation(failure)
              // another gateway committed the same key a moment ago
              ? idempotent("reading a job", BY_IDEMPOTENCY_KEY, args(spec.client(), key))
                  .compose(again -> earlier(again.iterator().next(), fingerprint))
              : Future.failedFuture(failure)));
    }

    private Future<Job> store(String key, String fingerprint) {
      return idempotent("committing a job", COMMIT_DRAFT, at(id, key, fingerprint)).compose(rows -> {
        drafts.remove(id);
        // No row: the draft is gone — committed by an attempt whose reply was lost, or discarded.
        return rows.size() > 0 ? Future.succeededFuture(JobRows.firstOrNull(rows)) : get(id).compose(job -> job != null
            ? Future.succeededFuture(job)
            : Future.failedFuture(new IllegalStateException("draft " + id + " was discarded")));
      });
    }

    /** The client's earlier job with the same key: this submission is it, or a conflict. */
    private Future<Job> earlier(Row row, String fingerprint) {
      Job job = JobRows.job(row);
      return discard(id).compose(discarded -> fingerprint.equals(row.getString("fingerprint"))
          ? Future.succeededFuture(job)
          : Future.failedFuture(new IdempotencyConflictException(job.id())));
    }

    @Override
    public Future<Void> abort() {
      if (done) {
        return Future.succeededFuture();
      }
      done = true;
      return discard(id);
    }
  }

  private static boolean isUniqueViolation(Throwable failure) {
    return failure instanceof PgException pg && "23505".equals(pg.getSqlState());
  }
}
