package io.scimd.store;

import io.scimd.core.filter.Filter;
import org.jspecify.annotations.Nullable;

/**
 * A list request as the store sees it, with limits already applied by the caller.
 *
 * @param filter null for all resources of the type
 * @param sort null for the store's stable default order (creation order)
 * @param startIndex 1-based index paging (RFC 7644 §3.4.2.4); ignored when {@code cursor} is set
 * @param count page size, at least 0; 0 returns only the total
 * @param cursor null for index paging; "" for the first page of RFC 9865 cursor paging, or a {@link
 *     Page#nextCursor()} / {@link Page#previousCursor()} value
 * @param load which derived attributes the returned resources carry
 * @param limits what evaluating the query in memory may cost, when the database cannot answer it
 *     alone
 */
public record Query(
    @Nullable Filter filter,
    @Nullable Sort sort,
    int startIndex,
    int count,
    @Nullable String cursor,
    Load load,
    ScanLimits limits) {

  public Query {
    if (startIndex < 1 || count < 0) {
      throw new IllegalArgumentException(
          "startIndex >= 1 and count >= 0, got " + startIndex + ", " + count);
    }
  }

  /** A query under {@link ScanLimits#DEFAULT}. */
  public Query(
      @Nullable Filter filter,
      @Nullable Sort sort,
      int startIndex,
      int count,
      @Nullable String cursor,
      Load load) {
    this(filter, sort, startIndex, count, cursor, load, ScanLimits.DEFAULT);
  }

  public static Query all(int count) {
    return new Query(null, null, 1, count, null, Load.NONE);
  }
}
