package com.linqapp.gateway.trace;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.trace.ReadWriteSpan;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SpanProcessor;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Scrubs query values and credentials from the URLs Vert.x records on its HTTP spans ({@code url.query} and
 * {@code http.url} on a server span, {@code url.full} on a client span), as the OpenTelemetry HTTP conventions
 * advise: a job's {@code callback_url} travels in a query string and may carry a token. The keys stay, so a
 * trace still shows which options a request named: {@code callback_url=REDACTED&priority=REDACTED}.
 *
 * <p>Vert.x sets these attributes before the span starts, so they are rewritten here before any exporter or
 * other processor sees the span's end.
 */
final class QueryRedaction implements SpanProcessor {

  static final String REDACTED = "REDACTED";
  private static final AttributeKey<String> QUERY = AttributeKey.stringKey("url.query");
  private static final List<AttributeKey<String>> URLS =
      List.of(AttributeKey.stringKey("http.url"), AttributeKey.stringKey("url.full"));
  /** {@code scheme://user:password@}: the credentials a URL may carry before its host. */
  private static final Pattern USER_INFO = Pattern.compile("^([a-zA-Z][a-zA-Z0-9+.-]*://)[^/?#@]*@");
  private static final Pattern PARTS = Pattern.compile("&");

  @Override
  public void onStart(Context parentContext, ReadWriteSpan span) {
    String query = span.getAttribute(QUERY);
    if (query != null) {
      span.setAttribute(QUERY, query(query));
    }
    for (AttributeKey<String> key : URLS) {
      String url = span.getAttribute(key);
      if (url != null) {
        span.setAttribute(key, url(url));
      }
    }
  }

  /** Every value replaced, every key kept; a part without {@code =} may itself be a token, so it goes too. */
  static String query(String query) {
    return PARTS.splitAsStream(query).map(QueryRedaction::part).collect(Collectors.joining("&"));
  }

  private static String part(String part) {
    int equals = part.indexOf('=');
    return equals > 0 ? part.substring(0, equals + 1) + REDACTED : REDACTED;
  }

  /** The URL with its credentials and its query's values replaced, and no fragment. */
  static String url(String url) {
    String withoutFragment = url.indexOf('#') < 0 ? url : url.substring(0, url.indexOf('#'));
    String scrubbed = USER_INFO.matcher(withoutFragment).replaceFirst("$1" + REDACTED + ":" + REDACTED + "@");
    int mark = scrubbed.indexOf('?');
    return mark < 0 ? scrubbed : scrubbed.substring(0, mark + 1) + query(scrubbed.substring(mark + 1));
  }

  @Override
  public boolean isStartRequired() {
    return true;
  }

  @Override
  public void onEnd(ReadableSpan span) {
  }

  @Override
  public boolean isEndRequired() {
    return false;
  }
}
