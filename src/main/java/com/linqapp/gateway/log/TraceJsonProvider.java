package com.linqapp.gateway.log;

import ch.qos.logback.classic.spi.ILoggingEvent;
import com.fasterxml.jackson.core.JsonGenerator;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import java.io.IOException;
import net.logstash.logback.composite.AbstractJsonProvider;
import org.slf4j.event.KeyValuePair;

/**
 * Adds {@code trace_id} and {@code span_id} to JSON log lines logged inside a traced request: from the current
 * OpenTelemetry context, which vertx-opentelemetry keeps in the Vert.x context (not a thread-local), as
 * {@link RequestTag} is. A line that names its request explicitly (a {@code request_id} key-value: the engine
 * logging about a check while serving another) is about that other request, so it gets no trace id. With
 * traces off nothing is current and the fields are absent.
 */
public class TraceJsonProvider extends AbstractJsonProvider<ILoggingEvent> {

  public static final String TRACE_ID = "trace_id";
  public static final String SPAN_ID = "span_id";

  @Override
  public void writeTo(JsonGenerator generator, ILoggingEvent event) throws IOException {
    if (aboutAnotherRequest(event)) {
      return;
    }
    SpanContext span = Span.current().getSpanContext();
    if (span.isValid()) {
      generator.writeStringField(TRACE_ID, span.getTraceId());
      generator.writeStringField(SPAN_ID, span.getSpanId());
    }
  }

  private static boolean aboutAnotherRequest(ILoggingEvent event) {
    if (event.getKeyValuePairs() != null) {
      for (KeyValuePair pair : event.getKeyValuePairs()) {
        if (RequestIdConverter.REQUEST_ID.equals(pair.key)) {
          return true;
        }
      }
    }
    return false;
  }
}
