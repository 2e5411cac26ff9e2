package com.linqapp.gateway.config;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Durable-job settings, validated.
 *
 * @param store            {@code file}, or a {@code postgresql://user:password@host:port/db} URL
 * @param dir              the embedded store's directory
 * @param retention        how long finished jobs and their answers are kept
 * @param maxLines         most lines in one job
 * @param maxOpenPerClient most jobs of one client not finished yet (queued, running, paused)
 * @param maxStoreBytes    most bytes the whole store may take before submissions are refused
 * @param callbackHosts    host names a {@code callback_url} may name ({@code *.example.com} for subdomains);
 *                         empty: callbacks refused
 * @param callbackSecret   the HMAC-SHA256 key signing callbacks, or {@code null}
 * @param leaseTtl         how long a runner's claim on a job lasts unless renewed: after a gateway dies, its
 *                         jobs are taken over this long after its last renewal at the latest
 * @param dbPoolSize       most connections to PostgreSQL one gateway opens (the PostgreSQL store)
 */
public record JobsOptions(String store, String dir, Duration retention, long maxLines, int maxOpenPerClient,
                          long maxStoreBytes, List<String> callbackHosts, String callbackSecret, Duration leaseTtl,
                          int dbPoolSize) {

  /** The embedded store's name in {@code GATEWAY_JOBS_STORE}. */
  public static final String FILE = "file";

  /** The documented defaults of {@code GATEWAY_JOBS_LEASE_SECONDS} and {@code GATEWAY_JOBS_DB_POOL_SIZE}. */
  public static final Duration DEFAULT_LEASE_TTL = Duration.ofSeconds(30);
  public static final int DEFAULT_DB_POOL_SIZE = 8;

  /** With the default lease and pool size. */
  public JobsOptions(String store, String dir, Duration retention, long maxLines, int maxOpenPerClient,
                     long maxStoreBytes, List<String> callbackHosts, String callbackSecret) {
    this(store, dir, retention, maxLines, maxOpenPerClient, maxStoreBytes, callbackHosts, callbackSecret,
        DEFAULT_LEASE_TTL, DEFAULT_DB_POOL_SIZE);
  }

  public boolean fileStore() {
    return FILE.equals(store);
  }

  /** The PostgreSQL store's URL (validated when the settings were read), or {@code null} with the file store. */
  public PostgresUrl postgres() {
    return fileStore() ? null : PostgresUrl.parse(store);
  }

  /** Whether a {@code callback_url} may name this host (exactly, or under a {@code *.} entry). */
  public boolean callbackHostAllowed(String host) {
    if (host == null) {
      return false;
    }
    String lower = host.toLowerCase(Locale.ROOT);
    for (String allowed : callbackHosts) {
      if (allowed.startsWith("*.") ? lower.endsWith(allowed.substring(1)) : lower.equals(allowed)) {
        return true;
      }
    }
    return false;
  }

  @Override
  public String toString() {
    return "JobsOptions[store=" + (fileStore() ? FILE : PostgresUrl.redact(store)) + ", dir=" + dir + ", retention="
        + retention + ", maxLines=" + maxLines + ", maxOpenPerClient=" + maxOpenPerClient + ", maxStoreBytes="
        + maxStoreBytes + ", callbackHosts=" + callbackHosts + ", callbackSecret=" + (callbackSecret == null
        ? "none" : "set") + ", leaseTtl=" + leaseTtl + ", dbPoolSize=" + dbPoolSize + "]";
  }

  static JobsOptions parse(Settings s) {
    String store = s.string("GATEWAY_JOBS_STORE").isEmpty() ? FILE : s.string("GATEWAY_JOBS_STORE");
    if (!store.equals(FILE) && !PostgresUrl.isPostgres(store)) {
      // Not echoed: a mistyped URL may still hold a password.
      throw new ConfigException("GATEWAY_JOBS_STORE must be 'file' or a postgresql://user:password@host:port/db URL");
    }
    if (!store.equals(FILE)) {
      PostgresUrl.parse(store);
    }
    String dir = s.string("GATEWAY_JOBS_DIR").isEmpty() ? "./jobs" : s.string("GATEWAY_JOBS_DIR");
    List<String> hosts = new ArrayList<>();
    for (String host : s.string("GATEWAY_JOBS_CALLBACK_HOSTS").split(",")) {
      String trimmed = host.trim().toLowerCase(Locale.ROOT);
      if (trimmed.isEmpty()) {
        continue;
      }
      if (!trimmed.matches("(\\*\\.)?[a-z0-9]([a-z0-9\\-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9\\-]*[a-z0-9])?)*")) {
        throw new ConfigException("GATEWAY_JOBS_CALLBACK_HOSTS must be comma-separated host names, "
            + "'*.example.com' for subdomains (got '" + trimmed + "')");
      }
      hosts.add(trimmed);
    }
    String secret = s.optional("GATEWAY_JOBS_CALLBACK_SECRET");
    if (!hosts.isEmpty() && (secret == null || secret.length() < 16)) {
      throw new ConfigException("GATEWAY_JOBS_CALLBACK_SECRET must be set (at least 16 characters) when "
          + "GATEWAY_JOBS_CALLBACK_HOSTS allows callbacks: every callback is signed with it");
    }
    return new JobsOptions(store, dir, retention(s.string("GATEWAY_JOBS_RETENTION")),
        s.integer("GATEWAY_JOBS_MAX_LINES", 1, 100_000_000), (int) s.integer("GATEWAY_JOBS_MAX_OPEN_PER_CLIENT", 1,
        100_000), s.integer("GATEWAY_JOBS_MAX_STORE_MB", 1, 100_000_000) * 1024 * 1024, List.copyOf(hosts), secret,
        Duration.ofSeconds(s.integer("GATEWAY_JOBS_LEASE_SECONDS", 5, 3600)),
        (int) s.integer("GATEWAY_JOBS_DB_POOL_SIZE", 1, 100));
  }

  /** An ISO-8601 duration ({@code P7D}, {@code PT12H}) or whole seconds, from 1 s to 10 years. */
  private static Duration retention(String text) {
    Duration parsed = null;
    try {
      parsed = text.matches("\\d{1,10}") ? Duration.ofSeconds(Long.parseLong(text))
          : Duration.parse(text.toUpperCase(Locale.ROOT));
    } catch (DateTimeParseException ignored) {
      // reported below
    }
    if (parsed == null || parsed.compareTo(Duration.ofSeconds(1)) < 0 || parsed.compareTo(Duration.ofDays(3650)) > 0) {
      throw new ConfigException("GATEWAY_JOBS_RETENTION must be an ISO-8601 duration such as P7D or PT12H, or "
          + "seconds, from 1 s to 10 years (got '" + text + "')");
    }
    return parsed;
  }
}
