package io.scimd.server.tenants;

import static io.scimd.core.schema.SchemaUrns.BULK_REQUEST;
import static io.scimd.core.schema.SchemaUrns.GROUP;
import static io.scimd.core.schema.SchemaUrns.SEARCH_REQUEST;
import static io.scimd.server.http.TestServer.assertScimError;
import static io.scimd.server.http.TestServer.json;
import static io.scimd.server.http.TestServer.patchBody;
import static io.scimd.server.http.TestServer.q;
import static io.scimd.server.http.TestServer.user;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.scimd.core.schema.SchemaRegistry;
import io.scimd.server.Main;
import io.scimd.server.ServerConfig;
import io.scimd.server.http.TestServer;
import io.scimd.store.JournalEntry;
import io.scimd.store.PoolSettings;
import io.scimd.store.Scope;
import io.scimd.store.Store;
import io.scimd.store.jdbc.Stores;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.http.HttpResponse;
import java.time.InstantSource;
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
 * Two tenants on one server, set up as an operator does (the {@code scimd tenant create} and {@code
 * token create --tenant} commands on the server's store), then every SCIM endpoint tried with the
 * credential of the other tenant: it finds nothing, changes nothing, and a path that names the
 * other tenant answers exactly what a path naming no tenant at all answers. Runs on SQLite here and
 * on PostgreSQL in {@link PostgresTenantIsolationTest}.
 */
class TenantIsolationTest {
  static final String BULK = "\"schemas\":[\"" + BULK_REQUEST + "\"]";

  TestServer server;
  ServerConfig config;

  /** The bootstrap credential's client: tenant {@code default}, at {@code /scim/v2}. */
  TestServer.Client home;

  /** A client of tenant {@code acme}, at {@code /scim/v2}. */
  TestServer.Client acme;

  String acmeToken;

  ServerConfig config() throws Exception {
    return TestServer.config();
  }

  /** The store options of the CLI that name the server's store. */
  List<String> storeArgs() {
    return config.database() != null
        ? List.of("--db", config.database())
        : List.of("--data", config.dataDir().toString());
  }

  /**
   * Runs {@code scimd args... <store options>} in-process, asserting exit 0; returns what it
   * printed.
   */
  String scimd(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = Main.commandLine(Map.of(), s -> {});
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(storeArgs());
    int code = cl.execute(all.toArray(String[]::new));
    assertThat(code).as("scimd %s: %s", all, err).isZero();
    return out.toString();
  }

  /** Creates a credential of {@code tenant} with the CLI and returns its token. */
  String token(String tenant, String name) {
    Matcher m =
        Pattern.compile("SCIMD_TOKEN=(\\S+)")
            .matcher(scimd("token", "create", "--tenant", tenant, "--name", name));
    assertThat(m.find()).isTrue();
    return m.group(1);
  }

  @BeforeEach
  void start() throws Exception {
    config = config();
    server = TestServer.start(config);
    scimd("tenant", "create", "acme");
    acmeToken = token("acme", "acme-okta");
    home = server.client();
    acme = server.client("Authorization", "Bearer " + acmeToken);
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  static String group(String displayName, String... memberIds) {
    StringBuilder members = new StringBuilder();
    for (String id : memberIds) {
      members.append(members.isEmpty() ? "" : ",").append("{\"value\":\"").append(id).append("\"}");
    }
    return "{\"schemas\":[\""
        + GROUP
        + "\"],\"displayName\":\""
        + displayName
        + "\",\"members\":["
        + members
        + "]}";
  }

  static String addMember(String id) {
    return patchBody(
        "{\"op\":\"add\",\"path\":\"members\",\"value\":[{\"value\":\"" + id + "\"}]}");
  }

  static long total(JsonNode list) {
    return list.path("totalResults").asLong();
  }

  /**
   * The metrics scrape names every tenant: a client of another tenant is refused it, whatever its
   * scopes, and learns nothing of the others.
   */
  @Test
  void metrics_areTheDefaultTenantsOnly() {
    Matcher m =
        Pattern.compile("SCIMD_TOKEN=(\\S+)")
            .matcher(
                scimd(
                    "client",
                    "create",
                    "acme-ops",
                    "--token",
                    "--tenant",
                    "acme",
                    "--scope",
                    "admin",
                    "--scope",
                    "metrics"));
    assertThat(m.find()).isTrue();
    HttpResponse<String> theirs =
        server.client("Authorization", "Bearer " + m.group(1)).get("/metrics");
    assertThat(theirs.statusCode()).as(theirs.body()).isEqualTo(403);
    assertThat(theirs.body()).doesNotContain("tenant=").contains("default tenant");
    HttpResponse<String> ours = home.get("/metrics");
    assertThat(ours.statusCode()).isEqualTo(200);
    assertThat(ours.body()).contains("tenant=\"default\"");
  }

  @Test
  void theSameUserName_mayExistInEachTenant_andIsUniqueWithinOne() {
    String mine = home.create("/scim/v2/Users", user("alice")).path("id").asText();
    String theirs = acme.create("/scim/v2/Users", user("Alice")).path("id").asText();
    assertThat(theirs).isNotEqualTo(mine);
    assertScimError(acme.post("/scim/v2/Users", user("ALICE")), 409, "uniqueness");
    JsonNode ours = home.list("/scim/v2/Users?filter=" + q("userName eq \"alice\""));
    JsonNode acmes = acme.list("/scim/v2/Users?filter=" + q("userName eq \"alice\""));
    assertThat(total(ours)).isEqualTo(1);
    assertThat(ours.path("Resources").get(0).path("id").asText()).isEqualTo(mine);
    assertThat(total(acmes)).isEqualTo(1);
    assertThat(acmes.path("Resources").get(0).path("id").asText()).isEqualTo(theirs);
  }

  @Test
  void everyEndpoint_withAnotherTenantsCredential_findsAndChangesNothingOfIt() {
    String u = acme.create("/scim/v2/Users", user("bob")).path("id").asText();
    JsonNode created = acme.create("/scim/v2/Groups", group("staff", u));
    String g = created.path("id").asText();
    String etag = created.path("meta").path("version").asText();
    String ownGroup = home.create("/scim/v2/Groups", group("mine")).path("id").asText();

    for (String path : List.of("/scim/v2/Users/" + u, "/scim/v2/Groups/" + g)) {
      assertScimError(home.get(path), 404);
      assertThat(home.send("HEAD", path, null).statusCode()).isEqualTo(404);
      assertScimError(home.put(path, user("mallory"), "If-Match", etag), 404);
      assertScimError(
          home.patch(
              path, patchBody("{\"op\":\"replace\",\"path\":\"displayName\",\"value\":\"x\"}")),
          404);
      assertScimError(home.delete(path, "If-Match", etag), 404);
    }
    String byName = q("userName eq \"bob\"");
    assertThat(total(home.list("/scim/v2/Users"))).isZero();
    assertThat(total(home.list("/scim/v2/Users?filter=" + byName))).isZero();
    assertThat(total(home.list("/scim/v2/Groups?filter=" + q("displayName eq \"staff\""))))
        .isEqualTo(0);
    assertThat(total(home.list("/scim/v2/Groups?filter=" + q("members.value eq \"" + u + "\""))))
        .isZero();
    assertThat(total(home.list("/scim/v2/Users?filter=" + q("id eq \"" + u + "\"")))).isZero();
    assertThat(total(home.list("/scim/v2?filter=" + byName))).isZero();
    String search =
        "{\"schemas\":[\"" + SEARCH_REQUEST + "\"],\"filter\":\"userName eq \\\"bob\\\"\"}";
    assertThat(total(json(home.post("/scim/v2/Users/.search", search)))).isZero();
    assertThat(total(json(home.post("/scim/v2/.search", search)))).isZero();
    // a member of another tenant is no resource here, whether added by PATCH, POST or PUT
    assertScimError(home.patch("/scim/v2/Groups/" + ownGroup, addMember(u)), 400, "invalidValue");
    assertScimError(home.post("/scim/v2/Groups", group("stolen", u)), 400, "invalidValue");
    assertScimError(home.put("/scim/v2/Groups/" + ownGroup, group("mine", u)), 400, "invalidValue");

    // nor through Bulk: each operation on the other tenant's ids fails on its own
    String bulk =
        "{"
            + BULK
            + ",\"Operations\":["
            + "{\"method\":\"PATCH\",\"path\":\"/Groups/"
            + ownGroup
            + "\",\"data\":"
            + addMember(u)
            + "},"
            + "{\"method\":\"PUT\",\"path\":\"/Users/"
            + u
            + "\",\"data\":"
            + user("mallory")
            + "},"
            + "{\"method\":\"PATCH\",\"path\":\"/Groups/"
            + g
            + "\",\"data\":"
            + addMember(ownGroup)
            + "},"
            + "{\"method\":\"DELETE\",\"path\":\"/Users/"
            + u
            + "\"},"
            + "{\"method\":\"POST\",\"path\":\"/Groups\",\"bulkId\":\"g1\",\"data\":"
            + group("stolen", u)
            + "}]}";
    HttpResponse<String> r = home.post("/scim/v2/Bulk", bulk);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    List<String> statuses = new ArrayList<>();
    json(r).path("Operations").forEach(op -> statuses.add(op.path("status").asText()));
    assertThat(statuses).containsExactly("400", "404", "404", "404", "400");

    // the other tenant's resources are as they were
    JsonNode after = acme.read("/scim/v2/Groups/" + g);
    assertThat(after.path("meta").path("version").asText()).isEqualTo(etag);
    assertThat(after.path("displayName").asText()).isEqualTo("staff");
    assertThat(after.path("members").get(0).path("value").asText()).isEqualTo(u);
    assertThat(acme.read("/scim/v2/Users/" + u).path("userName").asText()).isEqualTo("bob");
    assertThat(home.memberIds(ownGroup)).isEmpty();
    assertThat(total(home.list("/scim/v2/Groups"))).isEqualTo(1);
  }

  @Test
  void aCursor_ofAnotherTenant_isRefused() {
    acme.create("/scim/v2/Users", user("u1"));
    acme.create("/scim/v2/Users", user("u2"));
    home.create("/scim/v2/Users", user("u3"));
    home.create("/scim/v2/Users", user("u4"));
    String theirs = acme.list("/scim/v2/Users?count=1&cursor=").path("nextCursor").asText();
    assertThat(theirs).isNotEmpty();
    assertThat(
            acme.list("/scim/v2/Users?count=1&cursor=" + q(theirs))
                .path("Resources")
                .get(0)
                .path("userName")
                .asText())
        .isEqualTo("u2");
    assertScimError(home.get("/scim/v2/Users?count=1&cursor=" + q(theirs)), 400, "invalidCursor");
  }

  @Test
  void aPathNamingAnotherTenant_answersExactlyAsAPathNamingNone() {
    String u = acme.create("/scim/v2/Users", user("bob")).path("id").asText();
    String[][] requests = {
      {"GET", "/Users", null},
      {"GET", "/Users/" + u, null},
      {"PUT", "/Users/" + u, user("x")},
      {"PATCH", "/Users/" + u, addMember(u)},
      {"DELETE", "/Users/" + u, null},
      {"POST", "/Users", user("x")},
      {"POST", "/Users/.search", "{}"},
      {"POST", "/.search", "{}"},
      {"POST", "/Bulk", "{" + BULK + ",\"Operations\":[]}"},
      {"GET", "", null},
      {"GET", "/ServiceProviderConfig", null},
      {"GET", "/Schemas", null},
      {"GET", "/ResourceTypes/User", null},
      {"GET", "/Me", null},
      {"GET", "/NoSuchEndpoint", null},
    };
    for (String[] req : requests) {
      HttpResponse<String> other = home.send(req[0], "/tenants/acme/scim/v2" + req[1], req[2]);
      HttpResponse<String> none = home.send(req[0], "/tenants/no-such/scim/v2" + req[1], req[2]);
      String what = req[0] + " " + req[1];
      assertScimError(other, 404);
      assertThat(other.body()).as(what).isEqualTo(none.body());
      assertThat(other.headers().map().keySet()).as(what).isEqualTo(none.headers().map().keySet());
      assertThat(other.headers().firstValue("Content-Length"))
          .as(what)
          .isEqualTo(none.headers().firstValue("Content-Length"));
    }
    // what Jetty refuses before any handler (bad UTF-8) it refuses alike for every tenant name
    assertThat(home.get("/tenants/acme/scim/v2/Users/%E2%82").body())
        .isEqualTo(home.get("/tenants/no-such/scim/v2/Users/%E2%82").body());
    for (String bad :
        List.of(
            "/tenants",
            "/tenants/",
            "/tenants/ACME/scim/v2/Users",
            "/tenants/%61cme/scim/v2/Users",
            "/tenants/acme")) {
      HttpResponse<String> r = home.get(bad);
      assertThat(r.body()).as(bad).isEqualTo(home.get("/tenants/no-such/scim/v2/Users").body());
    }
    // without a credential, or with a bad one, every tenant path is the same 401
    for (String tenant : List.of("acme", "default", "no-such")) {
      String path = "/tenants/" + tenant + "/scim/v2/ServiceProviderConfig";
      assertScimError(server.sendRaw("GET", path, null), 401);
      assertScimError(
          server.sendRaw("GET", path, null, "Authorization", "Bearer wrong-" + acmeToken), 401);
    }
    assertThat(acme.read("/scim/v2/Users/" + u).path("userName").asText()).isEqualTo("bob");
  }

  @Test
  void aRefusedRequestWithABody_leavesTheConnectionUsable_forTheNextRequest() throws Exception {
    String body = user("x");
    String refused =
        "POST /tenants/acme/scim/v2/Users HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
            + TestServer.TOKEN
            + "\r\nContent-Type: application/scim+json\r\nContent-Length: "
            + body.length()
            + "\r\n\r\n";
    String next =
        "GET /scim/v2/Users HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
            + TestServer.TOKEN
            + "\r\nConnection: close\r\n\r\n";
    try (java.net.Socket s = server.connect()) {
      java.io.OutputStream out = s.getOutputStream();
      out.write(refused.getBytes(java.nio.charset.StandardCharsets.UTF_8));
      out.flush();
      Thread.sleep(
          200); // the body comes late, as over a slow network: after the credential was checked
      out.write((body + next).getBytes(java.nio.charset.StandardCharsets.UTF_8));
      out.flush();
      String answers =
          new String(s.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      assertThat(answers).startsWith("HTTP/1.1 404 ");
      assertThat(answers.indexOf("HTTP/1.1 200 ")).as(answers).isPositive();
    }
  }

  @Test
  void theTenantPath_ofTheCredentialsOwnTenant_servesIt_andLocationsNameIt() {
    String base = "/tenants/acme/scim/v2";
    HttpResponse<String> r = acme.post(base + "/Users", user("carol"));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    String id = json(r).path("id").asText();
    String location = server.url(base + "/Users/" + id);
    assertThat(r.headers().firstValue("Location")).contains(location);
    assertThat(json(r).path("meta").path("location").asText()).isEqualTo(location);
    assertThat(acme.read(base + "/Users/" + id).path("meta").path("location").asText())
        .isEqualTo(location);
    // the same resource at /scim/v2, where its location is /scim/v2's
    assertThat(acme.read("/scim/v2/Users/" + id).path("meta").path("location").asText())
        .isEqualTo(server.url("/scim/v2/Users/" + id));
    assertThat(total(acme.list(base + "/Users?filter=" + q("userName eq \"carol\"")))).isEqualTo(1);
    assertThat(acme.read(base + "/ServiceProviderConfig").path("meta").path("location").asText())
        .isEqualTo(server.url(base + "/ServiceProviderConfig"));
    // the default tenant's own path serves the bootstrap credential
    assertThat(total(home.list("/tenants/default/scim/v2/Users"))).isZero();
    assertThat(total(home.list("/scim/v2/Users"))).isZero();
    // bulk ids resolve within the tenant, and locations name the path used
    String bulk =
        "{"
            + BULK
            + ",\"Operations\":["
            + "{\"method\":\"POST\",\"path\":\"/Users\",\"bulkId\":\"u1\",\"data\":"
            + user("dave")
            + "},"
            + "{\"method\":\"POST\",\"path\":\"/Groups\",\"bulkId\":\"g1\",\"data\":"
            + group("team", "bulkId:u1")
            + "}]}";
    HttpResponse<String> b = acme.post(base + "/Bulk", bulk);
    assertThat(b.statusCode()).as(b.body()).isEqualTo(200);
    JsonNode ops = json(b).path("Operations");
    assertThat(ops.get(1).path("status").asText()).as(b.body()).isEqualTo("201");
    assertThat(ops.get(1).path("location").asText()).startsWith(server.url(base + "/Groups/"));
    String dave = ops.get(0).path("location").asText().replaceAll(".*/", "");
    assertThat(acme.memberIds(ops.get(1).path("location").asText().replaceAll(".*/", "")))
        .containsExactly(dave);
    assertThat(total(home.list("/scim/v2/Users"))).isZero();
  }

  @Test
  void eachTenantsJournal_holdsOnlyItsOwnChanges() {
    String mine = home.create("/scim/v2/Users", user("alice")).path("id").asText();
    String theirs = acme.create("/scim/v2/Users", user("alice")).path("id").asText();
    String theirGroup = acme.create("/scim/v2/Groups", group("staff", theirs)).path("id").asText();
    home.delete("/scim/v2/Users/" + mine);
    String location = config.database() != null ? config.database() : config.dataDir().toString();
    try (Store reader =
        Stores.open(
            location,
            SchemaRegistry.builtIn(),
            InstantSource.system(),
            PoolSettings.defaults().withMaxPoolSize(2))) {
      // Each tenant's journal begins with its client and token (the bootstrap client's; acme's,
      // after acme's creation).
      List<JournalEntry> ours =
          reader.read(Scope.system(Scope.DEFAULT_TENANT, "test"), j -> j.journal(2, 1000));
      List<JournalEntry> acmes = reader.read(Scope.system("acme", "test"), j -> j.journal(3, 1000));
      assertThat(ours)
          .extracting(e -> e.change().kind().wire() + " " + e.change().resourceId())
          .containsExactly("created " + mine, "deleted " + mine);
      assertThat(ours).extracting(JournalEntry::seq).containsExactly(3L, 4L);
      assertThat(acmes)
          .extracting(e -> e.change().kind().wire() + " " + e.change().resourceId())
          .containsExactly(
              "created " + theirs, "created " + theirGroup, "members_added " + theirGroup);
      assertThat(acmes).extracting(JournalEntry::seq).containsExactly(4L, 5L, 6L);
      assertThat(acmes).extracting(JournalEntry::principalName).containsOnly("acme-okta");
    }
  }

  @Test
  void aDeletedTenant_losesItsResources_andItsCredentialsAreRefused() throws Exception {
    String u = acme.create("/scim/v2/Users", user("erin")).path("id").asText();
    assertThat(scimd("tenant", "delete", "acme", "--force"))
        .contains("deleted tenant \"acme\" with 1 resource(s)");
    // a verified token is trusted for at most half a second (VerifiedTokens.TTL_NANOS)
    Thread.sleep(600);
    assertScimError(acme.get("/scim/v2/Users/" + u), 401);
    scimd("tenant", "create", "acme");
    String again = token("acme", "acme-again");
    TestServer.Client reborn = server.client("Authorization", "Bearer " + again);
    assertThat(total(reborn.list("/scim/v2/Users"))).isZero();
    assertThat(reborn.create("/scim/v2/Users", user("erin")).path("id").asText()).isNotEqualTo(u);
  }
}
