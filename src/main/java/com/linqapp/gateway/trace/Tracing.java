package com.linqapp.gateway.trace;

import com.linqapp.gateway.config.Build;
import com.linqapp.gateway.config.ConfigException;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdkBuilder;
import io.opentelemetry.sdk.autoconfigure.spi.ConfigurationException;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProviderBuilder;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.vertx.core.VertxOptions;
import io.vertx.tracing.opentelemetry.OpenTelemetryOptions;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The gateway's traces: off, or one OpenTelemetry SDK configured by the standard {@code OTEL_*} variables.
 *
 * <p>Off (the default: {@code OTEL_TRACES_EXPORTER} unset or {@code none}) installs nothing: Vert.x gets no
 * tracer and the engine no span listener, so no request pays for a span. On, Vert.x's own integration
 * (vertx-opentelemetry) makes a span of every HTTP request (continuing a W3C {@code traceparent}) and of every
 * event-bus hop, and {@link EngineSpans} adds one span per check the engine answers and one per exchange with
 * Linq. The gateway adds its defaults under the variables: service name {@code linq-capability-gateway},
 * {@code service.version}, and no OTLP metrics or logs (Prometheus has the metrics, stderr the logs). Query values
 * and credentials in the URLs Vert.x records are scrubbed ({@link QueryRedaction}).
 */
public final class Tracing implements AutoCloseable {

  /** The variable that turns traces on. */
  public static final String EXPORTER_VARIABLE = "OTEL_TRACES_EXPORTER";
  static final String SERVICE_NAME = "linq-capability-gateway";
  private static final Tracing OFF = new Tracing(null, null);

  private final OpenTelemetry openTelemetry;
  private final OpenTelemetrySdk sdk;

  private Tracing(OpenTelemetry openTelemetry, OpenTelemetrySdk sdk) {
    this.openTelemetry = openTelemetry;
    this.sdk = sdk;
  }

  /** No traces. */
  public static Tracing off() {
    return OFF;
  }

  /** Traces through an OpenTelemetry built elsewhere (tests); closing it is the caller's business. */
  public static Tracing with(OpenTelemetry openTelemetry) {
    return new Tracing(openTelemetry, null);
  }

  /**
   * From the process's {@code OTEL_*} variables (and {@code otel.*} system properties, which win): off unless
   * {@code OTEL_TRACES_EXPORTER} names an exporter. When on, the SDK is also the global OpenTelemetry, which is
   * how Vert.x's tracer finds it ({@link #configure(VertxOptions)}).
   *
   * @throws ConfigException when the SDK refuses a variable (the message names it)
   */
  public static Tracing fromEnvironment() {
    String exporter = System.getProperty("otel.traces.exporter", System.getenv(EXPORTER_VARIABLE));
    if (exporter == null || exporter.isBlank() || exporter.trim().toLowerCase(Locale.ROOT).equals("none")) {
      return OFF;
    }
    return build(Map.of(), Function.identity(), true);
  }

  /**
   * The SDK as {@link #fromEnvironment()} builds it, with {@code properties} under the variables and
   * {@code processors} added to the tracer provider (tests: an in-memory exporter), not global.
   */
  static Tracing configured(Map<String, String> properties, SpanProcessor processor) {
    return build(properties, builder -> builder.addSpanProcessor(processor), false);
  }

  private static Tracing build(Map<String, String> properties,
                               Function<SdkTracerProviderBuilder, SdkTracerProviderBuilder> tracerProvider,
                               boolean global) {
    AutoConfiguredOpenTelemetrySdkBuilder builder = AutoConfiguredOpenTelemetrySdk.builder()
        .addPropertiesSupplier(() -> Map.of(
            "otel.service.name", SERVICE_NAME,
            "otel.metrics.exporter", "none",
            "otel.logs.exporter", "none"))
        .addPropertiesSupplier(() -> properties)
        .addResourceCustomizer((resource, config) -> resource.merge(Resource.create(
            Attributes.of(AttributeKey.stringKey("service.version"), Build.version()))))
        .addSamplerCustomizer((sampler, config) -> new QuietProbes(sampler))
        .addTracerProviderCustomizer((provider, config) ->
            tracerProvider.apply(provider.addSpanProcessor(new QueryRedaction())))
        // Closed after the drain (ServeCommand), not by a hook racing it, so the drain's spans are exported.
        .disableShutdownHook();
    if (global) {
      builder.setResultAsGlobal();
    }
    try {
      OpenTelemetrySdk sdk = builder.build().getOpenTelemetrySdk();
      return new Tracing(sdk, sdk);
    } catch (ConfigurationException e) {
      throw new ConfigException("tracing (OTEL_* variables): " + e.getMessage());
    }
  }

  public boolean enabled() {
    return openTelemetry != null;
  }

  /**
   * Gives Vert.x its tracer when on: Vert.x's OpenTelemetry integration is loaded as a service and reads the
   * global OpenTelemetry ({@link #fromEnvironment()} set it). Off, the options stay without tracing.
   */
  public VertxOptions configure(VertxOptions options) {
    return enabled() ? options.setTracingOptions(new OpenTelemetryOptions()) : options;
  }

  /** The OpenTelemetry behind the traces; {@code null} when off. */
  public OpenTelemetry openTelemetry() {
    return openTelemetry;
  }

  /** Spans of one engine's checks and Linq calls; {@code null} when off. Confined to that engine's event loop. */
  public EngineSpans engineSpans() {
    if (!enabled()) {
      return null;
    }
    Tracer tracer = openTelemetry.getTracer("com.linqapp.gateway", Build.version());
    return new EngineSpans(tracer);
  }

  /** Exports what is buffered and stops the SDK this built (waits up to 5 s; the main or shutdown thread only). */
  @Override
  public void close() {
    if (sdk != null) {
      sdk.shutdown().join(5, TimeUnit.SECONDS);
    }
  }
}
