package com.linqapp.gateway.ci;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10: {@code .ci/verify-container} fell back to an absolute path of one machine. It must find the
 * shared container check only next to the repository ({@code ../shared/tools/verify-container}) or
 * through {@code VERIFY_CONTAINER}. The script runs for real, from a copy in a temporary tree, with a
 * {@code bash} first on its {@code PATH} that only records which check it was asked to run, so no
 * container is ever built here.
 */
class VerifyContainerLookupTest {

  @TempDir
  Path tree;

  private Path repo;
  private Path fakeBin;
  private Path calls;

  @BeforeEach
  void copyScript() throws IOException {
    repo = tree.resolve("repo");
    Files.createDirectories(repo.resolve(".ci"));
    Files.copy(Path.of(".ci", "verify-container"), repo.resolve(".ci/verify-container"),
        StandardCopyOption.COPY_ATTRIBUTES);
    fakeBin = Files.createDirectories(tree.resolve("fake-bin"));
    calls = tree.resolve("calls");
    executable(fakeBin.resolve("bash"), "#!/bin/sh\necho \"$1\" >> '" + calls + "'\n");
  }

  @Test
  @DisplayName("the shared check is found next to the repository")
  void findsTheSharedCheckNextToTheRepository() throws Exception {
    Path shared = stubCheck("shared/tools/verify-container");

    Result result = run(Map.of());

    assertThat(result.exit()).as(result.stderr()).isZero();
    assertThat(invoked()).first().satisfies(tool -> assertThat(Path.of(tool).toRealPath()).isEqualTo(shared.toRealPath()));
  }

  @Test
  @DisplayName("VERIFY_CONTAINER names the shared check")
  void variableNamesTheSharedCheck() throws Exception {
    Path elsewhere = stubCheck("elsewhere/check");

    Result result = run(Map.of("VERIFY_CONTAINER", elsewhere.toString()));

    assertThat(result.exit()).as(result.stderr()).isZero();
    assertThat(invoked()).first().isEqualTo(elsewhere.toString());
  }

  @Test
  @DisplayName("without ../shared and without the variable the script stops, naming what to set")
  void noSharedCheckStopsWithoutLookingElsewhere() throws Exception {
    Result result = run(Map.of());

    assertThat(result.exit()).isEqualTo(1);
    assertThat(result.stderr()).contains("VERIFY_CONTAINER");
    assertThat(invoked()).as("no check was run from a path outside the repository's tree").isEmpty();
  }

  private record Result(int exit, String stderr) {
  }

  private Result run(Map<String, String> env) throws IOException, InterruptedException {
    ProcessBuilder builder = new ProcessBuilder("/bin/bash", repo.resolve(".ci/verify-container").toString())
        .redirectOutput(ProcessBuilder.Redirect.DISCARD);
    builder.environment().remove("VERIFY_CONTAINER");
    builder.environment().put("PATH", fakeBin + ":/usr/bin:/bin");
    builder.environment().putAll(env);
    Process process = builder.start();
    String stderr = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    return new Result(process.exitValue(), stderr);
  }

  private List<String> invoked() throws IOException {
    return Files.exists(calls) ? Files.readAllLines(calls) : List.of();
  }

  /** A stand-in for the shared check at {@code relative} in the temporary tree (never run: bash is fake). */
  private Path stubCheck(String relative) throws IOException {
    Path check = tree.resolve(relative);
    Files.createDirectories(check.getParent());
    executable(check, "#!/bin/sh\n");
    return check;
  }

  private static void executable(Path file, String text) throws IOException {
    Files.writeString(file, text);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
  }
}
