package com.linqapp.gateway.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.linqapp.gateway.config.ConfigLoader;
import com.linqapp.gateway.config.GatewayConfig;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.Yaml;

/**
 * Reading the deployment files as their tools would: YAML documents (anchors and merge keys resolved),
 * a Kustomize directory rendered (resources, strategic-merge patches of maps, namespace, images), the
 * Dockerfile's runtime settings, and the gateway's settings as a container would see them.
 */
final class Manifests {

  static final Path ROOT = Path.of("").toAbsolutePath();
  static final Path KUBERNETES = ROOT.resolve("deploy/kubernetes");
  static final Path COMPOSE = ROOT.resolve("deploy/compose");

  /** Variables the gateway reads besides its settings, each documented in the README. */
  static final Set<String> OTHER_VARIABLES = Set.of("GATEWAY_LOG_LEVEL", "JAVA_TOOL_OPTIONS");

  /** The Kustomization fields this renderer understands; any other (a typo) fails the test. */
  private static final Set<String> KUSTOMIZATION_FIELDS =
      Set.of("apiVersion", "kind", "resources", "patches", "namespace", "images", "configMapGenerator");

  private Manifests() {
  }

  /** Every YAML document in {@code file}, as JSON. */
  static List<JsonObject> load(Path file) {
    assertThat(file).as("a file the deployment names").isRegularFile();
    List<JsonObject> documents = new ArrayList<>();
    try (Reader reader = Files.newBufferedReader(file)) {
      for (Object document : new Yaml().loadAll(reader)) {
        if (document != null) {
          assertThat(document).as(file + " holds YAML mappings").isInstanceOf(Map.class);
          documents.add(json(document));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return documents;
  }

  static JsonObject single(Path file) {
    List<JsonObject> documents = load(file);
    assertThat(documents).as(file.toString()).hasSize(1);
    return documents.get(0);
  }

  /** Through text, so nested maps and lists become JsonObject and JsonArray all the way down. */
  @SuppressWarnings("unchecked")
  private static JsonObject json(Object yaml) {
    return new JsonObject(JsonObject.mapFrom(yaml).encode());
  }

  /** {@code kubectl kustomize dir}, for the fields in {@link #KUSTOMIZATION_FIELDS}. */
  static List<JsonObject> kustomize(Path dir) {
    JsonObject kustomization = single(dir.resolve("kustomization.yaml"));
    assertThat(KUSTOMIZATION_FIELDS).as("fields of " + dir + "/kustomization.yaml")
        .containsAll(kustomization.fieldNames());
    List<JsonObject> resources = new ArrayList<>();
    for (Object entry : kustomization.getJsonArray("resources", new JsonArray())) {
      Path path = dir.resolve((String) entry).normalize();
      resources.addAll(Files.isDirectory(path) ? kustomize(path) : load(path));
    }
    for (Object entry : kustomization.getJsonArray("configMapGenerator", new JsonArray())) {
      resources.add(generatedConfigMap(dir, (JsonObject) entry));
    }
    for (Object entry : kustomization.getJsonArray("patches", new JsonArray())) {
      for (JsonObject patch : load(dir.resolve(((JsonObject) entry).getString("path")))) {
        assertNoLists(patch, dir + " patch " + name(patch));
        JsonObject target = find(resources, patch.getString("kind"), name(patch));
        target.mergeIn(patch, true);
      }
    }
    String namespace = kustomization.getString("namespace");
    for (JsonObject resource : resources) {
      if (namespace != null && !"Namespace".equals(resource.getString("kind"))) {
        resource.getJsonObject("metadata").put("namespace", namespace);
      }
    }
    for (Object entry : kustomization.getJsonArray("images", new JsonArray())) {
      JsonObject image = (JsonObject) entry;
      for (JsonObject container : containers(resources)) {
        if (image.getString("name").equals(container.getString("image").split(":")[0])) {
          container.put("image", image.getString("newName", image.getString("name")) + ":" + image.getString("newTag"));
        }
      }
    }
    return resources;
  }

  /** A ConfigMap of files, named as given: this renderer knows no name suffix hash, so it must be disabled. */
  private static JsonObject generatedConfigMap(Path dir, JsonObject generator) {
    JsonObject options = generator.getJsonObject("options", new JsonObject());
    assertThat(options.getBoolean("disableNameSuffixHash", false)).as(generator.getString("name") + ": the name stays")
        .isTrue();
    JsonObject data = new JsonObject();
    for (Object file : generator.getJsonArray("files")) {
      Path path = dir.resolve((String) file).normalize();
      assertThat(path).as("a file the generator names").isRegularFile().startsWith(dir);
      try {
        data.put(path.getFileName().toString(), Files.readString(path));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return new JsonObject().put("apiVersion", "v1").put("kind", "ConfigMap")
        .put("metadata", new JsonObject().put("name", generator.getString("name"))
            .put("labels", options.getJsonObject("labels", new JsonObject())))
        .put("data", data);
  }

  /** A strategic-merge patch with a list would merge by key in Kustomize, not replace: this renderer refuses it. */
  private static void assertNoLists(JsonObject patch, String what) {
    for (String field : patch.fieldNames()) {
      Object value = patch.getValue(field);
      assertThat(value).as(what + ": " + field + " (patch maps only)").isNotInstanceOf(JsonArray.class);
      if (value instanceof JsonObject nested) {
        assertNoLists(nested, what);
      }
    }
  }

  static String name(JsonObject resource) {
    return resource.getJsonObject("metadata").getString("name");
  }

  static JsonObject find(List<JsonObject> resources, String kind, String name) {
    return resources.stream().filter(r -> kind.equals(r.getString("kind")) && name.equals(name(r))).findFirst()
        .orElseThrow(() -> new AssertionError("no " + kind + " named " + name));
  }

  static List<JsonObject> ofKind(List<JsonObject> resources, String kind) {
    return resources.stream().filter(r -> kind.equals(r.getString("kind"))).toList();
  }

  static List<JsonObject> containers(List<JsonObject> resources) {
    List<JsonObject> containers = new ArrayList<>();
    for (JsonObject deployment : ofKind(resources, "Deployment")) {
      podSpec(deployment).getJsonArray("containers").forEach(c -> containers.add((JsonObject) c));
    }
    return containers;
  }

  static JsonObject podSpec(JsonObject deployment) {
    return deployment.getJsonObject("spec").getJsonObject("template").getJsonObject("spec");
  }

  static JsonObject podLabels(JsonObject deployment) {
    return deployment.getJsonObject("spec").getJsonObject("template").getJsonObject("metadata").getJsonObject("labels");
  }

  /** Whether a selector's labels all appear, with the same values, among a pod's labels. */
  static boolean selects(JsonObject selector, JsonObject labels) {
    return !selector.isEmpty()
        && selector.fieldNames().stream().allMatch(key -> selector.getValue(key).equals(labels.getValue(key)));
  }

  /** The container port a Service's {@code targetPort} or a probe's {@code port} names (by name or number). */
  static int containerPort(JsonObject container, Object port) {
    for (Object entry : container.getJsonArray("ports")) {
      JsonObject declared = (JsonObject) entry;
      if (port.equals(declared.getString("name")) || port.equals(declared.getInteger("containerPort"))) {
        return declared.getInteger("containerPort");
      }
    }
    throw new AssertionError("container " + container.getString("name") + " declares no port " + port);
  }

  static int namedPort(JsonObject container, String name) {
    return containerPort(container, name);
  }

  /** A Secret's value for {@code key}, from {@code stringData} or base64 {@code data}; fails when absent. */
  static String secretValue(JsonObject secret, String key) {
    JsonObject plain = secret.getJsonObject("stringData", new JsonObject());
    JsonObject encoded = secret.getJsonObject("data", new JsonObject());
    assertThat(plain.containsKey(key) || encoded.containsKey(key))
        .as("Secret " + name(secret) + " has the key " + key).isTrue();
    return plain.containsKey(key) ? String.valueOf(plain.getValue(key))
        : new String(Base64.getDecoder().decode(encoded.getString(key)));
  }

  /** Checks a variable name against the configuration's own list (or the documented others). */
  static void assertKnownVariable(String name, String where) {
    assertThat(GatewayConfig.NAMES.contains(name) || OTHER_VARIABLES.contains(name))
        .as(where + ": " + name + " is a gateway setting (GatewayConfig.NAMES) or a documented variable").isTrue();
  }

  /** The settings a container starts with: the jar's defaults, the image's ENV, then its environment. */
  static JsonObject settings(JsonObject environment) {
    JsonObject settings = ConfigLoader.builtInDefaults().mergeIn(dockerfileEnv());
    environment.forEach(entry -> {
      if (GatewayConfig.NAMES.contains(entry.getKey())) {
        settings.put(entry.getKey(), String.valueOf(entry.getValue()));
      }
    });
    return settings;
  }

  static String dockerfile() {
    try {
      return Files.readString(ROOT.resolve("Dockerfile"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The runtime stage's {@code ENV NAME=value} lines. */
  static JsonObject dockerfileEnv() {
    String runtime = dockerfile().substring(dockerfile().lastIndexOf("\nFROM "));
    JsonObject env = new JsonObject();
    Matcher m = Pattern.compile("(?m)^ENV ([A-Z0-9_]+)=(\\S+)$").matcher(runtime);
    while (m.find()) {
      env.put(m.group(1), m.group(2));
    }
    return env;
  }

  /** The one value a Dockerfile instruction's regex group captures. */
  static String dockerfileMatch(String regex) {
    Matcher m = Pattern.compile(regex, Pattern.MULTILINE).matcher(dockerfile());
    assertThat(m.find()).as("Dockerfile has " + regex).isTrue();
    return m.group(1);
  }

  static String pomVersion() {
    try {
      Matcher m = Pattern.compile("<artifactId>linq-capability-gateway</artifactId>\\s*<version>([^<]+)</version>")
          .matcher(Files.readString(ROOT.resolve("pom.xml")));
      assertThat(m.find()).isTrue();
      return m.group(1);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Names of the gateway's metrics ({@code gateway_…}, {@code linq_…}, the answer cache's {@code cache_…}) in PromQL. */
  static Set<String> metricNames(String expression) {
    Set<String> names = new java.util.TreeSet<>();
    Matcher m = Pattern.compile("\\b((?:gateway|linq|cache)_[a-z0-9_]+)\\b").matcher(expression);
    while (m.find()) {
      names.add(m.group(1));
    }
    return names;
  }
}
