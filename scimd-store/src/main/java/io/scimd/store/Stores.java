package io.scimd.store;

import io.scimd.core.schema.SchemaRegistry;
import java.nio.file.Path;
import java.time.InstantSource;

/** Opens the store a location names: what {@code --db} / {@code SCIMD_DB} select. */
public final class Stores {
  private Stores() {}

  /**
   * A {@code jdbc:postgresql:} URL opens {@link PostgresStore}; anything else is a data directory
   * for {@link SqliteStore} (the default). {@code settings} apply to PostgreSQL only.
   *
   * @throws IllegalArgumentException for another JDBC URL
   * @throws IllegalStateException when the store cannot be opened (see each store's {@code open})
   */
  public static Store open(String location, SchemaRegistry registry, InstantSource clock, PoolSettings settings) {
    if (location.startsWith("jdbc:postgresql:")) {
      return PostgresStore.open(location, registry, clock, settings);
    }
    if (location.startsWith("jdbc:")) {
      throw new IllegalArgumentException(
          "unsupported database URL " + PostgresStore.redact(location)
              + ": give a jdbc:postgresql:// URL or a data directory for SQLite");
    }
    return SqliteStore.open(Path.of(location), registry, clock);
  }
}
