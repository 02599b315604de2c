package io.scimd.server.hub;

import io.scimd.sync.Delivery;
import io.scimd.sync.UrlPolicy;
import java.nio.file.Path;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * How a server runs the provisioning hub.
 *
 * @param keyFile the file of the key that seals targets' secrets ({@code --hub-key}); null for
 *     {@value HubKey#FILE} in the data directory
 * @param allowedUrls the URL prefixes targets may have ({@code --target-allow}); empty for any http
 *     or https URL
 * @param deliver whether this node runs delivery workers ({@code --no-delivery}: it serves requests
 *     only, other nodes deliver)
 * @param delivery how the workers pace themselves (polls, leases, retries)
 * @param targets the targets file applied when the server starts ({@code --targets}); null for none
 */
public record HubSettings(
    @Nullable Path keyFile,
    List<String> allowedUrls,
    boolean deliver,
    Delivery.Settings delivery,
    @Nullable TargetsFile targets) {
  public static final HubSettings DEFAULTS =
      new HubSettings(null, List.of(), true, Delivery.Settings.defaults(), null);

  public HubSettings {
    allowedUrls = List.copyOf(allowedUrls);
  }

  /** The key file: {@code keyFile}, or {@value HubKey#FILE} in {@code dataDir}. */
  public Path keyFile(Path dataDir) {
    Path f = keyFile;
    return f != null ? f : dataDir.resolve(HubKey.FILE);
  }

  public UrlPolicy urls() {
    return new UrlPolicy(allowedUrls);
  }

  public HubSettings withKeyFile(Path file) {
    return new HubSettings(file, allowedUrls, deliver, delivery, targets);
  }

  public HubSettings withAllowedUrls(List<String> prefixes) {
    return new HubSettings(keyFile, prefixes, deliver, delivery, targets);
  }

  public HubSettings withDelivery(boolean deliver, Delivery.Settings delivery) {
    return new HubSettings(keyFile, allowedUrls, deliver, delivery, targets);
  }

  public HubSettings withTargets(@Nullable TargetsFile file) {
    return new HubSettings(keyFile, allowedUrls, deliver, delivery, file);
  }
}
