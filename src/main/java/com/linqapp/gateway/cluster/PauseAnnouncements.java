package com.linqapp.gateway.cluster;

import com.linqapp.gateway.engine.DispatchListener;
import com.linqapp.gateway.engine.Dispatcher;
import com.linqapp.gateway.engine.Scheduler;
import io.vertx.core.Future;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;

/**
 * 429 pauses shared by the gateways: a 429 one of them receives is published on {@link #ADDRESS} and every
 * other one pauses the same budget (the account, or that sender line). The owner is normally the only one
 * sending, but every gateway keeps the pause, so a gateway that takes over — or a side of a split brain —
 * does not send inside it, and {@code max-stale} callers get their stale answers anywhere.
 *
 * <p>An announcement carries the <em>milliseconds left</em> in the pause, never its end as a time of day:
 * gateways' clocks differ, and a receiver whose clock ran ahead would end the pause early. The time the
 * announcement spends in transit only lengthens the pause on the receiving side, which is the safe side.
 */
public final class PauseAnnouncements implements DispatchListener {

  /** Event-bus address of pause announcements {@code {"gateway", "millis", "line"?}}. */
  public static final String ADDRESS = "gateway.linq.pause";

  private final ClusterNode node;
  private final Scheduler scheduler;

  /** @param scheduler the engine's clock: a pause heard ends that long from now on it */
  public PauseAnnouncements(ClusterNode node, Scheduler scheduler) {
    this.node = node;
    this.scheduler = scheduler;
  }

  /** Pauses {@code dispatcher} as other gateways announce; call on the engine's context. */
  Future<Void> listen(Dispatcher dispatcher) {
    MessageConsumer<JsonObject> pauses = node.vertx().eventBus().consumer(ADDRESS, message -> {
      JsonObject pause = message.body();
      long millis = pause.getLong("millis", 0L);
      if (!node.gatewayId().equals(pause.getString("gateway")) && millis > 0) {
        dispatcher.pauseUntil(pause.getString("line"), scheduler.now() + millis);
      }
    });
    return pauses.completion();
  }

  /** A 429 here: tell every other gateway, so none of them sends inside the pause. */
  @Override
  public void onPause(String line, long millis) {
    JsonObject pause = new JsonObject().put("gateway", node.gatewayId()).put("millis", millis);
    if (line != null) {
      pause.put("line", line);
    }
    node.vertx().eventBus().publish(ADDRESS, pause);
  }
}
