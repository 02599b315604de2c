package io.scimd.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scimd.access.AccessException;
import io.scimd.access.AccessModel;
import io.scimd.core.error.ScimException;
import io.scimd.core.schema.SchemaRegistry;
import io.scimd.server.audit.AuditEntries;
import io.scimd.server.clients.ClientAdmin;
import io.scimd.server.clients.Scopes;
import io.scimd.server.hub.HubNode;
import io.scimd.server.hub.Reconciling;
import io.scimd.store.AuditQuery;
import io.scimd.store.Credentials;
import io.scimd.store.Credentials.Client;
import io.scimd.store.Credentials.Credential;
import io.scimd.store.Credentials.Kind;
import io.scimd.store.HubRecords;
import io.scimd.store.Scope;
import io.scimd.store.Store;
import io.scimd.sync.Hub;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;
import org.jspecify.annotations.Nullable;

/**
 * The admin API, {@code /admin/v1}, JSON, for a client with the {@code admin} scope, always in that
 * client's own tenant: another tenant's clients and tokens are not found, exactly as ones that do
 * not exist. Errors are RFC 9457 problem details ({@code application/problem+json}).
 *
 * <pre>
 * GET    /admin/v1/clients                       the tenant's clients
 * POST   /admin/v1/clients                       {"name": "okta", "scopes": ["scim:read", ...]}
 * GET    /admin/v1/clients/{id}
 * DELETE /admin/v1/clients/{id}                  and revoke its credentials
 * GET    /admin/v1/clients/{id}/tokens           its live credentials (never a secret)
 * POST   /admin/v1/clients/{id}/tokens           {"type": "bearer"|"client_secret", "expiresIn": s}
 * POST   /admin/v1/clients/{id}/tokens/rotate    {"type": ..., "overlap": s, "expiresIn": s}
 * DELETE /admin/v1/tokens/{id}                   revoke at once
 * GET    /admin/v1/audit?resourceType=&amp;resourceId=&amp;client=&amp;principal=&amp;operation=&amp;since=&amp;until=&amp;limit=&amp;cursor=
 * GET    /admin/v1/audit/{resourceType}/{id}?limit=&amp;cursor=   everything that happened to it
 * GET    /admin/v1/targets                       the tenant's hub targets, each with its status
 * POST   /admin/v1/targets                       {"name": "crm", "type": "webhook", "url": ...}
 * GET    /admin/v1/targets/{name}
 * PUT    /admin/v1/targets/{name}                its new definition (secrets left out are kept)
 * DELETE /admin/v1/targets/{name}
 * POST   /admin/v1/targets/{name}/pause          {"reason": "..."} (optional)
 * POST   /admin/v1/targets/{name}/resume
 * POST   /admin/v1/targets/{name}/approve        let deletions the deletion guard held through
 * POST   /admin/v1/targets/{name}/rewind         {"seq": n} or {"at": "2026-12-01T09:00:00Z"}:
 *                                                send everything from there again
 * POST   /admin/v1/targets/{name}/reconcile      {"dryRun": true|false} (default true): a scim
 *                                                target compared with the directory, repaired
 * POST   /admin/v1/targets/{name}/preview        {"mapping": ..., "scope": ...}: what a scim
 *                                                target would get with them (nothing is saved)
 * GET    /admin/v1/targets/{name}/dead-letters?after=&amp;limit=
 * POST   /admin/v1/targets/{name}/dead-letters/replay   {"seq": n} (optional: all of them)
 * GET    /admin/v1/applications                  the tenant's applications (the access model)
 * POST   /admin/v1/applications                  {"name": "ci", "roles": [...], "rules": [...]}
 * GET    /admin/v1/applications/{name}
 * PUT    /admin/v1/applications/{name}           its new definition
 * DELETE /admin/v1/applications/{name}
 * </pre>
 *
 * A new secret is in the 201 answer's {@code token} and nowhere else, ever. The audit trail is the
 * tenant's own journal ({@link AuditEntries}), paged by a cursor: the number of the last entry a
 * page covered, which the next request passes back. A webhook secret scimd makes for a target is in
 * the answer that saved it ({@code secret}) and nowhere else; a target is never shown with its
 * secrets.
 */
