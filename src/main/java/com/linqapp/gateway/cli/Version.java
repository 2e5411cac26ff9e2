package com.linqapp.gateway.cli;

import picocli.CommandLine.IVersionProvider;

/** Version from the jar manifest, when built. */
final class Version implements IVersionProvider {
  @Override
  public String[] getVersion() {
    String version = Version.class.getPackage().getImplementationVersion();
    return new String[] {"linq-capability-gateway " + (version == null ? "dev" : version)};
  }
}
