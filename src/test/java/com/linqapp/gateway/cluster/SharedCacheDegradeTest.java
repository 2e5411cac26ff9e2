package com.linqapp.gateway.cluster;

import static com.linqapp.gateway.support.Await.await;
import static com.linqapp.gateway.support.Await.until;
import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.cluster.Member;
import com.hazelcast.map.IMap;
import com.hazelcast.map.MapInterceptor;
import com.linqapp.gateway.sim.LinqSimulator;
import com.linqapp.gateway.sim.SimulatorOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BiPredicate;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The shared answer map made slow, then failing, with a Hazelcast interceptor on every member: checks are
 * answered from each gateway's own path all the same (a miss, then the owner's call to Linq), and every
 * fault is counted in {@code gateway_shared_cache_faults_total}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SharedCacheDegradeTest {

  private static final int CHECKS = 8;

  private Vertx clientVertx;
  private LinqSimulator sim;
  private WebClient web;
  private ClusterFixture.Node a;
  private ClusterFixture.Node b;
  private IMap<String, String> answers;
  private String interceptor;

  @BeforeAll
  void startCluster() {
    clientVertx = Vertx.vertx();
    sim = await(LinqSimulator.start(clientVertx, new SimulatorOptions()));
    web = ClusterFixture.web(clientVertx);
    ClusterFixture.Pair pair = ClusterFixture.startPair(getClass(), sim, new JsonObject(), 0);
    a = pair.a();
    b = pair.b();
    until("both gateways see each other", () ->
        ClusterFixture.status(web, a).getJsonObject("cluster").getInteger("gateways") == 2
            && ClusterFixture.status(web, b).getJsonObject("cluster").getInteger("gateways") == 2);
    answers = a.cluster().hazelcast().getMap(SharedResultCache.MAP);
  }

  @AfterAll
  void stopCluster() {
    ClusterFixture.closeAll(web, clientVertx, b, a);
  }

  @BeforeEach
  void reset() {
    sim.resetStats();
  }

  @AfterEach
  void healMap() {
    if (interceptor != null) {
      answers.removeInterceptor(interceptor);
      interceptor = null;
    }
  }

  private List<HttpResponse<Buffer>> checkOnBoth(int block) {
    List<Future<HttpResponse<Buffer>>> calls = new ArrayList<>();
    for (int i = 0; i < CHECKS; i++) {
      calls.add(ClusterFixture.checkAsync(web, a.httpPort(), ClusterFixture.phone(block, i)));
      calls.add(ClusterFixture.checkAsync(web, b.httpPort(), ClusterFixture.phone(block + 1, i)));
    }
    return await(Future.join(calls).map(all -> all.<HttpResponse<Buffer>>list()));
  }

  private double faults(ClusterFixture.Node node, String operation, String cause) {
    return ClusterFixture.metric(web, node, "gateway_shared_cache_faults_total{cause=\"" + cause + "\",operation=\""
        + operation + "\"}");
  }

  /**
   * Adds the interceptor and waits until a read of a key in a partition of each member shows it (the read's
   * outcome and how long it took): members take it on one after the other.
   */
  private void intercept(MapInterceptor with, BiPredicate<Future<String>, Long> shows) {
    interceptor = answers.addInterceptor(with);
    for (Member member : a.cluster().hazelcast().getCluster().getMembers()) {
      String key = IntStream.range(0, 10_000).mapToObj(i -> "probe-" + i).filter(probe -> member.equals(
          a.cluster().hazelcast().getPartitionService().getPartition(probe).getOwner())).findFirst().orElseThrow();
      until("the interceptor at " + member, () -> {
        long start = System.nanoTime();
        Future<String> read = Future.fromCompletionStage(answers.getAsync(key));
        try {
          read.toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
          // judged below
        }
        return shows.test(read, (System.nanoTime() - start) / 1_000_000);
      });
    }
  }

  @Test
  @DisplayName("reads slower than the bound are misses: every check answered 200, one Linq call each, timeouts counted")
  void slowReadsAreMisses() {
    double aBefore = faults(a, "read", "timeout");
    double bBefore = faults(b, "read", "timeout");
    intercept(new SlowReads(), (read, millis) -> read.succeeded() && millis >= SharedResultCache.READ_BOUND_MILLIS);
    List<HttpResponse<Buffer>> responses = checkOnBoth(10);

    assertThat(responses).allSatisfy(r -> assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200));
    assertThat(sim.stats().checkRequests()).isEqualTo(2 * CHECKS);
    // each check looked the shared map up at least once on the gateway it was sent to
    assertThat(faults(a, "read", "timeout") - aBefore).isGreaterThanOrEqualTo(CHECKS);
    assertThat(faults(b, "read", "timeout") - bBefore).isGreaterThanOrEqualTo(CHECKS);
  }

  @Test
  @DisplayName("reads and writes that fail: every check answered 200, one Linq call each, read and write errors counted")
  void failingMapIsBypassed() {
    double timeoutsBefore = faults(a, "read", "timeout") + faults(b, "read", "timeout");
    // the other test's answers may still be on their way to the map when this one makes it fail
    double writesBefore = faults(a, "write", "error") + faults(b, "write", "error");
    intercept(new FailingMap(), (read, millis) -> read.failed());
    List<HttpResponse<Buffer>> responses = checkOnBoth(20);

    assertThat(responses).allSatisfy(r -> assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200));
    assertThat(sim.stats().checkRequests()).isEqualTo(2 * CHECKS);
    // every look-up failed: at once, or after the bound when the failure itself was slow to come back
    until("every read fault counted", () -> faults(a, "read", "error")
        + faults(b, "read", "error") + faults(a, "read", "timeout") + faults(b, "read", "timeout")
        - timeoutsBefore >= 2 * CHECKS);
    // the owner writes every answer Linq gives, and every write failed (counted when Hazelcast says so)
    until("every write fault counted", () ->
        faults(a, "write", "error") + faults(b, "write", "error") - writesBefore >= 2 * CHECKS);
  }

  /** Holds every read of the map well past the bound (on the member that owns the key). */
  static final class SlowReads extends PassThrough {
    private static final long serialVersionUID = 1L;

    @Override
    public Object interceptGet(Object value) {
      try {
        Thread.sleep(SharedResultCache.READ_BOUND_MILLIS * 4);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return value;
    }
  }

  /** Fails every read and write of the map. */
  static final class FailingMap extends PassThrough {
    private static final long serialVersionUID = 1L;

    @Override
    public Object interceptGet(Object value) {
      throw new IllegalStateException("the shared map is failing (test)");
    }

    @Override
    public Object interceptPut(Object oldValue, Object newValue) {
      throw new IllegalStateException("the shared map is failing (test)");
    }
  }

  /** Changes nothing. */
  abstract static class PassThrough implements MapInterceptor {
    private static final long serialVersionUID = 1L;

    @Override
    public Object interceptGet(Object value) {
      return value;
    }

    @Override
    public void afterGet(Object value) {
    }

    @Override
    public Object interceptPut(Object oldValue, Object newValue) {
      return newValue;
    }

    @Override
    public void afterPut(Object value) {
    }

    @Override
    public Object interceptRemove(Object removedValue) {
      return removedValue;
    }

    @Override
    public void afterRemove(Object value) {
    }
  }
}
