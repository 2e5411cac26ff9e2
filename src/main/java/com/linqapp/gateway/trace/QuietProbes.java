package com.linqapp.gateway.trace;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.opentelemetry.sdk.trace.samplers.SamplingResult;
import java.util.List;
import java.util.Set;

/**
 * Drops the root spans of health probes and metrics scrapes — Kubernetes and Prometheus call every few seconds,
 * and a trace of each would bury the checks — and leaves every other decision to the configured sampler.
 * Vert.x sets {@code url.path} before a server span starts, so it is there to decide on.
 */
final class QuietProbes implements Sampler {

  static final Set<String> PATHS = Set.of("/health", "/health/live", "/health/ready", "/metrics");
  private static final AttributeKey<String> URL_PATH = AttributeKey.stringKey("url.path");

  private final Sampler delegate;

  QuietProbes(Sampler delegate) {
    this.delegate = delegate;
  }

  @Override
  public SamplingResult shouldSample(Context parentContext, String traceId, String name, SpanKind spanKind,
                                     Attributes attributes, List<LinkData> parentLinks) {
    String path = attributes.get(URL_PATH);
    if (path != null && spanKind == SpanKind.SERVER && PATHS.contains(path)
        && !Span.fromContext(parentContext).getSpanContext().isValid()) {
      return SamplingResult.drop();
    }
    return delegate.shouldSample(parentContext, traceId, name, spanKind, attributes, parentLinks);
  }

  @Override
  public String getDescription() {
    return "QuietProbes{" + delegate.getDescription() + "}";
  }
}
