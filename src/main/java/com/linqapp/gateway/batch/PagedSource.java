package com.linqapp.gateway.batch;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.streams.ReadStream;
import java.util.ArrayDeque;
import java.util.List;

/**
 * A {@link ReadStream} over items read a page at a time by an asynchronous {@link Reader} (a file parsed on a
 * worker thread, a job's lines in its store): only as many as the consumer asked for, at most
 * {@code maxRead} per page, one page at a time; a page shorter than asked for is the last. Handlers run
 * on {@code context}. {@link #finish()} ends the stream early.
 */
public final class PagedSource<T> implements ReadStream<T> {

  /** Most items asked of the reader at once, by default. */
  public static final int MAX_READ = 256;

  /** Reads the next page of at most {@code max} items; fewer than {@code max} means there are no more. */
  @FunctionalInterface
  public interface Reader<T> {
    Future<List<T>> read(int max);
  }

  private final Context context;
  private final Reader<T> reader;
  private final int maxRead;
  private final ArrayDeque<T> pending = new ArrayDeque<>();
  private long demand = Long.MAX_VALUE;
  private boolean reading;
  private boolean exhausted;
  private boolean finished;
  private boolean ended;
  private Handler<T> handler;
  private Handler<Void> endHandler;
  private Handler<Throwable> exceptionHandler;

  public PagedSource(Context context, Reader<T> reader) {
    this(context, reader, MAX_READ);
  }

  /** @param maxRead most items asked of the reader at once */
  public PagedSource(Context context, Reader<T> reader, int maxRead) {
    this.context = context;
    this.reader = reader;
    this.maxRead = maxRead;
  }

  /** Ends the stream early: no more pages are read, and items read but not emitted yet are dropped. */
  public void finish() {
    context.runOnContext(v -> {
      finished = true;
      exhausted = true;
      pending.clear();
      pump();
    });
  }

  @Override
  public PagedSource<T> handler(Handler<T> handler) {
    this.handler = handler;
    context.runOnContext(v -> pump());
    return this;
  }

  @Override
  public PagedSource<T> endHandler(Handler<Void> endHandler) {
    this.endHandler = endHandler;
    return this;
  }

  @Override
  public PagedSource<T> exceptionHandler(Handler<Throwable> handler) {
    this.exceptionHandler = handler;
    return this;
  }

  @Override
  public PagedSource<T> pause() {
    demand = 0;
    return this;
  }

  @Override
  public PagedSource<T> resume() {
    return fetch(Long.MAX_VALUE);
  }

  @Override
  public PagedSource<T> fetch(long amount) {
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
    if (pending.isEmpty() && exhausted && !reading) {
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
      int want = (int) Math.min(demand, maxRead);
      Future<List<T>> page;
      try {
        page = reader.read(want);
      } catch (RuntimeException e) {
        page = Future.failedFuture(e);
      }
      page.onComplete(read -> {
        reading = false;
        if (finished) {
          pump();
          return;
        }
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
