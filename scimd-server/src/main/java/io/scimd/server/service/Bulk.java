package io.scimd.server.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.scimd.core.error.ScimError;
import io.scimd.core.error.ScimException;
import io.scimd.core.schema.CaseInsensitive;
import io.scimd.core.schema.ResourceType;
import io.scimd.core.schema.SchemaUrns;
import io.scimd.store.StoreTx;
import io.scimd.store.StoredResource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * One bulk request (RFC 7644 §3.7).
 *
 * <p><b>Order.</b> Operations run in dependency order: an operation that mentions {@code
 * bulkId:x} (in its path or any string of its data) runs after the POST that defines {@code x},
 * whatever their order in the request; among ready operations the request order wins. Operations
 * on a reference cycle fail with 409 and a detail naming the cycle (§3.7.1); an operation that
 * references an undefined bulkId fails with 400 {@code invalidValue}, one whose referenced POST
 * failed with 409. Results are reported in request order.
 *
 * <p><b>failOnErrors absent.</b> Each operation is its own transaction; errors are reported per
 * operation and processing goes on.
 *
 * <p><b>failOnErrors = N.</b> All operations share one transaction. The store has no savepoints, so
 * a failed operation may have written part of its work (a group inserted, then a bad member): the
 * transaction is then rolled back and replayed from the start without the failed operations. When
 * the errors reach N, processing stops and everything is rolled back: the response lists the
 * failed operations with their errors and every operation that had succeeded with status 409 and
 * an error saying it was rolled back because failOnErrors was reached; operations not yet processed
 * are not listed (§3.7.3).
 */
final class Bulk {
  private static final Pattern REF = Pattern.compile("bulkId:([^\\s\"/,\\[\\]?#]+)");

  private final ScimService service;
  private final String base;

  Bulk(ScimService service, String base) {
    this.service = service;
    this.base = base;
  }

  /** One operation as parsed; {@code problem} set when it cannot run at all. */
  private record Op(
      int index,
      String method,
      @Nullable String bulkId,
      @Nullable String path,
      @Nullable JsonNode data,
      @Nullable String version,
      Set<String> refs,
      @Nullable ScimError problem) {}

  /** The outcome of one operation. */
  private record Result(
      boolean ok, int status, @Nullable String id, @Nullable String location, @Nullable String version, @Nullable ScimError error) {
    static Result failed(ScimError e) {
      return new Result(false, e.status(), null, null, null, e);
    }
  }

  /** Thrown out of the shared transaction to roll it back. */
  private static final class Abort extends RuntimeException {
    final Result[] results;
    final int failedIndex;
    final boolean limitReached;

    Abort(Result[] results, int failedIndex, boolean limitReached) {
      super(null, null, false, false);
      this.results = results;
      this.failedIndex = failedIndex;
      this.limitReached = limitReached;
    }
  }

  ObjectNode run(JsonNode body) {
    if (body == null || !body.isObject()) {
      throw ScimException.invalidSyntax("a bulk request body must be a BulkRequest JSON object");
    }
    JsonNode schemas = CaseInsensitive.get(body, "schemas");
    if (schemas != null && !containsText(schemas, SchemaUrns.BULK_REQUEST)) {
      throw ScimException.invalidSyntax("\"schemas\" of a bulk request must be [\"" + SchemaUrns.BULK_REQUEST + "\"]");
    }
    JsonNode operations = CaseInsensitive.get(body, "Operations");
    if (operations == null || !operations.isArray()) {
      throw ScimException.invalidSyntax("a BulkRequest needs an \"Operations\" array");
    }
    int max = service.config().bulkMaxOperations();
    if (operations.size() > max) {
      throw ScimException.payloadTooLarge(
          "the bulk request has " + operations.size() + " operations; the maximum is " + max + " (maxOperations)");
    }
    Integer failOnErrors = failOnErrors(CaseInsensitive.get(body, "failOnErrors"));
    List<Op> ops = new ArrayList<>();
    for (JsonNode n : operations) {
      ops.add(parse(ops.size(), n));
    }
    ops = markDuplicateBulkIds(ops);
    Result[] results;
    if (failOnErrors == null) {
      results = execute(ops, null, Map.of(), Integer.MAX_VALUE);
    } else {
      results = shared(ops, failOnErrors);
    }
    ObjectNode response = ScimService.JSON.objectNode();
    response.putArray("schemas").add(SchemaUrns.BULK_RESPONSE);
    ArrayNode out = response.putArray("Operations");
    for (Op op : ops) {
      Result r = results[op.index()];
      if (r != null) {
        out.add(toJson(op, r));
      }
    }
    return response;
  }

