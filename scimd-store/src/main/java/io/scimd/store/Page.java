package io.scimd.store;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * One page of a query's results.
 *
 * @param totalResults how many resources match the whole query
 * @param nextCursor with cursor paging, the cursor of the next page; null on the last page
 * @param previousCursor with cursor paging, the cursor of the previous page; null on the first
 */
public record Page(
    long totalResults,
    List<StoredResource> resources,
    @Nullable String nextCursor,
    @Nullable String previousCursor) {
  public Page {
    resources = List.copyOf(resources);
  }
}
