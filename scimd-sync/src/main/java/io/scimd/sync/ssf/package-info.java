/**
 * scimd as an OpenID Shared Signals Framework 1.0 transmitter: event streams stored as hub targets
 * (type {@code ssf} for push, RFC 8935, delivered by the workers; {@code ssf-poll} for poll, RFC
 * 8936, read by the receiver), their management, and the SETs they carry
 * (docs/decisions/0019-security-events.md).
 */
@NullMarked
package io.scimd.sync.ssf;

import org.jspecify.annotations.NullMarked;
