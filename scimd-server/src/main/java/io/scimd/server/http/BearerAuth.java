package io.scimd.server.http;

import io.scimd.core.error.ScimError;
import io.scimd.store.Credentials;
import io.scimd.store.Scope;
import java.time.InstantSource;
import java.util.Locale;
import java.util.Map;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.jspecify.annotations.Nullable;

/**
 * Bearer-token authentication (RFC 6750) for the SCIM endpoints. The token is hashed and looked up
 * by its hash, so the comparison never runs over the secret itself: its timing tells nothing about
 * a stored token. Lookups go through {@link VerifiedTokens}: a token used again within half a
 * second costs no database round trip, and a revoked one is refused on every node within it.
 * Discovery endpoints and {@code /health} pass without credentials, since clients read {@code
 * /ServiceProviderConfig} to learn how to authenticate (RFC 7644 §4).
 */
final class BearerAuth extends Handler.Wrapper {
  static final String REALM = "Bearer realm=\"scimd\"";

  private final VerifiedTokens verified;

  BearerAuth(Handler handler, Credentials credentials, InstantSource clock) {
    super(handler);
    this.verified = new VerifiedTokens(credentials, clock, System::nanoTime);
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) throws Exception {
    if (!Routes.needsAuthentication(request.getHttpURI().getPath())) {
      return super.handle(request, response, callback);
    }
    String token = bearerToken(request.getHeaders().get(HttpHeader.AUTHORIZATION));
    if (token == null) {
      HttpIo.writeError(
          response,
          callback,
          new ScimError(401, null, "this endpoint needs an Authorization: Bearer <token> header"),
          Map.of("WWW-Authenticate", REALM));
      return true;
    }
    Credentials.Credential credential = verified.find(Tokens.hash(token)).orElse(null);
    if (credential == null) {
      HttpIo.writeError(
          response,
          callback,
          new ScimError(401, null, "the bearer token is not valid (unknown, revoked or expired)"),
          Map.of("WWW-Authenticate", REALM + ", error=\"invalid_token\""));
      return true;
    }
    request.setAttribute(
        RequestScope.PRINCIPAL, Scope.Principal.credential(credential.id(), credential.name()));
    return super.handle(request, response, callback);
  }

  /** The token of an {@code Authorization: Bearer <token>} header, scheme any case; else null. */
  static @Nullable String bearerToken(@Nullable String header) {
    if (header == null) {
      return null;
    }
    String h = header.trim();
    int sp = h.indexOf(' ');
    if (sp < 0 || !h.substring(0, sp).toLowerCase(Locale.ROOT).equals("bearer")) {
      return null;
    }
    String token = h.substring(sp + 1).trim();
    return token.isEmpty() ? null : token;
  }
}
