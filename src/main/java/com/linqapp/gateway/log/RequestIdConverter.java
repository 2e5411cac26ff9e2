package com.linqapp.gateway.log;

import ch.qos.logback.classic.pattern.ClassicConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import org.slf4j.event.KeyValuePair;

/**
 * Logback converter for {@code %requestId} / {@code %client}: the value given explicitly on the log
 * event (SLF4J key-value {@code request_id} / {@code client}, for code that works on behalf of a request
 * from another request's context) or else the current Vert.x context's {@link RequestTag}.
 */
public class RequestIdConverter extends ClassicConverter {

  /** Key-value name used by code that logs on behalf of a specific request. */
  public static final String REQUEST_ID = "request_id";
  public static final String CLIENT = "client";

  @Override
  public String convert(ILoggingEvent event) {
    return valueOf(event, REQUEST_ID);
  }

  static String valueOf(ILoggingEvent event, String key) {
    if (event.getKeyValuePairs() != null) {
      for (KeyValuePair pair : event.getKeyValuePairs()) {
        if (key.equals(pair.key)) {
          return String.valueOf(pair.value);
        }
      }
    }
    RequestTag tag = RequestTag.current();
    if (tag == null) {
      return "-";
    }
    return REQUEST_ID.equals(key) ? tag.requestId() : tag.client();
  }

  /** {@code %client}. */
  public static class Client extends ClassicConverter {
    @Override
    public String convert(ILoggingEvent event) {
      return valueOf(event, CLIENT);
    }
  }
}
