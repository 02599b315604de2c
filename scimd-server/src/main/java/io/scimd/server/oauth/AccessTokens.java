package io.scimd.server.oauth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.scimd.store.Credentials.Client;
import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * scimd's access tokens: JWTs in the RFC 9068 profile ({@code typ: at+jwt}), ES256, naming the
 * client ({@code client_id}, {@code sub}), its tenant and the granted scopes, for {@code lifetime}.
 * A token is scimd's when a published key of a node signed it ({@link SigningKeys}); its claims are
 * checked here, the client's liveness by the caller.
 */
final class AccessTokens {
  static final JOSEObjectType TYPE = new JOSEObjectType("at+jwt");

  /** Clock skew between nodes tolerated on {@code exp} and {@code iat}. */
  private static final Duration SKEW = Duration.ofSeconds(30);

  private final SigningKeys keys;
  private final Duration lifetime;
  private final InstantSource clock;

  AccessTokens(SigningKeys keys, Duration lifetime, InstantSource clock) {
    this.keys = keys;
    this.lifetime = lifetime;
    this.clock = clock;
  }

  Duration lifetime() {
    return lifetime;
  }

  /** A new access token for {@code client} with {@code scopes}, issued by {@code issuer}. */
  String issue(Client client, Set<String> scopes, String issuer) {
    ECKey key = keys.current();
    Instant now = clock.instant();
    JWTClaimsSet claims =
        new JWTClaimsSet.Builder()
            .issuer(issuer)
            .subject(client.id())
            .audience(issuer)
            .claim("client_id", client.id())
            .claim("tenant", client.tenant())
            .claim("scope", String.join(" ", scopes))
            .issueTime(Date.from(now))
            .expirationTime(Date.from(now.plus(lifetime)))
            .jwtID(UUID.randomUUID().toString())
            .build();
    SignedJWT jwt =
        new SignedJWT(
            new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(key.getKeyID()).type(TYPE).build(),
            claims);
    try {
      jwt.sign(new ECDSASigner(key));
    } catch (JOSEException e) {
      throw new IllegalStateException("cannot sign an access token", e);
    }
    return jwt.serialize();
  }

  /** Who a valid token of scimd's names: the client's id and tenant, the scopes it was granted. */
  record Grant(String clientId, String tenant, Set<String> scopes) {}

  /**
   * The grant of {@code jwt} when a key scimd published signed it and it has not expired; empty for
   * any other token, including other issuers' (the caller tries those next).
   */
  Optional<Grant> verify(SignedJWT jwt) {
    try {
      JWSHeader h = jwt.getHeader();
      if (!JWSAlgorithm.ES256.equals(h.getAlgorithm())
          || !TYPE.equals(h.getType())
          || h.getKeyID() == null) {
        return Optional.empty();
      }
      Optional<ECKey> key = keys.find(h.getKeyID());
      if (key.isEmpty() || !jwt.verify(new ECDSAVerifier(key.get()))) {
        return Optional.empty();
      }
      JWTClaimsSet c = jwt.getJWTClaimsSet();
      Instant now = clock.instant();
      Date exp = c.getExpirationTime();
      if (exp == null || !exp.toInstant().plus(SKEW).isAfter(now)) {
        return Optional.empty();
      }
      String clientId = c.getStringClaim("client_id");
      String tenant = c.getStringClaim("tenant");
      String scope = c.getStringClaim("scope");
      if (clientId == null || tenant == null || scope == null) {
        return Optional.empty();
      }
      Set<String> scopes = new LinkedHashSet<>(List.of(scope.trim().split("\\s+")));
      scopes.remove("");
      return Optional.of(new Grant(clientId, tenant, scopes));
    } catch (JOSEException | ParseException e) {
      return Optional.empty();
    }
  }
}
