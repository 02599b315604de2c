package io.scimd.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scimd.access.AccessException;
import io.scimd.access.AccessModel;
import io.scimd.access.AuthZen;
import io.scimd.core.schema.SchemaRegistry;
import io.scimd.store.Scope;
import io.scimd.store.Store;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code scimd application apply|list|show|remove|decide}: the access model's applications of a
 * tenant (docs/decisions/0021-access-model.md), on the store {@code serve} uses, also while it
 * runs: every decision reads the application afresh. {@code apply} is the config file: it saves
 * each application of one or more JSON files, creating or replacing it, each checked as the admin
 * API checks it, and all of a file's problems reported before anything is saved. Changes are
 * journaled with the principal {@code system:cli}.
 */
final class ApplicationCommands {
  private static final ObjectMapper JSON = new ObjectMapper();

  private ApplicationCommands() {}

  static CommandLine commandLine() {
    return new CommandLine(new ApplicationCommand())
        .addSubcommand(new Apply())
        .addSubcommand(new ListApplications())
        .addSubcommand(new Show())
        .addSubcommand(new Remove())
        .addSubcommand(new Decide());
  }

  @Command(
      name = "application",
      mixinStandardHelpOptions = true,
      description = {
        "Manage the access model's applications: their roles, and the rules that grant them to"
            + " groups and users (see the README, 'Access model')."
      })
  static final class ApplicationCommand implements Runnable {
    @Spec CommandSpec spec;

    @Override
    public void run() {
      spec.commandLine().usage(spec.commandLine().getOut());
    }
  }

  private interface Work {
    int run(AccessModel access, Scope scope, PrintWriter out);
  }

  /**
   * Runs {@code work} on the access model of the store: 2 for a bad option or definition, 1 for
   * what the store refused or could not do.
   */
  private static int run(CommandSpec spec, TenantOptions common, Work work) {
    ServerConfig config = common.store.config();
    try (Store s = common.store.open(config, spec)) {
      SchemaRegistry registry = TenantSchemas.read(common.store.schemas).union();
      return work.run(new AccessModel(s, registry), common.scope(), spec.commandLine().getOut());
    } catch (AccessException e) {
      return Main.fail(spec, e.status() == 400 ? Main.EXIT_CONFIG : Main.EXIT_START, e.detail());
    } catch (IllegalArgumentException e) {
      return Main.fail(spec, Main.EXIT_CONFIG, e.getMessage());
    } catch (RuntimeException e) {
      return Main.fail(spec, Main.EXIT_START, spec.name() + " failed: " + e.getMessage());
    } finally {
      spec.commandLine().getOut().flush();
    }
  }

