package io.scimd.server.service;

import org.jspecify.annotations.Nullable;

/**
 * The parameters of a list or search request (RFC 7644 §3.4.2, §3.4.3; RFC 9865), as text, exactly
 * as they came from the query string or a SearchRequest body; the service parses and checks them.
 */
public record ListParams(
    @Nullable String filter,
    @Nullable String sortBy,
    @Nullable String sortOrder,
    @Nullable String startIndex,
    @Nullable String count,
    @Nullable String cursor,
    @Nullable String attributes,
    @Nullable String excludedAttributes) {

  public static final ListParams NONE = new ListParams(null, null, null, null, null, null, null, null);
}
