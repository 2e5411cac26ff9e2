package com.linqapp.gateway.jobs;

import static com.linqapp.gateway.jobs.JobsTestSupport.awaitStatus;
import static com.linqapp.gateway.jobs.JobsTestSupport.delete;
import static com.linqapp.gateway.jobs.JobsTestSupport.fastRunner;
import static com.linqapp.gateway.jobs.JobsTestSupport.get;
import static com.linqapp.gateway.jobs.JobsTestSupport.lines;
import static com.linqapp.gateway.jobs.JobsTestSupport.ndjson;
import static com.linqapp.gateway.jobs.JobsTestSupport.status;
import static com.linqapp.gateway.jobs.JobsTestSupport.submit;
import static com.linqapp.gateway.support.GatewayHarness.KEY_A;
import static com.linqapp.gateway.support.GatewayHarness.KEY_B;
import static com.linqapp.gateway.support.GatewayHarness.addresses;
import static com.linqapp.gateway.support.GatewayHarness.envelopeError;
import static com.linqapp.gateway.support.Await.until;
import static org.assertj.core.api.Assertions.assertThat;

import com.linqapp.gateway.support.Await;
import com.linqapp.gateway.sim.Fault;
import com.linqapp.gateway.sim.SimulatorOptions;
import com.linqapp.gateway.support.GatewayHarness;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The durable job routes against the real gateway and simulator, over loopback HTTP. */
@ExtendWith(VertxExtension.class)
class JobRoutesTest {

  private static final Duration WITHIN = Duration.ofSeconds(30);
  private GatewayHarness gw;

  private GatewayHarness start(Vertx vertx, JsonObject overrides) {
    gw = GatewayHarness.start(vertx, new SimulatorOptions(), overrides, fastRunner());
    return gw;
  }

  @AfterEach
  void stop() {
    if (gw != null) {
      gw.close();
    }
  }

  private static List<Long> indexes(List<JsonObject> lines) {
    return lines.stream().map(line -> line.getLong("index")).collect(Collectors.toList());
  }

  @Test
  @DisplayName("submit, follow the status to completed, read every answer in input order, see it listed")
  void submitStatusResultsList(Vertx vertx) {
    start(vertx, new JsonObject());
    List<String> addresses = new ArrayList<>(addresses(50, "+1555000"));
    addresses.add(addresses.get(3)); // a repeated address is a line of its own
    String body = ndjson(addresses) + "\n{\"address\":\"not-an-address\"}\nnot json\n";
    HttpResponse<Buffer> accepted = submit(gw, KEY_A, "name=leads", "application/x-ndjson", body);
    assertThat(accepted.statusCode()).isEqualTo(202);
    JsonObject job = accepted.bodyAsJsonObject();
    String id = job.getString("id");
    assertThat(accepted.getHeader("Location")).isEqualTo("/v1/jobs/" + id);
    assertThat(job.getString("name")).isEqualTo("leads");
    assertThat(job.getLong("total")).isEqualTo(53);
    assertThat(job.getString("created_at")).endsWith("Z");

    JsonObject done = awaitStatus(gw, KEY_A, id, "completed", WITHIN);
    assertThat(done.getLong("answered")).isEqualTo(53);
    assertThat(done.getLong("errors")).isEqualTo(2);
    assertThat(done.getString("finished_at")).isNotNull();
    assertThat(done.getString("started_at")).isNotNull();

    List<JsonObject> results = lines(get(gw, KEY_A, "/v1/jobs/" + id + "/results?limit=10000"));
    assertThat(indexes(results)).isEqualTo(java.util.stream.LongStream.range(0, 53).boxed().toList());
    assertThat(results.get(0).getString("address")).isEqualTo(addresses.get(0));
    assertThat(results.get(0).getString("service")).isEqualTo("imessage");
    assertThat(results.get(0).getBoolean("available")).isNotNull();
    assertThat(results.get(51).getJsonObject("error").getInteger("code")).isEqualTo(1002);
    assertThat(results.get(52).getJsonObject("error").getInteger("code")).isEqualTo(1003);
    assertThat(done.getLong("available")).isEqualTo(results.stream().filter(l -> Boolean.TRUE.equals(
        l.getBoolean("available"))).count());
    assertThat(gw.sim().stats().checkRequests()).as("one upstream call per distinct address").isEqualTo(50);

    List<JsonObject> page = lines(get(gw, KEY_A, "/v1/jobs/" + id + "/results?after=9&limit=5"));
    assertThat(indexes(page)).containsExactly(10L, 11L, 12L, 13L, 14L);

    String metrics = gw.get("/metrics").bodyAsString();
    assertThat(metrics).contains("gateway_job_lines_answered_total{result=\"error\"} 2.0");
    until("jobs by status counted", () -> gw.get("/metrics").bodyAsString()
        .contains("gateway_jobs{status=\"completed\"} 1.0"));

    JsonObject list = get(gw, KEY_A, "/v1/jobs").bodyAsJsonObject();
    assertThat(list.getJsonArray("jobs").getJsonObject(0).getString("id")).isEqualTo(id);
    assertThat(get(gw, KEY_B, "/v1/jobs").bodyAsJsonObject().getJsonArray("jobs")).isEmpty();
  }

