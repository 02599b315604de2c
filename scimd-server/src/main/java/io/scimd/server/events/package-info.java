/**
 * The hub as the server runs it for security events: stream targets, the delivery workers that push
 * them, and the transmitter the SSF endpoints serve (docs/decisions/0019-security-events.md).
 */
@NullMarked
package io.scimd.server.events;

import org.jspecify.annotations.NullMarked;
