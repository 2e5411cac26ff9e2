package com.linqapp.gateway.batch;

import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.streams.ReadStream;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * A {@link ReadStream} over a blocking {@link Iterator} (a file being parsed): items are read on a worker
 * thread, never on the event loop, and only as many as the consumer asked for, a few hundred at a time.
 * Handlers run on {@code context}.
 */
public final class BlockingSource<T> implements ReadStream<T> {

  private static final int MAX_READ = 256;

  private final Context context;
  private final Iterator<T> items;
  private final ArrayDeque<T> pending = new ArrayDeque<>();
  private long demand = Long.MAX_VALUE;
  private boolean reading;
  private boolean exhausted;
  private boolean ended;
  private Handler<T> handler;
  private Handler<Void> endHandler;
  private Handler<Throwable> exceptionHandler;

  public BlockingSource(Context context, Iterator<T> items) {
    this.context = context;
    this.items = items;
  }

  @Override
  public BlockingSource<T> handler(Handler<T> handler) {
    this.handler = handler;
    context.runOnContext(v -> pump());
    return this;
  }

  @Override
  public BlockingSource<T> endHandler(Handler<Void> endHandler) {
    this.endHandler = endHandler;
    return this;
  }

  @Override
  public BlockingSource<T> exceptionHandler(Handler<Throwable> handler) {
    this.exceptionHandler = handler;
    return this;
  }

  @Override
  public BlockingSource<T> pause() {
    demand = 0;
    return this;
  }

  @Override
  public BlockingSource<T> resume() {
    return fetch(Long.MAX_VALUE);
  }

  @Override
  public BlockingSource<T> fetch(long amount) {
    if (amount > 0) {
      demand = demand + amount < 0 ? Long.MAX_VALUE : demand + amount;
      context.runOnContext(v -> pump());
    }
    return this;
  }

  private void pump() {
    while (demand > 0 && !pending.isEmpty() && handler != null) {
      if (demand != Long.MAX_VALUE) {
        demand--;
      }
      handler.handle(pending.poll());
    }
    if (pending.isEmpty() && exhausted) {
      if (!ended) {
        ended = true;
        if (endHandler != null) {
          endHandler.handle(null);
        }
      }
      return;
    }
    if (pending.isEmpty() && demand > 0 && handler != null && !reading) {
      reading = true;
      int want = (int) Math.min(demand, MAX_READ);
      context.<List<T>>executeBlocking(() -> {
        List<T> batch = new ArrayList<>(want);
        while (batch.size() < want && items.hasNext()) {
          batch.add(items.next());
        }
        return batch;
      }, true).onComplete(read -> {
        reading = false;
        if (read.failed()) {
          exhausted = true;
          ended = true;
          if (exceptionHandler != null) {
            exceptionHandler.handle(read.cause());
          }
          return;
        }
        pending.addAll(read.result());
        if (read.result().size() < want) {
          exhausted = true;
        }
        pump();
      });
    }
  }
}
