package com.linqapp.gateway.batch;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.Map;

/**
 * A running gateway's batch route ({@code POST /v1/capability/batch}) as a {@link BatchRunner.Check}: one
 * streamed request stays open for the whole run, each {@link #submit} writes one line on it, and the answer
 * line that comes back for it completes that item's future, whatever the order the gateway answers in. So the
 * same window, retries and output serve a run in process and a run through a gateway; retries are simply
 * written again on the same request. {@link #finish} ends the request once every item has its final answer.
 *
 * <p>A lost connection, or an answer other than 200, fails every item still waiting and every later one with
 * {@link Refused} or the transport's failure. Confined to the context it was opened on.
 */
public final class GatewayBatchConnection implements BatchRunner.Check<JsonObject, JsonObject> {

  /** The batch route's path. */
  public static final String ROUTE = "/v1/capability/batch";
  /** Longest answer line read back. */
  static final int MAX_ANSWER_BYTES = 1 << 20;

  /** The gateway answered the batch with something other than 200 (e.g. 401 for a wrong client key). */
  public static final class Refused extends RuntimeException {
    private final int status;

    Refused(int status, String body) {
      super("the gateway answered " + status + ": " + body, null, false, false);
      this.status = status;
    }

    public int status() {
      return status;
    }
  }

  private final HttpClientRequest request;
  /** Items written and not yet answered, by their sequence number on this request. */
  private final Map<Long, Waiting> waiting = new HashMap<>();
  private long nextSequence;
  private Throwable lost;

  private record Waiting(long index, Promise<JsonObject> answer) {
  }

  private GatewayBatchConnection(HttpClientRequest request) {
    this.request = request;
  }

  /** Opens the batch request; items can be submitted as soon as it completes. */
  public static Future<GatewayBatchConnection> open(HttpClient http, GatewayEndpoint gateway) {
    return http.request(gateway.request(HttpMethod.POST, ROUTE).putHeader("Content-Type", "application/x-ndjson"))
        .map(request -> {
          GatewayBatchConnection connection = new GatewayBatchConnection(request);
          request.setChunked(true);
          request.exceptionHandler(connection::fail);
          request.response().onSuccess(connection::read).onFailure(connection::fail);
          request.sendHead();
          return connection;
        });
  }

  /** Writes one request line; the future completes with its answer line, {@code index} set to {@code index}. */
  @Override
  public Future<JsonObject> submit(long index, JsonObject item) {
    if (lost != null) {
      return Future.failedFuture(lost);
    }
    Promise<JsonObject> answer = Promise.promise();
    waiting.put(nextSequence++, new Waiting(index, answer));
    request.write(Buffer.buffer(item.encode()).appendByte((byte) '\n'));
    return answer.future();
  }

  /** Ends the request: every item has its final answer. */
  public void finish() {
    if (lost == null) {
      request.end();
    }
  }

  /** Gives up: the request is reset and nothing more is answered. */
  public void cancel() {
    if (lost == null) {
      fail(new IllegalStateException("cancelled"));
      request.reset();
    }
  }

  private void read(HttpClientResponse response) {
    if (response.statusCode() != 200) {
      response.body().onComplete(body -> fail(new Refused(response.statusCode(),
          body.succeeded() ? body.result().toString().trim() : "")));
      return;
    }
    NdjsonLines answers = new NdjsonLines(response, MAX_ANSWER_BYTES);
    response.exceptionHandler(this::fail);
    answers.handler(line -> {
      JsonObject answer;
      try {
        answer = new JsonObject(line.text());
      } catch (RuntimeException notJson) {
        fail(new IllegalStateException("the gateway sent a line that is not JSON"));
        return;
      }
      Waiting item = waiting.remove(answer.getLong("index", -1L));
      if (item != null) {
        item.answer().complete(answer.put("index", item.index()));
      }
    });
    answers.endHandler(v -> {
      if (!waiting.isEmpty()) {
        fail(new IllegalStateException("the gateway ended the batch with " + waiting.size() + " items unanswered"));
      }
    });
  }

  private void fail(Throwable failure) {
    if (lost != null) {
      return;
    }
    lost = failure;
    waiting.values().forEach(item -> item.answer().tryFail(failure));
    waiting.clear();
  }
}
