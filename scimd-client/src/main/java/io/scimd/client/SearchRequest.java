package io.scimd.client;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scimd.core.filter.Filter;
import io.scimd.core.filter.FilterPrinter;
import io.scimd.core.schema.SchemaUrns;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * What to list or search (RFC 7644 §3.4.2 and §3.4.3): a filter, the attributes to return, the
 * order, the page size and how to page. Build with {@link #builder()}; {@link #all()} lists
 * everything.
 */
public final class SearchRequest {
  private final @Nullable Filter filter;
  private final List<String> attributes;
  private final List<String> excludedAttributes;
  private final @Nullable String sortBy;
  private final boolean descending;
  private final @Nullable Integer pageSize;
  private final Paging paging;

  private SearchRequest(Builder b) {
    this.filter = b.filter;
    this.attributes = List.copyOf(b.attributes);
    this.excludedAttributes = List.copyOf(b.excludedAttributes);
    this.sortBy = b.sortBy;
    this.descending = b.descending;
    this.pageSize = b.pageSize;
    this.paging = b.paging;
  }

  public static Builder builder() {
    return new Builder();
  }

  public static SearchRequest all() {
    return builder().build();
  }

  public static SearchRequest filter(Filter filter) {
    return builder().filter(filter).build();
  }

  public @Nullable Filter filter() {
    return filter;
  }

  public Paging paging() {
    return paging;
  }

  public @Nullable Integer pageSize() {
    return pageSize;
  }

  /** The query parameters of a GET, without paging ones; values not yet encoded. */
  List<String[]> queryParameters() {
    List<String[]> p = new ArrayList<>();
    if (filter != null) {
      p.add(new String[] {"filter", FilterPrinter.print(filter, Spelling::of)});
    }
    if (!attributes.isEmpty()) {
      p.add(new String[] {"attributes", String.join(",", attributes)});
    }
    if (!excludedAttributes.isEmpty()) {
      p.add(new String[] {"excludedAttributes", String.join(",", excludedAttributes)});
    }
    if (sortBy != null) {
      p.add(new String[] {"sortBy", sortBy});
      p.add(new String[] {"sortOrder", descending ? "descending" : "ascending"});
    }
    if (pageSize != null) {
      p.add(new String[] {"count", Integer.toString(pageSize)});
    }
    return p;
  }

  /** The SearchRequest body of a POST .search (RFC 7644 §3.4.3), without paging members. */
  ObjectNode body() {
    ObjectNode o = Json.F.objectNode();
    o.putArray("schemas").add(SchemaUrns.SEARCH_REQUEST);
    if (filter != null) {
      o.put("filter", FilterPrinter.print(filter, Spelling::of));
    }
    if (!attributes.isEmpty()) {
      attributes.forEach(o.putArray("attributes")::add);
    }
    if (!excludedAttributes.isEmpty()) {
      excludedAttributes.forEach(o.putArray("excludedAttributes")::add);
    }
    if (sortBy != null) {
      o.put("sortBy", sortBy);
      o.put("sortOrder", descending ? "descending" : "ascending");
    }
    if (pageSize != null) {
      o.put("count", pageSize);
    }
    return o;
  }

  public static final class Builder {
    private @Nullable Filter filter;
    private final List<String> attributes = new ArrayList<>();
    private final List<String> excludedAttributes = new ArrayList<>();
    private @Nullable String sortBy;
    private boolean descending;
    private @Nullable Integer pageSize;
    private Paging paging = Paging.INDEX;

    private Builder() {}

    /** Build it with {@link Filters}, which escapes values. */
    public Builder filter(@Nullable Filter filter) {
      this.filter = filter;
      return this;
    }

    /** Return only these attributes (and those always returned, such as {@code id}). */
    public Builder attributes(String... names) {
      attributes.addAll(List.of(names));
      return this;
    }

    public Builder excludedAttributes(String... names) {
      excludedAttributes.addAll(List.of(names));
      return this;
    }

    public Builder sortBy(String path, boolean descending) {
      this.sortBy = path;
      this.descending = descending;
      return this;
    }

    /**
     * Resources per page ({@code count}); unset: the server's default. A server may send fewer (its
     * {@code maxPageSize}); paging goes on by what it sent.
     */
    public Builder pageSize(int count) {
      if (count < 1) {
        throw new IllegalArgumentException("a page holds at least one resource, not " + count);
      }
      this.pageSize = count;
      return this;
    }

    public Builder paging(Paging paging) {
      this.paging = paging;
      return this;
    }

    public SearchRequest build() {
      return new SearchRequest(this);
    }
  }
}
