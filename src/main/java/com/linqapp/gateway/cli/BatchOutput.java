package com.linqapp.gateway.cli;

import com.linqapp.gateway.batch.AnswerCsv;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.BitSet;
import java.util.Locale;

/**
 * The {@code batch} command's output: {@code .csv} ({@code row,address,service,available,error_code,error_message},
 * {@code row} 1-based) or {@code .ndjson} (the batch route's lines, {@code index} 0-based), one physical line
 * per row, appended and flushed as answers arrive. {@link #resume} reads which rows a previous run finished,
 * dropping a torn last line.
 */
final class BatchOutput implements AutoCloseable {

  static final String CSV_HEADER = AnswerCsv.HEADER;

  private final BufferedWriter writer;
  private final boolean ndjson;
  private boolean closed;

  private BatchOutput(Path file, boolean append) throws IOException {
    this.ndjson = BatchInput.isNdjson(file);
    boolean needsHeader = !ndjson && (!append || !Files.exists(file) || Files.size(file) == 0);
    this.writer = new BufferedWriter(new OutputStreamWriter(Files.newOutputStream(file, StandardOpenOption.CREATE,
        StandardOpenOption.WRITE, append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING),
        StandardCharsets.UTF_8));
    if (needsHeader) {
      writer.write(CSV_HEADER);
      writer.write('\n');
      writer.flush();
    }
  }

  static boolean supported(Path file) {
    String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
    return name.endsWith(".csv") || BatchInput.isNdjson(file);
  }

  static BatchOutput create(Path file) throws IOException {
    return new BatchOutput(file, false);
  }

  static BatchOutput append(Path file) throws IOException {
    return new BatchOutput(file, true);
  }

  /**
   * Rows (0-based) an earlier run wrote to {@code file}; truncates a torn last line (no newline) first.
   */
  static BitSet resume(Path file) throws IOException {
    BitSet done = new BitSet();
    if (!Files.exists(file)) {
      return done;
    }
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      long length = raf.length();
      long keep = length;
      while (keep > 0) {
        raf.seek(keep - 1);
        if (raf.read() == '\n') {
          break;
        }
        keep--;
      }
      if (keep < length) {
        raf.setLength(keep);
      }
    }
    boolean ndjson = BatchInput.isNdjson(file);
    try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String line;
      while ((line = reader.readLine()) != null) {
        Integer index = ndjson ? ndjsonIndex(line) : csvIndex(line);
        if (index != null) {
          done.set(index);
        }
      }
    }
    return done;
  }

  private static Integer ndjsonIndex(String line) {
    try {
      Integer index = new JsonObject(line).getInteger("index");
      return index != null && index >= 0 ? index : null;
    } catch (RuntimeException notALine) {
      return null;
    }
  }

  private static Integer csvIndex(String line) {
    int comma = line.indexOf(',');
    try {
      int row = Integer.parseInt(comma < 0 ? line : line.substring(0, comma));
      return row >= 1 ? row - 1 : null;
    } catch (NumberFormatException header) {
      return null;
    }
  }

  /** Writes one answer line (the batch route's shape, {@code index} = 0-based row). Not flushed. */
  synchronized void write(JsonObject line) throws IOException {
    if (closed) {
      return;
    }
    writer.write(ndjson ? line.encode() : AnswerCsv.row(line));
    writer.write('\n');
  }

  synchronized void flush() throws IOException {
    if (!closed) {
      writer.flush();
    }
  }

  @Override
  public synchronized void close() throws IOException {
    if (!closed) {
      closed = true;
      writer.close();
    }
  }
}
