package io.scimd.store.jdbc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scimd.core.error.ScimException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.jspecify.annotations.Nullable;

/**
 * An RFC 9865 cursor: a keyset position, the sort key and {@code seq} of the row it follows (or
 * precedes). Positions do not shift when rows are inserted or deleted elsewhere, so pages stay
 * stable under concurrent writes (RFC 9865 §2). The query's fingerprint binds a cursor to the
 * tenant, filter and sort it was issued for. Opaque to clients: base64url of a small JSON object.
 *
 * @param forward true for a {@code nextCursor} (rows after the position), false for a {@code
 *     previousCursor} (rows before it)
 * @param key the sort key at the position; null for the default order or a missing value
 */
record Cursor(boolean forward, @Nullable JsonNode key, long seq, int query) {

  String encode() {
    ObjectNode n = Docs.MAPPER.createObjectNode();
    n.put("d", forward ? "n" : "p");
    n.set("k", key == null ? NullNode.getInstance() : key);
    n.put("s", seq);
    n.put("q", query);
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(Docs.write(n).getBytes(StandardCharsets.UTF_8));
  }

  /**
   * @throws ScimException {@code invalidCursor} for anything this store did not issue for this
   *     query
   */
  static Cursor decode(String text, int query) {
    JsonNode n;
    try {
      n =
          Docs.MAPPER.readTree(
              new String(Base64.getUrlDecoder().decode(text), StandardCharsets.UTF_8));
    } catch (Exception e) { // IllegalArgumentException (base64) or any JSON error: not ours
      throw invalid();
    }
    if (n == null
        || !n.isObject()
        || !n.path("d").isTextual()
        || !n.path("s").canConvertToLong()
        || !n.path("s").isIntegralNumber()
        || !n.path("q").isInt()
        || !n.has("k")) {
      throw invalid();
    }
    String d = n.get("d").asText();
    if (!d.equals("n") && !d.equals("p")) {
      throw invalid();
    }
    JsonNode k = n.get("k");
    if (!(k.isNull() || k.isTextual() || k.isNumber() || k.isBoolean())) {
      throw invalid();
    }
    // Every number a sort key holds is finite (stored values are); 1e400 parses as Infinity, which
    // the key comparison cannot turn into a decimal.
    if (k.isFloatingPointNumber() && !k.isBigDecimal() && !Double.isFinite(k.doubleValue())) {
      throw invalid();
    }
    if (n.get("q").asInt() != query) {
      throw ScimException.invalidCursor(
          "the cursor was issued for another query (filter, sort order or tenant): repeat the"
              + " query's filter and sortBy with it, or start again with cursor=\"\"");
    }
    return new Cursor(d.equals("n"), k.isNull() ? null : k, n.get("s").asLong(), query);
  }

  /**
   * Checks that the key is of the kind the sort column holds, as every cursor this store issued is:
   * a tampered one must not reach the SQL (PostgreSQL fails comparing a bigint with text).
   *
   * @throws ScimException {@code invalidCursor} otherwise
   */
  void checkKey(boolean numericColumn) {
    if (key == null) {
      return;
    }
    boolean fits =
        numericColumn ? key.isIntegralNumber() && key.canConvertToLong() : key.isTextual();
    if (!fits) {
      throw invalid();
    }
  }

  private static ScimException invalid() {
    return ScimException.invalidCursor(
        "the cursor is not one this server issued: use a nextCursor or previousCursor value as"
            + " given, or an empty cursor for the first page");
  }
}
