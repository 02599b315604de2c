package io.scimd.server;

import static io.scimd.server.http.TestServer.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.scimd.server.http.TestServer;
import io.scimd.server.service.ServiceConfig;
import io.scimd.store.PgTestDatabase;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The configuration file and the order of the sources of a setting (flag, environment variable,
 * file, default), through picocli's real entry point; the shipped example file; secrets read from
 * files; and how a wrong value names where it came from.
 */
class ConfigFileTest {
  /** The example shipped in the distribution, {@code conf/scimd.example.yaml}. */
  static final Path EXAMPLE = Path.of("..", "dist", "scimd.example.yaml");

  @TempDir Path dir;
  StringWriter out = new StringWriter();
  StringWriter err = new StringWriter();

  CommandLine cli(Map<String, String> env, Consumer<ScimServer> started) {
    out = new StringWriter();
    err = new StringWriter();
    CommandLine cl = Main.commandLine(env, started);
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    return cl;
  }

  int run(Map<String, String> env, String... args) {
    return cli(env, s -> {}).execute(args);
  }

  /** Serves with {@code env} and {@code args}, hands the server to {@code check}, stops it. */
  void serve(Map<String, String> env, ServerCheck check, String... args) throws Exception {
    CompletableFuture<ScimServer> started = new CompletableFuture<>();
    CommandLine cl = cli(env, started::complete);
    List<String> all = new ArrayList<>(List.of("serve"));
    all.addAll(List.of(args));
    CompletableFuture<Integer> exit =
        CompletableFuture.supplyAsync(() -> cl.execute(all.toArray(String[]::new)));
    ScimServer server =
        CompletableFuture.anyOf(started, exit).get(60, TimeUnit.SECONDS) instanceof ScimServer s
            ? s
            : null;
    assertThat(server).as("serve exited: " + err).isNotNull();
    try (TestServer t = TestServer.of(server)) {
      check.check(t);
    }
    assertThat(exit.get(30, TimeUnit.SECONDS)).as(err.toString()).isZero();
  }

  interface ServerCheck {
    void check(TestServer server) throws Exception;
  }

  Path file(String name, String content) throws Exception {
    return Files.writeString(dir.resolve(name), content);
  }

  static JsonNode serviceProviderConfig(TestServer s) throws Exception {
    return json(s.sendRaw("GET", "/scim/v2/ServiceProviderConfig", null));
  }

  @Test
  void example_holdsEverySetting_andServes() throws Exception {
    String example = Files.readString(EXAMPLE);
    CommandLine cl = Main.commandLine(Map.of(), s -> {});
    Settings settings = Settings.install(cl, Map.of());
    assertThat(settings.keys()).contains("port", "db", "db_file", "bootstrap-token_file");
    for (String key : settings.keys()) {
      assertThat(example)
          .as("the example documents " + key)
          .containsPattern(Pattern.compile("(?m)^(# )?" + Pattern.quote(key) + ":"));
    }
    // Its values are the defaults, but for the data directory, which the flag overrides here.
    serve(
        Map.of("SCIMD_BOOTSTRAP_TOKEN", TestServer.TOKEN),
        s -> {
          assertThat(s.sendRaw("GET", "/health", null).statusCode()).isEqualTo(200);
          JsonNode spc = serviceProviderConfig(s);
          assertThat(spc.path("filter").path("maxResults").asInt()).isEqualTo(1000);
          assertThat(spc.path("bulk").path("maxPayloadSize").asInt()).isEqualTo(1_048_576);
        },
        "--config",
        EXAMPLE.toString(),
        "--data",
        dir.resolve("data").toString(),
        "--port",
        "0");
  }

  @Test
  void aSetting_comesFromTheFlag_elseTheVariable_elseTheFile_elseTheDefault() throws Exception {
    Path config =
        file(
            "scimd.yaml",
            """
            # each of these is overridden below, or not
            max-results: 7
            max-filter-depth: 3
            rate-limit: 600/m
            trusted-proxy: [10.0.0.0/8, 192.168.0.0/16]
            """);
    Map<String, String> env = new HashMap<>();
    env.put("SCIMD_BOOTSTRAP_TOKEN", TestServer.TOKEN);
    env.put("SCIMD_CONFIG", config.toString()); // the file named by the variable
    env.put("SCIMD_MAX_FILTER_DEPTH", "4");
    env.put("SCIMD_RATE_LIMIT", "60/m");
    serve(
        env,
        s -> {
          JsonNode spc = serviceProviderConfig(s);
          assertThat(spc.path("filter").path("maxResults").asInt()).as("file").isEqualTo(7);
          JsonNode limits = spc.path(ServiceConfig.LIMITS);
          assertThat(limits.path("maxFilterDepth").asInt()).as("variable").isEqualTo(4);
          assertThat(limits.path("rateLimit").path("requestsPerSecond").asDouble())
              .as("flag")
              .isEqualTo(5000.0 / 3600);
          assertThat(limits.path("maxPatchOperations").asInt()).as("default").isEqualTo(1000);
        },
        "--port",
        "0",
        "--data",
        dir.resolve("data").toString(),
        "--rate-limit",
        "5000/h");
  }

