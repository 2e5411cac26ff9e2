package com.linqapp.gateway.jobs.impl;

import com.linqapp.gateway.jobs.CallbackState;
import com.linqapp.gateway.jobs.Job;
import com.linqapp.gateway.jobs.JobAnswer;
import com.linqapp.gateway.jobs.JobLine;
import com.linqapp.gateway.jobs.JobPause;
import com.linqapp.gateway.jobs.JobSpec;
import com.linqapp.gateway.jobs.JobStatus;
import com.linqapp.gateway.jobs.Lease;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One job's directory and what the store keeps of it in memory. Files:
 * <ul>
 *   <li>{@code job.json} — the job's state, replaced atomically when it changes;</li>
 *   <li>{@code input.ndjson} — one stored line per input line (an empty line marks one too long to keep);</li>
 *   <li>{@code answers.ndjson} — answer lines in the order they were written, appended in batches;</li>
 *   <li>{@code answers.idx} — 8 bytes per input line: where its answer is in {@code answers.ndjson}
 *       ({@code offset << 24 | length}), 0 while unanswered; rebuilt from {@code answers.ndjson} at start.</li>
 * </ul>
 * {@code answers.ndjson} is the truth: an answer exists once its whole line (with its newline) is there.
 * Only the worker thread of the {@link FileJobStore} touches an instance.
 */
final class StoredJob {

  static final String META = "job.json";
  static final String INPUT = "input.ndjson";
  static final String ANSWERS = "answers.ndjson";
  static final String INDEX = "answers.idx";

  private static final Logger log = LoggerFactory.getLogger(StoredJob.class);
  private static final int READ_CHUNK = 64 * 1024;

  final String id;
  final Path dir;
  final JobSpec spec;
  final long total;
  final Instant createdAt;
  final String fingerprint;
  JobStatus status;
  Instant startedAt;
  Instant finishedAt;
  JobPause pause;
  CallbackState callback;
  long generation;
  /** Counts over answers.ndjson. */
  long answered;
  long available;
  long errors;
  Double rate;
  /** The lease holder, in memory only: a restart voids every lease (the directory lock proves the holder gone). */
  String owner;
  Instant leaseExpiresAt;

  private BitSet answeredLines;
  private FileChannel answers;
  private FileChannel index;
  private long answersLength;
  /** Where the last unanswered() read stopped: the next line's index and byte offset in input.ndjson. */
  private long cursorIndex;
  private long cursorOffset;

  private StoredJob(String id, Path dir, JobSpec spec, long total, Instant createdAt, String fingerprint) {
    this.id = id;
    this.dir = dir;
    this.spec = spec;
    this.total = total;
    this.createdAt = createdAt;
    this.fingerprint = fingerprint;
  }

  static StoredJob created(String id, Path dir, JobSpec spec, long total, Instant createdAt, String fingerprint) {
    StoredJob job = new StoredJob(id, dir, spec, total, createdAt, fingerprint);
    job.status = JobStatus.QUEUED;
    job.answeredLines = new BitSet();
    return job;
  }

  /** Reads a job directory back, recovering a torn tail of its answers and rebuilding its index. */
  static StoredJob load(Path dir) throws IOException {
    JsonObject meta = new JsonObject(Files.readString(dir.resolve(META), StandardCharsets.UTF_8));
    StoredJob job = new StoredJob(meta.getString("id"), dir, JobSpec.fromJson(meta.getJsonObject("spec")),
        meta.getLong("total"), Instant.parse(meta.getString("created_at")), meta.getString("fingerprint"));
    job.status = JobStatus.fromWireName(meta.getString("status"));
    job.startedAt = instant(meta.getString("started_at"));
    job.finishedAt = instant(meta.getString("finished_at"));
    job.pause = JobPause.fromJson(meta.getJsonObject("pause"));
    job.callback = CallbackState.fromJson(meta.getJsonObject("callback"));
    job.generation = meta.getLong("generation", 0L);
    job.recoverAnswers();
    return job;
  }

  JsonObject meta() {
    return new JsonObject().put("id", id).put("spec", spec.toJson()).put("total", total)
        .put("created_at", createdAt.toString()).put("fingerprint", fingerprint).put("status", status.wireName())
        .put("started_at", text(startedAt)).put("finished_at", text(finishedAt))
        .put("pause", pause == null ? null : pause.toJson())
        .put("callback", callback == null ? null : callback.toJson()).put("generation", generation);
  }

  void saveMeta() throws IOException {
    Files0600.replace(dir.resolve(META), meta().encode().getBytes(StandardCharsets.UTF_8));
  }

  Job view() {
    return new Job(id, spec, status, total, answered, available, errors, createdAt, startedAt, finishedAt,
        status == JobStatus.PAUSED ? pause : null, rate, callback);
  }

  boolean holds(Lease lease) {
    return lease.generation() == generation && lease.owner().equals(owner);
  }

  boolean leaseFree(Instant now) {
    return owner == null || !leaseExpiresAt.isAfter(now);
  }

