/**
 * Clients, their scopes and their credentials: the rules shared by the command line and the admin
 * API ({@link io.scimd.server.clients.ClientAdmin}), the scope vocabulary, and the format of the
 * secrets scimd issues (docs/decisions/0014-clients-and-tokens.md).
 */
@NullMarked
package io.scimd.server.clients;

import org.jspecify.annotations.NullMarked;
