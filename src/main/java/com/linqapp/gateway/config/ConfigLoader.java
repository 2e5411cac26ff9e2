package com.linqapp.gateway.config;

import io.vertx.config.ConfigRetriever;
import io.vertx.config.ConfigRetrieverOptions;
import io.vertx.config.ConfigStoreOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Loads settings through vertx-config, lowest precedence first: the defaults built into the jar,
 * the config file ({@code conf/config.json} when present, or the {@code --conf} file, which must exist),
 * then the environment (only the gateway's own names), which wins.
 */
public final class ConfigLoader {

  /** The default config file, relative to the working directory. */
  public static final String DEFAULT_FILE = "conf/config.json";

  private ConfigLoader() {
  }

  /**
   * @param vertx    used only for reading; the caller owns it
   * @param confFile {@code --conf} value, or {@code null} for {@link #DEFAULT_FILE} if present
   * @return merged raw settings; unknown names in the file fail with a {@link ConfigException}
   */
  public static Future<JsonObject> load(Vertx vertx, String confFile) {
    ConfigRetrieverOptions options = new ConfigRetrieverOptions().setIncludeDefaultStores(false).setScanPeriod(0);
    options.addStore(new ConfigStoreOptions().setType("json").setConfig(builtInDefaults()));
    Path file = Path.of(confFile == null ? DEFAULT_FILE : confFile);
    if (confFile != null && !Files.isRegularFile(file)) {
      return Future.failedFuture(new ConfigException("--conf " + confFile + ": no such file"));
    }
    if (Files.isRegularFile(file)) {
      JsonObject fromFile;
      try {
        fromFile = new JsonObject(Buffer.buffer(Files.readAllBytes(file)));
      } catch (IOException | DecodeException e) {
        return Future.failedFuture(new ConfigException(file + " is not a readable JSON object: " + e.getMessage()));
      }
      for (String name : fromFile.fieldNames()) {
        if (!GatewayConfig.NAMES.contains(name)) {
          return Future.failedFuture(new ConfigException(file + " has an unknown setting: " + name));
        }
      }
      options.addStore(new ConfigStoreOptions().setType("json").setConfig(fromFile));
    }
    options.addStore(new ConfigStoreOptions().setType("env")
        .setConfig(new JsonObject().put("raw-data", true).put("keys", new JsonArray(GatewayConfig.NAMES.stream().sorted().toList()))));
    ConfigRetriever retriever = ConfigRetriever.create(vertx, options);
    return retriever.getConfig().andThen(done -> retriever.close());
  }

  /** The defaults shipped in the jar ({@code default-config.json}); the same file is {@code conf/config.json}. */
  public static JsonObject builtInDefaults() {
    try (InputStream in = ConfigLoader.class.getResourceAsStream("/default-config.json")) {
      if (in == null) {
        throw new IllegalStateException("default-config.json missing from the jar");
      }
      return new JsonObject(Buffer.buffer(in.readAllBytes()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
