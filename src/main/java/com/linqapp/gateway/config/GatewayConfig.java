package com.linqapp.gateway.config;

import com.google.i18n.phonenumbers.PhoneNumberUtil;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The gateway's whole configuration: immutable and validated once, at startup. Setting names are the
 * environment variable names of the contract, in {@code conf/config.json} as well, so one name is
 * documented, configured and overridden everywhere.
 */
public final class GatewayConfig {

  /** Every setting the gateway reads; anything else in a config file is a mistake and is refused. */
  public static final Set<String> NAMES = Set.of(
      "GATEWAY_HTTP_HOST", "GATEWAY_HTTP_PORT", "GATEWAY_API_KEYS", "GATEWAY_SANDBOX", "GATEWAY_AUTH_DISABLED",
      "LINQ_API_V3_BASE_URL", "LINQ_API_V3_API_KEY", "LINQ_RATE_LIMIT_PER_SECOND", "LINQ_RATE_LIMIT_BURST",
      "LINQ_RATE_LIMIT_SCOPE", "LINQ_MAX_CONCURRENCY", "LINQ_MAX_ATTEMPTS", "LINQ_CONNECT_TIMEOUT_MS",
      "LINQ_IDLE_TIMEOUT_MS", "LINQ_REQUEST_TIMEOUT_MS", "GATEWAY_MAX_QUEUE", "GATEWAY_DEFAULT_TIMEOUT_MS",
      "GATEWAY_DEFAULT_REGION",
      "GATEWAY_CACHE_TTL_AVAILABLE_SECONDS", "GATEWAY_CACHE_TTL_UNAVAILABLE_SECONDS", "GATEWAY_CACHE_MAX_ENTRIES",
      "GATEWAY_CACHE_MAX_STALE_SECONDS", "GATEWAY_CLIENT_DAILY_BUDGETS",
      "GATEWAY_SHUTDOWN_DELAY_SECONDS", "GATEWAY_SHUTDOWN_GRACE_SECONDS", "GATEWAY_LOG_FORMAT", "GATEWAY_CLUSTER",
      "GATEWAY_CLUSTER_DISCOVERY", "GATEWAY_CLUSTER_NAME", "GATEWAY_CLUSTER_HOST", "GATEWAY_CLUSTER_PORT",
      "GATEWAY_CLUSTER_MEMBERS", "GATEWAY_CLUSTER_KUBERNETES_SERVICE_DNS", "GATEWAY_CLUSTER_CONFIG", "GATEWAY_EVENTBUS_HOST",
      "GATEWAY_EVENTBUS_PORT", "GATEWAY_EVENTBUS_PUBLIC_HOST", "GATEWAY_EVENTBUS_PUBLIC_PORT",
      "GATEWAY_EVENTBUS_TLS_KEY_STORE", "GATEWAY_EVENTBUS_TLS_KEY_STORE_PASSWORD", "GATEWAY_EVENTBUS_TLS_TRUST_STORE",
      "GATEWAY_EVENTBUS_TLS_TRUST_STORE_PASSWORD", "GATEWAY_JOBS_STORE", "GATEWAY_JOBS_DIR", "GATEWAY_JOBS_RETENTION",
      "GATEWAY_JOBS_MAX_LINES", "GATEWAY_JOBS_MAX_OPEN_PER_CLIENT", "GATEWAY_JOBS_MAX_STORE_MB",
      "GATEWAY_JOBS_CALLBACK_HOSTS", "GATEWAY_JOBS_CALLBACK_SECRET", "GATEWAY_JOBS_LEASE_SECONDS",
      "GATEWAY_JOBS_DB_POOL_SIZE");

  private final String httpHost;
  private final int httpPort;
  private final List<ClientKey> clientKeys;
  private final boolean sandbox;
  private final boolean authDisabled;
  private final String linqBaseUrl;
  private final String linqApiKey;
  private final double rateLimitPerSecond;
  private final int rateLimitBurst;
  private final String rateLimitScope;
  private final int maxConcurrency;
  private final int maxAttempts;
  private final int connectTimeoutMillis;
  private final long idleTimeoutMillis;
  private final long requestTimeoutMillis;
  private final int maxQueue;
  private final long defaultTimeoutMillis;
  private final String defaultRegion;
  private final long cacheTtlAvailableSeconds;
  private final long cacheTtlUnavailableSeconds;
  private final long cacheMaxEntries;
  private final long cacheMaxStaleSeconds;
  private final Map<String, Long> clientDailyBudgets;
  private final int shutdownDelaySeconds;
  private final int shutdownGraceSeconds;
  private final String logFormat;
  private final boolean cluster;
  private final ClusterOptions clusterOptions;
  private final JobsOptions jobsOptions;
  private final JsonObject raw;

