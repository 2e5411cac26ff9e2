package com.linqapp.gateway.cli;

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
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.NoSuchElementException;
import java.util.regex.Pattern;

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

  /** What a first CSV cell holding data looks like: a phone number in some format, or an email. */
  private static final Pattern ADDRESS_LIKE = Pattern.compile("^\\+?[0-9 ().\\-]{3,}$|@");

  private final BufferedReader reader;
  private final boolean ndjson;
  private int addressColumn = 0;
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
    if (!ndjson) {
      readHeader();
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

  private void readHeader() throws IOException {
    List<String> first = readRecord();
    if (first == null) {
      done = true;
      return;
    }
    for (int i = 0; i < first.size(); i++) {
      if (first.get(i).trim().equalsIgnoreCase("address")) {
        addressColumn = i;
        return; // a header naming the column
      }
    }
    String cell = first.get(0).trim();
    if (!cell.isEmpty() && !ADDRESS_LIKE.matcher(cell).find()) {
      return; // a header without an address column (e.g. "phone,name"): the first column
    }
    lookahead = row(first);
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
    List<String> record = readRecord();
    return record == null ? null : row(record);
  }

  private Row row(List<String> record) {
    String address = addressColumn < record.size() ? record.get(addressColumn).trim() : "";
    return new Row(next++, address, new JsonObject().put("address", address), null, false);
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

  /**
   * One RFC 4180 record, skipping blank lines; {@code null} at the end of the file.
   */
  private List<String> readRecord() throws IOException {
    List<String> fields = new ArrayList<>();
    StringBuilder field = new StringBuilder();
    boolean quoted = false;
    boolean any = false;
    int c;
    while (true) {
      c = reader.read();
      if (c == -1) {
        if (!any) {
          return null;
        }
        fields.add(field.toString());
        return fields;
      }
      if (quoted) {
        if (c == '"') {
          reader.mark(1);
          int after = reader.read();
          if (after == '"') {
            field.append('"');
          } else {
            quoted = false;
            if (after != -1) {
              reader.reset();
            }
          }
        } else {
          field.append((char) c);
        }
        continue;
      }
      if (c == '\r' || c == '\n') {
        if (c == '\r') {
          reader.mark(1);
          if (reader.read() != '\n') {
            reader.reset();
          }
        }
        if (!any) {
          continue; // blank line
        }
        fields.add(field.toString());
        return fields;
      }
      any = true;
      if (c == '"' && field.length() == 0) {
        quoted = true;
      } else if (c == ',') {
        fields.add(field.toString());
        field.setLength(0);
      } else {
        field.append((char) c);
      }
    }
  }

  @Override
  public void close() throws IOException {
    reader.close();
  }
}
