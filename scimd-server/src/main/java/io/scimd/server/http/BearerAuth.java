package io.scimd.server.http;

import io.scimd.core.error.ScimError;
import io.scimd.server.audit.AuthFailures;
import io.scimd.server.clients.Tokens;
import io.scimd.store.Credentials;
import io.scimd.store.Credentials.Kind;
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
 * Bearer-token authentication (RFC 6750) for the SCIM endpoints, and the tenant of the request. The
 * token is hashed and looked up by its hash, so the comparison never runs over the secret itself:
 * its timing tells nothing about a stored token. Lookups go through {@link VerifiedTokens}: a token
 * used again within half a second costs no database round trip, and a revoked one is refused on
 * every node within it. Discovery endpoints under {@code /scim/v2} and {@code /health} pass without
 * credentials, since clients read {@code /ServiceProviderConfig} to learn how to authenticate (RFC
 * 7644 §4).
 *
 * <p>A request acts in its credential's tenant. Under {@code /tenants/{tenant}/scim/v2} the path
 * must name that very tenant; any other name answers {@link #NO_TENANT}, the same 404 whether that
 * tenant exists or not, decided without asking the store: a credential learns nothing about the
 * tenants it does not belong to.
 *
 * <p>Every token that does not authenticate is counted ({@link AuthFailures}): the audit trail
 * shows, per window of time, how many failed from which address and why. Counting costs no database
 * write; the answer is the same 401 whatever the reason.
 *
 * <p>A request with more than one {@code Authorization} header is refused with 400 on every path:
 * the header is not a list (RFC 9110 §11.6.2), and which of two credentials a proxy checked and
 * which one this server would take cannot be known to agree.
 */
final class BearerAuth extends Handler.Wrapper {
  static final String REALM = "Bearer realm=\"scimd\"";

  /**
   * The answer to a path under {@code /tenants/} that names a tenant other than the credential's.
   */
  static final ScimError NO_TENANT =
      new ScimError(
          404,
          null,
          "no SCIM endpoint at this path: it names no tenant this credential belongs to");

  private final VerifiedTokens verified;
  private final AuthFailures failures;

  BearerAuth(Handler handler, Credentials credentials, InstantSource clock, AuthFailures failures) {
    super(handler);
    this.verified = new VerifiedTokens(credentials, clock, System::nanoTime);
    this.failures = failures;
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) throws Exception {
    int authorizations = request.getHeaders().getValuesList(HttpHeader.AUTHORIZATION).size();
    if (authorizations > 1) {
      HttpIo.writeError(
          response,
          callback,
          new ScimError(
              400,
              null,
              "the request has " + authorizations + " Authorization headers; send exactly one"),
          Map.of());
      return true;
    }
    if (!Routes.needsAuthentication(request.getHttpURI().getPath())) {
      return super.handle(request, response, callback);
    }
    String token = bearerToken(request.getHeaders().get(HttpHeader.AUTHORIZATION));
    if (token == null) {
      HttpIo.refuse(
          request,
          response,
          callback,
          new ScimError(401, null, "this endpoint needs an Authorization: Bearer <token> header"),
          Map.of("WWW-Authenticate", REALM));
      return true;
    }
    // One answer for every way a token can be wrong (malformed, unknown, revoked, expired, a
    // client secret sent as a bearer token): the caller learns nothing about which it was.
    Credentials.Credential credential =
        Tokens.plausible(token)
            ? verified.find(Tokens.hash(token)).filter(c -> c.kind() == Kind.BEARER).orElse(null)
            : null;
    if (credential == null) {
      failures.failed(Request.getRemoteAddr(request), token); // counted, journaled per window
      HttpIo.refuse(
          request,
          response,
          callback,
          new ScimError(401, null, "the bearer token is not valid (unknown, revoked or expired)"),
          Map.of("WWW-Authenticate", REALM + ", error=\"invalid_token\""));
      return true;
    }
    String named = Routes.tenantOf(request.getHttpURI().getPath());
    if (named != null && !named.equals(credential.tenant())) {
      HttpIo.refuse(request, response, callback, NO_TENANT, Map.of());
      return true;
    }
    request.setAttribute(RequestScope.TENANT, credential.tenant());
    Credentials.Client client = credential.client();
    request.setAttribute(
        RequestScope.PRINCIPAL, Scope.Principal.client(client.id(), client.name()));
    request.setAttribute(RequestScope.SCOPES, client.scopes());
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
