package com.linqapp.gateway.jobs.impl;

import static com.linqapp.gateway.support.Await.await;
import static com.linqapp.gateway.support.Await.awaitFailure;
import static org.assertj.core.api.Assertions.assertThat;

import com.linqapp.gateway.jobs.Job;
import com.linqapp.gateway.jobs.JobStatus;
import com.linqapp.gateway.jobs.JobStore;
import com.linqapp.gateway.jobs.JobStoreContract;
import com.linqapp.gateway.jobs.Lease;
import com.linqapp.gateway.jobs.MutableClock;
import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The store contract on the embedded file store, and what only files can get wrong. */
class FileJobStoreTest extends JobStoreContract {

  @TempDir
  Path temp;

  Path dir() {
    return temp.resolve("jobs");
  }

  @Override
  protected JobStore open(Vertx vertx, MutableClock clock) {
    return await(FileJobStore.open(vertx, dir(), clock));
  }

  @Override
  protected JobStore reopen(Vertx vertx, MutableClock clock) {
    return await(FileJobStore.open(vertx, dir(), clock));
  }

  @Test
  @DisplayName("the directory is 0700 and every file in it 0600, even under a permissive umask")
  void filesArePrivate() throws Exception {
    Job job = submit(spec("team-a"), 3);
    Lease lease = await(store.claim(job.id(), "runner-1", TTL));
    await(store.appendAnswers(lease, List.of(answer(0, true)), null));
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir()))).isEqualTo("rwx------");
    try (Stream<Path> paths = Files.walk(dir())) {
      for (Path path : paths.toList()) {
        String expected = Files.isDirectory(path) ? "rwx------" : "rw-------";
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(path))).as(path.toString())
            .isEqualTo(expected);
      }
    }
  }

  @Test
  @DisplayName("a directory made too open is closed down to 0700 when the store opens")
  void looseDirectoryIsTightened() throws Exception {
    await(store.close());
    Files.setPosixFilePermissions(dir(), PosixFilePermissions.fromString("rwxr-xr-x"));
    store = reopen(vertx, clock);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir()))).isEqualTo("rwx------");
  }

  @Test
  @DisplayName("a torn last answer write is dropped at start: its line is unanswered again, the rest intact")
  void tornAnswerWriteIsRecovered() throws Exception {
    Job job = submit(spec("team-a"), 4);
    Lease lease = await(store.claim(job.id(), "runner-1", TTL));
    await(store.appendAnswers(lease, List.of(answer(0, true), answer(2, false)), null));
    await(store.close());
    // A crash in the middle of the next batch: half a line, no newline.
    Path answers = dir().resolve(job.id()).resolve(StoredJob.ANSWERS);
    String torn = answer(1, true).line().encode();
    Files.write(answers, torn.substring(0, torn.length() / 2).getBytes(StandardCharsets.UTF_8),
        StandardOpenOption.APPEND);
    long tornLength = Files.size(answers);

    store = reopen(vertx, clock);
    Job recovered = await(store.get(job.id()));
    assertThat(recovered.answered()).isEqualTo(2);
    assertThat(recovered.available()).isEqualTo(1);
    assertThat(Files.size(answers)).isLessThan(tornLength);
    assertThat(lineIndexes(await(store.unanswered(job.id(), -1, 10)))).containsExactly(1L, 3L);
    Lease again = await(store.claim(job.id(), "runner-1", TTL));
    await(store.appendAnswers(again, List.of(answer(1, true), answer(3, true)), null));
    assertThat(indexes(await(store.answers(job.id(), -1, 10)))).containsExactly(0L, 1L, 2L, 3L);
    assertThat(await(store.update(again, JobStatus.COMPLETED, null)).answered()).isEqualTo(4);
  }

  @Test
  @DisplayName("a lost index is rebuilt from the answers at start")
  void lostIndexIsRebuilt() throws Exception {
    Job job = submit(spec("team-a"), 3);
    Lease lease = await(store.claim(job.id(), "runner-1", TTL));
    await(store.appendAnswers(lease, List.of(answer(1, true), answer(0, false)), null));
    await(store.close());
    Files.delete(dir().resolve(job.id()).resolve(StoredJob.INDEX));
    store = reopen(vertx, clock);
    assertThat(indexes(await(store.answers(job.id(), -1, 10)))).containsExactly(0L, 1L);
  }

  @Test
  @DisplayName("opening voids leases (the lock proves their holder gone) but generations keep growing")
  void reopeningVoidsLeases() throws Exception {
    Job job = submit(spec("team-a"), 3);
    Lease before = await(store.claim(job.id(), "runner-1", TTL));
    reopenStore();
    assertThat(await(store.runnable(10))).extracting(Job::id).containsExactly(job.id());
    Lease after = await(store.claim(job.id(), "runner-2", TTL));
    assertThat(after.generation()).isGreaterThan(before.generation());
  }

  @Test
  @DisplayName("a second store on the same directory is refused while the first holds it")
  void directoryIsLocked() {
    Throwable refused = awaitFailure(FileJobStore.open(vertx, dir(), clock));
    assertThat(refused).hasMessageContaining("in use by another gateway process");
  }

  @Test
  @DisplayName("leftover drafts and temp files of a crash are removed at start")
  void leftoversAreRemoved() throws Exception {
    Job job = submit(spec("team-a"), 2);
    await(store.close());
    Path crashedDraft = dir().resolve(FileJobStore.DRAFTS).resolve("j00000000000000000000000000");
    Files.createDirectories(crashedDraft);
    Files.writeString(crashedDraft.resolve(StoredJob.INPUT), "{\"address\":\"+15550000000\"}\n");
    Files.writeString(dir().resolve(job.id()).resolve(StoredJob.META + ".tmp"), "{\"half");
    store = reopen(vertx, clock);
    try (Stream<Path> drafts = Files.list(dir().resolve(FileJobStore.DRAFTS))) {
      assertThat(drafts).isEmpty();
    }
    assertThat(dir().resolve(job.id()).resolve(StoredJob.META + ".tmp")).doesNotExist();
    assertThat(await(store.get(job.id())).total()).isEqualTo(2);
  }
}
