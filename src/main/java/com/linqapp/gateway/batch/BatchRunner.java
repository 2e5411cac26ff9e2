package com.linqapp.gateway.batch;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.streams.ReadStream;
import java.util.ArrayDeque;
import java.util.Objects;

/**
 * The windowed-submission core shared by the HTTP batch route, the event-bus {@code BatchClient} and the
 * in-process {@code batch} command: it reads items from a {@link ReadStream}, submits each through
 * {@code check} and emits one result per item, in completion order, as a {@link ReadStream}.
 *
 * <p>Backpressure both ways, with one bound: items submitted and not yet answered plus answers not yet
 * taken by the consumer never exceed {@code window}. Input is pulled with {@link ReadStream#fetch} only
 * while there is room, so a slow consumer (a client reading slowly) stops the input, and with it any new
 * work for the engine. {@link #cancel()} (a client that went away) stops reading for good: items not
 * yet submitted are never submitted, and answers still arriving are dropped.
 *
 * <p>Everything runs on the context the runner was created on; completions from elsewhere hop onto it.
 *
 * @param <I> input item
 * @param <O> result
 */
public final class BatchRunner<I, O> implements ReadStream<O> {

  /** Items in flight per batch by default. */
  public static final int DEFAULT_WINDOW = 64;

  /** Submits one item; {@code index} is its 0-based position in the input. Must not fail (errors are results). */
  @FunctionalInterface
  public interface Check<I, O> {
    Future<O> submit(long index, I item);
  }

  private final Context context;
  private final ReadStream<I> input;
  private final Check<I, O> check;
  private int window;
  private final ArrayDeque<O> ready = new ArrayDeque<>();

  private Handler<O> handler;
  private Handler<Void> endHandler;
  private Handler<Throwable> exceptionHandler;
  private long demand = Long.MAX_VALUE;
  private long requested;
  private long nextIndex;
  private int inFlight;
  private boolean started;
  private boolean inputEnded;
  private boolean ended;
  private boolean cancelled;
  private boolean emitting;
  private boolean again;
  private long submitted;

  public BatchRunner(Vertx vertx, ReadStream<I> input, int window, Check<I, O> check) {
    if (window < 1) {
      throw new IllegalArgumentException("window must be at least 1");
    }
    this.context = vertx.getOrCreateContext();
    this.input = Objects.requireNonNull(input, "input");
    this.window = window;
    this.check = Objects.requireNonNull(check, "check");
  }

  /** Items submitted so far. */
  public long submitted() {
    return submitted;
  }

  /** Items submitted and not yet answered. */
  public int inFlight() {
    return inFlight;
  }

  public int window() {
    return window;
  }

  /**
   * Resizes the window (a durable job's share of the engine's queue follows its pace): a larger one is
   * filled at once, a smaller one by submitting nothing new until enough items are answered.
   */
  public BatchRunner<I, O> window(int size) {
    if (size < 1) {
      throw new IllegalArgumentException("window must be at least 1");
    }
    onContext(() -> {
      window = size;
      emit();
    });
    return this;
  }

  @Override
  public BatchRunner<I, O> handler(Handler<O> handler) {
    this.handler = handler;
    if (handler != null && !started) {
      started = true;
      onContext(this::start);
    }
    return this;
  }

  @Override
  public BatchRunner<I, O> endHandler(Handler<Void> endHandler) {
    this.endHandler = endHandler;
    return this;
  }

  @Override
  public BatchRunner<I, O> exceptionHandler(Handler<Throwable> exceptionHandler) {
    this.exceptionHandler = exceptionHandler;
    return this;
  }

  @Override
  public BatchRunner<I, O> pause() {
    onContext(() -> demand = 0);
    return this;
  }

  @Override
  public BatchRunner<I, O> resume() {
    return fetch(Long.MAX_VALUE);
  }

  @Override
  public BatchRunner<I, O> fetch(long amount) {
    if (amount > 0) {
      onContext(() -> {
        demand = demand + amount < 0 ? Long.MAX_VALUE : demand + amount;
        emit();
      });
    }
    return this;
  }

  /**
   * Stops the batch: no more input is read, nothing more is submitted, pending and late answers are
   * dropped, and no end is emitted.
   */
  public void cancel() {
    onContext(() -> {
      if (cancelled) {
        return;
      }
      cancelled = true;
      ready.clear();
      input.handler(null);
      input.pause();
    });
  }

  public boolean cancelled() {
    return cancelled;
  }

  private void start() {
    input.pause();
    input.handler(this::onItem);
    input.endHandler(v -> {
      inputEnded = true;
      emit();
    });
    input.exceptionHandler(this::onInputFailure);
    emit();
  }

  private void onItem(I item) {
    if (cancelled) {
      return;
    }
    if (requested > 0) {
      requested--;
    }
    long index = nextIndex++;
    inFlight++;
    submitted++;
    Future<O> result;
    try {
      result = check.submit(index, item);
    } catch (RuntimeException e) {
      result = Future.failedFuture(e);
    }
    result.onComplete(done -> onContext(() -> {
      inFlight--;
      if (cancelled) {
        return;
      }
      if (done.succeeded()) {
        ready.add(done.result());
      } else if (exceptionHandler != null) {
        exceptionHandler.handle(done.cause());
      }
      emit();
    }));
  }

  private void onInputFailure(Throwable failure) {
    if (cancelled) {
      return;
    }
    Handler<Throwable> h = exceptionHandler;
    cancel();
    if (h != null) {
      h.handle(failure);
    }
  }

  /** Asks the input for as many items as the window has room for. */
  private void topUp() {
    if (cancelled || inputEnded) {
      return;
    }
    long room = (long) window - inFlight - ready.size() - requested;
    if (room > 0) {
      requested += room;
      input.fetch(room);
    }
  }

  private void emit() {
    if (emitting) {
      again = true;
      return;
    }
    emitting = true;
    try {
      do {
        again = false;
        while (!cancelled && demand > 0 && !ready.isEmpty()) {
          O next = ready.poll();
          if (demand != Long.MAX_VALUE) {
            demand--;
          }
          Handler<O> h = handler;
          if (h != null) {
            h.handle(next);
          }
        }
        if (!cancelled && inputEnded && inFlight == 0 && ready.isEmpty() && !ended) {
          ended = true;
          Handler<Void> h = endHandler;
          if (h != null) {
            h.handle(null);
          }
          return;
        }
        // Input items may arrive (and even complete) synchronously inside fetch: loop until quiet.
        topUp();
      } while (again);
    } finally {
      emitting = false;
    }
  }

  private void onContext(Runnable action) {
    if (Vertx.currentContext() == context) {
      action.run();
    } else {
      context.runOnContext(v -> action.run());
    }
  }
}
