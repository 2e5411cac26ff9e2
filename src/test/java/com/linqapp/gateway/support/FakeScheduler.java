package com.linqapp.gateway.support;

import com.linqapp.gateway.engine.Scheduler;
import java.util.Map;
import java.util.TreeMap;

/** Virtual time: timers run only when a test advances the clock, in due order. */
public final class FakeScheduler implements Scheduler {

  private record Key(long at, long id) implements Comparable<Key> {
    @Override
    public int compareTo(Key other) {
      return at != other.at ? Long.compare(at, other.at) : Long.compare(id, other.id);
    }
  }

  private final TreeMap<Key, Runnable> timers = new TreeMap<>();
  private final Map<Long, Key> keys = new java.util.HashMap<>();
  private long now;
  private long nextId;

  @Override
  public long now() {
    return now;
  }

  @Override
  public long schedule(long delayMillis, Runnable task) {
    long id = nextId++;
    Key key = new Key(now + Math.max(1, delayMillis), id);
    timers.put(key, task);
    keys.put(id, key);
    return id;
  }

  @Override
  public void cancel(long timerId) {
    Key key = keys.remove(timerId);
    if (key != null) {
      timers.remove(key);
    }
  }

  /** Moves the clock forward, running every timer that falls due on the way. */
  public void advance(long millis) {
    long target = now + millis;
    while (!timers.isEmpty() && timers.firstKey().at <= target) {
      Map.Entry<Key, Runnable> next = timers.pollFirstEntry();
      keys.remove(next.getKey().id);
      now = next.getKey().at;
      next.getValue().run();
    }
    now = target;
  }

  public int pendingTimers() {
    return timers.size();
  }
}
