package com.linqapp.gateway.http;

import com.linqapp.gateway.batch.BatchRunner;
import com.linqapp.gateway.batch.NdjsonLines;
import com.linqapp.gateway.bus.CapabilityClient;
import com.linqapp.gateway.cache.ResultCache;
import com.linqapp.gateway.check.AddressRule;
import com.linqapp.gateway.check.CheckException;
import com.linqapp.gateway.check.ErrorCodes;
import com.linqapp.gateway.check.Service;
import com.linqapp.gateway.config.GatewayConfig;
import com.linqapp.gateway.jobs.JobStore;
import com.linqapp.gateway.metrics.GatewayMetrics;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.micrometer.PrometheusScrapingHandler;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP adapter: wiring only — the two check routes served ahead of the router ({@link CheckRoutes}),
 * everything else routed. One instance per core; instances share the listening port and the answer
 * cache, and reach the engine through the local event bus.
 */
public final class HttpApiVerticle extends VerticleBase {

  /** Routing-context key of the request id. */
  static final String REQUEST_ID = "requestId";
  /** Largest accepted request body: a check is well under 1 KiB. */
  static final int MAX_BODY_BYTES = 16 * 1024;
  static final int MAX_HEADER_BYTES = 8 * 1024;
  /** Client connections with no request in progress for this long are closed ({@link IdleConnections}). */
  static final long IDLE_TIMEOUT_MILLIS = 120_000;
  static final String LINQ_PREFIX = "/api/partner/v3/capability/";
  /** Routes named in metrics labels (the check routes label their own requests in {@link CheckRoutes}). */
  private static final Set<String> LABELLED_ROUTES = Set.of(LINQ_PREFIX + Service.IMESSAGE.linqRoute(),
      LINQ_PREFIX + Service.RCS.linqRoute(), BatchHandler.ROUTE, JobRoutes.ROUTE, "/health", "/health/live", "/health/ready",
      "/metrics", OpenApiDocument.ROUTE);

  private static final Logger log = LoggerFactory.getLogger(HttpApiVerticle.class);

  private final GatewayConfig config;
  private final String hopId;
  private final ResultCache cache;
  private final GatewayMetrics metrics;
  private final DrainSwitch drain;
  private final JobStore jobs;
  private RequestTagger tagger;
  private IdleConnections connections;
  private Router router;
  private List<CapabilityHandler> checks;
  private HttpServer server;

  /**
   * @param cache   the engine's answer cache: fresh hits are served here, without a hop to the engine
   * @param metrics the registry behind {@code /metrics}
   * @param drain   on once the gateway drains: new check and batch requests are refused 503/9002
   * @param jobs    the durable job store, or {@code null} where jobs are not available (the job routes say so)
   */
  public HttpApiVerticle(GatewayConfig config, String hopId, ResultCache cache, GatewayMetrics metrics,
                         DrainSwitch drain, JobStore jobs) {
    this.config = config;
    this.hopId = hopId;
    this.cache = cache;
    this.metrics = metrics;
    this.drain = drain;
    this.jobs = jobs;
  }

  @Override
  public Future<?> start() {
    return OpenApiDocument.load(vertx).compose(this::listen);
  }

