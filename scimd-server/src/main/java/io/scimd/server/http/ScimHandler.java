package io.scimd.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.scimd.core.error.ScimError;
import io.scimd.core.error.ScimException;
import io.scimd.core.schema.ResourceType;
import io.scimd.server.clients.Scopes;
import io.scimd.server.service.ListParams;
import io.scimd.server.service.Responder;
import io.scimd.server.service.ScimResponse;
import io.scimd.server.service.ScimService;
import io.scimd.store.Scope;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.jspecify.annotations.Nullable;

/**
 * The SCIM endpoints of RFC 7644 §3.2 as one Jetty handler: it parses the request into a {@link
 * ScimService} call and writes the {@link ScimResponse}. No SCIM rule lives here; failures are
 * thrown and rendered by {@link ErrorHandling}.
 *
 * <p>{@code HEAD} is answered wherever {@code GET} is, as the same {@code GET} without its body
 * (RFC 9110 §9.3.2): same status and headers, {@code Content-Length} included; Jetty leaves the
 * content of a response to {@code HEAD} unsent.
 */
final class ScimHandler extends Handler.Abstract {
  private final Function<String, ScimService> services;

  /**
   * @param services the SCIM service of each tenant (its schemas); requests without a credential
   *     (discovery under {@code /scim/v2}) see the {@code default} tenant's
   */
  ScimHandler(Function<String, ScimService> services) {
    this.services = services;
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) {
    ScimService service =
        services.apply(
            request.getAttribute(RequestScope.TENANT) instanceof String t
                ? t
                : Scope.DEFAULT_TENANT);
    Route route = Routes.parse(request.getHttpURI().getPath(), service.registry());
    String method = request.getMethod().equals("HEAD") ? "GET" : request.getMethod();
    if (route instanceof Route.NotFound nf) {
      throw ScimException.notFound("no SCIM endpoint at " + ScimException.quote(nf.path()));
    }
    if (!route.methods().contains(method)) {
      TreeSet<String> allowed = new TreeSet<>(route.methods());
      if (allowed.contains("GET")) {
        allowed.add("HEAD");
      }
      String allow = String.join(", ", allowed);
      // Refused before the body was read: it is settled first, or the connection would close
      // under the client's next request (HttpIo.settleBody).
      HttpIo.refuse(
          request,
          response,
          callback,
          new ScimError(
              405,
              null,
              ScimException.quote(request.getMethod()) + " is not allowed here; use " + allow),
          Map.of("Allow", allow));
      return true;
    }
    String missing = missingScope(route, method, RequestScope.scopes(request));
    if (missing != null) {
      HttpIo.refuse(
          request,
          response,
          callback,
          new ScimError(
              403,
              null,
              "this client's scopes do not allow this request: it needs the scope "
                  + missing
                  + (missing.indexOf(':') == missing.lastIndexOf(':')
                      ? ""
                      : " (or "
                          + missing.substring(0, missing.lastIndexOf(':'))
                          + " for every resource type)")),
          Map.of(
              "WWW-Authenticate",
              BearerAuth.REALM + ", error=\"insufficient_scope\", scope=\"" + missing + "\""));
      return true;
    }
    Map<String, String> q = HttpIo.query(request);
    // The mount the client used: /scim/v2, or its tenant's /tenants/{tenant}/scim/v2.
    String base =
        HttpIo.base(request, Routes.mount(request.getHttpURI().getPath()).orElse(Routes.PREFIX));
    // Reads that may be large (lists, a group's members) write to the client as they read.
    Responder out = new StreamedResponse(response, callback);
    @Nullable ScimResponse answer =
        switch (route) {
          case Route.Health h -> service.health();
          case Route.Root r -> {
            service.list(scope(request, response), null, listParams(q), base, out);
            yield null;
          }
          case Route.RootSearch r -> {
            service.list(
                scope(request, response),
                null,
                ListParams.fromSearchRequest(body(service, request)),
                base,
                out);
            yield null;
          }
          case Route.Bulk b -> {
            Set<String> scopes = RequestScope.scopes(request);
            yield service.bulk(
                scope(request, response),
                body(service, request),
                base,
                type -> Scopes.canWrite(scopes, type));
          }
          case Route.Me m -> service.me();
          case Route.ServiceProviderConfig s ->
              service.serviceProviderConfig(base, q.get("filter"));
          case Route.ResourceTypes t -> service.resourceTypes(t.name(), base, q.get("filter"));
          case Route.Schemas s -> service.schemas(s.urn(), base, q.get("filter"));
          case Route.Collection c -> {
            if (method.equals("GET")) {
              service.list(scope(request, response), c.type(), listParams(q), base, out);
              yield null;
            }
            yield service.create(
                scope(request, response),
                c.type(),
                body(service, request),
                base,
                q.get("attributes"),
                q.get("excludedAttributes"));
          }
          case Route.Search s -> {
            service.list(
                scope(request, response),
                s.type(),
                ListParams.fromSearchRequest(body(service, request)),
                base,
                out);
            yield null;
          }
          case Route.Resource r ->
              resource(service, request, response, method, r.type(), r.id(), q, base, out);
          case Route.NotFound nf ->
              throw ScimException.notFound("no SCIM endpoint at " + ScimException.quote(nf.path()));
        };
    if (answer != null) {
      HttpIo.write(response, callback, answer.status(), answer.body(), answer.headers());
    }
    return true;
  }

