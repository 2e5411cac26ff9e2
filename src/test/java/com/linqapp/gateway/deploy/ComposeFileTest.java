package com.linqapp.gateway.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.linqapp.gateway.config.GatewayConfig;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * {@code deploy/compose}: the compose file, Prometheus's scrape configuration and Grafana's provisioning,
 * checked for what a typo would break, against a running gateway and the CLI's own parser. (No Docker here:
 * the files are read, not run.)
 */
class ComposeFileTest {

  /** The dashboards' directory, shared with Kubernetes' monitoring (its ConfigMap holds the same file). */
  private static final String DASHBOARDS = "../kubernetes/monitoring/dashboards";

  private static LiveEndpoints live;
  private static JsonObject services;
  /** Gateway services (those running {@code serve}) and their effective configuration. */
  private static Map<String, GatewayConfig> gateways;

  @BeforeAll
  static void read() {
    live = new LiveEndpoints();
    services = Manifests.single(Manifests.COMPOSE.resolve("compose.yaml")).getJsonObject("services");
    gateways = new LinkedHashMap<>();
    for (String name : services.fieldNames()) {
      JsonObject service = services.getJsonObject(name);
      if (service.containsKey("build") || "linq-capability-gateway:dev".equals(service.getString("image"))) {
        if ("serve".equals(command(service).get(0))) {
          gateways.put(name, config(name, service));
        }
      }
    }
  }

  @AfterAll
  static void stop() {
    live.close();
  }

  /** The image's command: {@code serve} unless the service gives another. */
  @SuppressWarnings("unchecked")
  private static List<String> command(JsonObject service) {
    return service.containsKey("command") ? service.getJsonArray("command").getList() : List.of("serve");
  }

  private static GatewayConfig config(String name, JsonObject service) {
    JsonObject environment = service.getJsonObject("environment", new JsonObject());
    environment.fieldNames().forEach(key -> Manifests.assertKnownVariable(key, "service " + name));
    GatewayConfig config = GatewayConfig.from(Manifests.settings(environment));
    config.requireServable();
    return config;
  }

  /** {@code "HOST:CONTAINER"} port mappings, container side. */
  private static Set<Integer> containerPorts(JsonObject service) {
    return service.getJsonArray("ports", new JsonArray()).stream()
        .map(p -> Integer.parseInt(((String) p).substring(((String) p).lastIndexOf(':') + 1)))
        .collect(Collectors.toCollection(TreeSet::new));
  }

  private static Path hostPath(String volume) {
    Path path = Manifests.COMPOSE.resolve(volume.split(":")[0]).normalize();
    assertThat(path).as("mounted " + volume).exists();
    return path;
  }

  private static String mountTarget(JsonObject service, String hostPrefix) {
    return service.getJsonArray("volumes").stream().map(v -> ((String) v).split(":"))
        .filter(parts -> parts[0].equals(hostPrefix)).map(parts -> parts[1]).findFirst()
        .orElseThrow(() -> new AssertionError("no volume from " + hostPrefix));
  }

  @Test
  @DisplayName("two gateways, every variable a setting, clustered by host name: each binds its own name and lists both")
  void gatewaysFormOneCluster() {
    assertThat(gateways).hasSize(2);
    gateways.forEach((name, config) -> {
      assertThat(config.cluster()).isTrue();
      assertThat(config.clusterOptions().host()).as(name + " binds its own address").isEqualTo(name);
      Set<String> members = new TreeSet<>(config.clusterOptions().members());
      Set<String> expected = gateways.entrySet().stream()
          .map(e -> e.getKey() + ":" + e.getValue().clusterOptions().port()).collect(Collectors.toCollection(TreeSet::new));
      assertThat(members).isEqualTo(expected);
      assertThat(containerPorts(services.getJsonObject(name))).containsExactly(config.httpPort());
    });
  }

  @Test
  @DisplayName("one simulator, reachable from the other containers, and both gateways call it with the key it accepts")
  void gatewaysShareOneSimulator() {
    List<String> simulators = services.fieldNames().stream()
        .filter(name -> command(services.getJsonObject(name)).get(0).equals("simulate")).toList();
    assertThat(simulators).hasSize(1);
    String simulator = simulators.get(0);
    LiveEndpoints.Simulate simulate = LiveEndpoints.Simulate.of(command(services.getJsonObject(simulator)));
    assertThat(simulate.host()).isEqualTo("0.0.0.0");
    assertThat(containerPorts(services.getJsonObject(simulator))).containsExactly(simulate.port());
    gateways.forEach((name, config) -> {
      URI linq = URI.create(config.linqBaseUrl());
      assertThat(linq.getHost()).as(name).isEqualTo(simulator);
      assertThat(linq.getPort()).as(name).isEqualTo(simulate.port());
      assertThat(linq.getPath()).isEqualTo("/api/partner");
      assertThat(config.linqApiKey()).isEqualTo(simulate.apiKey());
      assertThat(services.getJsonObject(name).getJsonArray("depends_on").getList()).contains(simulator);
    });
  }

