package io.scimd.store;

import io.scimd.core.error.ScimException;
import java.util.List;
import java.util.Optional;

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

  /** The members of a group, in insertion order; empty for an unknown group. */
  List<Member> members(String groupId);

  /** Whether {@code memberId} is a direct member of {@code groupId}: one index probe. */
  boolean isMember(String groupId, String memberId);
}
