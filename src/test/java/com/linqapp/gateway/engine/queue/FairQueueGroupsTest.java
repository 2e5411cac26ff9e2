package com.linqapp.gateway.engine.queue;

import static com.linqapp.gateway.check.Priority.BULK;
import static org.assertj.core.api.Assertions.assertThat;

import com.linqapp.gateway.check.Priority;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Groups within a client (durable jobs): round robin by client, then by group. */
class FairQueueGroupsTest {

  record Item(long seq, Priority lane, String client, String group) implements FairQueue.Entry {
  }

  private long nextSeq;

  private List<Item> fill(FairQueue<Item> queue, String client, String group, int count) {
    List<Item> items = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      Item item = new Item(nextSeq++, BULK, client, group);
      queue.add(item);
      items.add(item);
    }
    return items;
  }

  private static List<String> groupsOf(FairQueue<Item> queue, int polls) {
    List<String> order = new ArrayList<>();
    for (int i = 0; i < polls; i++) {
      Item item = queue.poll();
      order.add(item.client() + "/" + item.group());
    }
    return order;
  }

  @Test
  @DisplayName("a small job queued behind a big one of the same client is served at the next poll")
  void smallJobBehindBigJobGoesNext() {
    FairQueue<Item> queue = new FairQueue<>();
    fill(queue, "crm", "big", 1_000);
    queue.poll();
    fill(queue, "crm", "small", 3);
    assertThat(groupsOf(queue, 6)).containsExactly("crm/big", "crm/small", "crm/big", "crm/small", "crm/big",
        "crm/small");
    assertThat(queue.poll().group()).isEqualTo("big");
  }

  @Test
  @DisplayName("clients take turns first, then each client's groups take turns")
  void clientsThenGroups() {
    FairQueue<Item> queue = new FairQueue<>();
    fill(queue, "crm", "job-1", 10);
    fill(queue, "crm", "job-2", 10);
    fill(queue, "ads", null, 10);
    assertThat(groupsOf(queue, 6)).containsExactly("crm/job-1", "ads/null", "crm/job-2", "ads/null",
        "crm/job-1", "ads/null");
  }

  @Test
  @DisplayName("within a group, a requeued item goes back to its place")
  void requeuedItemKeepsItsPlaceInItsGroup() {
    FairQueue<Item> queue = new FairQueue<>();
    List<Item> job = fill(queue, "crm", "job-1", 3);
    Item first = queue.poll();
    queue.add(first);
    assertThat(queue.poll()).isEqualTo(first);
    assertThat(queue.remove(job.get(2))).isTrue();
    assertThat(queue.poll()).isEqualTo(job.get(1));
    assertThat(queue.isEmpty()).isTrue();
    assertThat(queue.snapshot()).isEmpty();
  }
}
