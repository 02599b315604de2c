package io.scimd.server.clients;

import static io.scimd.server.http.TestServer.user;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.scimd.server.Main;
import io.scimd.server.ServerConfig;
import io.scimd.server.http.TestServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.http.HttpResponse;
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
 * Clients, scopes and tokens through the real interfaces: {@code scimd client ...} and {@code scimd
 * token ...} run through Main's command line on the store of a running server, the SCIM endpoints
 * and the admin API over HTTP. On SQLite here and on PostgreSQL in {@link
 * PostgresClientsAndTokensTest}.
 */
class ClientsAndTokensTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final Pattern TOKEN = Pattern.compile("SCIMD_TOKEN=(\\S+)");

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

  /** Runs {@code scimd args... <the server's store>}; its output in {@link #out}, {@link #err}. */
  int scimd(String... args) {
    StringWriter o = new StringWriter();
    StringWriter e = new StringWriter();
    CommandLine cl = Main.commandLine(Map.of(), s -> {});
    cl.setOut(new PrintWriter(o, true));
    cl.setErr(new PrintWriter(e, true));
    List<String> all = new ArrayList<>(List.of(args));
    if (config.database() != null) {
      all.addAll(List.of("--db", config.database()));
    } else {
      all.addAll(List.of("--data", config.dataDir().toString()));
    }
    int code = cl.execute(all.toArray(String[]::new));
    out = o.toString();
    err = e.toString();
    return code;
  }

  String printed(Pattern p) {
    Matcher m = p.matcher(out);
    assertThat(m.find()).as(out + err).isTrue();
    return m.group(1);
  }

  HttpResponse<String> as(String token, String method, String path, String body) {
    return server.sendRaw(method, path, body, "Authorization", "Bearer " + token);
  }

  int status(String token, String method, String path, String body) {
    return as(token, method, path, body).statusCode();
  }

  static JsonNode json(HttpResponse<String> r) throws Exception {
    return JSON.readTree(r.body());
  }

  /** Waits out the half second a node trusts a token it verified. */
  static void pastTheCache() throws InterruptedException {
    Thread.sleep(600);
  }

  @Test
  void tokenCreate_withANameInUse_orNoName_createsNothing_andSaysWhatToDo() throws Exception {
    assertThat(scimd("token", "create", "--name", "okta")).as(err).isZero();
    String first = printed(Pattern.compile("SCIMD_TOKEN=(\\S+)"));
    assertThat(scimd("token", "create", "--name", "okta")).isEqualTo(1);
    assertThat(err)
        .endsWith(
            "scimd: a client named \"okta\" exists already in the tenant \"default\": nothing was"
                + " created; to give it another credential use --client okta, or choose another"
                + " --name\n");
    assertThat(out).doesNotContain("SCIMD_TOKEN");
    assertThat(scimd("token", "list", "--client", "okta")).isZero();
    assertThat(out.lines().count()).as(out).isEqualTo(2); // the header and the one credential
    // --client is for one that exists: it gets another credential, and the first still works.
    assertThat(scimd("token", "create", "--client", "okta")).as(err).isZero();
    assertThat(status(first, "GET", "/scim/v2/Users", null)).isEqualTo(200);

    for (String blank : List.of("", "   ")) {
      assertThat(scimd("token", "create", "--name", blank)).isEqualTo(2);
      assertThat(err).startsWith("scimd: invalid client name: use 1 to 100 characters");
    }
    assertThat(scimd("token", "create")).isEqualTo(2);
    assertThat(err).contains("give the client: --client ID-OR-NAME, or --name NEW-NAME");
    assertThat(scimd("token", "create", "--name", "a", "--client", "b")).isEqualTo(2);
    assertThat(err).contains("not both");
  }

  @Test
  void aReadOnlyClient_canReadButNotWrite_andIsToldWhichScopeItLacks() throws Exception {
    assertThat(scimd("client", "create", "auditor", "--scope", "scim:read", "--token"))
        .as(err)
        .isZero();
    assertThat(out).contains("created client \"auditor\"").contains("scopes scim:read");
    String token = printed(TOKEN);
    assertThat(token).matches("scimd_[0-9A-Za-z]{46}");

    assertThat(status(token, "GET", "/scim/v2/Users", null)).isEqualTo(200);
    HttpResponse<String> refused = as(token, "POST", "/scim/v2/Users", user("mallory"));
    assertThat(refused.statusCode()).isEqualTo(403);
    assertThat(json(refused).get("detail").asText())
        .contains("scim:write:User")
        .contains("scim:write for every resource type");
    assertThat(refused.headers().firstValue("WWW-Authenticate").orElseThrow())
        .contains("error=\"insufficient_scope\"")
        .contains("scope=\"scim:write:User\"");
    String bulk =
        "{\"schemas\":[\"urn:ietf:params:scim:api:messages:2.0:BulkRequest\"],\"Operations\":["
            + "{\"method\":\"POST\",\"path\":\"/Users\",\"bulkId\":\"a\",\"data\":"
            + user("mallory")
            + "}]}";
    HttpResponse<String> b = as(token, "POST", "/scim/v2/Bulk", bulk);
    assertThat(json(b).at("/Operations/0/status").asText()).isEqualTo("403");
    assertThat(
            json(as(TestServer.TOKEN, "GET", "/scim/v2/Users", null)).get("totalResults").asInt())
        .as("nothing was written")
        .isZero();
  }

  @Test
  void scopesOfOneResourceType_allowThatTypeOnly() throws Exception {
    assertThat(
            scimd("client", "create", "hr", "--scope", "scim:read:User scim:write:User", "--token"))
        .as(err)
        .isZero();
    String token = printed(TOKEN);
    assertThat(status(token, "POST", "/scim/v2/Users", user("alice"))).isEqualTo(201);
    assertThat(status(token, "GET", "/scim/v2/Users", null)).isEqualTo(200);
    assertThat(status(token, "GET", "/scim/v2/Groups", null)).isEqualTo(403);
    assertThat(status(token, "GET", "/scim/v2/", null)).as("a query across types").isEqualTo(403);
    assertThat(status(token, "GET", "/scim/v2/ServiceProviderConfig", null))
        .as("discovery needs no scope")
        .isEqualTo(200);
    String bulk =
        "{\"schemas\":[\"urn:ietf:params:scim:api:messages:2.0:BulkRequest\"],\"Operations\":["
            + "{\"method\":\"POST\",\"path\":\"/Groups\",\"bulkId\":\"g\",\"data\":"
            + "{\"schemas\":[\"urn:ietf:params:scim:schemas:core:2.0:Group\"],\"displayName\":\"x\"}},"
            + "{\"method\":\"POST\",\"path\":\"/Users\",\"bulkId\":\"u\",\"data\":"
            + user("bob")
            + "}]}";
    JsonNode ops = json(as(token, "POST", "/scim/v2/Bulk", bulk)).get("Operations");
    assertThat(ops.get(0).get("status").asText()).isEqualTo("403");
    assertThat(ops.get(1).get("status").asText()).isEqualTo("201");

    assertThat(scimd("client", "create", "bad", "--scope", "scim:delete")).isEqualTo(2);
    assertThat(err).contains("unknown scope 'scim:delete'");
  }

  @Test
  void everyWrongToken_getsTheSame401() throws Exception {
    scimd("client", "create", "okta", "--token");
    String token = printed(TOKEN);
    scimd("token", "create", "--client", "okta", "--type", "client-secret");
    String secret = printed(Pattern.compile("SCIMD_CLIENT_SECRET=(\\S+)"));
    assertThat(secret).matches("scimds_[0-9A-Za-z]{46}");
    char last = token.charAt(token.length() - 1);
    String typo = token.substring(0, token.length() - 1) + (last == 'a' ? 'b' : 'a');

    HttpResponse<String> unknown =
        as(token.substring(0, 6) + "0".repeat(46), "GET", "/scim/v2/Users", null);
    for (String wrong : List.of(typo, secret, "not-even-a-token", token + "x")) {
      HttpResponse<String> r = as(wrong, "GET", "/scim/v2/Users", null);
      assertThat(r.statusCode()).as(wrong).isEqualTo(401);
      assertThat(r.body()).as(wrong).isEqualTo(unknown.body());
      assertThat(r.headers().firstValue("WWW-Authenticate"))
          .isEqualTo(unknown.headers().firstValue("WWW-Authenticate"));
    }
    assertThat(status(token, "GET", "/scim/v2/Users", null)).isEqualTo(200);
  }

  @Test
  void rotation_keepsTheOldTokenWorkingForTheOverlap_thenOnlyTheNewOne() throws Exception {
    scimd("client", "create", "okta", "--token");
    String old = printed(TOKEN);
    assertThat(scimd("token", "rotate", "--client", "okta", "--overlap", "2s")).as(err).isZero();
    assertThat(out).contains("works until");
    String fresh = printed(TOKEN);
    assertThat(status(old, "GET", "/scim/v2/Users", null)).as("during the overlap").isEqualTo(200);
    assertThat(status(fresh, "GET", "/scim/v2/Users", null)).isEqualTo(200);

    assertThat(scimd("token", "list", "--client", "okta")).as(err).isZero();
    assertThat(out).contains("bearer").contains("scimd_").doesNotContain(old).doesNotContain(fresh);
    assertThat(out.strip().lines()).hasSize(3);

    Thread.sleep(2_100);
    assertThat(status(old, "GET", "/scim/v2/Users", null)).as("after the overlap").isEqualTo(401);
    assertThat(status(fresh, "GET", "/scim/v2/Users", null)).isEqualTo(200);
  }

  @Test
  void aClientHoldsAtMostTheConfiguredNumberOfTokens_andARevokedOneStopsAtOnce() throws Exception {
    scimd("client", "create", "okta");
    String first = null;
    for (int i = 0; i < 2; i++) {
      assertThat(scimd("token", "create", "--client", "okta", "--max-tokens-per-client", "2"))
          .as(err)
          .isZero();
      first = first == null ? printed(TOKEN) : first;
    }
    assertThat(scimd("token", "create", "--client", "okta", "--max-tokens-per-client", "2"))
        .isEqualTo(1);
    assertThat(err).contains("holds 2 live tokens, the most allowed (2)");
    assertThat(status(first, "GET", "/scim/v2/Users", null)).isEqualTo(200);

    scimd("token", "list", "--client", "okta");
    String id = out.strip().lines().skip(1).findFirst().orElseThrow().split("\\s+")[0];
    assertThat(scimd("token", "revoke", id)).as(err).isZero();
    pastTheCache();
    assertThat(status(first, "GET", "/scim/v2/Users", null)).isEqualTo(401);
    assertThat(scimd("token", "revoke", id)).isEqualTo(1);
    assertThat(err).contains("no live credential");

    assertThat(scimd("client", "delete", "okta")).as(err).isZero();
    assertThat(out).contains("1 credential(s) revoked");
    assertThat(scimd("token", "list", "--client", "okta")).isEqualTo(1);
    assertThat(err).contains("no client 'okta'");
  }

  @Test
  void theAdminApi_managesTheTenantsClientsAndTokens() throws Exception {
    String admin = TestServer.TOKEN; // the bootstrap client holds every scope
    HttpResponse<String> created =
        as(admin, "POST", "/admin/v1/clients", "{\"name\":\"entra\",\"scopes\":[\"scim:read\"]}");
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    String clientId = json(created).get("id").asText();
    assertThat(json(created).get("scopes").toString()).isEqualTo("[\"scim:read\"]");

    HttpResponse<String> issued =
        as(admin, "POST", "/admin/v1/clients/" + clientId + "/tokens", "{\"expiresIn\":3600}");
    assertThat(issued.statusCode()).as(issued.body()).isEqualTo(201);
    String token = json(issued).get("token").asText();
    String tokenId = json(issued).get("id").asText();
    assertThat(json(issued).get("expires").asText()).isNotEmpty();
    assertThat(status(token, "GET", "/scim/v2/Users", null)).isEqualTo(200);

    HttpResponse<String> list = as(admin, "GET", "/admin/v1/clients/" + clientId + "/tokens", null);
    assertThat(list.statusCode()).isEqualTo(200);
    assertThat(list.body()).doesNotContain(token).contains(tokenId).contains("\"hint\"");

    HttpResponse<String> notAdmin = as(token, "GET", "/admin/v1/clients", null);
    assertThat(notAdmin.statusCode()).isEqualTo(403);
    assertThat(notAdmin.headers().firstValue("Content-Type").orElseThrow())
        .startsWith("application/problem+json");
    assertThat(json(notAdmin).get("detail").asText()).contains("scope admin");

    HttpResponse<String> rotated =
        as(admin, "POST", "/admin/v1/clients/" + clientId + "/tokens/rotate", "{\"overlap\":0}");
    assertThat(rotated.statusCode()).as(rotated.body()).isEqualTo(201);
    String fresh = json(rotated).get("token").asText();
    assertThat(json(rotated).at("/ending/0/id").asText()).isEqualTo(tokenId);
    pastTheCache();
    assertThat(status(token, "GET", "/scim/v2/Users", null)).isEqualTo(401);
    assertThat(status(fresh, "GET", "/scim/v2/Users", null)).isEqualTo(200);

    String freshId = json(rotated).get("id").asText();
    assertThat(status(admin, "DELETE", "/admin/v1/tokens/" + freshId, null)).isEqualTo(204);
    assertThat(status(admin, "DELETE", "/admin/v1/tokens/" + freshId, null)).isEqualTo(404);
    pastTheCache();
    assertThat(status(fresh, "GET", "/scim/v2/Users", null)).isEqualTo(401);

    HttpResponse<String> bad =
        as(admin, "POST", "/admin/v1/clients", "{\"name\":\"x\",\"scopes\":[\"root\"]}");
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(json(bad).get("detail").asText()).contains("unknown scope 'root'");
    assertThat(status(admin, "POST", "/admin/v1/clients", "{\"name\":\"entra\"}"))
        .as("a name in use")
        .isEqualTo(400);
    HttpResponse<String> forever =
        as(
            admin,
            "POST",
            "/admin/v1/clients/" + clientId + "/tokens",
            "{\"expiresIn\":9000000000000000000}");
    assertThat(forever.statusCode()).as(forever.body()).isEqualTo(400);
    assertThat(json(forever).get("detail").asText()).contains("10 years");

    assertThat(status(admin, "DELETE", "/admin/v1/clients/" + clientId, null)).isEqualTo(204);
    assertThat(status(admin, "GET", "/admin/v1/clients/" + clientId, null)).isEqualTo(404);
    assertThat(json(as(admin, "GET", "/admin/v1/clients", null)).get("clients"))
        .extracting(n -> n.get("name").asText())
        .containsExactly("bootstrap");

    // every change above is in the audit trail, by the bootstrap client, and the trail is intact
    assertThat(scimd("audit", "export", "--since", "1d", "--format", "jsonl")).as(err).isZero();
    assertThat(out.lines().filter(l -> l.contains("\"Credential\"")).count()).isGreaterThan(3);
    assertThat(out).contains("\"Client\"").contains("bootstrap").doesNotContain(token);
    assertThat(scimd("audit", "verify")).as(out + err).isZero();
  }

  @Test
  void anotherTenantsClientsAndTokens_areNotFoundThroughTheAdminApi() throws Exception {
    scimd("client", "create", "okta");
    String oktaId = printed(Pattern.compile("SCIMD_CLIENT_ID=(\\S+)"));
    assertThat(scimd("tenant", "create", "acme")).as(err).isZero();
    assertThat(
            scimd(
                "client",
                "create",
                "acme-admin",
                "--tenant",
                "acme",
                "--scope",
                "admin",
                "--token"))
        .as(err)
        .isZero();
    String acmeAdmin = printed(TOKEN);

    assertThat(status(acmeAdmin, "GET", "/admin/v1/clients/" + oktaId, null)).isEqualTo(404);
    assertThat(status(acmeAdmin, "GET", "/admin/v1/clients/" + oktaId + "/tokens", null))
        .isEqualTo(404);
    assertThat(status(acmeAdmin, "DELETE", "/admin/v1/clients/" + oktaId, null)).isEqualTo(404);
    assertThat(json(as(acmeAdmin, "GET", "/admin/v1/clients", null)).get("clients"))
        .extracting(n -> n.get("name").asText())
        .containsExactly("acme-admin");
    assertThat(status(acmeAdmin, "GET", "/scim/v2/Users", null))
        .as("admin alone does not read SCIM")
        .isEqualTo(403);
    assertThat(scimd("client", "list")).isZero();
    assertThat(out).contains("okta").doesNotContain("acme-admin");
  }
}
