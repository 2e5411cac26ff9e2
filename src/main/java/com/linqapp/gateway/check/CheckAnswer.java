package com.linqapp.gateway.check;

import io.vertx.core.json.JsonObject;

/**
 * Linq's answer to a check, with Linq's optional fields exactly when Linq sent them.
 *
 * @param address         the address as the caller sent it (or its normalized E.164 form)
 * @param available       whether the recipient supports the service
 * @param reason          Linq's optional {@code reason}, or {@code null}
 * @param selectedService Linq's optional {@code selected_service}, or {@code null}
 */
public record CheckAnswer(String address, boolean available, String reason, String selectedService) {

  /** The Linq-compatible body: {@code address}, {@code available} and Linq's optional fields, nothing else. */
  public JsonObject toLinqJson() {
    JsonObject json = new JsonObject().put("address", address).put("available", available);
    if (reason != null) {
      json.put("reason", reason);
    }
    if (selectedService != null) {
      json.put("selected_service", selectedService);
    }
    return json;
  }

  /** The same answer for another spelling of the address (the caller's). */
  public CheckAnswer withAddress(String callerAddress) {
    return callerAddress.equals(address) ? this : new CheckAnswer(callerAddress, available, reason, selectedService);
  }
}
