package io.scimd.server.oauth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import io.scimd.server.clients.Scopes;
import io.scimd.server.clients.Tokens;
import io.scimd.store.Credentials;
import io.scimd.store.Credentials.AssertionKeys;
import io.scimd.store.Credentials.Client;
import io.scimd.store.Credentials.Credential;
import io.scimd.store.Credentials.Kind;
import io.scimd.store.Store;
import java.nio.file.Path;
import java.text.ParseException;
import java.time.InstantSource;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * scimd's OAuth 2.0 authorization server and resource-server checks, free of HTTP: the {@code
 * client_credentials} grant (RFC 6749 §4.4) with a client secret or a signed client assertion (RFC
 * 7523), the JWK Set of the signing keys, RFC 8414 metadata, and the verification of a bearer JWT,
 * scimd's own or a trusted external issuer's, down to a live client and its scopes.
 */
public final class AuthorizationServer {
  private static final Logger LOG = LoggerFactory.getLogger(AuthorizationServer.class);
  static final String ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

  /** How long a node trusts a client it looked up for a token: as long as a verified token. */
  private static final long CLIENT_TTL_NANOS = 500_000_000L;

  private static final int MAX_CACHED = 10_000;

  private final Credentials credentials;
  private final Store store;
  private final OAuthSettings settings;
  private final SigningKeys keys;
  private final AccessTokens tokens;
  private final SecurityEventTokens setSigner;
  private final KeySources sources = new KeySources();
  private final Map<String, External> external = new LinkedHashMap<>();
  private final Map<String, CachedClient> clients = new ConcurrentHashMap<>();
  private final LongSupplier ticker;

  private record External(
      OAuthSettings.TrustedIssuer config, DefaultJWTProcessor<SecurityContext> processor) {}

  private record CachedClient(Optional<Client> client, long at) {}

  /**
   * @param dataDir where this node keeps its private signing key
   * @throws IllegalArgumentException when a trusted issuer's keys cannot be used
   */
  public AuthorizationServer(
      Store store, OAuthSettings settings, Path dataDir, InstantSource clock) {
    this.store = store;
    this.credentials = store.credentials();
    this.settings = settings;
    this.keys =
        new SigningKeys(
            store.oauth(),
            dataDir.resolve(OAuthSettings.KEY_FILE),
            settings.keyRotation(),
            settings.tokenLifetime(),
            clock);
    this.tokens = new AccessTokens(keys, settings.tokenLifetime(), clock);
    this.setSigner = new SecurityEventTokens(keys);
    this.ticker = System::nanoTime;
    for (OAuthSettings.TrustedIssuer t : settings.trusted()) {
      JWTClaimsSet exact = new JWTClaimsSet.Builder().issuer(t.issuer()).build();
      external.put(
          t.issuer(),
          new External(
              t,
              KeySources.processor(
                  sources.of(t.jwks()),
                  KeySources.claims(Set.of(t.audience()), exact, Set.of("exp", t.clientClaim())))));
    }
  }

  /** Makes this node's signing key now, so that a broken data directory stops the start. */
  public void prepare() {
    keys.current();
  }

  // ---------------------------------------------------------------- the token endpoint

  /** An OAuth error response (RFC 6749 §5.2). */
  public static final class OAuthError extends RuntimeException {
    private final String error;
    private final int status;

    public OAuthError(String error, int status, String description) {
      super(description, null, false, false);
      this.error = error;
      this.status = status;
    }

    public String error() {
      return error;
    }

    public int status() {
      return status;
    }
  }

  static OAuthError invalidRequest(String description) {
    return new OAuthError("invalid_request", 400, description);
  }

  static OAuthError invalidClient(String description) {
    return new OAuthError("invalid_client", 401, description);
  }

  /**
   * A token request as received: the form's parameters and how the client authenticated.
   *
   * @param basicId the client id of an {@code Authorization: Basic} header, already decoded
   * @param basicSecret its secret
   * @param issuer this server's issuer URL for this request
   * @param endpoint the token endpoint's URL for this request (an assertion's accepted audience)
   */
  public record TokenRequest(
      Map<String, String> form,
      @Nullable String basicId,
      @Nullable String basicSecret,
      String issuer,
      String endpoint) {}

  /** An access token issued. */
  public record Issued(String accessToken, long expiresIn, Set<String> scopes) {}

