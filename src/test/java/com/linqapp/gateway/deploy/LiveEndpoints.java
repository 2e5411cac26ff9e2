package com.linqapp.gateway.deploy;

import static com.linqapp.gateway.support.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

import com.linqapp.gateway.cli.GatewayMain;
import com.linqapp.gateway.support.GatewayHarness;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.ParseResult;

/**
 * A real gateway and simulator on loopback, so that the paths the deployment files name (probes, metrics,
 * the simulator's readiness) are checked against what the server answers, not against a copy of its routes;
 * and the commands the files run parsed by the CLI itself.
 */
final class LiveEndpoints implements AutoCloseable {

  private final Vertx vertx = Vertx.vertx();
  private final GatewayHarness gateway = GatewayHarness.start(vertx);
  private final WebClient client = WebClient.create(vertx);

  /** What {@code GET path} on the gateway answers. */
  HttpResponse<Buffer> gateway(String path) {
    return gateway.get(path);
  }

  /** What {@code GET path} on the simulator answers. */
  int simulatorStatus(String path) {
    String base = gateway.sim().baseUrl().replaceFirst("/api/partner$", "");
    return await(client.getAbs(base + path).send()).statusCode();
  }

  /** The command a container runs ({@code serve}, {@code simulate …}), parsed as the jar would; fails on a typo. */
  static ParseResult command(List<String> args) {
    return new CommandLine(new GatewayMain()).parseArgs(args.toArray(String[]::new)).subcommand();
  }

  /** A {@code simulate} command's host, port and Linq key (the command's defaults where not given). */
  record Simulate(String host, int port, String apiKey) {
    static Simulate of(List<String> args) {
      ParseResult simulate = command(args);
      assertThat(simulate.commandSpec().name()).isEqualTo("simulate");
      return new Simulate(simulate.commandSpec().findOption("--host").getValue(),
          simulate.commandSpec().findOption("--port").getValue(),
          simulate.commandSpec().findOption("--api-key").getValue());
    }
  }

  @Override
  public void close() {
    client.close();
    gateway.close();
    await(vertx.close());
  }
}
