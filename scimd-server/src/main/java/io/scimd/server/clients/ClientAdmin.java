package io.scimd.server.clients;

import io.scimd.store.Credentials;
import io.scimd.store.Credentials.Client;
import io.scimd.store.Credentials.Credential;
import io.scimd.store.Credentials.Kind;
import io.scimd.store.Scope;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The client and credential operations of the command line and the admin API, with their rules in
 * one place: names and scopes checked, secrets generated here and handed back once (the store keeps
 * only their hash), at most {@link #maxLive} live credentials of a kind per client, rotation with
 * an overlap. Every change is journaled by the store in the tenant of the {@link Scope} given.
 */
public final class ClientAdmin {
  /** How many live tokens (and, separately, client secrets) a client may hold by default. */
  public static final int DEFAULT_MAX_LIVE = 3;

  /** How long the credentials a rotation replaces keep working by default. */
  public static final Duration DEFAULT_OVERLAP = Duration.ofHours(24);

  private static final int MAX_NAME = 100;

  private final Credentials credentials;
  private final InstantSource clock;
  private final int maxLive;

  /**
   * @param maxLive the most live credentials of one kind a client may hold
   */
  public ClientAdmin(Credentials credentials, InstantSource clock, int maxLive) {
    if (maxLive < 1) {
      throw new IllegalArgumentException(
          "the most tokens per client must be at least 1, not " + maxLive);
    }
    this.credentials = credentials;
    this.clock = clock;
    this.maxLive = maxLive;
  }

  /** A credential just issued, with its secret: the only time anyone sees it. */
  public record Issued(Credential credential, String secret) {}

  /** A rotation: the new credential, and the old ones with the time they stop working. */
  public record Rotated(Issued issued, List<Credential> ending) {}

  /**
   * Creates a client in {@code by}'s tenant.
   *
   * @param scopes as given (space or comma separated); none: {@link Scopes#PROVISIONING}
   * @throws IllegalArgumentException for a bad name or scope, an unknown tenant, a name in use
   */
  public Client createClient(Scope by, String name, Collection<String> scopes) {
    return createClient(by, name, scopes, null);
  }

  /**
   * Creates a client that may also authenticate at {@code /oauth/token} with client assertions
   * signed by {@code keys} ({@code private_key_jwt}).
   *
   * @throws IllegalArgumentException also for keys that are not a JWK Set of public keys or an
   *     http(s) URL
   */
  public Client createClient(
      Scope by, String name, Collection<String> scopes, Credentials.@Nullable AssertionKeys keys) {
    Set<String> granted = scopes.isEmpty() ? Scopes.PROVISIONING : Scopes.parse(scopes);
    return credentials.createClient(by, checkName(name), granted, checkKeys(keys));
  }

  private static Credentials.@Nullable AssertionKeys checkKeys(
      Credentials.@Nullable AssertionKeys keys) {
    if (keys == null) {
      return null;
    }
    String jwks = keys.jwks();
    if (jwks != null) {
      com.nimbusds.jose.jwk.JWKSet set;
      try {
        set = com.nimbusds.jose.jwk.JWKSet.parse(jwks);
      } catch (java.text.ParseException e) {
        throw new IllegalArgumentException(
            "the client's keys are not a JWK Set: " + e.getMessage());
      }
      if (set.getKeys().isEmpty()) {
        throw new IllegalArgumentException("the client's JWK Set holds no key");
      }
      if (set.getKeys().stream().anyMatch(com.nimbusds.jose.jwk.JWK::isPrivate)) {
        throw new IllegalArgumentException(
            "the client's JWK Set holds a private key: register its public keys only");
      }
      // Stored as parsed: public members only, in a canonical form.
      return new Credentials.AssertionKeys(set.toString(true), null, keys.issuer(), keys.subject());
    }
    String url = java.util.Objects.requireNonNull(keys.jwksUri());
    if (!url.matches("https?://[^\\s]+")) {
      throw new IllegalArgumentException("the client's JWK Set URL must be http(s): " + url);
    }
    return keys;
  }

  /** The tenant's live client with that id, or else that name. */
  public Optional<Client> client(String tenant, String idOrName) {
    return credentials.client(tenant, idOrName);
  }

  public List<Client> clients(String tenant) {
    return credentials.clients(tenant);
  }

  public boolean deleteClient(Scope by, String clientId) {
    return credentials.deleteClient(by, clientId);
  }

  /**
   * Issues a new secret of {@code kind} to a client of {@code by}'s tenant.
   *
   * @param expiresIn how long it works; null: until revoked
   * @throws IllegalStateException when the client holds {@link #maxLive} of that kind already
   */
  public Issued issue(Scope by, Client client, Kind kind, @Nullable Duration expiresIn) {
    String secret = Tokens.generate(kind);
    Credential c =
        credentials.issue(
            by,
            client.id(),
            kind,
            Tokens.hash(secret),
            Tokens.hint(secret),
            expiry(expiresIn),
            maxLive);
    return new Issued(c, secret);
  }

  /**
   * Stores a bearer token the operator chose ({@code SCIMD_BOOTSTRAP_TOKEN}) for a client: only its
   * hash is kept, as for a generated one.
   */
  public Credential issueGiven(Scope by, Client client, String token) {
    return credentials.issue(
        by, client.id(), Kind.BEARER, Tokens.hash(token), Tokens.hint(token), null, maxLive);
  }

  /**
   * Issues a new secret and lets the client's other live secrets of that kind work only for {@code
   * overlap} more (those that end sooner keep their end).
   */
  public Rotated rotate(
      Scope by, Client client, Kind kind, Duration overlap, @Nullable Duration expiresIn) {
    if (overlap.isNegative()) {
      throw new IllegalArgumentException("the overlap cannot be negative");
    }
    String secret = Tokens.generate(kind);
    Credentials.Rotation r =
        credentials.rotate(
            by,
            client.id(),
            kind,
            Tokens.hash(secret),
            Tokens.hint(secret),
            expiry(expiresIn),
            clock.instant().plus(overlap),
            maxLive);
    return new Rotated(new Issued(r.issued(), secret), r.ending());
  }

  public boolean revoke(Scope by, String credentialId) {
    return credentials.revoke(by, credentialId);
  }

  /** A client's live credentials, oldest first. */
  public List<Credential> credentials(Client client) {
    return credentials.credentials(client.tenant(), client.id());
  }

  private @Nullable Instant expiry(@Nullable Duration expiresIn) {
    if (expiresIn == null) {
      return null;
    }
    if (expiresIn.isNegative() || expiresIn.isZero()) {
      throw new IllegalArgumentException("a credential's lifetime must be positive");
    }
    return clock.instant().plus(expiresIn);
  }

  /**
   * {@code name} when it is a usable client name: 1 to 100 characters, no control characters.
   *
   * @throws IllegalArgumentException naming the rule otherwise
   */
  public static String checkName(String name) {
    String n = name.strip();
    if (n.isEmpty() || n.length() > MAX_NAME || n.codePoints().anyMatch(Character::isISOControl)) {
      throw new IllegalArgumentException(
          "invalid client name: use 1 to "
              + MAX_NAME
              + " characters without control characters (e.g. okta-prod)");
    }
    return n;
  }
}