  private Result[] shared(List<Op> ops, int limit) {
    Map<Integer, ScimError> failed = new HashMap<>();
    while (true) {
      try {
        return service.store().write(tx -> execute(ops, tx, failed, limit));
      } catch (Abort a) {
        if (a.limitReached) {
          return rolledBack(a.results);
        }
        failed.put(a.failedIndex, a.results[a.failedIndex].error());
        // Replay without the failed operation: nothing of it may survive the commit.
      }
    }
  }

  private static Result[] rolledBack(Result[] results) {
    Result[] out = new Result[results.length];
    for (int i = 0; i < results.length; i++) {
      Result r = results[i];
      if (r == null) {
        continue;
      }
      out[i] =
          r.ok()
              ? new Result(
                  false,
                  409,
                  null,
                  null,
                  null,
                  new ScimError(
                      409,
                      null,
                      "rolled back: the bulk request reached its failOnErrors limit, so none of its operations was applied"))
              : r;
    }
    return out;
  }

  /**
   * Runs the operations in dependency order, each in its own transaction ({@code shared == null})
   * or all in {@code shared}.
   */
  private Result[] execute(List<Op> ops, @Nullable StoreTx shared, Map<Integer, ScimError> knownFailures, int limit) {
    Result[] results = new Result[ops.size()];
    Map<String, Op> defs = new HashMap<>();
    for (Op op : ops) {
      if (op.bulkId() != null && op.method().equals("POST")) {
        defs.putIfAbsent(op.bulkId(), op);
      }
    }
    Map<String, String> ids = new HashMap<>();
    int[] errors = {0};
    List<Op> pending = new ArrayList<>(ops);
    while (!pending.isEmpty()) {
      Op next = null;
      for (Op op : pending) {
        if (ready(op, defs, results)) {
          next = op;
          break;
        }
      }
      if (next == null) {
        // Every pending operation waits for another pending one: there is a cycle.
        List<Op> cycle = cycle(pending.get(0), defs, results);
        String names = describe(cycle);
        for (Op op : cycle) {
          fail(results, op, new ScimError(409, null, "circular bulkId references: " + names), shared, errors, limit);
          pending.remove(op);
        }
        continue;
      }
      pending.remove(next);
      Op op = next;
      ScimError known = knownFailures.get(op.index());
      if (known != null) {
        fail(results, op, known, shared, errors, limit);
        continue;
      }
      if (op.problem() != null) {
        fail(results, op, op.problem(), shared, errors, limit);
        continue;
      }
      ScimError refProblem = references(op, defs, results, ids);
      if (refProblem != null) {
        fail(results, op, refProblem, shared, errors, limit);
        continue;
      }
      Result r;
      try {
        r = shared != null ? apply(shared, op, ids) : service.store().write(tx -> apply(tx, op, ids));
      } catch (ScimException e) {
        if (shared != null) {
          // Part of the failed operation may be in the shared transaction: roll back and replay.
          results[op.index()] = Result.failed(e.error());
          errors[0]++;
          throw new Abort(results, op.index(), errors[0] >= limit);
        }
        fail(results, op, e.error(), null, errors, limit);
        continue;
      }
      results[op.index()] = r;
      if (op.bulkId() != null && op.method().equals("POST") && r.id() != null) {
        ids.put(op.bulkId(), r.id());
      }
    }
    return results;
  }

  private static void fail(Result[] results, Op op, ScimError e, @Nullable StoreTx shared, int[] errors, int limit) {
    results[op.index()] = Result.failed(e);
    errors[0]++;
    if (errors[0] >= limit && shared != null) {
      throw new Abort(results, op.index(), true);
    }
  }

  /** Ready when every bulkId it references is defined by an operation already processed (or by none). */
  private static boolean ready(Op op, Map<String, Op> defs, Result[] results) {
    for (String ref : op.refs()) {
      Op def = defs.get(ref);
      if (def != null && def != op && results[def.index()] == null) {
        return false;
      }
      if (def == op) {
        return false; // refers to itself: a cycle of one
      }
    }
    return true;
  }

