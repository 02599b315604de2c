package io.scimd.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.scimd.server.http.ChildServer;
import io.scimd.server.http.TestServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Which store a command works on, said every time: one server per SQLite data directory (a second,
 * in this process or another, is refused naming the directory and the holder), the store a command
 * opens printed, a new one warned of; and a port in use said as such.
 */
class DataDirectoryTest {
  @TempDir Path dir;
  StringWriter out = new StringWriter();
  StringWriter err = new StringWriter();

  CommandLine cli(Map<String, String> env, CompletableFuture<ScimServer> started) {
    out = new StringWriter();
    err = new StringWriter();
    CommandLine cl = Main.commandLine(env, started::complete);
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    return cl;
  }

  int run(Map<String, String> env, String... args) {
    return cli(env, new CompletableFuture<>()).execute(args);
  }

  @Test
  void aSecondServerOnOneDataDirectory_isRefused_untilTheFirstStops() throws Exception {
    Path data = dir.resolve("data");
    try (TestServer first = TestServer.start(data, TestServer.TOKEN)) {
      int code =
          run(
              Map.of("SCIMD_BOOTSTRAP_TOKEN", TestServer.TOKEN),
              "serve",
              "--port",
              "0",
              "--data",
              data.toString());
      assertThat(code).isEqualTo(Main.EXIT_START);
      assertThat(err.toString())
          .isEqualTo(
              "scimd: cannot start: the data directory "
                  + data.toAbsolutePath()
                  + " is in use by another scimd server (pid "
                  + ProcessHandle.current().pid()
                  + "): stop it first, or give this one another --data\n");
      // The first one is untouched, and commands still run beside it.
      assertThat(first.send("GET", "/scim/v2/Users", null).statusCode()).isEqualTo(200);
      assertThat(run(Map.of(), "tenant", "list", "--data", data.toString())).isZero();
    }
    try (TestServer again = TestServer.start(data, TestServer.TOKEN)) {
      assertThat(again.send("GET", "/scim/v2/Users", null).statusCode()).isEqualTo(200);
    }
  }

  @Test
  void aServerInAnotherProcess_holdsItsDataDirectory_andSaysWhereItIs() throws Exception {
    Path data = dir.resolve("data");
    try (ChildServer child =
        ChildServer.start(dir, List.of("-Xmx128m"), List.of("--data", data.toString()))) {
      int code = run(Map.of("SCIMD_DATA", data.toString()), "serve", "--port", "0");
      assertThat(code).isEqualTo(Main.EXIT_START);
      assertThat(err.toString())
          .contains("the data directory " + data.toAbsolutePath() + " is in use")
          .contains("(pid " + child.pid() + ")")
          .contains("another SCIMD_DATA"); // what set it, not the flag
      // All of it: the line is among the first, and the end (log()) moves on with every request.
      assertThat(child.output())
          .contains("store: SQLite in " + data.toAbsolutePath() + ": none there yet, creating");
    }
  }

  @Test
  void aCommand_saysWhichStoreItUses_andWarnsWhenItCreatesOne() {
    Path data = dir.resolve("relative-elsewhere");
    assertThat(run(Map.of(), "tenant", "create", "acme", "--data", data.toString())).isZero();
    assertThat(err.toString())
        .isEqualTo(
            "scimd: store: SQLite in "
                + data.toAbsolutePath()
                + ": none there yet, creating a new, empty store (give --data or --db to use"
                + " another)\n");
    assertThat(run(Map.of("SCIMD_DATA", data.toString()), "tenant", "list")).isZero();
    assertThat(err.toString()).isEqualTo("scimd: store: SQLite in " + data.toAbsolutePath() + "\n");
    assertThat(out.toString()).contains("acme");
    // A command that only reads refuses a directory without a store, naming it absolutely.
    Path none = dir.resolve("none");
    assertThat(run(Map.of(), "audit", "verify", "--data", none.toString())).isEqualTo(2);
    assertThat(err.toString()).contains("no scimd store in " + none.toAbsolutePath());
    assertThat(none).doesNotExist();
  }

  @Test
  void aPortInUse_isSaidAsSuch_namingWhatSetIt() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      int port = taken.getLocalPort();
      Map<String, String> env = Map.of("SCIMD_BOOTSTRAP_TOKEN", TestServer.TOKEN);
      int code =
          run(
              env,
              "serve",
              "--port",
              Integer.toString(port),
              "--data",
              dir.resolve("a").toString());
      assertThat(code).isEqualTo(Main.EXIT_START);
      assertThat(err.toString())
          .isEqualTo(
              "scimd: cannot start: address 127.0.0.1:"
                  + port
                  + " is already in use; choose another --port\n");
      code =
          run(
              Map.of("SCIMD_BOOTSTRAP_TOKEN", TestServer.TOKEN, "SCIMD_PORT", "" + port),
              "serve",
              "--data",
              dir.resolve("a").toString());
      assertThat(code).isEqualTo(Main.EXIT_START);
      assertThat(err.toString()).endsWith("is already in use; choose another SCIMD_PORT\n");
      // A start that failed leaves the directory free for the next one.
      assertThat(Files.exists(dir.resolve("a").resolve(DataDirectoryLock.FILE))).isTrue();
      try (TestServer next = TestServer.start(dir.resolve("a"), TestServer.TOKEN)) {
        assertThat(next.send("GET", "/scim/v2/Users", null).statusCode()).isEqualTo(200);
      }
    }
  }

  @Test
  void version_saysTheVersionAndTheCommit() {
    assertThat(run(Map.of(), "--version")).isZero();
    BuildInfo build = BuildInfo.current();
    assertThat(build.version()).matches("\\d+\\.\\d+\\.\\d+(-SNAPSHOT)?");
    assertThat(out.toString())
        .isEqualTo(build.line() + "\n")
        .startsWith("scimd " + build.version() + " (commit ");
    assertThat(run(Map.of(), "serve", "-V")).isZero();
    assertThat(out.toString()).isEqualTo(build.line() + "\n");
    assertThat(new BuildInfo("1.2.3", null, null, false).line())
        .isEqualTo("scimd 1.2.3 (commit unknown: built without git)");
    assertThat(new BuildInfo("1.2.3", "0123456789ab", "2026-12-03T10:00:00Z", true).line())
        .isEqualTo(
            "scimd 1.2.3 (commit 0123456789ab with uncommitted changes, 2026-12-03T10:00:00Z)");
  }
}
