package io.scimd.server.http;

import static io.scimd.server.http.TestServer.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.scimd.server.ServerConfig;
import io.scimd.server.service.ServiceConfig;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Starting, restarting and refusing to start. */
class ServerLifecycleTest {
  @TempDir Path dir;

  @Test
  void emptyStore_withoutBootstrapToken_printsAGeneratedTokenOnce() {
    String token;
    try (TestServer first = TestServer.start(dir, null)) {
      Matcher m = Pattern.compile("SCIMD_TOKEN=(scimd_[A-Za-z0-9]{46})\\n").matcher(first.printed);
      assertThat(m.find()).as(first.printed).isTrue();
      token = m.group(1);
      HttpResponse<String> r =
          first.sendRaw("GET", "/scim/v2/Users", null, "Authorization", "Bearer " + token);
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    }
    try (TestServer again = TestServer.start(dir, null)) {
      assertThat(again.printed)
          .doesNotContain("SCIMD_TOKEN")
          .contains("using the store's existing credentials")
          .contains("scimd token create --client NAME");
      HttpResponse<String> r =
          again.sendRaw("GET", "/scim/v2/Users", null, "Authorization", "Bearer " + token);
      assertThat(r.statusCode()).isEqualTo(200);
    }
  }

  @Test
  void bootstrapToken_becomesTheFirstToken_andIsNotPrinted() {
    try (TestServer s = TestServer.start(dir, TestServer.TOKEN)) {
      assertThat(s.printed).doesNotContain(TestServer.TOKEN).contains("SCIMD_BOOTSTRAP_TOKEN");
      assertThat(s.send("GET", "/scim/v2/Groups", null).statusCode()).isEqualTo(200);
    }
  }

  @Test
  void aDifferentBootstrapToken_onAStoreWithCredentials_isIgnoredAndSaysSo() {
    try (TestServer first = TestServer.start(dir, TestServer.TOKEN)) {
      assertThat(first.printed).contains("created the client \"bootstrap\"");
    }
    String other = "another-bootstrap-token-of-at-least-32-chars";
    try (TestServer again = TestServer.start(dir, other)) {
      assertThat(again.printed).contains("SCIMD_BOOTSTRAP_TOKEN is ignored").doesNotContain(other);
      assertThat(
              again
                  .sendRaw("GET", "/scim/v2/Users", null, "Authorization", "Bearer " + other)
                  .statusCode())
          .isEqualTo(401);
      assertThat(again.send("GET", "/scim/v2/Users", null).statusCode()).isEqualTo(200);
    }
    try (TestServer same = TestServer.start(dir, TestServer.TOKEN)) {
      assertThat(same.printed).doesNotContain("is ignored");
    }
  }

  @Test
  void aStartThatCannotListen_createsNoCredential_soTheNextStartPrintsTheToken() throws Exception {
    try (TestServer holder = TestServer.start(dir.resolve("holder"), TestServer.TOKEN)) {
      Path data = dir.resolve("fresh");
      ServerConfig taken =
          new ServerConfig("127.0.0.1", holder.port(), data, null, null, ServiceConfig.DEFAULTS);
      assertThatThrownBy(() -> TestServer.start(taken))
          .isInstanceOf(IllegalStateException.class)
          .hasMessage(
              "address 127.0.0.1:" + holder.port() + " is already in use; choose another --port");
      try (TestServer next = TestServer.start(data, null)) {
        assertThat(next.printed).contains("SCIMD_TOKEN=scimd_");
      }
    }
  }

  @Test
  void shortBootstrapToken_refusesToStart() {
    assertThatThrownBy(
            () -> new ServerConfig("127.0.0.1", 0, dir, null, "too-short", ServiceConfig.DEFAULTS))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("SCIMD_BOOTSTRAP_TOKEN")
        .hasMessageContaining("32")
        .hasMessageNotContaining("too-short");
  }

  @Test
  void invalidSchemaDefinition_refusesToStart() throws Exception {
    Path schemas = Files.createDirectory(dir.resolve("schemas"));
    Files.writeString(schemas.resolve("bad.json"), "{\"id\":\"urn:example:Bad\"}");
    ServerConfig config =
        new ServerConfig(
            "127.0.0.1", 0, dir.resolve("data"), schemas, TestServer.TOKEN, ServiceConfig.DEFAULTS);
    assertThatThrownBy(() -> TestServer.start(config))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("attributes");
  }

  @Test
  void createdResource_survivesAServerThatWasKilled() throws Exception {
    Path data = dir.resolve("data");
    String id;
    try (ChildServer crashed =
        ChildServer.start(dir, List.of("-Xmx128m"), List.of("--data", data.toString()))) {
      HttpResponse<String> created =
          crashed.send("POST", "/scim/v2/Users", TestServer.user("durable.user"));
      assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
      id = json(created).path("id").asText();
      // SIGKILL: no shutdown hook, no close; its data directory's lock goes with the process, and
      // the next server on it must see everything the 201 promised.
      crashed.kill();
    }
    try (TestServer reopened = TestServer.start(data, TestServer.TOKEN)) {
      HttpResponse<String> r = reopened.send("GET", "/scim/v2/Users/" + id, null);
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      assertThat(json(r).path("userName").asText()).isEqualTo("durable.user");
    }
  }
}
