package com.linqapp.gateway.bus;

/** Event-bus addresses and header names of the gateway. */
public final class CapabilityBus {

  /** Request/reply capability checks; JSON bodies, failures carry the HTTP status as failure code. */
  public static final String CHECK = "capability.check";
  /**
   * Published {@code {"request_id": …}}: the caller of that request went away; every engine withdraws its
   * checks that have not been sent yet (in flight ones still fill the cache).
   */
  public static final String CANCEL = "capability.cancel";
  /** Engine status for health and readiness (local only); a JSON object with the {@code STATUS_*} fields. */
  public static final String ENGINE_STATUS = "gateway.engine.status";
  /** Status field: whether Linq accepts the gateway's key. */
  public static final String STATUS_CREDENTIALS_OK = "credentialsOk";
  /** Status field: whether the engine drains (shutting down). */
  public static final String STATUS_DRAINING = "draining";
  /** Status field: whether the node is going away (SIGTERM): not ready, still serving until it drains. */
  public static final String STATUS_SHUTTING_DOWN = "shuttingDown";
  /**
   * Status field, in a cluster only: {@code {"active", "members", "gateways", "owner", "owns"}} (the owner is
   * the address of the gateway that sends to Linq for the cluster; {@code owns}, whether it is this one).
   */
  public static final String STATUS_CLUSTER = "cluster";

  /**
   * Where an engine takes checks and their cancellations: {@link #PUBLIC} for any application, or a
   * cluster's dispatch endpoint for checks forwarded between gateways.
   *
   * @param checks  request/reply checks, the {@code capability.check} format
   * @param cancels {@code {"request_id": …}}: withdraw that request's checks not sent yet
   */
  public record Endpoint(String checks, String cancels) {
  }

  /** {@link #CHECK} and {@link #CANCEL}. */
  public static final Endpoint PUBLIC = new Endpoint(CHECK, CANCEL);

  /** Message header carrying the request id. */
  public static final String REQUEST_ID_HEADER = "x-request-id";
  /** Message header carrying the client name (set by the gateway's own adapters). */
  public static final String CLIENT_HEADER = "x-client";
  /**
   * Message header carrying a fairness group within the client (a durable job's id, set by the job runner):
   * the engine's bulk queue takes turns between a client's groups.
   */
  public static final String GROUP_HEADER = "x-group";
  /** Reply header: {@code miss|hit|coalesced|stale}, for the HTTP adapter's {@code X-Cache}. */
  public static final String CACHE_HEADER = "x-cache";

  private CapabilityBus() {
  }
}
