package com.linqapp.gateway.jobs.impl;

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
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded job store ({@code GATEWAY_JOBS_STORE=file}): one directory per job under
 * {@code GATEWAY_JOBS_DIR} (see {@link StoredJob} for the files), drafts under {@code .drafts/}, and a
 * {@code .lock} that one gateway process holds while the store is open.
 *
 * <p>Every operation runs on one worker thread of its own (a worker executor of size 1): the store's
 * state — the jobs' metadata, idempotency keys, sizes — is confined to that thread, needs no locks, and
 * blocking file I/O never touches an event loop. Futures complete on the caller's context.
 *
 * <p>Leases are granted trivially but by the contract's rules: the directory lock proves no other process
 * can hold one, so opening the store voids every lease; generations are persisted, so they keep growing
 * across restarts.
 */
public final class FileJobStore implements JobStore {

  static final String DRAFTS = ".drafts";
  static final String LOCK = ".lock";

  private static final Logger log = LoggerFactory.getLogger(FileJobStore.class);
  private static final AtomicInteger INSTANCES = new AtomicInteger();

  private final Path root;
  private final Clock clock;
  private final JobIds ids;
  private final WorkerExecutor worker;
  private final FileChannel lockFile;
  private final FileLock lock;
  // ---- confined to the worker thread ----
  private final TreeMap<String, StoredJob> jobs = new TreeMap<>();
  private final Map<String, String> idempotencyKeys = new HashMap<>();
  private final Map<String, Draft> drafts = new HashMap<>();
  private final Map<String, Long> jobBytes = new HashMap<>();
  private long bytes;
  private boolean closed;

  private FileJobStore(Path root, Clock clock, JobIds ids, WorkerExecutor worker, FileChannel lockFile,
                       FileLock lock) {
    this.root = root;
    this.clock = clock;
    this.ids = ids;
    this.worker = worker;
    this.lockFile = lockFile;
    this.lock = lock;
  }

  /**
   * Opens (creating) the store in {@code dir}: takes its lock, discards drafts, recovers torn answer writes.
   * Fails when another process holds the directory.
   */
  public static Future<JobStore> open(Vertx vertx, Path dir, Clock clock) {
    WorkerExecutor worker = vertx.createSharedWorkerExecutor("gateway-jobs-store-" + INSTANCES.incrementAndGet(), 1);
    return worker.<JobStore>executeBlocking(() -> {
      Path root = dir.toAbsolutePath().normalize();
      Files0600.directory(root);
      FileChannel lockFile = Files0600.open(root.resolve(LOCK));
      FileLock lock;
      try {
        lock = lockFile.tryLock();
      } catch (java.nio.channels.OverlappingFileLockException inThisJvm) {
        lock = null;
      }
      if (lock == null) {
        lockFile.close();
        throw new IOException("the job store directory " + root + " is in use by another gateway process");
      }
      FileJobStore store = new FileJobStore(root, clock, new JobIds(), worker, lockFile, lock);
      store.load();
      return store;
    }, true).onFailure(failure -> worker.close());
  }

  private void load() throws IOException {
    Files0600.deleteTree(root.resolve(DRAFTS));
    Files0600.directory(root.resolve(DRAFTS));
    try (var dirs = Files.list(root)) {
      for (Path dir : dirs.filter(Files::isDirectory).toList()) {
        String name = dir.getFileName().toString();
        if (name.startsWith(".")) {
          continue;
        }
        if (!Files.exists(dir.resolve(StoredJob.META))) {
          log.warn("Job directory {} has no {}: ignored", name, StoredJob.META);
          continue;
        }
        Files.deleteIfExists(dir.resolve(StoredJob.META + ".tmp"));
        StoredJob job = StoredJob.load(dir);
        register(job);
      }
    }
    log.info("Job store at {}: {} jobs, {} bytes", root, jobs.size(), bytes);
  }

  private void register(StoredJob job) throws IOException {
    jobs.put(job.id, job);
    if (job.spec.idempotencyKey() != null) {
      idempotencyKeys.put(keyOf(job.spec.client(), job.spec.idempotencyKey()), job.id);
    }
    measure(job);
  }

  private void measure(StoredJob job) throws IOException {
    long size = job.bytes();
    Long before = jobBytes.put(job.id, size);
    bytes += size - (before == null ? 0 : before);
  }

