package com.linqapp.gateway.jobs;

import static com.linqapp.gateway.support.GatewayHarness.await;
import static org.assertj.core.api.Assertions.assertThat;

import com.linqapp.gateway.check.Priority;
import com.linqapp.gateway.check.Service;
import com.linqapp.gateway.config.JobsOptions;
import com.linqapp.gateway.jobs.impl.FileJobStore;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Callbacks to a real receiver on loopback, with the store's state and a clock the test moves. */
class CallbackSenderTest {

  private static final String SECRET = "a-callback-secret-of-32-bytes!!!";

  record Received(String path, MultiMap headers, Buffer body) {
  }

  @TempDir
  Path temp;

  Vertx vertx;
  MutableClock clock;
  JobStore store;
  HttpServer receiver;
  final List<Received> received = new CopyOnWriteArrayList<>();
  /** Statuses the receiver answers with, in order; 200 once they run out. */
  final ArrayDeque<Integer> script = new ArrayDeque<>();

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    clock = new MutableClock();
    store = await(FileJobStore.open(vertx, temp.resolve("jobs"), clock));
    receiver = await(vertx.createHttpServer().requestHandler(request -> request.body().onSuccess(body -> {
      received.add(new Received(request.path(), request.headers(), body));
      Integer status;
      synchronized (script) {
        status = script.poll();
      }
      if (status != null && status / 100 == 3) {
        request.response().setStatusCode(status).putHeader("Location", "/elsewhere").end();
      } else {
        request.response().setStatusCode(status == null ? 200 : status).end();
      }
    })).listen(0, "127.0.0.1"));
  }

  @AfterEach
  void stop() {
    await(store.close());
    await(vertx.close());
  }

  private CallbackSender sender(String... hosts) {
    JobsOptions options = new JobsOptions("file", temp.toString(), Duration.ofDays(7), 1000, 10, 1 << 30,
        List.of(hosts), SECRET);
    return new CallbackSender(vertx, store, options, clock, () -> 0.5);
  }

  private Job finishedJob(String callbackPath) {
    JobSpec spec = new JobSpec("team-a", "leads", Service.IMESSAGE, null, Priority.BULK,
        "http://127.0.0.1:" + receiver.actualPort() + callbackPath, null);
    JobDraft draft = await(store.draft(spec));
    await(draft.append(List.of(new JobLine(0, "{\"address\":\"+15550000001\"}"))));
    Job job = await(draft.commit("f"));
    return await(store.cancel(job.id()));
  }

  private CallbackState state(Job job) {
    return await(store.get(job.id())).callback();
  }

  @Test
  @DisplayName("a finished job's summary is posted once, signed over timestamp.body, with its delivery id")
  void deliveredAndSigned() {
    Job job = finishedJob("/hooks/jobs");
    await(sender("127.0.0.1").deliverDue());
    assertThat(received).hasSize(1);
    Received call = received.get(0);
    assertThat(call.path()).isEqualTo("/hooks/jobs");
    JsonObject summary = new JsonObject(call.body());
    assertThat(summary.getString("id")).isEqualTo(job.id());
    assertThat(summary.getString("status")).isEqualTo("cancelled");
    assertThat(call.headers().get(CallbackSender.DELIVERY_HEADER)).isEqualTo(job.callback().deliveryId());
    String signature = call.headers().get(CallbackSender.SIGNATURE_HEADER);
    long t = clock.instant().getEpochSecond();
    assertThat(signature).isEqualTo("t=" + t + ",sha256=" + CallbackSender.sign(SECRET, t, call.body()));
    assertThat(signature).doesNotContain(CallbackSender.sign("another-secret-of-32-bytes-long!", t, call.body()));
    assertThat(state(job).status()).isEqualTo(CallbackState.Status.DELIVERED);
    await(sender("127.0.0.1").deliverDue());
    assertThat(received).hasSize(1);
  }

  @Test
  @DisplayName("a failed attempt is retried after its backoff, with the same delivery id, and the state says so")
  void failedAttemptIsRetriedLater() {
    script.add(503);
    Job job = finishedJob("/hook");
    CallbackSender sender = sender("127.0.0.1");
    await(sender.deliverDue());
    CallbackState afterFailure = state(job);
    assertThat(afterFailure.status()).isEqualTo(CallbackState.Status.PENDING);
    assertThat(afterFailure.attempts()).isEqualTo(1);
    assertThat(afterFailure.lastResult()).isEqualTo("503");
    assertThat(afterFailure.nextAttemptAt()).isEqualTo(clock.instant().plusMillis(7_500)); // 10 s, jitter 0.5

    await(sender.deliverDue());
    assertThat(received).as("not due yet").hasSize(1);
    clock.advance(Duration.ofMillis(7_500));
    await(sender.deliverDue());
    assertThat(received).hasSize(2);
    assertThat(received.get(1).headers().get(CallbackSender.DELIVERY_HEADER))
        .isEqualTo(received.get(0).headers().get(CallbackSender.DELIVERY_HEADER));
    assertThat(state(job).status()).isEqualTo(CallbackState.Status.DELIVERED);
    assertThat(state(job).attempts()).isEqualTo(2);
  }

  @Test
  @DisplayName("a redirect is never followed: the attempt failed, the other location is not called")
  void redirectIsRefused() {
    script.add(302);
    Job job = finishedJob("/hook");
    await(sender("127.0.0.1").deliverDue());
    assertThat(received).extracting(Received::path).containsExactly("/hook");
    assertThat(state(job).status()).isEqualTo(CallbackState.Status.PENDING);
    assertThat(state(job).lastResult()).isEqualTo("302");
  }

  @Test
  @DisplayName("a host not (or no longer) in GATEWAY_JOBS_CALLBACK_HOSTS is never called")
  void hostNotAllowedIsNeverCalled() {
    Job job = finishedJob("/hook");
    await(sender("hooks.example.com").deliverDue());
    assertThat(received).isEmpty();
    assertThat(state(job).status()).isEqualTo(CallbackState.Status.GAVE_UP);
    assertThat(state(job).lastResult()).isEqualTo("host not allowed");
  }

  @Test
  @DisplayName("retries stop a day after the first attempt")
  void givesUpAfterADay() {
    for (int i = 0; i < 100; i++) {
      script.add(500);
    }
    Job job = finishedJob("/hook");
    CallbackSender sender = sender("127.0.0.1");
    int rounds = 0;
    while (state(job).status() == CallbackState.Status.PENDING && rounds++ < 100) {
      await(sender.deliverDue());
      CallbackState now = state(job);
      if (now.nextAttemptAt() != null) {
        clock.setTo(now.nextAttemptAt());
      }
    }
    CallbackState last = state(job);
    assertThat(last.status()).isEqualTo(CallbackState.Status.GAVE_UP);
    assertThat(Duration.between(last.firstAttemptAt(), clock.instant())).isLessThanOrEqualTo(Duration.ofDays(1));
    assertThat(last.attempts()).isEqualTo(received.size()).isBetween(20, 40);
  }
}
