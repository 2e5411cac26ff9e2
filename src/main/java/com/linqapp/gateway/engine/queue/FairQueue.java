package com.linqapp.gateway.engine.queue;

import com.linqapp.gateway.check.Priority;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * The engine's queue of checks waiting to be sent: two lanes, and fair shares between clients.
 *
 * <h2>Order</h2>
 * <ul>
 *   <li><b>Lanes.</b> {@link Priority#INTERACTIVE} goes first, but while both lanes have work
 *       {@link Priority#BULK} gets at least {@code bulkMinShare} of the polls (a deterministic credit
 *       counter: with 0.2, every fifth contested poll is bulk). A lane alone gets every poll.</li>
 *   <li><b>Clients within a lane.</b> Weighted round robin over the clients with items waiting: the
 *       client at the head of the rotation sends up to its weight (default 1) items, then goes to
 *       the back. A client that had nothing waiting joins at the back.</li>
 *   <li><b>Groups within a client.</b> Round robin over the client's {@link Entry#group() groups} with
 *       items waiting, one item per turn (every item of a client without groups is in one group).</li>
 *   <li><b>Within a group.</b> By admission sequence: an item added again (a check requeued after a
 *       429 or a backoff) goes back to its original place among that group's items.</li>
 * </ul>
 *
 * <p>An entry's {@code seq}, {@code lane} and {@code client} must not change while it is queued;
 * {@code seq} is unique. {@code client} may be {@code null} (one anonymous client).
 *
 * <p>Confined to one event loop (the engine's): nothing here is thread-safe and nothing locks.
 *
 * @param <T> the queued items
 */
public final class FairQueue<T extends FairQueue.Entry> {

  /** What the queue needs to know about an item. */
  public interface Entry {
    /** Admission sequence: unique, increasing with admission order. */
    long seq();

    Priority lane();

    /** The client key's name, or {@code null}. */
    String client();

    /**
     * A second key within the client (a durable job's id): the client's groups take turns, one item each,
     * so a small job is not stuck behind a big one of the same client. {@code null}, the default, is the
     * client's ungrouped work, one group like any other.
     */
    default String group() {
      return null;
    }
  }

  /** Bulk's default minimum share of polls while interactive work is waiting too. */
  public static final double DEFAULT_BULK_MIN_SHARE = 0.2;

  /** Share arithmetic in millionths, so the counter is exact (no floating-point drift over time). */
  private static final long ONE = 1_000_000;

  private final Map<Priority, Lane<T>> lanes = new EnumMap<>(Priority.class);
  private final long bulkShare;
  private final Map<String, Integer> weights;
  private long bulkCredit;
  private int size;

  /** Default bulk share, every client weight 1. */
  public FairQueue() {
    this(DEFAULT_BULK_MIN_SHARE, Map.of());
  }

  /**
   * @param bulkMinShare fraction of polls, from 0 to 1, that go to bulk while both lanes have work
   * @param weights      client name to weight (at least 1); clients not listed weigh 1
   */
  public FairQueue(double bulkMinShare, Map<String, Integer> weights) {
    if (!(bulkMinShare >= 0 && bulkMinShare <= 1)) {
      throw new IllegalArgumentException("bulkMinShare must be from 0 to 1 (got " + bulkMinShare + ")");
    }
    weights.forEach((client, weight) -> {
      if (weight == null || weight < 1) {
        throw new IllegalArgumentException("weight of client '" + client + "' must be at least 1 (got " + weight + ")");
      }
    });
    this.bulkShare = Math.round(bulkMinShare * ONE);
    // A HashMap copy: Map.of()/Map.copyOf() throw on get(null), and the anonymous client is null.
    this.weights = new HashMap<>(weights);
    for (Priority lane : Priority.values()) {
      lanes.put(lane, new Lane<>());
    }
  }

  /**
   * Enqueues {@code item} at its place by {@code seq} among its client's items in its lane.
   *
   * @throws IllegalArgumentException when an item with the same {@code seq} is already queued
   */
  public void add(T item) {
    Lane<T> lane = lanes.get(item.lane());
    ClientQueue<T> client = lane.clients.get(item.client());
    if (client == null) {
      client = new ClientQueue<>(weights.getOrDefault(item.client(), 1));
      lane.clients.put(item.client(), client);
    }
    if (!client.add(item)) {
      throw new IllegalArgumentException("seq " + item.seq() + " is already queued");
    }
    lane.size++;
    size++;
  }

  /**
   * Removes {@code item} (equal and with the same {@code seq}) in O(log n).
   *
   * @return whether it was queued
   */
  public boolean remove(T item) {
    Lane<T> lane = lanes.get(item.lane());
    ClientQueue<T> client = lane.clients.get(item.client());
    if (client == null || !client.remove(item)) {
      return false;
    }
    if (client.isEmpty()) {
      lane.clients.remove(item.client());
    }
    lane.size--;
    size--;
    return true;
  }

  /** @return the item {@link #poll()} would return now, without taking it; {@code null} when empty */
  public T peek() {
    Lane<T> lane = nextLane();
    return lane == null ? null : lane.head().peek();
  }

  /** @return the next item to send, taken off the queue; {@code null} when empty */
  public T poll() {
    Lane<T> lane = nextLane();
    if (lane == null) {
      return null;
    }
    if (contested()) {
      bulkCredit += bulkShare;
      if (lane == lanes.get(Priority.BULK)) {
        bulkCredit -= ONE;
      }
    }
    Map.Entry<String, ClientQueue<T>> head = lane.clients.entrySet().iterator().next();
    ClientQueue<T> client = head.getValue();
    T item = client.poll();
    if (client.isEmpty()) {
      lane.clients.remove(head.getKey());
    } else if (--client.turnLeft == 0) {
      client.turnLeft = client.weight;
      lane.clients.remove(head.getKey());
      lane.clients.put(head.getKey(), client);
    }
    lane.size--;
    size--;
    return item;
  }

  private boolean contested() {
    return lanes.get(Priority.INTERACTIVE).size > 0 && lanes.get(Priority.BULK).size > 0;
  }

  /** The lane the next poll serves; must not change any state, since {@link #peek} uses it. */
  private Lane<T> nextLane() {
    Lane<T> interactive = lanes.get(Priority.INTERACTIVE);
    Lane<T> bulk = lanes.get(Priority.BULK);
    if (interactive.size == 0) {
      return bulk.size == 0 ? null : bulk;
    }
    if (bulk.size == 0) {
      return interactive;
    }
    return bulkCredit + bulkShare >= ONE ? bulk : interactive;
  }

  /**
   * Removes every item matching {@code filter}. The filter is applied to a snapshot, so it may
   * touch the queue, but it is cleanest for it only to decide: act on the returned items instead.
   *
   * @return the removed items, in admission order
   */
  public List<T> removeIf(Predicate<? super T> filter) {
    List<T> removed = new ArrayList<>();
    for (T item : snapshot()) {
      if (filter.test(item) && remove(item)) {
        removed.add(item);
      }
    }
    return removed;
  }

  /** @return a copy of every queued item in admission ({@code seq}) order, safe to act on while changing the queue */
  public List<T> snapshot() {
    List<T> all = new ArrayList<>(size);
    for (Lane<T> lane : lanes.values()) {
      for (ClientQueue<T> client : lane.clients.values()) {
        client.groups.values().forEach(group -> all.addAll(group.values()));
      }
    }
    all.sort(Comparator.comparingLong(Entry::seq));
    return all;
  }

  public int size() {
    return size;
  }

  public int size(Priority lane) {
    return lanes.get(Objects.requireNonNull(lane, "lane")).size;
  }

  public boolean isEmpty() {
    return size == 0;
  }

  /** One lane: its clients with items waiting, in rotation order (the head's turn is now). */
  private static final class Lane<T extends Entry> {
    // Insertion-ordered, so it is the rotation itself: O(1) head, move-to-back and removal by name.
    final LinkedHashMap<String, ClientQueue<T>> clients = new LinkedHashMap<>();
    int size;

    ClientQueue<T> head() {
      return clients.values().iterator().next();
    }
  }

  /** One client's items: its groups in rotation order (the head's turn is now), each by admission sequence. */
  private static final class ClientQueue<T extends Entry> {
    // A HashMap underneath: the ungrouped work's key is null.
    final LinkedHashMap<String, TreeMap<Long, T>> groups = new LinkedHashMap<>();
    final int weight;
    /** Items this client may still send before its turn passes. */
    int turnLeft;

    ClientQueue(int weight) {
      this.weight = weight;
      this.turnLeft = weight;
    }

    boolean add(T item) {
      return groups.computeIfAbsent(item.group(), key -> new TreeMap<>()).putIfAbsent(item.seq(), item) == null;
    }

    boolean remove(T item) {
      TreeMap<Long, T> group = groups.get(item.group());
      if (group == null || !group.remove(item.seq(), item)) {
        return false;
      }
      if (group.isEmpty()) {
        groups.remove(item.group());
      }
      return true;
    }

    T peek() {
      return groups.values().iterator().next().firstEntry().getValue();
    }

    /** Takes the head group's first item; the group goes to the back of the rotation. */
    T poll() {
      Map.Entry<String, TreeMap<Long, T>> head = groups.entrySet().iterator().next();
      T item = head.getValue().pollFirstEntry().getValue();
      groups.remove(head.getKey());
      if (!head.getValue().isEmpty()) {
        groups.put(head.getKey(), head.getValue());
      }
      return item;
    }

    boolean isEmpty() {
      return groups.isEmpty();
    }
  }
}
