package com.linqapp.gateway.batch;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;
import java.util.ArrayDeque;

/**
 * Splits a byte stream into NDJSON lines (LF or CRLF), skipping blank lines, with backpressure: the
 * source is read only while the consumer has demand. A line longer than {@code maxLineBytes} is not kept
 * in memory: its bytes are dropped up to the next newline and it is emitted as a {@link Line#tooLong()}
 * marker, so the caller can answer an item error for it and keep going.
 *
 * <p>Not thread-safe: use it on the source's context.
 */
public final class NdjsonLines implements ReadStream<NdjsonLines.Line> {

  /** Longest line kept by default. */
  public static final int DEFAULT_MAX_LINE_BYTES = 8 * 1024;

  /** A non-blank line without its line terminator, or the marker of a line over the limit. */
  public record Line(Buffer text, boolean tooLong) {
  }

  private final ReadStream<Buffer> source;
  private final int maxLineBytes;
  private final ArrayDeque<Line> pending = new ArrayDeque<>();
  private Buffer current = Buffer.buffer();
  private boolean overflow;
  private long demand = Long.MAX_VALUE;
  private boolean sourceEnded;
  private boolean ended;
  private boolean sourcePaused;
  private boolean emitting;
  private Handler<Line> handler;
  private Handler<Void> endHandler;
  private Handler<Throwable> exceptionHandler;

  public NdjsonLines(ReadStream<Buffer> source, int maxLineBytes) {
    this.source = source;
    this.maxLineBytes = maxLineBytes;
  }

  @Override
  public NdjsonLines handler(Handler<Line> handler) {
    this.handler = handler;
    if (handler == null) {
      source.handler(null);
      return this;
    }
    // The source may be flowing or paused (a router pauses requests): take control of it.
    source.pause();
    sourcePaused = true;
    source.handler(this::onChunk);
    source.endHandler(v -> {
      finishLine();
      sourceEnded = true;
      emit();
    });
    source.exceptionHandler(e -> {
      if (exceptionHandler != null) {
        exceptionHandler.handle(e);
      }
    });
    emit();
    return this;
  }

  @Override
  public NdjsonLines exceptionHandler(Handler<Throwable> handler) {
    this.exceptionHandler = handler;
    return this;
  }

  @Override
  public NdjsonLines endHandler(Handler<Void> endHandler) {
    this.endHandler = endHandler;
    return this;
  }

  @Override
  public NdjsonLines pause() {
    demand = 0;
    return this;
  }

  @Override
  public NdjsonLines resume() {
    return fetch(Long.MAX_VALUE);
  }

  @Override
  public NdjsonLines fetch(long amount) {
    if (amount > 0) {
      demand = demand + amount < 0 ? Long.MAX_VALUE : demand + amount;
      emit();
    }
    return this;
  }

  private void onChunk(Buffer chunk) {
    int start = 0;
    int length = chunk.length();
    for (int i = 0; i < length; i++) {
      if (chunk.getByte(i) == '\n') {
        append(chunk, start, i);
        finishLine();
        start = i + 1;
      }
    }
    append(chunk, start, length);
    emit();
  }

  private void append(Buffer chunk, int from, int to) {
    if (overflow || from >= to) {
      return;
    }
    if (current.length() + (to - from) > maxLineBytes + 1) { // +1: a CR before the LF does not count
      overflow = true;
      current = Buffer.buffer();
      return;
    }
    current.appendBuffer(chunk, from, to - from);
  }

  private void finishLine() {
    if (overflow) {
      pending.add(new Line(null, true));
    } else {
      int end = current.length();
      if (end > 0 && current.getByte(end - 1) == '\r') {
        end--;
      }
      if (end > maxLineBytes) {
        pending.add(new Line(null, true));
      } else if (!blank(current, end)) {
        pending.add(new Line(current.slice(0, end).copy(), false));
      }
    }
    overflow = false;
    current = Buffer.buffer();
  }

  private static boolean blank(Buffer line, int end) {
    for (int i = 0; i < end; i++) {
      byte b = line.getByte(i);
      if (b != ' ' && b != '\t' && b != '\r') {
        return false;
      }
    }
    return true;
  }

  private void emit() {
    if (emitting) {
      return;
    }
    emitting = true;
    try {
      while (demand > 0 && !pending.isEmpty() && handler != null) {
        if (demand != Long.MAX_VALUE) {
          demand--;
        }
        handler.handle(pending.poll());
      }
    } finally {
      emitting = false;
    }
    if (pending.isEmpty() && sourceEnded && !ended) {
      ended = true;
      if (endHandler != null) {
        endHandler.handle(null);
      }
      return;
    }
    // Read more only when every line already split has been taken.
    boolean wantMore = pending.isEmpty() && demand > 0 && !sourceEnded;
    if (wantMore && sourcePaused) {
      sourcePaused = false;
      source.resume();
    } else if (!wantMore && !sourcePaused && !sourceEnded) {
      sourcePaused = true;
      source.pause();
    }
  }
}
