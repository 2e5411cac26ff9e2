package com.linqapp.gateway.batch;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * An RFC 4180 CSV parser fed one character at a time, so that a file read from a {@code Reader} and a
 * request body arriving in chunks are parsed by the same rules: quoted fields (a quote opens one only at
 * the start of a field), doubled quotes, line breaks inside quotes, LF or CRLF; blank lines are skipped.
 * Not thread-safe.
 */
public final class CsvRecords {

  private final Consumer<List<String>> records;
  private final StringBuilder field = new StringBuilder();
  private List<String> fields = new ArrayList<>();
  private boolean quoted;
  private boolean quoteInQuoted;
  private boolean afterCarriageReturn;
  private boolean any;

  /** @param records receives each record, its fields as read (not trimmed) */
  public CsvRecords(Consumer<List<String>> records) {
    this.records = records;
  }

  public void accept(char c) {
    if (quoted) {
      if (quoteInQuoted) {
        quoteInQuoted = false;
        if (c == '"') {
          field.append('"');
          return;
        }
        quoted = false; // that quote closed the field: c is read as outside quotes
      } else if (c == '"') {
        quoteInQuoted = true;
        return;
      } else {
        field.append(c);
        return;
      }
    }
    if (afterCarriageReturn) {
      afterCarriageReturn = false;
      if (c == '\n') {
        return;
      }
    }
    if (c == '\r' || c == '\n') {
      afterCarriageReturn = c == '\r';
      if (any) {
        emit();
      }
      return;
    }
    any = true;
    if (c == '"' && field.length() == 0) {
      quoted = true;
    } else if (c == ',') {
      fields.add(field.toString());
      field.setLength(0);
    } else {
      field.append(c);
    }
  }

  public void accept(CharSequence text) {
    for (int i = 0; i < text.length(); i++) {
      accept(text.charAt(i));
    }
  }

  /** The input ended: a last record without a line break is emitted. */
  public void end() {
    quoted = false;
    quoteInQuoted = false;
    if (any) {
      emit();
    }
  }

  private void emit() {
    fields.add(field.toString());
    field.setLength(0);
    List<String> record = fields;
    fields = new ArrayList<>();
    any = false;
    records.accept(record);
  }
}