  private static List<Op> cycle(Op start, Map<String, Op> defs, Result[] results) {
    List<Op> path = new ArrayList<>();
    Op cur = start;
    while (!path.contains(cur)) {
      path.add(cur);
      Op nextOp = null;
      for (String ref : cur.refs()) {
        Op def = defs.get(ref);
        if (def != null && results[def.index()] == null) {
          nextOp = def;
          break;
        }
      }
      if (nextOp == null) {
        return List.of(start); // cannot happen when no op is ready; be safe
      }
      cur = nextOp;
    }
    return new ArrayList<>(path.subList(path.indexOf(cur), path.size()));
  }

  private static String describe(List<Op> cycle) {
    StringBuilder b = new StringBuilder();
    for (Op op : cycle) {
      b.append("bulkId:").append(op.bulkId()).append(" -> ");
    }
    return b.append("bulkId:").append(cycle.get(0).bulkId()).toString();
  }

  private static @Nullable ScimError references(Op op, Map<String, Op> defs, Result[] results, Map<String, String> ids) {
    for (String ref : op.refs()) {
      Op def = defs.get(ref);
      if (def == null) {
        return new ScimError(
            400,
            io.scimd.core.error.ScimType.INVALID_VALUE,
            "bulkId:" + ref + " is defined by no POST operation of this bulk request");
      }
      if (!ids.containsKey(ref)) {
        return new ScimError(
            409, null, "bulkId:" + ref + " cannot be resolved: the operation that defines it failed");
      }
    }
    return null;
  }

  private Result apply(StoreTx tx, Op op, Map<String, String> ids) {
    // parse() gave every operation without a path, or without data for POST, PUT and PATCH, a
    // problem, so it never gets here; the checks below give PUT, PATCH and DELETE an id.
    String path = resolve(Objects.requireNonNull(op.path()), ids);
    JsonNode data = op.data() == null ? null : resolve(op.data(), ids);
    String p = path.startsWith("/") ? path.substring(1) : path;
    int slash = p.indexOf('/');
    String endpoint = slash < 0 ? p : p.substring(0, slash);
    String id = slash < 0 || slash == p.length() - 1 ? null : p.substring(slash + 1);
    ResourceType type =
        service
            .registry()
            .byEndpoint(endpoint)
            .orElseThrow(() -> ScimException.invalidPath("bulk path \"" + op.path() + "\" names no resource endpoint"));
    if (op.method().equals("POST")) {
      if (id != null) {
        throw ScimException.invalidPath("a bulk POST path is the endpoint alone (\"/" + endpoint + "\"), not \"" + op.path() + "\"");
      }
    } else if (id == null || id.isEmpty() || id.contains("/")) {
      throw ScimException.invalidPath("a bulk " + op.method() + " path is \"/" + endpoint + "/{id}\", not \"" + op.path() + "\"");
    }
    StoredResource r;
    int status;
    switch (op.method()) {
      case "POST" -> {
        r = service.createIn(tx, type, Objects.requireNonNull(data));
        status = 201;
      }
      case "PUT" -> {
        r =
            service.replaceIn(
                tx, type, Objects.requireNonNull(id), Objects.requireNonNull(data), op.version());
        status = 200;
      }
      case "PATCH" -> {
        r =
            service.patchIn(
                tx, type, Objects.requireNonNull(id), Objects.requireNonNull(data), op.version());
        status = 200;
      }
      default -> {
        String deleted = Objects.requireNonNull(id);
        service.deleteIn(tx, type, deleted, op.version());
        return new Result(true, 204, deleted, Rendering.location(base, type, deleted), null, null);
      }
    }
    return new Result(true, status, r.id(), Rendering.location(base, type, r.id()), r.meta().etag(), null);
  }

