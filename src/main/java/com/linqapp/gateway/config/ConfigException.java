package com.linqapp.gateway.config;

/** Bad configuration: the message names the setting and what is wrong. Startup stops with exit code 2. */
public final class ConfigException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  public ConfigException(String message) {
    super(message, null, false, false);
  }
}
