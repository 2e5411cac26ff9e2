package com.linqapp.gateway.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.linqapp.gateway.cache.CachedAnswer;
import com.linqapp.gateway.cache.ResultCache;
import com.linqapp.gateway.check.CheckAnswer;
import com.linqapp.gateway.check.CheckKey;
import com.linqapp.gateway.check.CheckRequest;
import com.linqapp.gateway.check.CheckResult;
import com.linqapp.gateway.check.Freshness;
import com.linqapp.gateway.check.Priority;
import com.linqapp.gateway.check.Service;
import com.linqapp.gateway.engine.pacing.SendPacer;
import com.linqapp.gateway.linq.LinqOutcome;
import com.linqapp.gateway.support.FakeScheduler;
import com.linqapp.gateway.support.ScriptedLinq;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The cache-then-dispatch policy on virtual time. */
class CheckServiceTest {

  private final FakeScheduler clock = new FakeScheduler();
  private final ScriptedLinq linq = new ScriptedLinq(clock);

  /** A shared cache as this process sees it: {@code near} in front, the rest as each test needs. */
  private abstract static class Shared implements ResultCache {
    final ResultCache near;

    Shared(ResultCache near) {
      this.near = near;
    }

    @Override
    public Future<CachedAnswer> get(CheckKey key) {
      return near.get(key);
    }

    @Override
    public Future<Void> put(CheckKey key, CheckAnswer answer) {
      return near.put(key, answer);
    }

    @Override
    public void store(CheckKey key, CachedAnswer cached) {
      near.store(key, cached);
    }

    @Override
    public long now() {
      return near.now();
    }
  }

  @Test
  @DisplayName("a shared cache that never confirms its write cannot hold an answer back past a second")
  void slowSharedCacheDoesNotHoldTheAnswer() {
    ResultCache near = ResultCache.create(60_000, 60_000, 0, 100, clock::now);
    Promise<Void> neverWritten = Promise.promise();
    ResultCache stuck = new Shared(near) {
      @Override
      public Future<Void> written(CheckKey key) {
        return neverWritten.future();
      }
    };
    Dispatcher dispatcher = new Dispatcher(EngineOptions.of(10, 1, 3, false), linq, clock, failures -> 100,
        failures -> 1_000, SendPacer::unlimited, DispatchListener.answers(stuck::put), request -> null);
    CheckService service = new CheckService(stuck, dispatcher, clock);

    Future<CheckResult> result = service.check(new CheckRequest(Service.IMESSAGE, "+12025550100", null, 30_000,
        Priority.INTERACTIVE, Freshness.DEFAULT, "r", "test"));
    linq.calls.get(0).settle(new LinqOutcome.Answered(new CheckAnswer("+12025550100", true, null, null), null));
    assertThat(result.isComplete()).isFalse();
    clock.advance(CheckService.MAX_WRITE_WAIT_MILLIS);
    assertThat(result.result().answer().available()).isTrue();
  }

  @Test
  @DisplayName("an identical check's answer that lands while a shared look-up is under way is used: no second Linq call")
  void answerLandingDuringASharedLookUpIsUsed() {
    ResultCache near = ResultCache.create(60_000, 60_000, 0, 100, clock::now);
    List<Promise<CachedAnswer>> lookUps = new ArrayList<>();
    ResultCache shared = new Shared(near) {
      @Override
      public Future<CachedAnswer> get(CheckKey key, long maxWaitMillis) {
        if (maxWaitMillis == 0 || near.get(key).result() != null) {
          return near.get(key);
        }
        Promise<CachedAnswer> remote = Promise.promise(); // the other nodes' map, answering later
        lookUps.add(remote);
        return remote.future();
      }
    };
    Dispatcher dispatcher = new Dispatcher(EngineOptions.of(10, 4, 3, false), linq, clock, failures -> 100,
        failures -> 1_000, SendPacer::unlimited, DispatchListener.answers(shared::put), request -> null);
    CheckService service = new CheckService(shared, dispatcher, clock);
    CheckRequest request = new CheckRequest(Service.IMESSAGE, "+12025550100", null, 30_000, Priority.INTERACTIVE,
        Freshness.DEFAULT, "r", "test");

    Future<CheckResult> first = service.check(request);
    lookUps.get(0).complete(null);
    assertThat(linq.calls).hasSize(1);
    Future<CheckResult> second = service.check(request);
    assertThat(lookUps).hasSize(2);
    linq.calls.get(0).settle(new LinqOutcome.Answered(new CheckAnswer("+12025550100", true, null, null), null));
    assertThat(first.result().source()).isEqualTo(CheckResult.Source.MISS);
    lookUps.get(1).complete(null); // the shared map was read before the answer was written to it

    assertThat(second.result().source()).isEqualTo(CheckResult.Source.HIT);
    assertThat(linq.calls).hasSize(1);
  }
}
