package com.linqapp.gateway.engine;

import com.linqapp.gateway.check.CheckRequest;
import com.linqapp.gateway.check.Service;
import java.util.List;

/**
 * What a {@link DispatchListener} may see of a flight: one question to Linq and the callers waiting for its
 * answer. The same object for the flight's whole life, so listeners may key their own state by it (on the
 * engine's event loop, where every event arrives).
 */
public interface FlightView {

  Service service();

  /** The callers waiting for the answer now, in the order they came (a copy). */
  List<CheckRequest> callers();

  /** Exchanges with Linq sent so far, the current one included. */
  int attempts();
}
