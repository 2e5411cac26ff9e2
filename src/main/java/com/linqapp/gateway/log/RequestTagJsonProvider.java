package com.linqapp.gateway.log;

import ch.qos.logback.classic.spi.ILoggingEvent;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import net.logstash.logback.composite.AbstractJsonProvider;

/**
 * Adds {@code request_id} and {@code client} to JSON log lines, from the same sources as the text
 * pattern's {@code %requestId} / {@code %client}: the event's own key-values, else the Vert.x
 * context's {@link RequestTag}.
 */
public class RequestTagJsonProvider extends AbstractJsonProvider<ILoggingEvent> {

  @Override
  public void writeTo(JsonGenerator generator, ILoggingEvent event) throws IOException {
    write(generator, RequestIdConverter.REQUEST_ID, RequestIdConverter.valueOf(event, RequestIdConverter.REQUEST_ID));
    write(generator, RequestIdConverter.CLIENT, RequestIdConverter.valueOf(event, RequestIdConverter.CLIENT));
  }

  private static void write(JsonGenerator generator, String field, String value) throws IOException {
    if (!"-".equals(value)) {
      generator.writeStringField(field, value);
    }
  }
}
