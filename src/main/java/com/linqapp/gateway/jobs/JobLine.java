package com.linqapp.gateway.jobs;

/**
 * One stored input line: the batch route's request object as text, 0-based {@code index} among the
 * non-blank input lines.
 *
 * @param text the line (not necessarily valid JSON: a bad line is answered as an item error), or
 *             {@code null} when the line was longer than the line limit and was not kept
 */
public record JobLine(long index, String text) {

  public static JobLine tooLong(long index) {
    return new JobLine(index, null);
  }

  public boolean tooLong() {
    return text == null;
  }
}
