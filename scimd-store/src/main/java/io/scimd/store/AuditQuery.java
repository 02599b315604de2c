package io.scimd.store;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A search of one tenant's audit trail ({@link AuditReader#search}): the entries that match every
 * condition given, in journal order, a page at a time. Each condition left null (or empty) matches
 * every entry.
 *
 * @param resourceType entries about resources of this type ({@code User}, {@code Group}, {@code
 *     Client}, {@code AuthFailure}...), as the journal names them
 * @param resourceId entries about this one resource; needs {@code resourceType}
 * @param principals entries made by any of these principals ({@code client:<id>}, {@code
 *     system:cli}); {@link #clientPrincipals} names a client in both its forms
 * @param kind entries of this kind ({@link Change.Kind#wire()}: {@code created}, {@code
 *     members_added}, {@code auth_failed}...)
 * @param since entries made at or after this instant
 * @param until entries made before this instant
 * @param afterSeq entries numbered after this one: 0 from the start, else a page's {@link
 *     AuditPage#next()}
 * @param limit the most entries one page holds, 1 to {@link #MAX_LIMIT}
 */
public record AuditQuery(
    @Nullable String resourceType,
    @Nullable String resourceId,
    List<String> principals,
    @Nullable String kind,
    @Nullable Instant since,
    @Nullable Instant until,
    long afterSeq,
    int limit) {

  /** The most entries one page holds. */
  public static final int MAX_LIMIT = 1_000;

  /**
   * The most entries one page examines when conditions remain that no index answers (a kind,
   * together with a type or a client): a page may then hold fewer entries than its limit, even
   * none, and still have a {@link AuditPage#next()}. So a search never reads the whole journal in
   * one call, however rare what it looks for.
   */
  public static final int MAX_EXAMINED = 10_000;

  /**
   * @throws IllegalArgumentException for a resource id without its type, more than two principals,
   *     a limit out of range, a negative {@code afterSeq}
   */
  public AuditQuery {
    principals = List.copyOf(principals);
    if (resourceId != null && resourceType == null) {
      throw new IllegalArgumentException("a resource id needs its resource type");
    }
    if (principals.size() > 2) {
      throw new IllegalArgumentException("at most two principals, not " + principals.size());
    }
    if (limit < 1 || limit > MAX_LIMIT) {
      throw new IllegalArgumentException("limit must be between 1 and " + MAX_LIMIT);
    }
    if (afterSeq < 0) {
      throw new IllegalArgumentException("afterSeq must be 0 or more");
    }
  }

  /** Every entry, the first {@code limit}. */
  public static AuditQuery all(int limit) {
    return new AuditQuery(null, null, List.of(), null, null, null, 0, limit);
  }

  /**
   * The principals the journal records for the client {@code id}: {@code client:<id>}, and {@code
   * credential:<id>} for entries made before clients existed, whose credentials became clients of
   * the same id (docs/decisions/0014-clients-and-tokens.md).
   */
  public static List<String> clientPrincipals(String id) {
    Objects.requireNonNull(id, "id");
    return List.of(Scope.Principal.client(id, id).toString(), "credential:" + id);
  }

  /** The same search, from after entry {@code seq}: the next page. */
  public AuditQuery after(long seq) {
    return new AuditQuery(resourceType, resourceId, principals, kind, since, until, seq, limit);
  }
}