  private GatewayConfig(JsonObject raw) {
    Settings s = new Settings(raw);
    this.raw = raw;
    this.httpHost = s.string("GATEWAY_HTTP_HOST").isEmpty() ? "0.0.0.0" : s.string("GATEWAY_HTTP_HOST");
    this.httpPort = parsePort(s);
    this.clientKeys = parseClientKeys(s.string("GATEWAY_API_KEYS"));
    this.sandbox = s.bool("GATEWAY_SANDBOX");
    this.authDisabled = s.bool("GATEWAY_AUTH_DISABLED");
    this.linqBaseUrl = parseBaseUrl(s.string("LINQ_API_V3_BASE_URL"));
    this.linqApiKey = s.optional("LINQ_API_V3_API_KEY");
    this.rateLimitPerSecond = s.decimal("LINQ_RATE_LIMIT_PER_SECOND", 0, 100_000);
    this.rateLimitBurst = (int) s.integer("LINQ_RATE_LIMIT_BURST", 1, 100_000);
    this.rateLimitScope = s.oneOf("LINQ_RATE_LIMIT_SCOPE", Set.of("account", "line"));
    this.maxConcurrency = (int) s.integer("LINQ_MAX_CONCURRENCY", 1, 1024);
    this.maxAttempts = (int) s.integer("LINQ_MAX_ATTEMPTS", 1, 10);
    this.connectTimeoutMillis = (int) s.integer("LINQ_CONNECT_TIMEOUT_MS", 100, 60_000);
    this.idleTimeoutMillis = s.integer("LINQ_IDLE_TIMEOUT_MS", 100, 600_000);
    this.requestTimeoutMillis = s.integer("LINQ_REQUEST_TIMEOUT_MS", 100, 600_000);
    this.maxQueue = (int) s.integer("GATEWAY_MAX_QUEUE", 1, 10_000_000);
    this.defaultTimeoutMillis = s.integer("GATEWAY_DEFAULT_TIMEOUT_MS", 1, 600_000);
    this.defaultRegion = parseRegion(s.optional("GATEWAY_DEFAULT_REGION"));
    this.cacheTtlAvailableSeconds = s.integer("GATEWAY_CACHE_TTL_AVAILABLE_SECONDS", 0, 86_400 * 30);
    this.cacheTtlUnavailableSeconds = s.integer("GATEWAY_CACHE_TTL_UNAVAILABLE_SECONDS", 0, 86_400 * 30);
    this.cacheMaxEntries = s.integer("GATEWAY_CACHE_MAX_ENTRIES", 0, 100_000_000);
    this.cacheMaxStaleSeconds = s.integer("GATEWAY_CACHE_MAX_STALE_SECONDS", 0, 86_400);
    try {
      this.clientDailyBudgets = Map.copyOf(DailyBudgets.parse(s.string(DailyBudgets.SETTING)));
    } catch (IllegalArgumentException e) {
      throw new ConfigException(e.getMessage());
    }
    this.shutdownDelaySeconds = (int) s.integer("GATEWAY_SHUTDOWN_DELAY_SECONDS", 0, 3600);
    this.shutdownGraceSeconds = (int) s.integer("GATEWAY_SHUTDOWN_GRACE_SECONDS", 0, 3600);
    this.logFormat = s.oneOf("GATEWAY_LOG_FORMAT", Set.of("text", "json"));
    this.cluster = s.bool("GATEWAY_CLUSTER");
    this.clusterOptions = ClusterOptions.parse(s);
    this.jobsOptions = JobsOptions.parse(s);
  }

  /**
   * @param raw merged settings (defaults, file, environment)
   * @throws ConfigException naming the first bad setting
   */
  public static GatewayConfig from(JsonObject raw) {
    return new GatewayConfig(raw.copy());
  }

  /**
   * What {@code serve} needs on top of well-formed settings: a Linq key unless the simulator stands in,
   * and client keys unless authentication is deliberately off.
   */
  public void requireServable() {
    requireLinqKey();
    if (clientKeys.isEmpty() && !sandbox && !authDisabled) {
      throw new ConfigException("GATEWAY_API_KEYS is empty: set client keys (name=key,...), "
          + "or GATEWAY_AUTH_DISABLED=true to run without client authentication");
    }
  }

  /** In-process checks need Linq's key unless the simulator stands in for Linq. */
  public void requireLinqKey() {
    if (linqApiKey == null && !sandbox) {
      throw new ConfigException("LINQ_API_V3_API_KEY is not set: export your Linq Partner API key, "
          + "or run with --sandbox (GATEWAY_SANDBOX=true) to use the embedded Linq simulator");
    }
  }

  /** A copy with some settings replaced (sandbox wiring, CLI flags); validated again. */
  public GatewayConfig with(JsonObject overrides) {
    return from(raw.copy().mergeIn(overrides));
  }

