package io.scimd.bench;

import io.scimd.core.schema.SchemaRegistry;
import io.scimd.store.Store;
import io.scimd.store.jdbc.Stores;
import java.nio.file.Path;
import java.time.InstantSource;

/**
 * Opens the embedded SQLite store on a data directory as {@code scimd serve --data} does ({@code
 * dataDir/scimd.db}, built-in schemas, the system clock), so that what the bench seeds is what the
 * server then serves.
 */
final class BenchStore {
  private BenchStore() {}

  static Store open(Path dataDir) {
    return Stores.sqlite(dataDir, SchemaRegistry.builtIn(), InstantSource.system());
  }
}
