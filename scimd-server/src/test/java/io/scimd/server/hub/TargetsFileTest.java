package io.scimd.server.hub;

import static io.scimd.server.hub.WebhookReceiver.await;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.scimd.server.Main;
import io.scimd.server.ScimServer;
import io.scimd.server.ServerConfig;
import io.scimd.server.TestCli;
import io.scimd.server.http.TestServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Targets from a file: {@code scimd target apply --file} through Main beside a running server, and
 * {@code scimd serve --targets} through Main. Secrets come from the environment and from files; one
 * bad target changes nothing; an unchanged file changes nothing.
 */
class TargetsFileTest {
  static final String WEBHOOK_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

  ServerConfig config;
  TestServer server;
  TestServer downstream;
  Path dir;
  String out;
  String err;

  @BeforeEach
  void start() throws Exception {
    config = HubOverHttpTest.config();
    server = TestServer.start(config);
    downstream = TestServer.start();
    dir = Files.createTempDirectory("targets-file");
    Files.writeString(dir.resolve("hook.secret"), WEBHOOK_SECRET + "\n");
  }

  @AfterEach
  void stop() {
    server.close();
    downstream.close();
  }

  int scimd(Map<String, String> env, String... args) {
    TestCli.Run run = TestCli.onData(config.dataDir(), env, args);
    out = run.out();
    err = run.err();
    return run.code();
  }

  String yaml(String crmTimeout, String hookUrl) {
    return "targets:\n"
        + "  - name: crm\n"
        + "    type: scim\n"
        + "    url: "
        + downstream.url(TestServer.SCIM)
        + "\n"
        + "    auth: {bearer: {$env: CRM_TOKEN}}\n"
        + "    timeoutMs: "
        + crmTimeout
        + "\n"
        + "  - name: hooks\n"
        + "    type: webhook\n"
        + "    url: "
        + hookUrl
        + "\n"
        + "    secret: {$file: hook.secret}\n";
  }

  JsonNode target(String name) {
    return TestServer.json(server.send("GET", "/admin/v1/targets/" + name, null));
  }

  @Test
  void applyCreates_thenChangesNothingTwice_andOneBadTargetChangesNothing() throws Exception {
    Map<String, String> env = Map.of("CRM_TOKEN", TestServer.TOKEN);
    Path file =
        Files.writeString(dir.resolve("targets.yaml"), yaml("5000", "http://127.0.0.1:9/h"));
    assertThat(scimd(env, "target", "apply", "--file", file.toString())).as(err).isZero();
    assertThat(out).contains("created default/crm").contains("created default/hooks");
    assertThat(out).doesNotContain(TestServer.TOKEN).doesNotContain(WEBHOOK_SECRET);
    JsonNode crm = target("crm");
    assertThat(crm.path("timeoutMs").asInt()).isEqualTo(5000);
    assertThat(crm.toString()).doesNotContain(TestServer.TOKEN);
    assertThat(target("hooks").toString()).doesNotContain(WEBHOOK_SECRET);
    long crmVersion = crm.path("meta").path("version").asLong();
    long hooksVersion = target("hooks").path("meta").path("version").asLong();

    // The server delivers with the token the environment gave.
    server.scim().createUser("from-file");
    await(
        Duration.ofSeconds(30),
        () ->
            downstream
                    .scim()
                    .list("/Users?filter=" + TestServer.q("userName eq \"from-file\""))
                    .path("totalResults")
                    .asInt()
                == 1,
        "delivered to crm: " + target("crm").path("status"));

    // The same file again: nothing written.
    assertThat(scimd(env, "target", "apply", "--file", file.toString())).as(err).isZero();
    assertThat(out).contains("unchanged default/crm").contains("unchanged default/hooks");
    assertThat(out).contains("0 of 2");
    assertThat(target("crm").path("meta").path("version").asLong()).isEqualTo(crmVersion);
    assertThat(target("hooks").path("meta").path("version").asLong()).isEqualTo(hooksVersion);

    // A change of crm with a bad hooks URL: refused, naming hooks and its url; crm unchanged.
    Path bad = Files.writeString(dir.resolve("bad.yaml"), yaml("7000", "ftp://127.0.0.1/h"));
    assertThat(scimd(env, "target", "apply", "--file", bad.toString())).isEqualTo(2);
    assertThat(err).contains("target 'hooks'").contains("url");
    assertThat(target("crm").path("timeoutMs").asInt()).isEqualTo(5000);
    assertThat(target("crm").path("meta").path("version").asLong()).isEqualTo(crmVersion);

    // A secret the environment lacks: refused, naming the variable, nothing changed.
    Path changed =
        Files.writeString(dir.resolve("changed.yaml"), yaml("7000", "http://127.0.0.1:9/h"));
    assertThat(scimd(Map.of(), "target", "apply", "--file", changed.toString())).isEqualTo(2);
    assertThat(err).contains("target 'crm'").contains("CRM_TOKEN").contains("auth.bearer");
    assertThat(target("crm").path("meta").path("version").asLong()).isEqualTo(crmVersion);

    // With it: crm changes, hooks stays.
    assertThat(scimd(env, "target", "apply", "--file", changed.toString())).as(err).isZero();
    assertThat(out).contains("updated default/crm").contains("unchanged default/hooks");
    assertThat(target("crm").path("timeoutMs").asInt()).isEqualTo(7000);

    // Not a list, and JSON works as well as YAML.
    Path json = Files.writeString(dir.resolve("t.json"), "{\"name\": \"x\"}");
    assertThat(scimd(env, "target", "apply", "--file", json.toString())).isEqualTo(2);
    assertThat(err).contains("must hold a list of targets");
    Path list =
        Files.writeString(
            dir.resolve("t2.json"),
            "[{\"name\": \"hooks2\", \"type\": \"webhook\", \"url\": \"http://127.0.0.1:9/x\","
                + " \"secret\": {\"$file\": \"hook.secret\"}}]");
    assertThat(scimd(env, "target", "apply", "--file", list.toString())).as(err).isZero();
    assertThat(out).contains("created default/hooks2");
  }

