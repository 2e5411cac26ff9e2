package com.linqapp.gateway.jobs;

import io.vertx.core.json.JsonObject;
import java.util.Objects;

/**
 * The final answer to one input line: the batch route's answer line ({@code {"index","address","service",
 * "available",...}} or {@code {"index","address","service","error":{...}}}), never a transient failure.
 */
public record JobAnswer(long index, JsonObject line) {

  public JobAnswer {
    Objects.requireNonNull(line, "line");
  }

  /** The line, whose {@code index} field is the input line's. */
  public static JobAnswer of(JsonObject line) {
    return new JobAnswer(line.getLong("index"), line);
  }

  public boolean error() {
    return line.getValue("error") != null;
  }

  public boolean available() {
    return !error() && Boolean.TRUE.equals(line.getBoolean("available"));
  }
}
