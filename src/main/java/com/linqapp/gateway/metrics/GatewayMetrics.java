package com.linqapp.gateway.metrics;

import com.linqapp.gateway.bus.CheckConsumer;
import com.linqapp.gateway.check.CheckException;
import com.linqapp.gateway.check.CheckRequest;
import com.linqapp.gateway.check.CheckResult;
import com.linqapp.gateway.check.ErrorCodes;
import com.linqapp.gateway.check.Priority;
import com.linqapp.gateway.config.Build;
import com.linqapp.gateway.engine.CredentialsGuard;
import com.linqapp.gateway.engine.DispatchListener;
import com.linqapp.gateway.engine.budget.ClientBudgets;
import com.linqapp.gateway.engine.pacing.SendPacer;
import com.linqapp.gateway.jobs.JobAnswer;
import com.linqapp.gateway.jobs.JobStatus;
import com.linqapp.gateway.jobs.JobsListener;
import com.linqapp.gateway.linq.LinqOutcome;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prometheus.metrics.core.metrics.Info;
import java.time.Duration;
import java.util.Collection;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;

/**
 * The gateway's own meters, next to Vert.x's and the JVM's in one Prometheus registry. Label values
 * are closed sets (outcomes, lanes, routes, statuses) and client <em>names</em>: never an address, a
 * key or a {@code from} number. Counters whose labels are known up front exist from the start at 0, so a
 * dashboard shows 0 rather than no data and {@code increase()} sees their first step. Meters are
 * thread-safe; gauges read atomics the engine updates.
 */
public final class GatewayMetrics implements DispatchListener, JobsListener, CheckConsumer.Observer {

  /** {@code outcome} labels of {@code linq_requests_total}. */
  static final List<String> OUTCOMES = List.of("answer", "429", "4xx", "5xx", "reset", "timeout", "bad_body",
      "sender_line_fault");

