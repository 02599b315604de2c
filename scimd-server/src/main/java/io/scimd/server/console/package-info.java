/**
 * The web console at {@code /console}: server-rendered pages (jte templates compiled at build time)
 * for the people who run scimd, signed in with an admin token, over the same services the SCIM and
 * admin APIs use (docs/decisions/0026-console.md).
 */
@NullMarked
package io.scimd.server.console;

import org.jspecify.annotations.NullMarked;
