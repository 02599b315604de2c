package io.scimd.bench;

import io.scimd.store.Store;
import java.nio.file.Path;

/** Opens the embedded SQLite store on a data directory exactly as {@code scimd serve --data} does. */
final class BenchStore {
  private BenchStore() {}

  static Store open(Path dataDir) {
    throw new UnsupportedOperationException("TODO: waiting for the store branch's SQLite factory");
  }
}
