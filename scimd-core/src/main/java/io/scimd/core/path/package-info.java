/** Attribute paths (RFC 7644 §3.10). */
@NullMarked
package io.scimd.core.path;

import org.jspecify.annotations.NullMarked;
