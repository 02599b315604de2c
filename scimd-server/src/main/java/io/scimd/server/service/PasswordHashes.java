package io.scimd.server.service;

import com.fasterxml.jackson.databind.JsonNode;
import io.scimd.core.schema.CaseInsensitive;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The clear passwords of one request, hashed before its transaction begins.
 *
 * <p>A {@link Passwords#hash} costs about a third of a second by design. Computed inside {@code
 * Store.write} it held the single SQLite write lock (on PostgreSQL, the tenant's clock row) that
 * long, and every other write waited: a bulk request of 120 users with passwords held it 38 s. So
 * the service reads the request body for every value that can become the password, hashes them
 * here, and inside the transaction only looks the hash up ({@link #hashOf}). What can become the
 * password: a top-level {@code password} key (or a URN-qualified one) of a POST or PUT body, or of
 * a path-less PATCH value, and the value of a PATCH operation whose path names {@code password}.
 *
 * <p>Each occurrence gets a hash of its own, with its own salt, and each hash is handed out once:
 * two users a bulk request gives the same password must not get the same stored string, or the
 * database would show who shares a password.
 */
final class PasswordHashes {
  private final Map<String, Deque<String>> byClear;

  private PasswordHashes(Map<String, Deque<String>> byClear) {
    this.byClear = byClear;
  }

  /** The hashes of what a POST or PUT body sets. */
  static PasswordHashes forResource(JsonNode body) {
    List<String> clear = new ArrayList<>();
    fromResource(body, clear);
    return hash(clear);
  }

  /** The hashes of what a PATCH body sets. */
  static PasswordHashes forPatch(JsonNode body) {
    List<String> clear = new ArrayList<>();
    fromPatch(body, clear);
    return hash(clear);
  }

  /** Hashes each occurrence of {@code clear}: slow, so never call it inside a transaction. */
  static PasswordHashes hash(Collection<String> clear) {
    Map<String, Deque<String>> out = new HashMap<>();
    for (String c : clear) {
      out.computeIfAbsent(c, k -> new ArrayDeque<>()).add(Passwords.hash(c));
    }
    return new PasswordHashes(out);
  }

  /**
   * A hash made for {@code clear} beforehand, each one given out once. A value no body showed in
   * clear (one a bulk operation gets by resolving a {@code bulkId:} reference), or one asked for
   * again (a transaction the database re-runs), is hashed now, inside the transaction.
   */
  String hashOf(String clear) {
    Deque<String> made = byClear.get(clear);
    String h = made == null ? null : made.poll();
    return h != null ? h : Passwords.hash(clear);
  }

  /** Adds the password a POST or PUT body (a resource) sets, if any, to {@code out}. */
  static void fromResource(JsonNode body, Collection<String> out) {
    if (!body.isObject()) {
      return;
    }
    body.properties()
        .forEach(
            e -> {
              if (namesPassword(e.getKey()) && e.getValue().isTextual()) {
                out.add(e.getValue().textValue());
              }
            });
  }

  /** Adds the passwords the operations of a PATCH body set, if any, to {@code out}. */
  static void fromPatch(JsonNode body, Collection<String> out) {
    JsonNode ops = body.isObject() ? CaseInsensitive.get(body, "Operations") : null;
    if (ops == null || !ops.isArray()) {
      return;
    }
    for (JsonNode op : ops) {
      if (!op.isObject()) {
        continue;
      }
      JsonNode path = CaseInsensitive.get(op, "path");
      JsonNode value = CaseInsensitive.get(op, "value");
      if (value == null) {
        continue;
      }
      if (path != null && path.isTextual() && !path.textValue().isBlank()) {
        if (namesPassword(path.textValue().strip()) && value.isTextual()) {
          out.add(value.textValue());
        }
      } else {
        fromResource(value, out);
      }
    }
  }

  /** {@code password} or {@code urn:...:password}, in any case (RFC 7644 §3.10). */
  private static boolean namesPassword(String key) {
    String name =
        key.regionMatches(true, 0, "urn:", 0, 4) ? key.substring(key.lastIndexOf(':') + 1) : key;
    return name.equalsIgnoreCase(Passwords.ATTRIBUTE);
  }
}
