package com.linqapp.gateway.trace;

import com.linqapp.gateway.bus.CheckConsumer;
import com.linqapp.gateway.check.CheckException;
import com.linqapp.gateway.check.CheckRequest;
import com.linqapp.gateway.check.CheckResult;
import com.linqapp.gateway.engine.DispatchListener;
import com.linqapp.gateway.engine.FlightView;
import com.linqapp.gateway.linq.LinqOutcome;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * One engine's spans: a {@code check} span for every check it takes from the bus (a child of the bus hop Vert.x
 * traced, and so of the caller's HTTP request and its {@code traceparent}), and a {@code linq} client span for
 * every exchange with Linq, a child of the first waiting caller's check span. Callers coalesced onto the same
 * flight link to its exchanges instead. A 429 is an event on its exchange ({@code linq.rate_limited}) and on
 * the waiting checks ({@code pause}); a retry after a transient fault an event on the checks ({@code retry}).
 *
 * <p>Spans carry lanes, client names, request ids, outcomes and Linq's own trace id — never an address, a key
 * or a {@code from}. Confined to the engine's event loop, where checks are taken and flights dispatched: the
 * spans in progress are kept by identity of their check and flight, and leave with the reply or exchange.
 */
public final class EngineSpans implements CheckConsumer.Observer, DispatchListener {

  static final AttributeKey<String> SERVICE = AttributeKey.stringKey("gateway.service");
  static final AttributeKey<String> LANE = AttributeKey.stringKey("gateway.lane");
  static final AttributeKey<String> CLIENT = AttributeKey.stringKey("gateway.client");
  static final AttributeKey<String> REQUEST_ID = AttributeKey.stringKey("gateway.request_id");
  static final AttributeKey<String> GROUP = AttributeKey.stringKey("gateway.group");
  static final AttributeKey<String> CACHE = AttributeKey.stringKey("gateway.cache");
  static final AttributeKey<Long> ERROR_STATUS = AttributeKey.longKey("gateway.error.status");
  static final AttributeKey<Long> ERROR_CODE = AttributeKey.longKey("gateway.error.code");
  static final AttributeKey<String> ROUTE = AttributeKey.stringKey("linq.route");
  static final AttributeKey<Long> ATTEMPT = AttributeKey.longKey("linq.attempt");
  static final AttributeKey<String> OUTCOME = AttributeKey.stringKey("linq.outcome");
  static final AttributeKey<String> LINQ_TRACE_ID = AttributeKey.stringKey("linq.trace_id");
  static final AttributeKey<Long> STATUS_CODE = AttributeKey.longKey("http.response.status_code");
  static final AttributeKey<Long> RETRY_AFTER_MS = AttributeKey.longKey("retry_after_ms");
  static final AttributeKey<Long> DELAY_MS = AttributeKey.longKey("delay_ms");
  static final AttributeKey<String> FAULT = AttributeKey.stringKey("fault");

  private final Tracer tracer;
  private final Map<CheckRequest, Span> checks = new IdentityHashMap<>();
  private final Map<FlightView, Span> exchanges = new IdentityHashMap<>();

  EngineSpans(Tracer tracer) {
    this.tracer = tracer;
  }

  @Override
  public void onTaken(CheckRequest request) {
    // The current context is the bus message's: Vert.x's span of the hop, when the sender was traced.
    SpanBuilder span = tracer.spanBuilder("check " + request.service().wireName()).setParent(Context.current())
        .setAttribute(SERVICE, request.service().wireName())
        .setAttribute(LANE, request.priority().wireName());
    setIfPresent(span, CLIENT, request.client());
    setIfPresent(span, REQUEST_ID, request.requestId());
    setIfPresent(span, GROUP, request.group());
    checks.put(request, span.startSpan());
  }

