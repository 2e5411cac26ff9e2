package com.linqapp.gateway.config;

/** What this build is: the version the jar's manifest carries ({@code dev} when run from classes). */
public final class Build {

  private static final String VERSION = version(Build.class.getPackage().getImplementationVersion());

  private Build() {
  }

  /** The pom's version, as {@code --version}, {@code gateway_build_info} and traces' {@code service.version} show it. */
  public static String version() {
    return VERSION;
  }

  private static String version(String manifest) {
    return manifest == null ? "dev" : manifest;
  }
}
