package com.linqapp.gateway.deploy;

import static com.linqapp.gateway.deploy.Manifests.containerPort;
import static com.linqapp.gateway.deploy.Manifests.find;
import static com.linqapp.gateway.deploy.Manifests.name;
import static com.linqapp.gateway.deploy.Manifests.namedPort;
import static com.linqapp.gateway.deploy.Manifests.ofKind;
import static com.linqapp.gateway.deploy.Manifests.podLabels;
import static com.linqapp.gateway.deploy.Manifests.podSpec;
import static com.linqapp.gateway.deploy.Manifests.selects;
import static org.assertj.core.api.Assertions.assertThat;

import com.linqapp.gateway.config.ClusterOptions.Discovery;
import com.linqapp.gateway.config.GatewayConfig;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code deploy/kubernetes}, rendered as Kustomize would (the base, and the sandbox overlay), checked for
 * what a typo would break: variable names, the settings' values, ports, probe and scrape paths against a
 * running gateway, labels and selectors, the Secret's and ConfigMap's keys, the shutdown timing and the
 * pod's security and resources. No cluster is needed.
 */
class KubernetesManifestsTest {

  /** Stands in for {@code status.podIP}. */
  private static final String POD_IP = "10.244.1.17";
  /** What {@code ServeCommand} waits past delay + grace: the drain's slack (2 s) and Vert.x's close (5 s). */
  private static final int SHUTDOWN_SLACK_SECONDS = 7;

  private static LiveEndpoints live;

  @BeforeAll
  static void start() {
    live = new LiveEndpoints();
  }

  @AfterAll
  static void stop() {
    live.close();
  }

  static Stream<Arguments> renderings() {
    return Stream.of(Arguments.of("base", Manifests.kustomize(Manifests.KUBERNETES.resolve("base"))),
        Arguments.of("overlays/sandbox", Manifests.kustomize(Manifests.KUBERNETES.resolve("overlays/sandbox"))));
  }

  /** The gateway's Deployment: the one whose container runs {@code serve}. */
  private static JsonObject gatewayDeployment(List<JsonObject> resources) {
    List<JsonObject> gateways = ofKind(resources, "Deployment").stream()
        .filter(d -> "serve".equals(container(d).getJsonArray("args", new JsonArray().add("serve")).getString(0)))
        .toList();
    assertThat(gateways).hasSize(1);
    return gateways.get(0);
  }

  private static JsonObject container(JsonObject deployment) {
    JsonArray containers = podSpec(deployment).getJsonArray("containers");
    assertThat(containers).as(name(deployment) + " has one container").hasSize(1);
    return containers.getJsonObject(0);
  }

  /**
   * The container's environment as the kubelet builds it: ConfigMaps and Secrets of {@code envFrom}, then
   * {@code env} (Secret keys read from the Secret, the pod IP from the downward API). Every name is checked.
   */
  private static JsonObject environment(List<JsonObject> resources, JsonObject container) {
    JsonObject env = new JsonObject();
    for (Object entry : container.getJsonArray("envFrom", new JsonArray())) {
      JsonObject source = (JsonObject) entry;
      if (source.containsKey("configMapRef")) {
        JsonObject data = find(resources, "ConfigMap", source.getJsonObject("configMapRef").getString("name"))
            .getJsonObject("data");
        data.forEach(e -> env.put(e.getKey(), String.valueOf(e.getValue())));
      } else {
        JsonObject secret = find(resources, "Secret", source.getJsonObject("secretRef").getString("name"));
        secret.getJsonObject("stringData", new JsonObject()).fieldNames()
            .forEach(key -> env.put(key, Manifests.secretValue(secret, key)));
      }
    }
    for (Object entry : container.getJsonArray("env", new JsonArray())) {
      JsonObject variable = (JsonObject) entry;
      JsonObject from = variable.getJsonObject("valueFrom");
      String value;
      if (from == null) {
        value = String.valueOf(variable.getValue("value"));
      } else if (from.containsKey("secretKeyRef")) {
        JsonObject ref = from.getJsonObject("secretKeyRef");
        value = Manifests.secretValue(find(resources, "Secret", ref.getString("name")), ref.getString("key"));
      } else {
        assertThat(from.getJsonObject("fieldRef").getString("fieldPath")).isEqualTo("status.podIP");
        value = POD_IP;
      }
      env.put(variable.getString("name"), value);
    }
    env.fieldNames().forEach(key -> Manifests.assertKnownVariable(key, "container " + container.getString("name")));
    return env;
  }