  private static String keyOf(String client, String key) {
    return client + '\n' + key;
  }

  private <T> Future<T> run(Callable<T> work) {
    try {
      return worker.executeBlocking(() -> {
        if (closed) {
          throw new StoreClosedException();
        }
        return work.call();
      }, false);
    } catch (java.util.concurrent.RejectedExecutionException closing) {
      return Future.failedFuture(new StoreClosedException()); // Vert.x is closing its worker pools
    }
  }

  private Instant now() {
    return clock.instant();
  }

  // ---- submission and reading -----------------------------------------------------------------------------

  @Override
  public Future<JobDraft> draft(JobSpec spec) {
    return run(() -> {
      String id = ids.next(now());
      Path dir = root.resolve(DRAFTS).resolve(id);
      Files0600.newDirectory(dir);
      Draft draft = new Draft(id, spec, dir);
      drafts.put(id, draft);
      return draft;
    });
  }

  @Override
  public Future<Job> get(String id) {
    return run(() -> {
      StoredJob job = jobs.get(id);
      return job == null ? null : job.view();
    });
  }

  @Override
  public Future<Job> findByIdempotencyKey(String client, String key) {
    return run(() -> {
      String id = idempotencyKeys.get(keyOf(client, key));
      return id == null ? null : jobs.get(id).view();
    });
  }

  @Override
  public Future<List<Job>> list(String client, String beforeId, int limit) {
    return run(() -> {
      List<Job> page = new ArrayList<>();
      var newestFirst = beforeId == null ? jobs.descendingMap() : jobs.headMap(beforeId, false).descendingMap();
      for (StoredJob job : newestFirst.values()) {
        if (page.size() >= limit) {
          break;
        }
        if (job.spec.client().equals(client)) {
          page.add(job.view());
        }
      }
      return page;
    });
  }

  @Override
  public Future<StoreUsage> usage(String client) {
    return run(() -> {
      int open = 0;
      for (StoredJob job : jobs.values()) {
        if (!job.status.finished() && job.spec.client().equals(client)) {
          open++;
        }
      }
      for (Draft draft : drafts.values()) {
        if (draft.spec.client().equals(client)) {
          open++;
        }
      }
      long draftBytes = drafts.values().stream().mapToLong(draft -> draft.bytes).sum();
      return new StoreUsage(open, bytes + draftBytes);
    });
  }

  @Override
  public Future<Map<JobStatus, Integer>> countByStatus() {
    return run(() -> {
      Map<JobStatus, Integer> counts = new java.util.EnumMap<>(JobStatus.class);
      jobs.values().forEach(job -> counts.merge(job.status, 1, Integer::sum));
      return counts;
    });
  }

  @Override
  public Future<Job> cancel(String id) {
    return run(() -> {
      StoredJob job = jobs.get(id);
      if (job == null) {
        return null;
      }
      if (!job.status.finished()) {
        end(job, JobStatus.CANCELLED);
        job.saveMeta();
        if (job.owner == null) {
          job.closeFiles();
        }
      }
      return job.view();
    });
  }

  /** A job ends: its time, and its callback's first delivery when it has a callback_url. */
  private void end(StoredJob job, JobStatus status) {
    job.status = status;
    job.finishedAt = now();
    job.pause = null;
    job.rate = null;
    if (job.spec.callbackUrl() != null && job.callback == null) {
      job.callback = CallbackState.pending(UUID.randomUUID().toString(), now());
    }
  }

  @Override
  public Future<List<JsonObject>> answers(String id, long after, int limit) {
    return run(() -> {
      StoredJob job = jobs.get(id);
      return job == null ? List.of() : job.answers(after, limit);
    });
  }

  // ---- running --------------------------------------------------------------------------------------------

  @Override
  public Future<List<Job>> runnable(int limit) {
    return run(() -> {
      Instant now = now();
      List<Job> runnable = new ArrayList<>();
      for (StoredJob job : jobs.values()) {
        if (runnable.size() >= limit) {
          break;
        }
        if (!job.status.finished() && job.leaseFree(now)) {
          runnable.add(job.view());
        }
      }
      return runnable;
    });
  }