  private static List<ClientKey> parseClientKeys(String text) {
    List<ClientKey> keys = new ArrayList<>();
    if (text.isBlank()) {
      return List.of();
    }
    for (String item : text.split(",")) {
      String entry = item.trim();
      if (entry.isEmpty()) {
        continue;
      }
      int eq = entry.indexOf('=');
      String name = eq < 0 ? "client-" + (keys.size() + 1) : entry.substring(0, eq).trim();
      String key = eq < 0 ? entry : entry.substring(eq + 1).trim();
      if (name.isEmpty() || key.isEmpty() || !name.matches("[A-Za-z0-9._-]{1,64}")) {
        throw new ConfigException("GATEWAY_API_KEYS entry " + (keys.size() + 1)
            + " must be name=key or a bare key; names use letters, digits, '.', '_' or '-'");
      }
      for (ClientKey existing : keys) {
        if (existing.name().equals(name)) {
          throw new ConfigException("GATEWAY_API_KEYS names client '" + name + "' twice");
        }
      }
      keys.add(new ClientKey(name, key));
    }
    return List.copyOf(keys);
  }

  /**
   * A fixed port: the HTTP server runs one instance per core, all sharing one port that clients, the
   * container's health check and the startup line must know, so "any free port" (0) is refused.
   */
  private static int parsePort(Settings s) {
    if ("0".equals(s.string("GATEWAY_HTTP_PORT"))) {
      throw new ConfigException("GATEWAY_HTTP_PORT must be a fixed port from 1 to 65535: 0 (any free port) is not "
          + "supported, as the HTTP server runs one instance per core on one shared, known port");
    }
    return (int) s.integer("GATEWAY_HTTP_PORT", 1, 65535);
  }

  private static String parseBaseUrl(String text) {
    try {
      URI uri = new URI(text);
      String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
      if ((scheme.equals("http") || scheme.equals("https")) && uri.getHost() != null) {
        return text.replaceAll("/+$", "");
      }
    } catch (URISyntaxException ignored) {
      // reported below
    }
    throw new ConfigException("LINQ_API_V3_BASE_URL must be an http or https URL (got '" + text + "')");
  }

  private static String parseRegion(String region) {
    if (region == null) {
      return null;
    }
    String upper = region.toUpperCase(Locale.ROOT);
    if (!PhoneNumberUtil.getInstance().getSupportedRegions().contains(upper)) {
      throw new ConfigException("GATEWAY_DEFAULT_REGION must be an ISO 3166 region such as US or FR (got '" + region + "')");
    }
    return upper;
  }

  public String httpHost() {
    return httpHost;
  }

  public int httpPort() {
    return httpPort;
  }

  public List<ClientKey> clientKeys() {
    return clientKeys;
  }

  public boolean sandbox() {
    return sandbox;
  }

  /** Whether client authentication is off: explicitly, or in sandbox mode without client keys. */
  public boolean authDisabled() {
    return authDisabled || (sandbox && clientKeys.isEmpty());
  }

  public String linqBaseUrl() {
    return linqBaseUrl;
  }

  public String linqApiKey() {
    return linqApiKey;
  }

  /** Linq's limit if known, else 0 (learn it). */
  public double rateLimitPerSecond() {
    return rateLimitPerSecond;
  }

  public int rateLimitBurst() {
    return rateLimitBurst;
  }

  public String rateLimitScope() {
    return rateLimitScope;
  }

  public int maxConcurrency() {
    return maxConcurrency;
  }

  public int maxAttempts() {
    return maxAttempts;
  }

  public int connectTimeoutMillis() {
    return connectTimeoutMillis;
  }

  public long idleTimeoutMillis() {
    return idleTimeoutMillis;
  }

  /** Longest a whole exchange with Linq may take (a check's deadline bounds it further). */
  public long requestTimeoutMillis() {
    return requestTimeoutMillis;
  }

  public int maxQueue() {
    return maxQueue;
  }

  public long defaultTimeoutMillis() {
    return defaultTimeoutMillis;
  }

  /** ISO region for national formats, or {@code null}: E.164 only. */
  public String defaultRegion() {
    return defaultRegion;
  }

  public long cacheTtlAvailableSeconds() {
    return cacheTtlAvailableSeconds;
  }

  public long cacheTtlUnavailableSeconds() {
    return cacheTtlUnavailableSeconds;
  }

  public long cacheMaxEntries() {
    return cacheMaxEntries;
  }

  /** How long past its TTL an answer is kept for callers who accept stale answers. */
  public long cacheMaxStaleSeconds() {
    return cacheMaxStaleSeconds;
  }

  /** Optional daily budgets of upstream checks per client name (absent: unlimited). */
  public Map<String, Long> clientDailyBudgets() {
    return clientDailyBudgets;
  }

  /** How long a node keeps serving after SIGTERM, readiness already down, before it drains. */
  public int shutdownDelaySeconds() {
    return shutdownDelaySeconds;
  }

  public int shutdownGraceSeconds() {
    return shutdownGraceSeconds;
  }

  public String logFormat() {
    return logFormat;
  }

  public boolean cluster() {
    return cluster;
  }

  public ClusterOptions clusterOptions() {
    return clusterOptions;
  }

  public JobsOptions jobsOptions() {
    return jobsOptions;
  }
}
