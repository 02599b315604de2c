package io.scimd.server.access;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
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
 * The access model in a running server, over HTTP: applications saved through the admin API,
 * identities pushed over SCIM as an IdP pushes them, and every decision asked as a gateway asks it,
 * through the AuthZEN 1.0 endpoints, with a client that holds only the {@code access} scope. Runs
 * on SQLite here and on PostgreSQL (two nodes) in {@link PostgresAccessOverHttpTest}.
 */
class AccessOverHttpTest {
  TestServer server;
  ServerConfig config;

  /** The bootstrap client: SCIM and admin. */
  TestServer.Client idp;

  /** A gateway: a client of the default tenant with only the access scope. */
  TestServer.Client gateway;

  String alice;
  String bob;
  String carol;
  String engineering;
  String backend;

  ServerConfig config() throws Exception {
    return TestServer.config();
  }

  @BeforeEach
  void start() throws Exception {
    config = config();
    server = TestServer.start(config);
    idp = server.client();
    gateway = server.client("Authorization", "Bearer " + token("default", "gateway", "access"));
    TestServer.Client scim = server.scim();
    alice = scim.createUser("alice");
    bob = scim.createUser("bob");
    carol =
        TestServer.json(
                scim.post(
                    "/Users",
                    "{\"schemas\":[\"urn:ietf:params:scim:schemas:core:2.0:User\"],"
                        + "\"userName\":\"carol\",\"title\":\"SRE\",\"externalId\":\"okta-carol\","
                        + "\"emails\":[{\"value\":\"carol@example.com\",\"primary\":true}]}"))
            .path("id")
            .asText();
    engineering = scim.createGroup("engineering");
    backend = scim.createGroup("backend");
    // alice is in backend, which is in engineering: a nested membership.
    scim.patchOk("/Groups/" + backend, add(alice));
    scim.patchOk("/Groups/" + engineering, add(backend));
    scim.patchOk("/Groups/" + engineering, add(bob));
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  static String add(String id) {
    return "{\"op\":\"add\",\"path\":\"members\",\"value\":[{\"value\":\"" + id + "\"}]}";
  }

  /** The store options of the CLI that name the server's store. */
  List<String> storeArgs() {
    return config.database() != null
        ? List.of("--db", config.database())
        : List.of("--data", config.dataDir().toString());
  }

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

  String token(String tenant, String name, String scope) {
    Matcher m =
        Pattern.compile("SCIMD_TOKEN=(\\S+)")
            .matcher(
                scimd("client", "create", name, "--tenant", tenant, "--scope", scope, "--token"));
    assertThat(m.find()).isTrue();
    return m.group(1);
  }

  static final String CI =
      """
      {"name": "ci", "description": "builds and deploys",
       "roles": [{"name": "viewer", "permissions": ["read"]},
                 {"name": "developer", "permissions": ["build", "repository:push"],
                  "includes": ["viewer"]},
                 {"name": "deployer", "permissions": ["deploy"], "includes": ["developer"],
                  "privileged": true}],
       "rules": [{"name": "engineers", "groups": ["engineering"], "roles": ["developer"]},
                 {"name": "sre", "filter": "title eq \\"SRE\\"", "roles": ["deployer"]}],
       "claims": {"roles": "ci_roles"}}
      """;

  HttpResponse<String> json(TestServer.Client c, String method, String path, String body) {
    return c.send(method, path, body, "Content-Type", "application/json");
  }

  JsonNode saveCi() {
    HttpResponse<String> r = json(idp, "POST", "/admin/v1/applications", CI);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    return TestServer.json(r);
  }

  JsonNode decide(String subject, String action, String resource) {
    HttpResponse<String> r =
        json(
            gateway,
            "POST",
            "/access/v1/evaluation",
            "{\"subject\":"
                + subject
                + ",\"action\":{\"name\":\""
                + action
                + "\"},\"resource\":"
                + resource
                + "}");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return TestServer.json(r);
  }

  static String user(String id) {
    return "{\"type\":\"user\",\"id\":\"" + id + "\"}";
  }

  static final String APP_CI = "{\"type\":\"application\",\"id\":\"ci\"}";

  boolean permitted(String subject, String action) {
    return decide(user(subject), action, APP_CI).path("decision").asBoolean();
  }

  // ---------------------------------------------------------------- applications

  @Test
  void applicationIsCheckedWhenSaved_andEveryProblemIsNamed() {
    HttpResponse<String> bad =
        json(
            idp,
            "POST",
            "/admin/v1/applications",
            """
            {"name": "ci",
             "roles": [{"name": "a", "includes": ["b"]}, {"name": "b", "includes": ["a"]},
                       {"name": "c", "includes": ["nope"]}],
             "rules": [{"groups": ["no-such-group"], "roles": ["a"]},
                       {"filter": "title eq", "roles": ["ghost"]},
                       {"roles": ["a"]}],
             "colour": "red"}
            """);
    assertThat(bad.statusCode()).as(bad.body()).isEqualTo(400);
    assertThat(bad.headers().firstValue("Content-Type").orElseThrow())
        .startsWith("application/problem+json");
    String detail = TestServer.json(bad).path("detail").asText();
    assertThat(detail)
        .contains("colour: unknown field")
        .contains("a cycle, a includes b includes a")
        .contains("unknown role \"nope\"")
        .contains("rules[0].groups[0]: no group \"no-such-group\"")
        .contains("rules[1].filter")
        .contains("rules[1].roles: unknown role \"ghost\"")
        .contains("rules[2]: a rule names groups, a filter, or both");
    // Nothing was saved.
    assertThat(idp.get("/admin/v1/applications/ci").statusCode()).isEqualTo(404);

    JsonNode saved = saveCi();
    assertThat(saved.path("version").asLong()).isEqualTo(1);
    // The group named by displayName is saved by id, with its name.
    assertThat(saved.path("rules").get(0).path("groups").get(0).path("value").asText())
        .isEqualTo(engineering);
    assertThat(json(idp, "POST", "/admin/v1/applications", CI).statusCode()).isEqualTo(409);
    assertThat(TestServer.json(idp.get("/admin/v1/applications")).path("applications")).hasSize(1);
    // A gateway reads decisions, not definitions.
    assertThat(gateway.get("/admin/v1/applications").statusCode()).isEqualTo(403);
  }

  // ---------------------------------------------------------------- decisions

  @Test
  void nestedGroups_filters_includedRoles_andPermissionsDecide_withTheGrantThatDecided() {
    saveCi();
    JsonNode d = decide(user(alice), "build", APP_CI);
    assertThat(d.path("decision").asBoolean()).as(d.toString()).isTrue();
    JsonNode grant = d.path("context").path("grants").get(0);
    assertThat(grant.path("role").asText()).isEqualTo("developer");
    assertThat(grant.path("rule").asText()).isEqualTo("engineers");
    assertThat(grant.path("group").path("display").asText()).isEqualTo("engineering");
    assertThat(grant.path("group").path("membership").asText()).isEqualTo("nested");

    // developer includes viewer: read is permitted, and so is the role viewer, which developer
    // includes.
    assertThat(decide(user("alice"), "read", APP_CI).path("decision").asBoolean()).isTrue();
    JsonNode viewer = decide(user("alice"), "viewer", APP_CI);
    assertThat(viewer.path("context").path("grants").get(0).path("includedBy").asText())
        .isEqualTo("developer");
    assertThat(permitted(alice, "deploy")).isFalse();
    assertThat(permitted(alice, "developer")).as("a role name is an action").isTrue();

    // carol is an SRE by her title: the filter rule; found by email and by externalId too.
    assertThat(permitted("carol@example.com", "deploy")).isTrue();
    assertThat(permitted("okta-carol", "build")).isTrue();
    assertThat(permitted(carol, "deployer")).isTrue();

    // A typed permission holds only on its type.
    String repo =
        "{\"type\":\"repository\",\"id\":\"web\",\"properties\":{\"application\":\"ci\"}}";
    assertThat(decide(user(alice), "push", repo).path("decision").asBoolean()).isTrue();
    assertThat(
            decide(
                    user(alice),
                    "push",
                    "{\"type\":\"pipeline\",\"id\":\"x\","
                        + "\"properties\":{\"application\":\"ci\"}}")
                .path("decision")
                .asBoolean())
        .isFalse();

    JsonNode nobody = decide(user("nobody"), "read", APP_CI);
    assertThat(nobody.path("decision").asBoolean()).isFalse();
    assertThat(nobody.path("context").path("reason_admin").path("en").asText())
        .contains("there is no user 'nobody'");
    JsonNode noApp = decide(user(alice), "read", "{\"type\":\"application\",\"id\":\"billing\"}");
    assertThat(noApp.path("decision").asBoolean()).isFalse();
  }

  @Test
  void deactivation_membershipAndRuleChanges_countInTheVeryNextDecision() {
    saveCi();
    assertThat(permitted(bob, "build")).isTrue();
    server
        .scim()
        .patchOk("/Users/" + bob, "{\"op\":\"replace\",\"path\":\"active\",\"value\":false}");
    JsonNode d = decide(user(bob), "build", APP_CI);
    assertThat(d.path("decision").asBoolean()).isFalse();
    assertThat(d.path("context").path("reason_admin").path("en").asText()).contains("deactivated");

    // alice leaves backend: no longer in engineering.
    assertThat(permitted(alice, "build")).isTrue();
    server
        .scim()
        .patchOk(
            "/Groups/" + backend,
            "{\"op\":\"remove\",\"path\":\"members[value eq \\\"" + alice + "\\\"]\"}");
    assertThat(permitted(alice, "build")).isFalse();

    // The rule changes: engineers become viewers only.
    assertThat(permitted(carol, "deploy")).isTrue();
    HttpResponse<String> put =
        json(
            idp,
            "PUT",
            "/admin/v1/applications/ci",
            CI.replace(
                "\"sre\", \"filter\": \"title eq \\\"SRE\\\"\", \"roles\": [\"deployer\"]",
                "\"sre\", \"filter\": \"title eq \\\"SRE\\\"\", \"roles\": [\"viewer\"]"));
    assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
    assertThat(TestServer.json(put).path("version").asLong()).isEqualTo(2);
    assertThat(permitted(carol, "deploy")).isFalse();
    assertThat(permitted(carol, "read")).isTrue();

    assertThat(idp.delete("/admin/v1/applications/ci").statusCode()).isEqualTo(204);
    assertThat(permitted(carol, "read")).isFalse();
  }

  @Test
  void evaluations_honourTheirSemantics_andDefaults() {
    saveCi();
    String batch =
        "{\"subject\":"
            + user(alice)
            + ",\"resource\":"
            + APP_CI
            + ",\"evaluations\":[{\"action\":{\"name\":\"read\"}},"
            + "{\"action\":{\"name\":\"deploy\"}},"
            + "{\"action\":{\"name\":\"deploy\"},\"subject\":"
            + user(carol)
            + "}]%s}";
    JsonNode all =
        TestServer.json(json(gateway, "POST", "/access/v1/evaluations", batch.formatted("")));
    assertThat(all.has("decision")).as("no top-level decision beside the evaluations").isFalse();
    assertThat(decisions(all)).containsExactly(true, false, true);
    JsonNode deny =
        TestServer.json(
            json(
                gateway,
                "POST",
                "/access/v1/evaluations",
                batch.formatted(",\"options\":{\"evaluations_semantic\":\"deny_on_first_deny\"}")));
    assertThat(decisions(deny)).containsExactly(true, false);
    JsonNode permit =
        TestServer.json(
            json(
                gateway,
                "POST",
                "/access/v1/evaluations",
                batch.formatted(
                    ",\"options\":{\"evaluations_semantic\":\"permit_on_first_permit\"}")));
    assertThat(decisions(permit)).containsExactly(true);

    // No evaluations: a single evaluation.
    JsonNode single =
        TestServer.json(
            json(
                gateway,
                "POST",
                "/access/v1/evaluations",
                "{\"subject\":"
                    + user(alice)
                    + ",\"action\":{\"name\":\"read\"},\"resource\":"
                    + APP_CI
                    + "}"));
    assertThat(single.path("decision").asBoolean()).isTrue();

    HttpResponse<String> badSemantic =
        json(
            gateway,
            "POST",
            "/access/v1/evaluations",
            batch.formatted(",\"options\":{\"evaluations_semantic\":\"majority\"}"));
    assertThat(badSemantic.statusCode()).isEqualTo(400);
    assertThat(TestServer.json(badSemantic).path("error").asText())
        .contains("evaluations_semantic");
    HttpResponse<String> missing =
        json(
            gateway,
            "POST",
            "/access/v1/evaluations",
            "{\"evaluations\":[{\"subject\":" + user(alice) + ",\"resource\":" + APP_CI + "}]}");
    assertThat(missing.statusCode()).isEqualTo(400);
    assertThat(TestServer.json(missing).path("error").asText())
        .contains("evaluations[0].action: required");
  }

  static List<Boolean> decisions(JsonNode answer) {
    List<Boolean> out = new ArrayList<>();
    answer.path("evaluations").forEach(e -> out.add(e.path("decision").asBoolean()));
    return out;
  }

  @Test
  void searches_findSubjectsResourcesAndActions_aPageAtATime() {
    saveCi();
    String subjects =
        "{\"subject\":{\"type\":\"user\"},\"action\":{\"name\":\"build\"},\"resource\":"
            + APP_CI
            + ",\"page\":{\"limit\":2%s}}";
    JsonNode first =
        TestServer.json(json(gateway, "POST", "/access/v1/search/subject", subjects.formatted("")));
    assertThat(first.path("page").path("total").asInt()).as(first.toString()).isEqualTo(3);
    assertThat(first.path("results")).hasSize(2);
    String token = first.path("page").path("next_token").asText();
    assertThat(token).isNotEmpty();
    JsonNode second =
        TestServer.json(
            json(
                gateway,
                "POST",
                "/access/v1/search/subject",
                subjects.formatted(",\"token\":\"" + token + "\"")));
    assertThat(second.path("results")).hasSize(1);
    assertThat(second.path("page").path("next_token").asText()).isEmpty();
    List<String> ids = new ArrayList<>(first.path("results").findValuesAsText("id"));
    ids.addAll(second.path("results").findValuesAsText("id"));
    assertThat(ids).containsExactlyInAnyOrder(alice, bob, carol);
    // Only carol may deploy.
    JsonNode deployers =
        TestServer.json(
            json(
                gateway,
                "POST",
                "/access/v1/search/subject",
                "{\"subject\":{\"type\":\"user\"},\"action\":{\"name\":\"deploy\"},\"resource\":"
                    + APP_CI
                    + "}"));
    assertThat(deployers.path("results").findValuesAsText("id")).containsExactly(carol);
    // A token of another search is refused.
    HttpResponse<String> wrong =
        json(
            gateway,
            "POST",
            "/access/v1/search/subject",
            "{\"subject\":{\"type\":\"user\"},\"action\":{\"name\":\"read\"},\"resource\":"
                + APP_CI
                + ",\"page\":{\"limit\":2,\"token\":\""
                + token
                + "\"}}");
    assertThat(wrong.statusCode()).isEqualTo(400);

    JsonNode resources =
        TestServer.json(
            json(
                gateway,
                "POST",
                "/access/v1/search/resource",
                "{\"subject\":"
                    + user(alice)
                    + ",\"action\":{\"name\":\"build\"},"
                    + "\"resource\":{\"type\":\"application\"}}"));
    assertThat(resources.path("results").get(0).path("id").asText()).isEqualTo("ci");

    JsonNode actions =
        TestServer.json(
            json(
                gateway,
                "POST",
                "/access/v1/search/action",
                "{\"subject\":" + user(alice) + ",\"resource\":" + APP_CI + "}"));
    assertThat(actions.path("results").findValuesAsText("name"))
        .containsExactly("build", "developer", "read", "viewer");
  }

  @Test
  void decisions_areNotCountedAgainstTheClientRateLimit() {
    // The test server runs without a rate limit; this one has the default (100/s, bursts of 200).
    server.close();
    ServerConfig limited =
        TestServer.config()
            .withService(
                TestServer.config()
                    .service()
                    .withRateLimit(io.scimd.server.limits.Rate.parse("5/s", 5)));
    config = limited;
    server = TestServer.start(limited);
    TestServer.Client gw =
        server.client("Authorization", "Bearer " + token("default", "gw", "access"));
    for (int i = 0; i < 20; i++) {
      HttpResponse<String> r =
          json(
              gw,
              "POST",
              "/access/v1/evaluation",
              "{\"subject\":"
                  + user("nobody")
                  + ",\"action\":{\"name\":\"read\"},"
                  + "\"resource\":"
                  + APP_CI
                  + "}");
      assertThat(r.statusCode()).as("decision %d", i).isEqualTo(200);
    }
    // SCIM requests of a client still are.
    int refused = 0;
    for (int i = 0; i < 20; i++) {
      if (server.client().get("/scim/v2/Users").statusCode() == 429) {
        refused++;
      }
    }
    assertThat(refused).isPositive();
  }

  @Test
  void discovery_needsNoCredential_andErrorsAreClear() {
    HttpResponse<String> conf = server.sendRaw("GET", "/.well-known/authzen-configuration", null);
    assertThat(conf.statusCode()).isEqualTo(200);
    JsonNode c = TestServer.json(conf);
    assertThat(c.path("policy_decision_point").asText()).isEqualTo(server.url(""));
    assertThat(c.path("access_evaluation_endpoint").asText())
        .isEqualTo(server.url("/access/v1/evaluation"));
    assertThat(c.path("search_action_endpoint").asText())
        .isEqualTo(server.url("/access/v1/search/action"));

    // A tenant's own policy decision point: its endpoints under /tenants/{t}.
    JsonNode mine =
        TestServer.json(
            server.sendRaw("GET", "/.well-known/authzen-configuration/tenants/default", null));
    assertThat(mine.path("policy_decision_point").asText())
        .isEqualTo(server.url("/tenants/default"));
    assertThat(mine.path("access_evaluation_endpoint").asText())
        .isEqualTo(server.url("/tenants/default/access/v1/evaluation"));
    saveCi();
    String ask =
        "{\"subject\":"
            + user(alice)
            + ",\"action\":{\"name\":\"build\"},\"resource\":"
            + APP_CI
            + "}";
    HttpResponse<String> there =
        json(gateway, "POST", "/tenants/default/access/v1/evaluation", ask);
    assertThat(there.statusCode()).as(there.body()).isEqualTo(200);
    assertThat(TestServer.json(there).path("decision").asBoolean()).isTrue();
    assertThat(json(gateway, "POST", "/tenants/acme/access/v1/evaluation", ask).statusCode())
        .as("another tenant's path answers as if there were none")
        .isEqualTo(404);
    assertThat(server.sendRaw("POST", "/tenants/default/access/v1/evaluation", ask).statusCode())
        .isEqualTo(401);

    assertThat(server.sendRaw("POST", "/access/v1/evaluation", "{}").statusCode()).isEqualTo(401);
    TestServer.Client reader =
        server.client("Authorization", "Bearer " + token("default", "reader", "scim:read"));
    assertThat(json(reader, "POST", "/access/v1/evaluation", "{}").statusCode()).isEqualTo(403);

    HttpResponse<String> noSubject =
        json(
            gateway,
            "POST",
            "/access/v1/evaluation",
            "{\"action\":{\"name\":\"read\"},\"resource\":" + APP_CI + "}");
    assertThat(noSubject.statusCode()).isEqualTo(400);
    assertThat(TestServer.json(noSubject).path("error").asText()).contains("subject: required");
    HttpResponse<String> badType =
        json(
            gateway,
            "POST",
            "/access/v1/evaluation",
            "{\"subject\":{\"type\":\"robot\",\"id\":\"x\"},\"action\":{\"name\":\"read\"},"
                + "\"resource\":"
                + APP_CI
                + "}");
    assertThat(badType.statusCode()).isEqualTo(400);
    assertThat(json(gateway, "POST", "/access/v1/evaluation", "{nope").statusCode()).isEqualTo(400);
    assertThat(gateway.get("/access/v1/evaluation").statusCode()).isEqualTo(405);
    assertThat(json(gateway, "POST", "/access/v1/nothing", "{}").statusCode()).isEqualTo(404);
    HttpResponse<String> echoed =
        gateway.send(
            "POST",
            "/access/v1/evaluation",
            "{}",
            "Content-Type",
            "application/json",
            "X-Request-Id",
            "req-42");
    assertThat(echoed.headers().firstValue("X-Request-Id")).hasValue("req-42");
  }

  // ---------------------------------------------------------------- claims

  @Test
  void claims_andTheOktaAndEntraHooks_carryOnlyWhatMattersToTheApplication() {
    saveCi();
    // Groups that no rule of ci names stay out of its tokens.
    String other = server.scim().createGroup("book-club");
    server.scim().patchOk("/Groups/" + other, add(carol));
    JsonNode claims =
        TestServer.json(gateway.get("/access/v1/claims?application=ci&subject=carol@example.com"));
    assertThat(claims.path("sub").asText()).isEqualTo(carol);
    assertThat(claims.path("email").asText()).isEqualTo("carol@example.com");
    assertThat(claims.path("groups")).isEmpty();
    assertThat(claims.path("ci_roles").toString())
        .isEqualTo("[\"deployer\",\"developer\",\"viewer\"]");
    JsonNode aliceClaims =
        TestServer.json(gateway.get("/access/v1/claims?application=ci&subject=alice"));
    assertThat(aliceClaims.path("groups").toString()).isEqualTo("[\"engineering\"]");
    assertThat(gateway.get("/access/v1/claims?application=nope&subject=alice").statusCode())
        .isEqualTo(404);
    assertThat(gateway.get("/access/v1/claims?application=ci").statusCode()).isEqualTo(400);

    String okta =
        """
        {"eventType": "com.okta.oauth2.tokens.transform", "eventTypeVersion": "1.0",
         "data": {"context": {"user": {"id": "00uOKTA", "profile": {"login": "alice"}}},
                  "identity": {"claims": {"sub": "00uOKTA"}},
                  "access": {"claims": {"sub": "alice"}}}}
        """;
    JsonNode oktaAnswer = TestServer.json(json(gateway, "POST", "/access/v1/hooks/okta/ci", okta));
    JsonNode commands = oktaAnswer.path("commands");
    assertThat(commands.findValuesAsText("type"))
        .containsExactly("com.okta.identity.patch", "com.okta.access.patch");
    JsonNode ops = commands.get(0).path("value");
    assertThat(ops.get(0).path("op").asText()).isEqualTo("add");
    assertThat(ops.get(0).path("path").asText()).isEqualTo("/claims/groups");
    assertThat(ops.get(1).path("path").asText()).isEqualTo("/claims/ci_roles");
    assertThat(ops.get(1).path("value").toString()).isEqualTo("[\"developer\",\"viewer\"]");

    String entra =
        """
        {"type": "microsoft.graph.authenticationEvent.tokenIssuanceStart",
         "source": "/tenants/t/applications/a",
         "data": {"@odata.type": "microsoft.graph.onTokenIssuanceStartCalloutData",
                  "authenticationContext": {"user": {"id": "entra-object-id",
                     "userPrincipalName": "nobody@example.com", "mail": "carol@example.com"}}}}
        """;
    JsonNode entraAnswer =
        TestServer.json(json(gateway, "POST", "/access/v1/hooks/entra/ci", entra));
    assertThat(entraAnswer.path("data").path("@odata.type").asText())
        .isEqualTo("microsoft.graph.onTokenIssuanceStartResponseData");
    JsonNode action = entraAnswer.path("data").path("actions").get(0);
    assertThat(action.path("@odata.type").asText())
        .isEqualTo("microsoft.graph.tokenIssuanceStart.provideClaimsForToken");
    assertThat(action.path("claims").path("ci_roles").toString())
        .isEqualTo("[\"deployer\",\"developer\",\"viewer\"]");

    // Someone scimd does not know logs in with no roles rather than failing the login.
    JsonNode stranger =
        TestServer.json(
            json(
                gateway,
                "POST",
                "/access/v1/hooks/okta/ci",
                okta.replace("alice", "zed").replace("00uOKTA", "00uZED")));
    assertThat(stranger.path("commands").get(0).path("value").get(1).path("value")).isEmpty();
    assertThat(json(gateway, "POST", "/access/v1/hooks/entra/ci", "{}").statusCode())
        .isEqualTo(400);
  }

  // ---------------------------------------------------------------- agents

  /** Creates an agent owned by {@code owners}, granted {@code roles} in ci. */
  String agent(String name, List<String> owners, String... roles) {
    StringBuilder b =
        new StringBuilder(
            "{\"schemas\":[\"urn:ietf:params:scim:schemas:core:2.0:Agent\"],\"agentUserName\":\""
                + name
                + "\",\"owners\":[");
    for (int i = 0; i < owners.size(); i++) {
      b.append(i == 0 ? "" : ",").append("{\"value\":\"").append(owners.get(i)).append("\"}");
    }
    b.append("],\"roles\":[");
    for (int i = 0; i < roles.length; i++) {
      b.append(i == 0 ? "" : ",")
          .append("{\"value\":\"")
          .append(roles[i])
          .append("\",\"type\":\"ci\"}");
    }
    b.append("]}");
    HttpResponse<String> r = server.scim().post("/Agents", b.toString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    return TestServer.json(r).path("id").asText();
  }

  static String agentSubject(String id) {
    return "{\"type\":\"agent\",\"id\":\"" + id + "\"}";
  }

  boolean agentMay(String id, String action) {
    return decide(agentSubject(id), action, APP_CI).path("decision").asBoolean();
  }

  @Test
  void anAgent_holdsOnlyItsGrantsThatAnActiveOwnerHolds_neverAPrivilegedRole() {
    saveCi();
    // Granted developer and deployer; its owner alice is a developer, not a deployer.
    String bot = agent("build-bot", List.of(alice), "developer", "deployer");
    assertThat(agentMay(bot, "build")).isTrue();
    assertThat(agentMay("build-bot", "read"))
        .as("found by agentUserName; viewer is included")
        .isTrue();
    JsonNode deploy = decide(agentSubject(bot), "deploy", APP_CI);
    assertThat(deploy.path("decision").asBoolean()).isFalse();
    JsonNode grant =
        decide(agentSubject(bot), "build", APP_CI).path("context").path("grants").get(0);
    assertThat(grant.path("rule").asText()).isEqualTo("agent-grant");
    assertThat(grant.path("owner").asText()).isEqualTo(alice);

    // carol holds deployer, but deployer is privileged: never an agent's, whoever owns it.
    String ops = agent("ops-bot", List.of(carol), "deployer", "viewer");
    JsonNode privileged = decide(agentSubject(ops), "deployer", APP_CI);
    assertThat(privileged.path("decision").asBoolean()).isFalse();
    assertThat(privileged.path("context").path("reason_admin").path("en").asText())
        .contains("privileged");
    assertThat(agentMay(ops, "viewer")).isTrue();

    // An agent with no grant in ci holds nothing there, whatever its owner holds.
    String idle = agent("idle-bot", List.of(carol));
    assertThat(agentMay(idle, "read")).isFalse();

    // Search finds the agents that may build.
    JsonNode found =
        TestServer.json(
            json(
                gateway,
                "POST",
                "/access/v1/search/subject",
                "{\"subject\":{\"type\":\"agent\"},\"action\":{\"name\":\"read\"},"
                    + "\"resource\":"
                    + APP_CI
                    + "}"));
    assertThat(found.path("results").findValuesAsText("id")).containsExactlyInAnyOrder(bot, ops);
  }

  @Test
  void anAgent_losesEverything_theMomentItsLastActiveOwnerLeaves() {
    saveCi();
    String bot = agent("build-bot", List.of(alice, bob), "developer");
    assertThat(agentMay(bot, "build")).isTrue();
    server
        .scim()
        .patchOk("/Users/" + alice, "{\"op\":\"replace\",\"path\":\"active\",\"value\":false}");
    JsonNode viaBob = decide(agentSubject(bot), "build", APP_CI);
    assertThat(viaBob.path("decision").asBoolean()).as("bob still owns it").isTrue();
    assertThat(viaBob.path("context").path("grants").get(0).path("owner").asText()).isEqualTo(bob);
    // bob is deleted: no active owner is left.
    assertThat(server.scim().delete("/Users/" + bob).statusCode()).isEqualTo(204);
    JsonNode none = decide(agentSubject(bot), "build", APP_CI);
    assertThat(none.path("decision").asBoolean()).isFalse();
    assertThat(none.path("context").path("reason_admin").path("en").asText())
        .contains("no active owner");
    // The agent deactivated itself is denied too.
    String other = agent("other-bot", List.of(carol), "viewer");
    assertThat(agentMay(other, "read")).isTrue();
    server
        .scim()
        .patchOk("/Agents/" + other, "{\"op\":\"replace\",\"path\":\"active\",\"value\":false}");
    assertThat(agentMay(other, "read")).isFalse();
  }

  @Test
  void anAgentsOwnCredential_asksAboutItsAgentOnly() {
    saveCi();
    agent("build-bot", List.of(alice), "developer");
    TestServer.Client bot =
        server.client(
            "Authorization", "Bearer " + token("default", "build-bot-cred", "agent:build-bot"));
    JsonNode mine =
        TestServer.json(
            json(
                bot,
                "POST",
                "/access/v1/evaluation",
                "{\"action\":{\"name\":\"build\"},\"resource\":" + APP_CI + "}"));
    assertThat(mine.path("decision").asBoolean()).as(mine.toString()).isTrue();
    HttpResponse<String> other =
        json(
            bot,
            "POST",
            "/access/v1/evaluation",
            "{\"subject\":"
                + user(alice)
                + ",\"action\":{\"name\":\"build\"},\"resource\":"
                + APP_CI
                + "}");
    assertThat(other.statusCode()).isEqualTo(403);
    assertThat(TestServer.json(other).path("error").asText()).contains("build-bot");
    HttpResponse<String> batch =
        json(
            bot,
            "POST",
            "/access/v1/evaluations",
            "{\"resource\":"
                + APP_CI
                + ",\"evaluations\":[{\"action\":{\"name\":\"read\"}},"
                + "{\"action\":{\"name\":\"deploy\"},\"subject\":"
                + user(carol)
                + "}]}");
    assertThat(batch.statusCode()).isEqualTo(403);
    assertThat(
            json(
                    bot,
                    "POST",
                    "/access/v1/search/subject",
                    "{\"subject\":{\"type\":\"user\"},\"action\":{\"name\":\"build\"},"
                        + "\"resource\":"
                        + APP_CI
                        + "}")
                .statusCode())
        .isEqualTo(403);
    JsonNode actions =
        TestServer.json(
            json(bot, "POST", "/access/v1/search/action", "{\"resource\":" + APP_CI + "}"));
    assertThat(actions.path("results").findValuesAsText("name")).contains("build", "read");
    JsonNode claims = TestServer.json(bot.get("/access/v1/claims?application=ci"));
    assertThat(claims.path("ci_roles").toString()).isEqualTo("[\"developer\",\"viewer\"]");
    assertThat(json(bot, "POST", "/access/v1/hooks/okta/ci", "{}").statusCode()).isEqualTo(403);
    // Nor is it anything else: no SCIM, no admin.
    assertThat(bot.get("/scim/v2/Users").statusCode()).isEqualTo(403);
  }

  /**
   * A refusal decided before the body is read (an agent's credential searching subjects) still
   * reads that body, so the connection serves the client's next request. Answered first and closed,
   * a keep-alive client whose body was still on its way saw its next request fail.
   */
  @Test
  void aRefusalBeforeTheBodyIsRead_keepsTheConnectionForTheNextRequest() throws Exception {
    saveCi();
    agent("build-bot", List.of(alice), "developer");
    String token = token("default", "build-bot-cred", "agent:build-bot");
    byte[] body =
        "{\"subject\":{\"type\":\"user\"},\"action\":{\"name\":\"build\"}}".getBytes(UTF_8);
    String head =
        "POST /access/v1/search/subject HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
            + token
            + "\r\nContent-Type: application/json\r\nContent-Length: "
            + body.length
            + "\r\n\r\n";
    String next =
        "GET /access/v1/claims?application=ci HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
            + token
            + "\r\nConnection: close\r\n\r\n";
    // The headers and the start of the body arrive, the rest later: the refusal is answered
    // while the body is still on its way.
    String answers = server.sendBodyLateThen(head, body, next);
    assertThat(answers).as(answers).startsWith("HTTP/1.1 403");
    assertThat(answers.split("HTTP/1.1 ", -1)).as(answers).hasSize(3);
    assertThat(answers).as(answers).contains("HTTP/1.1 200").contains("ci_roles");
  }

  // ---------------------------------------------------------------- change awareness

  /** The claims of each SET a poll returns, in journal order, acknowledging them. */
  List<JsonNode> poll(String path) {
    JsonNode answer =
        TestServer.json(json(idp, "POST", path, "{\"returnImmediately\":true,\"maxEvents\":100}"));
    List<JsonNode> out = new ArrayList<>();
    java.util.TreeMap<Long, JsonNode> ordered = new java.util.TreeMap<>();
    answer
        .path("sets")
        .fields()
        .forEachRemaining(
            e -> {
              String[] parts = e.getValue().asText().split("\\.");
              JsonNode claims =
                  TestServer.json(
                      new String(
                          java.util.Base64.getUrlDecoder().decode(parts[1]),
                          java.nio.charset.StandardCharsets.UTF_8));
              ordered.put(Long.parseLong(e.getKey().substring(0, e.getKey().indexOf('-'))), claims);
            });
    out.addAll(ordered.values());
    return out;
  }

  @Test
  void entitlementChanges_areEventsOnTheStreamsThatAskForThem() {
    String access = "urn:scimd:secevent:access:changed";
    HttpResponse<String> created =
        json(
            idp,
            "POST",
            "/tenants/default/ssf/streams",
            "{\"delivery\":{\"method\":\"urn:ietf:rfc:8936\"},\"events_requested\":[\""
                + access
                + "\"]}");
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    String poll =
        "/tenants/default/ssf/poll/" + TestServer.json(created).path("stream_id").asText();

    saveCi();
    List<JsonNode> sets = poll(poll);
    assertThat(sets).hasSize(1);
    JsonNode rules = sets.get(0).path("events").path(access);
    assertThat(rules.path("applications").toString()).isEqualTo("[\"ci\"]");
    assertThat(rules.has("subjects")).as("every subject of ci").isFalse();
    assertThat(sets.get(0).path("sub_id").path("id").asText()).isEqualTo("Application/ci");

    // A group no rule names changes no one's entitlements.
    String club = server.scim().createGroup("book-club");
    server.scim().patchOk("/Groups/" + club, add(alice));
    // backend is inside engineering, which ci's rule names: alice's roles change.
    server
        .scim()
        .patchOk(
            "/Groups/" + backend,
            "{\"op\":\"remove\",\"path\":\"members[value eq \\\"" + alice + "\\\"]\"}");
    sets = poll(poll);
    List<JsonNode> membership =
        sets.stream().filter(x -> x.path("events").path(access).has("subjects")).toList();
    assertThat(membership).hasSize(1);
    JsonNode left = membership.get(0).path("events").path(access);
    assertThat(left.path("applications").toString()).isEqualTo("[\"ci\"]");
    assertThat(left.path("subjects").get(0).path("id").asText()).isEqualTo(alice);
    assertThat(membership.get(0).path("sub_id").path("uri").asText())
        .isEqualTo("/Groups/" + backend);
  }

  // ---------------------------------------------------------------- tenants

  @Test
  void anotherTenantsGateway_seesNoneOfThisTenantsApplicationsOrPeople() {
    saveCi();
    scimd("tenant", "create", "acme");
    TestServer.Client acme =
        server.client("Authorization", "Bearer " + token("acme", "acme-gw", "access"));
    HttpResponse<String> r =
        json(
            acme,
            "POST",
            "/access/v1/evaluation",
            "{\"subject\":"
                + user(alice)
                + ",\"action\":{\"name\":\"read\"},\"resource\":"
                + APP_CI
                + "}");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(TestServer.json(r).path("decision").asBoolean()).isFalse();
    assertThat(TestServer.json(r).path("context").path("reason_admin").path("en").asText())
        .contains("no application 'ci'");
    assertThat(acme.get("/access/v1/claims?application=ci&subject=alice").statusCode())
        .isEqualTo(404);
  }
}
