package io.scimd.store;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/** The reads of the audit trail, all within one snapshot ({@link AuditTrail#read}). */
public interface AuditReader {

  /** The tenants that have journal entries or checkpoints, in order. */
  List<String> tenants();

  /**
   * The tenant's journal rows after {@code afterSeq}, in order, at most {@code limit} (at most
   * 1,000).
   */
  List<AuditRecord> records(String tenant, long afterSeq, int limit);

  /** The tenant's newest journal row. */
  Optional<AuditRecord> head(String tenant);

  /** The tenant's checkpoints, in order. */
  List<Checkpoint> checkpoints(String tenant);

  /** The tenant's newest checkpoint. */
  Optional<Checkpoint> latestCheckpoint(String tenant);

  /**
   * The number the store last gave a journal entry of the tenant, where it keeps one apart from the
   * entries (PostgreSQL's {@code clocks.journal_seq}); empty where the entries are the count
   * (SQLite). A counter beyond the newest entry means entries at the end were removed.
   */
  OptionalLong counter(String tenant);

  /**
   * The recorded public keys that sign checkpoints: key id to base64 X.509 SubjectPublicKeyInfo.
   */
  Map<String, String> keys();
}
