package io.scimd.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scimd.access.AccessException;
import io.scimd.access.AccessHistory;
import io.scimd.access.AccessModel;
import io.scimd.access.AuthZen;
import io.scimd.access.Claims;
import io.scimd.access.Directory;
import io.scimd.access.Identity;
import io.scimd.core.error.ScimException;
import io.scimd.server.clients.Scopes;
import io.scimd.store.Scope;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.InstantSource;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.jspecify.annotations.Nullable;

/**
 * The access model's endpoints (docs/decisions/0021-access-model.md), for clients with the {@code
 * access} or {@code admin} scope, in the credential's tenant:
 *
 * <pre>
 * GET  /.well-known/authzen-configuration       AuthZEN discovery (no credential needed)
 * GET  /.well-known/authzen-configuration/tenants/{t}   a tenant's, whose endpoints are the same
 *                                               under /tenants/{t} (for that tenant's clients)
 * POST /access/v1/evaluation                    AuthZEN 1.0
 * POST /access/v1/evaluations
 * POST /access/v1/search/subject | resource | action
 * GET  /access/v1/claims?application=&amp;subject=&amp;type=user|agent
 * POST /access/v1/hooks/okta/{application}      Okta token inline hook
 * POST /access/v1/hooks/entra/{application}     Entra ID custom claims provider
 * </pre>
 *
 * and, for clients with the {@code admin} scope only (an auditor's questions, not a gateway's), the
 * access history, each as of now or of a past instant {@code at} (RFC 3339):
 *
 * <pre>
 * GET  /access/v1/history?subject=&amp;type=user|agent&amp;at=   a subject's groups and roles then
 * GET  /access/v1/history?application=&amp;role=&amp;at=         who held a role then
 * GET  /access/v1/review/{application}?at=&amp;format=json|csv  an access review
 * GET  /access/v1/leavers/{userIdOrUserName}             when a user left, what it lost, delivery
 * </pre>
 *
 * A client whose scope is {@code agent:<agent>} is that agent's own credential: it asks about its
 * agent only (the subject may be left out).
 *
 * <p>Errors are {@code {"error": "..."}} with the status AuthZEN gives (400, 401, 403, 404).
 */
final class AccessHandler extends Handler.Abstract {
  static final String WELL_KNOWN = "/.well-known/authzen-configuration";
  static final String PREFIX = "/access/v1";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_BODY = 1024 * 1024;

  private final AccessModel access;
  private final InstantSource clock;

  AccessHandler(AccessModel access, InstantSource clock) {
    this.access = access;
    this.clock = clock;
  }

  /** Whether the path is one of these endpoints. */
  static boolean serves(String path) {
    return path.equals(WELL_KNOWN) || tenantOfWellKnown(path) != null || isApi(path);
  }

  /**
   * The path as the credential's tenant sees it: {@code /tenants/{t}/access/v1/...} is {@code
   * /access/v1/...} of tenant {@code t} ({@link BearerAuth} serves it only to that tenant's
   * clients); any other path as it is.
   */
  static String local(String path) {
    String tenant = Routes.tenantOf(path);
    if (tenant == null || tenant.isEmpty()) {
      return path;
    }
    String rest = path.substring(Routes.TENANTS.length() + 1 + tenant.length());
    return rest.equals("/access") || rest.startsWith("/access/") ? rest : path;
  }

  /**
   * The tenant of {@code /.well-known/authzen-configuration/tenants/{t}}; null for another path.
   */
  static @Nullable String tenantOfWellKnown(String path) {
    String prefix = WELL_KNOWN + Routes.TENANTS + "/";
    if (!path.startsWith(prefix) || path.length() == prefix.length()) {
      return null;
    }
    String tenant = path.substring(prefix.length());
    return tenant.contains("/") ? null : tenant;
  }

  /** Whether the path is under {@code /access/} (of a tenant or not): these need a credential. */
  static boolean isApi(String path) {
    String p = local(path);
    return p.equals("/access") || p.startsWith("/access/");
  }

  /**
   * Whether the path is a decision a gateway asks per request it serves: under {@code /access/} and
   * not the access history.
   */
  static boolean isDecision(String path) {
    return isApi(path) && !isHistory(local(path));
  }

