package io.scimd.server;

import io.scimd.server.clients.ClientAdmin;
import io.scimd.store.Credentials;
import io.scimd.store.Credentials.Client;
import io.scimd.store.Credentials.Credential;
import io.scimd.store.Credentials.Kind;
import io.scimd.store.Store;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code scimd client create|list|delete} and {@code scimd token create|list|rotate|revoke}: the
 * clients of a tenant and their credentials, on the store {@code serve} uses (also while it runs).
 * Each change is journaled with the principal {@code system:cli} and the operating-system user who
 * ran it. A secret is printed once, by the command that made it, and never again.
 */
final class ClientCommands {
  private ClientCommands() {}

  static CommandLine client() {
    return new CommandLine(new ClientCommand())
        .addSubcommand(new ClientCreate())
        .addSubcommand(new ClientList())
        .addSubcommand(new ClientDelete());
  }

  static CommandLine token() {
    return new CommandLine(new TokenCommand())
        .addSubcommand(new TokenCreate())
        .addSubcommand(new TokenList())
        .addSubcommand(new TokenRotate())
        .addSubcommand(new TokenRevoke());
  }

  /** The options every client and token command takes: the store, the tenant, the token limit. */
  static final class Common extends TenantOptions {
    @Option(
        names = "--max-tokens-per-client",
        defaultValue = "" + ClientAdmin.DEFAULT_MAX_LIVE,
        description =
            "The most live tokens (and client secrets) one client may hold"
                + " (SCIMD_MAX_TOKENS_PER_CLIENT; default ${DEFAULT-VALUE}).")
    int maxTokens = ClientAdmin.DEFAULT_MAX_LIVE;
  }

  /** Work on an open store and its {@link ClientAdmin}; returns the exit code. */
  private interface Work {
    int run(Store store, ClientAdmin admin, PrintWriter out);
  }

