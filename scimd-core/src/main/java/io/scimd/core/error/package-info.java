/**
 * SCIM errors (RFC 7644 §3.12): the error value, its {@code scimType} keywords and the exception
 * that carries them.
 */
@NullMarked
package io.scimd.core.error;

import org.jspecify.annotations.NullMarked;
