package io.scimd.server;

import io.scimd.store.Scope;
import java.util.UUID;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The options of a command that works on one tenant of the store: where the store is and which
 * tenant; and the scope its changes are journaled in ({@code system:cli}, with who ran it). The
 * commands' own option classes extend it (picocli reads the inherited options).
 */
class TenantOptions {
  @Mixin StoreOptions store = new StoreOptions();

  @Option(
      names = "--tenant",
      defaultValue = Scope.DEFAULT_TENANT,
      description = "The tenant (default ${DEFAULT-VALUE}).")
  String tenant = Scope.DEFAULT_TENANT;

  /** The CLI as the journal names it, with who ran it. */
  Scope scope() {
    String user = System.getProperty("user.name", "unknown");
    return new Scope(
        tenant,
        new Scope.Principal("system", "cli", "cli (" + user + ")"),
        null,
        "cli-" + UUID.randomUUID());
  }
}