  private Op parse(int index, JsonNode n) {
    if (!n.isObject()) {
      return new Op(index, "", null, null, null, null, Set.of(), syntax("a bulk operation must be a JSON object"));
    }
    String method = text(n, "method");
    String bulkId = text(n, "bulkId");
    String path = text(n, "path");
    String version = text(n, "version");
    JsonNode data = CaseInsensitive.get(n, "data");
    String m = method == null ? "" : method.trim().toUpperCase(Locale.ROOT);
    ScimError problem = null;
    if (!Set.of("POST", "PUT", "PATCH", "DELETE").contains(m)) {
      problem = syntax("a bulk operation's \"method\" must be POST, PUT, PATCH or DELETE, not " + (method == null ? "absent" : "\"" + method + "\""));
    } else if (path == null || path.isBlank()) {
      problem = syntax("a bulk operation needs a \"path\" such as \"/Users\" or \"/Users/{id}\"");
    } else if (m.equals("POST") && (bulkId == null || bulkId.isBlank())) {
      problem = syntax("a bulk POST needs a \"bulkId\" (RFC 7644 §3.7)");
    } else if (!m.equals("DELETE") && (data == null || !data.isObject())) {
      problem = syntax("a bulk " + m + " needs \"data\", a JSON object");
    }
    Set<String> refs = new LinkedHashSet<>();
    if (path != null) {
      collectRefs(TextNode.valueOf(path), refs);
    }
    if (data != null) {
      collectRefs(data, refs);
    }
    return new Op(index, m.isEmpty() ? (method == null ? "" : method) : m, bulkId, path, data, version, refs, problem);
  }

  private static List<Op> markDuplicateBulkIds(List<Op> ops) {
    Set<String> seen = new java.util.HashSet<>();
    List<Op> out = new ArrayList<>();
    for (Op op : ops) {
      if (op.bulkId() != null && op.problem() == null && op.method().equals("POST") && !seen.add(op.bulkId())) {
        op = new Op(op.index(), op.method(), op.bulkId(), op.path(), op.data(), op.version(), op.refs(),
            new ScimError(400, io.scimd.core.error.ScimType.INVALID_VALUE, "bulkId \"" + op.bulkId() + "\" is used by an earlier operation"));
      }
      out.add(op);
    }
    return out;
  }

  private static void collectRefs(JsonNode n, Set<String> refs) {
    if (n.isTextual()) {
      Matcher m = REF.matcher(n.asText());
      while (m.find()) {
        refs.add(m.group(1));
      }
    } else if (n.isContainerNode()) {
      for (JsonNode c : n) {
        collectRefs(c, refs);
      }
    }
  }

  private static String resolve(String s, Map<String, String> ids) {
    Matcher m = REF.matcher(s);
    StringBuilder b = new StringBuilder();
    while (m.find()) {
      String id = ids.get(m.group(1));
      m.appendReplacement(b, Matcher.quoteReplacement(id != null ? id : m.group()));
    }
    m.appendTail(b);
    return b.toString();
  }

  private static JsonNode resolve(JsonNode n, Map<String, String> ids) {
    if (n.isTextual()) {
      return TextNode.valueOf(resolve(n.asText(), ids));
    }
    if (n.isObject()) {
      ObjectNode o = ScimService.JSON.objectNode();
      n.properties().forEach(e -> o.set(e.getKey(), resolve(e.getValue(), ids)));
      return o;
    }
    if (n.isArray()) {
      ArrayNode a = ScimService.JSON.arrayNode();
      n.forEach(c -> a.add(resolve(c, ids)));
      return a;
    }
    return n;
  }

  private ObjectNode toJson(Op op, Result r) {
    ObjectNode o = ScimService.JSON.objectNode();
    o.put("method", op.method());
    if (op.bulkId() != null) {
      o.put("bulkId", op.bulkId());
    }
    if (r.version() != null) {
      o.put("version", r.version());
    }
    if (r.location() != null) {
      o.put("location", r.location());
    }
    o.put("status", Integer.toString(r.status()));
    if (r.error() != null) {
      o.set("response", ScimErrors.toJson(r.error()));
    }
    return o;
  }

  private static @Nullable Integer failOnErrors(@Nullable JsonNode n) {
    if (n == null || n.isNull()) {
      return null;
    }
    if (!n.isIntegralNumber() || !n.canConvertToInt() || n.intValue() < 1) {
      throw ScimException.invalidValue("failOnErrors must be an integer of at least 1, not " + n);
    }
    return n.intValue();
  }

  private static @Nullable String text(JsonNode n, String name) {
    JsonNode v = CaseInsensitive.get(n, name);
    return v != null && v.isTextual() ? v.asText() : null;
  }

  private static boolean containsText(JsonNode arr, String s) {
    if (!arr.isArray()) {
      return false;
    }
    for (JsonNode x : arr) {
      if (x.isTextual() && x.asText().equalsIgnoreCase(s)) {
        return true;
      }
    }
    return false;
  }

  private static ScimError syntax(String detail) {
    return new ScimError(400, io.scimd.core.error.ScimType.INVALID_SYNTAX, detail);
  }
}
