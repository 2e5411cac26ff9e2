package com.linqapp.gateway.bus;

import com.linqapp.gateway.check.AddressRule;
import com.linqapp.gateway.check.CheckException;
import com.linqapp.gateway.check.CheckRequest;
import com.linqapp.gateway.check.CheckResult;
import com.linqapp.gateway.check.ErrorCodes;
import com.linqapp.gateway.check.Service;
import com.linqapp.gateway.log.RequestTag;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * The engine's side of {@code capability.check} and {@code capability.cancel} (or of another
 * {@link CapabilityBus.Endpoint} in the same format): each request is parsed
 * (the bus is a trust boundary: any clustered application may send, so bodies are validated as HTTP
 * bodies are), handed to the engine, and replied to with the result or Linq's envelope. It counts the
 * checks taken and not yet replied to, so a drain ends only when every caller has its reply.
 *
 * <p>The consumer is never paused (a paused consumer drops what overflows its buffer); when the engine's
 * queue is full it refuses at once with 503/9001. Confined to the registering verticle's context.
 */
public final class CheckConsumer {

  private final AddressRule rule;
  private final LongSupplier engineClock;
  private final long defaultTimeoutMillis;
  private final Function<CheckRequest, Future<CheckResult>> engine;
  private final Observer observer;
  private final MessageConsumer<JsonObject> checks;
  private final MessageConsumer<JsonObject> cancels;
  private int unreplied;
  private Promise<Void> allReplied;

  /**
   * Registers the consumers on the calling verticle's context.
   *
   * @param endpoint    the addresses to take checks and cancellations on
   * @param rule        Linq's address rule, with the gateway's region
   * @param engineClock the engine's clock, for each check's absolute deadline
   * @param engine      answers a validated check
   * @param cancel      withdraws the checks of a request id whose caller went away
   * @param observer    sees every check taken and its reply (metrics, traces)
   */
  public CheckConsumer(Vertx vertx, CapabilityBus.Endpoint endpoint, AddressRule rule, LongSupplier engineClock,
                       long defaultTimeoutMillis,
                       Function<CheckRequest, Future<CheckResult>> engine, Consumer<String> cancel,
                       Observer observer) {
    this.rule = rule;
    this.engineClock = engineClock;
    this.defaultTimeoutMillis = defaultTimeoutMillis;
    this.engine = engine;
    this.observer = observer;
    this.checks = vertx.eventBus().consumer(endpoint.checks(), this::onCheck);
    this.cancels = vertx.eventBus().consumer(endpoint.cancels(),
        message -> cancel.accept(message.body().getString("request_id", "")));
  }

  /** Completes when both consumers are registered (cluster-wide, in a cluster). */
  public Future<Void> ready() {
    return Future.all(List.of(checks.completion(), cancels.completion())).mapEmpty();
  }

  private void onCheck(Message<JsonObject> message) {
    String requestId = message.headers().get(CapabilityBus.REQUEST_ID_HEADER);
    if (requestId == null) {
      requestId = UUID.randomUUID().toString();
    }
    String sender = message.headers().get(CapabilityBus.CLIENT_HEADER);
    String client = sender == null ? "eventbus" : sender;
    RequestTag.set(requestId, client);
    CheckRequest request;
    try {
      JsonObject body = message.body() == null ? new JsonObject() : message.body();
      // Parsed again even when the gateway's own adapter sent it: any clustered application may send here.
      request = CheckQuery.parse(body, Service.IMESSAGE, rule)
          .toRequest(engineClock.getAsLong(), defaultTimeoutMillis, requestId, client)
          .inGroup(message.headers().get(CapabilityBus.GROUP_HEADER));
    } catch (CheckException bad) {
      message.fail(bad.status(), bad.toEnvelope().encode());
      return;
    } catch (ClassCastException notJson) {
      CheckException bad = CheckException.badRequest(ErrorCodes.BODY_NOT_JSON, "Body must be a JSON object");
      message.fail(bad.status(), bad.toEnvelope().encode());
      return;
    }
    unreplied++;
    long taken = engineClock.getAsLong();
    observer.onTaken(request);
    engine.apply(request).onComplete(done -> {
      long millis = engineClock.getAsLong() - taken;
      if (done.succeeded()) {
        CheckResult result = done.result();
        observer.onReplied(request, result, null, millis);
        message.reply(CheckMessages.reply(result),
            new DeliveryOptions().addHeader(CapabilityBus.CACHE_HEADER, result.source().header()));
      } else {
        CheckException error = CheckMessages.toCheckException(done.cause());
        observer.onReplied(request, null, error, millis);
        message.fail(error.status(), error.toEnvelope().encode());
      }
      if (--unreplied == 0 && allReplied != null) {
        allReplied.tryComplete();
      }
    });
  }

  /**
   * What the engine's side of the bus reports: each valid check it takes, and how it was answered. Called on
   * the engine's event loop; implementations must not block.
   */
  public interface Observer {

    /** Sees nothing: for checks another gateway forwarded, which its own consumer observed. */
    Observer NONE = new Observer() {
    };

    /** A valid check was taken, before the engine sees it. */
    default void onTaken(CheckRequest request) {
    }

    /**
     * Its reply: the result, or else the error; {@code millis} on the engine's clock since it was taken.
     */
    default void onReplied(CheckRequest request, CheckResult result, CheckException error, long millis) {
    }

    /** Every observer hears every event, in order. */
    static Observer all(Observer... observers) {
      List<Observer> all = List.of(observers);
      return new Observer() {
        @Override
        public void onTaken(CheckRequest request) {
          all.forEach(o -> o.onTaken(request));
        }

        @Override
        public void onReplied(CheckRequest request, CheckResult result, CheckException error, long millis) {
          all.forEach(o -> o.onReplied(request, result, error, millis));
        }
      };
    }
  }

  /**
   * Stops taking checks (in a cluster, other nodes take them from now on; this node's own adapters find
   * no engine and answer 503/9002); cancels are still heard.
   *
   * @return completes when every check taken so far has its reply
   */
  public Future<Void> stop() {
    checks.unregister();
    return replied();
  }

  /**
   * Completes when no check taken is waiting for its reply (at once if none is), while checks are still
   * taken: for an endpoint that must stay registered to refuse what it no longer serves, since a check sent
   * to an unregistered consumer another node still believes in is dropped without an answer.
   */
  public Future<Void> replied() {
    if (allReplied == null || allReplied.future().isComplete()) {
      allReplied = Promise.promise();
      if (unreplied == 0) {
        allReplied.complete();
      }
    }
    return allReplied.future();
  }
}
