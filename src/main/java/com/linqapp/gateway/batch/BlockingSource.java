package com.linqapp.gateway.batch;

import io.vertx.core.Context;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * A {@link PagedSource} over a blocking {@link Iterator} (a file being parsed): items are read on a worker
 * thread, never on the event loop, and only as many as the consumer asked for, a few hundred at a time.
 */
public final class BlockingSource {

  private BlockingSource() {
  }

  /** Handlers run on {@code context}; the iterator is read on its worker threads, one page at a time. */
  public static <T> PagedSource<T> of(Context context, Iterator<T> items) {
    return new PagedSource<>(context, max -> context.executeBlocking(() -> {
      List<T> page = new ArrayList<>(max);
      while (page.size() < max && items.hasNext()) {
        page.add(items.next());
      }
      return page;
    }, true));
  }
}
