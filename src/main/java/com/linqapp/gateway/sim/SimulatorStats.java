package com.linqapp.gateway.sim;

import io.vertx.core.json.JsonObject;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Live counters of what the simulator received and answered. Written only by the simulator's event loop, readable
 * from any thread (every counter is atomic). Use {@link #toJson()} for a point-in-time copy.
 *
 * <p>Outcome counters: {@code answered} counts well-formed 200 answers (including slow ones); {@code clientError4xx}
 * counts 4xx other than 429; {@code serverError5xx} counts every 5xx including RCS sender-line faults, which are also
 * counted in {@code rcsLineFaults}.
 *
 * <p>Address counters only consider check requests that passed authentication and validation.
 */
public final class SimulatorStats {

  /** A request arriving within this long after a 429 is not counted as "inside the pause": it was already on its way. */
  public static final long PAUSE_GRACE_MILLIS = 100;
  /**
   * Nor one arriving within this long before the pause ends: a client counting whole milliseconds (the gateway
   * does) may resume up to a millisecond before the simulator's nanosecond clock says the pause is over.
   */
  public static final long PAUSE_END_TOLERANCE_MILLIS = 1;

  private final AtomicLong checkRequests = new AtomicLong();
  private final AtomicLong answered = new AtomicLong();
  private final AtomicLong rateLimited429 = new AtomicLong();
  private final AtomicLong clientError4xx = new AtomicLong();
  private final AtomicLong serverError5xx = new AtomicLong();
  private final AtomicLong resets = new AtomicLong();
  private final AtomicLong garbage = new AtomicLong();
  private final AtomicLong hangs = new AtomicLong();
  private final AtomicLong slow = new AtomicLong();
  private final AtomicLong rcsLineFaults = new AtomicLong();
  private final AtomicLong phoneNumbersRequests = new AtomicLong();
  private final AtomicLong inFlight = new AtomicLong();
  private final AtomicLong maxInFlight = new AtomicLong();
  private final AtomicLong requestsInsidePause = new AtomicLong();
  private final AtomicLong repeatedAddresses = new AtomicLong();
  private final ConcurrentHashMap<String, AtomicLong> perServiceAddress = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, AtomicLong> perAddress = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, AtomicLong> perLine = new ConcurrentHashMap<>();

  SimulatorStats() {
  }

  /** @return capability check requests received (any outcome, including auth failures) */
  public long checkRequests() {
    return checkRequests.get();
  }

  /** @return well-formed 200 answers to capability checks */
  public long answered() {
    return answered.get();
  }

  /** @return 429 responses sent */
  public long rateLimited429() {
    return rateLimited429.get();
  }

  /** @return 4xx responses other than 429 (on any route) */
  public long clientError4xx() {
    return clientError4xx.get();
  }

  /** @return 5xx responses (500 and 503) */
  public long serverError5xx() {
    return serverError5xx.get();
  }

  /** @return connections closed without a response */
  public long resets() {
    return resets.get();
  }

  /** @return 200 responses with a body that is not valid JSON */
  public long garbage() {
    return garbage.get();
  }

  /** @return requests deliberately left unanswered */
  public long hangs() {
    return hangs.get();
  }

  /** @return answers written byte by byte */
  public long slow() {
    return slow.get();
  }

  /** @return 503 RCS sender-line faults */
  public long rcsLineFaults() {
    return rcsLineFaults.get();
  }

  /** @return {@code GET phone_numbers} requests */
  public long phoneNumbersRequests() {
    return phoneNumbersRequests.get();
  }

  /** @return check requests currently between arrival and response end (or connection close) */
  public long inFlight() {
    return inFlight.get();
  }

  /** @return the highest {@link #inFlight()} observed since start or the last reset */
  public long maxInFlight() {
    return maxInFlight.get();
  }

  /**
   * @return check requests that arrived more than {@value #PAUSE_GRACE_MILLIS} ms after a 429 and more than
   *     {@value #PAUSE_END_TOLERANCE_MILLIS} ms before its Retry-After elapsed, within the same rate-limit scope
   */
  public long requestsInsidePause() {
    return requestsInsidePause.get();
  }

  /** @return distinct addresses seen (across both services) */
  public long distinctAddresses() {
    return perAddress.size();
  }

  /** @return check requests for a service+address pair that had already been requested */
  public long repeatedAddresses() {
    return repeatedAddresses.get();
  }

  /** @return check requests for {@code address}, both services together */
  public long requestsFor(String address) {
    AtomicLong n = perAddress.get(address);
    return n == null ? 0 : n.get();
  }

  /** @return check requests for {@code address} on one service ({@code "iMessage"} or {@code "RCS"}) */
  public long requestsFor(String service, String address) {
    AtomicLong n = perServiceAddress.get(Availability.canonicalService(service) + "|" + address);
    return n == null ? 0 : n.get();
  }

  /** @return check requests sent from sender line {@code line} (named in {@code from}, or picked round-robin) */
  public long requestsFrom(String line) {
    AtomicLong n = perLine.get(line);
    return n == null ? 0 : n.get();
  }

  /** @return a point-in-time copy of every counter (per-address counts are not included) */
  public JsonObject toJson() {
    return new JsonObject()
        .put("checkRequests", checkRequests())
        .put("answered", answered())
        .put("rateLimited429", rateLimited429())
        .put("clientError4xx", clientError4xx())
        .put("serverError5xx", serverError5xx())
        .put("resets", resets())
        .put("garbage", garbage())
        .put("hangs", hangs())
        .put("slow", slow())
        .put("rcsLineFaults", rcsLineFaults())
        .put("phoneNumbersRequests", phoneNumbersRequests())
        .put("inFlight", inFlight())
        .put("maxInFlight", maxInFlight())
        .put("requestsInsidePause", requestsInsidePause())
        .put("distinctAddresses", distinctAddresses())
        .put("repeatedAddresses", repeatedAddresses());
  }

  @Override
  public String toString() {
    return "SimulatorStats" + toJson().encode();
  }

  /** Zeroes every counter; the current in-flight count is real state and is kept (max restarts from it). */
  void clear() {
    for (AtomicLong c : new AtomicLong[] {checkRequests, answered, rateLimited429, clientError4xx, serverError5xx,
        resets, garbage, hangs, slow, rcsLineFaults, phoneNumbersRequests, requestsInsidePause, repeatedAddresses}) {
      c.set(0);
    }
    maxInFlight.set(inFlight.get());
    perServiceAddress.clear();
    perAddress.clear();
    perLine.clear();
  }

  void checkArrived() {
    checkRequests.incrementAndGet();
    long now = inFlight.incrementAndGet();
    maxInFlight.accumulateAndGet(now, Math::max);
  }

  void checkFinished() {
    inFlight.decrementAndGet();
  }

  void lineUsed(String line) {
    perLine.computeIfAbsent(line, k -> new AtomicLong()).incrementAndGet();
  }

  void addressSeen(String service, String address) {
    AtomicLong pair = perServiceAddress.computeIfAbsent(service + "|" + address, k -> new AtomicLong());
    if (pair.getAndIncrement() > 0) {
      repeatedAddresses.incrementAndGet();
    }
    perAddress.computeIfAbsent(address, k -> new AtomicLong()).incrementAndGet();
  }

  void countAnswered() {
    answered.incrementAndGet();
  }

  void countRateLimited() {
    rateLimited429.incrementAndGet();
  }

  void countClientError() {
    clientError4xx.incrementAndGet();
  }

  void countServerError() {
    serverError5xx.incrementAndGet();
  }

  void countReset() {
    resets.incrementAndGet();
  }

  void countGarbage() {
    garbage.incrementAndGet();
  }

  void countHang() {
    hangs.incrementAndGet();
  }

  void countSlow() {
    slow.incrementAndGet();
  }

  void countRcsLineFault() {
    rcsLineFaults.incrementAndGet();
  }

  void countInsidePause() {
    requestsInsidePause.incrementAndGet();
  }

  void countPhoneNumbers() {
    phoneNumbersRequests.incrementAndGet();
  }
}