  private static GatewayConfig config(List<JsonObject> resources) {
    JsonObject env = environment(resources, container(gatewayDeployment(resources)));
    GatewayConfig config = GatewayConfig.from(Manifests.settings(env));
    config.requireServable();
    return config;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("renderings")
  @DisplayName("every variable is a setting (or documented), every value valid, the Secret and ConfigMap keys exist")
  void settings(String rendering, List<JsonObject> resources) {
    GatewayConfig config = config(resources);
    assertThat(config.cluster()).isTrue();
    assertThat(config.clusterOptions().discovery()).isEqualTo(Discovery.KUBERNETES);
    assertThat(config.clusterOptions().host()).as("GATEWAY_CLUSTER_HOST from status.podIP").isEqualTo(POD_IP);
    Manifests.dockerfileEnv().fieldNames().forEach(key -> Manifests.assertKnownVariable(key, "Dockerfile ENV"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("renderings")
  @DisplayName("ports: HTTP, Hazelcast and event bus match the settings; Services reach named container ports")
  void ports(String rendering, List<JsonObject> resources) {
    GatewayConfig config = config(resources);
    JsonObject gateway = container(gatewayDeployment(resources));
    assertThat(namedPort(gateway, "http")).isEqualTo(config.httpPort());
    assertThat(namedPort(gateway, "hazelcast")).isEqualTo(config.clusterOptions().port());
    assertThat(namedPort(gateway, "eventbus")).isEqualTo(config.clusterOptions().eventBusPort());
    for (JsonObject service : ofKind(resources, "Service")) {
      JsonObject target = container(selected(resources, service.getJsonObject("spec").getJsonObject("selector")));
      for (Object entry : service.getJsonObject("spec").getJsonArray("ports")) {
        containerPort(target, ((JsonObject) entry).getValue("targetPort"));
      }
    }
    String exposed = Manifests.dockerfileMatch("^EXPOSE (.+)$");
    assertThat(List.of(exposed.split(" "))).containsExactlyInAnyOrder(String.valueOf(config.httpPort()),
        String.valueOf(config.clusterOptions().port()), String.valueOf(config.clusterOptions().eventBusPort()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("renderings")
  @DisplayName("probes and the scrape annotations name the HTTP port and paths the running gateway serves")
  void probesAndScraping(String rendering, List<JsonObject> resources) {
    JsonObject deployment = gatewayDeployment(resources);
    JsonObject gateway = container(deployment);
    int http = namedPort(gateway, "http");
    for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
      JsonObject get = gateway.getJsonObject(probe).getJsonObject("httpGet");
      assertThat(containerPort(gateway, get.getValue("port"))).as(probe).isEqualTo(http);
      assertThat(live.gateway(get.getString("path")).statusCode()).as(probe + " " + get.getString("path")).isEqualTo(200);
    }
    assertThat(gateway.getJsonObject("readinessProbe").getJsonObject("httpGet").getString("path"))
        .as("readiness is the check that goes down on SIGTERM and until the pod joins").isEqualTo("/health/ready");
    assertThat(gateway.getJsonObject("livenessProbe").getJsonObject("httpGet").getString("path"))
        .as("liveness must not restart a pod that is merely draining").isEqualTo("/health/live");

    JsonObject annotations = deployment.getJsonObject("spec").getJsonObject("template").getJsonObject("metadata")
        .getJsonObject("annotations");
    assertThat(annotations.getString("prometheus.io/scrape")).isEqualTo("true");
    assertThat(Integer.parseInt(annotations.getString("prometheus.io/port"))).isEqualTo(http);
    var metrics = live.gateway(annotations.getString("prometheus.io/path"));
    assertThat(metrics.statusCode()).isEqualTo(200);
    assertThat(metrics.bodyAsString()).contains("# TYPE");
  }

  /** The one Deployment whose pods a selector matches. */
  private static JsonObject selected(List<JsonObject> resources, JsonObject selector) {
    List<JsonObject> matched = ofKind(resources, "Deployment").stream()
        .filter(d -> selects(selector, podLabels(d))).toList();
    assertThat(matched).as("Deployments selected by " + selector).hasSize(1);
    return matched.get(0);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("renderings")
  @DisplayName("labels and selectors agree: Deployments, Services, the PodDisruptionBudget, the anti-affinity")
  void labelsAndSelectors(String rendering, List<JsonObject> resources) {
    for (JsonObject deployment : ofKind(resources, "Deployment")) {
      assertThat(selects(deployment.getJsonObject("spec").getJsonObject("selector").getJsonObject("matchLabels"),
          podLabels(deployment))).as(name(deployment) + "'s selector matches its pods").isTrue();
    }
    JsonObject gateway = gatewayDeployment(resources);
    for (JsonObject service : ofKind(resources, "Service")) {
      selected(resources, service.getJsonObject("spec").getJsonObject("selector"));
    }
    JsonObject pdb = ofKind(resources, "PodDisruptionBudget").get(0);
    assertThat(selected(resources, pdb.getJsonObject("spec").getJsonObject("selector").getJsonObject("matchLabels")))
        .isSameAs(gateway);
    JsonObject antiAffinity = podSpec(gateway).getJsonObject("affinity").getJsonObject("podAntiAffinity")
        .getJsonArray("preferredDuringSchedulingIgnoredDuringExecution").getJsonObject(0).getJsonObject("podAffinityTerm");
    assertThat(selected(resources, antiAffinity.getJsonObject("labelSelector").getJsonObject("matchLabels")))
        .isSameAs(gateway);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("renderings")
  @DisplayName("discovery: the Service DNS name is a headless Service of the gateway's pods on the Hazelcast port, listing pods before they are ready")
  void discoveryService(String rendering, List<JsonObject> resources) {
    GatewayConfig config = config(resources);
    String serviceName = config.clusterOptions().kubernetesServiceDns().split("\\.")[0];
    JsonObject headless = find(resources, "Service", serviceName).getJsonObject("spec");
    assertThat(headless.getString("clusterIP")).isEqualTo("None");
    assertThat(headless.getBoolean("publishNotReadyAddresses")).isTrue();
    JsonObject gateway = gatewayDeployment(resources);
    assertThat(selected(resources, headless.getJsonObject("selector"))).isSameAs(gateway);
    JsonObject port = headless.getJsonArray("ports").getJsonObject(0);
    assertThat(port.getInteger("port")).isEqualTo(config.clusterOptions().port());
    assertThat(containerPort(container(gateway), port.getValue("targetPort"))).isEqualTo(config.clusterOptions().port());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("renderings")
  @DisplayName("shutdown: a delay for the endpoints to catch up, and a termination grace period covering delay + drain")
  void shutdownTiming(String rendering, List<JsonObject> resources) {
    GatewayConfig config = config(resources);
    assertThat(config.shutdownDelaySeconds()).isPositive();
    int period = podSpec(gatewayDeployment(resources)).getInteger("terminationGracePeriodSeconds");
    assertThat(period).isGreaterThanOrEqualTo(
        config.shutdownDelaySeconds() + config.shutdownGraceSeconds() + SHUTDOWN_SLACK_SECONDS);
    JsonObject rolling = gatewayDeployment(resources).getJsonObject("spec").getJsonObject("strategy")
        .getJsonObject("rollingUpdate");
    assertThat(rolling.getInteger("maxUnavailable")).as("one pod at a time leaves").isZero();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("renderings")
  @DisplayName("pods: non-root, read-only root filesystem with /tmp and the jobs directory writable, resources that fit the JVM flags")
  void podsAreLockedDownAndSized(String rendering, List<JsonObject> resources) {
    String workdir = Manifests.dockerfileMatch("^WORKDIR (/\\S+)\\s*$(?![\\s\\S]*^WORKDIR)");
    String user = Manifests.dockerfileMatch("^USER (\\d+)");
    for (JsonObject deployment : ofKind(resources, "Deployment")) {
      JsonObject pod = podSpec(deployment);
      JsonObject container = container(deployment);
      assertThat(pod.getJsonObject("securityContext").getBoolean("runAsNonRoot")).isTrue();
      assertThat(pod.getJsonObject("securityContext").getInteger("runAsUser")).isEqualTo(Integer.parseInt(user));
      JsonObject security = container.getJsonObject("securityContext");
      assertThat(security.getBoolean("readOnlyRootFilesystem")).isTrue();
      assertThat(security.getBoolean("allowPrivilegeEscalation")).isFalse();
      List<String> mounts = new ArrayList<>();
      for (Object entry : container.getJsonArray("volumeMounts")) {
        JsonObject mount = (JsonObject) entry;
        mounts.add(mount.getString("mountPath"));
        assertThat(pod.getJsonArray("volumes").stream().map(v -> ((JsonObject) v).getString("name")))
            .as("volume " + mount.getString("name")).contains(mount.getString("name"));
      }
      assertThat(mounts).as("Vert.x's file cache and the JVM write to /tmp").contains("/tmp");
      if (deployment == gatewayDeployment(resources)) {
        assertThat(mounts).as("the job store's default directory, ./jobs under " + workdir).contains(workdir + "/jobs");
      }
      JsonObject limits = container.getJsonObject("resources").getJsonObject("limits");
      JsonObject requests = container.getJsonObject("resources").getJsonObject("requests");
      assertThat(requests.getString("memory")).as("memory request = limit: a JVM keeps its heap")
          .isEqualTo(limits.getString("memory"));
      assertThat(limits.getString("cpu")).as("the CPU limit is the JVM's processor count").isNotBlank();
      double heapShare = Double.parseDouble(Manifests.dockerfileMatch("-XX:MaxRAMPercentage=(\\d+)")) / 100;
      assertThat(heapShare * mebibytes(limits.getString("memory"))).as("heap under the memory limit")
          .isGreaterThanOrEqualTo(256);
    }
  }

  private static long mebibytes(String quantity) {
    Map<String, Long> units = Map.of("Mi", 1L, "Gi", 1024L);
    String unit = quantity.substring(quantity.length() - 2);
    assertThat(units).as("memory in Mi or Gi: " + quantity).containsKey(unit);
    return Long.parseLong(quantity.substring(0, quantity.length() - 2)) * units.get(unit);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("renderings")
  @DisplayName("the image is the project's version, as in the Dockerfile's label")
  void imageVersion(String rendering, List<JsonObject> resources) {
    String version = Manifests.pomVersion();
    assertThat(Manifests.dockerfileMatch("^ARG VERSION=(\\S+)$")).isEqualTo(version);
    assertThat(Manifests.containers(resources)).allSatisfy(container ->
        assertThat(container.getString("image")).isEqualTo("linq-capability-gateway:" + version));
  }

  @Test
  @DisplayName("monitoring: the PodMonitor scrapes the gateway pods' /metrics as job linq-gateway; the PrometheusRule is alerts.yaml; the dashboard ConfigMap is the sidecar's")
  void monitoring() throws Exception {
    List<JsonObject> base = Manifests.kustomize(Manifests.KUBERNETES.resolve("base"));
    List<JsonObject> monitoring = Manifests.kustomize(Manifests.KUBERNETES.resolve("monitoring"));
    JsonObject deployment = gatewayDeployment(base);

    JsonObject podMonitor = ofKind(monitoring, "PodMonitor").get(0).getJsonObject("spec");
    assertThat(selected(base, podMonitor.getJsonObject("selector").getJsonObject("matchLabels"))).isSameAs(deployment);
    assertThat(podLabels(deployment).getString(podMonitor.getString("jobLabel")))
        .as("the job the rules and the dashboard select on").isEqualTo("linq-gateway");
    JsonObject endpoint = podMonitor.getJsonArray("podMetricsEndpoints").getJsonObject(0);
    assertThat(containerPort(container(deployment), endpoint.getString("port")))
        .isEqualTo(namedPort(container(deployment), "http"));
    assertThat(live.gateway(endpoint.getString("path")).bodyAsString()).contains("# TYPE gateway_members");

    JsonObject rules = ofKind(monitoring, "PrometheusRule").get(0);
    assertThat(rules.getJsonObject("spec").getJsonArray("groups"))
        .isEqualTo(Manifests.single(Manifests.ROOT.resolve("deploy/prometheus/alerts.yaml")).getJsonArray("groups"));

    JsonObject dashboards = find(monitoring, "ConfigMap", "linq-gateway-dashboard");
    assertThat(dashboards.getJsonObject("metadata").getJsonObject("labels").getString("grafana_dashboard"))
        .isEqualTo("1");
    JsonObject dashboard = new JsonObject(dashboards.getJsonObject("data").getString("linq-gateway.json"));
    assertThat(dashboard.getString("uid")).isEqualTo("linq-gateway");
  }

  @Test
  @DisplayName("sandbox: the gateways call the simulate Deployment, through its Service, with the key it accepts")
  void sandboxPointsAtTheSimulator() {
    List<JsonObject> resources = Manifests.kustomize(Manifests.KUBERNETES.resolve("overlays/sandbox"));
    GatewayConfig config = config(resources);
    URI linq = URI.create(config.linqBaseUrl());
    JsonObject service = find(resources, "Service", linq.getHost()).getJsonObject("spec");
    JsonObject servicePort = service.getJsonArray("ports").stream().map(p -> (JsonObject) p)
        .filter(p -> p.getInteger("port") == linq.getPort()).findFirst()
        .orElseThrow(() -> new AssertionError("Service " + linq.getHost() + " has no port " + linq.getPort()));
    JsonObject simulate = container(selected(resources, service.getJsonObject("selector")));
    LiveEndpoints.Simulate command = LiveEndpoints.Simulate.of(simulate.getJsonArray("args").getList());
    assertThat(containerPort(simulate, servicePort.getValue("targetPort"))).isEqualTo(command.port());
    assertThat(command.host()).as("reachable from other pods").isEqualTo("0.0.0.0");
    assertThat(config.linqApiKey()).isEqualTo(command.apiKey());
    assertThat(linq.getPath()).isEqualTo("/api/partner");
    JsonObject readiness = simulate.getJsonObject("readinessProbe").getJsonObject("httpGet");
    assertThat(containerPort(simulate, readiness.getValue("port"))).isEqualTo(command.port());
    assertThat(live.simulatorStatus(readiness.getString("path"))).isEqualTo(200);
    assertThat(find(resources, "Namespace", find(resources, "Deployment", "linq-gateway").getJsonObject("metadata")
        .getString("namespace"))).isNotNull();
  }

  @Test
  @DisplayName("the base's container runs the serve command the CLI knows; the README documents the other variables")
  void commandsAndDocumentedVariables() throws Exception {
    List<JsonObject> resources = Manifests.kustomize(Manifests.KUBERNETES.resolve("base"));
    List<String> args = container(gatewayDeployment(resources)).getJsonArray("args").getList();
    assertThat(LiveEndpoints.command(args).commandSpec().name()).isEqualTo("serve");
    String readme = java.nio.file.Files.readString(Path.of("README.md"));
    assertThat(Manifests.OTHER_VARIABLES).allSatisfy(variable -> assertThat(readme).contains("`" + variable + "`"));
  }
}
