/**
 * scimd as an OAuth 2.0 authorization server for its own clients (the {@code client_credentials}
 * grant, RFC 6749 §4.4, with client secrets or RFC 7523 client assertions), its signing keys and
 * their JWK Set, RFC 8414 metadata, and the verification of access tokens, its own and those of
 * trusted external issuers (docs/decisions/0016-oauth.md). JOSE is nimbus-jose-jwt's.
 */
@NullMarked
package io.scimd.server.oauth;

import org.jspecify.annotations.NullMarked;