  @Override
  public Future<Lease> claim(String id, String owner, Duration ttl) {
    return run(() -> {
      StoredJob job = jobs.get(id);
      Instant now = now();
      if (job == null || job.status.finished() || !job.leaseFree(now)) {
        throw new LeaseHeldException(id);
      }
      job.generation++;
      job.owner = owner;
      job.leaseExpiresAt = now.plus(ttl);
      if (job.startedAt == null) {
        job.startedAt = now;
      }
      if (job.status == JobStatus.QUEUED) {
        job.status = JobStatus.RUNNING;
      }
      job.saveMeta();
      return new Lease(id, owner, job.generation, job.leaseExpiresAt);
    });
  }

  @Override
  public Future<Lease> renew(Lease lease, Duration ttl) {
    return run(() -> {
      StoredJob job = held(lease);
      job.leaseExpiresAt = now().plus(ttl);
      return new Lease(lease.jobId(), lease.owner(), lease.generation(), job.leaseExpiresAt);
    });
  }

  @Override
  public Future<Void> release(Lease lease) {
    return run(() -> {
      StoredJob job = jobs.get(lease.jobId());
      if (job != null && job.holds(lease)) {
        job.owner = null;
        job.leaseExpiresAt = null;
        job.rate = null;
        job.closeFiles();
      }
      return null;
    });
  }

  private StoredJob held(Lease lease) {
    StoredJob job = jobs.get(lease.jobId());
    if (job == null || !job.holds(lease)) {
      throw new StaleLeaseException(lease);
    }
    return job;
  }

  @Override
  public Future<List<JobLine>> unanswered(String id, long after, int limit) {
    return run(() -> {
      StoredJob job = jobs.get(id);
      return job == null ? List.of() : job.unanswered(after, limit);
    });
  }

  @Override
  public Future<Job> appendAnswers(Lease lease, List<JobAnswer> answers, Double rate) {
    return run(() -> {
      StoredJob job = held(lease);
      if (job.append(answers) > 0) {
        measure(job);
      }
      if (rate != null) {
        job.rate = rate;
      }
      return job.view();
    });
  }

  @Override
  public Future<Job> update(Lease lease, JobStatus status, JobPause pause) {
    return run(() -> {
      StoredJob job = held(lease);
      if (job.status.finished()) {
        return job.view();
      }
      switch (status) {
        case RUNNING -> {
          job.status = JobStatus.RUNNING;
          job.pause = null;
        }
        case PAUSED -> {
          job.status = JobStatus.PAUSED;
          job.pause = pause;
        }
        case COMPLETED -> {
          if (job.answered < job.total) {
            throw new IllegalStateException("job " + job.id + " has " + (job.total - job.answered)
                + " lines without an answer");
          }
          end(job, JobStatus.COMPLETED);
        }
        case FAILED -> end(job, JobStatus.FAILED);
        default -> throw new IllegalArgumentException("a runner cannot set " + status);
      }
      job.saveMeta();
      return job.view();
    });
  }

  // ---- callbacks ------------------------------------------------------------------------------------------

  @Override
  public Future<List<Job>> callbacksDue(int limit) {
    return run(() -> {
      Instant now = now();
      return jobs.values().stream()
          .filter(job -> job.callback != null && job.callback.status() == CallbackState.Status.PENDING
              && !job.callback.nextAttemptAt().isAfter(now))
          .sorted(Comparator.comparing(job -> job.callback.nextAttemptAt()))
          .limit(limit).map(StoredJob::view).toList();
    });
  }

  @Override
  public Future<Boolean> updateCallback(String id, CallbackState expected, CallbackState next) {
    return run(() -> {
      StoredJob job = jobs.get(id);
      if (job == null || !java.util.Objects.equals(job.callback, expected)) {
        return false;
      }
      job.callback = next;
      job.saveMeta();
      return true;
    });
  }

  // ---- retention and lifecycle ----------------------------------------------------------------------------