  /**
   * Runs {@code work}, mapping failures to exit codes: 2 for a bad option or name, 1 for what the
   * store refused (a name in use, too many tokens, nothing found) or could not do.
   */
  private static int run(CommandSpec spec, Common common, Work work) {
    try (Store s = common.store.open(spec)) {
      ClientAdmin admin =
          new ClientAdmin(s.credentials(), InstantSource.system(), common.maxTokens);
      return work.run(s, admin, spec.commandLine().getOut());
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

  private static Optional<Client> find(ClientAdmin admin, String tenant, String idOrName) {
    return admin.client(tenant, idOrName);
  }

  private static int noClient(CommandSpec spec, String tenant, String idOrName) {
    return Main.fail(
        spec,
        Main.EXIT_START,
        "no client '"
            + idOrName
            + "' in the tenant '"
            + tenant
            + "' (by id, or by a name only one client has; see scimd client list)");
  }

  /** {@code bearer} or {@code client-secret}. */
  static final class KindConverter implements CommandLine.ITypeConverter<Kind> {
    @Override
    public Kind convert(String value) {
      return switch (value.toLowerCase(Locale.ROOT)) {
        case "bearer" -> Kind.BEARER;
        case "client-secret", "client_secret", "secret" -> Kind.SECRET;
        default ->
            throw new CommandLine.TypeConversionException(
                "'" + value + "' is not a credential type: use bearer or client-secret");
      };
    }
  }

  private static void printIssued(
      PrintWriter out, Client client, ClientAdmin.Issued issued, String verb) {
    Credential c = issued.credential();
    out.println(
        "scimd: "
            + verb
            + " a "
            + (c.kind() == Kind.BEARER ? "bearer token" : "client secret")
            + " (id "
            + c.id()
            + ") for client \""
            + client.name()
            + "\" of tenant \""
            + client.tenant()
            + "\""
            + (c.expires() == null
                ? ""
                : ", expiring " + c.expires().truncatedTo(ChronoUnit.SECONDS))
            + "; it is shown only this once:");
    if (c.kind() == Kind.BEARER) {
      out.println("SCIMD_TOKEN=" + issued.secret());
    } else {
      out.println("SCIMD_CLIENT_ID=" + client.id());
      out.println("SCIMD_CLIENT_SECRET=" + issued.secret());
    }
  }

  private static String time(@Nullable Instant t) {
    return t == null ? "-" : t.truncatedTo(ChronoUnit.SECONDS).toString();
  }

  // ---------------------------------------------------------------- client

  @Command(
      name = "client",
      mixinStandardHelpOptions = true,
      description = {
        "Manage clients: an IdP or tool that calls scimd, in one tenant, with scopes and its own"
            + " credentials.",
        "Scopes: scim:read, scim:write, scim:read:<ResourceType>, scim:write:<ResourceType>, admin."
      })
  static final class ClientCommand implements Runnable {
    @Spec CommandSpec spec;

    @Override
    public void run() {
      spec.commandLine().usage(spec.commandLine().getOut());
    }
  }

  @Command(
      name = "create",
      mixinStandardHelpOptions = true,
      description = "Create a client; with --token, also issue it a bearer token.")
  static final class ClientCreate implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "NAME", description = "The client's name, e.g. okta.")
    String name = "";

    @Option(
        names = "--scope",
        description =
            "A scope it holds; repeatable, or space/comma separated (default: scim:read scim:write).")
    List<String> scopes = new ArrayList<>();

    @Option(names = "--token", description = "Also issue a bearer token, printed once.")
    boolean token;

    @Option(
        names = "--jwks-uri",
        description =
            "URL of the JWK Set whose keys sign its OAuth client assertions (private_key_jwt),"
                + " e.g. an IdP tenant's published keys.")
    @Nullable String jwksUri;

    @Option(
        names = "--jwks",
        description = "A file holding that JWK Set (public keys), instead of --jwks-uri.")
    @Nullable Path jwks;

    @Option(
        names = "--assertion-issuer",
        description = "What an assertion's iss must be, when not the client id (federation).")
    @Nullable String assertionIssuer;

    @Option(
        names = "--assertion-subject",
        description = "What an assertion's sub must be, when not the client id (federation).")
    @Nullable String assertionSubject;

    private Credentials.@Nullable AssertionKeys keys() {
      Path file = jwks;
      if (file == null && jwksUri == null) {
        if (assertionIssuer != null || assertionSubject != null) {
          throw new IllegalArgumentException(
              "--assertion-issuer and --assertion-subject need --jwks-uri or --jwks");
        }
        return null;
      }
      if (file != null && jwksUri != null) {
        throw new IllegalArgumentException("give --jwks-uri or --jwks, not both");
      }
      String inline = null;
      if (file != null) {
        try {
          inline = java.nio.file.Files.readString(file);
        } catch (java.io.IOException e) {
          throw new IllegalArgumentException("cannot read " + file + ": " + e.getMessage());
        }
      }
      return new Credentials.AssertionKeys(inline, jwksUri, assertionIssuer, assertionSubject);
    }

    @Mixin Common common = new Common();

    @Override
    public Integer call() {
      return run(
          spec,
          common,
          (s, admin, out) -> {
            Client c = admin.createClient(common.scope(), name, scopes, keys());
            out.println(
                "scimd: created client \""
                    + c.name()
                    + "\" of tenant \""
                    + c.tenant()
                    + "\" with the scopes "
                    + String.join(" ", new TreeSet<>(c.scopes())));
            out.println("SCIMD_CLIENT_ID=" + c.id());
            if (token) {
              printIssued(out, c, admin.issue(common.scope(), c, Kind.BEARER, null), "issued");
            }
            return 0;
          });
    }
  }

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = "List a tenant's clients, with their scopes and live credentials.")
  static final class ClientList implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Mixin Common common = new Common();

    @Override
    public Integer call() {
      return run(
          spec,
          common,
          (s, admin, out) -> {
            out.printf("%-36s  %-24s  %-20s  %6s  %s%n", "ID", "NAME", "CREATED", "LIVE", "SCOPES");
            for (Client c : admin.clients(common.tenant)) {
              out.printf(
                  "%-36s  %-24s  %-20s  %6d  %s%n",
                  c.id(),
                  c.name(),
                  time(c.created()),
                  admin.credentials(c).size(),
                  String.join(" ", new TreeSet<>(c.scopes())));
            }
            return 0;
          });
    }
  }

  @Command(
      name = "delete",
      mixinStandardHelpOptions = true,
      description = "Delete a client and revoke every credential it holds, at once.")
  static final class ClientDelete implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "CLIENT", description = "The client's id or name.")
    String client = "";

    @Mixin Common common = new Common();

    @Override
    public Integer call() {
      return run(
          spec,
          common,
          (s, admin, out) -> {
            Optional<Client> c = find(admin, common.tenant, client);
            if (c.isEmpty()) {
              return noClient(spec, common.tenant, client);
            }
            int live = admin.credentials(c.get()).size();
            admin.deleteClient(common.scope(), c.get().id());
            out.println(
                "scimd: deleted client \""
                    + c.get().name()
                    + "\"; "
                    + live
                    + " credential(s) revoked");
            return 0;
          });
    }
  }

  // ---------------------------------------------------------------- token

  @Command(
      name = "token",
      mixinStandardHelpOptions = true,
      description =
          "Manage a client's credentials: bearer tokens (scimd_...) and OAuth client secrets"
              + " (scimds_...).")
  static final class TokenCommand implements Runnable {
    @Spec CommandSpec spec;

    @Override
    public void run() {
      spec.commandLine().usage(spec.commandLine().getOut());
    }
  }

  /** The client a token command works on, and what kind of credential. */
  static final class Target {
    @Option(
        names = "--client",
        description =
            "The client's id or name. token create with a name no client has creates that client,"
                + " with the scopes scim:read scim:write.")
    @Nullable String client;

    @Option(
        names = "--name",
        description =
            "token create: the name of a new client to create, refused when a client of the tenant"
                + " has it already (to give that one another credential, use --client)."
                + " Elsewhere the same as --client.")
    @Nullable String name;

    /**
     * The client named by {@code --client} or {@code --name}.
     *
     * @throws IllegalArgumentException when neither or both are given, or the name is no usable one
     *     (empty, blank, too long)
     */
    String client() {
      String c = client;
      String n = name;
      if ((c == null) == (n == null)) {
        throw new IllegalArgumentException(
            c == null
                ? "give the client: --client ID-OR-NAME, or --name NEW-NAME"
                : "give --client or --name, not both");
      }
      String given = c != null ? c : n;
      return ClientAdmin.checkName(given);
    }

    @Option(
        names = "--type",
        defaultValue = "bearer",
        converter = KindConverter.class,
        description = "bearer (default) or client-secret (for OAuth client credentials).")
    Kind kind = Kind.BEARER;

    @Option(
        names = "--expires",
        converter = Main.DurationConverter.class,
        description = "How long it works, e.g. 90d (default: until revoked).")
    @Nullable Duration expires;
  }

  @Command(
      name = "create",
      mixinStandardHelpOptions = true,
      description = "Issue a new credential to a client, printed once.")
  static final class TokenCreate implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Mixin Target target = new Target();

    @Mixin Common common = new Common();

    @Override
    public Integer call() {
      String wanted;
      try {
        wanted = target.client(); // before the store is opened, or created
      } catch (IllegalArgumentException e) {
        return Main.fail(spec, Main.EXIT_CONFIG, e.getMessage());
      }
      return run(
          spec,
          common,
          (s, admin, out) -> {
            Optional<Client> existing = find(admin, common.tenant, wanted);
            if (target.name != null && existing.isPresent()) {
              // --name makes a new client: one with that name already would silently get a
              // second credential, which is not what was asked.
              return Main.fail(
                  spec,
                  Main.EXIT_START,
                  "a client named \""
                      + wanted
                      + "\" exists already in the tenant \""
                      + common.tenant
                      + "\": nothing was created; to give it another credential use --client "
                      + wanted
                      + ", or choose another --name");
            }
            Client c =
                existing.orElseGet(() -> admin.createClient(common.scope(), wanted, List.of()));
            printIssued(
                out, c, admin.issue(common.scope(), c, target.kind, target.expires), "issued");
            return 0;
          });
    }
  }

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = "List a client's live credentials (never their secrets).")
  static final class TokenList implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(
        names = {"--client", "--name"},
        required = true,
        description = "The client's id or name.")
    String client = "";

    @Mixin Common common = new Common();

    @Override
    public Integer call() {
      return run(
          spec,
          common,
          (s, admin, out) -> {
            Optional<Client> c = find(admin, common.tenant, client);
            if (c.isEmpty()) {
              return noClient(spec, common.tenant, client);
            }
            out.printf(
                "%-36s  %-13s  %-14s  %-20s  %-20s  %s%n",
                "ID", "TYPE", "HINT", "CREATED", "EXPIRES", "LAST-USED");
            for (Credential cr : admin.credentials(c.get())) {
              out.printf(
                  "%-36s  %-13s  %-14s  %-20s  %-20s  %s%n",
                  cr.id(),
                  cr.kind() == Kind.BEARER ? "bearer" : "client-secret",
                  cr.hint(),
                  time(cr.created()),
                  time(cr.expires()),
                  time(cr.lastUsed()));
            }
            return 0;
          });
    }
  }

  @Command(
      name = "rotate",
      mixinStandardHelpOptions = true,
      description = {
        "Issue a new credential to a client and let its other live ones of that type work only for"
            + " --overlap more: deploy the new one to the IdP meanwhile, without an outage."
      })
  static final class TokenRotate implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Mixin Target target = new Target();

    @Option(
        names = "--overlap",
        defaultValue = "24h",
        converter = Main.DurationConverter.class,
        description =
            "How long the old credentials keep working (default ${DEFAULT-VALUE}; 0: stop now).")
    Duration overlap = ClientAdmin.DEFAULT_OVERLAP;

    @Mixin Common common = new Common();

    @Override
    public Integer call() {
      String wanted;
      try {
        wanted = target.client(); // before the store is opened, or created
      } catch (IllegalArgumentException e) {
        return Main.fail(spec, Main.EXIT_CONFIG, e.getMessage());
      }
      return run(
          spec,
          common,
          (s, admin, out) -> {
            Optional<Client> c = find(admin, common.tenant, wanted);
            if (c.isEmpty()) {
              return noClient(spec, common.tenant, wanted);
            }
            ClientAdmin.Rotated r =
                admin.rotate(common.scope(), c.get(), target.kind, overlap, target.expires);
            for (Credential old : r.ending()) {
              out.println(
                  "scimd: credential "
                      + old.id()
                      + " ("
                      + old.hint()
                      + ") works until "
                      + time(old.expires()));
            }
            printIssued(out, c.get(), r.issued(), "rotated: issued");
            return 0;
          });
    }
  }

  @Command(
      name = "revoke",
      mixinStandardHelpOptions = true,
      description = "Revoke a credential at once (every node refuses it within a second).")
  static final class TokenRevoke implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "ID", description = "The credential's id (see scimd token list).")
    String id = "";

    @Mixin Common common = new Common();

    @Override
    public Integer call() {
      return run(
          spec,
          common,
          (s, admin, out) -> {
            if (!admin.revoke(common.scope(), id)) {
              return Main.fail(
                  spec,
                  Main.EXIT_START,
                  "no live credential '" + id + "' in the tenant '" + common.tenant + "'");
            }
            out.println("scimd: revoked credential " + id);
            return 0;
          });
    }
  }
}
