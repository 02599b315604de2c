/**
 * The access model (docs/decisions/0021-access-model.md): each tenant's applications, their roles
 * and the rules that grant them to the members of groups or to the users a SCIM filter matches;
 * decisions as the OpenID AuthZEN Authorization API 1.0 answers them; claims documents and the Okta
 * and Entra ID token hooks; agents, bounded by their owners; and the same answers at any past
 * instant, from the change journal. One engine ({@link Entitlements}) answers them all over a
 * {@link Directory}: the store as it is now, or as the journal says it was.
 */
@NullMarked
package io.scimd.access;

import org.jspecify.annotations.NullMarked;
