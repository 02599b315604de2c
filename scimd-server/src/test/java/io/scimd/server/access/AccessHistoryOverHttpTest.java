package io.scimd.server.access;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import io.scimd.server.Main;
import io.scimd.server.ServerConfig;
import io.scimd.server.http.TestServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
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
 * Access history over HTTP: identities pushed over SCIM and applications saved through the admin
 * API in three phases at known instants, then every history question asked of each instant, as an
 * auditor asks it (a client with the admin scope). On SQLite here, on PostgreSQL in {@link
 * PostgresAccessHistoryOverHttpTest}.
 *
 * <p>Phase 1 (t1): alice in backend, which is in engineering; bob and dave in engineering; carol an
 * SRE in Ops; a deploy bot owned by carol granted developer and viewer in ci. Phase 2 (t2): alice
 * leaves backend, the sre rule grants viewer instead of deployer, carol moves to Sales. Phase 3
 * (t3): bob and carol are deactivated, dave is deleted.
 */
class AccessHistoryOverHttpTest {
  static final String ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

  TestServer server;
  ServerConfig config;
  TestServer.Client idp;
  TestServer.Client scim;
  HttpServer receiver;

  String alice;
  String bob;
  String carol;
  String dave;
  String bot;
  String engineering;
  String backend;
  Instant t0;
  Instant t1;
  Instant t2;
  Instant t3;

  ServerConfig config() throws Exception {
    return TestServer.config();
  }

  static final String CI =
      """
      {"name": "ci", "description": "builds and deploys",
       "roles": [{"name": "viewer", "permissions": ["read"]},
                 {"name": "developer", "permissions": ["build"], "includes": ["viewer"]},
                 {"name": "deployer", "permissions": ["deploy"], "includes": ["developer"],
                  "privileged": true}],
       "rules": [{"name": "engineers", "groups": ["engineering"], "roles": ["developer"]},
                 {"name": "sre", "filter": "title eq \\"SRE\\"", "roles": ["deployer"]}]}
      """;

  static final String OPS =
      """
      {"name": "ops", "roles": [{"name": "operator"}],
       "rules": [{"name": "ops-dept",
                  "filter": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq \\"Ops\\"",
                  "roles": ["operator"]}]}
      """;

  @BeforeEach
  void start() throws Exception {
    config = config();
    server = TestServer.start(config);
    idp = server.client();
    scim = server.scim();
    receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    receiver.createContext(
        "/",
        x -> {
          x.getRequestBody().readAllBytes();
          x.sendResponseHeaders(200, -1);
          x.close();
        });
    receiver.start();

    t0 = tick();
    alice = scim.createUser("alice");
    bob = scim.createUser("bob");
    dave = scim.createUser("dave");
    carol =
        TestServer.json(
                scim.post(
                    "/Users",
                    "{\"schemas\":[\"urn:ietf:params:scim:schemas:core:2.0:User\",\""
                        + ENTERPRISE
                        + "\"],\"userName\":\"carol\",\"displayName\":\"Doe, Carol \\\"CD\\\"\","
                        + "\"title\":\"SRE\",\""
                        + ENTERPRISE
                        + "\":{\"department\":\"Ops\"}}"))
            .path("id")
            .asText();
    engineering = scim.createGroup("engineering");
    backend = scim.createGroup("backend");
    scim.patchOk("/Groups/" + backend, add(alice));
    scim.patchOk("/Groups/" + engineering, add(backend));
    scim.patchOk("/Groups/" + engineering, add(bob));
    scim.patchOk("/Groups/" + engineering, add(dave));
    save("POST", "/admin/v1/applications", CI);
    save("POST", "/admin/v1/applications", OPS);
    bot =
        TestServer.json(
                scim.post(
                    "/Agents",
                    "{\"schemas\":[\"urn:ietf:params:scim:schemas:core:2.0:Agent\"],"
                        + "\"agentUserName\":\"deploy-bot\",\"active\":true,"
                        + "\"owners\":[{\"value\":\""
                        + carol
                        + "\"}],\"roles\":[{\"value\":\"developer\",\"type\":\"ci\"},"
                        + "{\"value\":\"viewer\",\"type\":\"ci\"}]}"))
            .path("id")
            .asText();
    t1 = tick();

    scim.patchOk(
        "/Groups/" + backend,
        "{\"op\":\"remove\",\"path\":\"members[value eq \\\"" + alice + "\\\"]\"}");
    save(
        "PUT",
        "/admin/v1/applications/ci",
        CI.replace(
            "\"sre\", \"filter\": \"title eq \\\"SRE\\\"\", \"roles\": [\"deployer\"]",
            "\"sre\", \"filter\": \"title eq \\\"SRE\\\"\", \"roles\": [\"viewer\"]"));
    scim.patchOk(
        "/Users/" + carol,
        "{\"op\":\"replace\",\"path\":\"" + ENTERPRISE + ":department\",\"value\":\"Sales\"}");
    t2 = tick();
  }

