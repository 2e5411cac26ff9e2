package com.linqapp.gateway.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.linqapp.gateway.support.Ports;
import com.linqapp.gateway.support.Await;
import com.linqapp.gateway.it.support.Http;
import com.linqapp.gateway.it.support.JarProcess;
import com.linqapp.gateway.it.support.Sim;
import com.linqapp.gateway.sim.Fault;
import com.linqapp.gateway.support.GatewayHarness;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * Every metric the Grafana dashboard and the Prometheus alert rules name — and every exact label value they
 * select on — is in a live {@code /metrics} scrape of the real jar, once it has answered a few checks, waited out a
 * 429 and run a job. (Linq is the project's simulator in this JVM rather than {@code --sandbox}'s, so the test
 * can order the 429.)
 */
class MetricsScrapeIT {

  private static final Path DASHBOARD = Manifests.KUBERNETES.resolve("monitoring/dashboards/linq-gateway.json");
  private static final Path RULES = Manifests.ROOT.resolve("deploy/prometheus/alerts.yaml");
  private static final String KEY = "scrape-client-key";
  /** {@code name{matchers}}: a selector of one of the gateway's metrics. */
  private static final Pattern SELECTOR = Pattern.compile("\\b((?:gateway|linq|cache)_[a-z0-9_]+)\\{([^}]*)}");
  /** {@code label="value"}: an exact matcher ({@code !=} and {@code =~} do not match). */
  private static final Pattern EXACT = Pattern.compile("\\b(\\w+)\\s*=\\s*\"([^\"]*)\"");

  @TempDir
  Path workDir;

  private Sim sim;
  private JarProcess gateway;

  @AfterEach
  void stop() {
    if (gateway != null) {
      gateway.close();
    }
    if (sim != null) {
      sim.close();
    }
  }

  @Test
  @DisplayName("every metric and label value the dashboard and the alert rules name is in a live scrape of the jar")
  void dashboardAndRulesNameOnlyScrapedMetrics() throws IOException {
    List<String> expressions = new ArrayList<>(dashboardExpressions());
    int fromDashboard = expressions.size();
    expressions.addAll(ruleExpressions());
    assertThat(fromDashboard).as("dashboard expressions").isGreaterThan(20);
    assertThat(expressions.size() - fromDashboard).as("alert expressions").isGreaterThanOrEqualTo(8);

    String metrics = scrapeAfterTraffic();

    for (String expression : expressions) {
      assertThat(Manifests.metricNames(expression)).as(expression).allSatisfy(metric ->
          assertThat(metrics).as(metric + " in a scrape, for " + expression).containsPattern("(?m)^" + metric + "[{ ]"));
      Matcher selector = SELECTOR.matcher(expression);
      while (selector.find()) {
        Matcher exact = EXACT.matcher(selector.group(2));
        while (exact.find()) {
          String series = "(?m)^" + selector.group(1) + "\\{[^}\\n]*\\b" + exact.group(1) + "=\"" + Pattern.quote(exact.group(2)) + "\"";
          assertThat(metrics).as(selector.group() + " in a scrape, for " + expression).containsPattern(series);
        }
      }
    }
  }

  /** Checks (a miss, a hit), a check that waits out a 429, and a two-line job run to its end; then the scrape. */
  private String scrapeAfterTraffic() {
    sim = new Sim();
    int port = Ports.free();
    gateway = JarProcess.start(workDir, "scrape", Map.of(
            "GATEWAY_HTTP_PORT", String.valueOf(port),
            "LINQ_API_V3_BASE_URL", sim.baseUrl(),
            "LINQ_API_V3_API_KEY", sim.apiKey(),
            "GATEWAY_API_KEYS", "crm=" + KEY,
            "GATEWAY_CLIENT_DAILY_BUDGETS", "crm=1000",
            "GATEWAY_JOBS_DIR", workDir.resolve("jobs").toString()),
        "serve").awaitReady(port);

    assertThat(Http.checkIMessage(port, "+15551230001", KEY, "scrape-miss").statusCode()).isEqualTo(200);
    assertThat(Http.checkIMessage(port, "+15551230001", KEY, "scrape-hit").statusCode()).isEqualTo(200);
    sim.simulator.failNext(Fault.rateLimited(1), 1);
    HttpResponse<String> paused = Http.checkIMessage(port, "+15551230002", KEY, "scrape-429");
    assertThat(paused.statusCode()).as(paused.body()).isEqualTo(200);

    HttpResponse<String> submitted = Http.send(request(port, "/v1/jobs")
        .header("Content-Type", "application/x-ndjson")
        .POST(HttpRequest.BodyPublishers.ofString("{\"address\":\"+15551230003\"}\n{\"address\":\"+15551230004\"}\n"))
        .build());
    assertThat(submitted.statusCode()).as(submitted.body()).isEqualTo(202);
    String job = "/v1/jobs/" + new JsonObject(submitted.body()).getString("id");
    awaitJob(port, job, "completed");
    return Http.get(port, "/metrics").body();
  }

  private void awaitJob(int port, String job, String status) {
    Await.until("job " + status, () ->
        status.equals(new JsonObject(Http.send(request(port, job).GET().build()).body()).getString("status")));
  }

  private static HttpRequest.Builder request(int port, String path) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(10))
        .header("Authorization", "Bearer " + KEY);
  }

  /** Every PromQL expression of every panel's targets. */
  private static List<String> dashboardExpressions() throws IOException {
    List<String> expressions = new ArrayList<>();
    for (Object panel : new JsonObject(Files.readString(DASHBOARD)).getJsonArray("panels")) {
      for (Object target : ((JsonObject) panel).getJsonArray("targets")) {
        expressions.add(((JsonObject) target).getString("expr"));
      }
    }
    return expressions;
  }

  /** Every rule's expression. */
  @SuppressWarnings("unchecked")
  private static List<String> ruleExpressions() throws IOException {
    Map<String, Object> rules = new Yaml(new SafeConstructor(new LoaderOptions())).load(Files.readString(RULES));
    List<String> expressions = new ArrayList<>();
    for (Map<String, Object> group : (List<Map<String, Object>>) rules.get("groups")) {
      for (Map<String, Object> rule : (List<Map<String, Object>>) group.get("rules")) {
        expressions.add((String) rule.get("expr"));
      }
    }
    return expressions;
  }
}
