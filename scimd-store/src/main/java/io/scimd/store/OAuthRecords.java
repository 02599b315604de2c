package io.scimd.store;

import java.time.Instant;
import java.util.List;

/**
 * What the OAuth authorization server shares between nodes (docs/decisions/0016-oauth.md): the
 * public keys that sign access tokens (each node signs with a private key of its own and publishes
 * the public half here), and the client assertions already used (an assertion is good once).
 */
public interface OAuthRecords {

  /** A published public signing key: its key id, the public JWK as JSON, when it was made. */
  record PublishedKey(String kid, String jwk, Instant created) {}

  /** Publishes a node's public signing key; publishing a key id again changes nothing. */
  void publishKey(String kid, String publicJwk, Instant created);

  /** The keys made after {@code createdAfter}, oldest first. */
  List<PublishedKey> keys(Instant createdAfter);

  /** Forgets keys made before {@code createdBefore}: no token they signed can still be valid. */
  void pruneKeys(Instant createdBefore);

  /**
   * Records the use of a client assertion until it expires, and forgets those that have expired.
   *
   * @return true the first time, false when this client used that {@code jti} before (a replay)
   */
  boolean firstUse(String clientId, String jti, Instant expires);
}