final class AdminHandler extends Handler.Abstract {
  static final String PREFIX = "/admin/v1";
  private static final int MAX_BODY = 64 * 1024;
  private static final long MAX_SECONDS = 10L * 366 * 24 * 3600;
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

  /** The parameters of an audit search; names match in any case. */
  private static final List<String> SEARCH_PARAMS =
      List.of(
          "resourceType",
          "resourceId",
          "client",
          "principal",
          "operation",
          "since",
          "until",
          "limit",
          "cursor");

  /** The page size of an audit search when the request names none. */
  static final int DEFAULT_LIMIT = 100;

  private final ClientAdmin admin;
  private final Store store;
  private final SchemaRegistry registry;
  private final HubNode hub;
  private final AccessModel access;

  AdminHandler(
      ClientAdmin admin, Store store, SchemaRegistry registry, HubNode hub, AccessModel access) {
    this.admin = admin;
    this.store = store;
    this.registry = registry;
    this.hub = hub;
    this.access = access;
  }

  /** An answer of the admin API that is not a success. */
  private static final class Problem extends RuntimeException {
    final int status;

    Problem(int status, String detail) {
      super(detail, null, false, false);
      this.status = status;
    }
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) {
    try {
      if (!Scopes.canAdminister(RequestScope.scopes(request))) {
        response
            .getHeaders()
            .put(
                "WWW-Authenticate",
                BearerAuth.REALM + ", error=\"insufficient_scope\", scope=\"admin\"");
        throw new Problem(403, "the admin API needs a credential of a client with the scope admin");
      }
      Answer a = route(request, response);
      write(response, callback, a.status(), a.body());
    } catch (Problem p) {
      // A refusal (403 and the like) comes before the body was read: settle it, or the
      // connection closes under the client's next request (HttpIo.settleBody).
      HttpIo.settleBody(request, response);
      problem(response, callback, p.status, p.getMessage());
    } catch (ScimException e) {
      problem(response, callback, e.status(), e.getMessage());
    } catch (IllegalArgumentException e) {
      problem(response, callback, 400, e.getMessage());
    } catch (IllegalStateException e) {
      problem(response, callback, 409, e.getMessage());
    }
    return true;
  }

  private record Answer(int status, @Nullable JsonNode body) {}

  private Answer route(Request request, Response response) {
    String path = request.getHttpURI().getPath();
    if (!path.startsWith(PREFIX + "/")) {
      throw new Problem(404, "no admin endpoint at " + path + "; the admin API is at " + PREFIX);
    }
    List<String> s = List.of(path.substring(PREFIX.length() + 1).split("/", -1));
    String method = request.getMethod();
    Scope scope = RequestScope.of(request, response);
    String tenant = scope.tenant();
    if (s.get(0).equals("clients")) {
      if (s.size() == 1) {
        return switch (method) {
          case "GET" -> {
            ArrayNode list = JSON.arrayNode();
            admin.clients(tenant).forEach(c -> list.add(client(c)));
            ObjectNode body = JSON.objectNode();
            body.set("clients", list);
            yield new Answer(200, body);
          }
          case "POST" -> {
            JsonNode body = HttpIo.readJson(request, MAX_BODY);
            String name = text(body, "name", true);
            List<String> scopes = new ArrayList<>();
            JsonNode given = body.get("scopes");
            if (given != null && !given.isNull()) {
              if (!given.isArray()) {
                throw new Problem(400, "\"scopes\" must be an array of strings");
              }
              given.forEach(v -> scopes.add(v.asText()));
            }
            yield new Answer(201, client(admin.createClient(scope, String.valueOf(name), scopes)));
          }
          default -> throw notAllowed(method, "GET, POST");
        };
      }
      Client client = findClient(tenant, s.get(1));
      if (s.size() == 2) {
        return switch (method) {
          case "GET" -> new Answer(200, client(client));
          case "DELETE" -> {
            admin.deleteClient(scope, client.id());
            yield new Answer(204, null);
          }
          default -> throw notAllowed(method, "GET, DELETE");
        };
      }
      if (s.get(2).equals("tokens") && s.size() == 3) {
        return switch (method) {
          case "GET" -> {
            ArrayNode list = JSON.arrayNode();
            admin.credentials(client).forEach(c -> list.add(credential(c)));
            ObjectNode body = JSON.objectNode();
            body.set("tokens", list);
            yield new Answer(200, body);
          }
          case "POST" -> {
            JsonNode body = optionalBody(request);
            ClientAdmin.Issued issued =
                admin.issue(scope, client, kind(body), seconds(body, "expiresIn"));
            yield new Answer(201, issued(issued));
          }
          default -> throw notAllowed(method, "GET, POST");
        };
      }
      if (s.get(2).equals("tokens") && s.size() == 4 && s.get(3).equals("rotate")) {
        if (!method.equals("POST")) {
          throw notAllowed(method, "POST");
        }
        JsonNode body = optionalBody(request);
        Duration overlap = seconds(body, "overlap");
        ClientAdmin.Rotated r =
            admin.rotate(
                scope,
                client,
                kind(body),
                overlap == null ? ClientAdmin.DEFAULT_OVERLAP : overlap,
                seconds(body, "expiresIn"));
        ObjectNode out = issued(r.issued());
        ArrayNode ending = out.putArray("ending");
        r.ending().forEach(c -> ending.add(credential(c)));
        return new Answer(201, out);
      }
    }
    if (s.get(0).equals("audit") && (s.size() == 1 || s.size() == 3)) {
      if (!method.equals("GET")) {
        throw notAllowed(method, "GET");
      }
      return new Answer(200, s.size() == 1 ? search(request, tenant) : history(request, tenant, s));
    }
    if (s.get(0).equals("targets")) {
      return targets(request, response, method, scope, s);
    }
    if (s.get(0).equals("applications")) {
      return applications(request, response, method, scope, s);
    }
    if (s.get(0).equals("tokens") && s.size() == 2) {
      if (!method.equals("DELETE")) {
        throw notAllowed(method, "DELETE");
      }
      if (!admin.revoke(scope, s.get(1))) {
        throw new Problem(404, "no live token " + quote(s.get(1)) + " in this tenant");
      }
      return new Answer(204, null);
    }
    throw new Problem(404, "no admin endpoint at " + path);
  }

