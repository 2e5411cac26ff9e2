package com.linqapp.gateway.cli;

import com.linqapp.gateway.batch.GatewayEndpoint;
import java.io.PrintStream;
import java.util.Map;
import picocli.CommandLine.Option;

/** Options of the commands that talk to a running gateway: where it is, and the client key to send. */
final class GatewayClientOptions {

  /** The client key's variable (the contract's). */
  static final String CLIENT_KEY_VARIABLE = "GATEWAY_CLIENT_KEY";
  /** The variable this release still reads, with a warning: one letter from the server's GATEWAY_API_KEYS. */
  static final String DEPRECATED_KEY_VARIABLE = "GATEWAY_API_KEY";

  @Option(names = "--gateway", paramLabel = "URL",
      description = "A running gateway, e.g. http://gateway:8080 (client key from GATEWAY_CLIENT_KEY or --api-key).")
  String url;

  @Option(names = "--api-key", paramLabel = "KEY",
      description = "Client key for --gateway (default: $GATEWAY_CLIENT_KEY; a key on the command line shows in ps).")
  String apiKey;

  /** Whether the command talks to a running gateway. */
  boolean remote() {
    return url != null;
  }

  /**
   * The gateway and the key to send: {@code --api-key}, else {@value #CLIENT_KEY_VARIABLE}, else (warned on
   * {@code err}) {@value #DEPRECATED_KEY_VARIABLE}.
   *
   * @throws IllegalArgumentException naming {@code --gateway} when it is not an http(s) URL
   */
  GatewayEndpoint endpoint(Map<String, String> environment, PrintStream err) {
    String key = apiKey != null ? apiKey : environment.get(CLIENT_KEY_VARIABLE);
    if (key == null && environment.get(DEPRECATED_KEY_VARIABLE) != null) {
      err.println("warning: " + DEPRECATED_KEY_VARIABLE + " is read for this release only; set "
          + CLIENT_KEY_VARIABLE + " (or --api-key) instead");
      key = environment.get(DEPRECATED_KEY_VARIABLE);
    }
    try {
      return GatewayEndpoint.parse(url, key);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--gateway " + url + ": " + e.getMessage());
    }
  }
}
