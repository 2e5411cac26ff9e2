package com.linqapp.gateway.cli;

import com.linqapp.gateway.config.Build;
import picocli.CommandLine.IVersionProvider;

/** Version from the jar manifest, when built. */
final class Version implements IVersionProvider {
  @Override
  public String[] getVersion() {
    return new String[] {"linq-capability-gateway " + Build.version()};
  }
}
