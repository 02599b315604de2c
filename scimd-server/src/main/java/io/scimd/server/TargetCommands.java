package io.scimd.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scimd.core.schema.SchemaRegistry;
import io.scimd.server.events.SecurityEventsParts;
import io.scimd.server.hub.HubKey;
import io.scimd.server.hub.HubNode;
import io.scimd.server.hub.Reconciling;
import io.scimd.store.HubRecords;
import io.scimd.store.Scope;
import io.scimd.store.Store;
import io.scimd.sync.Hub;
import io.scimd.sync.SecretBox;
import io.scimd.sync.scim.Reconcile;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code scimd target
 * add|list|show|remove|pause|resume|approve|rewind|status|dead-letters|replay|reconcile|preview}:
 * the provisioning hub's targets of a tenant, on the store {@code serve} uses (also while it runs:
 * its workers pick changes up at their next poll). Each change is journaled with the principal
 * {@code system:cli}. Secrets are sealed with the hub key the server uses ({@code --hub-key}); a
 * webhook secret scimd makes is printed once, by the command that made it.
 */
final class TargetCommands {
  private static final ObjectMapper JSON = new ObjectMapper();

  private TargetCommands() {}

  static CommandLine commandLine(Map<String, String> env) {
    return new CommandLine(new TargetCommand())
        .addSubcommand(new Add())
        .addSubcommand(new Apply(env))
        .addSubcommand(new ListTargets())
        .addSubcommand(new Show())
        .addSubcommand(new Remove())
        .addSubcommand(new Pause())
        .addSubcommand(new Resume())
        .addSubcommand(new Approve())
        .addSubcommand(new Rewind())
        .addSubcommand(new Status())
        .addSubcommand(new DeadLetters())
        .addSubcommand(new Replay())
        .addSubcommand(new ReconcileTarget())
        .addSubcommand(new Preview());
  }

  @Command(
      name = "target",
      mixinStandardHelpOptions = true,
      description = {
        "Manage the provisioning hub's targets: the applications each change of a tenant is"
            + " delivered to (see the README, 'Provisioning hub')."
      })
  static final class TargetCommand implements Runnable {
    @Spec CommandSpec spec;

    @Override
    public void run() {
      spec.commandLine().usage(spec.commandLine().getOut());
    }
  }

  /** The options every target command takes: the store, the hub key, the tenant. */
  static final class Common extends TenantOptions {
    @Mixin HubOptions hub = new HubOptions();
  }

  private interface Work {
    int run(Hub hub, PrintWriter out);
  }

  /**
   * Runs {@code work} on the hub of the store: 2 for a bad option or definition, 1 for what the
   * store refused (a name in use, nothing found) or could not do.
   */
  private static int run(CommandSpec spec, Common common, Work work) {
    ServerConfig config = common.store.config();
    try (Store s = common.store.open(config, spec)) {
      Path keyFile = common.hub.settings(false).keyFile(config.dataDir());
      // On SQLite the CLI and the server share the data directory, so the key it makes is the
      // server's. A PostgreSQL database's nodes hold theirs: a new one here would seal secrets
      // none of them can open.
      SecretBox box =
          config.database() == null ? HubKey.loadOrCreate(keyFile) : HubKey.load(keyFile);
      SchemaRegistry registry = TenantSchemas.read(common.store.schemas).union();
      Hub hub =
          HubNode.hub(
              s,
              box,
              registry,
              common.hub.settings(false),
              InstantSource.system(),
              SecurityEventsParts.offline(registry));
      return work.run(hub, spec.commandLine().getOut());
    } catch (IllegalArgumentException e) {
      return Main.fail(spec, Main.EXIT_CONFIG, e.getMessage());
    } catch (IllegalStateException e) {
      return Main.fail(spec, Main.EXIT_START, e.getMessage());
    } catch (RuntimeException e) {
      return Main.fail(spec, Main.EXIT_START, spec.name() + " failed: " + e.getMessage());
    } finally {
      spec.commandLine().getOut().flush();
    }
  }

  private static int noTarget(CommandSpec spec, Common common, String name) {
    return Main.fail(
        spec,
        Main.EXIT_START,
        "no target '" + name + "' in the tenant '" + common.tenant + "' (see scimd target list)");
  }

