package com.linqapp.gateway.cli;

import com.linqapp.gateway.batch.CsvRecords;
import com.linqapp.gateway.batch.CsvRows;
import com.linqapp.gateway.batch.NdjsonLines;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.NoSuchElementException;

/**
 * The {@code batch} command's input, read as a stream (never held in memory): CSV (RFC 4180: quoted fields,
 * doubled quotes, line breaks inside quotes, LF or CRLF; the column named {@code address}, else the first;
 * a header row detected) or NDJSON ({@code .ndjson}/{@code .jsonl}: lines as for the batch route). Blank
 * lines are skipped and not counted; {@link Row#index()} is the 0-based data row.
 */
final class BatchInput implements Iterator<BatchInput.Row>, Closeable {

  /**
   * One data row. {@code item} is the request ({@code {"address", "service"?...}}), or {@code null} when an
   * NDJSON line is not a JSON object or is too long ({@code raw} then holds the line, or {@code null}).
   */
  record Row(int index, String address, JsonObject item, String raw, boolean tooLong) {
  }

  private final BufferedReader reader;
  private final boolean ndjson;
  private final ArrayDeque<List<String>> records = new ArrayDeque<>();
  private final CsvRecords csv = new CsvRecords(records::add);
  private final CsvRows rows = new CsvRows();
  private final char[] chunk = new char[8192];
  private boolean inputEnded;
  private int next;
  private Row lookahead;
  private boolean done;

  private BatchInput(Path file) throws IOException {
    this.reader = Files.newBufferedReader(file, StandardCharsets.UTF_8);
    this.ndjson = isNdjson(file);
    reader.mark(1);
    if (reader.read() != '\uFEFF') {
      reader.reset();
    }
  }

  static boolean isNdjson(Path file) {
    String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
    return name.endsWith(".ndjson") || name.endsWith(".jsonl");
  }

  static BatchInput open(Path file) throws IOException {
    return new BatchInput(file);
  }

  /** Counts the data rows (a streaming pass, for the progress total). */
  static int count(Path file) throws IOException {
    try (BatchInput input = open(file)) {
      int n = 0;
      while (input.hasNext()) {
        input.next();
        n++;
      }
      return n;
    }
  }

  @Override
  public boolean hasNext() {
    if (lookahead == null && !done) {
      try {
        lookahead = ndjson ? readNdjson() : readCsv();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      done = lookahead == null;
    }
    return lookahead != null;
  }

  @Override
  public Row next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    Row row = lookahead;
    lookahead = null;
    return row;
  }

  private Row readCsv() throws IOException {
    List<String> record;
    while ((record = readRecord()) != null) {
      JsonObject item = rows.item(record);
      if (item != null) {
        return new Row(next++, item.getString("address"), item, null, false);
      }
    }
    return null;
  }

  private Row readNdjson() throws IOException {
    String line;
    do {
      line = reader.readLine();
      if (line == null) {
        return null;
      }
    } while (line.isBlank());
    if (line.length() > NdjsonLines.DEFAULT_MAX_LINE_BYTES
        || line.getBytes(StandardCharsets.UTF_8).length > NdjsonLines.DEFAULT_MAX_LINE_BYTES) {
      return new Row(next++, null, null, null, true);
    }
    JsonObject item;
    try {
      item = Json.decodeValue(line) instanceof JsonObject json ? json : null;
    } catch (RuntimeException notJson) {
      item = null;
    }
    String address = item != null && item.getValue("address") instanceof String text ? text : null;
    return new Row(next++, address, item, line, false);
  }

  /** The next CSV record ({@link CsvRecords}' rules), or {@code null} at the end of the file. */
  private List<String> readRecord() throws IOException {
    while (records.isEmpty() && !inputEnded) {
      int read = reader.read(chunk);
      if (read < 0) {
        inputEnded = true;
        csv.end();
      } else {
        csv.accept(java.nio.CharBuffer.wrap(chunk, 0, read));
      }
    }
    return records.poll();
  }

  @Override
  public void close() throws IOException {
    reader.close();
  }
}
