package io.scimd.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scimd.core.error.ScimException;
import io.scimd.server.clients.Scopes;
import io.scimd.server.oauth.AuthorizationServer;
import io.scimd.store.Scope;
import io.scimd.sync.ssf.SsfError;
import io.scimd.sync.ssf.SsfStreams;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Map;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.jspecify.annotations.Nullable;

/**
 * The OpenID Shared Signals Framework endpoints of a tenant
 * (docs/decisions/0019-security-events.md), for clients with the {@code events} or {@code admin}
 * scope, in the credential's tenant only:
 *
 * <ul>
 *   <li>{@code GET /.well-known/ssf-configuration/tenants/{t}} (SSF 1.0 §7.2: the issuer {@code
 *       <base>/tenants/{t}} with {@code /.well-known/ssf-configuration} inserted before its path),
 *       and for convenience {@code /.well-known/ssf-configuration} (the credential's tenant) and
 *       {@code /tenants/{t}/.well-known/ssf-configuration};
 *   <li>{@code /tenants/{t}/ssf/streams} (GET, POST, PATCH, PUT, DELETE), {@code /ssf/status} (GET,
 *       POST), {@code /ssf/subjects:add} and {@code :remove} (POST), {@code /ssf/verify} (POST);
 *   <li>{@code POST /tenants/{t}/ssf/poll/{stream_id}} (RFC 8936).
 * </ul>
 *
 * Errors are {@code {"err": ..., "description": ...}} as RFC 8935/8936 shape them.
 */
final class SsfHandler extends Handler.Abstract {
  static final String WELL_KNOWN = "/.well-known/ssf-configuration";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_BODY = 256 * 1024;

  /** How long a poll without {@code returnImmediately} waits for an event. */
  static final Duration LONG_POLL = Duration.ofSeconds(20);

  private final SsfStreams streams;
  private final AuthorizationServer oauth;

  SsfHandler(SsfStreams streams, AuthorizationServer oauth) {
    this.streams = streams;
    this.oauth = oauth;
  }

  /** Whether the path is one of the SSF endpoints. */
  static boolean serves(String path) {
    if (path.equals(WELL_KNOWN) || path.startsWith(WELL_KNOWN + "/")) {
      return true;
    }
    String rest = underTenant(path);
    return rest != null && (rest.equals(WELL_KNOWN) || rest.startsWith("/ssf/"));
  }

