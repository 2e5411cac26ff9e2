package com.linqapp.gateway.engine.queue;

import static com.linqapp.gateway.check.Priority.BULK;
import static com.linqapp.gateway.check.Priority.INTERACTIVE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.linqapp.gateway.check.Priority;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class FairQueueTest {

  record Item(long seq, Priority lane, String client) implements FairQueue.Entry {
  }

  private long nextSeq;

  private Item item(Priority lane, String client) {
    return new Item(nextSeq++, lane, client);
  }

  private List<Item> fill(FairQueue<Item> queue, Priority lane, String client, int count) {
    List<Item> items = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      Item item = item(lane, client);
      queue.add(item);
      items.add(item);
    }
    return items;
  }

  private static List<Item> drain(FairQueue<Item> queue, int count) {
    List<Item> polled = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      polled.add(queue.poll());
    }
    return polled;
  }

  @Test
  @DisplayName("one client's checks leave in admission order")
  void fifoWithinOneClient() {
    FairQueue<Item> queue = new FairQueue<>();
    List<Item> items = fill(queue, INTERACTIVE, "crm", 5);

    assertThat(drain(queue, 5)).containsExactlyElementsOf(items);
    assertThat(queue.poll()).isNull();
    assertThat(queue.peek()).isNull();
  }

  @Test
  @DisplayName("a check requeued after a 429 goes back to its original place, not to the end")
  void requeuedItemKeepsItsPlace() {
    FairQueue<Item> queue = new FairQueue<>();
    List<Item> items = fill(queue, INTERACTIVE, "crm", 4);
    Item first = queue.poll();
    Item second = queue.poll();

    queue.add(second);
    queue.add(first);

    assertThat(drain(queue, 4)).containsExactlyElementsOf(items);
  }

  @Test
  @DisplayName("an item with a seq already queued is refused rather than silently replacing it")
  void duplicateSeqRefused() {
    FairQueue<Item> queue = new FairQueue<>();
    Item item = item(INTERACTIVE, "crm");
    queue.add(item);

    assertThatThrownBy(() -> queue.add(item)).isInstanceOf(IllegalArgumentException.class);
    assertThat(queue.size()).isEqualTo(1);
  }

  @Test
  @DisplayName("interactive checks overtake bulk checks admitted before them")
  void interactiveBeforeBulk() {
    FairQueue<Item> queue = new FairQueue<>();
    fill(queue, BULK, "etl", 3);
    List<Item> interactive = fill(queue, INTERACTIVE, "crm", 3);

    assertThat(drain(queue, 3)).containsExactlyElementsOf(interactive);
    assertThat(queue.poll().lane()).isEqualTo(BULK);
  }

  @Test
  @DisplayName("bulk is not starved by saturated interactive traffic: it gets at least 20% of 1000 polls")
  void bulkKeepsMinimumShare() {
    FairQueue<Item> queue = new FairQueue<>();
    fill(queue, INTERACTIVE, "crm", 2_000);
    fill(queue, BULK, "etl", 2_000);

    long bulk = drain(queue, 1_000).stream().filter(i -> i.lane() == BULK).count();

    assertThat(bulk).isGreaterThanOrEqualTo(200).isLessThanOrEqualTo(201);
  }

  @Test
  @DisplayName("bulk's share is spread out, not paid in a burst: one bulk poll in every five")
  void bulkShareIsSpread() {
    FairQueue<Item> queue = new FairQueue<>();
    fill(queue, INTERACTIVE, "crm", 100);
    fill(queue, BULK, "etl", 100);

    List<Priority> lanes = drain(queue, 10).stream().map(Item::lane).toList();

    assertThat(lanes).containsExactly(INTERACTIVE, INTERACTIVE, INTERACTIVE, INTERACTIVE, BULK,
        INTERACTIVE, INTERACTIVE, INTERACTIVE, INTERACTIVE, BULK);
  }

  @Test
  @DisplayName("a lane alone gets every poll, whatever the share")
  void laneAloneGetsEverything() {
    FairQueue<Item> bulkOnly = new FairQueue<>();
    fill(bulkOnly, BULK, "etl", 1_000);
    assertThat(drain(bulkOnly, 1_000)).allMatch(i -> i.lane() == BULK);

    FairQueue<Item> interactiveOnly = new FairQueue<>(1.0, Map.of());
    fill(interactiveOnly, INTERACTIVE, "crm", 10);
    assertThat(drain(interactiveOnly, 10)).allMatch(i -> i.lane() == INTERACTIVE);
  }

  @Test
  @DisplayName("a share of 0 makes bulk wait for interactive, and a share of 1 makes interactive wait for bulk")
  void extremeShares() {
    FairQueue<Item> zero = new FairQueue<>(0, Map.of());
    fill(zero, BULK, "etl", 5);
    fill(zero, INTERACTIVE, "crm", 5);
    assertThat(drain(zero, 5)).allMatch(i -> i.lane() == INTERACTIVE);

    FairQueue<Item> one = new FairQueue<>(1, Map.of());
    fill(one, BULK, "etl", 5);
    fill(one, INTERACTIVE, "crm", 5);
    assertThat(drain(one, 5)).allMatch(i -> i.lane() == BULK);
  }

  @Test
  @DisplayName("a share outside 0..1 or a weight below 1 is refused")
  void invalidSettingsRefused() {
    assertThatThrownBy(() -> new FairQueue<Item>(1.5, Map.of())).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new FairQueue<Item>(Double.NaN, Map.of())).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new FairQueue<Item>(0.2, Map.of("crm", 0)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("crm");
  }

  @Test
  @DisplayName("a client with 1000 queued checks does not starve one with 3: the small one is done within 6 polls")
  void roundRobinBetweenClients() {
    FairQueue<Item> queue = new FairQueue<>();
    fill(queue, BULK, "etl", 1_000);
    List<Item> small = fill(queue, BULK, "crm", 3);

    List<Item> first6 = drain(queue, 6);

    assertThat(first6).containsAll(small);
    assertThat(first6).extracting(Item::client).containsExactly("etl", "crm", "etl", "crm", "etl", "crm");
    assertThat(queue.size()).isEqualTo(997);
  }

  @Test
  @DisplayName("a client that had nothing waiting joins the back of the rotation, not the front")
  void newClientJoinsAtTheBack() {
    FairQueue<Item> queue = new FairQueue<>();
    fill(queue, INTERACTIVE, "a", 3);
    fill(queue, INTERACTIVE, "b", 3);
    assertThat(queue.poll().client()).isEqualTo("a");
    fill(queue, INTERACTIVE, "c", 3);

    assertThat(drain(queue, 5)).extracting(Item::client).containsExactly("b", "a", "c", "b", "a");
  }

  @Test
  @DisplayName("weights give a client that many checks per turn; unlisted and anonymous clients weigh 1")
  void weightedRoundRobin() {
    FairQueue<Item> queue = new FairQueue<>(0.2, Map.of("big", 3));
    fill(queue, INTERACTIVE, "big", 100);
    fill(queue, INTERACTIVE, "small", 100);
    fill(queue, INTERACTIVE, null, 100);

    assertThat(drain(queue, 10)).extracting(Item::client)
        .containsExactly("big", "big", "big", "small", null, "big", "big", "big", "small", null);
  }

  @Test
  @DisplayName("peek shows exactly what poll returns next, lane share and rotation included")
  void peekAgreesWithPoll() {
    FairQueue<Item> queue = new FairQueue<>(0.3, Map.of("b", 2));
    fill(queue, INTERACTIVE, "a", 50);
    fill(queue, INTERACTIVE, "b", 50);
    fill(queue, BULK, "c", 30);
    fill(queue, BULK, "d", 30);

    while (!queue.isEmpty()) {
      Item peeked = queue.peek();
      assertThat(queue.peek()).isSameAs(peeked);
      assertThat(queue.poll()).isSameAs(peeked);
    }
  }

  @Test
  @DisplayName("removing the client whose turn it is passes the turn on without losing anyone")
  void removeKeepsRotationConsistent() {
    FairQueue<Item> queue = new FairQueue<>();
    List<Item> a = fill(queue, INTERACTIVE, "a", 1);
    List<Item> b = fill(queue, INTERACTIVE, "b", 2);
    List<Item> c = fill(queue, INTERACTIVE, "c", 2);

    assertThat(queue.remove(a.get(0))).isTrue();
    assertThat(queue.remove(a.get(0))).isFalse();
    assertThat(queue.remove(b.get(0))).isTrue();

    assertThat(queue.peek()).isSameAs(b.get(1));
    assertThat(drain(queue, 3)).containsExactly(b.get(1), c.get(0), c.get(1));
    assertThat(queue.isEmpty()).isTrue();
    assertThat(queue.remove(c.get(0))).isFalse();
  }

  @Test
  @DisplayName("removeIf answers early exactly the matching checks and the rest keep their rotation")
  void removeIfKeepsRotationConsistent() {
    FairQueue<Item> queue = new FairQueue<>();
    List<Item> a = fill(queue, BULK, "a", 3);
    List<Item> b = fill(queue, BULK, "b", 3);
    List<Item> c = fill(queue, INTERACTIVE, "c", 2);

    List<Item> removed = queue.removeIf(i -> i.client().equals("a") || i.seq() == b.get(1).seq() || i.lane() == INTERACTIVE);

    assertThat(removed).containsExactly(a.get(0), a.get(1), a.get(2), b.get(1), c.get(0), c.get(1));
    assertThat(queue.size()).isEqualTo(2);
    assertThat(queue.size(INTERACTIVE)).isZero();
    assertThat(drain(queue, 2)).containsExactly(b.get(0), b.get(2));
    assertThat(queue.poll()).isNull();
  }

  @Test
  @DisplayName("removeIf tolerates a filter that changes the queue (a callback re-entering it)")
  void removeIfToleratesReentry() {
    FairQueue<Item> queue = new FairQueue<>();
    List<Item> a = fill(queue, BULK, "a", 3);

    List<Item> removed = queue.removeIf(i -> {
      if (i == a.get(0)) {
        queue.remove(a.get(1));
        queue.add(item(BULK, "z"));
      }
      return i != a.get(2);
    });

    assertThat(removed).containsExactly(a.get(0));
    assertThat(queue.snapshot()).extracting(Item::client).containsExactly("a", "z");
  }

  @Test
  @DisplayName("sizes per lane and in total follow adds, polls and removals")
  void sizeAccounting() {
    FairQueue<Item> queue = new FairQueue<>();
    assertThat(queue.isEmpty()).isTrue();
    List<Item> bulk = fill(queue, BULK, "etl", 4);
    fill(queue, INTERACTIVE, "crm", 3);
    assertThat(queue.size()).isEqualTo(7);
    assertThat(queue.size(BULK)).isEqualTo(4);
    assertThat(queue.size(INTERACTIVE)).isEqualTo(3);

    queue.poll();
    queue.remove(bulk.get(3));
    queue.removeIf(i -> i.seq() == bulk.get(0).seq());

    assertThat(queue.size()).isEqualTo(4);
    assertThat(queue.size(BULK)).isEqualTo(2);
    assertThat(queue.size(INTERACTIVE)).isEqualTo(2);
    assertThat(queue.snapshot()).hasSize(4).isSortedAccordingTo((x, y) -> Long.compare(x.seq(), y.seq()));
    assertThat(queue.isEmpty()).isFalse();
  }
}
