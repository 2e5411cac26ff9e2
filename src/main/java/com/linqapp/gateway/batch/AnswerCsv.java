package com.linqapp.gateway.batch;

import io.vertx.core.json.JsonObject;

/**
 * Answer lines as CSV rows: {@code row,address,service,available,error_code,error_message}, {@code row} the
 * 1-based input row, {@code available} empty on an error row; one physical line per row. The {@code batch}
 * command's {@code .csv} output and the job results route with {@code Accept: text/csv}.
 */
public final class AnswerCsv {

  public static final String HEADER = "row,address,service,available,error_code,error_message";

  private AnswerCsv() {
  }

  /** The row for a batch route answer line ({@code index} 0-based), without its line break. */
  public static String row(JsonObject line) {
    JsonObject error = line.getJsonObject("error");
    return (line.getLong("index") + 1) + "," + quote(line.getString("address")) + "," + quote(line.getString("service"))
        + "," + (error == null ? String.valueOf(line.getBoolean("available")) : "") + ","
        + (error == null ? "" : String.valueOf(error.getInteger("code"))) + ","
        + (error == null ? "" : quote(error.getString("message")));
  }

  /** RFC 4180 quoting; line breaks become spaces so that every row stays one physical line. */
  public static String quote(String value) {
    if (value == null) {
      return "";
    }
    String flat = value.replace('\r', ' ').replace('\n', ' ');
    if (flat.indexOf(',') >= 0 || flat.indexOf('"') >= 0 || (!flat.isEmpty()
        && (Character.isWhitespace(flat.charAt(0)) || Character.isWhitespace(flat.charAt(flat.length() - 1))))) {
      return '"' + flat.replace("\"", "\"\"") + '"';
    }
    return flat;
  }
}
