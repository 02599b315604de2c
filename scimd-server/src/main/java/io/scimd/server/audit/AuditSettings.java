package io.scimd.server.audit;

import java.nio.file.Path;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * How a server keeps its audit trail: where its checkpoint signing key is, how often it signs a
 * checkpoint, and how long entries are kept.
 *
 * @param keyFile the Ed25519 signing key, created when missing; null for {@value #KEY_FILE} in the
 *     data directory
 * @param checkpointInterval the longest a tenant's newest entries wait for a checkpoint; zero turns
 *     periodic checkpoints (and pruning) off, leaving {@code scimd audit checkpoint}
 * @param checkpointEntries sign sooner once this many entries wait
 * @param retention entries older than this may be pruned, from a checkpoint on; null keeps them for
 *     ever
 * @param authFailureWindow how long a node counts failed authentications before it journals them,
 *     one entry per address and reason ({@link AuthFailures})
 */
public record AuditSettings(
    @Nullable Path keyFile,
    Duration checkpointInterval,
    long checkpointEntries,
    @Nullable Duration retention,
    Duration authFailureWindow) {

  /** The signing key's file name in the data directory. */
  public static final String KEY_FILE = "audit-signing.key";

  /**
   * A checkpoint at least every minute or 10,000 entries; keys in the data directory; kept for
   * ever; failed authentications summed per minute.
   */
  public static final AuditSettings DEFAULTS =
      new AuditSettings(null, Duration.ofMinutes(1), 10_000, null, Duration.ofMinutes(1));

  /**
   * @throws IllegalArgumentException for a negative interval, fewer than 1 entry, a retention under
   *     a day, or an authentication failure window that is not positive or longer than an hour
   */
  public AuditSettings {
    if (checkpointInterval.isNegative()) {
      throw new IllegalArgumentException("the audit checkpoint interval cannot be negative");
    }
    if (checkpointEntries < 1) {
      throw new IllegalArgumentException(
          "audit checkpoint entries must be at least 1, not " + checkpointEntries);
    }
    if (retention != null && retention.compareTo(Duration.ofDays(1)) < 0) {
      throw new IllegalArgumentException(
          "the audit retention must be at least 1d, not " + retention);
    }
    if (!authFailureWindow.isPositive() || authFailureWindow.compareTo(Duration.ofHours(1)) > 0) {
      throw new IllegalArgumentException(
          "the audit auth failure window must be more than 0 and at most 1h, not "
              + authFailureWindow);
    }
  }

  /** The signing key's file for a server whose data directory is {@code dataDir}. */
  public Path keyFile(Path dataDir) {
    return keyFile != null ? keyFile : dataDir.resolve(KEY_FILE);
  }

  public AuditSettings withKeyFile(@Nullable Path file) {
    return new AuditSettings(
        file, checkpointInterval, checkpointEntries, retention, authFailureWindow);
  }

  public AuditSettings withCheckpoints(Duration interval, long entries) {
    return new AuditSettings(keyFile, interval, entries, retention, authFailureWindow);
  }

  public AuditSettings withRetention(@Nullable Duration keep) {
    return new AuditSettings(
        keyFile, checkpointInterval, checkpointEntries, keep, authFailureWindow);
  }

  public AuditSettings withAuthFailureWindow(Duration window) {
    return new AuditSettings(keyFile, checkpointInterval, checkpointEntries, retention, window);
  }
}
