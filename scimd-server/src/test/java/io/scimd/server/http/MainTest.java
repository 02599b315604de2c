package io.scimd.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.scimd.server.Main;
import io.scimd.server.ScimServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The command line, run in-process. */
class MainTest {
  @TempDir Path dir;
  final StringWriter out = new StringWriter();
  final StringWriter err = new StringWriter();

  CommandLine cli(Map<String, String> env, CompletableFuture<ScimServer> started) {
    CommandLine cl = Main.commandLine(env, started::complete);
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    return cl;
  }

  @Test
  void serve_flagsWinOverEnvironment_andServeUntilStopped() throws Exception {
    CompletableFuture<ScimServer> started = new CompletableFuture<>();
    Map<String, String> env =
        Map.of(
            "SCIMD_PORT",
            "1", // privileged: would fail if the flag did not win
            "SCIMD_DATA",
            dir.toString(),
            "SCIMD_BOOTSTRAP_TOKEN",
            TestServer.TOKEN);
    CommandLine cl = cli(env, started);
    CompletableFuture<Integer> exit =
        CompletableFuture.supplyAsync(
            () -> cl.execute("serve", "--port", "0", "--host", "127.0.0.1"));
    TestServer server = TestServer.of(started.get(30, TimeUnit.SECONDS));
    assertThat(server.sendRaw("GET", "/health", null).statusCode()).isEqualTo(200);
    assertThat(server.send("GET", "/scim/v2/Users", null).statusCode()).isEqualTo(200);
    assertThat(Files.list(dir)).isNotEmpty();
    server.close();
    assertThat(exit.get(30, TimeUnit.SECONDS)).as(err.toString()).isZero();
  }

  @Test
  void serve_withShortBootstrapToken_exitsNonZeroWithAClearMessage() {
    Map<String, String> env =
        Map.of("SCIMD_DATA", dir.toString(), "SCIMD_BOOTSTRAP_TOKEN", "short");
    int code = cli(env, new CompletableFuture<>()).execute("serve", "--port", "0");
    assertThat(code).isNotZero();
    assertThat(err.toString())
        .contains("SCIMD_BOOTSTRAP_TOKEN")
        .contains("32")
        .doesNotContain("short\n");
  }

  @Test
  void serve_withInvalidSchemas_exitsNonZeroWithAClearMessage() throws Exception {
    Path schemas = Files.createDirectory(dir.resolve("schemas"));
    Files.writeString(schemas.resolve("broken.json"), "{ not json");
    Map<String, String> env =
        Map.of("SCIMD_SCHEMAS", schemas.toString(), "SCIMD_BOOTSTRAP_TOKEN", TestServer.TOKEN);
    int code =
        cli(env, new CompletableFuture<>())
            .execute("serve", "--port", "0", "--data", dir.resolve("d").toString());
    assertThat(code).isEqualTo(2);
    // The file and where in it, in the parser's words: not the library's source description.
    assertThat(err.toString())
        .contains(schemas.resolve("broken.json") + " line 1, column 3: not valid JSON: ")
        .doesNotContain("REDACTED")
        .doesNotContain("StreamReadFeature")
        .doesNotContain("Exception")
        .hasLineCount(1);
    // A definition that is JSON but not a schema names its file too.
    Files.writeString(schemas.resolve("broken.json"), "{\"id\": \"urn:example:x\"}");
    code =
        cli(env, new CompletableFuture<>())
            .execute("serve", "--port", "0", "--data", dir.resolve("d").toString());
    assertThat(code).isEqualTo(2);
    assertThat(err.toString())
        .contains(schemas.resolve("broken.json") + ": schema urn:example:x has no \"attributes\"");
  }

  @Test
  void serve_withAQueryLimitBelowOne_exits2WithInvalidConfiguration() {
    Map<String, String> env =
        Map.of(
            "SCIMD_DATA",
            dir.toString(),
            "SCIMD_BOOTSTRAP_TOKEN",
            TestServer.TOKEN,
            "SCIMD_MAX_QUERY_CANDIDATES",
            "0");
    assertThat(cli(env, new CompletableFuture<>()).execute("serve", "--port", "0")).isEqualTo(2);
    assertThat(err.toString())
        .startsWith("scimd: invalid configuration: ")
        .contains("candidates must be at least 1");
    int code =
        cli(Map.of("SCIMD_DATA", dir.toString()), new CompletableFuture<>())
            .execute("serve", "--port", "0", "--max-concurrent-evaluations", "0");
    assertThat(code).isEqualTo(2);
    assertThat(err.toString()).contains("evaluations must be at least 1");
  }

  @Test
  void tokenCreate_printsATokenThatTheServerAccepts() throws Exception {
    int code =
        cli(Map.of(), new CompletableFuture<>())
            .execute("token", "create", "--name", "okta", "--data", dir.toString());
    assertThat(code).as(err.toString()).isZero();
    Matcher m = Pattern.compile("SCIMD_TOKEN=(\\S+)").matcher(out.toString());
    assertThat(m.find()).as(out.toString()).isTrue();
    try (TestServer s = TestServer.start(dir, null)) {
      assertThat(s.printed).as("the store already had a credential").doesNotContain("SCIMD_TOKEN");
      assertThat(
              s.sendRaw("GET", "/scim/v2/Users", null, "Authorization", "Bearer " + m.group(1))
                  .statusCode())
          .isEqualTo(200);
    }
  }
}
