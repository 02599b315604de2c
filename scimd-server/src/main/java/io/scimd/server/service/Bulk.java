package io.scimd.server.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.scimd.core.error.ScimError;
import io.scimd.core.error.ScimException;
import io.scimd.core.schema.CaseInsensitive;
import io.scimd.core.schema.ResourceType;
import io.scimd.core.schema.SchemaRegistry;
import io.scimd.core.schema.SchemaUrns;
import io.scimd.store.Scope;
import io.scimd.store.Store;
import io.scimd.store.StoreTx;
import io.scimd.store.StoredResource;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * One bulk request (RFC 7644 §3.7).
 *
 * <p><b>Order.</b> Operations run in dependency order: an operation that mentions {@code bulkId:x}
 * (in its path or any string of its data) runs after the POST that defines {@code x}, whatever
 * their order in the request; among ready operations the request order wins. Operations on a
 * reference cycle fail with 409 (§3.7.1): the first of them in the request names the cycle, at most
 * {@value #CYCLE_NAMED} bulkIds of it, and the others point to that one, so that a cycle of a
 * thousand operations answers a few lines each, not the whole cycle each. An operation that
 * references an undefined bulkId fails with 400 {@code invalidValue}, one whose referenced POST
 * failed with 409. Results are reported in request order.
 *
 * <p><b>failOnErrors absent.</b> Each operation is its own transaction; errors are reported per
 * operation and processing goes on to the end.
 *
 * <p><b>failOnErrors = N</b> (§3.7.3: "the number of errors that the service provider will accept
 * before the operation is terminated"). All operations share one transaction, each inside its own
 * savepoint ({@link StoreTx#inSavepoint}): a failed operation is undone to its savepoint, nothing
 * of it survives (a group inserted before its bad member included), and the others stay. At the
 * N-th error processing stops: the operations after it are not attempted and not listed, and those
 * processed are committed and reported with their real status. Sharing one transaction makes that
 * commit atomic: a server that dies mid-request leaves none of it behind.
 *
 * <p><b>Passwords</b> of every operation are hashed before any transaction begins ({@link
 * PasswordHashes}): with them, the write lock is held for the writes alone.
 */
final class Bulk {
  private static final Pattern REF = Pattern.compile("bulkId:([^\\s\"/,\\[\\]?#]+)");
  private static final Set<String> METHODS = Set.of("POST", "PUT", "PATCH", "DELETE");

  /** How many bulkIds of a reference cycle its error names. */
  static final int CYCLE_NAMED = 10;

  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

  private final Writes writes;
  private final Store store;
  private final SchemaRegistry registry;
  private final ServiceConfig config;
  private final Scope scope;
  private final String base;
  private final Predicate<String> mayWrite;

  Bulk(
      Writes writes,
      Store store,
      SchemaRegistry registry,
      ServiceConfig config,
      Scope scope,
      String base,
      Predicate<String> mayWrite) {
    this.mayWrite = mayWrite;
    this.writes = writes;
    this.store = store;
    this.registry = registry;
    this.config = config;
    this.scope = scope;
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

  /** The outcome of one operation: {@code error} set when it failed. */
  private record Result(
      int status,
      @Nullable String id,
      @Nullable String location,
      @Nullable String version,
      @Nullable ScimError error) {
    static Result failed(ScimError e) {
      return new Result(e.status(), null, null, null, e);
    }
  }

  ObjectNode run(JsonNode body) {
    if (body == null || !body.isObject()) {
      throw ScimException.invalidSyntax("a bulk request body must be a BulkRequest JSON object");
    }
    JsonNode schemas = CaseInsensitive.get(body, "schemas");
    if (schemas != null && !containsText(schemas, SchemaUrns.BULK_REQUEST)) {
      throw ScimException.invalidSyntax(
          "\"schemas\" of a bulk request must be [\"" + SchemaUrns.BULK_REQUEST + "\"]");
    }
    JsonNode operations = CaseInsensitive.get(body, "Operations");
    if (operations == null || !operations.isArray()) {
      throw ScimException.invalidSyntax("a BulkRequest needs an \"Operations\" array");
    }
    int max = config.bulkMaxOperations();
    if (operations.size() > max) {
      throw ScimException.payloadTooLarge(
          "the bulk request has "
              + operations.size()
              + " operations; at most "
              + max
              + " are allowed (bulk.maxOperations, see /ServiceProviderConfig)");
    }
    Integer failOnErrors = failOnErrors(CaseInsensitive.get(body, "failOnErrors"));
    List<Op> ops = new ArrayList<>();
    for (JsonNode n : operations) {
      ops.add(parse(ops.size(), n));
    }
    List<Op> checked = markDuplicateBulkIds(ops);
    PasswordHashes hashes = hashPasswords(checked);
    Result[] results =
        failOnErrors == null
            ? execute(checked, null, hashes, Integer.MAX_VALUE)
            : store.write(scope, tx -> execute(checked, tx, hashes, failOnErrors));
    ObjectNode response = JSON.objectNode();
    response.putArray("schemas").add(SchemaUrns.BULK_RESPONSE);
    ArrayNode out = response.putArray("Operations");
    for (Op op : checked) {
      Result r = results[op.index()];
      if (r != null) {
        out.add(toJson(op, r));
      }
    }
    return response;
  }

  /** The hashes of every password the operations set, made before any transaction begins. */
  private static PasswordHashes hashPasswords(List<Op> ops) {
    List<String> clear = new ArrayList<>();
    for (Op op : ops) {
      if (op.problem() == null && op.data() != null) {
        switch (op.method()) {
          case "POST", "PUT" -> PasswordHashes.fromResource(op.data(), clear);
          case "PATCH" -> PasswordHashes.fromPatch(op.data(), clear);
          default -> {}
        }
      }
    }
    return PasswordHashes.hash(clear);
  }

  /**
   * Runs the operations in dependency order, each in its own transaction ({@code shared == null})
   * or each in a savepoint of {@code shared}, until {@code limit} of them failed. Operations not
   * processed have no result.
   */
  private Result[] execute(
      List<Op> ops, @Nullable StoreTx shared, PasswordHashes hashes, int limit) {
    Result[] results = new Result[ops.size()];
    Map<String, Op> defs = new HashMap<>();
    for (Op op : ops) {
      if (op.bulkId() != null && op.method().equals("POST")) {
        defs.putIfAbsent(op.bulkId(), op);
      }
    }
    Map<String, String> ids = new HashMap<>();
    int errors = 0;
    List<Op> pending = new ArrayList<>(ops);
    while (!pending.isEmpty() && errors < limit) {
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
        Op first = cycle.stream().min(Comparator.comparingInt(Op::index)).orElseThrow();
        ScimError named =
            new ScimError(409, null, "circular bulkId references: " + describe(cycle, first));
        for (Op op : cycle.stream().sorted(Comparator.comparingInt(Op::index)).toList()) {
          if (errors >= limit) {
            break;
          }
          results[op.index()] =
              Result.failed(
                  op == first
                      ? named
                      : new ScimError(
                          409,
                          null,
                          ref(op.bulkId())
                              + " is on a circular bulkId reference of "
                              + cycle.size()
                              + " operations, which the error of "
                              + ref(first.bulkId())
                              + " names"));
          errors++;
          pending.remove(op);
        }
        continue;
      }
      pending.remove(next);
      Op op = next;
      ScimError problem = op.problem() != null ? op.problem() : references(op, defs, ids);
      if (problem == null) {
        try {
          Result r =
              shared != null
                  ? shared.inSavepoint(() -> apply(shared, op, ids, hashes))
                  : store.write(scope, tx -> apply(tx, op, ids, hashes));
          results[op.index()] = r;
          if (op.bulkId() != null && op.method().equals("POST") && r.id() != null) {
            ids.put(op.bulkId(), r.id());
          }
          continue;
        } catch (ScimException e) {
          problem = e.error();
        }
      }
      results[op.index()] = Result.failed(problem);
      errors++;
    }
    return results;
  }

  /**
   * Ready when every bulkId it references is defined by an operation already processed (or by
   * none).
   */
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

  /**
   * The cycle from {@code first} round to it again, {@code bulkId:a -> bulkId:b -> bulkId:a}, with
   * at most {@value #CYCLE_NAMED} of its bulkIds named.
   */
  private static String describe(List<Op> cycle, Op first) {
    int from = cycle.indexOf(first);
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < Math.min(cycle.size(), CYCLE_NAMED); i++) {
      b.append(ref(cycle.get((from + i) % cycle.size()).bulkId())).append(" -> ");
    }
    if (cycle.size() > CYCLE_NAMED) {
      b.append("\u2026 (").append(cycle.size() - CYCLE_NAMED).append(" more) -> ");
    }
    return b.append(ref(first.bulkId())).toString();
  }

  /** {@code bulkId:x} as the request wrote it, or quoted and cut short when it is long. */
  private static String ref(@Nullable String bulkId) {
    String id = String.valueOf(bulkId);
    return "bulkId:" + (id.length() <= 64 ? id : ScimException.quote(id));
  }

  private static @Nullable ScimError references(
      Op op, Map<String, Op> defs, Map<String, String> ids) {
    for (String ref : op.refs()) {
      Op def = defs.get(ref);
      if (def == null) {
        return new ScimError(
            400,
            io.scimd.core.error.ScimType.INVALID_VALUE,
            ref(ref) + " is defined by no POST operation of this bulk request");
      }
      if (!ids.containsKey(ref)) {
        return new ScimError(
            409, null, ref(ref) + " cannot be resolved: the operation that defines it failed");
      }
    }
    return null;
  }

  private Result apply(StoreTx tx, Op op, Map<String, String> ids, PasswordHashes hashes) {
    // parse() gave every operation without a path, or without data for POST, PUT and PATCH, a
    // problem, so it never gets here; the checks below give PUT, PATCH and DELETE an id.
    String path = resolve(Objects.requireNonNull(op.path()), ids);
    JsonNode data = op.data() == null ? null : resolve(op.data(), ids);
    String p = path.startsWith("/") ? path.substring(1) : path;
    int slash = p.indexOf('/');
    String endpoint = slash < 0 ? p : p.substring(0, slash);
    String id = slash < 0 || slash == p.length() - 1 ? null : p.substring(slash + 1);
    ResourceType type =
        registry
            .byEndpoint(endpoint)
            .orElseThrow(
                () ->
                    ScimException.invalidPath(
                        "bulk path "
                            + ScimException.quote(String.valueOf(op.path()))
                            + " names no resource endpoint"));
    if (!mayWrite.test(type.name())) {
      throw ScimException.forbidden(
          "this client may not write "
              + type.name()
              + " resources: it needs the scope scim:write or scim:write:"
              + type.name());
    }
    if (op.method().equals("POST")) {
      if (id != null) {
        throw ScimException.invalidPath(
            "a bulk POST path is the endpoint alone (\"/"
                + endpoint
                + "\"), not "
                + ScimException.quote(String.valueOf(op.path())));
      }
    } else if (id == null || id.isEmpty() || id.contains("/")) {
      throw ScimException.invalidPath(
          "a bulk "
              + op.method()
              + " path is \"/"
              + endpoint
              + "/{id}\", not "
              + ScimException.quote(String.valueOf(op.path())));
    }
    StoredResource r;
    int status;
    switch (op.method()) {
      case "POST" -> {
        r = writes.createIn(tx, type, Objects.requireNonNull(data), hashes);
        status = 201;
      }
      case "PUT" -> {
        r =
            writes.replaceIn(
                tx,
                type,
                Objects.requireNonNull(id),
                Objects.requireNonNull(data),
                op.version(),
                hashes);
        status = 200;
      }
      case "PATCH" -> {
        r =
            writes.patchIn(
                tx,
                type,
                Objects.requireNonNull(id),
                Objects.requireNonNull(data),
                op.version(),
                hashes,
                false);
        status = 200;
      }
      default -> {
        String deleted = Objects.requireNonNull(id);
        writes.deleteIn(tx, type, deleted, op.version());
        return new Result(204, deleted, Rendering.location(base, type, deleted), null, null);
      }
    }
    return new Result(
        status, r.id(), Rendering.location(base, type, r.id()), r.meta().etag(), null);
  }

  private Op parse(int index, JsonNode n) {
    if (!n.isObject()) {
      return new Op(
          index,
          "",
          null,
          null,
          null,
          null,
          Set.of(),
          syntax("a bulk operation must be a JSON object"));
    }
    String method = text(n, "method");
    String bulkId = text(n, "bulkId");
    String path = text(n, "path");
    String version = text(n, "version");
    JsonNode data = CaseInsensitive.get(n, "data");
    String m = method == null ? "" : method.trim().toUpperCase(Locale.ROOT);
    ScimError problem = null;
    if (!METHODS.contains(m)) {
      problem =
          syntax(
              "a bulk operation's \"method\" must be POST, PUT, PATCH or DELETE, not "
                  + (method == null ? "absent" : ScimException.quote(method)));
    } else if (path == null || path.isBlank()) {
      problem = syntax("a bulk operation needs a \"path\" such as \"/Users\" or \"/Users/{id}\"");
    } else if (m.equals("POST") && (bulkId == null || bulkId.isBlank())) {
      problem = syntax("a bulk POST needs a \"bulkId\" (RFC 7644 §3.7)");
    } else if (!m.equals("DELETE") && (data == null || !data.isObject())) {
      problem = syntax("a bulk " + m + " needs \"data\", a JSON object");
    } else if (version != null && version.replace(",", "").isBlank()) {
      // As an empty If-Match (ETags.checkIfMatch): it names no version to check.
      problem =
          new ScimError(
              400,
              io.scimd.core.error.ScimType.INVALID_VALUE,
              "a bulk operation's \"version\" is empty: give the ETag the resource must have (such as"
                  + " W/\"3\"), or leave it out");
    }
    Set<String> refs = new LinkedHashSet<>();
    if (path != null) {
      collectRefs(TextNode.valueOf(path), refs);
    }
    if (data != null) {
      collectRefs(data, refs);
    }
    return new Op(
        index,
        m.isEmpty() ? (method == null ? "" : method) : m,
        bulkId,
        path,
        data,
        version,
        refs,
        problem);
  }

  private static List<Op> markDuplicateBulkIds(List<Op> ops) {
    Set<String> seen = new java.util.HashSet<>();
    List<Op> out = new ArrayList<>();
    for (Op op : ops) {
      if (op.bulkId() != null
          && op.problem() == null
          && op.method().equals("POST")
          && !seen.add(op.bulkId())) {
        op =
            new Op(
                op.index(),
                op.method(),
                op.bulkId(),
                op.path(),
                op.data(),
                op.version(),
                op.refs(),
                new ScimError(
                    400,
                    io.scimd.core.error.ScimType.INVALID_VALUE,
                    ref(op.bulkId()) + " is used by an earlier operation"));
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
      ObjectNode o = JSON.objectNode();
      n.properties().forEach(e -> o.set(e.getKey(), resolve(e.getValue(), ids)));
      return o;
    }
    if (n.isArray()) {
      ArrayNode a = JSON.arrayNode();
      n.forEach(c -> a.add(resolve(c, ids)));
      return a;
    }
    return n;
  }

  private ObjectNode toJson(Op op, Result r) {
    ObjectNode o = JSON.objectNode();
    if (op.method().length() <= 16) {
      o.put("method", op.method()); // a bad one only when short: it could be of any size
    }
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
      throw ScimException.invalidValue(
          "failOnErrors must be an integer of at least 1, not "
              + (n.isNumber() ? n.toString() : ScimException.quote(n.toString())));
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
