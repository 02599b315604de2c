/**
 * The provisioning hub in a running server (docs/decisions/0017-hub.md): its key, its settings, the
 * delivery workers of the node, and the payload of a change sent to webhook targets.
 */
@NullMarked
package io.scimd.server.hub;

import org.jspecify.annotations.NullMarked;
