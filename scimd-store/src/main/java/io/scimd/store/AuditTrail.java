package io.scimd.store;

import java.util.List;
import java.util.function.Function;

/**
 * The store's side of the audit trail: the hash-chained change journal read as stored, its signed
 * checkpoints, the public keys that signed them, and pruning (docs/decisions/0009-audit-trail.md).
 * Entries are chained by the writer itself, in each write's transaction; this interface reads and
 * searches them, adds checkpoints and keys, prunes, and journals the one kind of entry no directory
 * write makes: failed authentications ({@link #recordAuthFailures}). Checkpoints are signed outside
 * the store: the private key is never in the database.
 */
public interface AuditTrail {

  /** Runs {@code work} on one consistent snapshot of every tenant's trail. */
  <T> T read(Function<AuditReader, T> work);

  /**
   * Stores a checkpoint unless the tenant already has one at its {@code seq} (another node signed
   * that head first: one is enough).
   *
   * @return whether this one was stored
   */
  boolean addCheckpoint(Checkpoint checkpoint);

  /** Records a public key that signs checkpoints (base64 X.509), if it is not recorded yet. */
  void addKey(String keyId, String publicKey);

  /**
   * Journals summaries of failed authentications in the tenant's journal, in one transaction,
   * chained like every entry: principal {@code system:auth}, each entry's source its summary's
   * address, all with {@code requestId}.
   *
   * @throws io.scimd.core.error.ScimException 404 when the tenant does not exist
   */
  void recordAuthFailures(String tenant, String requestId, List<Change.AuthFailed> failures);

  /**
   * Deletes the tenant's entries and checkpoints numbered below {@code seq}, in transactions of a
   * bounded size; entry {@code seq} stays, so the journal's numbering goes on, and a checkpoint of
   * it must vouch for it (the caller checks; the store only deletes).
   *
   * @return how many entries were deleted
   */
  long prune(String tenant, long seq);

  /**
   * Chains the entries written without a hash (before the audit trail existed, or by an older node
   * during an upgrade) in order, each in turn: what a server does when it starts.
   *
   * @return how many entries were hashed
   */
  long hashUnhashed();
}