  /**
   * The scope a request needs and its client lacks ({@code scim:read:User}...); null when it may go
   * on. Discovery needs none; a query across every type needs {@code scim:read} itself; a bulk
   * request is checked operation by operation.
   */
  private static @Nullable String missingScope(Route route, String method, Set<String> scopes) {
    boolean read = method.equals("GET");
    ResourceType type;
    if (route instanceof Route.Collection c) {
      type = c.type();
    } else if (route instanceof Route.Search q) {
      read = true;
      type = q.type();
    } else if (route instanceof Route.Resource r) {
      type = r.type();
    } else if (route instanceof Route.Root || route instanceof Route.RootSearch) {
      type = null;
    } else {
      return null;
    }
    if (type == null) {
      return Scopes.canReadAll(scopes) ? null : Scopes.READ;
    }
    if (read) {
      return Scopes.canRead(scopes, type.name()) ? null : Scopes.READ + ":" + type.name();
    }
    return Scopes.canWrite(scopes, type.name()) ? null : Scopes.WRITE + ":" + type.name();
  }

  /** The answer of a resource's endpoint; null when it was sent to {@code out} (GET). */
  private static @Nullable ScimResponse resource(
      ScimService service,
      Request request,
      Response response,
      String method,
      ResourceType type,
      String id,
      Map<String, String> q,
      String base,
      Responder out) {
    String attributes = q.get("attributes");
    String excluded = q.get("excludedAttributes");
    String ifMatch = request.getHeaders().get(HttpHeader.IF_MATCH);
    Scope scope = scope(request, response);
    return switch (method) {
      case "GET" -> {
        service.get(
            scope,
            type,
            id,
            base,
            attributes,
            excluded,
            request.getHeaders().get(HttpHeader.IF_NONE_MATCH),
            out);
        yield null;
      }
      case "PUT" ->
          service.replace(
              scope, type, id, body(service, request), base, attributes, excluded, ifMatch);
      case "PATCH" ->
          service.patch(
              scope, type, id, body(service, request), base, attributes, excluded, ifMatch);
      case "DELETE" -> service.delete(scope, type, id, ifMatch);
      default -> throw new IllegalStateException("route admitted method " + method);
    };
  }

  private static Scope scope(Request request, Response response) {
    return RequestScope.of(request, response);
  }

  private static JsonNode body(ScimService service, Request request) {
    return HttpIo.readJson(request, service.config().maxPayloadSize());
  }

  static ListParams listParams(Map<String, String> q) {
    return new ListParams(
        q.get("filter"),
        q.get("sortBy"),
        q.get("sortOrder"),
        q.get("startIndex"),
        q.get("count"),
        q.get("cursor"),
        q.get("attributes"),
        q.get("excludedAttributes"));
  }
}
