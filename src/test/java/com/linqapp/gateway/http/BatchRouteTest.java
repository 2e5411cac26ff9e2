package com.linqapp.gateway.http;

import static com.linqapp.gateway.support.Await.await;
import static com.linqapp.gateway.support.Await.until;
import static org.assertj.core.api.Assertions.assertThat;

import com.linqapp.gateway.batch.BatchRunner;
import com.linqapp.gateway.sim.LinqSimulator;
import com.linqapp.gateway.support.GatewayHarness;
import com.linqapp.gateway.support.GatewayTestBase;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@code POST /v1/capability/batch} against the real gateway and simulator, in-process. */
class BatchRouteTest extends GatewayTestBase {

  private HttpClient http;

  @AfterEach
  void closeClient() {
    if (http != null) {
      await(http.close());
    }
  }

  @Override
  protected GatewayHarness start(Vertx vertx, JsonObject overrides) {
    super.start(vertx, overrides);
    http = vertx.createHttpClient(new HttpClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(gw.port()));
    return gw;
  }

  static String phone(int i) {
    return String.format("+1202%07d", 5_550_000 + i);
  }

  /** Sends the whole body and reads every answer line. */
  private List<JsonObject> batch(String body) {
    return await(http.request(new RequestOptions().setMethod(HttpMethod.POST).setURI(BatchHandler.ROUTE)
            .putHeader("Authorization", "Bearer " + GatewayHarness.KEY_A)
            .putHeader("Content-Type", "application/x-ndjson"))
        .compose(req -> {
          req.setChunked(true);
          req.end(body);
          return req.response();
        })
        .compose(response -> {
          assertThat(response.statusCode()).isEqualTo(200);
          assertThat(response.getHeader("Content-Type")).isEqualTo("application/x-ndjson");
          return response.body();
        })
        .map(BatchRouteTest::lines));
  }

  static List<JsonObject> lines(Buffer body) {
    List<JsonObject> lines = new ArrayList<>();
    for (String line : body.toString().split("\n")) {
      if (!line.isEmpty()) {
        lines.add(new JsonObject(line));
      }
    }
    return lines;
  }

  static Map<Long, JsonObject> byIndex(List<JsonObject> lines) {
    Map<Long, JsonObject> map = new HashMap<>();
    for (JsonObject line : lines) {
      assertThat(map.put(line.getLong("index"), line)).as("index answered twice: %s", line).isNull();
    }
    return map;
  }

  @Test
  void answersEveryLineOnceWithItemErrors(Vertx vertx) {
    start(vertx, new JsonObject());
    String tooLong = "{\"address\":\"" + "x".repeat(9000) + "\"}";
    String body = String.join("\r\n",
        "{\"address\":\"+12025550143\"}",                       // 0
        "",                                                    // blank: not counted
        "not json",                                            // 1
        "{\"address\":\"12345\"}",                             // 2 bad address
        "   ",                                                 // blank
        "{\"address\":\"jane@example.com\",\"service\":\"rcs\"}", // 3 RCS takes no email
        "{\"address\":\"jane@example.com\"}",                  // 4 iMessage email
        "{\"service\":\"rcs\"}",                               // 5 address missing
        tooLong,                                               // 6 line too long
        "[1,2]",                                               // 7 not an object
        "{\"address\":\"+12025550143\",\"service\":\"rcs\"}",    // 8
        "{\"address\":\"+12025550144\",\"service\":\"sms\"}") + "\n"; // 9 bad service, then a trailing newline

    Map<Long, JsonObject> answers = byIndex(batch(body));

    assertThat(answers.keySet()).containsExactlyInAnyOrder(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L);
    JsonObject ok = answers.get(0L);
    assertThat(ok.fieldNames()).containsExactlyInAnyOrder("index", "address", "service", "available");
    assertThat(ok.getString("address")).isEqualTo("+12025550143");
    assertThat(ok.getString("service")).isEqualTo("imessage");
    assertThat(ok.getBoolean("available")).isEqualTo(LinqSimulator.expectedAvailable("iMessage", "+12025550143", 70));
    assertError(answers.get(1L), null, "imessage", 400, 1003);
    assertError(answers.get(2L), "12345", "imessage", 400, 1002);
    assertError(answers.get(3L), "jane@example.com", "rcs", 400, 1002);
    assertThat(answers.get(4L).getBoolean("available")).isNotNull();
    assertError(answers.get(5L), null, "rcs", 400, 1001);
    assertError(answers.get(6L), null, "imessage", 413, 9006);
    assertError(answers.get(7L), null, "imessage", 400, 1003);
    assertThat(answers.get(8L).getString("service")).isEqualTo("rcs");
    assertThat(answers.get(8L).getBoolean("available")).isNotNull();
    assertError(answers.get(9L), "+12025550144", "sms", 400, 1005);
    assertThat(gw.sim().stats().requestsFor("12345")).isZero();
  }

  private static void assertError(JsonObject line, String address, String service, int status, int code) {
    assertThat(line.fieldNames()).as(line.encode()).containsExactlyInAnyOrder("index", "address", "service", "error");
    assertThat(line.getString("address")).as(line.encode()).isEqualTo(address);
    assertThat(line.getString("service")).as(line.encode()).isEqualTo(service);
    JsonObject error = line.getJsonObject("error");
    assertThat(error.getInteger("status")).as(line.encode()).isEqualTo(status);
    assertThat(error.getInteger("code")).as(line.encode()).isEqualTo(code);
    assertThat(error.getString("message")).isNotBlank();
  }

