package io.scimd.server.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.scimd.server.oauth.AuthorizationServer;
import io.scimd.server.oauth.AuthorizationServer.OAuthError;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.FormFields;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;
import org.jspecify.annotations.Nullable;

/**
 * The OAuth endpoints, open to every caller (they authenticate the client themselves): {@code POST
 * /oauth/token} (RFC 6749 §4.4, form-encoded), {@code GET /oauth/jwks} and {@code GET
 * /.well-known/oauth-authorization-server} (RFC 8414). Errors are RFC 6749 §5.2 JSON; every answer
 * is {@code no-store}.
 */
final class OAuthHandler extends Handler.Abstract {
  static final String TOKEN = "/oauth/token";
  static final String JWKS = "/oauth/jwks";
  static final String METADATA = "/.well-known/oauth-authorization-server";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_FORM_FIELDS = 20;
  private static final int MAX_FORM_BYTES = 16 * 1024;

  private final AuthorizationServer server;

  OAuthHandler(AuthorizationServer server) {
    this.server = server;
  }

  static boolean serves(String path) {
    return path.equals(TOKEN) || path.equals(JWKS) || path.equals(METADATA);
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) {
    String path = request.getHttpURI().getPath();
    String method = request.getMethod();
    String issuer = HttpIo.base(request, "");
    if (path.equals(TOKEN)) {
      if (!method.equals("POST")) {
        return notAllowed(response, callback, "POST");
      }
      token(request, response, callback, issuer);
      return true;
    }
    if (!method.equals("GET") && !method.equals("HEAD")) {
      return notAllowed(response, callback, "GET");
    }
    Map<String, Object> body = path.equals(JWKS) ? server.jwks() : server.metadata(issuer);
    send(response, callback, 200, body, Map.of());
    return true;
  }

  private void token(Request request, Response response, Callback callback, String issuer) {
    try {
      String type = request.getHeaders().get(HttpHeader.CONTENT_TYPE);
      if (type == null
          || !type.toLowerCase(Locale.ROOT).startsWith("application/x-www-form-urlencoded")) {
        throw new OAuthError(
            "invalid_request", 400, "send the parameters as application/x-www-form-urlencoded");
      }
      Fields fields;
      try {
        fields = FormFields.getFields(request, MAX_FORM_FIELDS, MAX_FORM_BYTES);
      } catch (RuntimeException e) {
        throw new OAuthError("invalid_request", 400, "the form cannot be read: " + e.getMessage());
      }
      Map<String, String> form = new HashMap<>();
      for (Fields.Field f : fields) {
        if (f.getValues().size() > 1) {
          // RFC 6749 §3.2: parameters MUST NOT be included more than once.
          throw new OAuthError("invalid_request", 400, f.getName() + " is given more than once");
        }
        form.put(f.getName(), f.getValue());
      }
      String[] basic = basic(request.getHeaders().get(HttpHeader.AUTHORIZATION));
      AuthorizationServer.Issued issued =
          server.token(
              new AuthorizationServer.TokenRequest(
                  form,
                  basic == null ? null : basic[0],
                  basic == null ? null : basic[1],
                  issuer,
                  issuer + TOKEN));
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("access_token", issued.accessToken());
      body.put("token_type", "Bearer");
      body.put("expires_in", issued.expiresIn());
      body.put("scope", String.join(" ", issued.scopes()));
      send(response, callback, 200, body, Map.of("Pragma", "no-cache"));
    } catch (OAuthError e) {
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("error", e.error());
      body.put("error_description", e.getMessage());
      Map<String, String> headers = new HashMap<>();
      headers.put("Pragma", "no-cache");
      if (e.status() == 401) {
        headers.put("WWW-Authenticate", "Basic realm=\"scimd\"");
      }
      if (e.status() == 503) {
        headers.put("Retry-After", "5");
      }
      send(response, callback, e.status(), body, headers);
    }
  }

  /**
   * The client id and secret of an {@code Authorization: Basic} header, each form-urlencoded before
   * being joined (RFC 6749 §2.3.1); null without one.
   *
   * @throws OAuthError for a Basic header that cannot be read
   */
  private static String @Nullable [] basic(@Nullable String header) {
    if (header == null || !header.regionMatches(true, 0, "Basic ", 0, 6)) {
      return null;
    }
    String decoded;
    try {
      decoded =
          new String(
              Base64.getDecoder().decode(header.substring(6).trim()), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw new OAuthError("invalid_client", 401, "the Basic credentials are not base64");
    }
    int colon = decoded.indexOf(':');
    if (colon < 0) {
      throw new OAuthError("invalid_client", 401, "the Basic credentials need id:secret");
    }
    try {
      return new String[] {
        java.net.URLDecoder.decode(decoded.substring(0, colon), StandardCharsets.UTF_8),
        java.net.URLDecoder.decode(decoded.substring(colon + 1), StandardCharsets.UTF_8)
      };
    } catch (IllegalArgumentException e) {
      throw new OAuthError("invalid_client", 401, "the Basic credentials are not form-encoded");
    }
  }

  private static boolean notAllowed(Response response, Callback callback, String allowed) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("error", "invalid_request");
    body.put("error_description", "use " + allowed + " here");
    send(response, callback, 405, body, Map.of("Allow", allowed));
    return true;
  }

  private static void send(
      Response response,
      Callback callback,
      int status,
      Map<String, Object> body,
      Map<String, String> headers) {
    byte[] bytes;
    try {
      bytes = JSON.writeValueAsBytes(body);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
    response.setStatus(status);
    headers.forEach((k, v) -> response.getHeaders().put(k, v));
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
    response.getHeaders().put(HttpHeader.CONTENT_LENGTH, bytes.length);
    response.write(true, ByteBuffer.wrap(bytes), callback);
  }
}
