package io.scimd.server.hub;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import io.scimd.server.ServerConfig;
import io.scimd.server.TestCli;
import io.scimd.server.http.TestServer;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code scimd import --on-conflict update} of a target that exists: an import file must not carry
 * the target's stored credentials to another address, and its addresses pass the URL rules a save
 * applies.
 */
class ImportTargetTest {
  @TempDir Path tmp;
  ServerConfig config;
  TestServer up;
  TestServer downstream;
  HttpServer elsewhere;
  final List<String> authorizationsElsewhere = new CopyOnWriteArrayList<>();
  String out = "";
  String err = "";

  @BeforeEach
  void start() throws Exception {
    config = HubOverHttpTest.config();
    up = TestServer.start(config);
    downstream = TestServer.start();
    elsewhere = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    elsewhere.createContext(
        "/",
        x -> {
          String a = x.getRequestHeaders().getFirst("Authorization");
          authorizationsElsewhere.add(a == null ? "(none)" : a);
          x.sendResponseHeaders(503, -1);
          x.close();
        });
    elsewhere.start();
  }

  @AfterEach
  void stop() {
    elsewhere.stop(0);
    up.close();
    downstream.close();
  }

  int scimd(String... args) {
    TestCli.Run run = TestCli.onData(config.dataDir(), Map.of(), args);
    out = run.out();
    err = run.err();
    return run.code();
  }

  JsonNode target() {
    HttpResponse<String> r = up.send("GET", "/admin/v1/targets/crm", null);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return TestServer.json(r);
  }

  /** An export of the tenant with the crm target, its url given by {@code url}. */
  Path exportWith(String url) throws Exception {
    Path file = tmp.resolve("export-" + System.nanoTime() + ".jsonl");
    assertThat(scimd("export", "--out", file.toString())).as(err).isZero();
    String text = Files.readString(file);
    assertThat(text).contains(downstream.url(TestServer.SCIM));
    Files.writeString(file, text.replace(downstream.url(TestServer.SCIM), url));
    return file;
  }

  @Test
  void anImportThatMovesATarget_dropsItsSecrets_andPausesIt() throws Exception {
    HttpResponse<String> created =
        up.send(
            "POST",
            "/admin/v1/targets",
            "{\"name\":\"crm\",\"type\":\"scim\",\"url\":\""
                + downstream.url(TestServer.SCIM)
                + "\",\"auth\":{\"bearer\":\""
                + TestServer.TOKEN
                + "\"}}",
            "Content-Type",
            "application/json");
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);

    // The same address: the target keeps its secrets and keeps delivering.
    Path same = exportWith(downstream.url(TestServer.SCIM));
    assertThat(scimd("import", same.toString(), "--on-conflict", "update")).as(out + err).isZero();
    assertThat(out).doesNotContain("secrets were dropped");
    assertThat(target().path("status").path("state").asText()).isNotEqualTo("paused");

    String attacker = "http://127.0.0.1:" + elsewhere.getAddress().getPort() + "/scim/v2";
    Path moved = exportWith(attacker);
    // A dry run says it first, in the words of the real run's notice, and changes nothing.
    assertThat(scimd("import", same.toString(), "--on-conflict", "update", "--dry-run"))
        .as(out + err)
        .isZero();
    assertThat(out).doesNotContain("secrets would be dropped");
    assertThat(scimd("import", moved.toString(), "--on-conflict", "update", "--dry-run"))
        .as(out + err)
        .isZero();
    assertThat(out)
        .contains(
            "scimd: target \"crm\": its address would change, so its secrets would be dropped and"
                + " it paused: set them (scimd target update), then resume it\n"
                + "scimd: dry run, nothing was written");
    JsonNode unchanged = target();
    assertThat(unchanged.path("url").asText()).isEqualTo(downstream.url(TestServer.SCIM));
    assertThat(unchanged.path("status").path("state").asText()).isNotEqualTo("paused");

    assertThat(scimd("import", moved.toString(), "--on-conflict", "update")).as(out + err).isZero();
    assertThat(out)
        .contains(
            "scimd: target \"crm\": its address changed, so its secrets were dropped and it is"
                + " paused: set them (scimd target update), then resume it\n");
    JsonNode t = target();
    assertThat(t.path("url").asText()).isEqualTo(attacker);
    assertThat(t.path("status").path("state").asText()).as(t.toString()).isEqualTo("paused");
    assertThat(t.path("status").path("pausedReason").asText()).contains("secrets were dropped");

    // Resumed by mistake, it still has no credentials to send anywhere.
    assertThat(up.send("POST", "/admin/v1/targets/crm/resume", null).statusCode()).isEqualTo(200);
    up.client().createUser("bait");
    long until = System.nanoTime() + 30_000_000_000L;
    while (!target().path("status").has("lastError") && System.nanoTime() < until) {
      Thread.sleep(100);
    }
    assertThat(target().path("status").path("lastError").asText()).contains("bearer");
    assertThat(authorizationsElsewhere).noneMatch(a -> a.contains(TestServer.TOKEN));
  }

  @Test
  void anImportedTargetAddress_passesTheUrlRulesOfASave() throws Exception {
    HttpResponse<String> created =
        up.send(
            "POST",
            "/admin/v1/targets",
            "{\"name\":\"crm\",\"type\":\"scim\",\"url\":\""
                + downstream.url(TestServer.SCIM)
                + "\",\"auth\":{\"bearer\":\""
                + TestServer.TOKEN
                + "\"}}",
            "Content-Type",
            "application/json");
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    String before = target().path("meta").path("version").asText();

    Path bad = exportWith("file:///etc/scim");
    assertThat(scimd("import", bad.toString(), "--on-conflict", "update")).isEqualTo(1);
    assertThat(err).contains("'url' must be an absolute http or https URL");

    Path other = exportWith("http://127.0.0.1:1/scim/v2");
    assertThat(
            scimd(
                "import",
                other.toString(),
                "--on-conflict",
                "update",
                "--target-allow",
                "https://crm.example/"))
        .isEqualTo(1);
    assertThat(err).contains("not on this server's target allow-list");

    JsonNode t = target();
    assertThat(t.path("url").asText()).isEqualTo(downstream.url(TestServer.SCIM));
    assertThat(t.path("meta").path("version").asText()).isEqualTo(before);
  }
}
