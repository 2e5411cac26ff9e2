package com.linqapp.gateway.http;

import static com.linqapp.gateway.support.Await.await;
import static com.linqapp.gateway.support.Await.until;
import static com.linqapp.gateway.support.GatewayHarness.IMESSAGE_ROUTE;
import static com.linqapp.gateway.support.GatewayHarness.checkWith;
import static com.linqapp.gateway.support.GatewayHarness.envelopeError;
import static org.assertj.core.api.Assertions.assertThat;

import com.linqapp.gateway.sim.Fault;
import com.linqapp.gateway.sim.LinqSimulator;
import com.linqapp.gateway.sim.SimulatorOptions;
import com.linqapp.gateway.support.GatewayHarness;
import com.linqapp.gateway.support.GatewayTestBase;
import com.linqapp.gateway.support.Ports;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.KeyStoreOptions;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Linq misbehaving below the real gateway: every accepted check gets exactly one answer, the right one or
 * the documented error, and the engine's in-flight count and queue return to zero. (That each comes by its
 * deadline is asserted on virtual time in {@code DispatcherTest}; here deadlines are roomy, so that a busy
 * machine cannot turn a 502 into a 504.) Credentials rejection and recovery on {@code /health} is covered by
 * {@link LinqCompatibleRouteTest}.
 */
class UpstreamFaultsTest extends GatewayTestBase {

  private static final int CALLERS = 6;
  private static final int SIM_AVAILABLE_PERCENT = 70;
  private static final long ROOMY_DEADLINE_MILLIS = 30_000;
  private static final String STORE_PASSWORD = "changeit";

  private final List<LinqSimulator> extraSims = new ArrayList<>();

  @AfterEach
  void closeExtraSimulators() {
    for (LinqSimulator sim : extraSims) {
      try {
        await(sim.close());
      } catch (AssertionError alreadyClosed) {
        // closed by the test
      }
    }
  }

  /** One caller's outcome, and how long it took. */
  record Outcome(String address, int status, Integer code, String body, long millis) {
  }

  /** {@link #CALLERS} concurrent checks of distinct addresses ({@code prefix} + one digit: "+1" and 9 digits), each with {@code X-Request-Timeout-Ms: deadline}. */
  private List<Outcome> concurrentChecks(String prefix, long deadlineMillis) {
    WebClient callers = gw.wideClient(CALLERS);
    List<Future<Outcome>> calls = new ArrayList<>();
    for (int i = 0; i < CALLERS; i++) {
      String address = prefix + i;
      long start = System.nanoTime();
      calls.add(checkWith(callers, GatewayHarness.KEY_A, IMESSAGE_ROUTE, address,
              "X-Request-Timeout-Ms", String.valueOf(deadlineMillis))
          .map(response -> outcome(address, response, start)));
    }
    return await(Future.all(calls)).list();
  }

  private List<Outcome> concurrentChecks(String prefix) {
    return concurrentChecks(prefix, ROOMY_DEADLINE_MILLIS);
  }

  private static Outcome outcome(String address, HttpResponse<Buffer> response, long startNanos) {
    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    Integer code = response.statusCode() == 200 ? null : envelopeError(response).getInteger("code");
    return new Outcome(address, response.statusCode(), code, response.bodyAsString(), millis);
  }

  private static void assertAllAnswered(List<Outcome> outcomes, int status, Integer code) {
    assertThat(outcomes).hasSize(CALLERS).allSatisfy(outcome -> {
      assertThat(outcome.status()).as("%s", outcome).isEqualTo(status);
      assertThat(outcome.code()).as("%s", outcome).isEqualTo(code);
      if (status == 200) {
        JsonObject body = new JsonObject(outcome.body());
        assertThat(body.getString("address")).isEqualTo(outcome.address());
        assertThat(body.getBoolean("available"))
            .isEqualTo(LinqSimulator.expectedAvailable("iMessage", outcome.address(), SIM_AVAILABLE_PERCENT));
      }
    });
  }

  /** The engine's calls to Linq all ended and its queue is empty (a hung call ends at its own timeout, after its caller's answer). */
  private void assertDrained() {
    until("engine in-flight and queue back to 0", () -> {
      JsonObject engine = gw.engineStatus();
      return engine.getInteger("inFlight") == 0 && engine.getInteger("queued") == 0;
    });
  }

  // ---- faults on every request ----------------------------------------------------------------------------

