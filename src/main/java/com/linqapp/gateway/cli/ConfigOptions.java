package com.linqapp.gateway.cli;

import picocli.CommandLine.Option;

/** Options every command that runs the engine shares. */
final class ConfigOptions {

  @Option(names = "--conf", paramLabel = "FILE",
      description = "Config file replacing conf/config.json; environment variables still win.")
  String confFile;

  @Option(names = "--sandbox",
      description = "Start the embedded Linq simulator on loopback and point the gateway at it (GATEWAY_SANDBOX=true).")
  boolean sandbox;
}
