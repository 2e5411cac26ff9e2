package com.linqapp.gateway.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine;

/**
 * {@code java -jar linq-capability-gateway.jar <command>}. Exit codes: 0 all answered, 1 could not
 * finish, 2 bad usage or configuration (one line on stderr naming what).
 */
@Command(name = "linq-capability-gateway", mixinStandardHelpOptions = true, versionProvider = Version.class,
    description = "Answers 'can this address receive iMessage or RCS?' for many systems at once, "
        + "through Linq's Partner API v3, within Linq's rate limit.",
    subcommands = {ServeCommand.class, CheckCommand.class, BatchCommand.class, JobsCommand.class,
        SimulateCommand.class})
public final class GatewayMain {

  /** Returned by commands that keep running (serve, simulate): main must not exit. */
  static final int KEEP_RUNNING = -1;

  public static void main(String[] args) {
    int code = commandLine().execute(args);
    if (code != KEEP_RUNNING) {
      System.exit(code);
    }
  }

  static CommandLine commandLine() {
    CommandLine cli = new CommandLine(new GatewayMain());
    cli.setParameterExceptionHandler((ex, argv) -> {
      ex.getCommandLine().getErr().println(ex.getMessage() + " (see --help)");
      return ExitCodes.USAGE;
    });
    cli.setExecutionExceptionHandler((ex, line, parsed) -> {
      line.getErr().println("error: " + ex.getMessage());
      return ExitCodes.FAILED;
    });
    return cli;
  }
}
