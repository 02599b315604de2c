package io.scimd.store;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * One row of the change journal exactly as stored, with its place in the audit trail's hash chain:
 * what {@link AuditHash} hashes and {@code scimd audit verify} checks. Unlike {@link JournalEntry}
 * nothing is parsed, so a row that was tampered with into nonsense is still read and reported.
 *
 * @param at when the change was made, epoch microseconds
 * @param kind the change's kind as stored ({@code created}, {@code members_added}, ...)
 * @param change the change's JSON text as stored
 * @param prevHash the hash this entry was chained to; null for an entry not hashed yet
 * @param hash this entry's hash; null for an entry not hashed yet
 */
public record AuditRecord(
    String tenant,
    long seq,
    long at,
    String principal,
    String principalName,
    @Nullable String source,
    String requestId,
    String resourceType,
    String resourceId,
    String kind,
    String change,
    @Nullable String prevHash,
    @Nullable String hash) {

  /** {@link #at} as an instant. */
  public Instant time() {
    return Instant.ofEpochSecond(
        Math.floorDiv(at, 1_000_000L), Math.floorMod(at, 1_000_000L) * 1_000L);
  }
}