  /** Bytes the job's files take. */
  long bytes() throws IOException {
    long sum = 0;
    for (String name : List.of(META, INPUT, ANSWERS, INDEX)) {
      Path file = dir.resolve(name);
      if (Files.exists(file)) {
        sum += Files.size(file);
      }
    }
    return sum;
  }

  // ---- answers ----------------------------------------------------------------------------------------------

  /**
   * Appends the answers not written yet, durably: the lines (synced), then their index entries.
   *
   * @return how many were new
   */
  int append(List<JobAnswer> batch) throws IOException {
    openAnswers();
    List<JobAnswer> fresh = new ArrayList<>(batch.size());
    BitSet seen = new BitSet();
    for (JobAnswer answer : batch) {
      long index = answer.index();
      if (index >= 0 && index < total && !answeredLines.get((int) index) && !seen.get((int) index)) {
        seen.set((int) index);
        fresh.add(answer);
      }
    }
    if (fresh.isEmpty()) {
      return 0;
    }
    byte[][] encoded = new byte[fresh.size()][];
    int size = 0;
    for (int i = 0; i < fresh.size(); i++) {
      encoded[i] = fresh.get(i).line().encode().getBytes(StandardCharsets.UTF_8);
      size += encoded[i].length + 1;
    }
    ByteBuffer lines = ByteBuffer.allocate(size);
    for (byte[] line : encoded) {
      lines.put(line).put((byte) '\n');
    }
    lines.flip();
    long start = answersLength;
    writeFully(answers, lines, start);
    answers.force(false);
    long offset = start;
    ByteBuffer entry = ByteBuffer.allocate(8);
    for (int i = 0; i < fresh.size(); i++) {
      entry.clear();
      entry.putLong(offset << 24 | encoded[i].length).flip();
      writeFully(index, entry, fresh.get(i).index() * 8);
      offset += encoded[i].length + 1;
    }
    // The index is not synced: it is rebuilt from answers.ndjson whenever the store opens.
    answersLength = offset;
    for (JobAnswer answer : fresh) {
      count(answer.index(), answer.error(), answer.available());
    }
    return fresh.size();
  }

  private void count(long lineIndex, boolean error, boolean isAvailable) {
    answeredLines.set((int) lineIndex);
    answered++;
    if (error) {
      errors++;
    } else if (isAvailable) {
      available++;
    }
  }

  /**
   * Answer lines after {@code after} in input order: up to the first unanswered line, or skipping those once
   * the job has ended.
   */
  List<JsonObject> answers(long after, int limit) throws IOException {
    List<JsonObject> lines = new ArrayList<>();
    long from = Math.max(0, after + 1);
    if (from >= total || !Files.exists(dir.resolve(INDEX))) {
      return lines;
    }
    boolean skipGaps = status.finished();
    try (FileChannel idx = FileChannel.open(dir.resolve(INDEX), StandardOpenOption.READ);
         FileChannel data = FileChannel.open(dir.resolve(ANSWERS), StandardOpenOption.READ)) {
      long position = from;
      while (lines.size() < limit && position < total) {
        int entries = (int) Math.min(Math.min(total - position, 4096), Math.max(limit - lines.size(), 1));
        ByteBuffer block = ByteBuffer.allocate(entries * 8);
        readFully(idx, block, position * 8);
        block.flip();
        for (int i = 0; i < entries && lines.size() < limit; i++) {
          long entry = block.remaining() >= 8 ? block.getLong() : 0;
          if (entry == 0) {
            if (!skipGaps) {
              return lines;
            }
            continue;
          }
          ByteBuffer line = ByteBuffer.allocate((int) (entry & 0xFFFFFF));
          readFully(data, line, entry >>> 24);
          lines.add(new JsonObject(new String(line.array(), StandardCharsets.UTF_8)));
        }
        position += entries;
      }
    }
    return lines;
  }

  // ---- input --------------------------------------------------------------------------------------------------

  /** Lines without an answer after {@code after}, read on from where the last call stopped when it can. */
  List<JobLine> unanswered(long after, int limit) throws IOException {
    ensureAnsweredLines();
    long wanted = after + 1;
    if (wanted < cursorIndex) {
      cursorIndex = 0;
      cursorOffset = 0;
    }
    List<JobLine> todo = new ArrayList<>();
    try (FileChannel input = FileChannel.open(dir.resolve(INPUT), StandardOpenOption.READ)) {
      LineReader reader = new LineReader(input, cursorOffset);
      long lineIndex = cursorIndex;
      while (todo.size() < limit && lineIndex < total) {
        byte[] line = reader.next();
        if (line == null) {
          break;
        }
        if (lineIndex >= wanted && !answeredLines.get((int) lineIndex)) {
          todo.add(line.length == 0 ? JobLine.tooLong(lineIndex)
              : new JobLine(lineIndex, new String(line, StandardCharsets.UTF_8)));
        }
        lineIndex++;
        cursorIndex = lineIndex;
        cursorOffset = reader.offset();
      }
    }
    return todo;
  }

