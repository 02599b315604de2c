/**
 * The store contract (SPI): resources, group memberships, the change journal, credentials and
 * tenants, as the server reads and writes them. The implementations, on SQLite and PostgreSQL
 * through JDBC, are in {@code io.scimd.store.jdbc}, opened by its {@code Stores}.
 */
@NullMarked
package io.scimd.store;

import org.jspecify.annotations.NullMarked;
