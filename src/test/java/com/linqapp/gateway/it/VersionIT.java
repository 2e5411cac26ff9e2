package com.linqapp.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.linqapp.gateway.it.support.JarProcess;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --version} of the real jar prints the project's version from the jar's manifest, not {@code dev}. */
class VersionIT {

  @TempDir
  Path workDir;

  JarProcess process;

  @AfterEach
  void stop() {
    if (process != null) {
      process.close();
    }
  }

  @Test
  void versionComesFromTheManifest() {
    String expected = System.getProperty("gateway.version");
    assertThat(expected).as("failsafe passes the project's version").isNotBlank();
    process = JarProcess.run(workDir, "version", Map.of(), "--version");
    assertThat(process.exitCode()).as(process.logs()).isZero();
    assertThat(process.stdout().strip()).isEqualTo("linq-capability-gateway " + expected);
  }
}
