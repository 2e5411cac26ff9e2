package com.linqapp.gateway.jobs;

/** The store was closed (the gateway is stopping): nothing more can be read or written through it. */
public final class StoreClosedException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  public StoreClosedException() {
    super("the job store is closed", null, false, false);
  }
}
