package io.scimd.server.hub;

import static org.assertj.core.api.Assertions.assertThat;

import io.scimd.server.Main;
import io.scimd.server.ScimServer;
import io.scimd.server.http.TestServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code serve}'s hub options, from flags and the environment, through Main in-process. */
class HubOptionsTest {
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
  void keyFileAllowListAndNoDeliveryFromTheEnvironmentAndFlags() throws Exception {
    Path key = dir.resolve("keys/hub.key");
    try (WebhookReceiver receiver = new WebhookReceiver()) {
      Map<String, String> env =
          Map.of(
              "SCIMD_HUB_KEY_FILE",
              key.toString(),
              "SCIMD_TARGET_ALLOW",
              "https://crm.example/," + receiver.url(),
              "SCIMD_BOOTSTRAP_TOKEN",
              TestServer.TOKEN);
      CompletableFuture<ScimServer> started = new CompletableFuture<>();
      CommandLine cl = cli(env, started);
      CompletableFuture<Integer> exit =
          CompletableFuture.supplyAsync(
              () ->
                  cl.execute(
                      "serve",
                      "--port",
                      "0",
                      "--data",
                      dir.resolve("data").toString(),
                      "--no-delivery"));
      TestServer server = TestServer.of(started.get(30, TimeUnit.SECONDS));
      try {
        assertThat(Files.getPosixFilePermissions(key))
            .isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(dir.resolve("data").resolve(HubKey.FILE)).doesNotExist();

        HttpResponse<String> off =
            server.send(
                "POST",
                "/admin/v1/targets",
                "{\"name\":\"x\",\"type\":\"webhook\",\"url\":\"http://127.0.0.1:1/other\"}",
                "Content-Type",
                "application/json");
        HubOverHttpTest.assertProblem(off, 400, "allow-list");
        assertThat(TestServer.json(off).path("detail").asText()).contains("https://crm.example/");

        HttpResponse<String> on =
            server.send(
                "POST",
                "/admin/v1/targets",
                "{\"name\":\"crm\",\"type\":\"webhook\",\"url\":\"" + receiver.url() + "\"}",
                "Content-Type",
                "application/json");
        assertThat(on.statusCode()).as(on.body()).isEqualTo(201);
        server.scim().createUser("not-delivered-here");
        Thread.sleep(500);
        assertThat(receiver.all()).as("this node does not deliver").isEmpty();
      } finally {
        server.close();
      }
      assertThat(exit.get(30, TimeUnit.SECONDS)).as(err.toString()).isZero();
    }
  }

  @Test
  void aHubKeyOthersMayReadStopsTheStart() throws Exception {
    Path key = dir.resolve("hub.key");
    Files.writeString(key, "AAAA");
    Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-r--r--"));
    int code =
        cli(Map.of(), new CompletableFuture<>())
            .execute(
                "serve",
                "--port",
                "0",
                "--data",
                dir.resolve("data").toString(),
                "--hub-key",
                key.toString());
    assertThat(code).isEqualTo(2);
    assertThat(err.toString()).contains("invalid configuration").contains("chmod 600");
  }
}
