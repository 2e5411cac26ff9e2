package com.linqapp.gateway.support;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads one series out of {@code /metrics} (Prometheus text). */
public final class PrometheusText {

  private PrometheusText() {
  }

  /**
   * @param series the series exactly as printed, e.g. {@code linq_requests_total{outcome="answer"}}
   * @return its value, or 0 when the series is not there (a counter never incremented)
   */
  public static double valueOrZero(String text, String series) {
    Matcher matcher = Pattern.compile("(?m)^" + Pattern.quote(series) + " ([0-9.eE+-]+)$").matcher(text);
    return matcher.find() ? Double.parseDouble(matcher.group(1)) : 0;
  }
}
