package com.linqapp.gateway.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.concurrent.ThreadLocalRandom;

/** Ports for servers a test starts: never a fixed one, which another build on the machine may hold. */
public final class Ports {

  /**
   * Below Linux's ephemeral range (32768-60999), where the kernel never picks a port by itself: the port
   * found free stays free until the server binds it, even while other processes open connections.
   */
  private static final int FIRST = 20_000;
  private static final int LAST = 32_767;

  private Ports() {
  }

  /** A port free right now (a gateway's HTTP verticles must share one known port, so 0 will not do). */
  public static int free() {
    for (int attempt = 0; attempt < 100; attempt++) {
      int port = ThreadLocalRandom.current().nextInt(FIRST, LAST + 1);
      if (bindable(port)) {
        return port;
      }
    }
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static boolean bindable(int port) {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(true);
      socket.bind(new InetSocketAddress(port));
      return true;
    } catch (IOException taken) {
      return false;
    }
  }
}
