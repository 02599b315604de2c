package io.scimd.server;

import io.scimd.core.schema.SchemaRegistry;
import io.scimd.server.http.Tokens;
import io.scimd.server.service.ServiceConfig;
import io.scimd.store.Store;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The {@code scimd} command line: {@code serve} runs the server, {@code token create} adds a client
 * credential. Every option also reads an environment variable ({@code --port} from {@code
 * SCIMD_PORT}...); a flag wins over the environment.
 */
@Command(
    name = "scimd",
    mixinStandardHelpOptions = true,
    version = "scimd 0.1.0",
    description = "SCIM 2.0 service provider",
    subcommands = {CommandLine.HelpCommand.class})
public final class Main implements Runnable {
  /** Exit code for an invalid configuration (bad flag value, schema definition, token). */
  static final int EXIT_CONFIG = 2;
  /** Exit code for a failure to start (port taken, store unreadable). */
  static final int EXIT_START = 1;

  @Spec CommandSpec spec;

  private Main() {}

  public static void main(String[] args) {
    System.exit(commandLine(System.getenv(), server -> {}).execute(args));
  }

  /**
   * The command line reading defaults from {@code env}; {@code onStarted} sees each server that
   * {@code serve} starts (tests stop it through it; {@code serve} returns once it is stopped).
   */
  public static CommandLine commandLine(Map<String, String> env, Consumer<ScimServer> onStarted) {
    CommandLine cl = new CommandLine(new Main());
    cl.addSubcommand(new Serve(env, onStarted));
    cl.addSubcommand(new CommandLine(new TokenCommand()).addSubcommand(new TokenCreate()));
    cl.setDefaultValueProvider(arg -> arg instanceof OptionSpec o ? fromEnv(env, o.longestName()) : null);
    return cl;
  }

  /** {@code --host} reads {@code SCIMD_HOST}, and so on; other options have no variable. */
  private static @Nullable String fromEnv(Map<String, String> env, String option) {
    return switch (option) {
      case "--host", "--port", "--data", "--schemas" ->
          env.get("SCIMD_" + option.substring(2).toUpperCase(Locale.ROOT));
      default -> null;
    };
  }

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  @Command(name = "serve", mixinStandardHelpOptions = true, description = "Run the SCIM server.")
  static final class Serve implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--host", defaultValue = ServerConfig.DEFAULT_HOST, description = "Address to bind (SCIMD_HOST; default ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--port", defaultValue = "8080", description = "TCP port, 0 for any free one (SCIMD_PORT; default ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--data", defaultValue = ServerConfig.DEFAULT_DATA, description = "Data directory, holds the SQLite file (SCIMD_DATA; default ${DEFAULT-VALUE}).")
    Path data;

    @Option(names = "--schemas", description = "Directory of extra schema and resource type definitions (SCIMD_SCHEMAS).")
    @Nullable Path schemas;

    private final Map<String, String> env;
    private final Consumer<ScimServer> onStarted;

    Serve(Map<String, String> env, Consumer<ScimServer> onStarted) {
      this.env = env;
      this.onStarted = onStarted;
    }

    @Override
    public Integer call() throws InterruptedException {
      PrintWriter err = spec.commandLine().getErr();
      ServerConfig config;
      ScimServer server;
      try {
        config = new ServerConfig(host, port, data, schemas, env.get("SCIMD_BOOTSTRAP_TOKEN"), ServiceConfig.DEFAULTS);
        server = ScimServer.start(config, spec.commandLine().getOut());
      } catch (IllegalArgumentException e) {
        err.println("scimd: invalid configuration: " + e.getMessage());
        err.flush();
        return EXIT_CONFIG;
      } catch (RuntimeException e) {
        err.println("scimd: cannot start: " + e.getMessage());
        err.flush();
        return EXIT_START;
      }
      Thread hook = new Thread(server::close, "scimd-shutdown");
      Runtime.getRuntime().addShutdownHook(hook);
      try {
        onStarted.accept(server);
        server.join();
      } finally {
        server.close();
        try {
          Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
          // the JVM is exiting and runs the hook itself
        }
      }
      return 0;
    }
  }

  @Command(name = "token", mixinStandardHelpOptions = true, description = "Manage client credentials.")
  static final class TokenCommand implements Runnable {
    @Spec CommandSpec spec;

    @Override
    public void run() {
      spec.commandLine().usage(spec.commandLine().getOut());
    }
  }

  @Command(name = "create", mixinStandardHelpOptions = true, description = "Create a client credential and print its bearer token.")
  static final class TokenCreate implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--name", required = true, description = "A name for the credential, e.g. okta.")
    String name;

    @Option(names = "--data", defaultValue = ServerConfig.DEFAULT_DATA, description = "Data directory (SCIMD_DATA; default ${DEFAULT-VALUE}).")
    Path data;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      try {
        Files.createDirectories(data);
      } catch (IOException e) {
        spec.commandLine().getErr().println("scimd: cannot create " + data + ": " + e.getMessage());
        return EXIT_START;
      }
      String token = Tokens.generate();
      try (Store store = Stores.open(data, SchemaRegistry.builtIn(), InstantSource.system())) {
        store.credentials().create(name, Tokens.hash(token), null);
      } catch (RuntimeException e) {
        spec.commandLine().getErr().println("scimd: cannot create the credential: " + e.getMessage());
        return EXIT_START;
      }
      out.println("scimd: created client credential \"" + name + "\"; its bearer token, shown only this once:");
      out.println("SCIMD_TOKEN=" + token);
      out.flush();
      return 0;
    }
  }
}