  private static String pretty(JsonNode n) {
    try {
      return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(n);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static int none(CommandSpec spec, TenantOptions common, String name) {
    return Main.fail(
        spec,
        Main.EXIT_START,
        "no application '"
            + name
            + "' in the tenant '"
            + common.tenant
            + "' (see scimd application list)");
  }

  /** The applications a file holds: one object, an array of them, or {"applications": [...]}. */
  static List<ObjectNode> definitions(Path file) {
    JsonNode root;
    try {
      root = JSON.readTree(Files.readString(file));
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read " + file + ": " + e.getMessage(), e);
    }
    JsonNode list = root != null && root.has("applications") ? root.get("applications") : root;
    List<ObjectNode> out = new ArrayList<>();
    if (list instanceof ObjectNode o) {
      out.add(o);
    } else if (list != null && list.isArray()) {
      for (JsonNode n : list) {
        if (!(n instanceof ObjectNode o)) {
          throw new IllegalArgumentException(file + ": each application is a JSON object");
        }
        out.add(o);
      }
    } else {
      throw new IllegalArgumentException(
          file + ": an application, an array of them, or {\"applications\": [...]}");
    }
    return out;
  }

  @Command(
      name = "apply",
      mixinStandardHelpOptions = true,
      description = {
        "Save the applications in JSON files (one object, an array, or {\"applications\": [...]}):"
            + " each is created, or replaced when it exists. Applications not in the files are"
            + " left alone."
      })
  static final class Apply implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "FILE", arity = "1..*", description = "JSON files.")
    List<Path> files = new ArrayList<>();

    @Mixin TenantOptions common = new TenantOptions();

    @Override
    public Integer call() {
      return run(
          spec,
          common,
          (access, scope, out) -> {
            List<ObjectNode> all = new ArrayList<>();
            files.forEach(f -> all.addAll(definitions(f)));
            // Every definition is checked before any is saved: a file applies whole or not at all.
            List<String> problems = new ArrayList<>();
            for (ObjectNode d : all) {
              try {
                access.check(scope, d);
              } catch (AccessException e) {
                String name = d.path("name").asText("(no name)");
                e.problems().forEach(p -> problems.add("application '" + name + "': " + p));
              }
            }
            if (!problems.isEmpty()) {
              throw new AccessException(400, problems);
            }
            for (ObjectNode d : all) {
              String name = d.path("name").asText("");
              var saved =
                  access.show(common.tenant, name).isPresent()
                      ? access.update(scope, name, d).orElseThrow()
                      : access.create(scope, d);
              out.println(
                  "scimd: application '"
                      + name
                      + "' saved (version "
                      + saved.path("version").asLong()
                      + ")");
            }
            return 0;
          });
    }
  }

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = "List the tenant's applications: name, version, roles, rules.")
  static final class ListApplications implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Mixin TenantOptions common = new TenantOptions();

    @Override
    public Integer call() {
      return run(
          spec,
          common,
          (access, scope, out) -> {
            for (ObjectNode a : access.list(common.tenant)) {
              out.println(
                  a.path("name").asText()
                      + "\tversion "
                      + a.path("version").asLong()
                      + "\t"
                      + a.path("roles").size()
                      + " roles\t"
                      + a.path("rules").size()
                      + " rules");
            }
            return 0;
          });
    }
  }

  @Command(name = "show", mixinStandardHelpOptions = true, description = "Show an application.")
  static final class Show implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "NAME")
    String name = "";

    @Mixin TenantOptions common = new TenantOptions();

    @Override
    public Integer call() {
      return run(
          spec,
          common,
          (access, scope, out) -> {
            var a = access.show(common.tenant, name);
            if (a.isEmpty()) {
              return none(spec, common, name);
            }
            out.println(pretty(a.get()));
            return 0;
          });
    }
  }

  @Command(name = "remove", mixinStandardHelpOptions = true, description = "Remove an application.")
  static final class Remove implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "NAME")
    String name = "";

    @Mixin TenantOptions common = new TenantOptions();

    @Override
    public Integer call() {
      return run(
          spec,
          common,
          (access, scope, out) -> {
            if (!access.delete(scope, name)) {
              return none(spec, common, name);
            }
            out.println("scimd: application '" + name + "' removed");
            return 0;
          });
    }
  }

  @Command(
      name = "decide",
      mixinStandardHelpOptions = true,
      description = {
        "Ask what a gateway would ask: may SUBJECT do ACTION in the application? Prints the"
            + " AuthZEN decision with its reason; exits 0 when permitted, 3 when denied."
      })
  static final class Decide implements Callable<Integer> {
    static final int DENIED = 3;

    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "APPLICATION")
    String application = "";

    @Parameters(index = "1", paramLabel = "SUBJECT", description = "id, userName, email...")
    String subject = "";

    @Parameters(index = "2", paramLabel = "ACTION", description = "A role or a permission.")
    String action = "";

    @Option(names = "--agent", description = "The subject is an agent.")
    boolean agent;

    @Mixin TenantOptions common = new TenantOptions();

    @Override
    public Integer call() {
      return run(
          spec,
          common,
          (access, scope, out) -> {
            ObjectNode req = JSON.createObjectNode();
            req.putObject("subject").put("type", agent ? "agent" : "user").put("id", subject);
            req.putObject("action").put("name", action);
            req.putObject("resource").put("type", AuthZen.APPLICATION).put("id", application);
            ObjectNode d = AuthZen.evaluation(access.now(scope), req);
            out.println(pretty(d));
            return d.path("decision").asBoolean() ? 0 : DENIED;
          });
    }
  }
}
