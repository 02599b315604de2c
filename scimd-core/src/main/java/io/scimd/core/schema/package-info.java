/**
 * Schemas, resource types and attribute characteristics (RFC 7643 §2, §6, §7), and the rules for
 * their values.
 */
@NullMarked
package io.scimd.core.schema;

import org.jspecify.annotations.NullMarked;
