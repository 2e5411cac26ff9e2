import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.util.List;
import java.util.Locale;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/**
 * Runs test classes again and again in this one JVM and prints a line per run: {@code bench/flaky-hunt.sh} starts
 * it with the test classpath and JUnit's console-standalone jar (a single-file program: {@code java FlakyHunt.java}).
 *
 * <p>Usage: {@code FlakyHunt FIRST_RUN LAST_RUN TOTAL CLASS...}; exit status 1 when any run failed.
 */
public final class FlakyHunt {

  public static void main(String[] args) {
    int first = Integer.parseInt(args[0]);
    int last = Integer.parseInt(args[1]);
    String total = args[2];
    List<String> classes = List.of(args).subList(3, args.length);
    Launcher launcher = LauncherFactory.create();
    boolean failed = false;
    for (int run = first; run <= last; run++) {
      for (String name : classes) {
        LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request().selectors(selectClass(name)).build();
        SummaryGeneratingListener listener = new SummaryGeneratingListener();
        long started = System.nanoTime();
        launcher.execute(request, listener);
        TestExecutionSummary summary = listener.getSummary();
        boolean passed = summary.getTotalFailureCount() == 0 && summary.getTestsSucceededCount() > 0;
        failed |= !passed;
        String simple = name.substring(name.lastIndexOf('.') + 1);
        System.out.printf(Locale.ROOT, "HUNT run %d/%s %s %s %.1f s (%d tests)%n", run, total, simple,
            passed ? "PASS" : "FAIL", (System.nanoTime() - started) / 1e9, summary.getTestsStartedCount());
        if (!passed) {
          summary.getFailures().forEach(failure -> {
            System.out.println("HUNT failed: " + failure.getTestIdentifier().getDisplayName());
            failure.getException().printStackTrace(System.out);
          });
        }
      }
    }
    System.exit(failed ? 1 : 0);
  }
}
