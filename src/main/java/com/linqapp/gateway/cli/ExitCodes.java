package com.linqapp.gateway.cli;

/** The contract's exit codes. */
final class ExitCodes {
  /** Every address or row answered (item errors are answers). */
  static final int OK = 0;
  /** Could not finish: interrupted, or Linq unusable (e.g. it rejects the key). */
  static final int FAILED = 1;
  /** Bad usage or configuration. */
  static final int USAGE = 2;

  private ExitCodes() {
  }
}
