package io.scimd.store;

import java.time.Instant;

/**
 * A signed checkpoint of a tenant's audit trail: the key {@code keyId} signed that entry {@code
 * seq} has hash {@code hash}, at {@code at}. The signature covers {@link AuditHash#checkpoint}, so
 * it vouches for every entry up to {@code seq}: each is chained into that hash.
 *
 * @param at when it was signed, epoch microseconds
 * @param keyId the lowercase hex SHA-256 of the signing key's X.509 SubjectPublicKeyInfo
 * @param signature the Ed25519 signature, base64
 */
public record Checkpoint(
    String tenant, long seq, String hash, long at, String keyId, String signature) {

  /** The bytes the signature signs. */
  public byte[] signed() {
    return AuditHash.checkpoint(tenant, seq, hash, at);
  }

  /** {@link #at} as an instant. */
  public Instant time() {
    return Instant.ofEpochSecond(
        Math.floorDiv(at, 1_000_000L), Math.floorMod(at, 1_000_000L) * 1_000L);
  }
}
