package io.scimd.server;

import io.scimd.core.schema.SchemaRegistry;
import io.scimd.store.SqliteStore;
import io.scimd.store.Store;
import java.nio.file.Path;
import java.time.InstantSource;

/** Opens the embedded store of a data directory: the one place that names an implementation. */
final class Stores {
  private Stores() {}

  /** The SQLite store in {@code dataDir/scimd.db}, created and migrated when needed. */
  static Store open(Path dataDir, SchemaRegistry registry, InstantSource clock) {
    return SqliteStore.open(dataDir, registry, clock);
  }
}
