package io.scimd.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scimd.core.error.ScimException;
import io.scimd.server.clients.ClientAdmin;
import io.scimd.server.clients.Scopes;
import io.scimd.store.Credentials;
import io.scimd.store.Credentials.Client;
import io.scimd.store.Credentials.Credential;
import io.scimd.store.Credentials.Kind;
import io.scimd.store.Scope;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
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
 * </pre>
 *
 * A new secret is in the 201 answer's {@code token} and nowhere else, ever.
 */
final class AdminHandler extends Handler.Abstract {
  static final String PREFIX = "/admin/v1";
  private static final int MAX_BODY = 64 * 1024;
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

  private final ClientAdmin admin;

  AdminHandler(ClientAdmin admin) {
    this.admin = admin;
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
    if (!n.canConvertToLong() || !n.isIntegralNumber() || n.asLong() < 0) {
      throw new Problem(400, quote(name) + " must be a whole number of seconds, 0 or more");
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
