/**
 * The audit trail over the hash-chained change journal: the checkpoint signing key, periodic signed
 * checkpoints and retention, verification, and export (docs/decisions/0009-audit-trail.md).
 */
@NullMarked
package io.scimd.server.audit;

import org.jspecify.annotations.NullMarked;
