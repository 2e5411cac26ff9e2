package com.linqapp.gateway.http;

import com.linqapp.gateway.batch.CsvRecords;
import com.linqapp.gateway.batch.CsvRows;
import com.linqapp.gateway.batch.NdjsonLines;
import com.linqapp.gateway.check.CheckException;
import com.linqapp.gateway.check.ErrorCodes;
import com.linqapp.gateway.check.StrictJson;
import com.linqapp.gateway.jobs.JobDraft;
import com.linqapp.gateway.jobs.JobLine;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.core.streams.ReadStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * A job submission's body streamed into its {@link JobDraft}: NDJSON (the batch route's lines, each kept as
 * sent; a line over the limit kept as a marker) or CSV (the {@code batch} command's rules, each row kept as
 * {@code {"address": ...}}), in chunks of {@value #CHUNK} lines, the request paused while a chunk is being
 * stored — so memory stays bounded whatever the body's size. The body is hashed on the way for the
 * idempotency fingerprint.
 *
 * <p>Fails with a {@link CheckException}: 413/9006 past {@code maxLines}, 507/9011 past {@code maxBytes},
 * 400/1003 for a body that is not UTF-8. Lines that are not checks (bad JSON, no address) are stored: they
 * are answered as item errors, like the batch route's.
 */
final class JobUpload {

  static final int CHUNK = 1_000;

  /** What was stored. */
  record Result(long lines, boolean anyObject, String bodySha256) {
  }

  private final HttpServerRequest request;
  private final JobDraft draft;
  private final long maxLines;
  private final long maxBytes;
  private final MessageDigest digest;
  private final Promise<Result> result = Promise.promise();
  private List<JobLine> chunk = new ArrayList<>(CHUNK);
  private long lines;
  private long bytes;
  private boolean anyObject;
  /** Chunks being stored (a CSV network buffer may complete several before the pause takes effect). */
  private int appending;
  private boolean ended;
  private ReadStream<?> source;

  private JobUpload(HttpServerRequest request, JobDraft draft, long maxLines, long maxBytes) {
    this.request = request;
    this.draft = draft;
    this.maxLines = maxLines;
    this.maxBytes = maxBytes;
    try {
      this.digest = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * @param maxBytes most bytes the stored lines may take
   */
  static Future<Result> read(HttpServerRequest request, boolean csv, JobDraft draft, long maxLines, long maxBytes) {
    JobUpload upload = new JobUpload(request, draft, maxLines, maxBytes);
    if (csv) {
      upload.readCsv();
    } else {
      upload.readNdjson();
    }
    request.exceptionHandler(upload::fail);
    return upload.result.future();
  }

  private ReadStream<Buffer> hashed() {
    return new ReadStream<>() {
      @Override
      public ReadStream<Buffer> exceptionHandler(Handler<Throwable> handler) {
        request.exceptionHandler(handler);
        return this;
      }

      @Override
      public ReadStream<Buffer> handler(Handler<Buffer> handler) {
        request.handler(handler == null ? null : chunk -> {
          digest.update(chunk.getBytes());
          handler.handle(chunk);
        });
        return this;
      }

      @Override
      public ReadStream<Buffer> pause() {
        request.pause();
        return this;
      }

      @Override
      public ReadStream<Buffer> resume() {
        request.resume();
        return this;
      }

      @Override
      public ReadStream<Buffer> fetch(long amount) {
        request.fetch(amount);
        return this;
      }

      @Override
      public ReadStream<Buffer> endHandler(Handler<Void> endHandler) {
        request.endHandler(endHandler);
        return this;
      }
    };
  }

  private void readNdjson() {
    NdjsonLines body = new NdjsonLines(hashed(), NdjsonLines.DEFAULT_MAX_LINE_BYTES);
    source = body;
    body.endHandler(v -> end());
    body.handler(line -> {
      if (line.tooLong()) {
        add(JobLine.tooLong(lines));
        return;
      }
      String text;
      try {
        text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(line.text().getBytes())).toString();
      } catch (CharacterCodingException e) {
        fail(notUtf8());
        return;
      }
      if (lines == 0 && text.startsWith("\uFEFF")) {
        text = text.substring(1);
      }
      if (!anyObject) {
        anyObject = StrictJson.objectOrNull(Buffer.buffer(text)) != null;
      }
      add(new JobLine(lines, text));
    });
  }

  private void readCsv() {
    anyObject = true;
    CsvRows rows = new CsvRows();
    CsvRecords records = new CsvRecords(record -> {
      JsonObject item = rows.item(record);
      if (item != null) {
        add(new JobLine(lines, item.encode()));
      }
    });
    CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer[] carry = {ByteBuffer.allocate(0)};
    boolean[] first = {true};
    ReadStream<Buffer> body = hashed();
    source = body;
    body.endHandler(v -> {
      if (carry[0].hasRemaining()) {
        fail(notUtf8());
        return;
      }
      records.end();
      end();
    });
    body.handler(buffer -> {
      if (result.future().isComplete()) {
        return;
      }
      ByteBuffer in = ByteBuffer.allocate(carry[0].remaining() + buffer.length());
      in.put(carry[0]).put(buffer.getBytes()).flip();
      CharBuffer out = CharBuffer.allocate(in.remaining() + 1);
      CoderResult coded = decoder.decode(in, out, false);
      if (coded.isError()) {
        fail(notUtf8());
        return;
      }
      carry[0] = in.slice();
      out.flip();
      if (first[0] && out.hasRemaining()) {
        first[0] = false;
        if (out.get(0) == '\uFEFF') {
          out.get();
        }
      }
      records.accept(out);
    });
  }

  private static CheckException notUtf8() {
    return CheckException.badRequest(ErrorCodes.BODY_NOT_JSON, "The body is not UTF-8 text");
  }

  private void add(JobLine line) {
    if (result.future().isComplete()) {
      return;
    }
    if (lines >= maxLines) {
      fail(new CheckException(413, ErrorCodes.TOO_LARGE, "A job may have at most " + maxLines
          + " lines (GATEWAY_JOBS_MAX_LINES)"));
      return;
    }
    lines++;
    bytes += line.tooLong() ? 1 : line.text().length() + 1;
    if (bytes > maxBytes) {
      fail(new CheckException(507, ErrorCodes.STORE_FULL, "The job store is full (GATEWAY_JOBS_MAX_STORE_MB); "
          + "retry once older jobs are deleted"));
      return;
    }
    chunk.add(line);
    if (chunk.size() >= CHUNK) {
      store();
    }
  }

  /** Stores the chunk with the body paused; reading resumes when it is stored. */
  private void store() {
    List<JobLine> full = chunk;
    chunk = new ArrayList<>(CHUNK);
    appending++;
    source.pause();
    draft.append(full).onComplete(stored -> {
      appending--;
      if (stored.failed()) {
        fail(stored.cause());
        return;
      }
      if (ended) {
        end();
      } else if (appending == 0 && !result.future().isComplete()) {
        source.resume();
      }
    });
  }

  private void end() {
    ended = true;
    if (appending > 0 || result.future().isComplete()) {
      return;
    }
    if (!chunk.isEmpty()) {
      store();
      return;
    }
    result.tryComplete(new Result(lines, anyObject, HexFormat.of().formatHex(digest.digest())));
  }

  private void fail(Throwable failure) {
    if (result.tryFail(failure)) {
      request.handler(null);
    }
  }
}