  @Test
  @DisplayName("a CSV submission is read by the batch command's rules; results come as CSV with Accept: text/csv")
  void csvInCsvOut(Vertx vertx) {
    start(vertx, new JsonObject());
    String csv = "\uFEFFname,Address\r\n\"Doe, Jane\",+15550001111\r\n\r\nBob,\"+15550002222\"\nEve,bad\n";
    HttpResponse<Buffer> accepted = submit(gw, KEY_A, "service=imessage", "text/csv", csv);
    assertThat(accepted.statusCode()).isEqualTo(202);
    String id = accepted.bodyAsJsonObject().getString("id");
    assertThat(accepted.bodyAsJsonObject().getLong("total")).isEqualTo(3);
    awaitStatus(gw, KEY_A, id, "completed", WITHIN);
    String rows = get(gw, KEY_A, "/v1/jobs/" + id + "/results", "Accept", "text/csv").bodyAsString();
    String[] lines = rows.split("\n");
    assertThat(lines[0]).isEqualTo("row,address,service,available,error_code,error_message");
    assertThat(lines[1]).startsWith("1,+15550001111,imessage,");
    assertThat(lines[2]).startsWith("2,+15550002222,imessage,");
    assertThat(lines[3]).startsWith("3,bad,imessage,,1002,");
  }

  @Test
  @DisplayName("another client's job is 404 on every route, never 403")
  void anotherClientsJobIsNotFound(Vertx vertx) {
    start(vertx, new JsonObject());
    String id = submit(gw, KEY_A, null, null, ndjson(addresses(3, "+1555000"))).bodyAsJsonObject().getString("id");
    for (HttpResponse<Buffer> response : List.of(get(gw, KEY_B, "/v1/jobs/" + id),
        get(gw, KEY_B, "/v1/jobs/" + id + "/results"), delete(gw, KEY_B, "/v1/jobs/" + id),
        get(gw, KEY_B, "/v1/jobs/j00000000000000000000000000"))) {
      assertThat(response.statusCode()).isEqualTo(404);
      assertThat(envelopeError(response).getInteger("code")).isEqualTo(9404);
    }
    assertThat(status(gw, KEY_A, id).getString("status")).isNotEqualTo("cancelled");
    assertThat(get(gw, "wrong-key", "/v1/jobs/" + id).statusCode()).isEqualTo(401);
  }

  @Test
  @DisplayName("the same Idempotency-Key and body returns the same job; another body is 409; keys are per client")
  void idempotentSubmission(Vertx vertx) {
    start(vertx, new JsonObject());
    String body = ndjson(addresses(5, "+1555000"));
    HttpResponse<Buffer> first = submit(gw, KEY_A, null, null, body, "Idempotency-Key", "import-42");
    HttpResponse<Buffer> again = submit(gw, KEY_A, null, null, body, "Idempotency-Key", "import-42");
    assertThat(again.statusCode()).isEqualTo(202);
    assertThat(again.bodyAsJsonObject().getString("id")).isEqualTo(first.bodyAsJsonObject().getString("id"));
    HttpResponse<Buffer> other = submit(gw, KEY_A, null, null, ndjson(addresses(6, "+1555000")),
        "Idempotency-Key", "import-42");
    assertThat(other.statusCode()).isEqualTo(409);
    assertThat(envelopeError(other).getInteger("code")).isEqualTo(9009);
    HttpResponse<Buffer> otherClient = submit(gw, KEY_B, null, null, body, "Idempotency-Key", "import-42");
    assertThat(otherClient.bodyAsJsonObject().getString("id")).isNotEqualTo(first.bodyAsJsonObject().getString("id"));
    assertThat(get(gw, KEY_A, "/v1/jobs").bodyAsJsonObject().getJsonArray("jobs")).hasSize(1);
    // The test ends with both jobs running: closing Vert.x under them must not wait (ClosingWithAJobTest).
  }

