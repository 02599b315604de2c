/**
 * The SCIM protocol (RFC 7644) over a store, with no HTTP types: CRUD, lists and searches, bulk,
 * discovery.
 */
@NullMarked
package io.scimd.server.service;

import org.jspecify.annotations.NullMarked;
