package io.scimd.server.hub;

import static io.scimd.server.hub.WebhookReceiver.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.scimd.server.ServerConfig;
import io.scimd.server.TestCli;
import io.scimd.server.http.TestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code scimd target ...} through Main's command line, on the SQLite store and hub key of a
 * running server, as an operator runs them beside it: the server delivers to the targets the CLI
 * saves.
 */
class TargetCommandsTest {
  ServerConfig config;
  TestServer server;
  WebhookReceiver receiver;
  String out;
  String err;

  @BeforeEach
  void start() throws Exception {
    config = HubOverHttpTest.config();
    server = TestServer.start(config);
    receiver = new WebhookReceiver();
  }

  @AfterEach
  void stop() {
    server.close();
    receiver.close();
  }

  int scimd(String... args) {
    TestCli.Run run = TestCli.onData(config.dataDir(), Map.of(), args);
    out = run.out();
    err = run.err();
    return run.code();
  }

  @Test
  void anOperatorManagesTargetsTheServerDeliversTo() {
    assertThat(scimd("target", "add", "crm", "--type", "webhook", "--url", receiver.url()))
        .as(err)
        .isZero();
    Matcher m = Pattern.compile("SECRET=(whsec_\\S+)").matcher(out);
    assertThat(m.find()).as(out).isTrue();
    String secret = m.group(1);
    receiver.secret(secret);

    server.scim().createUser("from-cli-target");
    await(Duration.ofSeconds(3), () -> receiver.accepted().size() == 1, "delivered");
    assertThat(receiver.accepted().get(0).signed()).isTrue();

    assertThat(scimd("target", "list")).as(err).isZero();
    assertThat(out).contains("crm").contains("webhook");
    assertThat(scimd("target", "show", "crm")).as(err).isZero();
    assertThat(out).contains(receiver.url()).doesNotContain(secret).contains("\"status\"");
    assertThat(scimd("target", "status", "crm")).as(err).isZero();
    assertThat(out).containsPattern("delivered\\s+1").contains("pending").contains("deadLetters");

    assertThat(scimd("target", "pause", "crm", "--reason", "maintenance")).as(err).isZero();
    assertThat(scimd("target", "status")).isZero();
    assertThat(out).contains("paused").contains("maintenance");
    assertThat(scimd("target", "resume", "crm")).as(err).isZero();
    assertThat(scimd("target", "dead-letters", "crm")).as(err).isZero();
    assertThat(out).contains("SEQ");
    assertThat(scimd("target", "replay", "crm")).as(err).isZero();
    assertThat(out).contains("marked 0");

    // Rewound to the change delivered above: the server's worker sends it again.
    long seq = receiver.accepted().get(0).seq();
    assertThat(scimd("target", "rewind", "crm", "--seq", Long.toString(seq))).as(err).isZero();
    assertThat(out).contains("from journal entry " + seq);
    await(Duration.ofSeconds(5), () -> receiver.accepted().size() == 2, "sent again");
    assertThat(receiver.accepted().get(1).id()).isEqualTo(receiver.accepted().get(0).id());
    assertThat(scimd("target", "rewind", "crm")).isNotZero();
    assertThat(err).contains("--seq").contains("--at");
    assertThat(scimd("target", "rewind", "crm", "--at", "2000-01-01T00:00:00Z")).as(err).isZero();
    assertThat(scimd("target", "rewind", "crm", "--seq", "999999")).isNotZero();
    assertThat(err).contains("the journal holds entries");

    assertThat(scimd("target", "remove", "crm")).as(err).isZero();
    assertThat(scimd("target", "show", "crm")).isEqualTo(1);
    assertThat(err).contains("no target 'crm'");
  }

  @Test
  void badDefinitionsAndMissingTargetsAreClearErrors() throws Exception {
    assertThat(scimd("target", "add", "x", "--type", "webhook", "--url", "ftp://nope/"))
        .isEqualTo(2);
    assertThat(err).contains("'url'");
    assertThat(scimd("target", "add", "x", "--type", "smoke-signal")).isEqualTo(2);
    assertThat(err).contains("unknown target type");
    assertThat(
            scimd(
                "target",
                "add",
                "x",
                "--type",
                "webhook",
                "--url",
                receiver.url(),
                "--set",
                "colour=red"))
        .isEqualTo(2);
    assertThat(err).contains("'colour'");
    assertThat(
            scimd(
                "target",
                "add",
                "x",
                "--type",
                "webhook",
                "--url",
                receiver.url(),
                "--secret",
                "hunter2"))
        .isEqualTo(2);
    assertThat(err).contains("whsec_").doesNotContain("hunter2");

    Path def = Files.createTempFile("target", ".json");
    Files.writeString(
        def, "{\"type\":\"webhook\",\"url\":\"" + receiver.url() + "\",\"timeoutMs\":1500}");
    assertThat(scimd("target", "add", "y", "--file", def.toString(), "--set", "timeoutMs=2500"))
        .as(err)
        .isZero();
    assertThat(scimd("target", "show", "y")).isZero();
    assertThat(out).contains("\"timeoutMs\" : 2500");
    assertThat(scimd("target", "add", "y", "--file", def.toString())).isEqualTo(1);
    assertThat(err).contains("already");

    assertThat(scimd("target", "replay", "nope")).isEqualTo(1);
    assertThat(err).contains("no target 'nope'");
    assertThat(scimd("target", "status", "nope")).isEqualTo(1);
    // The CLI seals with the server's key: a file that holds no key is refused.
    Path loose = Files.createTempFile("hub", ".key");
    Files.writeString(loose, "AAAA");
    assertThat(scimd("target", "list", "--hub-key", loose.toString())).isEqualTo(2);
    assertThat(err).contains("hub key");
  }

  @Test
  void aTenantSeesAndReceivesOnlyItsOwnTargets() throws Exception {
    assertThat(scimd("target", "add", "crm", "--type", "webhook", "--url", receiver.url()))
        .as(err)
        .isZero();
    assertThat(scimd("tenant", "create", "acme")).as(err).isZero();
    assertThat(
            scimd(
                "client",
                "create",
                "acme-admin",
                "--tenant",
                "acme",
                "--scope",
                "admin,scim:read,scim:write",
                "--token"))
        .as(err)
        .isZero();
    Matcher t = Pattern.compile("SCIMD_TOKEN=(\\S+)").matcher(out);
    assertThat(t.find()).as(out).isTrue();
    String acme = "Bearer " + t.group(1);

    // Acme's admin finds none of the default tenant's targets, exactly as ones that do not exist.
    assertThat(server.send("GET", "/admin/v1/targets", null, "Authorization", acme).body())
        .doesNotContain("crm");
    assertThat(
            server.send("GET", "/admin/v1/targets/crm", null, "Authorization", acme).statusCode())
        .isEqualTo(404);
    assertThat(
            server
                .send("DELETE", "/admin/v1/targets/crm", null, "Authorization", acme)
                .statusCode())
        .isEqualTo(404);
    assertThat(scimd("target", "list", "--tenant", "acme")).isZero();
    assertThat(out).doesNotContain("crm");

    // Acme's changes do not reach the default tenant's target.
    server.client("Authorization", acme).createUser("acme-user");
    Thread.sleep(500);
    assertThat(receiver.all()).isEmpty();
    assertThat(scimd("target", "show", "crm")).isZero();
    assertThat(out).contains("\"delivered\" : 0");
  }
}
