package com.linqapp.gateway.jobs;

import com.linqapp.gateway.bus.CapabilityBus;
import com.linqapp.gateway.bus.CapabilityClient;
import com.linqapp.gateway.config.JobsOptions;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one verticle that runs this gateway's durable jobs: it claims runnable jobs from the store, runs each
 * as a {@link JobRun}, sizes their windows to the engine's pace, delivers callbacks ({@link CallbackSender})
 * and deletes jobs past their retention. All of it on this verticle's event loop: no state is shared.
 *
 * <p>It opens the store when it starts, so the store's worker thread or connection pool belongs to this
 * verticle: Vert.x closes them only after {@link #stop} has written what the runs hold and closed the store.
 * (Opened outside any verticle, they would go first when Vert.x closes, before the runs are written.)
 *
 * <h2>Feeding the engine without being shed</h2>
 * The engine refuses a check at admission when the work queued ahead of it cannot be sent before its
 * deadline at the current pace (503/9001), or when its queue is full. So jobs together hold at most
 * {@code queueShare} of pace × check deadline, and of {@code GATEWAY_MAX_QUEUE}, split evenly between the
 * running jobs: a new job (or a batch, or a single check) always finds room, and a job's lines are
 * admitted. In the queue, jobs take turns by client and then by job ({@code FairQueue} groups), so a small
 * job submitted behind a big one gets its first answer within one send slot.
 */
public final class JobRunner extends VerticleBase {

  private static final Logger log = LoggerFactory.getLogger(JobRunner.class);
  private static final long RESIZE_MILLIS = 1_000;
  private static final long METRICS_MILLIS = 5_000;
  private static final long STATUS_TIMEOUT_MILLIS = 2_000;
  private static final int SCAN_LIMIT = 100;

  private JobStore store;
  private final JobsOptions config;
  private final int maxQueue;
  private final JobRunnerOptions options;
  private final Clock clock;
  private final JobsListener metrics;
  private final String owner = "runner-" + UUID.randomUUID();
  private final Map<String, JobRun> runs = new HashMap<>();
  private final List<Long> timers = new ArrayList<>();
  private CapabilityClient engine;
  private CallbackSender callbacks;
  private Double rate;
  private boolean scanning;
  private boolean rescan;
  private boolean draining;

  public JobRunner(JobsOptions config, int maxQueue, JobRunnerOptions options, Clock clock,
                   JobsListener metrics) {
    this.config = config;
    this.maxQueue = maxQueue;
    this.options = options;
    this.clock = clock;
    this.metrics = metrics;
  }

  public static DeploymentOptions deploymentOptions() {
    return new DeploymentOptions().setInstances(1);
  }

  /** The store this runner opened (the job routes use it too); set once {@link #start} has completed. */
  public JobStore store() {
    return store;
  }

  @Override
  public Future<?> start() {
    return JobStore.open(vertx, config, clock).compose(opened -> {
      store = opened;
      return run();
    });
  }

  private Future<?> run() {
    engine = CapabilityClient.local(vertx, options.checkTimeoutMillis());
    callbacks = new CallbackSender(vertx, store, config, clock);
    MessageConsumer<String> submitted = vertx.eventBus().localConsumer(JobsBus.SUBMITTED, message -> scan());
    MessageConsumer<String> cancelled = vertx.eventBus().localConsumer(JobsBus.CANCELLED, message -> {
      JobRun run = runs.get(message.body());
      if (run != null) {
        run.cancelled();
      }
    });
    long sweep = Math.max(1_000, Math.min(config.retention().toMillis() / 4, Duration.ofHours(1).toMillis()));
    timers.add(vertx.setPeriodic(options.scanMillis(), id -> scan()));
    timers.add(vertx.setPeriodic(RESIZE_MILLIS, id -> resize()));
    timers.add(vertx.setPeriodic(1_000, id -> callbacks.deliverDue()));
    timers.add(vertx.setPeriodic(sweep, id -> purge()));
    timers.add(vertx.setPeriodic(METRICS_MILLIS, id -> countJobs()));
    // The engine's pace first: the first windows must already fit it.
    return Future.all(submitted.completion(), cancelled.completion()).compose(v -> resize()).onComplete(v -> {
      purge();
      countJobs();
      scan();
    });
  }

  /** Claims runnable jobs not running here yet. */
  private void scan() {
    if (draining) {
      return;
    }
    if (scanning) {
      rescan = true;
      return;
    }
    scanning = true;
    store.runnable(SCAN_LIMIT).compose(jobs -> {
      List<Future<?>> claims = new ArrayList<>();
      for (Job job : jobs) {
        if (!runs.containsKey(job.id())) {
          claims.add(store.claim(job.id(), owner, options.leaseTtl()).onSuccess(lease -> startRun(lease, job))
              .recover(held -> Future.succeededFuture()));
        }
      }
      return Future.all(claims);
    }).onComplete(done -> {
      scanning = false;
      if (done.failed()) {
        log.warn("Looking for jobs to run failed: {}", done.cause().toString());
      }
      if (rescan) {
        rescan = false;
        scan();
      }
    });
  }

  private void startRun(Lease lease, Job job) {
    if (draining) {
      store.release(lease);
      return;
    }
    JobRun run = new JobRun(vertx, store, engine, options, clock, lease, job, metrics::onJobAnswers, this::ended);
    runs.put(job.id(), run);
    log.info("Job {} of {} started here: {} lines, {} answered before", job.id(), job.client(), job.total(),
        job.answered());
    run.start(window());
    resizeRuns();
  }

  private void ended(JobRun run) {
    runs.remove(run.jobId(), run);
    resizeRuns();
    if (!draining) {
      scan(); // a lease given back early (e.g. nothing left to send now) may be taken again
      callbacks.deliverDue();
    }
  }

  /** Reads the engine's pace and resizes every run's window to it. */
  private Future<Void> resize() {
    return vertx.eventBus().<JsonObject>request(CapabilityBus.ENGINE_STATUS, null,
            new DeliveryOptions().setLocalOnly(true).setSendTimeout(STATUS_TIMEOUT_MILLIS))
        .map(reply -> {
          Object value = reply.body().getValue("rate");
          rate = value instanceof Number number ? number.doubleValue() : null;
          resizeRuns();
          return (Void) null;
        }).recover(failure -> Future.succeededFuture());
  }

  private void resizeRuns() {
    int window = window();
    runs.values().forEach(run -> run.window(window));
  }

  /** Each running job's window: an even split of the jobs' share of the engine's queue. */
  private int window() {
    return windowPerJob(rate, options.checkTimeoutMillis(), maxQueue, options.queueShare(), Math.max(1, runs.size()));
  }

  /**
   * @param ratePerSecond the engine's pace, or {@code null} while it sends freely (no limit known yet)
   */
  static int windowPerJob(Double ratePerSecond, long checkTimeoutMillis, int maxQueue, double share, int jobs) {
    double budget = maxQueue * share;
    if (ratePerSecond != null && ratePerSecond > 0) {
      budget = Math.min(budget, ratePerSecond * checkTimeoutMillis / 1000.0 * share);
    }
    return (int) Math.max(1, Math.floor(budget / jobs));
  }

  private void purge() {
    store.purgeFinishedBefore(clock.instant().minus(config.retention())).onSuccess(deleted -> {
      if (deleted > 0) {
        log.info("Deleted {} jobs finished more than {} ago", deleted, config.retention());
      }
    }).onFailure(failure -> log.warn("Deleting expired jobs failed: {}", failure.toString()));
  }

  private void countJobs() {
    store.countByStatus().onSuccess(metrics::onJobs);
  }

  /** Stops taking lines and jobs (SIGTERM): checks already submitted are answered and written. */
  public Future<Void> stopFeeding() {
    return context == null ? Future.succeededFuture() : Future.future(promise -> context.runOnContext(v -> {
      draining = true;
      runs.values().forEach(JobRun::stopFeeding);
      promise.complete();
    }));
  }

  /** Writes what every run has, gives the leases back (after the engine drained). */
  public Future<Void> closeRuns() {
    return context == null ? Future.succeededFuture() : Future.<Void>future(promise -> context.runOnContext(v -> {
      draining = true;
      List<Future<Void>> closing = new ArrayList<>();
      List.copyOf(runs.values()).forEach(run -> closing.add(run.close()));
      Future.join(closing).<Void>mapEmpty().onComplete(promise);
    }));
  }

  /** Closes the runs, then the store (the runner owns its lifecycle; the routes stop with Vert.x). */
  @Override
  public Future<?> stop() {
    timers.forEach(vertx::cancelTimer);
    return closeRuns().eventually(store::close);
  }
}