  /** {@code /admin/v1/applications...}: the tenant's applications, roles and rules. */
  private Answer applications(
      Request request, Response response, String method, Scope scope, List<String> s) {
    try {
      if (s.size() == 1) {
        return switch (method) {
          case "GET" -> {
            ObjectNode body = JSON.objectNode();
            ArrayNode list = body.putArray("applications");
            access.list(scope.tenant()).forEach(list::add);
            yield new Answer(200, body);
          }
          case "POST" -> {
            ObjectNode saved = access.create(scope, definition(request));
            response
                .getHeaders()
                .put(
                    HttpHeader.LOCATION,
                    HttpIo.base(request, PREFIX + "/applications/" + saved.path("name").asText()));
            yield new Answer(201, saved);
          }
          default -> throw notAllowed(method, "GET, POST");
        };
      }
      String name = Routes.decode(s.get(1));
      if (s.size() != 2) {
        throw new Problem(404, "no admin endpoint at " + request.getHttpURI().getPath());
      }
      return switch (method) {
        case "GET" ->
            new Answer(
                200, access.show(scope.tenant(), name).orElseThrow(() -> noApplication(name)));
        case "PUT" ->
            new Answer(
                200,
                access
                    .update(scope, name, definition(request))
                    .orElseThrow(() -> noApplication(name)));
        case "DELETE" -> {
          if (!access.delete(scope, name)) {
            throw noApplication(name);
          }
          yield new Answer(204, null);
        }
        default -> throw notAllowed(method, "GET, PUT, DELETE");
      };
    } catch (AccessException e) {
      throw new Problem(e.status(), e.detail());
    }
  }

  private static Problem noApplication(String name) {
    return new Problem(404, "no application " + quote(name) + " in this tenant");
  }