  @Test
  void repeatedAddressesCostOneUpstreamCall(Vertx vertx) {
    start(vertx, new JsonObject());
    StringBuilder body = new StringBuilder();
    for (int i = 0; i < 300; i++) {
      body.append("{\"address\":\"").append(phone(i % 3)).append("\"}\n");
    }
    Map<Long, JsonObject> answers = byIndex(batch(body.toString()));
    assertThat(answers).hasSize(300);
    for (int i = 0; i < 3; i++) {
      assertThat(gw.sim().stats().requestsFor(phone(i))).as(phone(i)).isEqualTo(1);
    }
    assertThat(answers.get(299L).getString("address")).isEqualTo(phone(299 % 3));
  }

  @Test
  void slowReaderKeepsTheWindowBounded(Vertx vertx) {
    // The engine would allow 200 in flight: only the batch's window keeps it at 64.
    // A known limit far above the load: pacing plays no part (an unknown limit opens with one request per round trip).
    start(vertx, new JsonObject().put("LINQ_MAX_CONCURRENCY", 200).put("LINQ_RATE_LIMIT_PER_SECOND", 1000)
        .put("LINQ_RATE_LIMIT_BURST", 300));
    gw.sim().hold(); // until the window is full
    int n = 1500;
    StringBuilder body = new StringBuilder();
    for (int i = 0; i < n; i++) {
      body.append("{\"address\":\"").append(phone(i)).append("\"}\n");
    }
    AtomicInteger reads = new AtomicInteger();
    Future<Buffer> received = http.request(new RequestOptions().setMethod(HttpMethod.POST).setURI(BatchHandler.ROUTE)
            .putHeader("Authorization", "Bearer " + GatewayHarness.KEY_A))
        .compose(req -> {
          req.setChunked(true);
          req.end(body.toString());
          return req.response();
        })
        .compose(response -> slowRead(vertx, response, reads));
    until("the window's checks at Linq", () -> gw.sim().held().size() == BatchRunner.DEFAULT_WINDOW);
    assertThat(gw.engineStatus().getInteger("waiting")).as("nothing submitted beyond the window")
        .isEqualTo(BatchRunner.DEFAULT_WINDOW);
    await(gw.sim().releaseAll());

    Map<Long, JsonObject> answers = byIndex(lines(await(received)));
    assertThat(answers).hasSize(n);
    assertThat(gw.sim().stats().maxInFlight()).isEqualTo(BatchRunner.DEFAULT_WINDOW);
    assertThat(gw.sim().stats().checkRequests()).isEqualTo(n);
  }

  /** Reads the body in small bites with pauses in between. */
  private static Future<Buffer> slowRead(Vertx vertx, HttpClientResponse response, AtomicInteger reads) {
    Promise<Buffer> done = Promise.promise();
    Buffer all = Buffer.buffer();
    response.pause();
    response.handler(chunk -> {
      all.appendBuffer(chunk);
      if (reads.incrementAndGet() % 20 == 0) {
        response.pause();
        vertx.setTimer(5, t -> response.fetch(1));
      } else {
        response.fetch(1);
      }
    });
    response.endHandler(v -> done.complete(all));
    response.exceptionHandler(done::tryFail);
    response.fetch(1);
    return done.future();
  }

  @Test
  void disconnectStopsSpending(Vertx vertx) {
    // A known limit far above the load: pacing plays no part (an unknown limit opens with one request per round trip).
    start(vertx, new JsonObject().put("LINQ_MAX_CONCURRENCY", 4).put("LINQ_RATE_LIMIT_PER_SECOND", 1000)
        .put("LINQ_RATE_LIMIT_BURST", 300));
    gw.sim().hold(); // 4 checks at Linq, the rest of the window queued behind them
    int n = 3000;
    StringBuilder body = new StringBuilder();
    for (int i = 0; i < n; i++) {
      body.append("{\"address\":\"").append(phone(i)).append("\"}\n");
    }
    AtomicReference<HttpConnection> connection = new AtomicReference<>();
    await(http.request(new RequestOptions().setMethod(HttpMethod.POST).setURI(BatchHandler.ROUTE)
            .putHeader("Authorization", "Bearer " + GatewayHarness.KEY_A))
        .map(req -> {
          req.setChunked(true);
          req.write(body.toString());
          connection.set(req.connection());
          return req;
        }));
    int window = BatchRunner.DEFAULT_WINDOW;
    until("the window submitted: 4 at Linq, the rest queued, waiting to be sent", () -> {
      JsonObject engine = gw.engineStatus();
      return engine.getInteger("inFlight") == 4 && engine.getInteger("queued") == window - 4;
    });

    await(connection.get().close());
    until("the client's checks withdrawn", () -> {
      JsonObject engine = gw.engineStatus();
      return engine.getInteger("waiting") == 0 && engine.getInteger("queued") == 0;
    });
    await(gw.sim().releaseAll());
    until("the 4 calls at Linq ended", () -> gw.engineStatus().getInteger("inFlight") == 0);

    assertThat(gw.sim().stats().checkRequests()).as("only the checks already at Linq when the client left").isEqualTo(4);
    assertThat(gw.engineStatus().getInteger("queued")).isZero();
  }

  @Test
  void needsClientKey(Vertx vertx) {
    start(vertx, new JsonObject());
    var response = gw.post(BatchHandler.ROUTE, "{\"address\":\"+12025550143\"}\n", "Authorization", null);
    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(GatewayHarness.envelopeError(response).getInteger("code")).isEqualTo(2004);
  }
}
