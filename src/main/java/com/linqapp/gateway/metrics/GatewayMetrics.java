package com.linqapp.gateway.metrics;

import com.linqapp.gateway.check.CheckException;
import com.linqapp.gateway.check.CheckResult;
import com.linqapp.gateway.engine.DispatchListener;
import com.linqapp.gateway.jobs.JobAnswer;
import com.linqapp.gateway.jobs.JobStatus;
import com.linqapp.gateway.jobs.JobsListener;
import com.linqapp.gateway.linq.LinqOutcome;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The gateway's own meters, next to Vert.x's and the JVM's in one Prometheus registry. Label values
 * are closed sets (outcomes, lanes, routes, statuses) and client <em>names</em>: never an address, a
 * key or a {@code from} number. Meters are thread-safe; gauges read atomics the engine updates.
 */
public final class GatewayMetrics implements DispatchListener, JobsListener {

  private final PrometheusMeterRegistry registry;
  private final Timer upstreamLatency;
  private final Counter pauses;
  private final Counter pausedSeconds;
  private final AtomicInteger interactiveQueued = new AtomicInteger();
  private final AtomicInteger bulkQueued = new AtomicInteger();
  private final AtomicInteger inFlight = new AtomicInteger();
  /** Allowed rate in thousandths of a check per second; -1 when unpaced. */
  private final AtomicLong rateMilli = new AtomicLong(-1);
  /** Counters on the per-request path, looked up once: Micrometer's own lookup allocates ids and tags. */
  private final Map<CheckResult.Source, Counter> results = new EnumMap<>(CheckResult.Source.class);
  private final Map<ClientRequestKey, Counter> clientRequests = new ConcurrentHashMap<>();
  private final Map<String, Timer> clientLatency = new ConcurrentHashMap<>();
  private final Map<JobStatus, AtomicInteger> jobs = new EnumMap<>(JobStatus.class);
  private final Counter jobLinesAvailable;
  private final Counter jobLinesUnavailable;
  private final Counter jobLineErrors;