  /** {@code /admin/v1/targets...}: the tenant's provisioning hub targets. */
  private Answer targets(
      Request request, Response response, String method, Scope scope, List<String> s) {
    Hub targets = hub.hub();
    String tenant = scope.tenant();
    if (s.size() == 1) {
      return switch (method) {
        case "GET" -> {
          ObjectNode body = JSON.objectNode();
          ArrayNode list = body.putArray("targets");
          targets.list(tenant).forEach(list::add);
          yield new Answer(200, body);
        }
        case "POST" -> {
          Hub.Saved saved = targets.create(scope, definition(request));
          String name = saved.target().path("name").asText();
          response
              .getHeaders()
              .put(HttpHeader.LOCATION, HttpIo.base(request, PREFIX + "/targets/" + name));
          yield new Answer(201, saved(saved));
        }
        default -> throw notAllowed(method, "GET, POST");
      };
    }
    String name = Routes.decode(s.get(1));
    if (s.size() == 2) {
      return switch (method) {
        case "GET" -> new Answer(200, targets.show(tenant, name).orElseThrow(() -> noTarget(name)));
        case "PUT" -> {
          Optional<Hub.Saved> saved = targets.update(scope, name, definition(request));
          hub.wake(); // its worker opens the new definition at its next step
          yield new Answer(200, saved(saved.orElseThrow(() -> noTarget(name))));
        }
        case "DELETE" -> {
          if (!targets.delete(scope, name)) {
            throw noTarget(name);
          }
          yield new Answer(204, null);
        }
        default -> throw notAllowed(method, "GET, PUT, DELETE");
      };
    }
    if (s.size() == 3 && (s.get(2).equals("pause") || s.get(2).equals("resume"))) {
      if (!method.equals("POST")) {
        throw notAllowed(method, "POST");
      }
      String reason = null;
      if (s.get(2).equals("pause")) {
        reason = text(optionalBody(request), "reason", false);
        if (reason == null || reason.isBlank()) {
          reason = "paused by " + scope.principal().name();
        }
      }
      ObjectNode shown = targets.pause(scope, name, reason).orElseThrow(() -> noTarget(name));
      hub.wake();
      return new Answer(200, shown);
    }
    if (s.size() == 3 && s.get(2).equals("approve")) {
      if (!method.equals("POST")) {
        throw notAllowed(method, "POST");
      }
      ObjectNode shown = targets.approve(scope, name).orElseThrow(() -> noTarget(name));
      hub.wake();
      return new Answer(200, shown);
    }
    if (s.size() == 3 && s.get(2).equals("rewind")) {
      if (!method.equals("POST")) {
        throw notAllowed(method, "POST");
      }
      if (!(optionalBody(request) instanceof ObjectNode o)) {
        throw new Problem(
            400, "the body is a JSON object: {\"seq\": n} or {\"at\": \"<RFC 3339>\"}");
      }
      JsonNode seq = o.get("seq");
      if (seq != null && !seq.isNull() && !seq.canConvertToExactIntegral()) {
        throw new Problem(400, "\"seq\" must be a journal entry number");
      }
      String at = text(o, "at", false);
      java.time.Instant instant = null;
      if (at != null) {
        try {
          instant = java.time.OffsetDateTime.parse(at).toInstant();
        } catch (java.time.format.DateTimeParseException e) {
          throw new Problem(400, "\"at\" must be an RFC 3339 instant, e.g. 2026-12-01T09:00:00Z");
        }
      }
      ObjectNode shown =
          targets
              .rewind(scope, name, seq == null || seq.isNull() ? null : seq.longValue(), instant)
              .orElseThrow(() -> noTarget(name));
      hub.wake();
      return new Answer(200, shown);
    }
    if (s.size() == 3 && (s.get(2).equals("reconcile") || s.get(2).equals("preview"))) {
      if (!method.equals("POST")) {
        throw notAllowed(method, "POST");
      }
      JsonNode body = optionalBody(request);
      if (!(body instanceof ObjectNode o)) {
        throw new Problem(400, "the body is a JSON object");
      }
      Optional<Reconciling.Result> result;
      if (s.get(2).equals("reconcile")) {
        JsonNode dry = o.get("dryRun");
        if (dry != null && !dry.isNull() && !dry.isBoolean()) {
          throw new Problem(400, "\"dryRun\" must be true or false");
        }
        // Without "dryRun", a dry run: repairing writes to the target, so it is asked for.
        boolean dryRun = dry == null || dry.isNull() || dry.booleanValue();
        result = Reconciling.reconcile(targets, tenant, name, dryRun);
      } else {
        result = Reconciling.preview(targets, tenant, name, o);
      }
      return new Answer(200, result.orElseThrow(() -> noTarget(name)).json());
    }
    if (s.size() >= 3 && s.get(2).equals("dead-letters")) {
      if (targets.show(tenant, name).isEmpty()) {
        throw noTarget(name);
      }
      if (s.size() == 3) {
        if (!method.equals("GET")) {
          throw notAllowed(method, "GET");
        }
        Map<String, String> q = auditQuery(request, List.of("after", "limit"));
        int limit = limit(q.get("limit"), DEFAULT_LIMIT);
        List<HubRecords.DeadLetter> letters =
            targets.deadLetters(tenant, name, cursor(q.get("after")), limit);
        ObjectNode body = JSON.objectNode();
        ArrayNode list = body.putArray("deadLetters");
        letters.forEach(d -> list.add(deadLetter(d)));
        body.put(
            "nextCursor",
            letters.size() < limit ? null : Long.toString(letters.get(letters.size() - 1).seq()));
        return new Answer(200, body);
      }
      if (s.size() == 4 && s.get(3).equals("replay")) {
        if (!method.equals("POST")) {
          throw notAllowed(method, "POST");
        }
        JsonNode body = optionalBody(request);
        JsonNode seq = body.get("seq");
        Long only = null;
        if (seq != null && !seq.isNull()) {
          if (!seq.isIntegralNumber() || !seq.canConvertToLong() || seq.asLong() < 1) {
            throw new Problem(400, "\"seq\" must be the journal number of a dead letter");
          }
          only = seq.asLong();
        }
        int marked = targets.replay(scope, name, only);
        if (only != null && marked == 0) {
          throw new Problem(
              404, "the target " + quote(name) + " has no dead letter " + only + " to replay");
        }
        hub.wake();
        ObjectNode out = JSON.objectNode();
        out.put("replayed", marked);
        return new Answer(200, out);
      }
    }
    throw new Problem(404, "no admin endpoint at " + request.getHttpURI().getPath());
  }

