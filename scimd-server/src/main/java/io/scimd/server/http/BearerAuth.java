package io.scimd.server.http;

import io.scimd.core.error.ScimError;
import io.scimd.server.audit.AuthFailures;
import io.scimd.server.clients.Tokens;
import io.scimd.server.limits.Buckets;
import io.scimd.server.limits.Rate;
import io.scimd.server.oauth.AuthorizationServer;
import io.scimd.store.Credentials;
import io.scimd.store.Credentials.Kind;
import io.scimd.store.Scope;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.InstantSource;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
 *
 * <p><b>One answer for every bad credential.</b> An {@code Authorization} header that does not
 * authenticate, whatever is wrong with it (a token unknown, revoked or expired, a malformed header,
 * another scheme), answers the one 401 {@link #INVALID}, byte for byte: a caller learns nothing
 * about which tokens exist or existed. Only a request without the header answers differently, as
 * RFC 6750 §3.1 asks (no {@code error} attribute when no credentials were sent), which says nothing
 * about any token.
 *
 * <p><b>Failed authentications are throttled per address.</b> Each such 401 takes a token from the
 * client address's bucket ({@code --auth-failure-limit}, 10 a minute by default; the address as
 * {@code --trusted-proxy} makes it out, an IPv6 address by its /64, which one host usually holds
 * whole). While that bucket is empty, the address's requests to protected endpoints answer 429 with
 * {@code Retry-After} without their token being looked up, unless it is a token this node found
 * live lately ({@link VerifiedTokens#known}): a guesser is held to the limit and cannot even learn
 * that a guess was right, while a good client behind the same NAT goes on working. Discovery and
 * {@code /health} are never throttled.
 */
final class BearerAuth extends Handler.Wrapper {
  private static final Logger LOG = LoggerFactory.getLogger(BearerAuth.class);

  static final String REALM = "Bearer realm=\"scimd\"";

  /** The answer to a request without an {@code Authorization} header (RFC 6750 §3.1). */
  static final ScimError MISSING =
      new ScimError(401, null, "this endpoint needs an Authorization: Bearer <token> header");

  /**
   * The answer to every {@code Authorization} header that does not authenticate: one fixed body and
   * {@link #INVALID_CHALLENGE}, whatever was wrong.
   */
  static final ScimError INVALID =
      new ScimError(
          401,
          null,
          "the credentials are not valid: send Authorization: Bearer <token> with a live token");

  static final String INVALID_CHALLENGE = REALM + ", error=\"invalid_token\"";

  /**
   * The answer to a path under {@code /tenants/} that names a tenant other than the credential's.
   */
  static final ScimError NO_TENANT =
      new ScimError(
          404,
          null,
          "no SCIM endpoint at this path: it names no tenant this credential belongs to");

  private final VerifiedTokens verified;
  private final AuthorizationServer oauth;
  private final @Nullable Buckets failures;
  private final AuthFailures failureLog;
  private boolean protectMetrics;

  /**
   * @param oauth what verifies bearer JWTs (scimd's access tokens, trusted issuers')
   * @param failures failed authentications by client address ({@link #addressKey}), or null to
   *     throttle none
   * @param failureLog where each failed authentication is counted for the audit trail
   */
  BearerAuth(
      Handler handler,
      Credentials credentials,
      AuthorizationServer oauth,
      InstantSource clock,
      @Nullable Buckets failures,
      AuthFailures failureLog) {
    super(handler);
    this.verified = new VerifiedTokens(credentials, clock, System::nanoTime);
    this.oauth = oauth;
    this.failureLog = failureLog;
    this.failures = failures;
  }

  /** Whether {@code /metrics} needs a credential (it does unless {@code --metrics-open}). */
  BearerAuth protectMetrics(boolean protect) {
    this.protectMetrics = protect;
    return this;
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
    String path = request.getHttpURI().getPath();
    if (!Routes.needsAuthentication(path) && !(protectMetrics && Operations.METRICS.equals(path))) {
      return super.handle(request, response, callback);
    }
    String header = request.getHeaders().get(HttpHeader.AUTHORIZATION);
    String token = bearerToken(header);
    String hash = token == null ? null : Tokens.hash(token);
    // The common case costs nothing: no address is looked at until some address has failed.
    Buckets failed = failures;
    String address = null;
    if (failed != null && !failed.isEmpty()) {
      address = addressKey(request);
      long wait = failed.waitNanos(address);
      if (wait > 0 && (hash == null || !verified.known(hash))) {
        HttpIo.refuse(
            request,
            response,
            callback,
            new ScimError(
                429,
                null,
                "too many failed authentications from this address (at most "
                    + failed.rate().count()
                    + " a "
                    + per(failed.rate())
                    + "): retry after "
                    + RateLimiting.seconds(wait)
                    + " s with a valid token"),
            Map.of("Retry-After", Long.toString(RateLimiting.seconds(wait))));
        return true;
      }
    }
    if (header == null) {
      HttpIo.refuse(request, response, callback, MISSING, Map.of("WWW-Authenticate", REALM));
      return true;
    }
    // One answer for every way a token can be wrong (malformed, unknown, revoked, expired, a
    // client secret sent as a bearer token, a JWT nobody trusted signed): the caller learns
    // nothing about which it was.
    AuthorizationServer.Authenticated who =
        token == null || hash == null ? null : authenticate(token, hash);
    if (who == null) {
      if (failed != null) {
        String from = address != null ? address : addressKey(request);
        if (failed.charge(from, 1) > 0) {
          LOG.info(
              "failed authentications from {} reached the limit ({}): its requests without a"
                  + " known token answer 429 for a while",
              from,
              failed.rate());
        }
      }
      // Counted, and journaled once a window (0015).
      failureLog.failed(Request.getRemoteAddr(request), token != null ? token : header);
      HttpIo.refuse(
          request, response, callback, INVALID, Map.of("WWW-Authenticate", INVALID_CHALLENGE));
      return true;
    }
    Credentials.Client client = who.client();
    String named = Routes.tenantOf(request.getHttpURI().getPath());
    if (named != null && !named.equals(client.tenant())) {
      HttpIo.refuse(request, response, callback, NO_TENANT, Map.of());
      return true;
    }
    request.setAttribute(RequestScope.TENANT, client.tenant());
    request.setAttribute(
        RequestScope.PRINCIPAL, Scope.Principal.client(client.id(), client.name()));
    request.setAttribute(RequestScope.SCOPES, who.scopes());
    return super.handle(request, response, callback);
  }

  /**
   * The client and scopes of a bearer token: a JWT (an access token of scimd's or of a trusted
   * issuer), else a token scimd issued, looked up by its hash; null when it is neither.
   */
  private AuthorizationServer.@Nullable Authenticated authenticate(String token, String hash) {
    if (AuthorizationServer.looksLikeJwt(token)) {
      return oauth.verifyBearer(token).orElse(null);
    }
    if (!Tokens.plausible(token)) {
      return null;
    }
    return verified
        .find(hash)
        .filter(c -> c.kind() == Kind.BEARER)
        .map(c -> new AuthorizationServer.Authenticated(c.client(), c.client().scopes()))
        .orElse(null);
  }

  private static String per(Rate rate) {
    long s = rate.period().toSeconds();
    return s == 1 ? "second" : s == 60 ? "minute" : "hour";
  }

  /**
   * The key of the request's client address for throttling: the address as the transport made it
   * out (behind a trusted proxy, the forwarded client's), an IPv6 address as its /64 network (one
   * host or site is usually given a whole /64, so a single address would let it try 2^64 times).
   */
  static String addressKey(Request request) {
    if (request.getConnectionMetaData().getRemoteSocketAddress() instanceof InetSocketAddress isa
        && isa.getAddress() != null) {
      InetAddress a = isa.getAddress();
      if (a instanceof Inet6Address) {
        byte[] b = a.getAddress();
        return HexFormat.of().formatHex(b, 0, 8) + "::/64";
      }
      return a.getHostAddress();
    }
    return Request.getRemoteAddr(request);
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
