package io.scimd.server.tenants;

import static io.scimd.server.http.TestServer.user;
import static org.assertj.core.api.Assertions.assertThat;

import io.scimd.server.Main;
import io.scimd.server.ServerConfig;
import io.scimd.server.http.TestServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@code scimd tenant create|list|delete} and {@code scimd token create --tenant}, run through
 * Main's command line on the store a running server uses, as an operator runs them beside it. On
 * SQLite here and on PostgreSQL in {@link PostgresTenantCommandsTest}.
 */
class TenantCommandsTest {
  ServerConfig config;
  TestServer server;
  String out;
  String err;

  ServerConfig config() throws Exception {
    return TestServer.config();
  }

  @BeforeEach
  void start() throws Exception {
    config = config();
    server = TestServer.start(config);
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  List<String> storeArgs() {
    return config.database() != null
        ? List.of("--db", config.database())
        : List.of("--data", config.dataDir().toString());
  }

  /** Runs {@code scimd args... <the server's store>}; its output in {@link #out}, {@link #err}. */
  int scimd(String... args) {
    StringWriter o = new StringWriter();
    StringWriter e = new StringWriter();
    CommandLine cl = Main.commandLine(Map.of(), s -> {});
    cl.setOut(new PrintWriter(o, true));
    cl.setErr(new PrintWriter(e, true));
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(storeArgs());
    int code = cl.execute(all.toArray(String[]::new));
    out = o.toString();
    err = e.toString();
    return code;
  }

  String token(String tenant) {
    assertThat(scimd("token", "create", "--tenant", tenant, "--name", tenant + "-idp"))
        .as(err)
        .isZero();
    assertThat(out).contains("of tenant \"" + tenant + "\"");
    Matcher m = Pattern.compile("SCIMD_TOKEN=(\\S+)").matcher(out);
    assertThat(m.find()).as(out).isTrue();
    return m.group(1);
  }

  /** The rows of {@code tenant list}: name, resources, credentials. */
  List<String> listed() {
    assertThat(scimd("tenant", "list")).as(err).isZero();
    List<String> lines = out.strip().lines().toList();
    assertThat(lines.get(0))
        .startsWith("NAME")
        .contains("CREATED")
        .contains("RESOURCES")
        .contains("CREDENTIALS");
    return lines.stream()
        .skip(1)
        .map(l -> l.trim().split("\\s+"))
        .map(f -> f[0] + " " + f[2] + " " + f[3])
        .toList();
  }

  @Test
  void create_list_andTokens_ofATenant() {
    assertThat(scimd("tenant", "create", "acme")).as(err).isZero();
    assertThat(out)
        .contains("created tenant \"acme\"")
        .contains("/tenants/acme/scim/v2")
        .contains("token create --tenant acme");
    assertThat(listed()).containsExactly("acme 0 0", "default 0 1");
    String token = token("acme");
    assertThat(
            server
                .sendRaw(
                    "POST",
                    "/tenants/acme/scim/v2/Users",
                    user("alice"),
                    "Authorization",
                    "Bearer " + token)
                .statusCode())
        .isEqualTo(201);
    assertThat(listed()).containsExactly("acme 1 1", "default 0 1");

    assertThat(scimd("tenant", "create", "acme")).isEqualTo(1);
    // The last line: every command says first which store it uses.
    assertThat(err).endsWith("scimd: the tenant \"acme\" exists already" + System.lineSeparator());
  }

  @Test
  void invalidNames_andMissingTenants_areRefusedWithTheRule() {
    for (String bad : List.of("Acme", "x-", "a_b", "x".repeat(64))) {
      assertThat(scimd("tenant", "create", bad)).as(bad).isEqualTo(2);
      assertThat(err)
          .as(bad)
          .contains("invalid tenant name")
          .contains("1 to 63 lower-case letters, digits and '-'");
    }
    assertThat(scimd("token", "create", "--tenant", "nowhere", "--name", "x")).isEqualTo(2);
    assertThat(err).contains("no tenant 'nowhere'").contains("scimd tenant create nowhere");
    assertThat(out).doesNotContain("SCIMD_TOKEN");
    assertThat(scimd("tenant", "delete", "nowhere")).isEqualTo(1);
    assertThat(err).contains("no tenant \"nowhere\"");
    assertThat(scimd("tenant", "delete", "default", "--force")).isEqualTo(2);
    assertThat(err).contains("\"default\" cannot be deleted");
    assertThat(listed()).containsExactly("default 0 1");
  }

  @Test
  void delete_refusesATenantThatHoldsAnything_unlessForced() throws Exception {
    scimd("tenant", "create", "empty");
    assertThat(scimd("tenant", "delete", "empty")).as(err).isZero();
    assertThat(out)
        .contains("deleted tenant \"empty\" with 0 resource(s); 0 credential(s) revoked");

    scimd("tenant", "create", "acme");
    String token = token("acme");
    assertThat(scimd("tenant", "delete", "acme")).isEqualTo(1);
    assertThat(err)
        .contains("still holds 0 resource(s) and 1 live credential(s)")
        .contains("--force");
    server.sendRaw("POST", "/scim/v2/Users", user("alice"), "Authorization", "Bearer " + token);
    assertThat(scimd("tenant", "delete", "acme")).isEqualTo(1);
    assertThat(err).contains("still holds 1 resource(s) and 1 live credential(s)");
    assertThat(listed()).containsExactly("acme 1 1", "default 0 1");

    assertThat(scimd("tenant", "delete", "acme", "--force")).as(err).isZero();
    assertThat(out).contains("deleted tenant \"acme\" with 1 resource(s); 1 credential(s) revoked");
    assertThat(listed()).containsExactly("default 0 1");
    Thread.sleep(600); // a verified token is trusted for at most half a second
    assertThat(
            server
                .sendRaw("GET", "/scim/v2/Users", null, "Authorization", "Bearer " + token)
                .statusCode())
        .isEqualTo(401);
  }

  @Test
  void eachTenantsAuditTrail_isChainedOnItsOwn_andStaysIntactThroughAForcedDelete() {
    scimd("tenant", "create", "acme");
    String token = token("acme");
    server.sendRaw("POST", "/scim/v2/Users", user("alice"), "Authorization", "Bearer " + token);
    server.sendRaw("POST", "/scim/v2/Users", user("bob"), "Authorization", "Bearer " + token);
    server.sendRaw(
        "POST", "/scim/v2/Users", user("carol"), "Authorization", "Bearer " + TestServer.TOKEN);
    assertThat(scimd("audit", "verify")).as(out + err).isZero();
    // default: the bootstrap client and its token, carol; acme: its creation, its client and
    // token, two users
    assertThat(out).contains("intact: 8 entries in 2 tenants");

    assertThat(scimd("tenant", "delete", "acme", "--force")).as(err).isZero();
    scimd("tenant", "create", "acme");
    String again = token("acme");
    server.sendRaw("POST", "/scim/v2/Users", user("alice"), "Authorization", "Bearer " + again);
    // acme, in one chain: the five before, the forced delete's two users, token, client and the
    // tenant itself, then its creation again, a new client, its token and a user.
    assertThat(scimd("audit", "verify")).as(out + err).isZero();
    assertThat(out).contains("intact: 17 entries in 2 tenants");
  }

  @Test
  void delete_ofATenantWithResourcesOfExtraTypes_needsTheServersSchemas() throws Exception {
    server.close();
    Path schemas = Path.of(resource("/schemas/acme"));
    config = config.withSchemas(schemas);
    server = TestServer.start(config);
    scimd("tenant", "create", "globex");
    String token = token("globex");
    String device = "{\"schemas\":[\"urn:example:scim:schemas:Device\"],\"serialNumber\":\"SN-1\"}";
    assertThat(
            server
                .sendRaw("POST", "/scim/v2/Devices", device, "Authorization", "Bearer " + token)
                .statusCode())
        .isEqualTo(201);

    assertThat(scimd("tenant", "delete", "globex", "--force")).isEqualTo(1);
    assertThat(err).contains("1 Device").contains("--schemas").contains("nothing was deleted");
    assertThat(listed()).containsExactly("default 0 1", "globex 1 1");

    assertThat(scimd("tenant", "delete", "globex", "--force", "--schemas", schemas.toString()))
        .as(err)
        .isZero();
    assertThat(listed()).containsExactly("default 0 1");
    assertThat(Files.isDirectory(schemas)).isTrue();
  }

  private static java.net.URI resource(String name) throws URISyntaxException {
    return TenantCommandsTest.class.getResource(name).toURI();
  }
}
