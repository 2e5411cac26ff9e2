package com.linqapp.gateway.support;

import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.SslMode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * A throw-away PostgreSQL server for the tests, started once per JVM and shared by its test classes: its
 * own cluster ({@code initdb}) in a temporary directory, on a free loopback port, stopped and deleted when
 * the JVM exits — and, should a JVM die without that, by the next run, which stops the servers of dead
 * JVMs before starting its own. Needs PostgreSQL's server binaries ({@code postgresql-15} on Debian; the
 * newest {@code /usr/lib/postgresql/N/bin}, or {@code PG_BINDIR}). PostgreSQL refuses to run as root, so
 * under root (CI) the cluster belongs to the unprivileged {@code postgres} user and runs through
 * {@code runuser}. Each test takes a database of its own ({@link #createDatabase}).
 *
 * <p>The tests' server has durability switched off ({@code fsync=off}): they kill gateways, never this
 * server, and a shared two-core machine runs them faster so. Benchmarks start a durable one
 * ({@link #start(boolean)}), PostgreSQL's defaults.
 */
public final class PostgresServer {

  public static final String USER = "gateway";
  /** Distinctive, so that a test can look for it in logs and errors. */
  public static final String PASSWORD = "pg-Pa55-never-logged-3b1e";
  /** A role that may only connect over TLS ({@code hostnossl ... reject}). */
  public static final String TLS_USER = "tls_only";

  private static final String PREFIX = "gateway-pg-";
  private static final String OWNER_PID = "owner.pid";
  private static PostgresServer shared;

  private final Path bin;
  private final Path dir;
  private final int port;
  private final boolean asPostgresUser;
  private final boolean durable;
  private final AtomicInteger databases = new AtomicInteger();

  private PostgresServer(Path bin, Path dir, int port, boolean asPostgresUser, boolean durable) {
    this.bin = bin;
    this.dir = dir;
    this.port = port;
    this.asPostgresUser = asPostgresUser;
    this.durable = durable;
  }

  /** The JVM's server for tests, started on first use, stopped when the JVM exits. */
  public static synchronized PostgresServer shared() {
    if (shared == null) {
      shared = start(false);
      PostgresServer server = shared;
      Runtime.getRuntime().addShutdownHook(new Thread(server::stop, "postgres-test-server-stop"));
    }
    return shared;
  }

  /**
   * A server of the caller's, to {@link #stop()} (also stopped by the next run should this JVM die first).
   *
   * @param durable PostgreSQL's durability defaults ({@code fsync}, synchronous commits) rather than the
   *                tests' shortcuts
   */
  public static PostgresServer start(boolean durable) {
    Path bin = binaries();
    boolean root = "root".equals(System.getProperty("user.name"));
    stopLeftovers(bin, root);
    try {
      Path dir = Files.createTempDirectory(PREFIX);
      Files.writeString(dir.resolve(OWNER_PID), String.valueOf(ProcessHandle.current().pid()));
      Files.writeString(dir.resolve("pw"), PASSWORD + "\n");
      Tls.writeCertificates(dir);
      if (root) {
        chownToPostgres(dir);
      }
      PostgresServer server = new PostgresServer(bin, dir, freePort(), root, durable);
      server.initdb();
      server.startServer();
      server.psql("postgres", "CREATE ROLE " + TLS_USER + " LOGIN SUPERUSER PASSWORD '" + PASSWORD + "'");
      return server;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Path binaries() {
    String configured = System.getenv("PG_BINDIR");
    if (configured != null && Files.isExecutable(Path.of(configured, "initdb"))) {
      return Path.of(configured);
    }
    Path root = Path.of("/usr/lib/postgresql");
    if (Files.isDirectory(root)) {
      try (Stream<Path> versions = Files.list(root)) {
        Path newest = versions.filter(version -> Files.isExecutable(version.resolve("bin/initdb")))
            .max(Comparator.comparingInt(version -> Integer.parseInt(version.getFileName().toString().replaceAll("\\D", "0"))))
            .orElse(null);
        if (newest != null) {
          return newest.resolve("bin");
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    throw new IllegalStateException("PostgreSQL server binaries not found (no /usr/lib/postgresql/N/bin/initdb): "
        + "install them (Debian: apt-get install postgresql-15, as .ci/run does) or set PG_BINDIR");
  }

  private void initdb() {
    run(List.of(bin.resolve("initdb").toString(), "-D", data().toString(), "-U", USER,
        "--pwfile=" + dir.resolve("pw"), "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8",
        "--locale=C", "--no-sync"), 120);
    write(data().resolve("pg_hba.conf"), """
        local     all  all                     trust
        hostnossl all  %s    127.0.0.1/32      reject
        host      all  all   127.0.0.1/32      scram-sha-256
        host      all  all   ::1/128           scram-sha-256
        """.formatted(TLS_USER));
  }

  private void startServer() {
    String options = "-p " + port + " -k " + dir + " -c listen_addresses=localhost -c max_connections=300"
        + (durable ? "" : " -c fsync=off -c synchronous_commit=off -c full_page_writes=off")
        + " -c ssl=on -c ssl_cert_file=" + dir.resolve(Tls.SERVER_CERT) + " -c ssl_key_file=" + dir.resolve(Tls.SERVER_KEY);
    run(List.of(bin.resolve("pg_ctl").toString(), "-D", data().toString(), "-l", dir.resolve("server.log").toString(),
        "-w", "-t", "120", "-o", options, "start"), 150);
  }

  /** Stops the server at once and deletes its directory. */
  public void stop() {
    try {
      run(List.of(bin.resolve("pg_ctl").toString(), "-D", data().toString(), "-m", "immediate", "-w", "stop"), 60);
    } catch (RuntimeException e) {
      System.err.println("stopping the test PostgreSQL server: " + e.getMessage());
    }
    deleteTree(dir);
  }

  /** Servers whose JVM died without stopping them: stopped and deleted, so no port or directory leaks. */
  private static void stopLeftovers(Path bin, boolean root) {
    Path temp = Path.of(System.getProperty("java.io.tmpdir"));
    try (Stream<Path> dirs = Files.list(temp)) {
      for (Path dir : dirs.filter(path -> path.getFileName().toString().startsWith(PREFIX)).toList()) {
        Path pidFile = dir.resolve(OWNER_PID);
        long owner;
        try {
          owner = Long.parseLong(Files.readString(pidFile).trim());
        } catch (IOException | NumberFormatException e) {
          continue; // not ours, or still being set up
        }
        if (ProcessHandle.of(owner).map(ProcessHandle::isAlive).orElse(false)) {
          continue;
        }
        PostgresServer leftover = new PostgresServer(bin, dir, 0, root, false);
        if (Files.exists(leftover.data().resolve("postmaster.pid"))) {
          leftover.stop();
        } else {
          deleteTree(dir);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  // ---- what tests use ---------------------------------------------------------------------------------------

  public int port() {
    return port;
  }

  /** A new, empty database (each test class, or test, takes its own). */
  public String createDatabase(String purpose) {
    String name = purpose.toLowerCase().replaceAll("[^a-z0-9]", "_") + "_" + databases.incrementAndGet();
    psql("postgres", "CREATE DATABASE " + name);
    return name;
  }

  /** The {@code GATEWAY_JOBS_STORE} URL of a database, password included. */
  public String url(String database) {
    return "postgresql://" + USER + ":" + PASSWORD + "@127.0.0.1:" + port + "/" + database + "?sslmode=disable";
  }

  public PgConnectOptions connectOptions(String database) {
    return new PgConnectOptions().setHost("127.0.0.1").setPort(port).setDatabase(database).setUser(USER)
        .setPassword(PASSWORD).setSslMode(SslMode.DISABLE);
  }

  /** The CA that signed the server's certificate (for {@code sslmode=verify-full}), a PEM file. */
  public Path caCertificate() {
    return dir.resolve(Tls.CA_CERT);
  }

  /**
   * Runs SQL as the superuser ({@code psql}, one transaction per statement).
   *
   * @return what {@code psql -At} printed: one line per row, columns separated by {@code |}
   */
  public String psql(String database, String sql) {
    List<String> command = List.of(bin.resolve("psql").toString(), "-h", "127.0.0.1", "-p", String.valueOf(port),
        "-U", USER, "-d", database, "-v", "ON_ERROR_STOP=1", "-At", "-c", sql);
    return exec(command, Map.of("PGPASSWORD", PASSWORD, "PGSSLMODE", "disable"), 60, false);
  }

  /** The server's {@code now()}: the clock leases are judged on. */
  public java.time.Instant now(String database) {
    String micros = psql(database, "SELECT (extract(epoch FROM clock_timestamp()) * 1000000)::bigint").trim();
    long value = Long.parseLong(micros);
    return java.time.Instant.ofEpochSecond(value / 1_000_000, (value % 1_000_000) * 1_000);
  }

  /**
   * Ends every server process serving {@code database}'s clients (what a failover or a network cut does
   * to a gateway's connections).
   *
   * @return how many connections were ended
   */
  public int terminateConnections(String database) {
    String ended = psql("postgres", "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = '"
        + database + "' AND pid <> pg_backend_pid()");
    return Integer.parseInt(ended.trim());
  }

  // ---- processes and files ----------------------------------------------------------------------------------

  private Path data() {
    return dir.resolve("data");
  }

  /** Runs a server tool as the cluster's owner. */
  private void run(List<String> command, int timeoutSeconds) {
    List<String> full = new ArrayList<>();
    if (asPostgresUser) {
      full.addAll(List.of("runuser", "-u", "postgres", "--"));
    }
    full.addAll(command);
    exec(full, Map.of("LC_ALL", "C"), timeoutSeconds, true);
  }

  private String exec(List<String> command, Map<String, String> env, int timeoutSeconds, boolean mergeErrors) {
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(mergeErrors);
    builder.environment().putAll(env);
    try {
      Process process = builder.start();
      process.getOutputStream().close();
      byte[] output = process.getInputStream().readAllBytes();
      String errors = mergeErrors ? "" : new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IllegalStateException(command.get(0) + " did not finish in " + timeoutSeconds + " s");
      }
      String text = new String(output, StandardCharsets.UTF_8);
      if (process.exitValue() != 0) {
        throw new IllegalStateException(String.join(" ", command.subList(0, Math.min(3, command.size())))
            + "... exited with " + process.exitValue() + ":\n" + text + errors);
      }
      return text;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static void chownToPostgres(Path dir) throws IOException {
    UserPrincipalLookupService users = FileSystems.getDefault().getUserPrincipalLookupService();
    GroupPrincipal group = users.lookupPrincipalByGroupName("postgres");
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path path : paths.toList()) {
        PosixFileAttributeView view = Files.getFileAttributeView(path, PosixFileAttributeView.class);
        view.setOwner(users.lookupPrincipalByName("postgres"));
        view.setGroup(group);
      }
    }
  }

  private static void write(Path file, String text) {
    try {
      Files.writeString(file, text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Deletes the directory, its owner's pid last: a deletion cut short is finished by the next run. */
  private static void deleteTree(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        if (!path.equals(dir.resolve(OWNER_PID)) && !path.equals(dir)) {
          Files.deleteIfExists(path);
        }
      }
      Files.deleteIfExists(dir.resolve(OWNER_PID));
      Files.deleteIfExists(dir);
    } catch (IOException e) {
      System.err.println("deleting " + dir + ": " + e);
    }
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The server's certificate, signed by a CA of its own, made with {@code openssl} (a dependency of postgresql). */
  static final class Tls {
    static final String CA_CERT = "ca.crt";
    static final String SERVER_CERT = "server.crt";
    static final String SERVER_KEY = "server.key";

    private Tls() {
    }

    static void writeCertificates(Path dir) {
      String d = dir.toString();
      openssl(dir, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=gateway-test-ca",
          "-keyout", d + "/ca.key", "-out", d + "/" + CA_CERT);
      openssl(dir, "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-keyout",
          d + "/" + SERVER_KEY, "-out", d + "/server.csr");
      write(dir.resolve("server.ext"), "subjectAltName=DNS:localhost\n");
      openssl(dir, "x509", "-req", "-in", d + "/server.csr", "-CA", d + "/" + CA_CERT, "-CAkey", d + "/ca.key",
          "-CAcreateserial", "-days", "2", "-extfile", d + "/server.ext", "-out", d + "/" + SERVER_CERT);
      try {
        Files.setPosixFilePermissions(dir.resolve(SERVER_KEY), java.nio.file.attribute.PosixFilePermissions
            .fromString("rw-------"));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    private static void openssl(Path dir, String... args) {
      List<String> command = new ArrayList<>();
      command.add("openssl");
      command.addAll(List.of(args));
      try {
        Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
          throw new IllegalStateException("openssl " + args[0] + " failed:\n" + output);
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
  }
}
