package com.linqapp.gateway.trace;

import static com.linqapp.gateway.support.GatewayHarness.IMESSAGE_ROUTE;
import static com.linqapp.gateway.support.Await.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.linqapp.gateway.support.Await;
import com.linqapp.gateway.bus.CapabilityClient;
import com.linqapp.gateway.bus.CheckQuery;
import com.linqapp.gateway.check.AddressRule;
import com.linqapp.gateway.check.Service;
import com.linqapp.gateway.config.ConfigException;
import com.linqapp.gateway.jobs.JobRunnerOptions;
import com.linqapp.gateway.log.TraceJsonProvider;
import com.linqapp.gateway.sim.Fault;
import com.linqapp.gateway.sim.SimulatorOptions;
import com.linqapp.gateway.support.GatewayHarness;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.incubator.events.GlobalEventLoggerProvider;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.EventData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.tracing.TracingPolicy;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.tracing.opentelemetry.OpenTelemetryTracingFactory;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import net.logstash.logback.composite.loggingevent.LoggingEventJsonProviders;
import net.logstash.logback.composite.loggingevent.MessageJsonProvider;
import net.logstash.logback.encoder.LoggingEventCompositeJsonEncoder;

/**
 * Traces of real checks through the real gateway and simulator, exported to memory: the SDK built as
 * {@code serve} builds it ({@link Tracing#configured}: autoconfigure, the gateway's defaults, the probe filter),
 * Vert.x traced by vertx-opentelemetry.
 */
class TracingTest {

  private static final String CLIENT_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
  private static final String CLIENT_SPAN = "00f067aa0ba902b7";
  private static final String ADDRESS = "+15551234567";

  private final InMemorySpanExporter exported = InMemorySpanExporter.create();
  private Tracing tracing;
  private Vertx vertx;
  private GatewayHarness gw;

  @BeforeEach
  void start() {
    tracing = Tracing.configured(Map.of("otel.traces.exporter", "none"), SimpleSpanProcessor.create(exported));
    vertx = Vertx.builder().withTracer(new OpenTelemetryTracingFactory(tracing.openTelemetry())).build();
    gw = GatewayHarness.start(vertx, new SimulatorOptions(), new JsonObject(), JobRunnerOptions.defaults(), tracing);
  }

  @AfterEach
  void stop() {
    gw.close();
    await(vertx.close());
    tracing.close();
    System.clearProperty("otel.traces.exporter");
    GlobalOpenTelemetry.resetForTest();
    // setResultAsGlobal also sets the incubating event-logger global, which GlobalOpenTelemetry's reset leaves set:
    // without this, the class run twice in one JVM (bench/flaky-hunt.sh) fails its second global SDK
    GlobalEventLoggerProvider.resetForTest();
  }

  private static String traceparent(String traceId) {
    return "00-" + traceId + "-" + CLIENT_SPAN + "-01";
  }

