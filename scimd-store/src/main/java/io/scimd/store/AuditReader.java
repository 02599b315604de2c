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

  /**
   * The tenant's entries that match {@code query}, in order, one page: an index answers each of its
   * conditions except the kind together with others ({@link AuditQuery#MAX_EXAMINED}), and a time
   * range costs a binary search of the entry numbers.
   */
  AuditPage search(String tenant, AuditQuery query);

  /**
   * Everything that happened to one resource of the tenant, in order, one page of at most {@code
   * limit} entries after {@code afterSeq}: its own entries, and the membership entries of the
   * groups that added or removed it (a user's group memberships are journaled on the group). Each
   * such entry is returned as stored, with all the members it names.
   */
  AuditPage history(
      String tenant, String resourceType, String resourceId, long afterSeq, int limit);

  /**
   * What happened to one resource as a record and as a member, in order, one page: {@link #history}
   * without the membership entries of the resource itself. For a group that is its creation,
   * changes and deletion, and the groups it joined and left, never the (possibly hundreds of
   * thousands of) entries of its own members: what the access model replays to know a group's name
   * and parents at a past instant. For any other resource it is its history.
   */
  AuditPage lifecycle(
      String tenant, String resourceType, String resourceId, long afterSeq, int limit);

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
