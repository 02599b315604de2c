/**
 * A SCIM 2.0 client (RFC 7644) on {@code java.net.http}, usable on its own: typed users and groups,
 * JSON-level access to any resource type, safely built filters, paging, PATCH, ETags, Bulk, retries
 * that honour {@code Retry-After}, and discovery of what a server supports.
 */
@NullMarked
package io.scimd.client;

import org.jspecify.annotations.NullMarked;