  public GatewayMetrics(PrometheusMeterRegistry registry) {
    this.registry = registry;
    this.upstreamLatency = Timer.builder("linq_request_duration")
        .description("Duration of exchanges with Linq").publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofMillis(5)).maximumExpectedValue(Duration.ofSeconds(30))
        .register(registry);
    this.pauses = Counter.builder("linq_pauses").description("Pauses started by a Linq 429").register(registry);
    this.pausedSeconds = Counter.builder("linq_pause_seconds").description("Seconds of pause requested by Linq 429s")
        .register(registry);
    Gauge.builder("gateway_queue_depth", interactiveQueued, AtomicInteger::get).tag("lane", "interactive")
        .description("Checks waiting for Linq").register(registry);
    Gauge.builder("gateway_queue_depth", bulkQueued, AtomicInteger::get).tag("lane", "bulk")
        .description("Checks waiting for Linq").register(registry);
    Gauge.builder("linq_in_flight", inFlight, AtomicInteger::get).description("Requests to Linq in flight")
        .register(registry);
    for (CheckResult.Source source : CheckResult.Source.values()) {
      results.put(source, Counter.builder("gateway_cache").tag("result", source.header())
          .description("How checks were answered").register(registry));
    }
    Gauge.builder("linq_pacing_rate", rateMilli, value -> value.get() < 0 ? Double.NaN : value.get() / 1000.0)
        .description("Checks per second the gateway allows itself (configured or learnt); NaN before any limit")
        .register(registry);
    for (JobStatus status : JobStatus.values()) {
      AtomicInteger count = new AtomicInteger();
      jobs.put(status, count);
      Gauge.builder("gateway_jobs", count, AtomicInteger::get).tag("status", status.wireName())
          .description("Durable jobs in the store by status").register(registry);
    }
    jobLinesAvailable = jobLines("available");
    jobLinesUnavailable = jobLines("unavailable");
    jobLineErrors = jobLines("error");
  }

  private Counter jobLines(String result) {
    return Counter.builder("gateway_job_lines_answered").tag("result", result)
        .description("Final answers written for durable jobs' lines").register(registry);
  }

  /** Durable jobs by status, every client's (the store's count, refreshed by the job runner). */
  @Override
  public void onJobs(Map<JobStatus, Integer> counts) {
    for (JobStatus status : JobStatus.values()) {
      jobs.get(status).set(counts.getOrDefault(status, 0));
    }
  }

  /** Final answers written for jobs' lines, by result. */
  @Override
  public void onJobAnswers(List<JobAnswer> answers) {
    for (JobAnswer answer : answers) {
      (answer.error() ? jobLineErrors : answer.available() ? jobLinesAvailable : jobLinesUnavailable).increment();
    }
  }

  /** A registry of its own (tests, or an engine without Vert.x metrics). */
  public static GatewayMetrics create() {
    return new GatewayMetrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  @Override
  public void onExchange(LinqOutcome outcome, long millis) {
    upstreamLatency.record(Duration.ofMillis(millis));
    registry.counter("linq_requests", "outcome", outcomeName(outcome)).increment();
  }

  private static String outcomeName(LinqOutcome outcome) {
    if (outcome instanceof LinqOutcome.TransientFault fault) {
      return switch (fault.kind()) {
        case SERVER_ERROR -> "5xx";
        case CONNECTION -> "reset";
        case TIMEOUT -> "timeout";
        case BAD_BODY -> "bad_body";
      };
    }
    if (outcome instanceof LinqOutcome.RateLimited) {
      return "429";
    }
    if (outcome instanceof LinqOutcome.Rejected || outcome instanceof LinqOutcome.CredentialsRejected) {
      return "4xx";
    }
    if (outcome instanceof LinqOutcome.SenderLineFault) {
      return "sender_line_fault";
    }
    return "answer";
  }

  @Override
  public void onPause(String line, long millis) {
    pauses.increment();
    pausedSeconds.increment(millis / 1000.0);
  }

  @Override
  public void onRefused(CheckException error) {
    registry.counter("gateway_shed", "status", String.valueOf(error.status()), "code", String.valueOf(error.code()))
        .increment();
  }

  @Override
  public void onDeadline(CheckException error) {
    registry.counter("gateway_deadline_expiries", "status", String.valueOf(error.status())).increment();
  }

  @Override
  public void onLoad(int interactive, int bulk, int requestsInFlight, double ratePerSecond) {
    interactiveQueued.set(interactive);
    bulkQueued.set(bulk);
    inFlight.set(requestsInFlight);
    rateMilli.set(Double.isInfinite(ratePerSecond) ? -1 : Math.round(ratePerSecond * 1000));
  }

  /** How a check was answered: {@code hit}, {@code miss}, {@code coalesced} or {@code stale}. */
  public void onResult(CheckResult.Source source) {
    results.get(source).increment();
  }

  /** A client request: route template, HTTP status, client name and how long it took to answer. */
  public void onClientRequest(String route, int status, String client, long nanos) {
    clientLatency.computeIfAbsent(route, key -> Timer.builder("gateway_client_request_duration")
            .description("Time to answer client requests, by route").tag("route", route)
            .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1))
            .maximumExpectedValue(Duration.ofSeconds(60)).register(registry))
        .record(nanos, TimeUnit.NANOSECONDS);
    onClientRequest(route, status, client);
  }

  private void onClientRequest(String route, int status, String client) {
    clientRequests.computeIfAbsent(new ClientRequestKey(route, status, client), key -> Counter
            .builder("gateway_client_requests").description("Client requests by route, status and client name")
            .tags("route", route, "status", String.valueOf(status), "client", client).register(registry))
        .increment();
  }

  /** One series of {@code gateway_client_requests} (a record: no string to build and hash per request). */
  private record ClientRequestKey(String route, int status, String client) {
  }
}