  /** Phase 3, with the hub's targets in place first. */
  void leave() throws Exception {
    save(
        "POST",
        "/admin/v1/targets",
        "{\"name\":\"crm\",\"type\":\"webhook\",\"url\":\"http://127.0.0.1:"
            + receiver.getAddress().getPort()
            + "/hook\"}");
    save(
        "POST",
        "/admin/v1/targets",
        "{\"name\":\"down\",\"type\":\"webhook\",\"url\":\"http://127.0.0.1:1/hook\"}");
    deactivate(bob);
    deactivate(carol);
    assertThat(scim.delete("/Users/" + dave).statusCode()).isEqualTo(204);
    t3 = tick();
  }

  void deactivate(String id) {
    scim.patchOk("/Users/" + id, "{\"op\":\"replace\",\"path\":\"active\",\"value\":false}");
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
    if (receiver != null) {
      receiver.stop(0);
    }
  }

  /** An instant between two phases: nothing is written within a few milliseconds of it. */
  static Instant tick() throws InterruptedException {
    Thread.sleep(5);
    Instant t = Instant.now();
    Thread.sleep(5);
    return t;
  }

  static String add(String id) {
    return "{\"op\":\"add\",\"path\":\"members\",\"value\":[{\"value\":\"" + id + "\"}]}";
  }

  void save(String method, String path, String body) {
    HttpResponse<String> r = idp.send(method, path, body, "Content-Type", "application/json");
    assertThat(r.statusCode()).as(r.body()).isIn(200, 201);
  }

  HttpResponse<String> get(String path) {
    return idp.get(path);
  }

  JsonNode ok(String path) {
    HttpResponse<String> r = get(path);
    assertThat(r.statusCode()).as("%s -> %s", path, r.body()).isEqualTo(200);
    return TestServer.json(r);
  }

  static String at(Instant t) {
    return URLEncoder.encode(t.toString(), StandardCharsets.UTF_8);
  }

  JsonNode subject(String key, String type, Instant t) {
    return ok(
        "/access/v1/history?subject=" + key + "&type=" + type + (t == null ? "" : "&at=" + at(t)));
  }

  /** The roles held in one application, from a subject's history. */
  static List<String> roles(JsonNode history, String application) {
    for (JsonNode a : history.path("applications")) {
      if (a.path("application").asText().equals(application)) {
        return top(a.path("roles"), "role");
      }
    }
    throw new AssertionError("no application " + application + " in " + history);
  }

  /** The field of each element of an array (not of the objects nested in them). */
  static List<String> top(JsonNode array, String field) {
    List<String> out = new ArrayList<>();
    array.forEach(e -> out.add(e.path(field).asText()));
    return out;
  }

  static JsonNode grant(JsonNode history, String application, String role) {
    for (JsonNode a : history.path("applications")) {
      if (a.path("application").asText().equals(application)) {
        for (JsonNode r : a.path("roles")) {
          if (r.path("role").asText().equals(role)) {
            return r.path("grants").get(0);
          }
        }
      }
    }
    throw new AssertionError("no " + role + " in " + application + ": " + history);
  }

  List<String> holders(String role, Instant t) {
    JsonNode h = ok("/access/v1/history?application=ci&role=" + role + "&at=" + at(t));
    return top(h.path("holders"), "display");
  }