  @Test
  @DisplayName("a bad body or bad options get a clear 4xx and store nothing")
  void badBodiesStoreNothing(Vertx vertx) {
    start(vertx, new JsonObject());
    record Case(String query, String contentType, String body, int status, int code) {
    }
    List<Case> cases = List.of(
        new Case(null, "application/x-ndjson", "", 400, 1003),
        new Case(null, "application/x-ndjson", "\n \n\r\n", 400, 1003),
        new Case(null, "application/x-ndjson", "+15550001111\n+15550002222\n", 400, 1003),
        new Case(null, "multipart/form-data; boundary=x", "--x--", 415, 1003),
        new Case("service=sms", null, ndjson(addresses(1, "+1555000")), 400, 1001),
        new Case("max_age=-3", null, ndjson(addresses(1, "+1555000")), 400, 1001),
        new Case("priority=urgent", null, ndjson(addresses(1, "+1555000")), 400, 1001),
        new Case("callback_url=https://hooks.example.com/x", null, ndjson(addresses(1, "+1555000")), 400, 1001));
    for (Case c : cases) {
      HttpResponse<Buffer> response = submit(gw, KEY_A, c.query(), c.contentType(), c.body());
      assertThat(response.statusCode()).as(c.toString()).isEqualTo(c.status());
      assertThat(envelopeError(response).getInteger("code")).as(c.toString()).isEqualTo(c.code());
    }
    HttpResponse<Buffer> notUtf8 = await(gw.web().post("/v1/jobs").putHeader("Authorization", "Bearer " + KEY_A)
        .sendBuffer(Buffer.buffer(new byte[] {'{', '"', 'a', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}', '\n'})));
    assertThat(notUtf8.statusCode()).isEqualTo(400);
    assertThat(envelopeError(submit(gw, KEY_A, "callback_url=https://hooks.example.com/x", null,
        ndjson(addresses(1, "+1555000")))).getString("message")).contains("GATEWAY_JOBS_CALLBACK_HOSTS");
    assertThat(get(gw, KEY_A, "/v1/jobs").bodyAsJsonObject().getJsonArray("jobs")).isEmpty();
    assertThat(gw.sim().stats().checkRequests()).isZero();
  }

  private static <T> T await(io.vertx.core.Future<T> future) {
    return Await.await(future);
  }

  @Test
  @DisplayName("limits: too many lines 413, too many open jobs 429, a full store 507 — each before anything is kept")
  void limits(Vertx vertx) {
    start(vertx, new JsonObject().put("GATEWAY_JOBS_MAX_LINES", 5).put("GATEWAY_JOBS_MAX_OPEN_PER_CLIENT", 1)
        .put("GATEWAY_JOBS_MAX_STORE_MB", 1).put("LINQ_RATE_LIMIT_PER_SECOND", 1));
    gw.sim().tokenBucket(1, 1);
    HttpResponse<Buffer> tooLong = submit(gw, KEY_A, null, null, ndjson(addresses(6, "+1555000")));
    assertThat(tooLong.statusCode()).isEqualTo(413);
    assertThat(envelopeError(tooLong).getString("message")).contains("GATEWAY_JOBS_MAX_LINES");
    assertThat(get(gw, KEY_A, "/v1/jobs").bodyAsJsonObject().getJsonArray("jobs")).isEmpty();

    String open = submit(gw, KEY_A, null, null, ndjson(addresses(5, "+1555000"))).bodyAsJsonObject().getString("id");
    HttpResponse<Buffer> second = submit(gw, KEY_A, null, null, ndjson(addresses(2, "+1555100")));
    assertThat(second.statusCode()).isEqualTo(429);
    assertThat(second.getHeader("Retry-After")).isNotNull();
    assertThat(envelopeError(second).getInteger("code")).isEqualTo(9010);
    assertThat(get(gw, KEY_A, "/v1/jobs").bodyAsJsonObject().getJsonArray("jobs")).hasSize(1);

    StringBuilder huge = new StringBuilder();
    String padding = "x".repeat(7_000);
    for (int i = 0; i < 5; i++) {
      huge.append(new JsonObject().put("address", "+1555000000" + i).put("pad", padding).encode()).append('\n');
    }
    // team-b has no open job; the store (1 MB) is not full yet, but this body would not fit... twice
    for (int i = 0; i < 40 && submit(gw, KEY_B, null, null, huge.toString()).statusCode() == 202; i++) {
      delete(gw, KEY_B, "/v1/jobs/" + get(gw, KEY_B, "/v1/jobs").bodyAsJsonObject().getJsonArray("jobs")
          .getJsonObject(0).getString("id"));
    }
    HttpResponse<Buffer> full = submit(gw, KEY_B, null, null, huge.toString());
    assertThat(full.statusCode()).isEqualTo(507);
    assertThat(envelopeError(full).getInteger("code")).isEqualTo(9011);
    assertThat(status(gw, KEY_A, open).getLong("total")).isEqualTo(5);
  }

  @Test
  @DisplayName("DELETE cancels: answers so far are kept, no more checks are spent, a repeated DELETE answers the same")
  void cancel(Vertx vertx) throws InterruptedException {
    start(vertx, new JsonObject().put("LINQ_RATE_LIMIT_PER_SECOND", 10).put("LINQ_RATE_LIMIT_BURST", 1));
    gw.sim().tokenBucket(10, 1);
    String id = submit(gw, KEY_A, null, null, ndjson(addresses(300, "+1555000"))).bodyAsJsonObject().getString("id");
    until("some answers", () -> status(gw, KEY_A, id).getLong("answered") >= 5);
    HttpResponse<Buffer> cancelled = delete(gw, KEY_A, "/v1/jobs/" + id);
    assertThat(cancelled.statusCode()).isEqualTo(200);
    assertThat(cancelled.bodyAsJsonObject().getString("status")).isEqualTo("cancelled");
    HttpResponse<Buffer> again = delete(gw, KEY_A, "/v1/jobs/" + id);
    assertThat(again.bodyAsJsonObject().getString("finished_at"))
        .isEqualTo(cancelled.bodyAsJsonObject().getString("finished_at"));

    // Checks already with Linq finish; then nothing more is spent.
    // The run hears of the cancel over the event bus a moment after the DELETE's answer: until then it may still
    // send what it queued. Withdrawn, the engine's queue is empty; what was with Linq has been answered.
    until("queued checks withdrawn, in-flight checks done", () -> {
      JsonObject engine = gw.engineStatus();
      return engine.getInteger("queued") == 0 && engine.getInteger("inFlight") == 0 && gw.sim().stats().inFlight() == 0;
    });
    long spent = gw.sim().stats().checkRequests();
    Thread.sleep(1_500); // at 10/s (as before the cancel), a run still feeding would spend ~15 more
    assertThat(gw.sim().stats().checkRequests()).isEqualTo(spent);
    assertThat(spent).isLessThan(300);
    JsonObject after = status(gw, KEY_A, id);
    List<JsonObject> kept = lines(get(gw, KEY_A, "/v1/jobs/" + id + "/results?limit=10000"));
    assertThat((long) kept.size()).isEqualTo(after.getLong("answered")).isGreaterThanOrEqualTo(5);
  }

  @Test
  @DisplayName("the results cursor stops before a line whose check failed transiently and is being retried")
  void cursorStopsAtARetriedLine(Vertx vertx) {
    start(vertx, new JsonObject().put("LINQ_MAX_ATTEMPTS", 1).put("LINQ_MAX_CONCURRENCY", 1));
    gw.sim().failNext(new Fault(Fault.Kind.ERROR_500, 0), 1);
    String id = submit(gw, KEY_A, null, null, ndjson(addresses(20, "+1555000"))).bodyAsJsonObject().getString("id");
    // The first line's check failed (502/9003 after one attempt): it is retried, never written as a failure.
    JsonObject done = awaitStatus(gw, KEY_A, id, "completed", WITHIN);
    assertThat(done.getLong("errors")).isZero();
    List<JsonObject> all = lines(get(gw, KEY_A, "/v1/jobs/" + id + "/results"));
    assertThat(all).hasSize(20).allSatisfy(line -> assertThat(line.containsKey("error")).isFalse());
    assertThat(gw.sim().stats().serverError5xx()).isEqualTo(1);
  }

  @Test
  @DisplayName("while a line is retried, results stop just before it although later lines are answered")
  void cursorIsSafeWhileALineIsPending(Vertx vertx) {
    gw = GatewayHarness.start(vertx, new SimulatorOptions(), new JsonObject().put("LINQ_MAX_ATTEMPTS", 1)
        .put("LINQ_MAX_CONCURRENCY", 1), new JobRunnerOptions(10_000, 100, 50, Duration.ofSeconds(30), 200, 0.5,
        failures -> 4_000));
    gw.sim().failNext(new Fault(Fault.Kind.ERROR_500, 0), 1);
    String id = submit(gw, KEY_A, null, null, ndjson(addresses(20, "+1555000"))).bodyAsJsonObject().getString("id");
    until("all but the retried line answered", () -> status(gw, KEY_A, id).getLong("answered") == 19);
    List<JsonObject> partial = lines(get(gw, KEY_A, "/v1/jobs/" + id + "/results"));
    long pending = partial.size();
    assertThat(indexes(partial)).isEqualTo(java.util.stream.LongStream.range(0, pending).boxed().toList());
    assertThat(pending).as("the pending line is an early one").isLessThan(19);
    assertThat(lines(get(gw, KEY_A, "/v1/jobs/" + id + "/results?after=" + (pending - 1)))).isEmpty();
    awaitStatus(gw, KEY_A, id, "completed", WITHIN);
    List<JsonObject> rest = lines(get(gw, KEY_A, "/v1/jobs/" + id + "/results?after=" + (pending - 1)));
    assertThat(indexes(rest)).isEqualTo(java.util.stream.LongStream.range(pending, 20).boxed().toList());
  }

  @Test
  @DisplayName("an ended job is deleted with its answers once GATEWAY_JOBS_RETENTION has passed; open jobs stay")
  void retention(Vertx vertx) {
    start(vertx, new JsonObject().put("GATEWAY_JOBS_RETENTION", "PT2S"));
    String done = submit(gw, KEY_A, null, null, ndjson(addresses(3, "+1555000"))).bodyAsJsonObject().getString("id");
    awaitStatus(gw, KEY_A, done, "completed", WITHIN);
    assertThat(get(gw, KEY_A, "/v1/jobs/" + done + "/results").statusCode()).isEqualTo(200);
    until("job deleted", () -> get(gw, KEY_A, "/v1/jobs/" + done).statusCode() == 404);
    assertThat(get(gw, KEY_A, "/v1/jobs/" + done + "/results").statusCode()).isEqualTo(404);
    assertThat(get(gw, KEY_A, "/v1/jobs").bodyAsJsonObject().getJsonArray("jobs")).isEmpty();
  }

  @Test
  @DisplayName("follow=true streams every answer in order until the job ends")
  void followStreamsToTheEnd(Vertx vertx) {
    start(vertx, new JsonObject().put("LINQ_RATE_LIMIT_PER_SECOND", 100));
    gw.sim().tokenBucket(100, 5);
    String id = submit(gw, KEY_A, null, null, ndjson(addresses(120, "+1555000"))).bodyAsJsonObject().getString("id");
    HttpResponse<Buffer> followed = await(gw.web().get("/v1/jobs/" + id + "/results?follow=true")
        .putHeader("Authorization", "Bearer " + KEY_A).timeout(60_000).send());
    assertThat(indexes(lines(followed))).isEqualTo(java.util.stream.LongStream.range(0, 120).boxed().toList());
    assertThat(status(gw, KEY_A, id).getString("status")).isEqualTo("completed");
  }
}
