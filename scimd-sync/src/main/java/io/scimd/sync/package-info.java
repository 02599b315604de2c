/**
 * The provisioning hub: it reads the change journal and delivers each change to every target of its
 * tenant (SCIM applications, webhooks, security event streams), mapped into the target's schema, in
 * order, with retries, dead letters, replay and reconciliation.
 */
@NullMarked
package io.scimd.sync;

import org.jspecify.annotations.NullMarked;
