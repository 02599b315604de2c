package io.scimd.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scimd.core.schema.ResourceType;
import io.scimd.core.schema.SchemaRegistry;
import io.scimd.store.AccessRecords;
import io.scimd.store.Credentials;
import io.scimd.store.HubRecords;
import io.scimd.store.Load;
import io.scimd.store.Member;
import io.scimd.store.Page;
import io.scimd.store.Query;
import io.scimd.store.ScanLimits;
import io.scimd.store.Scope;
import io.scimd.store.Store;
import io.scimd.store.StoreReader;
import io.scimd.store.StoredResource;
import io.scimd.store.Tenants;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code scimd export}: one tenant as JSON lines (docs/decisions/0025-export-import-backup.md). The
 * first line is a header (format, its version, the scimd version, the tenant, the time), then every
 * resource of every type ({@code kind: resource}, its id, meta times and stored attributes, never a
 * password), users first so that agents' owners precede them, then each group's members in lines of
 * at most {@value #MEMBERS_PER_LINE} ({@code kind: members}) after all the groups, so that a nested
 * group exists before it is a member; then the clients (no credentials: no secret and no token hash
 * is ever exported), the targets (their settings; sealed secrets are only said to exist) and the
 * access model's applications; the last line ({@code kind: end}) counts what was written, so that a
 * cut-off file is told from a whole one.
 *
 * <p>The resources are read page by page with cursor paging within one read, and written as they
 * come: the memory used does not grow with the tenant.
 */
@Command(
    name = "export",
    mixinStandardHelpOptions = true,
    description = {
      "Write one tenant's users, groups with their members, agents, other resources, clients"
          + " (without secrets or token hashes), targets (secrets redacted) and applications as"
          + " JSON lines, to stdout or --out.",
      "Safe while a server uses the store: the resources are read from one snapshot."
    })
final class ExportCommand implements Callable<Integer> {
  /** The format's name and version, in the header line; {@code scimd import} checks them. */
  static final String FORMAT = "scimd-export";

  static final int FORMAT_VERSION = 1;

  static final int MEMBERS_PER_LINE = 1_000;

  private static final int PAGE = 500;

  static final ObjectMapper JSON = new ObjectMapper();

  @Spec CommandSpec spec;

  @Option(
      names = "--tenant",
      defaultValue = Scope.DEFAULT_TENANT,
      description = "The tenant to export (default ${DEFAULT-VALUE}).")
  String tenant = Scope.DEFAULT_TENANT;

  @Option(
      names = "--out",
      paramLabel = "FILE",
      description =
          "Write to FILE (created readable by its owner only; replaced if it exists) instead of stdout.")
  @Nullable Path out;

  @Mixin StoreOptions store = new StoreOptions();

  @Override
  public Integer call() {
    Map<String, Long> counts = new LinkedHashMap<>();
    try {
      Tenants.checkName(tenant);
      SchemaRegistry registry = TenantSchemas.read(store.schemas).of(tenant);
      try (Store s = store.openExisting(store.config(), spec)) {
        if (s.tenants().find(tenant).isEmpty()) {
          return Main.fail(
              spec, Main.EXIT_CONFIG, "no tenant \"" + tenant + "\": nothing was exported");
        }
        Path file = out;
        if (file == null) {
          PrintWriter w = spec.commandLine().getOut();
          export(s, registry, w, counts);
          w.flush();
        } else {
          try (Writer w = open(file)) {
            export(s, registry, w, counts);
          }
        }
      }
    } catch (IllegalArgumentException e) {
      return Main.fail(spec, Main.EXIT_CONFIG, "invalid configuration: " + e.getMessage());
    } catch (IOException | UncheckedIOException | IllegalStateException e) {
      return Main.fail(spec, Main.EXIT_START, "the export failed: " + e.getMessage());
    }
    PrintWriter err = spec.commandLine().getErr();
    List<String> parts = new ArrayList<>();
    counts.forEach((k, n) -> parts.add(n + " " + k));
    err.println(
        "scimd: exported tenant \""
            + tenant
            + "\""
            + (out == null ? "" : " to " + out.toAbsolutePath().normalize())
            + ": "
            + (parts.isEmpty() ? "nothing" : String.join(", ", parts)));
    err.flush();
    return 0;
  }

  private static Writer open(Path file) throws IOException {
    boolean posix = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
    if (posix && !Files.exists(file)) {
      Files.createFile(
          file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    }
    return new BufferedWriter(
        new OutputStreamWriter(
            Files.newOutputStream(
                file,
                StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE),
            StandardCharsets.UTF_8),
        1 << 16);
  }

  private void export(Store s, SchemaRegistry registry, Writer w, Map<String, Long> counts)
      throws IOException {
    ObjectNode header = JSON.createObjectNode();
    header.put("kind", "header");
    header.put("format", FORMAT);
    header.put("formatVersion", FORMAT_VERSION);
    header.put("scimd", BuildInfo.current().version());
    header.put("tenant", tenant);
    header.put("exported", Instant.now().toString());
    line(w, header);
    long[] lines = {1};
    List<ResourceType> types = ordered(registry);
    Scope scope = Scope.system(tenant, "export");
    try {
      s.reading(
          scope,
          r -> {
            for (ResourceType rt : types) {
              forEach(
                  r,
                  rt,
                  res -> {
                    ObjectNode rec = JSON.createObjectNode();
                    rec.put("kind", "resource");
                    rec.put("resourceType", rt.name());
                    rec.put("id", res.id());
                    rec.put("created", res.meta().created().toString());
                    rec.put("lastModified", res.meta().lastModified().toString());
                    ObjectNode attrs = res.attributes().deepCopy();
                    attrs.remove("password");
                    attrs.remove("members");
                    attrs.remove("groups");
                    rec.set("resource", attrs);
                    line(w, rec);
                    lines[0]++;
                    counts.merge(plural(rt), 1L, Long::sum);
                  });
            }
            ResourceType groups = registry.group();
            forEach(
                r,
                groups,
                g -> {
                  List<Member> chunk = new ArrayList<>(MEMBERS_PER_LINE);
                  r.forEachMember(
                      g.id(),
                      m -> {
                        chunk.add(m);
                        if (chunk.size() == MEMBERS_PER_LINE) {
                          members(w, g.id(), chunk, counts);
                          lines[0]++;
                          chunk.clear();
                        }
                      });
                  if (!chunk.isEmpty()) {
                    members(w, g.id(), chunk, counts);
                    lines[0]++;
                  }
                });
          });
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
    for (Credentials.Client c : s.credentials().clients(tenant)) {
      ObjectNode rec = JSON.createObjectNode();
      rec.put("kind", "client");
      rec.put("id", c.id());
      rec.put("name", c.name());
      ArrayNode scopes = rec.putArray("scopes");
      c.scopes().stream().sorted().forEach(scopes::add);
      rec.put("created", c.created().toString());
      Credentials.AssertionKeys keys = c.assertionKeys();
      if (keys != null) {
        ObjectNode k = rec.putObject("assertionKeys");
        putIf(k, "jwks", keys.jwks());
        putIf(k, "jwksUri", keys.jwksUri());
        putIf(k, "issuer", keys.issuer());
        putIf(k, "subject", keys.subject());
      }
      line(w, rec);
      lines[0]++;
      counts.merge("clients", 1L, Long::sum);
    }
    for (HubRecords.Target t : s.hub().targets(tenant)) {
      ObjectNode rec = JSON.createObjectNode();
      rec.put("kind", "target");
      rec.put("name", t.name());
      rec.put("type", t.type());
      rec.set("config", jsonOrText(t.config()));
      if (t.secrets() != null) {
        rec.put("secrets", "redacted");
      }
      putIf(rec, "paused", t.pausedReason());
      line(w, rec);
      lines[0]++;
      counts.merge("targets", 1L, Long::sum);
    }
    for (AccessRecords.Application a : s.access().applications(tenant)) {
      ObjectNode rec = JSON.createObjectNode();
      rec.put("kind", "application");
      rec.put("name", a.name());
      rec.set("definition", jsonOrText(a.definition()));
      line(w, rec);
      lines[0]++;
      counts.merge("applications", 1L, Long::sum);
    }
    ObjectNode end = JSON.createObjectNode();
    end.put("kind", "end");
    end.put("lines", lines[0] + 1);
    ObjectNode c = end.putObject("counts");
    counts.forEach(c::put);
    line(w, end);
  }

  /** Users first (agents' owners), groups next, then agents and the other types. */
  static List<ResourceType> ordered(SchemaRegistry registry) {
    List<ResourceType> types = new ArrayList<>();
    types.add(registry.user());
    types.add(registry.group());
    for (ResourceType rt : registry.resourceTypes()) {
      if (!types.contains(rt)) {
        types.add(rt);
      }
    }
    return types;
  }

  /** {@code users}, {@code groups}, {@code agents}: what the summaries count. */
  static String plural(ResourceType rt) {
    return rt.name().toLowerCase(java.util.Locale.ROOT) + "s";
  }

  private static void forEach(
      StoreReader r, ResourceType rt, java.util.function.Consumer<StoredResource> action) {
    String cursor = "";
    while (cursor != null) {
      Page page =
          r.query(rt.name(), new Query(null, null, 1, PAGE, cursor, Load.NONE, ScanLimits.DEFAULT));
      page.resources().forEach(action);
      cursor = page.nextCursor();
    }
  }

  private static void members(Writer w, String groupId, List<Member> chunk, Map<String, Long> n) {
    ObjectNode rec = JSON.createObjectNode();
    rec.put("kind", "members");
    rec.put("group", groupId);
    ArrayNode list = rec.putArray("members");
    for (Member m : chunk) {
      ObjectNode o = list.addObject();
      o.put("value", m.value());
      putIf(o, "type", m.type());
    }
    line(w, rec);
    n.merge("members", (long) chunk.size(), Long::sum);
  }

  private static JsonNode jsonOrText(String text) {
    try {
      return JSON.readTree(text);
    } catch (IOException e) {
      return JSON.getNodeFactory().textNode(text);
    }
  }

  private static void putIf(ObjectNode o, String key, @Nullable String value) {
    if (value != null) {
      o.put(key, value);
    }
  }

  private static void line(Writer w, JsonNode rec) {
    try {
      w.write(JSON.writeValueAsString(rec));
      w.write('\n');
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
