package com.linqapp.gateway.it.support;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** Commands of the real jar run against a simulator in the test JVM, each test in a working directory of its own. */
public abstract class CommandTestBase {

  @TempDir
  protected Path workDir;

  protected Sim sim;
  /** The command under test; ended after each test. */
  protected JarProcess process;

  @BeforeEach
  void startSimulator() {
    sim = new Sim();
  }

  @AfterEach
  void stop() {
    if (process != null) {
      process.close();
    }
    sim.close();
  }

  /** The variables that point a command at the simulator. */
  protected Map<String, String> simulatorEnv() {
    return Map.of("LINQ_API_V3_BASE_URL", sim.baseUrl(), "LINQ_API_V3_API_KEY", sim.apiKey());
  }
}