  /**
   * The {@code client_credentials} grant.
   *
   * @throws OAuthError with the error RFC 6749 §5.2 names
   */
  public Issued token(TokenRequest r) {
    String grant = r.form().get("grant_type");
    if (grant == null) {
      throw invalidRequest("grant_type is missing; use client_credentials");
    }
    Client client = authenticate(r);
    if (!grant.equals("client_credentials")) {
      throw new OAuthError(
          "unsupported_grant_type", 400, "only the client_credentials grant is supported");
    }
    Set<String> granted = client.scopes();
    String asked = r.form().get("scope");
    if (asked != null && !asked.isBlank()) {
      Set<String> wanted = new LinkedHashSet<>(List.of(asked.trim().split("\\s+")));
      for (String s : wanted) {
        if (!client.scopes().contains(s)) {
          throw new OAuthError(
              "invalid_scope",
              400,
              "the scope '" + s + "' is not one of this client's: " + String.join(" ", granted));
        }
      }
      granted = wanted;
    }
    String issuer = settings.issuer() == null ? r.issuer() : settings.issuer();
    String jwt = tokens.issue(client, granted, issuer);
    return new Issued(jwt, tokens.lifetime().toSeconds(), granted);
  }

  private Client authenticate(TokenRequest r) {
    Map<String, String> f = r.form();
    String assertion = f.get("client_assertion");
    String formSecret = f.get("client_secret");
    int methods =
        (r.basicId() != null ? 1 : 0) + (formSecret != null ? 1 : 0) + (assertion != null ? 1 : 0);
    if (methods == 0) {
      throw invalidClient(
          "no client authentication: use HTTP Basic, client_id and client_secret, or a client"
              + " assertion");
    }
    if (methods > 1) {
      throw invalidRequest("use exactly one client authentication method (RFC 6749 §2.3)");
    }
    if (assertion != null) {
      if (!ASSERTION_TYPE.equals(f.get("client_assertion_type"))) {
        throw invalidRequest("client_assertion_type must be " + ASSERTION_TYPE);
      }
      return byAssertion(assertion, f.get("client_id"), r);
    }
    String id = r.basicId() != null ? r.basicId() : f.get("client_id");
    String secret = r.basicId() != null ? r.basicSecret() : formSecret;
    if (id == null || secret == null) {
      throw invalidClient("client_id and client_secret are both needed");
    }
    Optional<Credential> found =
        Tokens.plausible(secret)
            ? credentials.findByTokenHash(Tokens.hash(secret))
            : Optional.empty();
    if (found.isEmpty()
        || found.get().kind() != Kind.SECRET
        || !found.get().client().id().equals(id)) {
      throw invalidClient("the client is unknown or its secret is wrong, revoked or expired");
    }
    return found.get().client();
  }

  private Client byAssertion(String assertion, @Nullable String clientId, TokenRequest r) {
    SignedJWT jwt;
    JWTClaimsSet unverified;
    try {
      jwt = SignedJWT.parse(assertion);
      unverified = jwt.getJWTClaimsSet();
    } catch (ParseException e) {
      throw invalidClient("the client assertion is not a signed JWT");
    }
    String id = clientId != null ? clientId : unverified.getSubject();
    Client client = id == null ? null : findAnyTenant(id);
    AssertionKeys ak = client == null ? null : client.assertionKeys();
    if (client == null || ak == null) {
      throw invalidClient("the client is unknown or has no keys for client assertions");
    }
    String iss = ak.issuer() != null ? ak.issuer() : client.id();
    String sub = ak.subject() != null ? ak.subject() : client.id();
    Set<String> audiences = new LinkedHashSet<>(List.of(r.endpoint(), r.issuer()));
    if (settings.issuer() != null) {
      audiences.add(settings.issuer());
      audiences.add(settings.issuer() + "/oauth/token");
    }
    DefaultJWTProcessor<SecurityContext> p =
        KeySources.processor(
            keySource(ak),
            KeySources.claims(
                audiences,
                new JWTClaimsSet.Builder().issuer(iss).subject(sub).build(),
                Set.of("exp", "jti")));
    JWTClaimsSet claims;
    try {
      claims = p.process(jwt, null);
    } catch (BadJOSEException | JOSEException e) {
      if (KeySources.unavailable(e)) {
        LOG.warn("cannot fetch the keys of client {}: {}", client.id(), e.getMessage());
        throw new OAuthError(
            "temporarily_unavailable", 503, "the client's keys cannot be fetched now");
      }
      throw invalidClient("the client assertion is not valid: " + e.getMessage());
    }
    Date exp = claims.getExpirationTime();
    if (!store.oauth().firstUse(client.id(), claims.getJWTID(), exp.toInstant())) {
      throw invalidClient("this client assertion was used before (its jti); make a new one");
    }
    return client;
  }

  private com.nimbusds.jose.jwk.source.JWKSource<SecurityContext> keySource(AssertionKeys ak) {
    String inline = ak.jwks();
    String url = ak.jwksUri();
    if (inline != null) {
      return KeySources.inline(inline);
    }
    if (url == null) {
      throw invalidClient("the client has no keys for client assertions");
    }
    return sources.url(url);
  }

