package io.scimd.server.audit;

import static io.scimd.server.http.TestServer.json;
import static io.scimd.server.http.TestServer.patchBody;
import static io.scimd.server.http.TestServer.q;
import static io.scimd.server.http.TestServer.user;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.scimd.core.schema.SchemaUrns;
import io.scimd.server.Main;
import io.scimd.server.ServerConfig;
import io.scimd.server.http.TestServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
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
 * Queries of the audit trail through the admin API of a started server, {@code scimd audit history}
 * through the command line's entry point, and failed authentications counted into the trail, then
 * verified and exported. On SQLite here and on PostgreSQL in {@link PostgresAuditApiTest}.
 */
class AuditApiTest {
  static final Pattern TOKEN = Pattern.compile("SCIMD_TOKEN=(\\S+)");
  static final Pattern CLIENT_ID = Pattern.compile("SCIMD_CLIENT_ID=(\\S+)");
  static final String ADMIN = TestServer.TOKEN; // the bootstrap client holds every scope

  ServerConfig config;
  TestServer server;
  String out = "";
  String err = "";

  /**
   * The server's configuration: failed authentications are journaled when the server stops (a
   * window of an hour), so that a test decides when they are written.
   */
  ServerConfig config() throws Exception {
    return TestServer.config()
        .withAudit(AuditSettings.DEFAULTS.withAuthFailureWindow(Duration.ofHours(1)));
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

  /** Stops the server (which journals the open window of failures) and starts it again. */
  void restart() {
    server.close();
    server = TestServer.start(config);
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

  /** A new client of {@code tenant} with {@code scopes} and a token: its id and token. */
  String[] client(String name, String tenant, String scopes) {
    assertThat(scimd("client", "create", name, "--tenant", tenant, "--scope", scopes, "--token"))
        .as(err)
        .isZero();
    return new String[] {printed(CLIENT_ID), printed(TOKEN)};
  }

  HttpResponse<String> as(String token, String method, String path, String body) {
    return server.sendRaw(method, path, body, "Authorization", "Bearer " + token);
  }

  JsonNode audit(String token, String query) {
    HttpResponse<String> r = as(token, "GET", "/admin/v1/audit" + query, null);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type").orElseThrow()).startsWith("application/json");
    return json(r);
  }

  static List<String> operations(JsonNode page) {
    List<String> out = new ArrayList<>();
    page.get("entries").forEach(e -> out.add(e.get("operation").asText()));
    return out;
  }

  static List<Long> seqs(JsonNode page) {
    List<Long> out = new ArrayList<>();
    page.get("entries").forEach(e -> out.add(e.get("seq").asLong()));
    return out;
  }

  String createUser(String token, String userName) {
    HttpResponse<String> r = as(token, "POST", "/scim/v2/Users", user(userName));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    return json(r).get("id").asText();
  }

  String createGroup(String token, String displayName) {
    HttpResponse<String> r =
        as(
            token,
            "POST",
            "/scim/v2/Groups",
            "{\"schemas\":[\"" + SchemaUrns.GROUP + "\"],\"displayName\":\"" + displayName + "\"}");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    return json(r).get("id").asText();
  }

  void patch(String token, String path, String... operations) {
    HttpResponse<String> r = as(token, "PATCH", path, patchBody(operations));
    assertThat(r.statusCode()).as(r.body()).isIn(200, 204);
  }

  /** A PATCH operation that adds {@code ids} as members, in one operation. */
  static String addMember(String... ids) {
    List<String> values = new ArrayList<>();
    for (String id : ids) {
      values.add("{\"value\":\"" + id + "\"}");
    }
    return "{\"op\":\"add\",\"path\":\"members\",\"value\":[" + String.join(",", values) + "]}";
  }

  // ------------------------------------------------------------------ searching

  @Test
  void search_filtersByType_resource_client_operation_andTime() throws Exception {
    String[] okta = client("okta", "default", "scim:read scim:write");
    String[] entra = client("entra", "default", "scim:read scim:write");
    String alice = createUser(okta[1], "alice");
    String bob = createUser(okta[1], "bob");
    String admins = createGroup(okta[1], "Admins");
    patch(
        entra[1],
        "/scim/v2/Users/" + alice,
        "{\"op\":\"replace\",\"path\":\"title\",\"value\":\"CTO\"}");
    patch(okta[1], "/scim/v2/Groups/" + admins, addMember(alice));
    assertThat(as(entra[1], "DELETE", "/scim/v2/Users/" + bob, null).statusCode()).isEqualTo(204);

    JsonNode users = audit(ADMIN, "?resourceType=User");
    assertThat(operations(users)).containsExactly("created", "created", "patched", "deleted");
    assertThat(users.get("nextCursor").isNull()).isTrue();
    JsonNode ofAlice = audit(ADMIN, "?resourceType=user&resourceId=" + alice);
    assertThat(operations(ofAlice)).containsExactly("created", "patched");
    JsonNode patched = ofAlice.get("entries").get(1);
    assertThat(patched.get("principal").asText()).isEqualTo("client:" + entra[0]);
    assertThat(patched.get("principalName").asText()).isEqualTo("entra");
    assertThat(patched.get("source").asText()).isEqualTo("127.0.0.1");
    assertThat(patched.get("requestId").asText()).isNotBlank();
    assertThat(patched.get("resourceType").asText()).isEqualTo("User");
    assertThat(patched.get("resourceId").asText()).isEqualTo(alice);
    assertThat(patched.at("/change/attributes/0/path").asText()).isEqualTo("title");
    assertThat(patched.at("/change/attributes/0/after").asText()).isEqualTo("CTO");
    assertThat(patched.get("hash").asText()).matches("[0-9a-f]{64}");

    JsonNode byOkta = audit(ADMIN, "?client=" + okta[0]);
    assertThat(byOkta.get("entries"))
        .extracting(e -> e.get("principalName").asText())
        .containsOnly("okta");
    assertThat(operations(byOkta))
        .containsExactly("created", "created", "created", "members_added");
    assertThat(operations(audit(ADMIN, "?operation=deleted"))).containsExactly("deleted");
    assertThat(operations(audit(ADMIN, "?client=" + entra[0] + "&operation=patched")))
        .containsExactly("patched");
    assertThat(operations(audit(ADMIN, "?resourceType=Group&operation=members_added")))
        .containsExactly("members_added");
    JsonNode clientChanges = audit(ADMIN, "?resourceType=Client&principal=system:cli");
    assertThat(operations(clientChanges)).containsExactly("created", "created");

    String at = patched.get("at").asText();
    JsonNode since = audit(ADMIN, "?since=" + q(at));
    assertThat(operations(since)).startsWith("patched").contains("deleted");
    assertThat(since.get("entries").get(0).get("seq").asLong())
        .isEqualTo(patched.get("seq").asLong());
    JsonNode until = audit(ADMIN, "?resourceType=User&until=" + q(at));
    assertThat(operations(until)).containsExactly("created", "created");
    // An offset, its + written as the form encoding of a query turns it into a space.
    String offset = Instant.parse(at).atOffset(java.time.ZoneOffset.ofHours(2)).toString();
    JsonNode withOffset = audit(ADMIN, "?resourceType=User&since=" + offset.replace("+", "%2B"));
    JsonNode withSpace = audit(ADMIN, "?resourceType=User&since=" + offset);
    assertThat(operations(withOffset)).containsExactly("patched", "deleted");
    assertThat(operations(withSpace)).containsExactly("patched", "deleted");
  }

  /** Runs {@code sql} on the server's database itself, as an operator (or an old node) would. */
  void sql(String... statements) throws Exception {
    String url =
        config.database() != null
            ? config.database()
            : "jdbc:sqlite:" + config.dataDir().resolve("scimd.db");
    try (Connection c = DriverManager.getConnection(url);
        Statement s = c.createStatement()) {
      for (String statement : statements) {
        s.execute(statement);
      }
    }
  }

  @Test
  void searchByClient_findsItsEntriesFromBeforeClientsExisted_recordedAsItsCredential()
      throws Exception {
    String[] okta = client("okta", "default", "scim:read scim:write");
    createUser(okta[1], "alice");
    server.close();
    // An entry as a version before clients wrote it: principal credential:<id>, not yet chained
    // (the next start chains it), numbered after the others.
    String next = "(SELECT MAX(seq) + 1 FROM journal WHERE tenant = 'default')";
    sql(
        "INSERT INTO journal (tenant, seq, at, principal, principal_name, source, request_id,"
            + " resource_type, resource_id, kind, change) SELECT 'default', "
            + next
            + ", (SELECT MAX(at) + 1 FROM journal), 'credential:"
            + okta[0]
            + "', 'okta', '192.0.2.7', 'r-old', 'User', 'u-old', 'deleted',"
            + " '{\"version\":1,\"attributes\":{\"userName\":\"old\"}}'");
    if (config.database() != null) {
      sql("UPDATE clocks SET journal_seq = journal_seq + 1 WHERE tenant = 'default'");
    }
    server = TestServer.start(config);

    JsonNode byOkta = audit(ADMIN, "?client=" + okta[0]);
    assertThat(byOkta.get("entries"))
        .extracting(e -> e.get("principal").asText())
        .containsExactly("client:" + okta[0], "credential:" + okta[0]);
    assertThat(operations(audit(ADMIN, "?client=" + okta[0] + "&operation=deleted")))
        .containsExactly("deleted");
    server.close();
    server = null;
    assertThat(scimd("audit", "verify")).as(out + err).isZero();
  }

  @Test
  void search_pagesWithTheCursor_inOrder_withoutGapsOrRepeats() throws Exception {
    for (int i = 0; i < 7; i++) {
      createUser(ADMIN, "u" + i);
    }
    List<Long> seen = new ArrayList<>();
    String query = "?resourceType=User&limit=3";
    int pages = 0;
    while (true) {
      JsonNode page = audit(ADMIN, query);
      pages++;
      assertThat(page.get("entries").size()).isLessThanOrEqualTo(3);
      seen.addAll(seqs(page));
      if (page.get("nextCursor").isNull()) {
        break;
      }
      query = "?resourceType=User&limit=3&cursor=" + q(page.get("nextCursor").asText());
    }
    assertThat(pages).isEqualTo(3);
    assertThat(seen).hasSize(7).isSorted().doesNotHaveDuplicates();
    assertThat(audit(ADMIN, "?resourceType=User").get("entries").size()).isEqualTo(7);
  }

  @Test
  void badQueries_answer400ProblemsThatSayWhatToFix() throws Exception {
    Map<String, String> bad =
        Map.ofEntries(
            Map.entry("?cursor=abc", "nextCursor"),
            Map.entry("?cursor=-1", "nextCursor"),
            Map.entry("?cursor=99999999999999999999", "nextCursor"),
            Map.entry("?limit=0", "\"limit\" must be a whole number from 1 to 1000"),
            Map.entry("?limit=1001", "from 1 to 1000"),
            Map.entry("?limit=ten", "from 1 to 1000"),
            Map.entry("?operation=updated", "\"operation\" must be one of created, replaced"),
            Map.entry("?since=yesterday", "RFC 3339"),
            Map.entry("?until=2026-13-01T00:00:00Z", "RFC 3339"),
            Map.entry(
                "?since=2026-03-02T00:00:00Z&until=2026-03-01T00:00:00Z", "is before \"since\""),
            Map.entry("?resourceId=x", "\"resourceId\" needs \"resourceType\""),
            Map.entry("?resourceType=Users", "unknown resource type \"Users\""),
            Map.entry("?reosurceType=User", "unknown parameter \"reosurceType\""),
            Map.entry("?operation=created&operation=deleted", "more than once"),
            Map.entry("?client=a&principal=b", "not both"),
            Map.entry("?client=", "\"client\" is empty"));
    for (Map.Entry<String, String> b : bad.entrySet()) {
      HttpResponse<String> r = as(ADMIN, "GET", "/admin/v1/audit" + b.getKey(), null);
      assertThat(r.statusCode()).as(b.getKey() + " -> " + r.body()).isEqualTo(400);
      assertThat(r.headers().firstValue("Content-Type").orElseThrow())
          .startsWith("application/problem+json");
      assertThat(json(r).get("status").asInt()).isEqualTo(400);
      assertThat(json(r).get("detail").asText()).as(b.getKey()).contains(b.getValue());
    }
    HttpResponse<String> history = as(ADMIN, "GET", "/admin/v1/audit/Thing/x", null);
    assertThat(history.statusCode()).isEqualTo(400);
    assertThat(json(history).get("detail").asText())
        .contains("unknown resource type \"Thing\"")
        .contains("User, Group");
    assertThat(as(ADMIN, "GET", "/admin/v1/audit/User/x?filter=y", null).statusCode())
        .isEqualTo(400);
    assertThat(as(ADMIN, "POST", "/admin/v1/audit", "{}").statusCode()).isEqualTo(405);
    assertThat(as(ADMIN, "GET", "/admin/v1/audit/User", null).statusCode()).isEqualTo(404);
    String[] reader = client("reader", "default", "scim:read");
    HttpResponse<String> noAdmin = as(reader[1], "GET", "/admin/v1/audit", null);
    assertThat(noAdmin.statusCode()).isEqualTo(403);
    assertThat(json(noAdmin).get("detail").asText()).contains("scope admin");
  }

  @Test
  void anotherTenantsEntries_areNeverVisible() throws Exception {
    String alice = createUser(ADMIN, "alice");
    assertThat(scimd("tenant", "create", "acme")).as(err).isZero();
    String[] acme = client("acme-ops", "acme", "admin scim:read scim:write");
    String theirs = createUser(acme[1], "alice");

    JsonNode mine = audit(ADMIN, "");
    JsonNode acmes = audit(acme[1], "");
    assertThat(mine.get("entries"))
        .extracting(e -> e.get("resourceId").asText())
        .contains(alice)
        .doesNotContain(theirs);
    assertThat(acmes.get("entries"))
        .extracting(e -> e.get("resourceId").asText())
        .contains(theirs)
        .doesNotContain(alice);
    assertThat(audit(acme[1], "?resourceType=User&resourceId=" + alice).get("entries")).isEmpty();
    assertThat(audit(acme[1], "?resourceType=User&operation=created").get("entries").size())
        .isEqualTo(1);
    HttpResponse<String> history = as(acme[1], "GET", "/admin/v1/audit/User/" + alice, null);
    assertThat(history.statusCode()).isEqualTo(200);
    assertThat(json(history).get("entries")).isEmpty();
    assertThat(as(acme[1], "GET", "/tenants/default/admin/v1/audit", null).statusCode())
        .as("no other mount of the admin API")
        .isIn(401, 404);
  }

  // ------------------------------------------------------------------ one resource's history

  @Test
  void userHistory_holdsItsChanges_andTheGroupsThatAddedAndRemovedIt_withTheirClients()
      throws Exception {
    String[] okta = client("okta", "default", "scim:read scim:write");
    String[] entra = client("entra", "default", "scim:read scim:write");
    String alice = createUser(okta[1], "alice");
    String bob = createUser(okta[1], "bob");
    String admins = createGroup(okta[1], "Admins");
    String ops = createGroup(okta[1], "Ops");
    patch(okta[1], "/scim/v2/Groups/" + admins, addMember(alice, bob));
    patch(okta[1], "/scim/v2/Groups/" + ops, addMember(bob));
    patch(
        entra[1],
        "/scim/v2/Groups/" + admins,
        "{\"op\":\"remove\",\"path\":\"members[value eq \\\"" + alice + "\\\"]\"}");
    patch(
        entra[1],
        "/scim/v2/Users/" + alice,
        "{\"op\":\"replace\",\"path\":\"active\",\"value\":false}");

    HttpResponse<String> r = as(ADMIN, "GET", "/admin/v1/audit/User/" + alice, null);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonNode history = json(r);
    assertThat(operations(history))
        .containsExactly("created", "members_added", "members_removed", "patched");
    assertThat(seqs(history)).isSorted();
    assertThat(history.get("nextCursor").isNull()).isTrue();
    JsonNode added = history.get("entries").get(1);
    assertThat(added.get("resourceType").asText()).isEqualTo("Group");
    assertThat(added.get("resourceId").asText()).isEqualTo(admins);
    assertThat(added.get("resourceName").asText()).isEqualTo("Admins");
    assertThat(added.get("principalName").asText()).isEqualTo("okta");
    assertThat(added.get("principal").asText()).isEqualTo("client:" + okta[0]);
    assertThat(added.at("/change/members")).hasSize(1);
    assertThat(added.at("/change/members/0/value").asText()).isEqualTo(alice);
    assertThat(added.get("membersInEntry").asInt()).isEqualTo(2);
    JsonNode removed = history.get("entries").get(2);
    assertThat(removed.get("principalName").asText()).isEqualTo("entra");
    assertThat(removed.get("resourceName").asText()).isEqualTo("Admins");

    JsonNode group = json(as(ADMIN, "GET", "/admin/v1/audit/group/" + admins, null));
    assertThat(operations(group)).containsExactly("created", "members_added", "members_removed");
    JsonNode paged = json(as(ADMIN, "GET", "/admin/v1/audit/User/" + bob + "?limit=2", null));
    assertThat(operations(paged)).containsExactly("created", "members_added");
    String cursor = paged.get("nextCursor").asText();
    JsonNode rest =
        json(as(ADMIN, "GET", "/admin/v1/audit/User/" + bob + "?limit=2&cursor=" + cursor, null));
    assertThat(operations(rest)).containsExactly("members_added");
    assertThat(rest.at("/entries/0/resourceName").asText()).isEqualTo("Ops");

    assertThat(scimd("audit", "history", "User", alice)).as(err).isZero();
    List<String> lines = out.strip().lines().toList();
    assertThat(lines).hasSize(4);
    assertThat(lines.get(0)).contains("created User " + alice).contains("by okta");
    assertThat(lines.get(1))
        .contains("members_added Group " + admins + " (Admins)")
        .contains("by okta (client:" + okta[0] + ")")
        .contains("from 127.0.0.1");
    assertThat(lines.get(2)).contains("members_removed").contains("by entra");
    assertThat(lines.get(3)).contains("patched User " + alice + " [active]").contains("by entra");
    assertThat(scimd("audit", "history", "user", alice, "--tenant", "default", "--json"))
        .as(err)
        .isZero();
    assertThat(out.strip().lines().map(TestServer::json).map(e -> e.get("operation").asText()))
        .containsExactly("created", "members_added", "members_removed", "patched");
    assertThat(scimd("audit", "history", "Thing", alice)).isEqualTo(2);
    assertThat(err).contains("unknown resource type 'Thing'");
    assertThat(scimd("audit", "history", "User", "nobody")).isZero();
    assertThat(out).contains("no audit entries for User 'nobody'");
  }

  // ------------------------------------------------------------------ failed authentications

  @Test
  void failedAuthentications_areCountedIntoOneEntryPerAddressAndReason_verified_andExported()
      throws Exception {
    String[] okta = client("okta", "default", "scim:read scim:write");
    HttpResponse<String> secret =
        as(
            ADMIN,
            "POST",
            "/admin/v1/clients/" + okta[0] + "/tokens",
            "{\"type\":\"client_secret\"}");
    HttpResponse<String> doomed =
        as(ADMIN, "POST", "/admin/v1/clients/" + okta[0] + "/tokens", null);
    String doomedToken = json(doomed).get("token").asText();
    String doomedId = json(doomed).get("id").asText();
    assertThat(as(ADMIN, "DELETE", "/admin/v1/tokens/" + doomedId, null).statusCode())
        .isEqualTo(204);
    assertThat(scimd("tenant", "create", "acme")).as(err).isZero();
    String[] acme = client("acme-sync", "acme", "scim:read");
    assertThat(scimd("client", "delete", acme[0], "--tenant", "acme")).as(err).isZero();
    Thread.sleep(600); // past the half second a node trusts a token it verified

    String unknown = "a-token-nobody-was-ever-given-0123456789";
    String malformed = "scimd_" + "0".repeat(46);
    HttpResponse<String> first = as(unknown, "GET", "/scim/v2/Users", null);
    for (int i = 1; i < 50; i++) {
      assertThat(
              as(unknown, "GET", i % 2 == 0 ? "/scim/v2/Users" : "/admin/v1/clients", null).body())
          .isEqualTo(first.body());
    }
    for (int i = 0; i < 10; i++) {
      assertThat(as(malformed, "GET", "/scim/v2/Groups", null).body()).isEqualTo(first.body());
    }
    for (int i = 0; i < 3; i++) {
      assertThat(as(doomedToken, "GET", "/scim/v2/Users", null).body()).isEqualTo(first.body());
      assertThat(as(json(secret).get("token").asText(), "GET", "/scim/v2/Users", null).body())
          .isEqualTo(first.body());
      assertThat(as(acme[1], "GET", "/tenants/acme/scim/v2/Users", null).body())
          .isEqualTo(first.body());
    }
    assertThat(first.statusCode()).isEqualTo(401);
    assertThat(server.sendRaw("GET", "/scim/v2/Users", null).statusCode())
        .as("no credentials at all: not an authentication that failed")
        .isEqualTo(401);

    restart(); // the stop journals the open window

    JsonNode failures = audit(ADMIN, "?resourceType=AuthFailure");
    Map<String, JsonNode> byReason = new java.util.HashMap<>();
    failures.get("entries").forEach(e -> byReason.put(e.at("/change/reason").asText(), e));
    assertThat(byReason).containsOnlyKeys("unknown", "malformed", "revoked", "client_secret");
    JsonNode unknowns = byReason.get("unknown");
    assertThat(unknowns.at("/change/count").asLong()).isEqualTo(50);
    assertThat(unknowns.get("operation").asText()).isEqualTo("auth_failed");
    assertThat(unknowns.get("resourceId").asText()).isEqualTo("127.0.0.1");
    assertThat(unknowns.get("source").asText()).isEqualTo("127.0.0.1");
    assertThat(unknowns.get("principal").asText()).isEqualTo("system:auth");
    assertThat(Instant.parse(unknowns.at("/change/first").asText()))
        .isBeforeOrEqualTo(Instant.parse(unknowns.at("/change/last").asText()));
    assertThat(unknowns.at("/change/node").asText()).startsWith("node-");
    assertThat(unknowns.at("/change/client").isMissingNode()).isTrue();
    assertThat(byReason.get("malformed").at("/change/count").asLong()).isEqualTo(10);
    JsonNode revoked = byReason.get("revoked");
    assertThat(revoked.at("/change/count").asLong()).isEqualTo(3);
    assertThat(revoked.at("/change/client/name").asText()).isEqualTo("okta");
    assertThat(revoked.at("/change/client/id").asText()).isEqualTo(okta[0]);
    assertThat(revoked.at("/change/credential/id").asText()).isEqualTo(doomedId);
    assertThat(revoked.at("/change/credential/hint").asText()).startsWith("scimd_");
    assertThat(byReason.get("client_secret").at("/change/client/name").asText()).isEqualTo("okta");
    assertThat(failures.toString()).doesNotContain(unknown).doesNotContain(doomedToken);
    assertThat(audit(ADMIN, "?operation=auth_failed").get("entries").size()).isEqualTo(4);

    // The deleted client's token was acme's: its failures are in acme's trail, not here.
    String[] acmeAdmin = client("acme-admin", "acme", "admin");
    JsonNode theirs = audit(acmeAdmin[1], "?resourceType=AuthFailure");
    assertThat(theirs.get("entries")).hasSize(1);
    assertThat(theirs.at("/entries/0/change/reason").asText()).isEqualTo("revoked");
    assertThat(theirs.at("/entries/0/change/client/name").asText()).isEqualTo("acme-sync");
    assertThat(theirs.at("/entries/0/change/count").asLong()).isEqualTo(3);

    server.close();
    server = null;
    assertThat(scimd("audit", "verify")).as(out + err).isZero();
    assertThat(out).contains("the audit trail is intact");
    assertThat(scimd("audit", "export", "--since", "1d", "--format", "ocsf")).as(err).isZero();
    List<JsonNode> auth =
        out.lines().map(TestServer::json).filter(e -> e.get("class_uid").asInt() == 3002).toList();
    assertThat(auth).hasSize(5);
    JsonNode event =
        auth.stream()
            .filter(e -> e.get("status_detail").asText().equals("unknown"))
            .findFirst()
            .orElseThrow();
    assertThat(event.get("class_name").asText()).isEqualTo("Authentication");
    assertThat(event.get("category_uid").asInt()).isEqualTo(3);
    assertThat(event.get("activity_id").asInt()).isEqualTo(1);
    assertThat(event.get("type_uid").asLong()).isEqualTo(300201);
    assertThat(event.get("status_id").asInt()).isEqualTo(2);
    assertThat(event.get("status").asText()).isEqualTo("Failure");
    assertThat(event.get("count").asLong()).isEqualTo(50);
    assertThat(event.get("start_time").asLong())
        .isLessThanOrEqualTo(event.get("end_time").asLong());
    assertThat(event.at("/src_endpoint/ip").asText()).isEqualTo("127.0.0.1");
    assertThat(event.at("/user/type").asText()).isEqualTo("Unknown");
    assertThat(event.has("actor")).isFalse();
    JsonNode ofOkta =
        auth.stream()
            .filter(e -> e.get("status_detail").asText().equals("revoked"))
            .filter(e -> e.at("/user/name").asText().equals("okta"))
            .findFirst()
            .orElseThrow();
    assertThat(ofOkta.at("/user/uid").asText()).isEqualTo("client:" + okta[0]);
    assertThat(ofOkta.get("count").asLong()).isEqualTo(3);
  }

  @Test
  void failedAuthentications_areJournaledByTheNodeAtTheEndOfEachWindow_withoutAStop()
      throws Exception {
    server.close();
    config = config().withAudit(config.audit().withAuthFailureWindow(Duration.ofMillis(200)));
    server = TestServer.start(config);
    for (int i = 0; i < 20; i++) {
      assertThat(as("no-such-token-at-all-0123456789", "GET", "/scim/v2/Users", null).statusCode())
          .isEqualTo(401);
    }
    // Whatever the windows the 20 fell into, the node journals them all, each window once.
    long counted = 0;
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (counted < 20 && System.nanoTime() < deadline) {
      Thread.sleep(100);
      counted = 0;
      for (JsonNode e : audit(ADMIN, "?resourceType=AuthFailure").get("entries")) {
        assertThat(e.at("/change/reason").asText()).isEqualTo("unknown");
        counted += e.at("/change/count").asLong();
      }
    }
    assertThat(counted).isEqualTo(20);
  }

  @Test
  void failedAuthentications_fromMoreAddressesThanTheCap_areCountedTogether() throws Exception {
    int addresses = AuthFailures.MAX_SOURCES + 5;
    for (int i = 0; i < addresses; i++) {
      InetAddress from = InetAddress.getByName("127.0.1." + (i + 1));
      TestServer.Raw r =
          server.raw(
              from,
              "GET /scim/v2/Users HTTP/1.1",
              null,
              List.of("Authorization: Bearer not-a-token-anyone-has-" + i));
      assertThat(r.status()).isEqualTo(401);
    }
    restart();

    List<JsonNode> entries = new ArrayList<>();
    String query = "?resourceType=AuthFailure&limit=50";
    while (true) {
      JsonNode page = audit(ADMIN, query);
      page.get("entries").forEach(entries::add);
      if (page.get("nextCursor").isNull()) {
        break;
      }
      query = "?resourceType=AuthFailure&limit=50&cursor=" + page.get("nextCursor").asText();
    }
    assertThat(entries).hasSize(AuthFailures.MAX_SOURCES + 1);
    JsonNode other =
        entries.stream()
            .filter(e -> e.get("resourceId").asText().equals("other-sources"))
            .findFirst()
            .orElseThrow();
    assertThat(other.at("/change/count").asLong()).isEqualTo(5);
    assertThat(other.at("/change/reason").asText()).isEqualTo("unchecked");
    assertThat(other.get("source").isNull()).isTrue();
    assertThat(
            entries.stream()
                .filter(e -> e.get("resourceId").asText().startsWith("127.0.1."))
                .mapToLong(e -> e.at("/change/count").asLong())
                .sum())
        .isEqualTo(AuthFailures.MAX_SOURCES);
  }
}
