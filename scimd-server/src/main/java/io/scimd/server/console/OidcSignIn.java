package io.scimd.server.console;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.util.DefaultResourceRetriever;
import com.nimbusds.jwt.JWT;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.oauth2.sdk.AuthorizationCode;
import com.nimbusds.oauth2.sdk.AuthorizationCodeGrant;
import com.nimbusds.oauth2.sdk.ErrorObject;
import com.nimbusds.oauth2.sdk.GeneralException;
import com.nimbusds.oauth2.sdk.ParseException;
import com.nimbusds.oauth2.sdk.ResponseType;
import com.nimbusds.oauth2.sdk.TokenRequest;
import com.nimbusds.oauth2.sdk.TokenResponse;
import com.nimbusds.oauth2.sdk.auth.ClientSecretBasic;
import com.nimbusds.oauth2.sdk.auth.Secret;
import com.nimbusds.oauth2.sdk.http.HTTPRequest;
import com.nimbusds.oauth2.sdk.id.ClientID;
import com.nimbusds.oauth2.sdk.id.Issuer;
import com.nimbusds.oauth2.sdk.id.State;
import com.nimbusds.oauth2.sdk.pkce.CodeChallengeMethod;
import com.nimbusds.oauth2.sdk.pkce.CodeVerifier;
import com.nimbusds.openid.connect.sdk.AuthenticationRequest;
import com.nimbusds.openid.connect.sdk.Nonce;
import com.nimbusds.openid.connect.sdk.OIDCTokenResponse;
import com.nimbusds.openid.connect.sdk.OIDCTokenResponseParser;
import com.nimbusds.openid.connect.sdk.op.OIDCProviderMetadata;
import com.nimbusds.openid.connect.sdk.validators.IDTokenValidator;
import io.scimd.server.clients.Tokens;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * The console's sign-in through an OpenID Connect provider: the authorization code flow with PKCE
 * (S256), a {@code state} and a {@code nonce} (docs/decisions/0031-console-oidc.md).
 *
 * <p>{@link #begin} keeps what the callback needs (the nonce, the PKCE verifier, the redirect URI)
 * in this node's memory under the hash of a random {@code state}, for {@link #PENDING_FOR}; {@link
 * #finish} takes it out whatever comes next, so a state is good once. The state also goes to the
 * browser in a cookie, and the callback must bring both: a callback link made in another browser (a
 * sign-in forced on someone) is refused.
 *
 * <p>The provider's endpoints and signing keys come from its discovery document, read at the first
 * sign-in and kept (the keys are fetched again when a token names one not seen yet). The ID token
 * is checked for its signature, {@code iss}, {@code aud}, {@code exp}, {@code iat} and the nonce,
 * then the person against {@link ConsoleOidc#admins} and {@link ConsoleOidc#adminGroup}.
 */
final class OidcSignIn {
  /**
   * How long an OIDC console session lasts at most. Short enough that someone the provider stops
   * vouching for (left the company, taken out of the group) loses the console within the hour, long
   * enough to work: signing in again is one click while the provider's own session lasts.
   */
  static final Duration LIFETIME = Duration.ofHours(1);

  /** How long discovery is not tried again after it failed. */
  static final Duration DISCOVERY_RETRY = Duration.ofSeconds(10);

  /** How long a started sign-in waits for its callback. */
  static final Duration PENDING_FOR = Duration.ofMinutes(10);

  /** The most sign-ins waiting at once; beyond, the expired then the oldest are dropped. */
  static final int MAX_PENDING = 10_000;

  /** The path of the callback, after the redirect base. */
  static final String CALLBACK = Console.PREFIX + "/oidc/callback";

  private static final int CONNECT_TIMEOUT_MS = 5_000;
  private static final int READ_TIMEOUT_MS = 10_000;
  private static final int JWKS_SIZE_LIMIT = 512 * 1024;

  /** A sign-in waiting for its callback. */
  private record Pending(
      String state, Nonce nonce, CodeVerifier verifier, URI redirectUri, Instant expires) {}

  /** What the provider's discovery document says, and the validator of its ID tokens. */
  private record Provider(OIDCProviderMetadata metadata, IDTokenValidator validator) {}

  /** A person the provider vouched for who is an administrator. */
  record Person(String subject, @Nullable String email) {
    /** The name the console shows and the journal's principal name. */
    String name() {
      return email != null ? email : subject;
    }
  }

  /**
   * A sign-in that cannot go on: the page to show, and what to log (never a token or secret).
   *
   * @param status 400 for a callback that is not one of ours, 403 for a refusal, 502 when the
   *     provider cannot be reached or answers nonsense
   */
  static final class Refused extends Exception {
    private static final long serialVersionUID = 1L;
    final int status;
    final String title;
    final String detail;

    Refused(int status, String title, String detail, String logReason) {
      super(logReason);
      this.status = status;
      this.title = title;
      this.detail = detail;
    }

    Refused(int status, String title, String detail, String logReason, Throwable cause) {
      super(logReason, cause);
      this.status = status;
      this.title = title;
      this.detail = detail;
    }
  }

  private final ConsoleOidc settings;
  private final InstantSource clock;
  private final ConcurrentHashMap<String, Pending> pending = new ConcurrentHashMap<>();
  private volatile @Nullable Provider provider;

  /**
   * Until when discovery is not tried again after it failed: the start page needs no credential, so
   * without a pause every request to it while the provider is away would wait out a connect timeout
   * and send the provider one more request.
   */
  private volatile Instant discoveryPausedUntil = Instant.MIN;

  OidcSignIn(ConsoleOidc settings, InstantSource clock) {
    this.settings = settings;
    this.clock = clock;
  }

  ConsoleOidc settings() {
    return settings;
  }

  /**
   * Starts a sign-in: the provider's authorization URL to send the browser to, and the state to set
   * in its cookie.
   *
   * @param redirectUri where the provider sends the browser back ({@link #CALLBACK})
   */
  Started begin(URI redirectUri) throws Refused {
    Provider p = provider();
    State state = new State(Sessions.random());
    Nonce nonce = new Nonce(Sessions.random());
    CodeVerifier verifier = new CodeVerifier();
    if (pending.size() >= MAX_PENDING) {
      sweep();
    }
    pending.put(
        Tokens.hash(state.getValue()),
        new Pending(
            state.getValue(), nonce, verifier, redirectUri, clock.instant().plus(PENDING_FOR)));
    URI uri =
        new AuthenticationRequest.Builder(
                ResponseType.CODE,
                new com.nimbusds.oauth2.sdk.Scope("openid", "email", "profile"),
                new ClientID(settings.clientId()),
                redirectUri)
            .endpointURI(p.metadata().getAuthorizationEndpointURI())
            .state(state)
            .nonce(nonce)
            .codeChallenge(verifier, CodeChallengeMethod.S256)
            .build()
            .toURI();
    return new Started(uri, state.getValue());
  }

  /** A started sign-in: where to send the browser, and the state for its cookie. */
  record Started(URI authorization, String state) {}

  /**
   * Finishes a sign-in from the callback's query parameters and the state cookie the browser
   * brought back.
   *
   * @return the person, an administrator
   * @throws Refused for anything else: an unknown, used, expired or foreign state, the provider's
   *     error, a code the token endpoint refuses, an ID token that does not check out, a person who
   *     is not an administrator
   */
  Person finish(Map<String, String> query, @Nullable String stateCookie) throws Refused {
    String stateText = query.getOrDefault("state", "");
    Pending p =
        stateText.isEmpty() || stateText.length() > 200
            ? null
            : pending.remove(Tokens.hash(stateText));
    if (p == null || !Sessions.constantTimeEquals(p.state(), stateText)) {
      throw new Refused(
          400,
          "Sign-in not recognised",
          "This sign-in is unknown, already used or expired. Start again from the sign-in page.",
          "unknown or used state");
    }
    if (stateCookie == null || !Sessions.constantTimeEquals(p.state(), stateCookie)) {
      throw new Refused(
          400,
          "Sign-in not recognised",
          "This sign-in was not started in this browser. Start again from the sign-in page.",
          "the state cookie is missing or another sign-in's");
    }
    if (!clock.instant().isBefore(p.expires())) {
      throw new Refused(
          400,
          "Sign-in expired",
          "The sign-in took longer than "
              + PENDING_FOR.toMinutes()
              + " minutes. Start again from the sign-in page.",
          "expired state");
    }
    String error = query.get("error");
    if (error != null) {
      throw new Refused(
          403,
          "Sign-in refused",
          "The identity provider did not sign you in ("
              + abbreviate(error)
              + "). Start again from the sign-in page, or ask the provider's administrator.",
          "the provider answered error=" + abbreviate(error));
    }
    String code = query.get("code");
    if (code == null || code.isEmpty()) {
      throw new Refused(
          400,
          "Sign-in not recognised",
          "The identity provider sent no authorization code. Start again from the sign-in page.",
          "no code on the callback");
    }
    Provider provider = provider();
    JWT idToken = exchange(provider, new AuthorizationCode(code), p);
    JWTClaimsSet claims;
    try {
      claims = provider.validator().validate(idToken, p.nonce()).toJWTClaimsSet();
    } catch (BadJOSEException | JOSEException | ParseException e) {
      throw new Refused(
          403,
          "Sign-in refused",
          "The identity provider's answer did not check out, so it was not trusted. Start again"
              + " from the sign-in page; if it persists, tell the operator.",
          "the ID token was refused: " + e.getMessage(),
          e);
    }
    Person person = new Person(claims.getSubject(), email(claims));
    if (!admin(person, claims)) {
      throw new Refused(
          403,
          "Not an administrator",
          person.name()
              + " is not among the administrators of this scimd console. Ask the operator to add"
              + " you"
              + (settings.adminGroup() == null ? "" : ", or to the group " + settings.adminGroup())
              + ".",
          "not an administrator: sub " + person.subject() + ", email " + person.email());
    }
    return person;
  }

  /** The number of sign-ins waiting for their callback (for tests). */
  int pending() {
    return pending.size();
  }

  private JWT exchange(Provider p, AuthorizationCode code, Pending started) throws Refused {
    ClientID client = new ClientID(settings.clientId());
    AuthorizationCodeGrant grant =
        new AuthorizationCodeGrant(code, started.redirectUri(), started.verifier());
    URI endpoint = p.metadata().getTokenEndpointURI();
    String secret = settings.clientSecret();
    TokenRequest request =
        secret == null
            ? new TokenRequest.Builder(endpoint, client, grant).build()
            : new TokenRequest.Builder(
                    endpoint, new ClientSecretBasic(client, new Secret(secret)), grant)
                .build();
    HTTPRequest http = request.toHTTPRequest();
    http.setConnectTimeout(CONNECT_TIMEOUT_MS);
    http.setReadTimeout(READ_TIMEOUT_MS);
    TokenResponse response;
    try {
      response = OIDCTokenResponseParser.parse(http.send());
    } catch (IOException e) {
      throw unreachable("the token request failed: " + e.getMessage(), e);
    } catch (ParseException e) {
      throw unreachable("the token response is no token response: " + e.getMessage(), e);
    }
    if (!response.indicatesSuccess()) {
      ErrorObject error = response.toErrorResponse().getErrorObject();
      throw new Refused(
          403,
          "Sign-in refused",
          "The identity provider did not accept the sign-in ("
              + abbreviate(String.valueOf(error.getCode()))
              + "). Start again from the sign-in page.",
          "the token endpoint answered " + error.getHTTPStatusCode() + " " + error.getCode());
    }
    if (!(response.toSuccessResponse() instanceof OIDCTokenResponse oidc)
        || oidc.getOIDCTokens().getIDToken() == null) {
      throw unreachable("the token response has no ID token", null);
    }
    return oidc.getOIDCTokens().getIDToken();
  }

  /** Whether the provider's person is one of the administrators the settings name. */
  private boolean admin(Person person, JWTClaimsSet claims) {
    for (String admin : settings.admins()) {
      if (admin.equals(person.subject())
          || (person.email() != null && admin.equalsIgnoreCase(person.email()))) {
        return true;
      }
    }
    String group = settings.adminGroup();
    if (group == null) {
      return false;
    }
    Object groups = claims.getClaim("groups");
    if (groups instanceof Collection<?> values) {
      return values.stream().anyMatch(v -> group.equals(String.valueOf(v)));
    }
    return group.equals(groups);
  }

  /** The token's email, unless the provider says it has not verified it. */
  private static @Nullable String email(JWTClaimsSet claims) {
    Object email = claims.getClaim("email");
    Object verified = claims.getClaim("email_verified");
    if (!(email instanceof String text) || text.isBlank() || Boolean.FALSE.equals(verified)) {
      return null;
    }
    return text.toLowerCase(Locale.ROOT);
  }

  /** The provider's metadata and validator, from its discovery document the first time. */
  private Provider provider() throws Refused {
    Provider known = provider;
    if (known != null) {
      return known;
    }
    Instant now = clock.instant();
    if (now.isBefore(discoveryPausedUntil)) {
      throw unreachable(
          "discovery at " + settings.issuer() + " failed less than " + DISCOVERY_RETRY + " ago",
          null);
    }
    OIDCProviderMetadata metadata;
    try {
      metadata =
          OIDCProviderMetadata.resolve(
              new Issuer(settings.issuer()), CONNECT_TIMEOUT_MS, READ_TIMEOUT_MS);
    } catch (GeneralException | IOException e) {
      discoveryPausedUntil = clock.instant().plus(DISCOVERY_RETRY);
      throw unreachable("discovery at " + settings.issuer() + " failed: " + e.getMessage(), e);
    }
    URI jwks = metadata.getJWKSetURI();
    if (metadata.getAuthorizationEndpointURI() == null
        || metadata.getTokenEndpointURI() == null
        || jwks == null) {
      throw unreachable(
          "the discovery document of "
              + settings.issuer()
              + " lacks the authorization, token or JWKS endpoint",
          null);
    }
    Set<JWSAlgorithm> algorithms = new LinkedHashSet<>();
    List<JWSAlgorithm> offered = metadata.getIDTokenJWSAlgs();
    if (offered != null) {
      for (JWSAlgorithm a : offered) {
        // Asymmetric only: an HMAC token would be keyed with the client secret, a "none" one not
        // signed at all.
        if (JWSAlgorithm.Family.SIGNATURE.contains(a)) {
          algorithms.add(a);
        }
      }
    }
    if (algorithms.isEmpty()) {
      algorithms.add(JWSAlgorithm.RS256);
    }
    JWKSource<SecurityContext> keys;
    try {
      URL url = jwks.toURL();
      keys =
          JWKSourceBuilder.create(
                  url,
                  new DefaultResourceRetriever(
                      CONNECT_TIMEOUT_MS, READ_TIMEOUT_MS, JWKS_SIZE_LIMIT))
              .build();
    } catch (IOException | IllegalArgumentException e) {
      throw unreachable("the JWKS URL " + jwks + " is unusable: " + e.getMessage(), e);
    }
    IDTokenValidator validator =
        new IDTokenValidator(
            metadata.getIssuer(),
            new ClientID(settings.clientId()),
            new JWSVerificationKeySelector<>(algorithms, keys),
            null);
    Provider found = new Provider(metadata, validator);
    provider = found;
    return found;
  }

  /** The URI of the callback on {@code base} (scheme, host and port, no trailing slash). */
  static URI callback(String base) throws Refused {
    String trimmed = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
    try {
      return new URI(trimmed + CALLBACK);
    } catch (URISyntaxException e) {
      throw new Refused(
          400, "Sign-in not possible", "This address cannot be signed in at.", "bad base " + base);
    }
  }

  private void sweep() {
    Instant now = clock.instant();
    pending.values().removeIf(p -> !now.isBefore(p.expires()));
    while (pending.size() >= MAX_PENDING) {
      pending.entrySet().stream()
          .min((a, b) -> a.getValue().expires().compareTo(b.getValue().expires()))
          .ifPresent(e -> pending.remove(e.getKey(), e.getValue()));
    }
  }

  private static Refused unreachable(String logReason, @Nullable Throwable cause) {
    String title = "Identity provider unavailable";
    String detail =
        "The identity provider could not be reached or answered in a way scimd does not"
            + " understand. Try again later, or sign in with an admin token.";
    return cause == null
        ? new Refused(502, title, detail, logReason)
        : new Refused(502, title, detail, logReason, cause);
  }

  /** A provider's word, at most 100 characters, shown in a page (the template escapes it). */
  private static String abbreviate(String text) {
    return text.length() <= 100 ? text : text.substring(0, 100) + "…";
  }
}
