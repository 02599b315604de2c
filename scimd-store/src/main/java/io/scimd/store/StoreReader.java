package io.scimd.store;

import io.scimd.core.error.ScimException;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/** The reads of the store contract. Every resource type name is the registry's ({@code User}). */
public interface StoreReader {

  Optional<StoredResource> get(String type, String id, Load load);

  /**
   * Answers a query exactly: the parts of the filter the store can translate to SQL narrow the
   * candidates by index; the core evaluator decides the rest.
   *
   * @throws ScimException {@code invalidFilter} for a filter on an unknown attribute, {@code
   *     invalidCursor} for a cursor this store did not issue, {@code tooMany} for a query that
   *     would examine more resources one by one than {@link Query#limits} allow, 503 while the
   *     node's expensive evaluations are all running ({@link ScanLimits})
   */
  Page query(String type, Query query);

  /**
   * The members of a group, in insertion order, each with the display its client gave (null when
   * none: reads of the group then show the member's own); empty for an unknown group.
   */
  List<Member> members(String groupId);

  /**
   * Each member of a group as reads show it, in insertion order: with the display its client gave,
   * else the member's own ({@code displayName}, else {@code userName}). The members are read a page
   * at a time within this read, so a group of any size is never held in memory; nothing for an
   * unknown group. {@code action} may read the store.
   */
  void forEachMember(String groupId, Consumer<Member> action);

  /** A page of a group's members: each shown as {@link #forEachMember} shows it. */
  record MemberPage(List<Member> members, long lastSeq, boolean more) {}

  /**
   * At most {@code limit} members of a group, as {@link #forEachMember} shows them, in insertion
   * order after the member at position {@code afterSeq} ({@link Long#MIN_VALUE} for the first page;
   * page on with {@link MemberPage#lastSeq}). One keyset probe, whatever the group's size.
   */
  MemberPage memberPage(String groupId, long afterSeq, int limit);

  /** How many members a group has: counted on the group's index, no member is read. */
  long memberCount(String groupId);

  /**
   * The scope's tenant's change journal after entry {@code afterSeq} (0: from the start), in order,
   * at most {@code limit} entries (at most 1,000 per call): page on with the last seq returned.
   * Within one read every call sees the same journal, a gap-free prefix of it.
   */
  List<JournalEntry> journal(long afterSeq, int limit);

  /**
   * The seq of the last entry of the scope's tenant's journal that this read sees, 0 when it has
   * none: with {@link #journal}, where a reader that holds a copy of the tenant stands.
   */
  long journalHead();
}
