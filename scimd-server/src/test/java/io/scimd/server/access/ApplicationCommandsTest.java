package io.scimd.server.access;

import static org.assertj.core.api.Assertions.assertThat;

import io.scimd.server.Main;
import io.scimd.server.http.TestServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code scimd application ...} on the data directory of a running server, as an operator runs it:
 * a config file applied whole or not at all, then seen by the server's decisions at once.
 */
class ApplicationCommandsTest {
  @TempDir Path dir;
  TestServer server;
  String out;
  String err;

  @BeforeEach
  void start() {
    server = TestServer.start(TestServer.config());
    String ada = server.scim().createUser("ada");
    String ops = server.scim().createGroup("ops");
    server
        .scim()
        .patchOk(
            "/Groups/" + ops,
            "{\"op\":\"add\",\"path\":\"members\",\"value\":[{\"value\":\"" + ada + "\"}]}");
  }

  @AfterEach
  void stop() {
    server.close();
  }

  int scimd(String... args) {
    StringWriter o = new StringWriter();
    StringWriter e = new StringWriter();
    CommandLine cl = Main.commandLine(Map.of(), s -> {});
    cl.setOut(new PrintWriter(o, true));
    cl.setErr(new PrintWriter(e, true));
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--data", server.dataDir.toString()));
    int code = cl.execute(all.toArray(String[]::new));
    out = o.toString();
    err = e.toString();
    return code;
  }

  @Test
  void applyListShowDecideRemove() throws Exception {
    Path file = dir.resolve("apps.json");
    Files.writeString(
        file,
        """
        {"applications": [
          {"name": "ci", "roles": [{"name": "deployer", "permissions": ["deploy"]}],
           "rules": [{"name": "ops", "groups": ["ops"], "roles": ["deployer"]}]},
          {"name": "wiki", "roles": [{"name": "editor"}],
           "rules": [{"filter": "userName sw \\"a\\"", "roles": ["editor"]}]}]}
        """);
    assertThat(scimd("application", "apply", file.toString())).as(err).isZero();
    assertThat(out).contains("'ci' saved (version 1)").contains("'wiki' saved (version 1)");
    assertThat(scimd("application", "list")).isZero();
    assertThat(out).contains("ci\tversion 1\t1 roles\t1 rules").contains("wiki");
    assertThat(scimd("application", "show", "ci")).isZero();
    assertThat(out).contains("\"deployer\"");

    assertThat(scimd("application", "decide", "ci", "ada", "deploy")).isZero();
    assertThat(out).contains("\"decision\" : true");
    assertThat(scimd("application", "decide", "wiki", "ada", "delete")).isEqualTo(3);
    // The running server answers from the same store.
    var r =
        server.send(
            "POST",
            "/access/v1/evaluation",
            "{\"subject\":{\"type\":\"user\",\"id\":\"ada\"},\"action\":{\"name\":\"editor\"},"
                + "\"resource\":{\"type\":\"application\",\"id\":\"wiki\"}}",
            "Content-Type",
            "application/json");
    assertThat(TestServer.json(r).path("decision").asBoolean()).isTrue();

    // Applying again replaces: a new version.
    assertThat(scimd("application", "apply", file.toString())).isZero();
    assertThat(scimd("application", "remove", "wiki")).isZero();
    assertThat(scimd("application", "show", "wiki")).isEqualTo(1);
    assertThat(err).contains("no application 'wiki'");
  }

  @Test
  void aFileWithAProblem_savesNothing_andNamesEveryProblem() throws Exception {
    Path file = dir.resolve("bad.json");
    Files.writeString(
        file,
        """
        [{"name": "ci", "roles": [{"name": "deployer"}], "rules": []},
         {"name": "wiki", "roles": [], "rules": [{"groups": ["nobody"], "roles": ["editor"]}]}]
        """);
    assertThat(scimd("application", "apply", file.toString())).isEqualTo(2);
    assertThat(err)
        .contains("application 'wiki': rules[0].groups[0]: no group \"nobody\"")
        .contains("application 'wiki': rules[0].roles: unknown role \"editor\"");
    assertThat(scimd("application", "list")).isZero();
    assertThat(out).isEmpty();
    Files.writeString(file, "not json");
    assertThat(scimd("application", "apply", file.toString())).isEqualTo(2);
    assertThat(err).contains("cannot read");
  }
}