  @Test
  void anUnknownKey_isRefused_namingItAndTheNearestKnownOne() throws Exception {
    Path config = file("scimd.yaml", "port: 8080\nmax-result: 5\n");
    int code = run(Map.of(), "serve", "--config", config.toString(), "--data", dir.toString());
    assertThat(code).isEqualTo(Main.EXIT_CONFIG);
    assertThat(err.toString())
        .isEqualTo(
            "scimd: invalid configuration: the configuration file "
                + config
                + " has an unknown key 'max-result' (did you mean 'max-results'?)\n");
    assertThat(dir.resolve("scimd.db")).as("nothing was created").doesNotExist();
  }

  @Test
  void aWrongValue_namesTheFileKey_orTheVariable_notTheFlag() throws Exception {
    Path config = file("scimd.yaml", "port: abc\n");
    assertThat(run(Map.of(), "serve", "--config", config.toString())).isEqualTo(2);
    assertThat(err.toString())
        .isEqualTo("scimd: invalid configuration: port in " + config + ": 'abc' is not an int\n");

    assertThat(run(Map.of("SCIMD_PORT", "abc"), "serve")).isEqualTo(2);
    assertThat(err.toString())
        .isEqualTo("scimd: invalid configuration: SCIMD_PORT: 'abc' is not an int\n");

    // A value the option takes but the server refuses, found after parsing.
    Path rate = file("rate.yaml", "rate-limit: lots\n");
    assertThat(run(Map.of(), "serve", "--config", rate.toString(), "--data", dir.toString()))
        .isEqualTo(2);
    assertThat(err.toString())
        .startsWith("scimd: invalid configuration: rate-limit in " + rate + ": 'lots' is not")
        .doesNotContain("--rate-limit");

    // The flag itself: named as the flag, with where the options are listed.
    assertThat(run(Map.of("SCIMD_PORT", "8080"), "serve", "--port", "abc")).isEqualTo(2);
    assertThat(err.toString())
        .isEqualTo(
            "scimd: Invalid value for option '--port': 'abc' is not an int\n"
                + "Run 'scimd serve --help' for its options.\n");
  }

  @Test
  void aSyntaxError_orAMissingFile_isSaidWithWhere() throws Exception {
    Path config = file("scimd.yaml", "port: 8080\ntrusted-proxy: [10.0.0.0/8\n");
    assertThat(run(Map.of(), "serve", "--config", config.toString())).isEqualTo(2);
    assertThat(err.toString())
        .startsWith("scimd: invalid configuration: the configuration file " + config + " line 3")
        .doesNotContain("\tat ")
        .hasLineCount(1);

    Path dup = file("dup.yaml", "port: 1\nport: 2\n");
    assertThat(run(Map.of(), "serve", "--config", dup.toString())).isEqualTo(2);
    assertThat(err.toString()).contains(dup + " line 2").contains("'port'");

    Path list = file("list.yaml", "- port\n");
    assertThat(run(Map.of(), "serve", "--config", list.toString())).isEqualTo(2);
    assertThat(err.toString()).contains("must be a mapping of keys to values");

    Path missing = dir.resolve("nowhere.yaml");
    assertThat(run(Map.of("SCIMD_CONFIG", missing.toString()), "tenant", "list")).isEqualTo(2);
    assertThat(err.toString())
        .isEqualTo(
            "scimd: invalid configuration: cannot read the configuration file "
                + missing
                + ": no such file\n");
  }

