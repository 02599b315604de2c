package io.scimd.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scimd.core.error.ScimException;
import io.scimd.core.schema.ResourceType;
import io.scimd.core.schema.SchemaRegistry;
import io.scimd.server.events.SecurityEventsParts;
import io.scimd.server.hub.HubNode;
import io.scimd.server.hub.HubSettings;
import io.scimd.server.service.ImportWrites;
import io.scimd.store.AccessRecords;
import io.scimd.store.Credentials;
import io.scimd.store.HubRecords;
import io.scimd.store.Load;
import io.scimd.store.Member;
import io.scimd.store.Scope;
import io.scimd.store.Store;
import io.scimd.store.StoreTx;
import io.scimd.store.StoredResource;
import io.scimd.store.Tenants;
import io.scimd.sync.Delivery;
import io.scimd.sync.Hub;
import io.scimd.sync.SecretBox;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code scimd import}: what {@code scimd export} wrote, or users from CSV ({@code --csv}, {@link
 * CsvUsers}), into a tenant (docs/decisions/0025-export-import-backup.md).
 *
 * <p>Two passes over the file. The first reads every line and checks it as the SCIM API would
 * (schema, ids, kinds) and looks up which records exist already; nothing is written. With {@code
 * --dry-run} it ends there, printing what would be done. With {@code --on-conflict fail} (the
 * default) a bad line or an existing record ends it there too: nothing is imported. The second pass
 * writes, {@value #BATCH} records per transaction, each record in a savepoint; every write is
 * journaled as any write is (principal {@code system:import}), so the audit trail and the hub's
 * targets see them. A record that still fails there (a userName another resource took meanwhile) is
 * reported by line and, unless {@code fail}, skipped alone; with {@code fail} the import stops and
 * says which lines were committed.
 */
@Command(
    name = "import",
    mixinStandardHelpOptions = true,
    description = {
      "Import what 'scimd export' wrote (ids kept, so memberships and owners survive), or users"
          + " from CSV with --csv, into a tenant. Every write is journaled like a SCIM write.",
      "The file is checked whole first: with --on-conflict fail (the default) a bad line or an"
          + " existing record imports nothing."
    })
final class ImportCommand implements Callable<Integer> {
  static final int BATCH = 1_000;

  /** How many problems are printed one by one; the rest are counted. */
  private static final int SHOWN_ERRORS = 50;

  enum OnConflict {
    skip,
    update,
    fail
  }

  @Spec CommandSpec spec;

  @Parameters(paramLabel = "FILE", description = "The export (JSON lines) or, with --csv, a CSV.")
  Path file = Path.of("");

  @Option(
      names = "--tenant",
      description = "Import into this tenant (default: the export's, or default for CSV).")
  @Nullable String tenant;

  @Option(
      names = "--on-conflict",
      defaultValue = "fail",
      description =
          "What to do with a record that exists already (same id; for CSV, same userName; for"
              + " clients, targets, applications, same name): ${COMPLETION-CANDIDATES}"
              + " (default ${DEFAULT-VALUE}: import nothing).")
  OnConflict onConflict = OnConflict.fail;

  @Option(
      names = "--dry-run",
      description = "Check the file and say what would be done; write nothing.")
  boolean dryRun;

  @Option(
      names = "--csv",
      description =
          "FILE is CSV of users: a header row of SCIM attribute paths (userName, name.givenName,"
              + " emails[type eq \"work\"].value, active, externalId, urn:...:employeeNumber).")
  boolean csv;

  @Option(
      names = "--target-allow",
      paramLabel = "PREFIX",
      split = ",",
      description =
          "A URL prefix imported targets may have, as the server's --target-allow; repeatable."
              + " Without any, every http and https URL is allowed.")
  List<String> targetAllow = new ArrayList<>();

  @Mixin StoreOptions store = new StoreOptions();

  /** One record of the file: its line, its kind, and what it holds. */
  record Rec(long line, String kind, JsonNode node) {}

  /** created/updated/skipped/failed of one kind. */
  static final class Tally {
    long created;
    long updated;
    long skipped;
    long failed;
  }

  private final Map<String, Tally> tallies = new LinkedHashMap<>();
  private final List<String> errors = new ArrayList<>();

  /** What the import did that the operator must act on (a target's secrets dropped). */
  private final List<String> notes = new ArrayList<>();

  private long errorCount;

  private Tally tally(String kind) {
    return tallies.computeIfAbsent(kind, k -> new Tally());
  }

  private void error(long line, String kind, @Nullable String message) {
    errorCount++;
    tally(kind).failed++;
    if (errors.size() < SHOWN_ERRORS) {
      errors.add("line " + line + ": " + Main.oneLine(message));
    }
  }

  @Override
  public Integer call() {
    if (!Files.isRegularFile(file)) {
      return Main.fail(spec, Main.EXIT_CONFIG, "no file " + file.toAbsolutePath().normalize());
    }
    String into;
    try {
      into = tenant != null ? Tenants.checkName(tenant) : csv ? Scope.DEFAULT_TENANT : header();
    } catch (IllegalArgumentException e) {
      return Main.fail(spec, Main.EXIT_CONFIG, e.getMessage());
    } catch (IOException | UncheckedIOException e) {
      return Main.fail(spec, Main.EXIT_CONFIG, "cannot read " + file + ": " + e.getMessage());
    }
    SchemaRegistry registry;
    try {
      registry = TenantSchemas.read(store.schemas).of(into);
    } catch (IllegalArgumentException e) {
      return Main.fail(spec, Main.EXIT_CONFIG, "invalid configuration: " + e.getMessage());
    }
    Importer importer;
    // A new store is created: restoring an export into an empty data directory is what it is for.
    try (Store s = store.open(spec)) {
      if (s.tenants().find(into).isEmpty()) {
        return Main.fail(
            spec,
            Main.EXIT_CONFIG,
            "no tenant \""
                + into
                + "\": create it first (scimd tenant create "
                + into
                + "); nothing was imported");
      }
      importer = new Importer(s, registry, into);
      // Pass 1: check everything, write nothing.
      importer.check();
      if (dryRun || (onConflict == OnConflict.fail && errorCount > 0)) {
        return report(dryRun ? "dry run, nothing was written" : "nothing was imported", true);
      }
      tallies.clear();
      errors.clear();
      errorCount = 0;
      importer.write();
    } catch (IllegalArgumentException e) {
      return Main.fail(spec, Main.EXIT_CONFIG, "invalid configuration: " + e.getMessage());
    } catch (Stopped e) {
      return report(String.valueOf(e.getMessage()), false);
    } catch (IOException | UncheckedIOException e) {
      return Main.fail(spec, Main.EXIT_START, "cannot read " + file + ": " + e.getMessage());
    } catch (RuntimeException e) {
      return Main.fail(spec, Main.EXIT_START, "the import failed: " + e.getMessage());
    }
    return report("imported into tenant \"" + into + "\"", false);
  }

  /** The tenant the export's header names. */
  private String header() throws IOException {
    try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String first = r.readLine();
      JsonNode h = parseHeader(first);
      return Tenants.checkName(h.path("tenant").asText(""));
    }
  }

  private static JsonNode parseHeader(@Nullable String first) {
    JsonNode h;
    try {
      h = first == null ? null : ExportCommand.JSON.readTree(first);
    } catch (JsonProcessingException e) {
      h = null;
    }
    if (h == null
        || !h.isObject()
        || !"header".equals(h.path("kind").asText())
        || !ExportCommand.FORMAT.equals(h.path("format").asText())) {
      throw new IllegalArgumentException(
          "line 1 is no scimd export header (give --csv for a CSV of users)");
    }
    if (h.path("formatVersion").asInt() != ExportCommand.FORMAT_VERSION) {
      throw new IllegalArgumentException(
          "line 1: field formatVersion: this scimd reads format version "
              + ExportCommand.FORMAT_VERSION
              + ", the file has "
              + h.path("formatVersion"));
    }
    return h;
  }

  private int report(String what, boolean checkOnly) {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    for (String e : errors) {
      err.println("scimd: " + e);
    }
    if (errorCount > errors.size()) {
      err.println("scimd: ... and " + (errorCount - errors.size()) + " more problem(s)");
    }
    err.flush();
    for (String n : notes) {
      out.println("scimd: " + n);
    }
    out.println("scimd: " + what);
    out.printf(
        "%-14s %9s %9s %9s %9s%n",
        "KIND",
        checkOnly ? "NEW" : "CREATED",
        checkOnly ? "EXISTING" : "UPDATED",
        "SKIPPED",
        "FAILED");
    tallies.forEach(
        (k, t) ->
            out.printf("%-14s %9d %9d %9d %9d%n", k, t.created, t.updated, t.skipped, t.failed));
    out.flush();
    return errorCount == 0 && !(checkOnly && !dryRun) ? 0 : 1;
  }

  /** Thrown to stop a --on-conflict fail import midway; the message says what was committed. */
  static final class Stopped extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Stopped(String message) {
      super(message, null, false, false);
    }
  }

  /** The import of one file into one tenant. */
  private final class Importer {
    private final Store s;
    private final SchemaRegistry registry;
    private final String into;
    private final Scope scope;
    private final ImportWrites writes;
    private final Hub hub;
    private long committedThrough;

    Importer(Store s, SchemaRegistry registry, String into) {
      this.s = s;
      this.registry = registry;
      this.into = into;
      this.scope = Scope.system(into, "import");
      this.writes = new ImportWrites(registry);
      List<String> prefixes = new ArrayList<>();
      for (String p : targetAllow) {
        if (!p.isBlank()) {
          prefixes.add(p.strip());
        }
      }
      // Checks targets with the rules a save applies. Its box is a throwaway: an import seals
      // nothing (exported targets carry no secrets), it keeps or drops the sealed ones as stored.
      this.hub =
          HubNode.hub(
              s,
              new SecretBox(SecretBox.newKey()),
              registry,
              HubSettings.DEFAULTS
                  .withDelivery(false, Delivery.Settings.defaults())
                  .withAllowedUrls(prefixes),
              InstantSource.system(),
              SecurityEventsParts.offline(registry));
    }

    /** Streams the file's records to {@code batch}, {@value #BATCH} at a time. */
    private void records(java.util.function.Consumer<List<Rec>> batch) throws IOException {
      try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
        if (csv) {
          CsvUsers.read(
              r,
              registry.user(),
              (line, node) -> addTo(batch, new Rec(line, "resource", node)),
              this::csvError);
        } else {
          parseHeader(r.readLine());
          String text;
          long line = 1;
          boolean ended = false;
          while ((text = r.readLine()) != null) {
            line++;
            if (text.isBlank()) {
              continue;
            }
            JsonNode node;
            try {
              node = ExportCommand.JSON.readTree(text);
            } catch (JsonProcessingException e) {
              error(line, "lines", "not JSON: " + e.getOriginalMessage());
              continue;
            }
            String kind = node.path("kind").asText("");
            if (kind.equals("end")) {
              ended = true;
              continue;
            }
            if (!Set.of("resource", "members", "client", "target", "application").contains(kind)) {
              error(
                  line,
                  "lines",
                  "field kind: " + (kind.isEmpty() ? "missing" : "unknown kind \"" + kind + "\""));
              continue;
            }
            addTo(batch, new Rec(line, kind, node));
          }
          if (!ended) {
            error(line, "lines", "the file ends without its end line: it was cut off");
          }
        }
      }
      flush(batch);
    }

    private final List<Rec> pending = new ArrayList<>(BATCH);

    private void addTo(java.util.function.Consumer<List<Rec>> batch, Rec rec) {
      // Clients, targets and applications are written outside a batch's transaction.
      if (!rec.kind().equals("resource") && !rec.kind().equals("members")) {
        flush(batch);
        batch.accept(List.of(rec));
        return;
      }
      pending.add(rec);
      if (pending.size() == BATCH) {
        flush(batch);
      }
    }

    private void flush(java.util.function.Consumer<List<Rec>> batch) {
      if (!pending.isEmpty()) {
        List<Rec> b = List.copyOf(pending);
        pending.clear();
        batch.accept(b);
      }
    }

    private void csvError(long line, String message) {
      error(line, "users", message);
    }

    void check() throws IOException {
      records(this::checkBatch);
    }

    void write() throws IOException {
      records(this::writeBatch);
    }

    /** Pass 1: validation and look-ups, in one read per batch. */
    private void checkBatch(List<Rec> batch) {
      s.reading(
          scope,
          r -> {
            for (Rec rec : batch) {
              String kind = kindOf(rec);
              try {
                switch (rec.kind()) {
                  case "resource" -> {
                    Resolved res = resolve(rec);
                    writes.forCreate(res.type(), res.body());
                    Optional<StoredResource> existing = existing(r, res);
                    conflict(rec, kind, existing.isPresent(), res.describe());
                  }
                  case "members" -> {
                    members(rec);
                    tally(kind).created += rec.node().path("members").size();
                  }
                  case "client" ->
                      conflict(
                          rec,
                          kind,
                          s.credentials()
                              .client(into, name(rec))
                              .filter(c -> c.name().equals(name(rec)))
                              .isPresent(),
                          "client \"" + name(rec) + "\"");
                  case "target" -> {
                    ObjectNode config = object(rec, "config");
                    hub.checkExported(into, name(rec), text(rec, "type"), config);
                    Optional<HubRecords.Target> held = s.hub().target(into, name(rec));
                    conflict(rec, kind, held.isPresent(), "target \"" + name(rec) + "\"");
                    // The real run says so after the fact; a dry run is where to learn it first.
                    if (dryRun
                        && onConflict == OnConflict.update
                        && held.isPresent()
                        && hub.wouldDropSecrets(held.get(), config)) {
                      notes.add(secretsDropped(name(rec), false));
                    }
                  }
                  case "application" -> {
                    object(rec, "definition");
                    conflict(
                        rec,
                        kind,
                        s.access().application(into, name(rec)).isPresent(),
                        "application \"" + name(rec) + "\"");
                  }
                  default -> throw new IllegalStateException(rec.kind());
                }
              } catch (ScimException e) {
                error(rec.line(), kind, e.getMessage());
              } catch (IllegalArgumentException e) {
                error(rec.line(), kind, e.getMessage());
              }
            }
          });
    }

    private void conflict(Rec rec, String kind, boolean exists, String what) {
      if (!exists) {
        tally(kind).created++;
      } else if (onConflict == OnConflict.fail) {
        error(rec.line(), kind, what + " exists already (--on-conflict is fail)");
      } else if (onConflict == OnConflict.update) {
        tally(kind).updated++;
      } else {
        tally(kind).skipped++;
      }
    }

    /** Pass 2. */
    private void writeBatch(List<Rec> batch) {
      Rec first = batch.get(0);
      if (!first.kind().equals("resource") && !first.kind().equals("members")) {
        try {
          writeOther(first);
        } catch (RuntimeException e) {
          failed(first, e);
        }
        committedThrough = first.line();
        return;
      }
      Map<String, Tally> before = snapshot();
      long errorsBefore = errorCount;
      try {
        s.write(
            scope,
            tx -> {
              for (Rec rec : batch) {
                try {
                  tx.inSavepoint(() -> writeOne(tx, rec));
                } catch (ScimException | IllegalArgumentException e) {
                  failed(rec, e);
                }
              }
              return Boolean.TRUE;
            });
      } catch (Stopped e) {
        restore(before, errorsBefore);
        throw e;
      }
      committedThrough = batch.get(batch.size() - 1).line();
    }

    private void failed(Rec rec, RuntimeException e) {
      error(rec.line(), kindOf(rec), e.getMessage() == null ? e.toString() : e.getMessage());
      if (onConflict == OnConflict.fail) {
        throw new Stopped(
            "stopped at line "
                + rec.line()
                + ": "
                + (committedThrough == 0
                    ? "nothing was imported"
                    : "the records of lines up to "
                        + committedThrough
                        + " were imported, none after"));
      }
    }

    private Map<String, Tally> snapshot() {
      Map<String, Tally> copy = new LinkedHashMap<>();
      tallies.forEach(
          (k, t) -> {
            Tally c = new Tally();
            c.created = t.created;
            c.updated = t.updated;
            c.skipped = t.skipped;
            c.failed = t.failed;
            copy.put(k, c);
          });
      return copy;
    }

    /** A rolled-back batch counts as not written, except for the record that stopped it. */
    private void restore(Map<String, Tally> before, long errorsBefore) {
      Map<String, Long> failedNow = new LinkedHashMap<>();
      tallies.forEach((k, t) -> failedNow.put(k, t.failed));
      tallies.clear();
      tallies.putAll(before);
      failedNow.forEach((k, f) -> tally(k).failed = f);
      errorCount = Math.max(errorCount, errorsBefore);
    }

    private Object writeOne(StoreTx tx, Rec rec) {
      String kind = kindOf(rec);
      if (rec.kind().equals("members")) {
        Members m = members(rec);
        if (tx.get(registry.group().name(), m.group(), Load.NONE).isEmpty()) {
          throw new IllegalArgumentException("field group: no group " + m.group());
        }
        int added = tx.addMembers(m.group(), m.members()).size();
        tally(kind).created += added;
        tally(kind).skipped += m.members().size() - added;
        return Boolean.TRUE;
      }
      Resolved res = resolve(rec);
      Optional<StoredResource> existing = existing(tx, res);
      if (existing.isEmpty()) {
        ObjectNode attrs = writes.forCreate(res.type(), res.body());
        com.fasterxml.jackson.databind.JsonNode members =
            writes.isGroup(res.type()) ? attrs.remove("members") : null;
        writes.checkOwners(tx, res.type(), attrs, null);
        String id = res.id();
        StoredResource created =
            id == null
                ? tx.insert(res.type().name(), attrs)
                : tx.insert(res.type().name(), id, attrs);
        if (members != null && members.isArray() && !members.isEmpty()) {
          tx.addMembers(created.id(), toMembers(members));
        }
        tally(kind).created++;
      } else if (onConflict == OnConflict.update) {
        StoredResource cur = existing.get();
        ObjectNode attrs = writes.forReplace(res.type(), cur.attributes(), res.body());
        com.fasterxml.jackson.databind.JsonNode members =
            writes.isGroup(res.type()) ? attrs.remove("members") : null;
        writes.checkOwners(tx, res.type(), attrs, cur.attributes());
        tx.replace(res.type().name(), cur.id(), attrs);
        if (members != null && members.isArray()) {
          tx.addMembers(cur.id(), toMembers(members));
        }
        tally(kind).updated++;
      } else if (onConflict == OnConflict.skip) {
        tally(kind).skipped++;
      } else {
        throw new IllegalArgumentException(
            res.describe() + " exists already (--on-conflict is fail)");
      }
      return Boolean.TRUE;
    }

    private void writeOther(Rec rec) {
      String kind = kindOf(rec);
      String name = name(rec);
      switch (rec.kind()) {
        case "client" -> {
          Optional<Credentials.Client> existing =
              s.credentials().client(into, name).filter(c -> c.name().equals(name));
          if (existing.isPresent()) {
            otherConflict(rec, kind, "client \"" + name + "\"", false);
            return;
          }
          Set<String> scopes = new HashSet<>();
          rec.node().path("scopes").forEach(x -> scopes.add(x.asText()));
          JsonNode k = rec.node().get("assertionKeys");
          Credentials.AssertionKeys keys =
              k == null || !k.isObject()
                  ? null
                  : new Credentials.AssertionKeys(
                      optText(k, "jwks"),
                      optText(k, "jwksUri"),
                      optText(k, "issuer"),
                      optText(k, "subject"));
          s.credentials().createClient(scope, name, scopes, keys);
          tally(kind).created++;
        }
        case "target" -> {
          ObjectNode definition = object(rec, "config");
          String config = definition.toString();
          String type = text(rec, "type");
          hub.checkExported(into, name, type, definition);
          Optional<HubRecords.Target> existing = s.hub().target(into, name);
          if (existing.isPresent()) {
            if (otherConflict(rec, kind, "target \"" + name + "\"", true)
                && hub.replaceExported(scope, existing.get(), definition)) {
              notes.add(secretsDropped(name, true));
            }
            return;
          }
          s.hub().create(scope, name, type, config, null);
          boolean redacted = rec.node().has("secrets");
          String paused = optText(rec.node(), "paused");
          if (redacted || paused != null) {
            s.hub()
                .pause(
                    scope,
                    name,
                    redacted
                        ? "imported without its secrets: set them (scimd target update), then resume it"
                        : paused);
          }
          tally(kind).created++;
        }
        case "application" -> {
          String definition = object(rec, "definition").toString();
          Optional<AccessRecords.Application> existing = s.access().application(into, name);
          if (existing.isPresent()) {
            if (otherConflict(rec, kind, "application \"" + name + "\"", true)) {
              s.access().update(scope, name, existing.get().version(), definition);
            }
            return;
          }
          s.access().create(scope, name, definition);
          tally(kind).created++;
        }
        default -> throw new IllegalStateException(rec.kind());
      }
    }

    /** The notice of a target whose secrets an import drops ({@code done}) or would drop. */
    private static String secretsDropped(String name, boolean done) {
      return "target \""
          + name
          + (done
              ? "\": its address changed, so its secrets were dropped and it is paused"
              : "\": its address would change, so its secrets would be dropped and it paused")
          + ": set them (scimd target update), then resume it";
    }

    /** True when the existing record is to be updated. */
    private boolean otherConflict(Rec rec, String kind, String what, boolean updatable) {
      switch (onConflict) {
        case skip -> {
          tally(kind).skipped++;
          return false;
        }
        case update -> {
          if (updatable) {
            tally(kind).updated++;
            return true;
          }
          tally(kind).skipped++;
          return false;
        }
        default -> {
          failed(
              rec, new IllegalArgumentException(what + " exists already (--on-conflict is fail)"));
          return false;
        }
      }
    }

    private String kindOf(Rec rec) {
      if (rec.kind().equals("resource")) {
        if (csv) {
          return "users";
        }
        String t = rec.node().path("resourceType").asText("");
        return registry.resourceType(t).map(ExportCommand::plural).orElse("resources");
      }
      return rec.kind().equals("members") ? "members" : rec.kind() + "s";
    }

    /** A resource record: its type, its id (none from CSV), its attributes. */
    private record Resolved(ResourceType type, @Nullable String id, JsonNode body) {
      String describe() {
        return type.name()
            + " "
            + (id != null ? id : String.valueOf(body.path("userName").asText()));
      }
    }

    private Resolved resolve(Rec rec) {
      JsonNode n = rec.node();
      if (csv) {
        return new Resolved(registry.user(), null, n);
      }
      String t = text(rec, "resourceType");
      ResourceType type =
          registry
              .resourceType(t)
              .orElseThrow(
                  () ->
                      new IllegalArgumentException(
                          "field resourceType: no resource type \""
                              + t
                              + "\" (give --schemas as the server has them)"));
      String id = text(rec, "id");
      if (!StoreTx.validId(id)) {
        throw new IllegalArgumentException("field id: not a valid resource id: " + id);
      }
      JsonNode body = n.get("resource");
      if (body == null || !body.isObject()) {
        throw new IllegalArgumentException("field resource: missing or not an object");
      }
      return new Resolved(type, id, body);
    }

    private Optional<StoredResource> existing(io.scimd.store.StoreReader r, Resolved res) {
      String id = res.id();
      if (id != null) {
        return r.get(res.type().name(), id, Load.NONE);
      }
      String userName = res.body().path("userName").asText("");
      if (userName.isEmpty()) {
        return Optional.empty();
      }
      io.scimd.store.Page page =
          r.query(
              res.type().name(),
              new io.scimd.store.Query(
                  io.scimd.core.filter.FilterParser.parse(
                      "userName eq \""
                          + userName.replace("\\", "\\\\").replace("\"", "\\\"")
                          + "\""),
                  null,
                  1,
                  1,
                  null,
                  Load.NONE));
      return page.resources().stream().findFirst();
    }

    private record Members(String group, List<Member> members) {}

    private Members members(Rec rec) {
      String group = text(rec, "group");
      JsonNode list = rec.node().get("members");
      if (list == null || !list.isArray()) {
        throw new IllegalArgumentException("field members: missing or not an array");
      }
      return new Members(group, toMembers(list));
    }

    private List<Member> toMembers(JsonNode list) {
      List<Member> out = new ArrayList<>(list.size());
      int i = 0;
      for (JsonNode m : list) {
        String v = m.path("value").asText("");
        if (v.isEmpty()) {
          throw new IllegalArgumentException("field members[" + i + "].value: missing");
        }
        out.add(new Member(v, optText(m, "type"), optText(m, "display")));
        i++;
      }
      return out;
    }

    private String name(Rec rec) {
      return text(rec, "name");
    }
  }

  private static String text(Rec rec, String field) {
    JsonNode v = rec.node().get(field);
    if (v == null || !v.isTextual() || v.asText().isBlank()) {
      throw new IllegalArgumentException("field " + field + ": missing or not a string");
    }
    return v.asText();
  }

  private static ObjectNode object(Rec rec, String field) {
    JsonNode v = rec.node().get(field);
    if (!(v instanceof ObjectNode o)) {
      throw new IllegalArgumentException("field " + field + ": missing or not an object");
    }
    return o;
  }

  private static @Nullable String optText(JsonNode n, String field) {
    JsonNode v = n.get(field);
    return v != null && v.isTextual() ? v.asText() : null;
  }

  static String lower(String s) {
    return s.toLowerCase(Locale.ROOT);
  }
}
