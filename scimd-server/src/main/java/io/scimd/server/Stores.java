package io.scimd.server;

import io.scimd.core.schema.SchemaRegistry;
import io.scimd.store.Store;
import java.nio.file.Path;
import java.time.InstantSource;

/** Opens the embedded store of a data directory: the one place that names an implementation. */
final class Stores {
  private Stores() {}

  static Store open(Path dataDir, SchemaRegistry registry, InstantSource clock) {
    throw new UnsupportedOperationException("TODO: SqliteStore (branch store)");
  }
}