  @Test
  void aSubjectsGroupsAndRoles_areThoseItHadAtEachInstant_nestedGroupsAndRulesIncluded()
      throws Exception {
    // Before alice was created, there was no alice.
    assertError(get("/access/v1/history?subject=" + alice + "&at=" + at(t0)), 404, "no user");

    JsonNode a1 = subject("alice", "user", t1);
    assertThat(a1.path("at").asText()).isEqualTo(t1.toString());
    assertThat(a1.path("subject").path("id").asText()).isEqualTo(alice);
    assertThat(a1.path("subject").path("active").asBoolean()).isTrue();
    assertThat(a1.path("groups").toString())
        .contains("{\"id\":\"" + backend + "\",\"display\":\"backend\",\"membership\":\"direct\"}")
        .contains(
            "{\"id\":\""
                + engineering
                + "\",\"display\":\"engineering\",\"membership\":\"nested\"}");
    assertThat(roles(a1, "ci")).containsExactly("developer", "viewer");
    JsonNode g = grant(a1, "ci", "developer");
    assertThat(g.path("rule").asText()).isEqualTo("engineers");
    assertThat(g.path("group").path("display").asText()).isEqualTo("engineering");
    assertThat(g.path("group").path("membership").asText()).isEqualTo("nested");
    assertThat(grant(a1, "ci", "viewer").path("includedBy").asText()).isEqualTo("developer");

    // Alice left backend in phase 2: no groups, no roles; the same now.
    JsonNode a2 = subject(alice, "user", t2);
    assertThat(a2.path("groups")).isEmpty();
    assertThat(roles(a2, "ci")).isEmpty();
    assertThat(roles(subject("alice", "user", null), "ci")).isEmpty();

    // Carol: the sre rule by her title (deployer, then viewer after the rule changed) and the ops
    // rule by her enterprise department (Ops, then Sales).
    JsonNode c1 = subject(carol, "user", t1);
    assertThat(roles(c1, "ci")).containsExactly("deployer", "developer", "viewer");
    assertThat(grant(c1, "ci", "deployer").path("rule").asText()).isEqualTo("sre");
    assertThat(roles(c1, "ops")).containsExactly("operator");
    JsonNode c2 = subject("carol", "user", t2);
    assertThat(roles(c2, "ci")).containsExactly("viewer");
    assertThat(roles(c2, "ops")).isEmpty();

    // An instant with an offset means the same instant.
    String offset =
        t1.atOffset(java.time.ZoneOffset.ofHours(2))
            .format(java.time.format.DateTimeFormatter.ISO_OFFSET_DATE_TIME);
    assertThat(
            roles(
                ok("/access/v1/history?subject=alice&at=" + URLEncoder.encode(offset, "UTF-8")),
                "ci"))
        .containsExactly("developer", "viewer");
  }

  @Test
  void anAgent_isBoundedByItsOwner_atEachInstant() throws Exception {
    leave();
    JsonNode b1 = subject("deploy-bot", "agent", t1);
    assertThat(b1.path("subject").path("id").asText()).isEqualTo(bot);
    assertThat(roles(b1, "ci")).containsExactly("developer", "viewer");
    assertThat(grant(b1, "ci", "developer").path("owner").asText()).isEqualTo(carol);
    assertThat(grant(b1, "ci", "developer").path("rule").asText()).isEqualTo("agent-grant");

    // Carol held only viewer after the rule changed: developer is withheld from her agent.
    JsonNode b2 = subject(bot, "agent", t2);
    assertThat(roles(b2, "ci")).containsExactly("viewer");
    JsonNode ci2 = b2.path("applications").get(0);
    assertThat(ci2.path("withheld").path("developer").asText()).contains("no active owner");

    // Carol deactivated: the agent holds nothing.
    JsonNode b3 = subject(bot, "agent", t3);
    assertThat(roles(b3, "ci")).isEmpty();
    assertThat(b3.path("applications").get(0).path("denial").asText()).contains("no active owner");
  }

