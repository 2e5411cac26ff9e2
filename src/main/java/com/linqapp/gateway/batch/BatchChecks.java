package com.linqapp.gateway.batch;

import com.linqapp.gateway.bus.CapabilityClient;
import com.linqapp.gateway.bus.CheckMessages;
import com.linqapp.gateway.bus.CheckQuery;
import com.linqapp.gateway.check.AddressRule;
import com.linqapp.gateway.check.CheckAnswer;
import com.linqapp.gateway.check.CheckException;
import com.linqapp.gateway.check.CheckResult;
import com.linqapp.gateway.check.ErrorCodes;
import com.linqapp.gateway.check.Freshness;
import com.linqapp.gateway.check.Priority;
import com.linqapp.gateway.check.Service;
import com.linqapp.gateway.check.StrictJson;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.function.Consumer;

/**
 * One batch item from request to answer line: {@code {"address", "service"?, "from"?, "max_age"?}} is
 * validated (a bad field is an item error, never a failed batch), sent through {@link CapabilityClient}
 * in the {@link Priority#BULK bulk} lane, and answered as the batch route's line:
 * {@code {"index","address","service","available",reason?,selected_service?}} or
 * {@code {"index","address"|null,"service","error":{"status","code","message",retry_after?}}}.
 * Items are read by {@link CheckQuery#parse}, so a batch line takes the fields of a {@code capability.check}
 * request; its priority is always bulk.
 */
public final class BatchChecks {

  private final CapabilityClient client;
  private final Service defaultService;
  private final AddressRule rule;
  private final String clientName;
  private final String requestId;
  private Consumer<CheckResult> observer = result -> { };
  private Priority priority = Priority.BULK;
  private Long timeoutMillis;
  private Integer defaultMaxAge;
  private String group;

  /**
   * @param rule       Linq's address rule with the gateway's region, so a bad address is an item error
   *                   without a trip to the engine; {@code null} in another JVM, where the engine applies it
   * @param clientName client name for logs, metrics and budgets, or {@code null}
   * @param requestId  correlation id of the whole batch, or {@code null}
   */
  public BatchChecks(CapabilityClient client, Service defaultService, AddressRule rule, String clientName,
                     String requestId) {
    this.client = client;
    this.defaultService = defaultService;
    this.rule = rule;
    this.clientName = clientName;
    this.requestId = requestId;
  }

  /** Sees every answer (e.g. to count cache hits); runs on the caller's context. */
  public BatchChecks onResult(Consumer<CheckResult> observer) {
    this.observer = observer;
    return this;
  }

  /**
   * How a durable job's checks differ from a batch's: its lane, a deadline of their own, the {@code max_age}
   * of items that give none, and the job as the fairness group within its client.
   *
   * @param timeout deadline of each check in ms, or {@code null} for the gateway's default
   * @param maxAge  {@code max_age} of items without one, or {@code null}
   */
  public BatchChecks forJob(Priority lane, Long timeout, Integer maxAge, String fairnessGroup) {
    this.priority = lane;
    this.timeoutMillis = timeout;
    this.defaultMaxAge = maxAge;
    this.group = fairnessGroup;
    return this;
  }

  /** Answer line for a raw NDJSON line (the HTTP route); never fails. */
  public Future<JsonObject> check(long index, NdjsonLines.Line line) {
    JsonObject item = line.tooLong() ? null : StrictJson.objectOrNull(line.text());
    return item == null ? Future.succeededFuture(unreadableLine(index, defaultService.wireName(), line.tooLong()))
        : check(index, item);
  }

  /** The error line for a line that cannot be a check at all: longer than the limit, or not a JSON object. */
  public static JsonObject unreadableLine(long index, String service, boolean tooLong) {
    CheckException error = tooLong
        ? new CheckException(413, ErrorCodes.TOO_LARGE, "Line longer than " + NdjsonLines.DEFAULT_MAX_LINE_BYTES + " bytes")
        : CheckException.badRequest(ErrorCodes.BODY_NOT_JSON, "Line must be a JSON object");
    return errorLine(index, null, service, error);
  }

  /** Answer line for a request object; never fails. */
  public Future<JsonObject> check(long index, JsonObject item) {
    Object rawAddress = item.getValue("address");
    String address = rawAddress instanceof String text ? text : null;
    Object rawService = item.getValue("service");
    String serviceName = rawService instanceof String text ? text : defaultService.wireName();
    CheckQuery query;
    try {
      query = query(item);
    } catch (CheckException bad) {
      return Future.succeededFuture(errorLine(index, address, serviceName, bad));
    }
    String wireService = query.service().wireName();
    return client.check(query, requestId, clientName, group).transform(done -> {
      if (done.succeeded()) {
        observer.accept(done.result());
        return Future.succeededFuture(answerLine(index, address, wireService, done.result()));
      }
      return Future.succeededFuture(errorLine(index, address, wireService, CheckMessages.toCheckException(done.cause())));
    });
  }

  /** The query for an item, in the bulk lane (or the job's). @throws CheckException 400 on a bad field, as {@link CheckQuery#parse} */
  public CheckQuery query(JsonObject item) {
    CheckQuery query = CheckQuery.parse(item, defaultService, rule).withPriority(priority);
    if (timeoutMillis != null) {
      query = query.withTimeout(timeoutMillis); // a job's checks share the deadline its window is sized for
    }
    if (defaultMaxAge != null && query.freshness().maxAgeSeconds() == null) {
      query = query.withFreshness(new Freshness(defaultMaxAge, query.freshness().maxStaleSeconds()));
    }
    return query;
  }

  /** {@code {"index","address","service","available",reason?,selected_service?}}. */
  public static JsonObject answerLine(long index, String sentAddress, String service, CheckResult result) {
    CheckAnswer answer = result.answer();
    JsonObject line = new JsonObject().put("index", index)
        .put("address", answer.address() != null ? answer.address() : sentAddress)
        .put("service", service).put("available", answer.available());
    if (answer.reason() != null) {
      line.put("reason", answer.reason());
    }
    if (answer.selectedService() != null) {
      line.put("selected_service", answer.selectedService());
    }
    return line;
  }

  /** {@code {"index","address"|null,"service","error":{...}}}. */
  public static JsonObject errorLine(long index, String address, String service, CheckException error) {
    return new JsonObject().put("index", index).put("address", address).put("service", service)
        .put("error", error.toEnvelope().getJsonObject("error"));
  }
}
