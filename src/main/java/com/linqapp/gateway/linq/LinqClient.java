package com.linqapp.gateway.linq;

import com.linqapp.gateway.check.Service;
import com.linqapp.gateway.linq.impl.HttpClientLinqClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.function.Supplier;

/**
 * Linq's Partner API v3, as far as the gateway uses it. Every call completes with a {@link LinqOutcome}
 * and never fails: resets, timeouts and bad bodies are outcomes too.
 */
public interface LinqClient {

  /** Header carrying the sending gateway's id; a gateway that receives its own id answers 508. */
  String HOP_HEADER = "X-Linq-Gateway-Hop";

  /** Creates a client over one Vert.x WebClient whose pool is sized to the concurrency limit. */
  static LinqClient create(Vertx vertx, LinqClientOptions options) {
    return new HttpClientLinqClient(vertx, new LinqClientOptions(options));
  }

  /**
   * {@code POST /v3/capability/check_imessage} or {@code check_rcs}.
   *
   * @param from          sender line, or {@code null}
   * @param timeoutMillis the check's deadline left: the whole exchange ends within it (and within
   *                      {@link LinqClientOptions#getRequestTimeoutMillis()}), as a timeout if Linq is slower
   */
  Future<LinqOutcome> check(Service service, String address, String from, long timeoutMillis);

  /**
   * {@link #check(Service, String, String, long)} that asks {@code departure} once a connection is there for the
   * request (it may first wait for one to open), and writes the request when the future it returns completes:
   * the engine holds it there while its budget is paused, and times it by when it leaves. The wait counts in
   * {@code timeoutMillis}: a request still held when that passes is never written, and its outcome is a timeout.
   */
  default Future<LinqOutcome> check(Service service, String address, String from, long timeoutMillis,
                                    Supplier<Future<Void>> departure) {
    return departure.get().compose(leave -> check(service, address, from, timeoutMillis));
  }

  /**
   * {@code GET /v3/phone_numbers}: proves the key works without spending check quota, and lists the
   * account's sender lines. Completes with {@link LinqOutcome.SenderLines} when the key is accepted.
   */
  Future<LinqOutcome> senderLines();

  Future<Void> close();
}
