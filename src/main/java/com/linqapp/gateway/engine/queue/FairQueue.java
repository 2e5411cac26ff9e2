package com.linqapp.gateway.engine.queue;

import com.linqapp.gateway.check.Priority;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.function.Predicate;

/** Placeholder until the lanes work lands: one queue ordered by admission sequence. */
public final class FairQueue<T extends FairQueue.Entry> {

  /** What the queue needs to know of an item. */
  public interface Entry {
    long seq();

    Priority lane();

    String client();
  }

  private final TreeMap<Long, T> items = new TreeMap<>();

  public FairQueue(double bulkMinShare) {
  }

  public void add(T item) {
    items.put(item.seq(), item);
  }

  public boolean remove(T item) {
    return items.remove(item.seq()) != null;
  }

  public T poll() {
    var first = items.pollFirstEntry();
    return first == null ? null : first.getValue();
  }

  public int size() {
    return items.size();
  }

  public int size(Priority lane) {
    return (int) items.values().stream().filter(i -> i.lane() == lane).count();
  }

  public boolean isEmpty() {
    return items.isEmpty();
  }

  public void removeIf(Predicate<T> test) {
    items.values().removeIf(test);
  }

  public List<T> snapshot() {
    return new ArrayList<>(items.values());
  }
}
