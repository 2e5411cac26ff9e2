package com.linqapp.gateway.check;

/** What makes two checks the same question to Linq: service, address and explicit sender line. */
public record CheckKey(Service service, String address, String from) {
}
