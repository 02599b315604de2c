/**
 * Security events: each change of the journal as a Security Event Token (RFC 8417) of the SCIM
 * profile (RFC 9967), for the OpenID Shared Signals Framework streams and the webhook targets,
 * which share one payload (docs/decisions/0019-security-events.md). Pure: nothing here reads the
 * store, signs or sends.
 */
@NullMarked
package io.scimd.sync.events;

import org.jspecify.annotations.NullMarked;