  @Test
  @DisplayName("Prometheus scrapes every gateway on its HTTP port at the path the gateway serves its metrics on")
  void prometheusScrapesBothGateways() {
    JsonObject prometheus = services.getJsonObject("prometheus");
    Path config = hostPath(prometheus.getJsonArray("volumes").getString(0));
    assertThat(mountTarget(prometheus, "./prometheus.yml")).isEqualTo("/etc/prometheus/prometheus.yml");
    JsonObject job = Manifests.single(config).getJsonArray("scrape_configs").getJsonObject(0);
    assertThat(live.gateway(job.getString("metrics_path")).statusCode()).isEqualTo(200);
    List<String> targets = job.getJsonArray("static_configs").getJsonObject(0).getJsonArray("targets").getList();
    assertThat(targets).containsExactlyInAnyOrderElementsOf(gateways.entrySet().stream()
        .map(e -> e.getKey() + ":" + e.getValue().httpPort()).toList());
  }

  @Test
  @DisplayName("Prometheus loads the alert rules: the file its configuration names is the one mounted from deploy/prometheus")
  void prometheusLoadsTheAlertRules() {
    JsonObject prometheus = services.getJsonObject("prometheus");
    Path config = hostPath(prometheus.getJsonArray("volumes").getString(0));
    String rules = Manifests.single(config).getJsonArray("rule_files").getString(0);
    assertThat(mountTarget(prometheus, "../prometheus/alerts.yaml")).isEqualTo("/etc/prometheus/" + rules);
    assertThat(hostPath("../prometheus/alerts.yaml")).isRegularFile();
  }

  @Test
  @DisplayName("Grafana: the datasource is the Prometheus service, the dashboards directory is provisioned, every panel queries the gateway's metrics")
  void grafanaProvisioning() throws IOException {
    JsonObject grafana = services.getJsonObject("grafana");
    Path provisioning = hostPath("./grafana/provisioning");
    assertThat(mountTarget(grafana, "./grafana/provisioning")).isEqualTo("/etc/grafana/provisioning");
    Path dashboards = hostPath(DASHBOARDS);

    JsonObject datasource = Manifests.single(provisioning.resolve("datasources/prometheus.yaml"))
        .getJsonArray("datasources").getJsonObject(0);
    URI url = URI.create(datasource.getString("url"));
    assertThat(services.containsKey(url.getHost())).as("datasource host " + url.getHost()).isTrue();
    assertThat(containerPorts(services.getJsonObject(url.getHost()))).contains(url.getPort());

    JsonObject provider = Manifests.single(provisioning.resolve("dashboards/linq-gateway.yaml"))
        .getJsonArray("providers").getJsonObject(0);
    assertThat(provider.getJsonObject("options").getString("path"))
        .isEqualTo(mountTarget(grafana, DASHBOARDS));

    // The metrics the panels name are checked against a live scrape of the jar: MetricsScrapeIT.
    try (var files = Files.list(dashboards)) {
      List<Path> json = files.filter(f -> f.toString().endsWith(".json")).toList();
      assertThat(json).isNotEmpty();
      for (Path file : json) {
        JsonObject dashboard = new JsonObject(Files.readString(file));
        assertThat(dashboard.getString("uid")).isNotBlank();
        // The data source is a variable (any Prometheus: Kubernetes' Grafana has its own uid); here the default one.
        assertThat(datasource.getBoolean("isDefault")).isTrue();
        JsonObject variable = dashboard.getJsonObject("templating").getJsonArray("list").getJsonObject(0);
        assertThat(variable.getString("type")).isEqualTo("datasource");
        assertThat(variable.getString("query")).isEqualTo(datasource.getString("type"));
        for (Object entry : dashboard.getJsonArray("panels")) {
          JsonObject panel = (JsonObject) entry;
          assertThat(panel.getJsonObject("datasource").getString("uid")).isEqualTo("${" + variable.getString("name") + "}");
          assertThat(panel.getJsonArray("targets")).as(panel.getString("title")).isNotEmpty();
          for (Object target : panel.getJsonArray("targets")) {
            String expression = ((JsonObject) target).getString("expr");
            assertThat(Manifests.metricNames(expression)).as(expression).isNotEmpty();
          }
        }
      }
    }
  }
}