  private final PrometheusMeterRegistry registry;
  private final Timer upstreamLatency;
  private final Counter pauses;
  private final Counter pausedSeconds;
  private final AtomicInteger interactiveQueued = new AtomicInteger();
  private final AtomicInteger bulkQueued = new AtomicInteger();
  private final AtomicInteger inFlight = new AtomicInteger();
  /** Allowed rate in thousandths of a check per second; exported only while paced. */
  private final AtomicLong rateMilli = new AtomicLong();
  private final AtomicReference<SendPacer.State> pacing = new AtomicReference<>(SendPacer.State.UNPACED);
  private final AtomicReference<CredentialsGuard.State> credentials =
      new AtomicReference<>(CredentialsGuard.State.UNVERIFIED);
  private final Map<Priority, Timer> laneLatency = new EnumMap<>(Priority.class);
  /** {@code linq_pacing_rate_per_second} while it has a value, else {@code null}: unpaced, no sample. */
  private Gauge rateGauge;
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
    for (CredentialsGuard.State state : CredentialsGuard.State.values()) {
      Gauge.builder("linq_credentials_state", credentials, current -> current.get() == state ? 1 : 0)
          .tag("state", state.label())
          .description("1 for what Linq says of the gateway's key: unverified (no answer yet), accepted, rejected")
          .register(registry);
    }
    for (Priority lane : Priority.values()) {
      laneLatency.put(lane, Timer.builder("gateway_check_duration").tag("lane", lane.wireName())
          .description("Time the engine took to answer a check (cache, queue, Linq), by lane; every outcome")
          .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1))
          .maximumExpectedValue(Duration.ofSeconds(60)).register(registry));
    }
    // A Prometheus info metric: a Micrometer gauge named *_info would lose its suffix on the way out.
    Info.builder().name("gateway_build_info").help("The running build: its version as a label, value 1")
        .labelNames("version").register(registry.getPrometheusRegistry()).setLabelValues(Build.version());
    OUTCOMES.forEach(outcome -> registry.counter("linq_requests", "outcome", outcome));
    for (CheckException refusal : List.of(CheckException.overloaded("", 0), CheckException.rateLimited(0),
        new CheckException(429, ErrorCodes.CLIENT_BUDGET_EXHAUSTED, ""))) {
      shed(refusal);
    }
    for (int status : new int[] {429, 502, 504}) {
      deadlineExpiries(status);
    }
    for (SendPacer.State state : SendPacer.State.values()) {
      Gauge.builder("linq_pacing_state", pacing, current -> current.get() == state ? 1 : 0)
          .tag("state", state.label())
          .description("1 for what the pace is based on: no limit yet (unpaced), the configured limit (known), "
              + "a limit learnt from 429s (learning)")
          .register(registry);
    }
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
    registry.counter("linq_requests", "outcome", outcome.label()).increment();
  }

  @Override
  public void onPause(String line, long millis) {
    pauses.increment();
    pausedSeconds.increment(millis / 1000.0);
  }

  @Override
  public void onRefused(CheckException error) {
    shed(error).increment();
  }

  private Counter shed(CheckException error) {
    return registry.counter("gateway_shed", "status", String.valueOf(error.status()), "code",
        String.valueOf(error.code()));
  }

  @Override
  public void onDeadline(CheckException error) {
    deadlineExpiries(error.status()).increment();
  }

  private Counter deadlineExpiries(int status) {
    return registry.counter("gateway_deadline_expiries", "status", String.valueOf(status));
  }

  @Override
  public void onCredentials(CredentialsGuard.State state) {
    credentials.set(state);
  }

  /** A check the engine answered: how ({@code gateway_cache_total}) and how long it took, by lane. */
  @Override
  public void onReplied(CheckRequest request, CheckResult result, CheckException error, long millis) {
    if (result != null) {
      onResult(result.source());
    }
    laneLatency.get(request.priority()).record(millis, TimeUnit.MILLISECONDS);
  }

  /**
   * {@code gateway_members}: gateways in this one's cluster, read at each scrape (thread-safe suppliers
   * only). The first registration wins.
   */
  public void countMembers(IntSupplier members) {
    Gauge.builder("gateway_members", members, IntSupplier::getAsInt)
        .description("Gateways in this gateway's cluster, itself included (1 when standalone)").register(registry);
  }

  /** {@code gateway_queue_limit} and {@code linq_in_flight_limit}: what the queue and in-flight gauges run up to. */
  public void limits(int maxQueue, int maxConcurrency) {
    Gauge.builder("gateway_queue_limit", () -> maxQueue)
        .description("Most checks waiting for Linq before new ones are shed (GATEWAY_MAX_QUEUE)").register(registry);
    Gauge.builder("linq_in_flight_limit", () -> maxConcurrency)
        .description("Most requests to Linq in flight (LINQ_MAX_CONCURRENCY)").register(registry);
  }

  /**
   * {@code gateway_client_budget_remaining} and {@code gateway_client_budget_limit} for each client with a
   * daily budget, read at each scrape ({@link ClientBudgets} is synchronized).
   *
   * @param wallClock milliseconds since the epoch: budgets reset at midnight UTC
   */
  public void clientBudgets(ClientBudgets budgets, Collection<String> clients, LongSupplier wallClock) {
    for (String client : clients) {
      Gauge.builder("gateway_client_budget_remaining", budgets,
              b -> b.remaining(client, wallClock.getAsLong()).orElse(0))
          .tag("client", client).description("Checks left today (UTC) in the client's daily budget")
          .register(registry);
      Gauge.builder("gateway_client_budget_limit", budgets, b -> b.dailyLimit(client).orElse(0))
          .tag("client", client).description("The client's daily budget of checks (GATEWAY_CLIENT_DAILY_BUDGETS)")
          .register(registry);
    }
  }

  @Override
  public void onLoad(int interactive, int bulk, int requestsInFlight, double ratePerSecond,
                     SendPacer.State pacing) {
    interactiveQueued.set(interactive);
    bulkQueued.set(bulk);
    inFlight.set(requestsInFlight);
    this.pacing.set(pacing);
    boolean paced = !Double.isInfinite(ratePerSecond);
    if (paced) {
      rateMilli.set(Math.round(ratePerSecond * 1000));
    }
    if (paced != (rateGauge != null)) {
      paceGauge(paced);
    }
  }

  /**
   * Registers the rate's gauge once there is a pace, removes it when there is none: an unpaced rate is
   * no number, and a NaN sample would poison sums and alerts. Called from the engine's event loop only.
   */
  private void paceGauge(boolean paced) {
    if (paced) {
      rateGauge = Gauge.builder("linq_pacing_rate_per_second", rateMilli, value -> value.get() / 1000.0)
          .description("Checks per second the gateway allows itself (configured or learnt); no sample while unpaced")
          .register(registry);
    } else {
      registry.remove(rateGauge);
      rateGauge = null;
    }
  }

  /** How a check was answered: {@code hit}, {@code miss}, {@code coalesced} or {@code stale}. */
  public void onResult(CheckResult.Source source) {
    results.get(source).increment();
  }

  /**
   * A shared-cache operation that failed or did not answer in time; the check went on without it.
   *
   * @param operation {@code read} or {@code write}
   * @param cause     {@code error} or {@code timeout}
   */
  public void onSharedCacheFault(String operation, String cause) {
    registry.counter("gateway_shared_cache_faults", "operation", operation, "cause", cause).increment();
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