  private static String pretty(JsonNode n) {
    try {
      return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(n);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  @Command(
      name = "add",
      mixinStandardHelpOptions = true,
      description = {
        "Add a target. A webhook: --type webhook --url URL [--secret whsec_...]; without --secret"
            + " scimd makes one and prints it this once. Other settings with --set key=value, or"
            + " the whole definition as JSON with --file."
      })
  static final class Add implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "NAME", description = "The target's name, e.g. crm.")
    String name = "";

    @Option(names = "--type", description = "The target type, e.g. webhook.")
    @Nullable String type;

    @Option(names = "--url", description = "Where the target is reached.")
    @Nullable String url;

    @Option(
        names = "--secret",
        description = "A webhook signing secret, whsec_<base64> (default: scimd makes one).")
    @Nullable String secret;

    @Option(
        names = "--set",
        paramLabel = "KEY=VALUE",
        description =
            "Another setting, e.g. timeoutMs=2000 (a value that is JSON is taken as such); repeatable.")
    Map<String, String> settings = new java.util.LinkedHashMap<>();

    @Option(
        names = "--file",
        paramLabel = "FILE",
        description = "A JSON file with the definition; the options above override its fields.")
    @Nullable Path file;

    @Mixin Common common = new Common();

    @Override
    public Integer call() {
      ObjectNode definition;
      try {
        definition = definition();
      } catch (IllegalArgumentException e) {
        return Main.fail(spec, Main.EXIT_CONFIG, e.getMessage());
      }
      return run(
          spec,
          common,
          (hub, out) -> {
            Hub.Saved saved = hub.create(common.scope(), definition);
            out.println(
                "scimd: added the "
                    + saved.target().path("type").asText()
                    + " target \""
                    + name
                    + "\" of the tenant \""
                    + common.tenant
                    + "\"; it receives the changes made from now on");
            String shown = saved.shownOnce();
            if (shown != null) {
              out.println("scimd: its signing secret is shown only this once; store it now:");
              out.println("SECRET=" + shown);
            }
            return 0;
          });
    }

    private ObjectNode definition() {
      ObjectNode d;
      Path f = file;
      if (f != null) {
        JsonNode read;
        try {
          read = JSON.readTree(Files.readString(f));
        } catch (JsonProcessingException e) {
          throw new IllegalArgumentException(f + " is not JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
          throw new UncheckedIOException("cannot read " + f, e);
        }
        if (!(read instanceof ObjectNode o)) {
          throw new IllegalArgumentException(f + " must hold a JSON object, the definition");
        }
        d = o;
      } else {
        d = JSON.createObjectNode();
      }
      d.put("name", name);
      if (type != null) {
        d.put("type", type);
      }
      if (url != null) {
        d.put("url", url);
      }
      if (secret != null) {
        d.put("secret", secret);
      }
      for (Map.Entry<String, String> e : settings.entrySet()) {
        d.set(e.getKey(), value(e.getValue()));
      }
      return d;
    }

    /** {@code 2000}, {@code true}, {@code ["a"]} as JSON; anything else as a string. */
    private static JsonNode value(String text) {
      try {
        JsonNode n = JSON.readTree(text);
        if (n != null && !n.isMissingNode() && !n.isTextual()) {
          return n;
        }
      } catch (JsonProcessingException e) {
        // not JSON: the text itself
      }
      return JSON.getNodeFactory().textNode(text);
    }
  }

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = "List the tenant's targets with their delivery state.")
  static final class ListTargets implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Mixin Common common = new Common();