  /** The path after {@code /tenants/{t}}, or null when it is not under a tenant. */
  private static @Nullable String underTenant(String path) {
    String tenant = Routes.tenantOf(path);
    if (tenant == null || tenant.isEmpty()) {
      return null;
    }
    return path.substring(Routes.TENANTS.length() + 1 + tenant.length());
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) {
    try {
      if (!Scopes.canReceiveEvents(RequestScope.scopes(request))) {
        throw new SsfError(
            403, "access_denied", "security event streams need a client with the events scope");
      }
      Scope scope = RequestScope.of(request, response);
      String path = request.getHttpURI().getPath();
      String method = request.getMethod();
      String base = oauth.issuer(HttpIo.base(request, ""));
      String issuer = base + Routes.TENANTS + "/" + scope.tenant();
      if (path.equals(WELL_KNOWN) || path.startsWith(WELL_KNOWN + "/")) {
        String named = path.substring(WELL_KNOWN.length());
        if (!named.isEmpty() && !named.equals(Routes.TENANTS + "/" + scope.tenant())) {
          throw new SsfError(404, "not_found", "no transmitter at this path for this credential");
        }
        configuration(method, response, callback, issuer, base);
        return true;
      }
      String rest = underTenant(path);
      if (rest == null) {
        throw new SsfError(404, "not_found", "no SSF endpoint at this path");
      }
      if (rest.equals(WELL_KNOWN)) {
        configuration(method, response, callback, issuer, base);
        return true;
      }
      Map<String, String> query = HttpIo.query(request);
      switch (rest) {
        case "/ssf/streams" -> {
          switch (method) {
            case "GET" -> {
              String id = query.get("stream_id");
              send(
                  response,
                  callback,
                  200,
                  id == null ? streams.list(scope.tenant()) : streams.read(scope.tenant(), id));
            }
            case "POST" ->
                send(
                    response,
                    callback,
                    201,
                    streams.create(scope, issuer, scope.principal().id(), object(request)));
            case "PATCH" ->
                send(response, callback, 200, streams.update(scope, object(request), false));
            case "PUT" ->
                send(response, callback, 200, streams.update(scope, object(request), true));
            case "DELETE" -> {
              String id = query.get("stream_id");
              if (id == null) {
                throw SsfError.invalid("give the stream_id of the stream to delete");
              }
              streams.delete(scope, id);
              send(response, callback, 204, null);
            }
            default -> throw notAllowed("GET, POST, PATCH, PUT, DELETE");
          }
        }
        case "/ssf/status" -> {
          switch (method) {
            case "GET" -> {
              String id = query.get("stream_id");
              if (id == null) {
                throw SsfError.invalid("give the stream_id");
              }
              send(response, callback, 200, streams.status(scope.tenant(), id));
            }
            case "POST" -> send(response, callback, 200, streams.setStatus(scope, object(request)));
            default -> throw notAllowed("GET, POST");
          }
        }
        case "/ssf/subjects:add", "/ssf/subjects:remove" -> {
          requirePost(method);
          streams.subjects(scope.tenant(), object(request));
          send(response, callback, rest.endsWith("add") ? 200 : 204, null);
        }
        case "/ssf/verify" -> {
          requirePost(method);
          streams.verify(scope, object(request));
          send(response, callback, 204, null);
        }
        default -> {
          if (!rest.startsWith("/ssf/poll/") || rest.length() == "/ssf/poll/".length()) {
            throw new SsfError(404, "not_found", "no SSF endpoint at this path");
          }
          requirePost(method);
          String id = rest.substring("/ssf/poll/".length());
          JsonNode body = request.getLength() == 0 ? JSON.createObjectNode() : read(request);
          send(response, callback, 200, streams.poll(scope, id, body, LONG_POLL));
        }
      }
    } catch (SsfError e) {
      error(request, response, callback, e.status(), e.err(), e.getMessage());
    } catch (ScimException e) {
      // a body that is no JSON, too large, of another type
      error(request, response, callback, e.error().status(), "invalid_request", e.error().detail());
    }
    return true;
  }

  private void configuration(
      String method, Response response, Callback callback, String issuer, String base) {
    if (!method.equals("GET") && !method.equals("HEAD")) {
      throw notAllowed("GET");
    }
    send(response, callback, 200, streams.configuration(issuer, base + "/oauth/jwks"));
  }

  private static ObjectNode object(Request request) {
    JsonNode n = read(request);
    if (!(n instanceof ObjectNode o)) {
      throw SsfError.invalid("the body must be a JSON object");
    }
    return o;
  }

  private static JsonNode read(Request request) {
    return HttpIo.readJson(request, MAX_BODY);
  }

  private static void requirePost(String method) {
    if (!method.equals("POST")) {
      throw notAllowed("POST");
    }
  }

  private static SsfError notAllowed(String allowed) {
    return new SsfError(405, "invalid_request", "use " + allowed + " here");
  }

  private static void error(
      Request request,
      Response response,
      Callback callback,
      int status,
      String err,
      @Nullable String description) {
    HttpIo.settleBody(request, response); // refused before its body was read: keep the connection
    ObjectNode body = JSON.createObjectNode();
    body.put("err", err);
    body.put("description", description == null ? err : description);
    send(response, callback, status, body);
  }

  private static void send(
      Response response, Callback callback, int status, @Nullable JsonNode body) {
    response.setStatus(status);
    if (body == null || status == 204) {
      callback.succeeded();
      return;
    }
    byte[] bytes;
    try {
      bytes = JSON.writeValueAsBytes(body);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
    response.getHeaders().put(HttpHeader.CONTENT_LENGTH, bytes.length);
    response.write(true, ByteBuffer.wrap(bytes), callback);
  }
}