  /** A target definition: a JSON object. */
  private static ObjectNode definition(Request request) {
    if (HttpIo.readJson(request, MAX_BODY) instanceof ObjectNode o) {
      return o;
    }
    throw new Problem(400, "a definition is a JSON object");
  }

  /** A saved target, with the secret scimd made for it: in this answer only. */
  private static ObjectNode saved(Hub.Saved saved) {
    ObjectNode out = saved.target().deepCopy();
    String secret = saved.shownOnce();
    if (secret != null) {
      out.put("secret", secret);
    }
    return out;
  }

  private static ObjectNode deadLetter(HubRecords.DeadLetter d) {
    ObjectNode n = JSON.objectNode();
    n.put("seq", d.seq());
    n.put("resourceType", d.resourceType());
    n.put("resourceId", d.resourceId());
    n.put("attempts", d.attempts());
    n.put("error", d.error());
    n.put("at", d.at().toString());
    n.put("replayed", string(d.replayed()));
    return n;
  }

  private static Problem noTarget(String name) {
    return new Problem(404, "no target " + quote(name) + " in this tenant");
  }

  /** {@code GET /admin/v1/audit?...}: a search of the tenant's audit trail. */
  private ObjectNode search(Request request, String tenant) {
    Map<String, String> q = auditQuery(request, SEARCH_PARAMS);
    String type = q.get("resourceType");
    if (type != null) {
      type = journalType(type);
    }
    String id = q.get("resourceId");
    if (id != null && type == null) {
      throw new Problem(
          400, "\"resourceId\" needs \"resourceType\": the trail keeps ids per resource type");
    }
    String client = q.get("client");
    String principal = q.get("principal");
    if (client != null && principal != null) {
      throw new Problem(400, "give \"client\" or \"principal\", not both");
    }
    List<String> principals =
        client != null
            ? AuditQuery.clientPrincipals(client)
            : principal != null ? List.of(principal) : List.of();
    String operation = q.get("operation");
    if (operation != null && !AuditEntries.operations().contains(operation)) {
      throw new Problem(
          400,
          "\"operation\" must be one of "
              + String.join(", ", AuditEntries.operations())
              + ", not "
              + quote(operation));
    }
    Instant since = time(q, "since");
    Instant until = time(q, "until");
    if (since != null && until != null && until.isBefore(since)) {
      throw new Problem(400, "\"until\" (" + until + ") is before \"since\" (" + since + ")");
    }
    AuditQuery query =
        new AuditQuery(
            type,
            id,
            principals,
            operation,
            since,
            until,
            cursor(q.get("cursor")),
            limit(q.get("limit"), DEFAULT_LIMIT));
    return page(AuditEntries.search(store.audit(), tenant, query));
  }