    @Override
    public Integer call() {
      return run(
          spec,
          common,
          (hub, out) -> {
            out.printf(
                "%-30s  %-8s  %-12s  %8s  %10s  %6s%n",
                "NAME", "TYPE", "STATE", "PENDING", "DELIVERED", "DEAD");
            for (ObjectNode t : hub.list(common.tenant)) {
              JsonNode s = t.path("status");
              out.printf(
                  "%-30s  %-8s  %-12s  %8d  %10d  %6d%n",
                  t.path("name").asText(),
                  t.path("type").asText(),
                  s.path("state").asText(),
                  s.path("pending").asLong(),
                  s.path("delivered").asLong(),
                  s.path("deadLetters").asLong());
            }
            return 0;
          });
    }
  }

  @Command(
      name = "apply",
      mixinStandardHelpOptions = true,
      description =
          "Create or change the targets a JSON or YAML file defines (a list, each as the admin API"
              + " takes it, optionally with its 'tenant'): all are checked first, and one refused"
              + " changes nothing. Secrets as {\"$env\": \"VAR\"} or {\"$file\": \"path\"}."
              + " Targets the file does not name are left alone; an unchanged file changes"
              + " nothing.")
  static final class Apply implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--file", required = true, paramLabel = "FILE", description = "The targets.")
    Path file = Path.of("targets.yaml");

    @Mixin Common common = new Common();

    private final Map<String, String> env;

    Apply(Map<String, String> env) {
      this.env = env;
    }

    @Override
    public Integer call() {
      return run(
          spec,
          common,
          (hub, out) -> {
            List<Hub.Applied> applied =
                new io.scimd.server.hub.TargetsFile(file, env)
                    .apply(hub, common.tenant, "cli", true);
            int changed = 0;
            for (Hub.Applied a : applied) {
              out.println(
                  a.action().name().toLowerCase(java.util.Locale.ROOT)
                      + " "
                      + a.tenant()
                      + "/"
                      + a.name());
              if (a.shownOnce() != null) {
                out.println("SECRET=" + a.shownOnce() + "  (shown once: give it to the receiver)");
              }
              if (a.action() != Hub.Action.UNCHANGED) {
                changed++;
              }
            }
            out.println(
                "scimd: " + changed + " of " + applied.size() + " target(s) created or changed");
            return 0;
          });
    }
  }

  @Command(
      name = "show",
      mixinStandardHelpOptions = true,
      description = "Show a target's definition (never its secrets) and status, as JSON.")
  static final class Show implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "NAME")
    String name = "";

    @Mixin Common common = new Common();

    @Override
    public Integer call() {
      return run(
          spec,
          common,
          (hub, out) -> {
            var t = hub.show(common.tenant, name);
            if (t.isEmpty()) {
              return noTarget(spec, common, name);
            }
            out.println(pretty(t.get()));
            return 0;
          });
    }
  }

  @Command(
      name = "remove",
      mixinStandardHelpOptions = true,
      description = "Remove a target with its delivery state and dead letters.")
  static final class Remove implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "NAME")
    String name = "";

    @Mixin Common common = new Common();

    @Override
    public Integer call() {
      return run(
          spec,
          common,
          (hub, out) -> {
            if (!hub.delete(common.scope(), name)) {
              return noTarget(spec, common, name);
            }
            out.println("scimd: removed the target \"" + name + "\"");
            return 0;
          });
    }
  }

  @Command(
      name = "pause",
      mixinStandardHelpOptions = true,
      description = "Pause deliveries to a target: changes wait in the journal until it resumes.")
  static final class Pause implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "NAME")
    String name = "";

    @Option(names = "--reason", description = "Why, as the target's status shows it.")
    @Nullable String reason;

    @Mixin Common common = new Common();

    @Override
    public Integer call() {
      return run(
          spec,
          common,
          (hub, out) -> {
            String why = reason;
            Scope scope = common.scope();
            if (why == null || why.isBlank()) {
              why = "paused by " + scope.principal().name();
            }
            if (hub.pause(scope, name, why).isEmpty()) {
              return noTarget(spec, common, name);
            }
            out.println("scimd: paused the target \"" + name + "\": " + why);
            return 0;
          });
    }
  }

  @Command(
      name = "resume",
      mixinStandardHelpOptions = true,
      description = "Resume deliveries to a paused target, from where they stopped.")
  static final class Resume implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "NAME")
    String name = "";

    @Mixin Common common = new Common();

    @Override
    public Integer call() {
      return run(
          spec,
          common,
          (hub, out) -> {
            if (hub.pause(common.scope(), name, null).isEmpty()) {
              return noTarget(spec, common, name);
            }
            out.println("scimd: resumed the target \"" + name + "\"");
            return 0;
          });
    }
  }

  @Command(
      name = "rewind",
      mixinStandardHelpOptions = true,
      description =
          "Send the target everything again from a journal entry (--seq) or an instant (--at),"
              + " while the journal still holds it.")
  static final class Rewind implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "NAME")
    String name = "";

    @ArgGroup(multiplicity = "1")
    Point point = new Point();

    static final class Point {
      @Option(names = "--seq", paramLabel = "N", description = "a journal entry number")
      @Nullable Long seq;

      @Option(
          names = "--at",
          paramLabel = "TIME",
          description = "an RFC 3339 instant: the first entry made then or later")
      @Nullable OffsetDateTime at;
    }

    @Mixin Common common = new Common();

    @Override
    public Integer call() {
      return run(
          spec,
          common,
          (hub, out) -> {
            Instant at = point.at == null ? null : point.at.toInstant();
            Optional<ObjectNode> shown = hub.rewind(common.scope(), name, point.seq, at);
            if (shown.isEmpty()) {
              return noTarget(spec, common, name);
            }
            out.println(
                "scimd: \""
                    + name
                    + "\" gets everything again from journal entry "
                    + shown.get().at("/status/nextSeq").asText("?"));
            return 0;
          });
    }
  }

  @Command(
      name = "approve",
      mixinStandardHelpOptions = true,
      description =
          "Let the deletions and deactivations the target's deletion guard held through, and resume"
              + " it.")
  static final class Approve implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "NAME")
    String name = "";

    @Mixin Common common = new Common();

    @Override
    public Integer call() {
      return run(
          spec,
          common,
          (hub, out) -> {
            if (hub.approve(common.scope(), name).isEmpty()) {
              return noTarget(spec, common, name);
            }
            out.println("scimd: approved the held changes of \"" + name + "\"; deliveries go on");
            return 0;
          });
    }
  }

  @Command(
      name = "status",
      mixinStandardHelpOptions = true,
      description =
          "How deliveries go: queue depth, age of the oldest pending change, delivered, failures,"
              + " last error, dead letters; of one target or all the tenant's.")
  static final class Status implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "NAME", arity = "0..1")
    @Nullable String name;

    @Mixin Common common = new Common();

    @Override
    public Integer call() {
      return run(
          spec,
          common,
          (hub, out) -> {
            List<ObjectNode> targets = new ArrayList<>();
            String only = name;
            if (only != null) {
              var t = hub.show(common.tenant, only);
              if (t.isEmpty()) {
                return noTarget(spec, common, only);
              }
              targets.add(t.get());
            } else {
              targets.addAll(hub.list(common.tenant));
            }
            for (ObjectNode t : targets) {
              out.println(t.path("name").asText() + " (" + t.path("type").asText() + ")");
              JsonNode s = t.path("status");
              for (Iterator<Map.Entry<String, JsonNode>> it = s.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> f = it.next();
                out.printf("  %-20s %s%n", f.getKey(), statusValue(f.getKey(), f.getValue()));
              }
            }
            return 0;
          });
    }
  }

  /** A status field on one line: the last scheduled reconciliation as its summary. */
  static String statusValue(String field, JsonNode v) {
    if (field.equals("lastReconcile")) {
      StringBuilder b = new StringBuilder(v.path("startedAt").asText());
      b.append(v.path("dryRun").asBoolean() ? " dry run" : " repairing");
      b.append(", ").append(v.path("state").asText());
      JsonNode summary = v.path("summary");
      if (summary.isObject()) {
        b.append(v.path("dryRun").asBoolean() ? ": would " : ": did ");
        String sep = "";
        for (Iterator<Map.Entry<String, JsonNode>> it = summary.fields(); it.hasNext(); ) {
          Map.Entry<String, JsonNode> e = it.next();
          b.append(sep).append(e.getKey()).append(' ').append(e.getValue().asText());
          sep = ", ";
        }
        b.append(" (").append(v.path("findings").asInt()).append(" finding(s))");
      }
      if (v.hasNonNull("error")) {
        b.append("; error: ").append(Main.oneLine(v.path("error").asText()));
      }
      return b.toString();
    }
    return v.isContainerNode() ? v.toString() : v.asText();
  }

  @Command(
      name = "dead-letters",
      mixinStandardHelpOptions = true,
      description = "The changes a target refused too often, set aside so the rest could go on.")
  static final class DeadLetters implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "NAME")
    String name = "";

    @Option(names = "--limit", defaultValue = "100", description = "At most this many.")
    int limit = 100;

    @Mixin Common common = new Common();

    @Override
    public Integer call() {
      return run(
          spec,
          common,
          (hub, out) -> {
            if (hub.show(common.tenant, name).isEmpty()) {
              return noTarget(spec, common, name);
            }
            out.printf(
                "%10s  %-10s  %-36s  %8s  %-8s  %s%n",
                "SEQ", "TYPE", "ID", "ATTEMPTS", "REPLAY", "ERROR");
            for (HubRecords.DeadLetter d :
                hub.deadLetters(common.tenant, name, 0, Math.max(1, Math.min(limit, 1000)))) {
              out.printf(
                  "%10d  %-10s  %-36s  %8d  %-8s  %s%n",
                  d.seq(),
                  d.resourceType(),
                  d.resourceId(),
                  d.attempts(),
                  d.replayed() == null ? "-" : "pending",
                  Main.oneLine(d.error()));
            }
            return 0;
          });
    }
  }

  @Command(
      name = "replay",
      mixinStandardHelpOptions = true,
      description =
          "Deliver a target's dead letters again (all of them, or the one of --seq), before new"
              + " changes.")
  static final class Replay implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "NAME")
    String name = "";

    @Option(names = "--seq", description = "The journal number of the one dead letter to replay.")
    @Nullable Long seq;

    @Mixin Common common = new Common();

    @Override
    public Integer call() {
      return run(
          spec,
          common,
          (hub, out) -> {
            if (hub.show(common.tenant, name).isEmpty()) {
              return noTarget(spec, common, name);
            }
            int marked = hub.replay(common.scope(), name, seq);
            if (seq != null && marked == 0) {
              return Main.fail(
                  spec, Main.EXIT_START, "the target '" + name + "' has no dead letter " + seq);
            }
            out.println(
                "scimd: marked "
                    + marked
                    + " dead letter(s) of \""
                    + name
                    + "\" for delivery; the workers send them before new changes");
            return 0;
          });
    }
  }

  /** Prints a reconcile or preview: one line per finding, then how many of each action. */
  private static int print(CommandSpec spec, Reconciling.Result result, PrintWriter out) {
    Reconcile.Report report = result.report();
    for (Reconcile.Finding f : report.findings()) {
      out.printf(
          "%-10s %-8s %-6s %-36s %-36s %s%s%n",
          result.action(f),
          f.kind(),
          f.resourceType(),
          f.id() == null ? "-" : f.id(),
          f.remoteId() == null ? "-" : f.remoteId(),
          f.detail(),
          f.repaired() ? " (repaired)" : "");
    }
    StringBuilder summary = new StringBuilder(report.dryRun() ? "scimd: would " : "scimd: did ");
    String sep = "";
    for (Map.Entry<String, Integer> e : result.counts().entrySet()) {
      summary.append(sep).append(e.getKey()).append(' ').append(e.getValue());
      sep = ", ";
    }
    summary.append(" (").append(report.findings().size()).append(" finding(s))");
    out.println(summary);
    String error = report.error();
    if (error != null) {
      return Main.fail(spec, Main.EXIT_START, "stopped early: " + Main.oneLine(error));
    }
    return 0;
  }

  @Command(
      name = "reconcile",
      mixinStandardHelpOptions = true,
      description =
          "Compare a scim target with the directory and repair what differs (with --dry-run:"
              + " only report it). One line per finding, then a summary.")
  static final class ReconcileTarget implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "NAME")
    String name = "";

    @Option(names = "--dry-run", description = "Report only; change nothing on the target.")
    boolean dryRun;

    @Mixin Common common = new Common();

    @Override
    public Integer call() {
      return run(
          spec,
          common,
          (hub, out) -> {
            var r = Reconciling.reconcile(hub, common.tenant, name, dryRun);
            if (r.isEmpty()) {
              return noTarget(spec, common, name);
            }
            return print(spec, r.get(), out);
          });
    }
  }

  @Command(
      name = "preview",
      mixinStandardHelpOptions = true,
      description =
          "What a scim target would get with a candidate mapping and scope (a JSON file with"
              + " \"mapping\" and/or \"scope\"), without saving them or changing the target.")
  static final class Preview implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "NAME")
    String name = "";

    @Option(
        names = "--file",
        required = true,
        paramLabel = "FILE",
        description = "The candidate: {\"mapping\": ..., \"scope\": ...}.")
    Path file = Path.of("candidate.json");

    @Mixin Common common = new Common();

    @Override
    public Integer call() {
      ObjectNode candidate;
      try {
        JsonNode read = JSON.readTree(Files.readString(file));
        if (!(read instanceof ObjectNode o)) {
          return Main.fail(spec, Main.EXIT_CONFIG, file + " must hold a JSON object");
        }
        candidate = o;
      } catch (JsonProcessingException e) {
        return Main.fail(spec, Main.EXIT_CONFIG, file + " is not JSON: " + e.getOriginalMessage());
      } catch (IOException e) {
        return Main.fail(spec, Main.EXIT_CONFIG, "cannot read " + file + ": " + e.getMessage());
      }
      return run(
          spec,
          common,
          (hub, out) -> {
            var r = Reconciling.preview(hub, common.tenant, name, candidate);
            if (r.isEmpty()) {
              return noTarget(spec, common, name);
            }
            return print(spec, r.get(), out);
          });
    }
  }
}
