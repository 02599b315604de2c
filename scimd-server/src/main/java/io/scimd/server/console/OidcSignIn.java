package io.scimd.server.console;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.KeySourceException;
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
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
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

  /**
   * The most sign-ins one client address may have waiting; beyond, it is refused (429) and nothing
   * is kept. The start page needs no credential, so without it one address could fill {@link
   * #MAX_PENDING} and evict everyone else's sign-ins under way.
   */
  static final int MAX_PENDING_PER_ADDRESS = 20;

  /** The path of the callback, after the redirect base. */
  static final String CALLBACK = Console.PREFIX + "/oidc/callback";

  private static final int CONNECT_TIMEOUT_MS = 5_000;
  private static final int READ_TIMEOUT_MS = 10_000;
  private static final int JWKS_SIZE_LIMIT = 512 * 1024;

  /** A sign-in waiting for its callback. */
  private record Pending(
      String state,
      Nonce nonce,
      CodeVerifier verifier,
      URI redirectUri,
      String address,
      Instant expires) {}

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

    /** For a 429: when to try again; 0 otherwise. */
    final long retryAfterSeconds;

    Refused(int status, String title, String detail, String logReason) {
      super(logReason);
      this.status = status;
      this.title = title;
      this.detail = detail;
      this.retryAfterSeconds = 0;
    }

    Refused(int status, String title, String detail, String logReason, long retryAfterSeconds) {
      super(logReason);
      this.status = status;
      this.title = title;
      this.detail = detail;
      this.retryAfterSeconds = retryAfterSeconds;
    }

    Refused(int status, String title, String detail, String logReason, Throwable cause) {
      super(logReason, cause);
      this.status = status;
      this.title = title;
      this.detail = detail;
      this.retryAfterSeconds = 0;
    }
  }

  private final ConsoleOidc settings;
  private final InstantSource clock;

  /** The sign-ins waiting, by the hash of their state; guarded by {@code this}. */
  private final Map<String, Pending> pending = new HashMap<>();

  /** How many of {@link #pending} each client address started; guarded by {@code this}. */
  private final Map<String, Integer> pendingByAddress = new HashMap<>();

  private volatile @Nullable Provider provider;

  /**
   * Held by the one request that runs discovery: the others are told at once that the provider is
   * unavailable rather than queue behind it, each waiting out its timeouts.
   */
  private final ReentrantLock discovering = new ReentrantLock();

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
   * @param address the client's address, whose sign-ins waiting at once are limited
   * @throws Refused 429 ({@link Refused#retryAfterSeconds}) when {@code address} has {@link
   *     #MAX_PENDING_PER_ADDRESS} sign-ins waiting, 502 when the provider is unavailable
   */
  Started begin(URI redirectUri, String address) throws Refused {
    Provider p = provider();
    State state = new State(Sessions.random());
    Nonce nonce = new Nonce(Sessions.random());
    CodeVerifier verifier = new CodeVerifier();
    Instant now = clock.instant();
    synchronized (this) {
      if (pendingByAddress.getOrDefault(address, 0) >= MAX_PENDING_PER_ADDRESS) {
        sweep(now);
      }
      if (pendingByAddress.getOrDefault(address, 0) >= MAX_PENDING_PER_ADDRESS) {
        Instant firstFree =
            pending.values().stream()
                .filter(w -> w.address().equals(address))
                .map(Pending::expires)
                .min(Instant::compareTo)
                .orElse(now);
        throw new Refused(
            429,
            "Too many sign-ins under way",
            "This address has started "
                + MAX_PENDING_PER_ADDRESS
                + " sign-ins that are not finished. Finish one, or try again later.",
            "too many sign-ins waiting from this address",
            Math.max(1, Duration.between(now, firstFree).toSeconds() + 1));
      }
      if (pending.size() >= MAX_PENDING) {
        sweep(now);
      }
      while (pending.size() >= MAX_PENDING) {
        pending.entrySet().stream()
            .min((a, b) -> a.getValue().expires().compareTo(b.getValue().expires()))
            .map(Map.Entry::getKey)
            .ifPresent(this::take);
      }
      pending.put(
          Tokens.hash(state.getValue()),
          new Pending(
              state.getValue(), nonce, verifier, redirectUri, address, now.plus(PENDING_FOR)));
      pendingByAddress.merge(address, 1, Integer::sum);
    }
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
        stateText.isEmpty() || stateText.length() > 200 ? null : take(Tokens.hash(stateText));
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
      String description = query.get("error_description");
      throw new Refused(
          403,
          "Sign-in refused",
          "The identity provider did not sign you in ("
              + abbreviate(error)
              + "). Start again from the sign-in page, or ask the provider's administrator.",
          "the provider answered error="
              + loggable(abbreviate(error))
              + (description == null
                  ? ""
                  : ", error_description=" + loggable(abbreviate(description))));
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
    } catch (KeySourceException e) {
      // The keys could not be fetched: the provider is away, not the token bad.
      throw unreachable("the provider's signing keys could not be fetched: " + e.getMessage(), e);
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
          // The group's name stays in the log: the page is shown to whoever signs in.
          person.name()
              + " is not among the administrators of this scimd console. Ask the operator to add"
              + " you.",
          "not an administrator: sub "
              + loggable(person.subject())
              + ", email "
              + (person.email() == null ? "none verified" : loggable(person.email()))
              + (settings.adminGroup() == null
                  ? ""
                  : ", not in the group " + loggable(settings.adminGroup())));
    }
    return person;
  }

  /** The number of sign-ins waiting for their callback (for tests). */
  synchronized int pending() {
    return pending.size();
  }

  /** Takes out the sign-in waiting under {@code key}, if any, and its address's count. */
  private synchronized @Nullable Pending take(String key) {
    Pending p = pending.remove(key);
    if (p != null) {
      pendingByAddress.computeIfPresent(p.address(), (a, n) -> n <= 1 ? null : n - 1);
    }
    return p;
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
          "the token endpoint answered "
              + error.getHTTPStatusCode()
              + " "
              + loggable(abbreviate(String.valueOf(error.getCode())))
              + (error.getDescription() == null
                  ? ""
                  : ": " + loggable(abbreviate(error.getDescription()))));
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
      // Emails compared ignoring ASCII case only: equalsIgnoreCase would fold other letters too
      // (the Kelvin sign is k), so a look-alike address could pass for an admin's.
      if (admin.equals(person.subject())
          || (person.email() != null && asciiLowerCase(admin).equals(person.email()))) {
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

  /**
   * The token's email in lower case, only when the provider says it verified it ({@code
   * email_verified} true, or the string "true" some providers send) and it is printable ASCII. A
   * missing {@code email_verified} is no verification: Entra ID sends none, and its {@code email}
   * may be an attribute its users can set, so its administrators are named by subject or group.
   */
  private static @Nullable String email(JWTClaimsSet claims) {
    Object email = claims.getClaim("email");
    Object verified = claims.getClaim("email_verified");
    boolean isVerified = Boolean.TRUE.equals(verified) || "true".equals(verified);
    if (!(email instanceof String text) || text.isEmpty() || !isVerified) {
      return null;
    }
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c <= ' ' || c >= 0x7f) {
        return null;
      }
    }
    return text.toLowerCase(Locale.ROOT);
  }

  /** {@code text} with only A to Z lowered: no other letter folds to an ASCII one. */
  private static String asciiLowerCase(String text) {
    StringBuilder out = new StringBuilder(text.length());
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      out.append(c >= 'A' && c <= 'Z' ? (char) (c + ('a' - 'A')) : c);
    }
    return out.toString();
  }

  /**
   * {@code text} without control characters, for a log line: a provider's word or a person's claim
   * could otherwise forge lines of its own.
   */
  static String loggable(@Nullable String text) {
    if (text == null) {
      return "null";
    }
    StringBuilder out = new StringBuilder(text.length());
    text.codePoints()
        .filter(c -> !Character.isISOControl(c) && c != 0x2028 && c != 0x2029)
        .forEach(out::appendCodePoint);
    return out.toString();
  }

  /** The provider's metadata and validator, from its discovery document the first time. */
  private Provider provider() throws Refused {
    Provider known = provider;
    if (known != null) {
      return known;
    }
    if (!discovering.tryLock()) {
      throw unreachable("discovery at " + settings.issuer() + " is under way", null);
    }
    try {
      known = provider;
      if (known != null) {
        return known;
      }
      if (clock.instant().isBefore(discoveryPausedUntil)) {
        throw unreachable(
            "discovery at " + settings.issuer() + " failed less than " + DISCOVERY_RETRY + " ago",
            null);
      }
      try {
        Provider found = discover();
        provider = found;
        return found;
      } catch (Refused e) {
        // Every failure pauses, a nonsense document as much as no answer.
        discoveryPausedUntil = clock.instant().plus(DISCOVERY_RETRY);
        throw e;
      }
    } finally {
      discovering.unlock();
    }
  }

  private Provider discover() throws Refused {
    OIDCProviderMetadata metadata;
    try {
      metadata =
          OIDCProviderMetadata.resolve(
              new Issuer(settings.issuer()), CONNECT_TIMEOUT_MS, READ_TIMEOUT_MS);
    } catch (GeneralException | IOException | RuntimeException e) {
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
    return new Provider(metadata, validator);
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

  /** Drops the expired sign-ins. */
  private synchronized void sweep(Instant now) {
    List<String> expired =
        pending.entrySet().stream()
            .filter(e -> !now.isBefore(e.getValue().expires()))
            .map(Map.Entry::getKey)
            .toList();
    expired.forEach(this::take);
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
