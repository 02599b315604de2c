/**
 * Rate limits: token buckets by key ({@link io.scimd.server.limits.Buckets}), one per client for
 * its request rate and one per source address for failed authentications, and the exchange through
 * the store that makes the nodes on one database hold one client rate between them
 * (docs/decisions/0012-limits.md).
 */
@NullMarked
package io.scimd.server.limits;

import org.jspecify.annotations.NullMarked;
