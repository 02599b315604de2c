/**
 * The store contract ({@code io.scimd.store}) on SQLite and PostgreSQL through JDBC. Everything
 * here is package-private except {@link io.scimd.store.jdbc.Stores}, which opens the stores.
 */
@NullMarked
package io.scimd.store.jdbc;

import org.jspecify.annotations.NullMarked;