  /** The live client with that id, whatever its tenant (client ids are unique). */
  private @Nullable Client findAnyTenant(String id) {
    return credentials.clientById(id).orElse(null);
  }

  /**
   * What signs Security Event Tokens: this node's signing key, published at {@code /oauth/jwks}
   * with the others (docs/decisions/0019-security-events.md).
   */
  public io.scimd.sync.events.SetSigner securityEventSigner() {
    return setSigner;
  }

  /**
   * The issuer this server names: {@code --oauth-issuer} when given, else the URL of the request
   * ({@code requestIssuer}).
   */
  public String issuer(String requestIssuer) {
    String fixed = settings.issuer();
    return fixed != null ? fixed : requestIssuer;
  }

  /** The public keys of the signing keys, as a JWK Set document ({@code /oauth/jwks}). */
  public Map<String, Object> jwks() {
    return keys.jwks().toJSONObject(true);
  }

  /** The authorization server metadata (RFC 8414) of {@code issuer}. */
  public Map<String, Object> metadata(String requestIssuer) {
    String issuer = settings.issuer() != null ? settings.issuer() : requestIssuer;
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("issuer", issuer);
    m.put("token_endpoint", issuer + "/oauth/token");
    m.put("jwks_uri", issuer + "/oauth/jwks");
    m.put("grant_types_supported", List.of("client_credentials"));
    m.put("response_types_supported", List.of());
    m.put(
        "token_endpoint_auth_methods_supported",
        List.of("client_secret_basic", "client_secret_post", "private_key_jwt"));
    m.put(
        "token_endpoint_auth_signing_alg_values_supported",
        KeySources.ALGORITHMS.stream().map(a -> a.getName()).sorted().toList());
    m.put("scopes_supported", List.of(Scopes.READ, Scopes.WRITE, Scopes.ADMIN, Scopes.EVENTS));
    return m;
  }

  // ---------------------------------------------------------------- bearer JWTs

  /** A client a bearer JWT stands for, and the scopes the request may use. */
  public record Authenticated(Client client, Set<String> scopes) {}

  /** Whether {@code token} has the shape of a JWT (three base64url parts, a JSON header). */
  public static boolean looksLikeJwt(String token) {
    return token.startsWith("eyJ") && token.chars().filter(ch -> ch == '.').count() == 2;
  }

  /**
   * The live client and scopes of a bearer JWT: scimd's own access token (its scopes, less any the
   * client has lost since), or a trusted issuer's (the mapped client's scopes). Empty for anything
   * else, whatever was wrong.
   */
  public Optional<Authenticated> verifyBearer(String token) {
    SignedJWT jwt;
    try {
      jwt = SignedJWT.parse(token);
    } catch (ParseException e) {
      return Optional.empty();
    }
    Optional<AccessTokens.Grant> own = tokens.verify(jwt);
    if (own.isPresent()) {
      AccessTokens.Grant g = own.get();
      return client(g.tenant(), g.clientId())
          .filter(c -> c.id().equals(g.clientId()))
          .map(
              c -> {
                Set<String> scopes = new LinkedHashSet<>(g.scopes());
                scopes.retainAll(c.scopes());
                return new Authenticated(c, scopes);
              });
    }
    return externalBearer(jwt);
  }

  private Optional<Authenticated> externalBearer(SignedJWT jwt) {
    String iss;
    try {
      iss = jwt.getJWTClaimsSet().getIssuer();
    } catch (ParseException e) {
      return Optional.empty();
    }
    External e = iss == null ? null : external.get(iss);
    if (e == null) {
      return Optional.empty();
    }
    JWTClaimsSet claims;
    try {
      claims = e.processor().process(jwt, null);
    } catch (BadJOSEException | JOSEException ex) {
      if (KeySources.unavailable(ex)) {
        LOG.warn("cannot fetch the keys of issuer {}: {}", iss, ex.getMessage());
      }
      return Optional.empty();
    }
    Object value = claims.getClaim(e.config().clientClaim());
    if (!(value instanceof String name)) {
      return Optional.empty();
    }
    return client(e.config().tenant(), name).map(c -> new Authenticated(c, c.scopes()));
  }

  /** The live client of a tenant by id or name, trusted for half a second per node. */
  private Optional<Client> client(String tenant, String idOrName) {
    String key = tenant + "\u0000" + idOrName;
    long now = ticker.getAsLong();
    CachedClient cached = clients.get(key);
    if (cached != null && now - cached.at() < CLIENT_TTL_NANOS) {
      return cached.client();
    }
    Optional<Client> found = credentials.client(tenant, idOrName);
    if (clients.size() >= MAX_CACHED) {
      clients.clear();
    }
    clients.put(key, new CachedClient(found, now));
    return found;
  }
}
