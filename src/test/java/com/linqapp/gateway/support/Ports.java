package com.linqapp.gateway.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;

/** Ports for servers a test starts: never a fixed one, which another build on the machine may hold. */
public final class Ports {

  private Ports() {
  }

  /** A loopback port free right now (a gateway's HTTP verticles must share one known port, so 0 will not do). */
  public static int free() {
    try (ServerSocket socket = new ServerSocket(0)) {
      socket.setReuseAddress(true);
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
