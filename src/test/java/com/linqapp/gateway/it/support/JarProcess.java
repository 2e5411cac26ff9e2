package com.linqapp.gateway.it.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The real jar ({@code gateway.jar} system property, set by failsafe) in its own process: a clean
 * environment (none of the caller's {@code GATEWAY_*}/{@code LINQ_*} variables), a working directory
 * chosen by the test (a temp dir, so no {@code conf/config.json} unless the test writes one), stdout
 * and stderr captured to files there. {@link #close()} always ends the process.
 */
public final class JarProcess implements AutoCloseable {

  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private final Process process;
  private final Path stdout;
  private final Path stderr;
  private final String name;

  private JarProcess(Process process, Path stdout, Path stderr, String name) {
    this.process = process;
    this.stdout = stdout;
    this.stderr = stderr;
    this.name = name;
  }

  /** The jar under test; fails clearly when run outside failsafe or before {@code package}. */
  public static Path jar() {
    String property = System.getProperty("gateway.jar");
    if (property == null) {
      throw new IllegalStateException("system property gateway.jar is not set: run through failsafe (mvn verify)");
    }
    Path jar = Path.of(property);
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException("gateway jar not found at " + jar + ": run mvn package first");
    }
    return jar;
  }

  /**
   * Starts {@code java -jar gateway.jar args...}.
   *
   * @param workDir working directory; {@code <name>.out} and {@code <name>.err} are written there
   * @param env     the only gateway/Linq variables the process sees
   */
  public static JarProcess start(Path workDir, String name, Map<String, String> env, String... args) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx256m");
    command.add("-jar");
    command.add(jar().toString());
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).directory(workDir.toFile());
    builder.environment().keySet().removeIf(key -> key.startsWith("GATEWAY_") || key.startsWith("LINQ_"));
    builder.environment().putAll(env);
    Path out = workDir.resolve(name + ".out");
    Path err = workDir.resolve(name + ".err");
    builder.redirectOutput(out.toFile()).redirectError(err.toFile());
    try {
      return new JarProcess(builder.start(), out, err, name);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Runs a command that ends by itself (check, bad configuration) and waits for it. */
  public static JarProcess run(Path workDir, String name, Map<String, String> env, String... args) {
    JarProcess p = start(workDir, name, env, args);
    p.waitForExit(Duration.ofSeconds(60));
    return p;
  }

  /** A port free right now on loopback. */
  public static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      socket.setReuseAddress(true);
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Polls {@code GET /health/ready} until 200; fails at once if the process exits. */
  public JarProcess awaitReady(int port, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    URI uri = URI.create("http://127.0.0.1:" + port + "/health/ready");
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new AssertionError(name + " exited with " + process.exitValue() + " before becoming ready\n" + logs());
      }
      try {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(2)).GET().build(),
            HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() == 200) {
          return this;
        }
      } catch (IOException e) {
        // not listening yet
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
      sleep(100);
    }
    throw new AssertionError(name + " not ready on port " + port + " within " + timeout + "\n" + logs());
  }

  /** @return the exit code; fails if the process is still running after {@code timeout} */
  public int waitForExit(Duration timeout) {
    try {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new AssertionError(name + " still running after " + timeout + "\n" + logs());
      }
      return process.exitValue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  public int exitCode() {
    return process.exitValue();
  }

  /** SIGTERM on Unix. */
  public void terminate() {
    process.destroy();
  }

  /** SIGKILL on Unix: no shutdown hook runs, nothing is flushed; waits until the process is gone. */
  public void kill() {
    process.destroyForcibly();
    try {
      process.waitFor(15, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  public String stdout() {
    return read(stdout);
  }

  public String stderr() {
    return read(stderr);
  }

  /** Both streams, for failure messages. */
  public String logs() {
    return "--- " + name + " stdout ---\n" + stdout() + "--- " + name + " stderr ---\n" + stderr();
  }

  private static String read(Path file) {
    try {
      return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** Keeps a copy of the captured streams under {@code target/it-logs/} for CI artifacts and debugging. */
  private void keepLogs() {
    try {
      Path dir = Path.of("target", "it-logs");
      Files.createDirectories(dir);
      Files.writeString(dir.resolve(name + ".out"), stdout());
      Files.writeString(dir.resolve(name + ".err"), stderr());
    } catch (IOException | UncheckedIOException e) {
      // best effort only
    }
  }

  @Override
  public void close() {
    try {
      closeProcess();
    } finally {
      keepLogs();
    }
  }

  private void closeProcess() {
    if (process.isAlive()) {
      process.destroy();
      try {
        if (!process.waitFor(15, TimeUnit.SECONDS)) {
          process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
  }
}
