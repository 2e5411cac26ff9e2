package com.linqapp.gateway.http;

import static com.linqapp.gateway.support.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.json.schema.Draft;
import io.vertx.json.schema.JsonSchema;
import io.vertx.json.schema.JsonSchemaOptions;
import io.vertx.json.schema.OutputFormat;
import io.vertx.json.schema.OutputUnit;
import io.vertx.json.schema.SchemaRepository;
import io.vertx.openapi.contract.OpenAPIVersion;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * The gateway's OpenAPI document as a test sees it: checked against the OpenAPI 3.1 schema (vertx-openapi's copy),
 * its references resolved, and able to say whether a response is one the document describes — status, required
 * headers, content type, and the body against its JSON Schema (each line of an NDJSON body). vertx-openapi's own
 * validators take only JSON and multipart bodies, so bodies are validated here with vertx-json-schema (2020-12,
 * the dialect of OpenAPI 3.1). It also keeps count of what was seen, so a test can prove every documented answer
 * was met.
 */
final class OpenApiContract {

  private static final Set<String> METHODS = Set.of("get", "put", "post", "delete", "patch", "head", "options");

  private static final String BASE_URI = "https://gateway.test/";

  private final JsonObject document;
  /** The raw document, for the {@code $ref}s left in body schemas ({@code https://gateway.test/#/components/...}). */
  private final SchemaRepository schemas;
  private final Set<String> seen = new TreeSet<>();

  private OpenApiContract(JsonObject document, JsonObject raw) {
    this.document = document;
    this.schemas = SchemaRepository.create(new JsonSchemaOptions().setDraft(Draft.DRAFT202012).setBaseUri(BASE_URI)
        .setOutputFormat(OutputFormat.Basic)).dereference(BASE_URI, JsonSchema.of(raw));
  }

  /** Parses the YAML, validates it as OpenAPI 3.1, resolves every {@code $ref}. */
  static OpenApiContract load(Vertx vertx, String yaml) {
    Object parsed = new Yaml(new SafeConstructor(new LoaderOptions())).load(yaml);
    JsonObject raw = new JsonObject(Json.encode(parsed));
    assertThat(raw.getString("openapi")).startsWith("3.1.");
    SchemaRepository repository = await(OpenAPIVersion.V3_1.getRepository(vertx, BASE_URI));
    OutputUnit valid = await(OpenAPIVersion.V3_1.validateContract(vertx, repository, raw));
    assertThat(valid.getValid()).as("valid OpenAPI 3.1: " + valid.getErrors()).isTrue();
    // resolve() answers with read-only proxies of the referenced parts, which fail some typed getters: copy to plain JSON
    JsonObject resolved = await(OpenAPIVersion.V3_1.resolve(vertx, repository, raw));
    return new OpenApiContract(new JsonObject(resolved.encode()), raw);
  }

  JsonObject document() {
    return document;
  }

  /** Every documented operation as {@code operationId}, with its method and path template. */
  List<Operation> operations() {
    List<Operation> operations = new ArrayList<>();
    JsonObject paths = document.getJsonObject("paths");
    for (String path : paths.fieldNames()) {
      for (String method : paths.getJsonObject(path).fieldNames()) {
        if (METHODS.contains(method)) {
          JsonObject operation = paths.getJsonObject(path).getJsonObject(method);
          operations.add(new Operation(operation.getString("operationId"), method.toUpperCase(Locale.ROOT), path,
              operation));
        }
      }
    }
    return operations;
  }

  /** The operation serving {@code method path} (a concrete path, query excluded), or {@code null}. */
  Operation operation(String method, String path) {
    return operations().stream().filter(op -> op.method().equals(method) && op.matches(path)).findFirst().orElse(null);
  }

  /**
   * Asserts the response is one the document gives for {@code method path}, and counts it as seen.
   *
   * @return the operation
   */
  Operation assertDocumented(String method, String path, HttpResponse<Buffer> response) {
    String where = method + " " + path + " -> " + response.statusCode();
    Operation operation = operation(method, path);
    assertThat(operation).as(where + ": a documented operation").isNotNull();
    String key = responseKey(operation, response.statusCode());
    assertThat(key).as(where + ": status documented for " + operation.id()).isNotNull();
    JsonObject documented = operation.spec().getJsonObject("responses").getJsonObject(key);
    JsonObject headers = documented.getJsonObject("headers", new JsonObject());
    for (String name : headers.fieldNames()) {
      if (headers.getJsonObject(name).getBoolean("required", false)) {
        assertThat(response.getHeader(name)).as(where + ": header " + name).isNotNull();
      }
    }
    JsonObject content = documented.getJsonObject("content");
    if (content != null) {
      String contentType = response.getHeader("Content-Type");
      assertThat(contentType).as(where + ": Content-Type").isNotNull();
      String mediaType = contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
      assertThat(content.fieldNames()).as(where + ": media type").contains(mediaType);
      validateBody(where, mediaType, content.getJsonObject(mediaType).getJsonObject("schema"), response.bodyAsString());
    }
    seen.add(operation.id() + " " + key);
    return operation;
  }

  private void validateBody(String where, String mediaType, JsonObject schema, String body) {
    assertThat(body).as(where + ": a body").isNotNull();
    switch (mediaType) {
      case "application/json" -> validate(where, schema, Json.decodeValue(body));
      case "application/x-ndjson" -> {
        for (String line : body.split("\n")) {
          validate(where + " line " + line, schema, Json.decodeValue(line));
        }
      }
      default -> assertThat(schema.getString("type")).as(where + ": a text body").isEqualTo("string");
    }
  }

  private void validate(String where, JsonObject schema, Object value) {
    OutputUnit result = schemas.validator(JsonSchema.of(schema)).validate(value);
    assertThat(result.getValid()).as(where + ": " + result.getErrors() + " in " + value).isTrue();
  }

  /** The documented response for a status: exact, else its range ({@code 4XX}), else {@code default}. */
  private static String responseKey(Operation operation, int status) {
    JsonObject responses = operation.spec().getJsonObject("responses");
    for (String key : List.of(String.valueOf(status), status / 100 + "XX", "default")) {
      if (responses.containsKey(key)) {
        return key;
      }
    }
    return null;
  }

  /** {@code operationId status} of every documented response. */
  Set<String> documentedResponses() {
    Set<String> all = new LinkedHashSet<>();
    for (Operation operation : operations()) {
      operation.spec().getJsonObject("responses").fieldNames().forEach(key -> all.add(operation.id() + " " + key));
    }
    return all;
  }

  /** {@code operationId status} of every response {@link #assertDocumented} has seen. */
  Set<String> seen() {
    return seen;
  }

  /** One documented operation. */
  record Operation(String id, String method, String path, JsonObject spec) {

    /** Whether a concrete path fits this template ({@code {id}} is one segment). */
    boolean matches(String concrete) {
      String regex = Pattern.quote(path).replaceAll("\\{[^}/]+}", "\\\\E[^/]+\\\\Q");
      return concrete.matches(regex);
    }
  }

  /** The documented paths, as the router spells them ({@code {id}} as {@code :id}). */
  Map<String, Set<String>> methodsByRouterPath() {
    Map<String, Set<String>> byPath = new java.util.TreeMap<>();
    for (Operation operation : operations()) {
      byPath.computeIfAbsent(operation.path().replaceAll("\\{([^}/]+)}", ":$1"), p -> new TreeSet<>())
          .add(operation.method());
    }
    return byPath;
  }
}
