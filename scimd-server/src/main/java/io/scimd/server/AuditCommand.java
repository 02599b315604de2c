package io.scimd.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scimd.core.schema.SchemaRegistry;
import io.scimd.server.audit.AuditEntries;
import io.scimd.server.audit.AuditKey;
import io.scimd.server.audit.AuditMaintenance;
import io.scimd.server.audit.AuditSettings;
import io.scimd.server.audit.Export;
import io.scimd.server.audit.Verification;
import io.scimd.store.AuditQuery;
import io.scimd.store.Checkpoint;
import io.scimd.store.Scope;
import io.scimd.store.Store;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code scimd audit verify|export|history|checkpoint|prune}: the audit trail of the store named by
 * {@code --data}/{@code --db}, as {@code serve} names it (docs/decisions/0009-audit-trail.md,
 * 0015-audit-queries.md). {@code verify} exits {@value #EXIT_TAMPERED} when it finds anything
 * wrong, 0 when the trail is intact.
 */
@Command(
    name = "audit",
    mixinStandardHelpOptions = true,
    description = "Verify, export, search, checkpoint or prune the audit trail.")
final class AuditCommand implements Runnable {
  /** Exit code of {@code audit verify} when the trail is not intact. */
  static final int EXIT_TAMPERED = 3;

  @Spec CommandSpec spec;

  static CommandLine commandLine() {
    return new CommandLine(new AuditCommand())
        .addSubcommand(new Verify())
        .addSubcommand(new ExportCommand())
        .addSubcommand(new HistoryCommand())
        .addSubcommand(new CheckpointCommand())
        .addSubcommand(new Prune());
  }

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** The audit options of {@code serve}: the signing key, checkpoints and retention. */
  static final class AuditOptions {
    @Option(
        names = "--audit-key",
        description =
            "Ed25519 key that signs audit checkpoints, created readable by its owner only when missing (SCIMD_AUDIT_KEY; default: "
                + AuditSettings.KEY_FILE
                + " in --data).")
    @Nullable Path key;

    @Option(
        names = "--audit-checkpoint-interval",
        defaultValue = "1m",
        converter = Main.DurationConverter.class,
        description =
            "Longest the newest audit entries wait for a signed checkpoint, 0 for none but on demand (SCIMD_AUDIT_CHECKPOINT_INTERVAL; default ${DEFAULT-VALUE}).")
    Duration interval;

    @Option(
        names = "--audit-checkpoint-entries",
        defaultValue = "10000",
        description =
            "Sign a checkpoint sooner once this many audit entries wait (SCIMD_AUDIT_CHECKPOINT_ENTRIES; default ${DEFAULT-VALUE}).")
    long entries;

    @Option(
        names = "--audit-retention",
        converter = Main.DurationConverter.class,
        description =
            "Prune audit entries older than this, e.g. 400d, from a checkpoint on (SCIMD_AUDIT_RETENTION; default: keep for ever).")
    @Nullable Duration retention;

    @Option(
        names = "--audit-auth-failure-window",
        defaultValue = "1m",
        converter = Main.DurationConverter.class,
        description =
            "Count failed authentications this long, then journal one entry per address and reason (SCIMD_AUDIT_AUTH_FAILURE_WINDOW; default ${DEFAULT-VALUE}).")
    Duration authFailureWindow;

    /**
     * @throws IllegalArgumentException for values the settings refuse
     */
    AuditSettings settings() {
      return AuditSettings.DEFAULTS
          .withKeyFile(key)
          .withCheckpoints(interval, entries)
          .withRetention(retention)
          .withAuthFailureWindow(authFailureWindow);
    }
  }

  /**
   * Runs {@code work} on the store, mapping failures to the exit codes and messages of every
   * command.
   */
  private static int run(CommandSpec spec, StoreOptions options, StoreWork work) {
    PrintWriter err = spec.commandLine().getErr();
    ServerConfig config;
    Store store;
    try {
      config = options.config();
      store = options.openExisting(config, spec);
    } catch (IllegalArgumentException e) {
      err.println("scimd: invalid configuration: " + Main.oneLine(e.getMessage()));
      err.flush();
      return Main.EXIT_CONFIG;
    } catch (RuntimeException e) {
      err.println("scimd: cannot open the store: " + Main.oneLine(e.getMessage()));
      err.flush();
      return Main.EXIT_START;
    }
    try (store) {
      return work.run(store, config);
    } catch (IllegalArgumentException e) {
      err.println("scimd: invalid configuration: " + Main.oneLine(e.getMessage()));
      err.flush();
      return Main.EXIT_CONFIG;
    } catch (RuntimeException e) {
      err.println("scimd: " + spec.name() + " failed: " + Main.oneLine(e.getMessage()));
      err.flush();
      return Main.EXIT_START;
    }
  }

  private interface StoreWork {
    int run(Store store, ServerConfig config);
  }

  @Command(
      name = "verify",
      mixinStandardHelpOptions = true,
      description = {
        "Walk each tenant's audit trail from its start, recompute every hash, check every link and checkpoint signature.",
        "Exit 0 when intact, "
            + EXIT_TAMPERED
            + " when any entry or checkpoint was edited, removed, inserted or reordered."
      })
  static final class Verify implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Mixin StoreOptions store = new StoreOptions();

    @Option(
        names = "--trust-key",
        description =
            "A public key (PEM, e.g. audit-signing.key.pub) whose signatures count; repeatable. Default: the keys recorded in the store.")
    List<Path> trust = new ArrayList<>();

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      return run(
          spec,
          store,
          (s, config) -> {
            Map<String, PublicKey> trusted = null;
            if (!trust.isEmpty()) {
              trusted = new LinkedHashMap<>();
              for (Path p : trust) {
                PublicKey k = AuditKey.readPublicKey(p);
                trusted.put(AuditKey.id(k), k);
              }
            }
            Verification.Report report = Verification.verify(s.audit(), trusted);
            report.print(out);
            long entries =
                report.tenants().stream().mapToLong(Verification.TenantReport::entries).sum();
            if (report.intact()) {
              out.println(
                  "scimd: the audit trail is intact: "
                      + entries
                      + " entries in "
                      + report.tenants().size()
                      + (report.tenants().size() == 1 ? " tenant" : " tenants"));
              out.flush();
              return 0;
            }
            out.println(
                "scimd: the audit trail is NOT intact: "
                    + report.problems()
                    + " problem"
                    + (report.problems() == 1 ? "" : "s")
                    + " found");
            out.flush();
            return EXIT_TAMPERED;
          });
    }
  }

  @Command(
      name = "export",
      mixinStandardHelpOptions = true,
      description =
          "Write the audit entries of a time range to standard output as JSON lines, CSV or OCSF "
              + "1.3.0 events.")
  static final class ExportCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Mixin StoreOptions store = new StoreOptions();

    @Option(
        names = "--since",
        required = true,
        converter = TimeConverter.class,
        description =
            "From this time on (inclusive): 2026-03-01T00:00:00Z, 2026-03-01 (UTC), or 7d / 12h ago.")
    Instant since;

    @Option(
        names = "--until",
        converter = TimeConverter.class,
        description = "Up to this time (exclusive), as --since; default: now.")
    @Nullable Instant until;

    @Option(
        names = "--format",
        defaultValue = "jsonl",
        description = "jsonl, csv or ocsf (default ${DEFAULT-VALUE}).")
    String format;

    @Option(names = "--tenant", description = "Only this tenant (default: every tenant).")
    @Nullable String tenant;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      return run(
          spec,
          store,
          (s, config) -> {
            Export.Format f = Export.Format.of(format);
            Export.write(s.audit(), tenant, since, until, f, BuildInfo.current().version(), out);
            return 0;
          });
    }
  }

  @Command(
      name = "history",
      mixinStandardHelpOptions = true,
      description = {
        "Print everything that happened to one resource, oldest first, one line per change: its own"
            + " changes and the groups that added or removed it, each with the client that made it.",
        "Example: scimd audit history User 2819c223-7f76-453a-919d-413861904646 --tenant acme"
      })
  static final class HistoryCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Mixin StoreOptions store = new StoreOptions();

    @CommandLine.Parameters(
        index = "0",
        paramLabel = "TYPE",
        description = "The resource type: User, Group, a type of --schemas, Client, Credential.")
    String type = "";

    @CommandLine.Parameters(index = "1", paramLabel = "ID", description = "The resource's id.")
    String id = "";

    @Option(
        names = "--tenant",
        defaultValue = Scope.DEFAULT_TENANT,
        description = "The tenant (default ${DEFAULT-VALUE}).")
    String tenant = Scope.DEFAULT_TENANT;

    @Option(names = "--json", description = "One JSON object per line, as the admin API shows it.")
    boolean json;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      return run(
          spec,
          store,
          (s, config) -> {
            SchemaRegistry registry = ScimServer.registry(config.schemasDir());
            String name =
                AuditEntries.type(registry, type)
                    .orElseThrow(
                        () ->
                            new IllegalArgumentException(
                                "unknown resource type '"
                                    + type
                                    + "': give one of "
                                    + String.join(", ", AuditEntries.typeNames(registry))));
            long after = 0;
            long n = 0;
            while (true) {
              AuditEntries.Page page =
                  AuditEntries.history(s, tenant, name, id, after, AuditQuery.MAX_LIMIT);
              for (ObjectNode e : page.entries()) {
                out.println(json ? e.toString() : AuditEntries.line(e));
                n++;
              }
              Long next = page.next();
              if (next == null) {
                break;
              }
              after = next;
            }
            if (n == 0 && !json) {
              out.println(
                  "scimd: no audit entries for "
                      + name
                      + " '"
                      + id
                      + "' in tenant '"
                      + tenant
                      + "'");
            }
            out.flush();
            return 0;
          });
    }
  }

  @Command(
      name = "checkpoint",
      mixinStandardHelpOptions = true,
      description =
          "Sign a checkpoint of every tenant's newest audit entry now (the server also signs them periodically).")
  static final class CheckpointCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Mixin StoreOptions store = new StoreOptions();

    @Option(
        names = "--audit-key",
        description =
            "The Ed25519 signing key, created when missing (SCIMD_AUDIT_KEY; default: "
                + AuditSettings.KEY_FILE
                + " in --data).")
    @Nullable Path key;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      return run(
          spec,
          store,
          (s, config) -> {
            AuditSettings settings = AuditSettings.DEFAULTS.withKeyFile(key);
            AuditKey k = AuditKey.loadOrCreate(settings.keyFile(config.dataDir()));
            List<Checkpoint> made =
                AuditMaintenance.onDemand(s.audit(), k, settings, InstantSource.system())
                    .checkpointNow();
            for (Checkpoint cp : made) {
              out.println(
                  "scimd: signed tenant \""
                      + cp.tenant()
                      + "\" up to entry "
                      + cp.seq()
                      + " ("
                      + cp.hash()
                      + ")");
            }
            if (made.isEmpty()) {
              out.println("scimd: every tenant's newest entry is already signed");
            }
            out.flush();
            return 0;
          });
    }
  }

  @Command(
      name = "prune",
      mixinStandardHelpOptions = true,
      description =
          "Delete audit entries older than --audit-retention, from the newest checkpoint before it, after verifying them.")
  static final class Prune implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Mixin StoreOptions store = new StoreOptions();

    @Option(
        names = "--audit-retention",
        required = true,
        converter = Main.DurationConverter.class,
        description = "Keep entries this recent, e.g. 400d (SCIMD_AUDIT_RETENTION).")
    Duration retention;

    @Option(
        names = "--audit-key",
        description =
            "The Ed25519 signing key (SCIMD_AUDIT_KEY; default: "
                + AuditSettings.KEY_FILE
                + " in --data).")
    @Nullable Path key;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      return run(
          spec,
          store,
          (s, config) -> {
            AuditSettings settings =
                AuditSettings.DEFAULTS.withKeyFile(key).withRetention(retention);
            AuditKey k = AuditKey.loadOrCreate(settings.keyFile(config.dataDir()));
            long n =
                AuditMaintenance.onDemand(s.audit(), k, settings, InstantSource.system()).prune();
            out.println("scimd: pruned " + n + " audit entries");
            out.flush();
            return 0;
          });
    }
  }

  /**
   * An instant ({@code 2026-03-01T10:00:00Z}), a UTC date ({@code 2026-03-01}), or a time ago
   * ({@code 7d}, {@code 12h}).
   */
  static final class TimeConverter implements CommandLine.ITypeConverter<Instant> {
    private static final Pattern AGO = Pattern.compile("(\\d{1,9})([dhm])");

    @Override
    public Instant convert(String value) {
      String v = value.strip();
      Matcher m = AGO.matcher(v);
      if (m.matches()) {
        long n = Long.parseLong(m.group(1));
        Duration d =
            switch (m.group(2)) {
              case "d" -> Duration.ofDays(n);
              case "h" -> Duration.ofHours(n);
              default -> Duration.ofMinutes(n);
            };
        return InstantSource.system().instant().minus(d);
      }
      try {
        return v.length() == 10
            ? LocalDate.parse(v).atStartOfDay(ZoneOffset.UTC).toInstant()
            : Instant.parse(v);
      } catch (DateTimeParseException e) {
        throw new CommandLine.TypeConversionException(
            "'" + value + "' is not a time: give e.g. 2026-03-01T00:00:00Z, 2026-03-01, 7d or 12h");
      }
    }
  }
}
