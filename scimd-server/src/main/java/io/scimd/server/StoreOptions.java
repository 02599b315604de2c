package io.scimd.server;

import io.scimd.server.service.ServiceConfig;
import io.scimd.store.Store;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.InstantSource;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/**
 * The store a command other than {@code serve} works on, named as {@code serve} names it: SQLite in
 * {@code --data}, or the PostgreSQL database of {@code --db} (migrated first, as {@code serve} does
 * by default, so that it can be prepared before the first node starts). {@code --schemas} tells
 * which resource types exist, for the commands that go through every resource.
 */
final class StoreOptions {
  @Option(
      names = "--data",
      defaultValue = ServerConfig.DEFAULT_DATA,
      description = "Data directory (SCIMD_DATA; default ${DEFAULT-VALUE}).")
  Path data;

  @Option(
      names = "--schemas",
      description =
          "Directory of extra schema and resource type definitions, as given to serve (SCIMD_SCHEMAS).")
  @Nullable Path schemas;

  @Mixin Main.DbOptions db = new Main.DbOptions();

  /** The configuration these options name; a command holds at most two connections. */
  ServerConfig config() {
    ServerConfig config =
        new ServerConfig(ServerConfig.DEFAULT_HOST, 0, data, schemas, null, ServiceConfig.DEFAULTS);
    String url = db.url;
    return url == null ? config : config.withDatabase(url, db.settings(true).withMaxPoolSize(2));
  }

  /**
   * Opens the store, creating an empty one when there is none yet; says on {@code spec}'s error
   * stream which store it is, and warns when it is a new one (a relative {@code --data} from
   * another directory is a new, empty store, not the one the server uses).
   *
   * @throws IllegalArgumentException for an option the store cannot use
   * @throws IllegalStateException when the store cannot be opened
   */
  Store open(CommandSpec spec) {
    return open(config(), spec);
  }

  Store open(ServerConfig config, CommandSpec spec) {
    TenantSchemas registry = TenantSchemas.read(schemas);
    PrintWriter err = spec.commandLine().getErr();
    if (ScimServer.isNew(config)) {
      err.println(
          "scimd: store: "
              + ScimServer.where(config)
              + ": none there yet, creating a new, empty store (give --data or --db to use"
              + " another)");
    } else {
      err.println("scimd: store: " + ScimServer.where(config));
    }
    err.flush();
    return ScimServer.openStore(config, registry.union(), InstantSource.system());
  }

  /**
   * Opens the store that must already exist: for the commands that only read or maintain one, where
   * a data directory without a database is a mistake to report, not a new empty store to create.
   *
   * @throws IllegalArgumentException when there is no store there
   */
  Store openExisting(ServerConfig config, CommandSpec spec) {
    if (ScimServer.isNew(config)) {
      throw new IllegalArgumentException(
          "no scimd store in "
              + config.dataDir().toAbsolutePath().normalize()
              + " (give --data or --db)");
    }
    return open(config, spec);
  }
}