  /** {@code GET /admin/v1/audit/{type}/{id}}: everything that happened to one resource. */
  private ObjectNode history(Request request, String tenant, List<String> segments) {
    Map<String, String> q = auditQuery(request, List.of("limit", "cursor"));
    String type = journalType(Routes.decode(segments.get(1)));
    String id = Routes.decode(segments.get(2));
    if (id.isEmpty()) {
      throw new Problem(404, "no admin endpoint at " + request.getHttpURI().getPath());
    }
    return page(
        AuditEntries.history(
            store,
            tenant,
            type,
            id,
            cursor(q.get("cursor")),
            limit(q.get("limit"), AuditQuery.MAX_LIMIT)));
  }

  private static ObjectNode page(AuditEntries.Page page) {
    ObjectNode body = JSON.objectNode();
    ArrayNode entries = body.putArray("entries");
    page.entries().forEach(entries::add);
    Long next = page.next();
    body.put("nextCursor", next == null ? null : Long.toString(next));
    return body;
  }

  /**
   * The query parameters of an audit request, by their canonical names: 400 for one this endpoint
   * does not know (a misspelt filter must not silently widen an audit), or one given twice.
   */
  private static Map<String, String> auditQuery(Request request, List<String> known) {
    Fields fields;
    try {
      fields = Request.extractQueryParameters(request, StandardCharsets.UTF_8);
    } catch (RuntimeException e) {
      throw new Problem(400, "the query string is not valid percent-encoded UTF-8");
    }
    Map<String, String> out = new HashMap<>();
    for (Fields.Field f : fields) {
      String name =
          known.stream()
              .filter(k -> k.equalsIgnoreCase(f.getName()))
              .findFirst()
              .orElseThrow(
                  () ->
                      new Problem(
                          400,
                          "unknown parameter "
                              + quote(f.getName())
                              + "; this endpoint takes "
                              + String.join(", ", known)));
      if (f.getValues().size() != 1 || out.containsKey(name)) {
        throw new Problem(400, "the parameter " + quote(name) + " is given more than once");
      }
      if (f.getValue().isBlank()) {
        throw new Problem(
            400, "the parameter " + quote(name) + " is empty: give a value or leave it out");
      }
      out.put(name, f.getValue());
    }
    return out;
  }

  /** A resource type as the journal names it; 400 for one it cannot hold. */
  private String journalType(String name) {
    return AuditEntries.type(registry, name)
        .orElseThrow(
            () ->
                new Problem(
                    400,
                    "unknown resource type "
                        + quote(name)
                        + "; the audit trail holds "
                        + String.join(", ", AuditEntries.typeNames(registry))));
  }

  /**
   * An RFC 3339 time ({@code 2026-03-01T10:00:00Z}, {@code ...+02:00}); a {@code +} that form
   * decoding turned into a space is taken back.
   */
  private static @Nullable Instant time(Map<String, String> q, String name) {
    String v = q.get(name);
    if (v == null) {
      return null;
    }
    try {
      return OffsetDateTime.parse(v.strip().replace(' ', '+').toUpperCase(Locale.ROOT)).toInstant();
    } catch (DateTimeParseException e) {
      throw new Problem(
          400,
          quote(name) + " must be an RFC 3339 time such as 2026-03-01T00:00:00Z, not " + quote(v));
    }
  }

  /** The number after which a page starts: 0 without a cursor; 400 for one we did not issue. */
  private static long cursor(@Nullable String cursor) {
    if (cursor == null) {
      return 0;
    }
    if (!cursor.matches("[0-9]{1,18}")) {
      throw new Problem(
          400, "\"cursor\" is not one this API gave: pass back a page's nextCursor as it is");
    }
    return Long.parseLong(cursor);
  }

  private static int limit(@Nullable String limit, int fallback) {
    if (limit == null) {
      return fallback;
    }
    if (!limit.matches("[0-9]{1,4}")
        || Integer.parseInt(limit) < 1
        || Integer.parseInt(limit) > AuditQuery.MAX_LIMIT) {
      throw new Problem(400, "\"limit\" must be a whole number from 1 to " + AuditQuery.MAX_LIMIT);
    }
    return Integer.parseInt(limit);
  }

