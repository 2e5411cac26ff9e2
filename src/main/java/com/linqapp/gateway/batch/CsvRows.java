package com.linqapp.gateway.batch;

import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Which CSV records are checks, and of which address: the column named {@code address} (any case), else
 * the first. The first record is a header when a cell is {@code address}, or when its first cell is
 * neither a phone number in some format nor an email. Each data record becomes the batch route's request
 * line {@code {"address": ...}}. Feed the records in order; not thread-safe.
 */
public final class CsvRows {

  /** What a first cell holding data looks like: a phone number in some format, or an email. */
  private static final Pattern ADDRESS_LIKE = Pattern.compile("^\\+?[0-9 ().\\-]{3,}$|@");

  private int addressColumn;
  private boolean first = true;

  /** @return the request for a data record, or {@code null} for the header */
  public JsonObject item(List<String> record) {
    if (first) {
      first = false;
      for (int i = 0; i < record.size(); i++) {
        if (record.get(i).trim().equalsIgnoreCase("address")) {
          addressColumn = i;
          return null; // a header naming the column
        }
      }
      String cell = record.get(0).trim();
      if (!cell.isEmpty() && !ADDRESS_LIKE.matcher(cell).find()) {
        return null; // a header without an address column (e.g. "phone,name"): the first column
      }
    }
    return new JsonObject().put("address", addressColumn < record.size() ? record.get(addressColumn).trim() : "");
  }
}
