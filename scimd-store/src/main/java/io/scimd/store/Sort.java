package io.scimd.store;

import io.scimd.core.path.AttrPath;

/** {@code sortBy} / {@code sortOrder} (RFC 7644 §3.4.2.3). */
public record Sort(AttrPath by, boolean descending) {}
