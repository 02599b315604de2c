/**
 * Resources as JSON (RFC 7643 §3): validation of what clients send, projection, and the wire form.
 */
@NullMarked
package io.scimd.core.resource;

import org.jspecify.annotations.NullMarked;