  private Client findClient(String tenant, String id) {
    return admin
        .client(tenant, id)
        .filter(c -> c.id().equals(id))
        .orElseThrow(() -> new Problem(404, "no client " + quote(id) + " in this tenant"));
  }

  private static JsonNode optionalBody(Request request) {
    return request.getLength() == 0 ? JSON.objectNode() : HttpIo.readJson(request, MAX_BODY);
  }

  private static Kind kind(JsonNode body) {
    String type = text(body, "type", false);
    if (type == null || type.equals("bearer")) {
      return Kind.BEARER;
    }
    if (type.equals("client_secret")) {
      return Kind.SECRET;
    }
    throw new Problem(400, "\"type\" must be \"bearer\" or \"client_secret\", not " + quote(type));
  }

  private static @Nullable Duration seconds(JsonNode body, String name) {
    JsonNode n = body.get(name);
    if (n == null || n.isNull()) {
      return null;
    }
    // At most ten years: a larger number would overflow the time it is added to, not mean more.
    if (!n.canConvertToLong()
        || !n.isIntegralNumber()
        || n.asLong() < 0
        || n.asLong() > MAX_SECONDS) {
      throw new Problem(
          400,
          quote(name)
              + " must be a whole number of seconds from 0 to "
              + MAX_SECONDS
              + " (10 years)");
    }
    return Duration.ofSeconds(n.asLong());
  }

  private static @Nullable String text(JsonNode body, String name, boolean required) {
    JsonNode n = body.get(name);
    if (n == null || n.isNull()) {
      if (required) {
        throw new Problem(400, "the request needs a string " + quote(name));
      }
      return null;
    }
    if (!n.isTextual()) {
      throw new Problem(400, quote(name) + " must be a string");
    }
    return n.asText();
  }

  private static ObjectNode client(Client c) {
    ObjectNode n = JSON.objectNode();
    n.put("id", c.id());
    n.put("name", c.name());
    ArrayNode scopes = n.putArray("scopes");
    new TreeSet<>(c.scopes()).forEach(scopes::add);
    n.put("created", c.created().toString());
    Credentials.AssertionKeys k = c.assertionKeys();
    if (k != null) {
      n.put("jwksUri", k.jwksUri());
      n.put("hasJwks", k.jwks() != null);
      n.put("assertionIssuer", k.issuer());
      n.put("assertionSubject", k.subject());
    }
    return n;
  }

  private static ObjectNode credential(Credential c) {
    ObjectNode n = JSON.objectNode();
    n.put("id", c.id());
    n.put("client", c.client().id());
    n.put("type", c.kind() == Kind.BEARER ? "bearer" : "client_secret");
    n.put("hint", c.hint());
    n.put("created", c.created().toString());
    n.put("expires", string(c.expires()));
    n.put("lastUsed", string(c.lastUsed()));
    return n;
  }

  private static ObjectNode issued(ClientAdmin.Issued issued) {
    ObjectNode n = credential(issued.credential());
    n.put("token", issued.secret());
    return n;
  }

  private static @Nullable String string(@Nullable Instant t) {
    return t == null ? null : t.toString();
  }

  private static Problem notAllowed(String method, String allowed) {
    return new Problem(405, quote(method) + " is not allowed here; use " + allowed);
  }

  private static String quote(String s) {
    return ScimException.quote(s);
  }

  private static void write(
      Response response, Callback callback, int status, @Nullable JsonNode body) {
    if (body == null) {
      response.setStatus(status);
      callback.succeeded();
      return;
    }
    send(response, callback, status, "application/json", body);
  }

  private static void problem(
      Response response, Callback callback, int status, @Nullable String detail) {
    ObjectNode p = JSON.objectNode();
    p.put("type", "about:blank");
    p.put("title", org.eclipse.jetty.http.HttpStatus.getMessage(status));
    p.put("status", status);
    p.put("detail", detail == null ? "the request could not be served" : detail);
    send(response, callback, status, "application/problem+json", p);
  }

  private static void send(
      Response response, Callback callback, int status, String type, JsonNode body) {
    byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
    response.setStatus(status);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, type);
    response.getHeaders().put(HttpHeader.CONTENT_LENGTH, bytes.length);
    response.write(true, ByteBuffer.wrap(bytes), callback);
  }
}
