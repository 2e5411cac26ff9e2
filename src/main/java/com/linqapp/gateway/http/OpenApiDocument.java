package com.linqapp.gateway.http;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * {@code GET /openapi.yaml}: the OpenAPI 3.1 document of every route ({@code src/main/resources/openapi.yaml},
 * its version filled in by the build), no key needed. Read from the jar once, off the event loop.
 */
final class OpenApiDocument {

  static final String ROUTE = "/openapi.yaml";
  static final String MEDIA_TYPE = "application/yaml";
  private static final String RESOURCE = "/openapi.yaml";

  private OpenApiDocument() {
  }

  static Future<Buffer> load(Vertx vertx) {
    return vertx.executeBlocking(() -> {
      try (InputStream in = OpenApiDocument.class.getResourceAsStream(RESOURCE)) {
        if (in == null) {
          throw new IllegalStateException(RESOURCE + " is missing from the classpath");
        }
        return Buffer.buffer(in.readAllBytes());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
  }

  static void mount(Router router, Buffer document) {
    router.get(ROUTE).handler(ctx -> ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, MEDIA_TYPE).end(document));
  }
}