  @Test
  @DisplayName("a client's traceparent continues into the gateway: its request, the bus hop, the check, each Linq call and the retry between them")
  void traceOfACheckWithARetry() {
    gw.sim().failNext(Fault.error500(), 1);
    HttpResponse<Buffer> response = gw.check(IMESSAGE_ROUTE, ADDRESS, "traceparent", traceparent(CLIENT_TRACE));
    assertThat(response.statusCode()).isEqualTo(200);

    // the HTTP request's span (the event bus's consumer span is a SERVER span too, and may end first)
    SpanData server = awaitSpan(span -> span.getKind() == SpanKind.SERVER && CLIENT_TRACE.equals(span.getTraceId())
        && span.getAttributes().get(AttributeKey.stringKey("url.path")) != null);
    assertThat(server.getParentSpanId()).as("the client's span is the parent").isEqualTo(CLIENT_SPAN);
    assertThat(server.getAttributes().get(AttributeKey.stringKey("url.path"))).isEqualTo(IMESSAGE_ROUTE);

    SpanData check = awaitSpan(span -> span.getName().equals("check imessage"));
    assertThat(check.getTraceId()).isEqualTo(CLIENT_TRACE);
    assertThat(ancestors(check)).as("the check hangs under the HTTP request, through the bus hop").contains(server);
    assertThat(check.getAttributes().get(EngineSpans.CLIENT)).isEqualTo("team-a");
    assertThat(check.getAttributes().get(EngineSpans.LANE)).isEqualTo("interactive");
    assertThat(check.getAttributes().get(EngineSpans.CACHE)).isEqualTo("miss");
    assertThat(check.getAttributes().get(EngineSpans.REQUEST_ID)).isEqualTo(response.getHeader("X-Request-Id"));
    EventData retry = event(check, "retry");
    assertThat(retry.getAttributes().get(EngineSpans.FAULT)).isEqualTo("5xx");
    assertThat(retry.getAttributes().get(EngineSpans.ATTEMPT)).isEqualTo(2);

    List<SpanData> calls = linqCalls();
    assertThat(calls).hasSize(2).allSatisfy(call -> {
      assertThat(call.getKind()).isEqualTo(SpanKind.CLIENT);
      assertThat(call.getParentSpanId()).isEqualTo(check.getSpanId());
      assertThat(call.getAttributes().get(EngineSpans.ROUTE)).isEqualTo("check_imessage");
    });
    assertThat(calls).extracting(call -> call.getAttributes().get(EngineSpans.ATTEMPT)).containsExactly(1L, 2L);
    assertThat(calls).extracting(call -> call.getAttributes().get(EngineSpans.OUTCOME)).containsExactly("5xx", "answer");
    assertThat(calls.get(0).getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
    assertThat(calls.get(1).getAttributes().get(EngineSpans.STATUS_CODE)).isEqualTo(200);
    assertNothingSecret();
  }

  @Test
  @DisplayName("a 429 is an event on its Linq call and a pause on the check, which is answered by the next call")
  void rateLimitedCall() {
    gw.sim().failNext(Fault.rateLimited(1), 1);
    assertThat(gw.check(IMESSAGE_ROUTE, ADDRESS).statusCode()).isEqualTo(200);

    SpanData check = awaitSpan(span -> span.getName().equals("check imessage"));
    assertThat(event(check, "pause").getAttributes().get(EngineSpans.RETRY_AFTER_MS)).isEqualTo(1_000);
    List<SpanData> calls = linqCalls();
    assertThat(calls).extracting(call -> call.getAttributes().get(EngineSpans.OUTCOME)).containsExactly("429", "answer");
    assertThat(event(calls.get(0), "linq.rate_limited").getAttributes().get(EngineSpans.RETRY_AFTER_MS))
        .isEqualTo(1_000);
    assertThat(calls.get(0).getAttributes().get(EngineSpans.STATUS_CODE)).isEqualTo(429);
    assertNothingSecret();
  }

  @Test
  @DisplayName("callers coalesced onto one Linq call each have their own trace, linked to that one call")
  void coalescedCallersLinkToTheCall() {
    gw.sim().latency(3_000, 0); // the second caller joins the first one's flight, queued or on its way
    String otherTrace = "0af7651916cd43dd8448eb211c80319c";
    Future<HttpResponse<Buffer>> first = gw.checkAsync(IMESSAGE_ROUTE, ADDRESS, "traceparent", traceparent(CLIENT_TRACE));
    Future<HttpResponse<Buffer>> second = gw.checkAsync(IMESSAGE_ROUTE, ADDRESS, "traceparent", traceparent(otherTrace));
    // Either request may reach the engine first: the one that did is the miss, the other coalesced onto it.
    String firstCache = await(first).getHeader("X-Cache");
    String secondCache = await(second).getHeader("X-Cache");
    assertThat(List.of(firstCache, secondCache)).containsExactlyInAnyOrder("miss", "coalesced");
    String missTrace = "miss".equals(firstCache) ? CLIENT_TRACE : otherTrace;

    List<SpanData> checks = awaitSpans(2, span -> span.getName().equals("check imessage"));
    SpanData call = linqCalls().get(0);
    assertThat(linqCalls()).as("one call for both").hasSize(1);
    SpanData missCheck = checks.stream().filter(c -> missTrace.equals(c.getTraceId())).findFirst().orElseThrow();
    SpanData coalesced = checks.stream().filter(c -> !missTrace.equals(c.getTraceId())).findFirst().orElseThrow();
    assertThat(call.getParentSpanId()).isEqualTo(missCheck.getSpanId());
    assertThat(coalesced.getAttributes().get(EngineSpans.CACHE)).isEqualTo("coalesced");
    assertThat(coalesced.getLinks()).extracting(link -> link.getSpanContext().getSpanId()).containsExactly(call.getSpanId());
  }

  @Test
  @DisplayName("probes and scrapes make no trace; an event-bus check without a trace starts one of its own")
  void probesAreQuietBusChecksAreTraced() {
    assertThat(gw.get("/metrics").statusCode()).isEqualTo(200);
    assertThat(gw.get("/health/ready").statusCode()).isEqualTo(200);
    CheckQuery query = CheckQuery.parse(new JsonObject().put("address", ADDRESS), Service.IMESSAGE, new AddressRule(null));
    await(CapabilityClient.create(vertx, 5_000).check(query));
    assertThat(await(CapabilityClient.create(vertx, 5_000).check(query)).source().header()).isEqualTo("hit");

    List<SpanData> checks = awaitSpans(2, span -> span.getName().equals("check imessage"));
    assertThat(checks).allSatisfy(check -> assertThat(check.getParentSpanContext().isValid()).isFalse());
    assertThat(checks).extracting(check -> check.getAttributes().get(EngineSpans.CACHE)).containsExactly("miss", "hit");
    assertThat(exported.getFinishedSpanItems()).as("no span of a probe or a scrape")
        .noneMatch(span -> span.getAttributes().get(AttributeKey.stringKey("url.path")) != null
            && QuietProbes.PATHS.contains(span.getAttributes().get(AttributeKey.stringKey("url.path"))));
    // and a request to any other path is traced, so the filter is what kept those out
    assertThat(gw.get("/openapi.yaml").statusCode()).isEqualTo(200);
    awaitSpan(span -> "/openapi.yaml".equals(span.getAttributes().get(AttributeKey.stringKey("url.path"))));
  }

  @Test
  @DisplayName("query values and URL credentials never reach a span: a callback_url's token is scrubbed, its key kept")
  void queryValuesAreScrubbed() {
    String query = "callback_url=https%3A%2F%2Fhooks.example.com%2Fdone%3Ftoken%3Ds3cret&priority=bulk";
    WebClient traced = WebClient.create(vertx, new WebClientOptions().setTracingPolicy(TracingPolicy.ALWAYS));
    try {
      assertThat(await(traced.get(gw.port(), "127.0.0.1", "/openapi.yaml?" + query).send()).statusCode())
          .isEqualTo(200);
    } finally {
      traced.close();
    }

    SpanData server = awaitSpan(span -> span.getKind() == SpanKind.SERVER
        && "/openapi.yaml".equals(span.getAttributes().get(AttributeKey.stringKey("url.path"))));
    SpanData client = awaitSpan(span -> span.getKind() == SpanKind.CLIENT
        && span.getAttributes().get(AttributeKey.stringKey("url.full")) != null);
    assertThat(server.getAttributes().get(AttributeKey.stringKey("url.query")))
        .isEqualTo("callback_url=REDACTED&priority=REDACTED");
    assertThat(server.getAttributes().get(AttributeKey.stringKey("http.url")))
        .endsWith("/openapi.yaml?callback_url=REDACTED&priority=REDACTED");
    assertThat(client.getAttributes().get(AttributeKey.stringKey("url.full")))
        .isEqualTo("http://127.0.0.1:" + gw.port() + "/openapi.yaml?callback_url=REDACTED&priority=REDACTED");
    assertThat(exported.getFinishedSpanItems()).extracting(span -> span.getAttributes().toString())
        .noneMatch(attributes -> attributes.contains("s3cret") || attributes.contains("hooks.example.com"));
  }

  @Test
  @DisplayName("scrubbing keeps a URL's shape: scheme, host, path and keys; credentials, values and fragment go")
  void scrubbedUrls() {
    assertThat(QueryRedaction.url("https://user:pw@hooks.example.com:8443/a/b?token=s3cret&flag#frag"))
        .isEqualTo("https://REDACTED:REDACTED@hooks.example.com:8443/a/b?token=REDACTED&REDACTED");
    assertThat(QueryRedaction.url("http://127.0.0.1:8080/v3/capability/check_imessage"))
        .isEqualTo("http://127.0.0.1:8080/v3/capability/check_imessage");
    assertThat(QueryRedaction.url("/v1/jobs?name=nightly&x=a@b")).isEqualTo("/v1/jobs?name=REDACTED&x=REDACTED");
    assertThat(QueryRedaction.query("a=1&=2&&b=")).isEqualTo("a=REDACTED&REDACTED&REDACTED&b=REDACTED");
  }

  @Test
  @DisplayName("a JSON log line written while serving a traced request carries its trace and span ids")
  void jsonLogLinesCarryTheTraceId() {
    LoggerContext logs = (LoggerContext) LoggerFactory.getILoggerFactory();
    LoggingEventCompositeJsonEncoder encoder = new LoggingEventCompositeJsonEncoder();
    encoder.setContext(logs);
    LoggingEventJsonProviders providers = new LoggingEventJsonProviders();
    providers.addProvider(new TraceJsonProvider());
    providers.addMessage(new MessageJsonProvider());
    encoder.setProviders(providers);
    encoder.start();
    ByteArrayOutputStream lines = new ByteArrayOutputStream();
    OutputStreamAppender<ILoggingEvent> appender = new OutputStreamAppender<>();
    appender.setContext(logs);
    appender.setEncoder(encoder);
    appender.setOutputStream(lines);
    appender.start();
    ch.qos.logback.classic.Logger batchLog = logs.getLogger("com.linqapp.gateway.http.BatchHandler");
    batchLog.addAppender(appender);
    try {
      HttpResponse<Buffer> response = gw.post("/v1/capability/batch", "{\"address\":\"" + ADDRESS + "\"}\n",
          "Content-Type", "application/x-ndjson", "traceparent", traceparent(CLIENT_TRACE));
      assertThat(response.statusCode()).isEqualTo(200);
      // the HTTP request's span: the client's is its parent (the event bus's consumer spans are SERVER spans too)
      SpanData server = awaitSpan(span -> span.getKind() == SpanKind.SERVER && CLIENT_TRACE.equals(span.getTraceId())
          && CLIENT_SPAN.equals(span.getParentSpanId()));
      Await.until("the batch's last log line",
          () -> lines.toString(StandardCharsets.UTF_8).contains("Batch done"));
      JsonObject line = new JsonObject(lines.toString(StandardCharsets.UTF_8).lines()
          .filter(l -> l.contains("Batch done")).findFirst().orElseThrow());
      assertThat(line.getString(TraceJsonProvider.TRACE_ID)).isEqualTo(CLIENT_TRACE);
      assertThat(line.getString(TraceJsonProvider.SPAN_ID)).isEqualTo(server.getSpanId());
    } finally {
      batchLog.detachAppender(appender);
      appender.stop();
    }
  }

  @Test
  @DisplayName("OTEL_TRACES_EXPORTER decides: unset or none is off, an exporter is on, a typo stops startup naming it")
  void exporterVariableDecides() {
    assertThat(Tracing.fromEnvironment().enabled()).isFalse();
    System.setProperty("otel.traces.exporter", "none");
    assertThat(Tracing.fromEnvironment().enabled()).isFalse();
    System.setProperty("otel.traces.exporter", "bogus");
    assertThatThrownBy(Tracing::fromEnvironment).isInstanceOf(ConfigException.class).hasMessageContaining("bogus");
    System.setProperty("otel.traces.exporter", "otlp");
    try (Tracing on = Tracing.fromEnvironment()) {
      assertThat(on.enabled()).isTrue();
      assertThat(on.configure(new io.vertx.core.VertxOptions()).getTracingOptions()).isNotNull();
    }
    assertThat(Tracing.off().configure(new io.vertx.core.VertxOptions()).getTracingOptions()).isNull();
    assertThat(Tracing.off().engineSpans()).isNull();
  }

  // ---- helpers ----------------------------------------------------------------------------------------------

  private List<SpanData> linqCalls() {
    return exported.getFinishedSpanItems().stream().filter(span -> span.getName().startsWith("linq "))
        .sorted((a, b) -> Long.compare(a.getStartEpochNanos(), b.getStartEpochNanos())).toList();
  }

  private SpanData awaitSpan(Predicate<SpanData> which) {
    return awaitSpans(1, which).get(0);
  }

  private List<SpanData> awaitSpans(int count, Predicate<SpanData> which) {
    Await.until(count + " span(s)",
        () -> exported.getFinishedSpanItems().stream().filter(which).count() >= count);
    return exported.getFinishedSpanItems().stream().filter(which)
        .sorted((a, b) -> Long.compare(a.getStartEpochNanos(), b.getStartEpochNanos())).toList();
  }

  private List<SpanData> ancestors(SpanData span) {
    List<SpanData> all = exported.getFinishedSpanItems();
    java.util.ArrayList<SpanData> chain = new java.util.ArrayList<>();
    SpanData current = span;
    while (current != null) {
      String parent = current.getParentSpanId();
      current = all.stream().filter(s -> s.getSpanId().equals(parent)).findFirst().orElse(null);
      if (current != null) {
        chain.add(current);
      }
    }
    return chain;
  }

  private static EventData event(SpanData span, String name) {
    return span.getEvents().stream().filter(e -> e.getName().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError("no event " + name + " on " + span.getName() + ": " + span.getEvents()));
  }

  /** No address, client key, Linq key or sender line in any span's name, attribute or event. */
  private void assertNothingSecret() {
    for (SpanData span : exported.getFinishedSpanItems()) {
      StringBuilder text = new StringBuilder(span.getName()).append(span.getAttributes());
      span.getEvents().forEach(e -> text.append(e.getName()).append(e.getAttributes()));
      assertThat(text.toString()).as(span.getName())
          .doesNotContain("5551234567", GatewayHarness.KEY_A, gw.sim().apiKey(), "Bearer", "+1202555010");
    }
  }
}
