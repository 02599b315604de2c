package io.scimd.server.tenants;

import static io.scimd.server.http.TestServer.user;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.scimd.server.Main;
import io.scimd.server.ServerConfig;
import io.scimd.server.http.TestServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Schemas of one tenant only ({@code --schemas DIR} with {@code DIR/tenants/NAME/}), over HTTP: the
 * tenant gets its resource types and required extensions, the others do not see them.
 */
class TenantSchemasTest {
  static final String DEVICE =
      "{\"schemas\":[\"urn:example:scim:schemas:Device\"],\"serialNumber\":\"SN-1\"}";

  @TempDir Path dir;
  TestServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  Path schemasWith(String tenant) throws Exception {
    Path root = dir.resolve("schemas");
    Path own = Files.createDirectories(root.resolve("tenants").resolve(tenant));
    Path acme = Path.of(TenantSchemasTest.class.getResource("/schemas/acme").toURI());
    try (Stream<Path> files = Files.list(acme)) {
      for (Path f : files.toList()) {
        Files.copy(f, own.resolve(f.getFileName()));
      }
    }
    return root;
  }

  String token(ServerConfig config, String tenant) {
    StringWriter out = new StringWriter();
    CommandLine cl = Main.commandLine(Map.of(), s -> {});
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(new StringWriter(), true));
    String data = config.dataDir().toString();
    assertThat(cl.execute("tenant", "create", tenant, "--data", data)).isZero();
    assertThat(
            cl.execute(
                "token", "create", "--tenant", tenant, "--client", tenant + "-idp", "--data", data))
        .isZero();
    Matcher m = Pattern.compile("SCIMD_TOKEN=(\\S+)").matcher(out.toString());
    assertThat(m.find()).isTrue();
    return m.group(1);
  }

  HttpResponse<String> as(String token, String method, String path, String body) {
    return server.sendRaw(method, path, body, "Authorization", "Bearer " + token);
  }

  @Test
  void aTenantsOwnSchemas_applyToItAlone() throws Exception {
    ServerConfig config = TestServer.config().withSchemas(schemasWith("acme"));
    server = TestServer.start(config);
    String acme = token(config, "acme");

    assertThat(as(acme, "POST", "/tenants/acme/scim/v2/Devices", DEVICE).statusCode())
        .isEqualTo(201);
    assertThat(as(acme, "GET", "/tenants/acme/scim/v2/ResourceTypes", null).body())
        .contains("\"Device\"");
    HttpResponse<String> noBadge = as(acme, "POST", "/scim/v2/Users", user("alice"));
    assertThat(noBadge.statusCode()).as("acme's User extension is required").isEqualTo(400);
    assertThat(noBadge.body()).contains("extension:acme:2.0:User is required");

    assertThat(server.send("POST", "/scim/v2/Devices", DEVICE).statusCode())
        .as("the default tenant has no Devices")
        .isEqualTo(404);
    assertThat(server.send("POST", "/scim/v2/Users", user("alice")).statusCode()).isEqualTo(201);
    assertThat(server.sendRaw("GET", "/scim/v2/ResourceTypes", null).body())
        .doesNotContain("\"Device\"");
  }

  @Test
  void twoTenantsDefiningOneUrnApart_orAFolderThatIsNoTenantName_stopTheStart() throws Exception {
    Path root = schemasWith("acme");
    Path other = Files.createDirectories(root.resolve("tenants").resolve("globex"));
    Files.writeString(
        other.resolve("device.json"),
        "{\"id\":\"urn:example:scim:schemas:Device\",\"name\":\"Device\",\"attributes\":["
            + "{\"name\":\"imei\",\"type\":\"string\",\"multiValued\":false,\"required\":false,"
            + "\"mutability\":\"readWrite\",\"returned\":\"default\",\"uniqueness\":\"none\"}]}");
    ServerConfig config = TestServer.config().withSchemas(root);
    assertThatThrownBy(() -> TestServer.start(config))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("urn:example:scim:schemas:Device")
        .hasMessageContaining("another URN");

    Files.delete(other.resolve("device.json"));
    Files.delete(other);
    Files.createDirectories(root.resolve("tenants").resolve("Not_A_Tenant"));
    assertThatThrownBy(() -> TestServer.start(config))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Not_A_Tenant")
        .hasMessageContaining("invalid tenant name");
  }
}