  @Override
  public void onReplied(CheckRequest request, CheckResult result, CheckException error, long millis) {
    Span span = checks.remove(request);
    if (span == null) {
      return;
    }
    if (result != null) {
      span.setAttribute(CACHE, result.source().header());
    } else {
      span.setAttribute(ERROR_STATUS, error.status()).setAttribute(ERROR_CODE, error.code())
          .setStatus(StatusCode.ERROR, error.status() + "/" + error.code());
    }
    span.end();
  }

  /** A caller joining a flight already on its way to Linq links to that exchange (later ones: at their send). */
  @Override
  public void onJoin(FlightView flight, CheckRequest caller) {
    Span span = checks.get(caller);
    Span exchange = exchanges.get(flight);
    if (span != null && exchange != null) {
      span.addLink(exchange.getSpanContext());
    }
  }

  @Override
  public void onSend(FlightView flight) {
    List<Span> callers = callerSpans(flight);
    Span parent = callers.isEmpty() ? Span.getInvalid() : callers.get(0);
    Span exchange = tracer.spanBuilder("linq " + flight.service().linqRoute()).setSpanKind(SpanKind.CLIENT)
        .setParent(Context.root().with(parent))
        .setAttribute(ROUTE, flight.service().linqRoute())
        .setAttribute(ATTEMPT, (long) flight.attempts())
        .startSpan();
    exchanges.put(flight, exchange);
    for (Span coalesced : callers.subList(Math.min(1, callers.size()), callers.size())) {
      coalesced.addLink(exchange.getSpanContext());
    }
  }

  @Override
  public void onExchange(FlightView flight, LinqOutcome outcome, long millis) {
    Span exchange = exchanges.remove(flight);
    if (exchange == null) {
      return;
    }
    exchange.setAttribute(OUTCOME, outcome.label());
    setIfPresent(exchange, LINQ_TRACE_ID, outcome.traceId());
    Integer status = statusCode(outcome);
    if (status != null) {
      exchange.setAttribute(STATUS_CODE, status.longValue());
    }
    if (outcome instanceof LinqOutcome.RateLimited limited) {
      exchange.addEvent("linq.rate_limited", Attributes.of(RETRY_AFTER_MS, limited.delayMillis()));
      // The flight goes back to its place in the queue; its callers wait out the pause.
      callerSpans(flight).forEach(span -> span.addEvent("pause", Attributes.of(RETRY_AFTER_MS, limited.delayMillis())));
    }
    if (!(outcome instanceof LinqOutcome.Answered)) {
      exchange.setStatus(StatusCode.ERROR, outcome.label());
    }
    exchange.end();
  }

  @Override
  public void onRetry(FlightView flight, LinqOutcome.TransientFault fault, long delayMillis) {
    Attributes retry = Attributes.of(ATTEMPT, (long) flight.attempts() + 1, DELAY_MS, delayMillis,
        FAULT, fault.label());
    callerSpans(flight).forEach(span -> span.addEvent("retry", retry));
  }

  /** The check spans of the flight's callers, first caller first; callers the bus did not bring have none. */
  private List<Span> callerSpans(FlightView flight) {
    return flight.callers().stream().map(checks::get).filter(span -> span != null).toList();
  }

  /** The HTTP status Linq answered with, where the outcome knows it. */
  private static Integer statusCode(LinqOutcome outcome) {
    if (outcome instanceof LinqOutcome.Answered || outcome instanceof LinqOutcome.SenderLines) {
      return 200;
    }
    if (outcome instanceof LinqOutcome.RateLimited) {
      return 429;
    }
    if (outcome instanceof LinqOutcome.Rejected rejected) {
      return rejected.error().status();
    }
    if (outcome instanceof LinqOutcome.CredentialsRejected rejected) {
      return rejected.status();
    }
    if (outcome instanceof LinqOutcome.SenderLineFault) {
      return 503;
    }
    return null;
  }

  private static void setIfPresent(SpanBuilder span, AttributeKey<String> key, String value) {
    if (value != null) {
      span.setAttribute(key, value);
    }
  }

  private static void setIfPresent(Span span, AttributeKey<String> key, String value) {
    if (value != null) {
      span.setAttribute(key, value);
    }
  }
}
