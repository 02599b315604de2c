package io.scimd.server.oauth;

import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * How scimd acts as an OAuth authorization server and whom else it trusts.
 *
 * @param issuer the issuer URL of scimd's tokens and metadata; null: the URL each request was made
 *     to ({@code https://host}), as {@code Location} is built
 * @param tokenLifetime how long an access token scimd issues is good for
 * @param keyRotation how long a node signs with one key before it makes the next
 * @param trusted external issuers whose access tokens scimd accepts
 */
public record OAuthSettings(
    @Nullable String issuer,
    Duration tokenLifetime,
    Duration keyRotation,
    List<TrustedIssuer> trusted) {

  public static final OAuthSettings DEFAULTS =
      new OAuthSettings(null, Duration.ofHours(1), Duration.ofDays(30), List.of());

  /** The file in the data directory that holds this node's private signing key. */
  public static final String KEY_FILE = "oauth-signing.jwk";

  /**
   * @throws IllegalArgumentException with a message for the operator when a value is unusable
   */
  public OAuthSettings {
    trusted = List.copyOf(trusted);
    if (tokenLifetime.compareTo(Duration.ofSeconds(10)) < 0
        || tokenLifetime.compareTo(Duration.ofDays(1)) > 0) {
      throw new IllegalArgumentException(
          "--oauth-token-lifetime must be between 10s and 1d, not " + tokenLifetime);
    }
    if (keyRotation.compareTo(Duration.ofSeconds(1)) < 0) {
      throw new IllegalArgumentException("--oauth-key-rotation must be at least 1s");
    }
    if (issuer != null && !issuer.matches("https?://[^\\s?#]+")) {
      throw new IllegalArgumentException(
          "--oauth-issuer must be an http(s) URL without query or fragment, not " + issuer);
    }
  }

  public OAuthSettings withTrusted(List<TrustedIssuer> trusted) {
    return new OAuthSettings(issuer, tokenLifetime, keyRotation, trusted);
  }

  /**
   * An external issuer (Okta, Entra ID, Keycloak) whose access tokens scimd accepts: signed by a
   * key of {@code jwks} (a URL, or a file path), with this {@code iss} and {@code aud}, and mapped
   * to the client of {@code tenant} whose id or name is the token's {@code clientClaim}. The
   * request gets that client's scopes.
   */
  public record TrustedIssuer(
      String issuer, String audience, String jwks, String clientClaim, String tenant) {}
}