  @Test
  void whoHeldARole_atEachInstant_withTheGrantPath() throws Exception {
    leave();
    assertThat(holders("deployer", t1)).containsExactly("Doe, Carol \"CD\"");
    assertThat(holders("deployer", t2)).isEmpty();
    assertThat(holders("developer", t1))
        .containsExactlyInAnyOrder("alice", "bob", "dave", "Doe, Carol \"CD\"", "deploy-bot");
    assertThat(holders("developer", t2)).containsExactlyInAnyOrder("bob", "dave");
    assertThat(holders("developer", t3)).isEmpty();
    assertThat(holders("viewer", t3)).isEmpty();
    JsonNode h = ok("/access/v1/history?application=ci&role=developer&at=" + at(t2));
    JsonNode bobHeld = h.path("holders").get(0);
    assertThat(bobHeld.path("id").asText()).isEqualTo(bob);
    assertThat(bobHeld.path("grants").get(0).path("group").path("membership").asText())
        .isEqualTo("direct");
    // The rule as it was: the application's role set at t0 did not exist.
    assertThat(get("/access/v1/history?application=ci&role=developer&at=" + at(t0)).statusCode())
        .isEqualTo(404);
    assertThat(get("/access/v1/history?application=ci&role=pilot&at=" + at(t1)).statusCode())
        .isEqualTo(404);
  }

