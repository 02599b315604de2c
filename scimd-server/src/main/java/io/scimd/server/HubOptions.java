package io.scimd.server;

import io.scimd.server.hub.HubKey;
import io.scimd.server.hub.HubSettings;
import io.scimd.sync.Delivery;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Option;

/**
 * The hub options {@code serve} and {@code target} share: the key that seals targets' secrets and
 * the URLs targets may have. The target commands save definitions the server then delivers with, so
 * they must be given the same values.
 */
final class HubOptions {
  @Option(
      names = "--hub-key",
      paramLabel = "FILE",
      description =
          "Key that seals the targets' secrets (base64 of 32 bytes), created readable by its owner only when missing; every node on one database needs the same file (SCIMD_HUB_KEY_FILE; default: "
              + HubKey.FILE
              + " in --data).")
  @Nullable Path key;

  @Option(
      names = "--target-allow",
      paramLabel = "PREFIX",
      split = ",",
      description =
          "A URL prefix targets may have, e.g. https://crm.example/; repeatable. Without any, every http and https URL is allowed (SCIMD_TARGET_ALLOW, comma-separated).")
  List<String> allow = new ArrayList<>();

  /** The hub settings of these options, for a node that delivers ({@code deliver}) or not. */
  HubSettings settings(boolean deliver) {
    List<String> prefixes = new ArrayList<>();
    for (String p : allow) {
      if (!p.isBlank()) {
        prefixes.add(p.strip());
      }
    }
    return new HubSettings(key, prefixes, deliver, Delivery.Settings.defaults(), null);
  }
}