  static Stream<Arguments> persistentFaults() {
    return Stream.of(
        Arguments.of("resets mid-body", Fault.resetMidBody(), 502, 9003),
        Arguments.of("resets before answering", Fault.reset(), 502, 9003),
        Arguments.of("answers garbage", Fault.garbage(), 502, 9003),
        Arguments.of("answers 500", Fault.error500(), 502, 9003));
  }

  @ParameterizedTest(name = "Linq {0} -> {2}/{3}")
  @MethodSource("persistentFaults")
  @DisplayName("while Linq misbehaves on every request, each check gets the documented error after its attempts; then Linq recovers and so do checks")
  void persistentFault(String what, Fault fault, int status, int code, Vertx vertx) {
    start(vertx);
    gw.sim().failNext(fault, 1_000);

    List<Outcome> outcomes = concurrentChecks("+1202555100");

    assertAllAnswered(outcomes, status, code);
    assertThat(gw.sim().stats().checkRequests()).as("every attempt reached Linq")
        .isEqualTo((long) CALLERS * gw.config().maxAttempts());
    assertRecovers();
  }

  /** Linq behaves again: so do checks, and the engine drains again. */
  private void assertRecovers() {
    assertDrained();
    gw.sim().noFaults();
    assertAllAnswered(concurrentChecks("+1202555200"), 200, null);
    assertDrained();
  }

  @Test
  @DisplayName("while Linq never answers, each check gets 504/9004 at its deadline, not before; then Linq recovers and so do checks")
  void silentLinq(Vertx vertx) {
    start(vertx);
    gw.sim().failNext(Fault.hang(), 1_000);

    List<Outcome> outcomes = concurrentChecks("+1202555100", 1_500);

    assertAllAnswered(outcomes, 504, 9004);
    assertThat(outcomes).allSatisfy(o -> assertThat(o.millis()).as("%s", o).isGreaterThanOrEqualTo(1_500));
    assertRecovers();
  }

  @Test
  @DisplayName("Linq answering byte by byte is still a correct 200 within a roomy deadline, and 504/9004 at a short one")
  void slowAnswers(Vertx vertx) {
    start(vertx, new SimulatorOptions().setSlowByteDelayMillis(20), new JsonObject());
    gw.sim().failNext(Fault.slow(), CALLERS);

    List<Outcome> roomy = concurrentChecks("+1202555300");

    assertAllAnswered(roomy, 200, null);
    // Each of a body's ~40 bytes comes 20 ms after the previous one.
    assertThat(roomy).allSatisfy(o -> assertThat(o.millis()).as("a slow answer takes ~1 s").isGreaterThan(500));
    assertThat(gw.sim().stats().slow()).isEqualTo(CALLERS);

    gw.sim().slowRate(1.0);
    assertAllAnswered(concurrentChecks("+1202555310", 300), 504, 9004);
    assertDrained();
  }

  /**
   * Issue 10: an exchange with Linq was bounded only by its silences (the idle timeout), so an answer
   * that trickles in a byte at a time held its connection, and the engine's concurrency slot, long past
   * the check's deadline. Each exchange is now bounded as a whole by the check's deadline.
   */
  @Test
  @DisplayName("a trickling answer is cut at the check's deadline (504/9004) and frees its slot: the next check, with the only slot, is answered")
  void tricklingAnswerFreesItsSlotAtTheDeadline(Vertx vertx) {
    // One byte a second: an answer of ~40 bytes takes ~40 s, and no silence reaches the idle timeout.
    gw = GatewayHarness.start(vertx, new SimulatorOptions().setSlowByteDelayMillis(1_000),
        new JsonObject().put("LINQ_MAX_CONCURRENCY", 1));
    gw.sim().failNext(Fault.slow(), 1);

    HttpResponse<Buffer> trickled = gw.check(IMESSAGE_ROUTE, "+12025550101", "X-Request-Timeout-Ms", "2000");

    assertThat(trickled.statusCode()).as(trickled.bodyAsString()).isEqualTo(504);
    assertThat(envelopeError(trickled).getInteger("code")).isEqualTo(9004);

    // Without a bound on the whole exchange the only slot stays taken for the ~40 s the trickle lasts,
    // and this check could not be sent before its own deadline.
    HttpResponse<Buffer> next = gw.check(IMESSAGE_ROUTE, "+12025550102", "X-Request-Timeout-Ms", "10000");

    assertThat(next.statusCode()).as(next.bodyAsString()).isEqualTo(200);
    assertThat(next.bodyAsJsonObject().getString("address")).isEqualTo("+12025550102");
    assertThat(gw.sim().stats().slow()).as("Linq trickled the first answer").isEqualTo(1);
    assertDrained();
    until("Linq sees no request left", () -> gw.sim().stats().inFlight() == 0);
  }

