/** SCIM PATCH (RFC 7644 §3.5.2): operations, their paths, and the engine that applies them. */
@NullMarked
package io.scimd.core.patch;

import org.jspecify.annotations.NullMarked;