  // ---- recovery and lifecycle ----------------------------------------------------------------------------

  /** Drops a torn last line, then rebuilds the index and counts from the whole answer lines. */
  private void recoverAnswers() throws IOException {
    answeredLines = new BitSet();
    Path data = dir.resolve(ANSWERS);
    if (!Files.exists(data)) {
      return;
    }
    try (FileChannel answerFile = Files0600.open(data);
         FileChannel idx = Files0600.open(dir.resolve(INDEX), StandardOpenOption.TRUNCATE_EXISTING)) {
      LineReader reader = new LineReader(answerFile, 0);
      long good = 0;
      ByteBuffer entry = ByteBuffer.allocate(8);
      byte[] line;
      while ((line = reader.next()) != null) {
        if (!reader.terminated()) {
          break; // a torn last write: the line never became an answer
        }
        JsonObject answer;
        try {
          answer = new JsonObject(new String(line, StandardCharsets.UTF_8));
        } catch (RuntimeException corrupt) {
          log.warn("Job {}: unreadable answer line at byte {}; answers from there on are dropped", id, good);
          break;
        }
        long lineIndex = answer.getLong("index", -1L);
        if (lineIndex >= 0 && lineIndex < total && !answeredLines.get((int) lineIndex)) {
          entry.clear();
          entry.putLong(good << 24 | line.length).flip();
          writeFully(idx, entry, lineIndex * 8);
          count(lineIndex, answer.getValue("error") != null, Boolean.TRUE.equals(answer.getValue("available")));
        }
        good = reader.offset();
      }
      if (answerFile.size() > good) {
        log.info("Job {}: dropped {} bytes of a torn last answer write", id, answerFile.size() - good);
        answerFile.truncate(good);
        answerFile.force(true);
      }
      idx.force(true);
      answersLength = good;
    }
  }

  private void ensureAnsweredLines() {
    if (answeredLines == null) {
      answeredLines = new BitSet();
    }
  }

  private void openAnswers() throws IOException {
    if (answers == null) {
      answers = Files0600.open(dir.resolve(ANSWERS));
      index = Files0600.open(dir.resolve(INDEX));
      answersLength = answers.size();
    }
  }

  /** Closes open files (the job stays readable: reads open their own). */
  void closeFiles() {
    for (FileChannel channel : new FileChannel[] {answers, index}) {
      if (channel != null) {
        try {
          channel.close();
        } catch (IOException e) {
          log.warn("Job {}: closing a file failed: {}", id, e.toString());
        }
      }
    }
    answers = null;
    index = null;
  }

  private static void writeFully(FileChannel channel, ByteBuffer buffer, long position) throws IOException {
    long at = position;
    while (buffer.hasRemaining()) {
      at += channel.write(buffer, at);
    }
  }

  private static void readFully(FileChannel channel, ByteBuffer buffer, long position) throws IOException {
    long at = position;
    while (buffer.hasRemaining()) {
      int read = channel.read(buffer, at);
      if (read < 0) {
        return; // past the end of a sparse index: unanswered
      }
      at += read;
    }
  }

  private static String text(Instant instant) {
    return instant == null ? null : instant.toString();
  }

  private static Instant instant(String text) {
    return text == null ? null : Instant.parse(text);
  }

  /** Newline-separated lines of a file from a byte offset, read in chunks. */
  static final class LineReader {
    private final FileChannel channel;
    private final ByteBuffer chunk = ByteBuffer.allocate(READ_CHUNK);
    private long filePosition;
    private long offset;
    private boolean terminated;

    LineReader(FileChannel channel, long offset) {
      this.channel = channel;
      this.filePosition = offset;
      this.offset = offset;
      chunk.flip();
    }

    /** The next line without its newline, or {@code null} at the end of the file. */
    byte[] next() throws IOException {
      java.io.ByteArrayOutputStream line = null;
      while (true) {
        if (!chunk.hasRemaining()) {
          chunk.clear();
          int read = channel.read(chunk, filePosition);
          chunk.flip();
          if (read <= 0) {
            if (line == null) {
              return null;
            }
            terminated = false;
            return line.toByteArray();
          }
          filePosition += read;
        }
        int start = chunk.position();
        int limit = chunk.limit();
        for (int i = start; i < limit; i++) {
          if (chunk.get(i) == '\n') {
            byte[] tail = new byte[i - start];
            chunk.get(tail);
            chunk.get(); // the newline
            terminated = true;
            byte[] whole = tail;
            if (line != null) {
              line.write(tail);
              whole = line.toByteArray();
            }
            offset += whole.length + 1;
            return whole;
          }
        }
        if (line == null) {
          line = new java.io.ByteArrayOutputStream();
        }
        byte[] part = new byte[limit - start];
        chunk.get(part);
        line.write(part);
      }
    }

    /** Byte offset just after the last complete line returned. */
    long offset() {
      return offset;
    }

    /** Whether the last line returned ended with a newline. */
    boolean terminated() {
      return terminated;
    }
  }
}
