package com.linqapp.gateway.engine;

import com.linqapp.gateway.check.CheckRequest;
import com.linqapp.gateway.check.CheckResult;
import io.vertx.core.Future;

/**
 * Where a check the cache cannot answer goes: this node's {@link Dispatcher}, or, in a cluster, the
 * dispatcher of the gateway that sends to Linq for the whole cluster. Used on the engine's event loop.
 */
public interface Dispatch {

  /**
   * Admits a check, joins an identical one already under way, or refuses it at once.
   *
   * @return the answer ({@code MISS} for the caller whose check went to Linq, {@code COALESCED} for those
   *     who joined it), or a {@code CheckException}
   */
  Future<CheckResult> submit(CheckRequest request);

  /** When checks that any line may send can go again: now, or the end of the shortest 429 pause. */
  long pausedUntil(long now);
}