  @Test
  void serveAppliesItsTargetsFileAtStart_andRefusesToStartOnABadOne() throws Exception {
    server.close();
    Path file =
        Files.writeString(dir.resolve("targets.yaml"), yaml("5000", "http://127.0.0.1:9/h"));
    Map<String, String> env =
        Map.of("CRM_TOKEN", TestServer.TOKEN, "SCIMD_BOOTSTRAP_TOKEN", TestServer.TOKEN);
    Path data = Files.createTempDirectory("serve-targets");
    CompletableFuture<ScimServer> started = new CompletableFuture<>();
    CommandLine cl = Main.commandLine(env, started::complete);
    StringWriter e = new StringWriter();
    cl.setErr(new PrintWriter(e, true));
    CompletableFuture<Integer> exit =
        CompletableFuture.supplyAsync(
            () ->
                cl.execute(
                    "serve",
                    "--data",
                    data.toString(),
                    "--port",
                    "0",
                    "--targets",
                    file.toString()));
    Object first = CompletableFuture.anyOf(started, exit).get(60, TimeUnit.SECONDS);
    assertThat(first).as("serve exited: " + e).isInstanceOf(ScimServer.class);
    try (TestServer t = TestServer.of((ScimServer) first)) {
      JsonNode crm = TestServer.json(t.send("GET", "/admin/v1/targets/crm", null));
      assertThat(crm.path("type").asText()).as(crm.toString()).isEqualTo("scim");
      assertThat(crm.path("timeoutMs").asInt()).isEqualTo(5000);
      assertThat(
              TestServer.json(t.send("GET", "/admin/v1/targets/hooks", null)).path("type").asText())
          .isEqualTo("webhook");
    }
    assertThat(exit.get(30, TimeUnit.SECONDS)).as(e.toString()).isZero();

    // A bad file: the server does not start, and says which target and what.
    Path bad = Files.writeString(dir.resolve("bad.yaml"), yaml("0", "http://127.0.0.1:9/h"));
    StringWriter e2 = new StringWriter();
    CommandLine cl2 = Main.commandLine(env, s -> s.close());
    cl2.setErr(new PrintWriter(e2, true));
    int code =
        cl2.execute("serve", "--data", data.toString(), "--port", "0", "--targets", bad.toString());
    assertThat(code).as(e2.toString()).isEqualTo(2);
    assertThat(e2.toString()).contains("target 'crm'").contains("timeoutMs");
  }
}
