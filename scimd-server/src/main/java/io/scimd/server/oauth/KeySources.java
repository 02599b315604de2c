package io.scimd.server.oauth;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.text.ParseException;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Other parties' public keys, as JWK Sets given inline, in a file or at a URL, and the JWT
 * processors that check signatures with them. A URL's set is fetched by nimbus' {@link
 * JWKSourceBuilder}: cached (5 minutes), refreshed when a token names a key it does not hold, rate
 * limited, with short timeouts, so an IdP rotating its keys is followed and a flood of forged key
 * ids cannot make scimd hammer the IdP.
 */
final class KeySources {
  /** The algorithms scimd accepts from others: RSA and ECDSA (no {@code none}, no HMAC). */
  static final Set<JWSAlgorithm> ALGORITHMS =
      Set.of(
          JWSAlgorithm.RS256,
          JWSAlgorithm.RS384,
          JWSAlgorithm.RS512,
          JWSAlgorithm.PS256,
          JWSAlgorithm.PS384,
          JWSAlgorithm.PS512,
          JWSAlgorithm.ES256,
          JWSAlgorithm.ES384,
          JWSAlgorithm.ES512);

  private final Map<String, JWKSource<SecurityContext>> byUrl = new ConcurrentHashMap<>();

  /**
   * The key source of a JWK Set URL, one per URL for the life of the server.
   *
   * @throws IllegalArgumentException for a URL that is not http(s)
   */
  JWKSource<SecurityContext> url(String url) {
    return byUrl.computeIfAbsent(
        url,
        u -> {
          try {
            URI uri = new URI(u);
            if (!"https".equals(uri.getScheme()) && !"http".equals(uri.getScheme())) {
              throw new IllegalArgumentException("a JWK Set URL must be http(s): " + u);
            }
            return JWKSourceBuilder.<SecurityContext>create(uri.toURL()).retrying(true).build();
          } catch (URISyntaxException | MalformedURLException e) {
            throw new IllegalArgumentException("not a JWK Set URL: " + u, e);
          }
        });
  }

  /**
   * The key source of a JWK Set given inline.
   *
   * @throws IllegalArgumentException when it is not a JWK Set
   */
  static JWKSource<SecurityContext> inline(String json) {
    try {
      return new ImmutableJWKSet<>(JWKSet.parse(json));
    } catch (ParseException e) {
      throw new IllegalArgumentException("not a JWK Set: " + e.getMessage(), e);
    }
  }

  /**
   * The key source of a JWK Set in a file, read once.
   *
   * @throws IllegalArgumentException when it cannot be read as one
   */
  static JWKSource<SecurityContext> file(Path file) {
    try {
      return new ImmutableJWKSet<>(JWKSet.load(file.toFile()));
    } catch (IOException | ParseException e) {
      throw new IllegalArgumentException(
          "cannot read a JWK Set from " + file + ": " + e.getMessage(), e);
    }
  }

  /** The key source {@code spec} names: an http(s) URL, else a file path. */
  JWKSource<SecurityContext> of(String spec) {
    return spec.startsWith("https://") || spec.startsWith("http://")
        ? url(spec)
        : file(Path.of(spec));
  }

  /**
   * A JWT processor that accepts a token signed by a key of {@code keys} with one of {@link
   * #ALGORITHMS}, whatever its {@code typ} (IdPs differ), whose claims pass {@code claims}.
   */
  static DefaultJWTProcessor<SecurityContext> processor(
      JWKSource<SecurityContext> keys, DefaultJWTClaimsVerifier<SecurityContext> claims) {
    DefaultJWTProcessor<SecurityContext> p = new DefaultJWTProcessor<>();
    p.setJWSTypeVerifier((type, context) -> {});
    p.setJWSKeySelector(new JWSVerificationKeySelector<>(ALGORITHMS, keys));
    p.setJWTClaimsSetVerifier(claims);
    return p;
  }

  /** Claims that must be exactly these values, present, and an accepted audience. */
  static DefaultJWTClaimsVerifier<SecurityContext> claims(
      Set<String> audiences, JWTClaimsSet exact, Set<String> required) {
    return new DefaultJWTClaimsVerifier<>(audiences, exact, required, null);
  }

  /** Whether {@code e} says the keys could not be fetched rather than that the token is bad. */
  static boolean unavailable(Exception e) {
    return e instanceof KeySourceException;
  }
}