  @Override
  public Future<Integer> purgeFinishedBefore(Instant cutoff) {
    return run(() -> {
      List<StoredJob> expired = jobs.values().stream()
          .filter(job -> job.status.finished() && job.finishedAt.isBefore(cutoff)).toList();
      for (StoredJob job : expired) {
        job.closeFiles();
        // Renamed first, so a crash half-way through deleting never leaves a job that looks whole.
        Path doomed = root.resolve(DRAFTS).resolve(job.id + ".deleted");
        Files.move(job.dir, doomed, StandardCopyOption.ATOMIC_MOVE);
        Files0600.deleteTree(doomed);
        jobs.remove(job.id);
        if (job.spec.idempotencyKey() != null) {
          idempotencyKeys.remove(keyOf(job.spec.client(), job.spec.idempotencyKey()), job.id);
        }
        bytes -= jobBytes.remove(job.id);
      }
      return expired.size();
    });
  }

  @Override
  public Future<Void> close() {
    try {
      return worker.<Void>executeBlocking(() -> {
        closeNow();
        return null;
      }, false).eventually(() -> worker.close());
    } catch (java.util.concurrent.RejectedExecutionException closing) {
      // Vert.x closed the worker pool first: nothing runs on it any more, so close here (and free the lock).
      try {
        closeNow();
        return Future.succeededFuture();
      } catch (IOException e) {
        return Future.failedFuture(e);
      }
    }
  }

  private void closeNow() throws IOException {
    if (!closed) {
      closed = true;
      jobs.values().forEach(StoredJob::closeFiles);
      for (Draft draft : List.copyOf(drafts.values())) {
        draft.discard();
      }
      lock.release();
      lockFile.close();
    }
  }

  /** A submission being received, in {@code .drafts/<id>/}; moved into place whole by {@link #commit}. */
  private final class Draft implements JobDraft {
    private final String id;
    private final JobSpec spec;
    private final Path dir;
    private final FileChannel input;
    private final OutputStream out;
    private long lines;
    private long bytes;
    private boolean done;

    Draft(String id, JobSpec spec, Path dir) throws IOException {
      this.id = id;
      this.spec = spec;
      this.dir = dir;
      this.input = Files0600.open(dir.resolve(StoredJob.INPUT));
      this.out = new java.io.BufferedOutputStream(Channels.newOutputStream(input), 64 * 1024);
    }

    @Override
    public String id() {
      return id;
    }

    @Override
    public Future<Void> append(List<JobLine> batch) {
      return run(() -> {
        requireOpen();
        for (JobLine line : batch) {
          if (line.index() != lines) {
            throw new IllegalArgumentException("line " + line.index() + " appended where line " + lines
                + " was expected");
          }
          if (!line.tooLong()) {
            byte[] text = line.text().getBytes(StandardCharsets.UTF_8);
            if (line.text().indexOf('\n') >= 0 || line.text().indexOf('\r') >= 0) {
              throw new IllegalArgumentException("a stored line cannot hold a line break");
            }
            out.write(text);
            bytes += text.length;
          }
          out.write('\n');
          bytes++;
          lines++;
        }
        return null;
      });
    }

    @Override
    public Future<Job> commit(String fingerprint) {
      return run(() -> {
        requireOpen();
        if (spec.idempotencyKey() != null) {
          String existing = idempotencyKeys.get(keyOf(spec.client(), spec.idempotencyKey()));
          if (existing != null) {
            discard();
            StoredJob earlier = jobs.get(existing);
            if (!earlier.fingerprint.equals(fingerprint)) {
              throw new IdempotencyConflictException(existing);
            }
            return earlier.view();
          }
        }
        out.flush();
        input.force(true);
        out.close();
        Path target = root.resolve(id);
        StoredJob job = StoredJob.created(id, target, spec, lines, now(), fingerprint);
        Files0600.replace(dir.resolve(StoredJob.META), job.meta().encode().getBytes(StandardCharsets.UTF_8));
        Files.move(dir, target, StandardCopyOption.ATOMIC_MOVE);
        Files0600.syncDirectory(root);
        done = true;
        drafts.remove(id);
        register(job);
        return job.view();
      });
    }

    @Override
    public Future<Void> abort() {
      return run(() -> {
        if (!done) {
          discard();
        }
        return null;
      });
    }

    private void requireOpen() {
      if (done) {
        throw new IllegalStateException("draft " + id + " was committed or aborted");
      }
    }

    private void discard() throws IOException {
      done = true;
      drafts.remove(id);
      try {
        out.close();
      } catch (IOException | UncheckedIOException ignored) {
        // deleted below anyway
      }
      Files0600.deleteTree(dir);
    }
  }
}
