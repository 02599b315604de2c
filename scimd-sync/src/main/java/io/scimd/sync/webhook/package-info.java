/** Webhook targets: each change POSTed as a security event payload, signed as Standard Webhooks. */
@NullMarked
package io.scimd.sync.webhook;

import org.jspecify.annotations.NullMarked;