  /** Whether the path is one of the access history's endpoints. */
  static boolean isHistory(String path) {
    return path.equals(PREFIX + "/history")
        || path.startsWith(PREFIX + "/review/")
        || path.startsWith(PREFIX + "/leavers/");
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) {
    try {
      String raw = request.getHttpURI().getPath();
      String path = local(raw);
      String method = request.getMethod();
      if (raw.equals(WELL_KNOWN)) {
        requireMethod(method, "GET");
        send(response, callback, 200, AuthZen.configuration(HttpIo.base(request, "")));
        return true;
      }
      String named = tenantOfWellKnown(raw);
      if (named != null) {
        // The policy decision point of one tenant (AuthZEN's well-known URI for an identifier with
        // a path): its endpoints are under /tenants/{t}, for that tenant's clients.
        requireMethod(method, "GET");
        send(
            response,
            callback,
            200,
            AuthZen.configuration(HttpIo.base(request, "") + Routes.TENANTS + "/" + named));
        return true;
      }
      if (!Scopes.canDecide(RequestScope.scopes(request))) {
        response
            .getHeaders()
            .put(
                "WWW-Authenticate",
                BearerAuth.REALM + ", error=\"insufficient_scope\", scope=\"access\"");
        throw new AccessException(
            403, List.of("access decisions need a client with the access scope"));
      }
      Scope scope = RequestScope.of(request, response);
      if (!path.startsWith(PREFIX + "/")) {
        throw AccessException.notFound("no access endpoint at " + path);
      }
      String rest = path.substring(PREFIX.length());
      if (isHistory(path)) {
        history(request, response, callback, scope, rest);
        return true;
      }
      Directory now = access.now(scope);
      String agent = Scopes.agentOf(RequestScope.scopes(request));
      if (agent != null) {
        return asAgent(request, response, callback, now, rest, method, agent);
      }
      ObjectNode answer =
          switch (rest) {
            case "/evaluation" -> AuthZen.evaluation(now, body(request, method));
            case "/evaluations" -> AuthZen.evaluations(now, body(request, method));
            case "/search/subject" -> AuthZen.searchSubject(now, body(request, method));
            case "/search/resource" -> AuthZen.searchResource(now, body(request, method));
            case "/search/action" -> AuthZen.searchAction(now, body(request, method));
            case "/claims" -> {
              requireMethod(method, "GET");
              Map<String, String> q = HttpIo.query(request);
              yield Claims.of(
                  now,
                  param(q, "application"),
                  Identity.Kind.ofWire(q.getOrDefault("type", "user")),
                  param(q, "subject"));
            }
            default -> {
              if (rest.startsWith("/hooks/okta/")) {
                yield Claims.okta(now, app(rest, "/hooks/okta/"), body(request, method));
              }
              if (rest.startsWith("/hooks/entra/")) {
                yield Claims.entra(now, app(rest, "/hooks/entra/"), body(request, method));
              }
              throw AccessException.notFound("no access endpoint at " + path);
            }
          };
      send(response, callback, 200, answer);
    } catch (AccessException e) {
      error(request, response, callback, e.status(), e.detail());
    } catch (ScimException e) {
      error(request, response, callback, e.status(), e.getMessage());
    } catch (IllegalArgumentException e) {
      error(request, response, callback, 400, e.getMessage());
    } catch (IllegalStateException e) {
      error(request, response, callback, 409, e.getMessage());
    }
    return true;
  }

  /**
   * An agent's own credential ({@code agent:<agent>}): it asks about itself only. A request without
   * a subject is about the agent; one naming another subject is a 403; searches for other subjects
   * and the token hooks are not an agent's.
   */
  private boolean asAgent(
      Request request,
      Response response,
      Callback callback,
      Directory now,
      String rest,
      String method,
      String agent) {
    ObjectNode answer =
        switch (rest) {
          case "/evaluation" -> AuthZen.evaluation(now, self(body(request, method), agent));
          case "/evaluations" -> {
            ObjectNode body = self(body(request, method), agent);
            JsonNode items = body.get("evaluations");
            if (items != null && items.isArray()) {
              for (JsonNode item : items) {
                if (item instanceof ObjectNode o && o.has("subject")) {
                  self(o, agent);
                }
              }
            }
            yield AuthZen.evaluations(now, body);
          }
          case "/search/resource" ->
              AuthZen.searchResource(now, self(body(request, method), agent));
          case "/search/action" -> AuthZen.searchAction(now, self(body(request, method), agent));
          case "/claims" -> {
            requireMethod(method, "GET");
            Map<String, String> q = HttpIo.query(request);
            String subject = q.getOrDefault("subject", agent);
            if (!subject.equals(agent)) {
              throw forbidden(agent);
            }
            yield Claims.of(now, param(q, "application"), Identity.Kind.AGENT, agent);
          }
          default ->
              throw new AccessException(
                  403,
                  List.of(
                      "an agent's credential asks about its agent only: evaluation, evaluations,"
                          + " search/resource, search/action and claims"));
        };
    send(response, callback, 200, answer);
    return true;
  }

  /** The request about the agent: its subject set to the agent, or refused when another. */
  private static ObjectNode self(JsonNode body, String agent) {
    if (!(body instanceof ObjectNode o)) {
      throw AccessException.invalid("the request: a JSON object");
    }
    JsonNode s = o.get("subject");
    if (s == null || s.isNull()) {
      o.putObject("subject").put("type", "agent").put("id", agent);
      return o;
    }
    if (!"agent".equals(s.path("type").asText()) || !agent.equals(s.path("id").asText())) {
      throw forbidden(agent);
    }
    return o;
  }

