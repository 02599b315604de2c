/**
 * The store of resources, group memberships and credentials, on SQLite and PostgreSQL through JDBC.
 */
@NullMarked
package io.scimd.store;

import org.jspecify.annotations.NullMarked;