  private Future<HttpServer> listen(Buffer openApiDocument) {
    CapabilityClient engine = CapabilityClient.local(vertx, config.defaultTimeoutMillis());
    AddressRule rule = new AddressRule(config.defaultRegion());
    router = Router.router(vertx);
    tagger = new RequestTagger(hopId);
    connections = new IdleConnections(vertx, IDLE_TIMEOUT_MILLIS);
    router.route().handler(this::tagRequest);
    HealthRoutes.mount(vertx, router);
    router.get("/metrics").handler(PrometheusScrapingHandler.create(metrics.registry()));
    OpenApiDocument.mount(router, openApiDocument);

    ClientAuth auth = new ClientAuth(config.clientKeys(), config.authDisabled());
    checks = new ArrayList<>();
    for (Service service : Service.values()) {
      String route = LINQ_PREFIX + service.linqRoute();
      checks.add(new CapabilityHandler(service, route, rule, engine, cache, metrics, drain));
      // POST is served ahead of the router (CheckRoutes); any other method on these paths is 405 here.
      router.route(LINQ_PREFIX + service.linqRoute()).handler(ctx -> ctx.fail(405));
    }
    // No BodyHandler: the batch body is streamed, read only as fast as the batch's window allows.
    router.post(BatchHandler.ROUTE).handler(auth).handler(new BatchHandler(engine, rule, BatchRunner.DEFAULT_WINDOW,
        NdjsonLines.DEFAULT_MAX_LINE_BYTES, drain));
    JobRoutes.mount(router, auth, jobs, config.jobsOptions());

    router.errorHandler(404, ctx -> fail(ctx, new CheckException(404, ErrorCodes.NOT_FOUND, "No such route")));
    router.errorHandler(405, ctx -> fail(ctx, new CheckException(405, ErrorCodes.METHOD_NOT_ALLOWED,
        "Method not allowed on this route")));
    router.errorHandler(500, ctx -> {
      log.error("Unexpected failure on {}", ctx.request().path(), ctx.failure());
      fail(ctx, new CheckException(500, ErrorCodes.INTERNAL, "Internal error"));
    });

    server = vertx.createHttpServer(new HttpServerOptions()
            .setHost(config.httpHost()).setPort(config.httpPort())
            .setMaxHeaderSize(MAX_HEADER_BYTES)
            // No WebSockets here: without their compression extension no handler inspects every write.
            .setPerFrameWebSocketCompressionSupported(false)
            .setPerMessageWebSocketCompressionSupported(false)
            // HTTP/1.1 only (what Linq's SDKs speak): without h2c detection a connection is handed to
            // IdleConnections when it opens, so one that never sends a byte is closed too.
            .setHttp2ClearTextEnabled(false))
        .connectionHandler(connections::opened)
        .requestHandler(new CheckRoutes(checks, router, tagger, connections, auth, metrics, MAX_BODY_BYTES))
        .invalidRequestHandler(HttpApiVerticle::invalidRequest);
    return server.listen();
  }

  /** The routed part of the API, once started (the check routes are served ahead of it: {@link #checkRoutes()}). */
  Router router() {
    return router;
  }

  /** The paths {@link CheckRoutes} serves ({@code POST}) ahead of the router. */
  List<String> checkRoutes() {
    return checks.stream().map(CapabilityHandler::route).toList();
  }

  /** Request id, metrics and the loop check for routed requests: before routing, so every answer has them. */
  private void tagRequest(RoutingContext ctx) {
    long started = System.nanoTime();
    IdleConnections.Activity activity = connections.onRequest(ctx.request());
    ctx.addEndHandler(ended -> {
      connections.onEnd(activity);
      metrics.onClientRequest(routeLabel(ctx.request().path()), ctx.response().getStatusCode(),
          ctx.get(ClientAuth.CLIENT, "-"), System.nanoTime() - started);
    });
    String requestId = tagger.tag(ctx.request());
    if (requestId != null) {
      ctx.put(REQUEST_ID, requestId);
      ctx.next();
    }
  }

  /** Known routes by name; anything else is "other", so label values stay a closed set. */
  private static String routeLabel(String path) {
    if (path != null && path.startsWith(JobRoutes.ROUTE + "/")) {
      return path.endsWith("/results") ? JobRoutes.ROUTE + "/{id}/results" : JobRoutes.ROUTE + "/{id}";
    }
    return path != null && LABELLED_ROUTES.contains(path) ? path : "other";
  }

  private static void fail(RoutingContext ctx, CheckException error) {
    ErrorResponder.send(ctx.response(), error);
  }

  /** Requests Netty could not decode: oversized headers or request line, malformed HTTP. */
  private static void invalidRequest(HttpServerRequest request) {
    Throwable cause = request.decoderResult().cause();
    CheckException error;
    if (cause instanceof TooLongHttpHeaderException) {
      error = new CheckException(431, ErrorCodes.TOO_LARGE, "Request headers larger than " + MAX_HEADER_BYTES + " bytes");
    } else if (cause instanceof TooLongHttpLineException) {
      error = new CheckException(414, ErrorCodes.TOO_LARGE, "Request line too long");
    } else {
      error = CheckException.badRequest(ErrorCodes.BODY_NOT_JSON, "Malformed HTTP request");
    }
    request.response().putHeader("Connection", "close");
    ErrorResponder.send(request.response(), error);
  }

  @Override
  public Future<?> stop() {
    return server == null ? Future.succeededFuture() : server.shutdown(1, java.util.concurrent.TimeUnit.SECONDS);
  }
}