  private static AccessException forbidden(String agent) {
    return new AccessException(
        403,
        List.of(
            "this credential is the agent '"
                + agent
                + "''s own: it may ask about that agent only (leave the subject out)"));
  }

  /** The access history's endpoints: the admin scope only. */
  private void history(
      Request request, Response response, Callback callback, Scope scope, String rest) {
    requireMethod(request.getMethod(), "GET");
    if (!Scopes.canAdminister(RequestScope.scopes(request))) {
      response
          .getHeaders()
          .put(
              "WWW-Authenticate",
              BearerAuth.REALM + ", error=\"insufficient_scope\", scope=\"admin\"");
      throw new AccessException(
          403, List.of("access history is an auditor's: it needs a client with the admin scope"));
    }
    Map<String, String> q = HttpIo.query(request);
    AccessHistory history = access.history(scope);
    Instant now = clock.instant();
    Instant at = at(q.get("at"));
    if (rest.equals("/history")) {
      String subject = q.get("subject");
      String application = q.get("application");
      if (subject != null && application != null) {
        throw AccessException.invalid("ask about a subject or an application and role, not both");
      }
      if (subject != null) {
        send(
            response,
            callback,
            200,
            history.subject(
                Identity.Kind.ofWire(q.getOrDefault("type", "user")),
                param(q, "subject"),
                at,
                now));
      } else if (application != null) {
        send(
            response,
            callback,
            200,
            history.holders(param(q, "application"), param(q, "role"), at, now));
      } else {
        throw AccessException.invalid(
            "the query parameter subject (with type), or application and role, is required");
      }
    } else if (rest.startsWith("/review/")) {
      String format = q.getOrDefault("format", "json");
      if (!format.equals("json") && !format.equals("csv")) {
        throw AccessException.invalid("format: json or csv, not " + ScimException.quote(format));
      }
      ObjectNode review = history.review(app(rest, "/review/"), at, now);
      if (format.equals("csv")) {
        byte[] bytes = AccessHistory.reviewCsv(review).getBytes(StandardCharsets.UTF_8);
        response.setStatus(200);
        response
            .getHeaders()
            .put(HttpHeader.CONTENT_TYPE, "text/csv; charset=utf-8; header=present");
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, bytes.length);
        response.write(true, ByteBuffer.wrap(bytes), callback);
      } else {
        send(response, callback, 200, review);
      }
    } else {
      send(response, callback, 200, history.leaver(app(rest, "/leavers/"), now));
    }
  }

  /**
   * An instant as RFC 3339 writes it ({@code 2026-03-03T09:30:00Z}, {@code ...+01:00}); null for
   * none: now.
   */
  static @Nullable Instant at(@Nullable String text) {
    if (text == null || text.isBlank()) {
      return null;
    }
    try {
      return OffsetDateTime.parse(
              text.trim().toUpperCase(Locale.ROOT), DateTimeFormatter.ISO_OFFSET_DATE_TIME)
          .toInstant();
    } catch (DateTimeParseException e) {
      throw AccessException.invalid(
          "at: "
              + ScimException.quote(text)
              + " is not an RFC 3339 time, e.g. 2026-03-03T09:30:00Z");
    }
  }

  private static String app(String rest, String prefix) {
    String name = Routes.decode(rest.substring(prefix.length()));
    if (name.isEmpty() || name.contains("/")) {
      throw AccessException.notFound("name the application: " + PREFIX + prefix + "{application}");
    }
    return name;
  }

  private static String param(Map<String, String> q, String name) {
    String v = q.get(name);
    if (v == null || v.isBlank()) {
      throw AccessException.invalid("the query parameter " + name + " is required");
    }
    return v;
  }

  private static JsonNode body(Request request, String method) {
    requireMethod(method, "POST");
    return HttpIo.readJson(request, MAX_BODY);
  }

  private static void requireMethod(String method, String allowed) {
    if (!method.equals(allowed)) {
      throw new AccessException(405, List.of(method + " is not allowed here; use " + allowed));
    }
  }

  private static void error(
      Request request, Response response, Callback callback, int status, @Nullable String message) {
    HttpIo.settleBody(request, response); // refused before its body was read: keep the connection
    ObjectNode body = JSON.createObjectNode();
    body.put("error", message == null ? "the request could not be served" : message);
    send(response, callback, status, body);
  }

  private static void send(Response response, Callback callback, int status, JsonNode body) {
    byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
    response.setStatus(status);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
    response.getHeaders().put(HttpHeader.CONTENT_LENGTH, bytes.length);
    response.write(true, ByteBuffer.wrap(bytes), callback);
  }
}