  @Test
  void secrets_comeFromFiles_namedByAVariableOrAKey() throws Exception {
    // As a container or systemd mounts a secret: the value and a line break.
    Path token = file("token", TestServer.TOKEN + "\n");
    serve(
        Map.of("SCIMD_BOOTSTRAP_TOKEN_FILE", token.toString()),
        s -> assertThat(s.send("GET", "/scim/v2/Users", null).statusCode()).isEqualTo(200),
        "--port",
        "0",
        "--data",
        dir.resolve("a").toString());

    Path config = file("scimd.yaml", "bootstrap-token_file: " + token + "\n");
    serve(
        Map.of(),
        s -> assertThat(s.send("GET", "/scim/v2/Users", null).statusCode()).isEqualTo(200),
        "--port",
        "0",
        "--data",
        dir.resolve("b").toString(),
        "--config",
        config.toString());

    try (PgTestDatabase db = PgTestDatabase.create()) {
      Path url = file("db-url", db.url() + "\n");
      Path pg = file("pg.yaml", "db_file: " + url + "\n");
      int code = run(Map.of(), "token", "create", "--name", "okta", "--config", pg.toString());
      assertThat(code).as(err.toString()).isZero();
      assertThat(err.toString()).startsWith("scimd: store: PostgreSQL at jdbc:postgresql:");
      assertThat(out.toString()).contains("SCIMD_TOKEN=");
      assertThat(run(Map.of("SCIMD_DB_FILE", url.toString()), "token", "list", "--client", "okta"))
          .as(err.toString())
          .isZero();
      assertThat(out.toString()).contains("bearer");
    }
  }

  @Test
  void aSecret_setTwoWays_orUnusable_isRefused_withoutShowingIt() throws Exception {
    Path token = file("token", "short-secret\n");
    assertThat(
            run(
                Map.of("SCIMD_DB", "jdbc:postgresql://x/y", "SCIMD_DB_FILE", token.toString()),
                "tenant",
                "list"))
        .isEqualTo(2);
    assertThat(err.toString())
        .isEqualTo("scimd: invalid configuration: set SCIMD_DB or SCIMD_DB_FILE, not both\n");

    Path config = file("scimd.yaml", "bootstrap-token_file: " + token + "\n");
    assertThat(run(Map.of(), "serve", "--config", config.toString(), "--data", dir.toString()))
        .isEqualTo(2);
    assertThat(err.toString())
        .startsWith(
            "scimd: invalid configuration: bootstrap-token_file in "
                + config
                + " ("
                + token
                + ") must be at least 32 characters")
        .doesNotContain("short-secret");

    Path missing = dir.resolve("no-token");
    assertThat(
            run(Map.of("SCIMD_BOOTSTRAP_TOKEN_FILE", missing.toString()), "serve", "--data", "x"))
        .isEqualTo(2);
    assertThat(err.toString())
        .isEqualTo(
            "scimd: invalid configuration: SCIMD_BOOTSTRAP_TOKEN_FILE: no file " + missing + "\n");
  }

  @Test
  void theConsolesOidcSettings_halfGiven_refuseToStart_namingWhatIsMissing() throws Exception {
    assertThat(
            run(
                Map.of("SCIMD_CONSOLE_OIDC_CLIENT_SECRET", "a-client-secret"),
                "serve",
                "--console-oidc-client-id",
                "scimd",
                "--data",
                dir.toString()))
        .isEqualTo(Main.EXIT_CONFIG);
    assertThat(err.toString())
        .startsWith("scimd: invalid configuration: the console's OIDC settings need")
        .contains("--console-oidc-issuer")
        .doesNotContain("a-client-secret");

    assertThat(
            run(
                Map.of(),
                "serve",
                "--console-oidc-issuer",
                "https://login.example.com",
                "--console-oidc-admins",
                "alice@example.com",
                "--data",
                dir.toString()))
        .isEqualTo(Main.EXIT_CONFIG);
    assertThat(err.toString()).contains("needs --console-oidc-client-id");

    Path secret = file("oidc-secret", "a-client-secret\n");
    Path config =
        file(
            "oidc.yaml",
            "console-oidc-issuer: https://login.example.com\n"
                + "console-oidc-client-id: scimd\n"
                + "console-oidc-client-secret_file: "
                + secret
                + "\n");
    assertThat(run(Map.of(), "serve", "--config", config.toString(), "--data", dir.toString()))
        .isEqualTo(Main.EXIT_CONFIG);
    assertThat(err.toString())
        .contains("needs --console-oidc-admins or --console-oidc-admin-group")
        .doesNotContain("a-client-secret");
    assertThat(dir.resolve("scimd.db")).as("nothing was created").doesNotExist();
  }
}
