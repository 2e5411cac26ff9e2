package com.linqapp.gateway.jobs.impl.pg;

import com.linqapp.gateway.jobs.JobsBus;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.pubsub.PgSubscriber;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What other gateways did to jobs, heard at once: the schema's trigger notifies (LISTEN/NOTIFY, payload the
 * job id) when a job is committed, cancelled, answered or ended, and this gateway relays each to the local
 * {@link JobsBus} address the job routes and runner already listen on — so a cancel made on any gateway
 * stops the run on the one holding the job, and a result follower on any gateway reads on when the holder
 * writes. Local only: every gateway hears the database itself. The listening connection is the store's own
 * (not from the pool) and reconnects every second when lost; while it is down, runs still notice a
 * cancellation on their next write and followers still poll.
 */
final class Notifications {

  static final Map<String, String> CHANNELS = Map.of(
      "gateway_jobs_submitted", JobsBus.SUBMITTED,
      "gateway_jobs_cancelled", JobsBus.CANCELLED,
      "gateway_jobs_answered", JobsBus.ANSWERED);
  private static final long RECONNECT_MILLIS = 1_000;
  private static final Logger log = LoggerFactory.getLogger(Notifications.class);

  private Notifications() {
  }

  /** Starts listening; completes once the channels are subscribed. */
  static Future<PgSubscriber> listen(Vertx vertx, PgConnectOptions options) {
    PgSubscriber subscriber = PgSubscriber.subscriber(vertx, options).reconnectPolicy(retries -> {
      // The first loss is also what closing Vert.x looks like: only a failed reconnection is news.
      if (retries == 1) {
        log.warn("Job store: the connection listening for other gateways' job events was lost and cannot be "
            + "opened again yet; retrying every {} ms", RECONNECT_MILLIS);
      }
      return RECONNECT_MILLIS;
    });
    DeliveryOptions local = new DeliveryOptions().setLocalOnly(true);
    CHANNELS.forEach((channel, address) -> subscriber.channel(channel)
        .handler(jobId -> vertx.eventBus().publish(address, jobId, local)));
    return subscriber.connect().map(subscriber);
  }
}
