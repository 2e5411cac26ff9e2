package com.linqapp.gateway.batch;

import com.linqapp.gateway.bus.CapabilityClient;
import com.linqapp.gateway.bus.CheckMessages;
import com.linqapp.gateway.bus.CheckQuery;
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
 * The address rule itself is applied by the engine, so a bad address costs no upstream call.
 */
public final class BatchChecks {

  private final CapabilityClient client;
  private final Service defaultService;
  private final String clientName;
  private final String requestId;
  private Consumer<CheckResult> observer = result -> { };
  private Priority priority = Priority.BULK;
  private Long timeoutMillis;
  private Integer defaultMaxAge;
  private String group;

  /**
   * @param clientName client name for logs, metrics and budgets, or {@code null}
   * @param requestId  correlation id of the whole batch, or {@code null}
   */
  public BatchChecks(CapabilityClient client, Service defaultService, String clientName, String requestId) {
    this.client = client;
    this.defaultService = defaultService;
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

  /** The bulk-lane query for an item. @throws CheckException 400/1001 on a field of the wrong type */
  public CheckQuery query(JsonObject item) {
    Service service = CheckMessages.service(item, defaultService);
    String address = CheckMessages.requiredAddress(item.getValue("address"));
    Object rawFrom = item.getValue("from");
    if (rawFrom != null && !(rawFrom instanceof String)) {
      throw CheckException.badRequest(ErrorCodes.ADDRESS_MISSING, "from must be a string");
    }
    Integer maxAge = CheckMessages.optionalSeconds(item, "max_age");
    Freshness freshness = new Freshness(maxAge != null ? maxAge : defaultMaxAge, null);
    return new CheckQuery(service, address, (String) rawFrom, timeoutMillis, freshness, priority);
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