  // ---- Linq unreachable -----------------------------------------------------------------------------------

  @Test
  @DisplayName("Linq refusing connections (a closed port) is 502/9003 within the deadline")
  void connectionRefused(Vertx vertx) {
    int closedPort = Ports.free();
    start(vertx, new JsonObject().put("LINQ_API_V3_BASE_URL", "http://127.0.0.1:" + closedPort + "/api/partner"));

    assertAllAnswered(concurrentChecks("+1202555400"), 502, 9003);
    assertThat(gw.sim().stats().checkRequests()).isZero();
    assertDrained();
  }

  @Test
  @DisplayName("Linq going away fails checks cleanly within their deadlines; back on the same port, checks succeed again")
  void linqGoesAwayAndComesBack(Vertx vertx) {
    start(vertx);
    assertAllAnswered(concurrentChecks("+1202555500"), 200, null);
    int port = gw.sim().port();

    await(gw.sim().close());
    assertAllAnswered(concurrentChecks("+1202555510"), 502, 9003);
    assertDrained();

    LinqSimulator back = await(LinqSimulator.start(vertx, new SimulatorOptions().setPort(port)));
    extraSims.add(back);
    assertAllAnswered(concurrentChecks("+1202555520"), 200, null);
    assertThat(back.stats().answered()).isEqualTo(CALLERS);
    assertDrained();
  }

  // ---- TLS ------------------------------------------------------------------------------------------------

  /** A self-signed certificate for 127.0.0.1 and localhost in a PKCS#12 store, made with the JDK's keytool. */
  private static Path selfSignedStore(Path dir) throws Exception {
    Path store = dir.resolve("linq-sim.p12");
    String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
    Process process = new ProcessBuilder(keytool, "-genkeypair", "-alias", "linq-sim", "-keyalg", "EC",
        "-groupname", "secp256r1", "-dname", "CN=localhost", "-ext", "san=ip:127.0.0.1,dns:localhost",
        "-validity", "2", "-storetype", "PKCS12", "-keystore", store.toString(),
        "-storepass", STORE_PASSWORD, "-keypass", STORE_PASSWORD)
        .redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes());
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as(output).isZero();
    assertThat(Files.size(store)).isPositive();
    return store;
  }

  private static SimulatorOptions tlsSimulator(Path store) {
    return new SimulatorOptions().setKeyCertOptions(
        new KeyStoreOptions().setType("PKCS12").setPath(store.toString()).setPassword(STORE_PASSWORD));
  }

  @Test
  @DisplayName("Linq over TLS with an untrusted (self-signed) certificate is refused: 502/9003, never trusted, nothing sent")
  void untrustedCertificateIsRejected(Vertx vertx, @TempDir Path dir) throws Exception {
    start(vertx, tlsSimulator(selfSignedStore(dir)), new JsonObject());
    assertThat(gw.sim().baseUrl()).startsWith("https://127.0.0.1:");

    assertAllAnswered(concurrentChecks("+1202555600"), 502, 9003);
    assertThat(gw.sim().stats().checkRequests()).as("no request got through the failed handshake").isZero();
    assertDrained();
  }

  @Test
  @DisplayName("Linq over TLS with a certificate in the JVM's trust store (javax.net.ssl.trustStore) works")
  void trustedCertificateWorks(Vertx vertx, @TempDir Path dir) throws Exception {
    Path store = selfSignedStore(dir);
    String[] names = {"javax.net.ssl.trustStore", "javax.net.ssl.trustStorePassword", "javax.net.ssl.trustStoreType"};
    String[] saved = new String[names.length];
    for (int i = 0; i < names.length; i++) {
      saved[i] = System.getProperty(names[i]);
    }
    System.setProperty(names[0], store.toString());
    System.setProperty(names[1], STORE_PASSWORD);
    System.setProperty(names[2], "PKCS12");
    try {
      start(vertx, tlsSimulator(store), new JsonObject());

      assertAllAnswered(concurrentChecks("+1202555700"), 200, null);
      assertThat(gw.sim().stats().answered()).isEqualTo(CALLERS);
    } finally {
      for (int i = 0; i < names.length; i++) {
        if (saved[i] == null) {
          System.clearProperty(names[i]);
        } else {
          System.setProperty(names[i], saved[i]);
        }
      }
    }
  }
}