  @Test
  void review_listsEverySubjectWithARole_asJsonAndCsv() throws Exception {
    JsonNode review = ok("/access/v1/review/ci?at=" + at(t1));
    assertThat(review.path("application").asText()).isEqualTo("ci");
    List<String> who = new ArrayList<>();
    review
        .path("subjects")
        .forEach(s -> who.add(s.path("type").asText() + ":" + s.path("display").asText()));
    assertThat(who)
        .containsExactly(
            "user:Doe, Carol \"CD\"", "user:alice", "user:bob", "user:dave", "agent:deploy-bot");

    HttpResponse<String> csv = get("/access/v1/review/ci?format=csv&at=" + at(t1));
    assertThat(csv.statusCode()).isEqualTo(200);
    assertThat(csv.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/csv");
    String[] lines = csv.body().split("\r\n");
    assertThat(lines[0]).isEqualTo("type,id,display,active,role,grants");
    assertThat(lines)
        .contains(
            "user," + carol + ",\"Doe, Carol \"\"CD\"\"\",true,deployer,sre",
            "user," + alice + ",alice,true,developer,engineers via group engineering (nested)",
            "user,"
                + alice
                + ",alice,true,viewer,engineers via group engineering (nested) included by"
                + " developer",
            "agent," + bot + ",deploy-bot,true,developer,agent-grant bounded by owner " + carol);
    assertThat(lines)
        .contains(
            "user," + carol + ",\"Doe, Carol \"\"CD\"\"\",true,viewer,sre included by deployer");
    assertThat(lines).hasSize(1 + 3 + 2 + 2 + 2 + 2);

    // Now: alice is gone from the review.
    JsonNode current = ok("/access/v1/review/ci");
    assertThat(top(current.path("subjects"), "display")).doesNotContain("alice");
  }

  @Test
  void leaver_saysWhenTheIdpDeactivated_whatWasHeldAndLost_andWhetherTargetsGotIt()
      throws Exception {
    leave();
    JsonNode bobLeft = ok("/access/v1/leavers/bob");
    assertThat(bobLeft.path("user").path("id").asText()).isEqualTo(bob);
    JsonNode left = bobLeft.path("left");
    assertThat(left.path("event").asText()).isEqualTo("deactivated");
    assertThat(Instant.parse(left.path("at").asText())).isBetween(t2, t3);
    assertThat(left.path("principal").asText()).startsWith("client:");
    assertThat(top(bobLeft.path("rolesBefore"), "role")).containsExactly("developer", "viewer");
    assertThat(bobLeft.path("removals")).hasSize(2);
    for (JsonNode r : bobLeft.path("removals")) {
      assertThat(r.path("entry").path("seq").asLong()).isEqualTo(left.path("seq").asLong());
      assertThat(r.path("why").asText()).isEqualTo("the user left");
    }

    // Carol lost deployer (and ops' operator) earlier, in phase 2, by a rule change and by her
    // department; viewer went when she left.
    JsonNode carolLeft = ok("/access/v1/leavers/" + carol);
    assertThat(top(carolLeft.path("rolesBefore"), "role")).containsExactly("viewer");
    List<String> removed = new ArrayList<>();
    for (JsonNode r : carolLeft.path("removals")) {
      Instant when = Instant.parse(r.path("entry").path("at").asText());
      removed.add(
          r.path("application").asText()
              + ":"
              + r.path("role").asText()
              + "@"
              + (when.isBefore(t2) ? "phase2" : "phase3")
              + ":"
              + r.path("entry").path("resourceType").asText());
    }
    assertThat(removed)
        .containsExactlyInAnyOrder(
            "ci:deployer@phase2:Application",
            "ci:developer@phase2:Application",
            "ops:operator@phase2:User",
            "ci:viewer@phase3:User");

    // Dave was deleted; found by the userName he had.
    JsonNode daveLeft = ok("/access/v1/leavers/dave");
    assertThat(daveLeft.path("left").path("event").asText()).isEqualTo("deleted");
    assertThat(top(daveLeft.path("rolesBefore"), "role")).containsExactly("developer", "viewer");

    // The targets: crm gets the entry; down never does.
    JsonNode crm = null;
    for (int i = 0; i < 100; i++) {
      crm = target(ok("/access/v1/leavers/bob"), "crm");
      if (crm.path("status").asText().equals("delivered")) {
        break;
      }
      Thread.sleep(50);
    }
    assertThat(crm.path("status").asText()).as(crm.toString()).isEqualTo("delivered");
    assertThat(crm.path("nextSeq").asLong()).isGreaterThan(left.path("seq").asLong());
    assertThat(crm.path("deliveredBy").asText()).isNotEmpty();
    JsonNode down = target(ok("/access/v1/leavers/bob"), "down");
    assertThat(down.path("status").asText()).isEqualTo("pending");

    HttpResponse<String> active = get("/access/v1/leavers/alice");
    assertThat(active.statusCode()).isEqualTo(404);
    assertThat(TestServer.json(active).path("error").asText()).contains("has not left");
  }

  static JsonNode target(JsonNode leaver, String name) {
    for (JsonNode t : leaver.path("targets")) {
      if (t.path("name").asText().equals(name)) {
        return t;
      }
    }
    throw new AssertionError("no target " + name + " in " + leaver);
  }

  @Test
  void badQuestions_are400Or404_andGatewaysMayNotAskThem() throws Exception {
    assertError(get("/access/v1/history?subject=alice&at=yesterday"), 400, "RFC 3339");
    assertError(get("/access/v1/history?subject=alice&at=2026-13-01T00:00:00Z"), 400, "at:");
    assertError(get("/access/v1/history"), 400, "required");
    assertError(get("/access/v1/history?application=ci"), 400, "role");
    assertError(get("/access/v1/history?subject=alice&application=ci&role=x"), 400, "not both");
    assertError(get("/access/v1/history?subject=alice&type=robot"), 400, "robot");
    assertError(get("/access/v1/history?subject=nobody"), 404, "no user 'nobody'");
    assertError(get("/access/v1/review/nope"), 404, "no application 'nope'");
    assertError(get("/access/v1/review/ci?format=xml"), 400, "format");
    assertError(get("/access/v1/leavers/nobody"), 404, "no user");
    assertThat(
            idp.send("POST", "/access/v1/history", "{}", "Content-Type", "application/json")
                .statusCode())
        .isEqualTo(405);

    TestServer.Client gateway =
        server.client("Authorization", "Bearer " + token("gateway", "access"));
    HttpResponse<String> denied = gateway.get("/access/v1/history?subject=alice");
    assertError(denied, 403, "admin scope");
    assertThat(denied.headers().firstValue("WWW-Authenticate").orElseThrow())
        .contains("scope=\"admin\"");
    assertThat(gateway.get("/access/v1/review/ci").statusCode()).isEqualTo(403);
  }

  static void assertError(HttpResponse<String> r, int status, String says) {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
    assertThat(TestServer.json(r).path("error").asText()).contains(says);
  }

  /** The store options of the CLI that name the server's store. */
  List<String> storeArgs() {
    return config.database() != null
        ? List.of("--db", config.database())
        : List.of("--data", config.dataDir().toString());
  }

  String token(String name, String scope) {
    StringWriter out = new StringWriter();
    CommandLine cl = Main.commandLine(Map.of(), s -> {});
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(new StringWriter(), true));
    List<String> all =
        new ArrayList<>(
            List.of("client", "create", name, "--tenant", "default", "--scope", scope, "--token"));
    all.addAll(storeArgs());
    assertThat(cl.execute(all.toArray(String[]::new))).isZero();
    Matcher m = Pattern.compile("SCIMD_TOKEN=(\\S+)").matcher(out.toString());
    assertThat(m.find()).isTrue();
    return m.group(1);
  }
}
