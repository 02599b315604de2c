package io.scimd.server.hub;

import static io.scimd.server.hub.WebhookReceiver.await;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.scimd.core.schema.SchemaUrns;
import io.scimd.server.Main;
import io.scimd.server.ServerConfig;
import io.scimd.server.http.TestServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * A scim target with a mapping and a scope, saved through the admin API of one started scimd
 * (upstream) and delivered by its workers to a second one (downstream), read back over HTTP;
 * reconciled and previewed through the admin API and the CLI.
 */
class ScimMappingOverHttpTest {
  static final Duration SOON = Duration.ofSeconds(5);

  /** userName from the work email, displayName composed by CEL. */
  static final String MAPPING =
      "{\"User\":{\"userName\":{\"from\":\"emails[type eq \\\"work\\\"].value\"},"
          + "\"displayName\":{\"expr\":\"user.name.givenName + ' ' + user.name.familyName\"}}}";

  /** Employees in Engineering, and that group. */
  static final String SCOPE =
      "{\"users\":{\"filter\":\"userType eq \\\"Employee\\\"\",\"groups\":[\"Engineering\"]},"
          + "\"groups\":\"scoped\"}";

  ServerConfig config;
  TestServer upstream;
  TestServer downstream;

  @BeforeEach
  void start() {
    config = HubOverHttpTest.config();
    upstream = TestServer.start(config);
    downstream = TestServer.start();
  }

  @AfterEach
  void stop() {
    upstream.close();
    downstream.close();
  }

  HttpResponse<String> admin(String method, String path, @Nullable String body) {
    return body == null
        ? upstream.send(method, path, null)
        : upstream.send(method, path, body, "Content-Type", "application/json");
  }

  String target(String name, String mapping, String scope) {
    return "{\"name\":\""
        + name
        + "\",\"type\":\"scim\",\"url\":\""
        + downstream.url(TestServer.SCIM)
        + "\",\"auth\":{\"bearer\":\""
        + TestServer.TOKEN
        + "\"},\"mapping\":"
        + mapping
        + ",\"scope\":"
        + scope
        + "}";
  }

  /** A user of the upstream with a home and a work email. */
  String user(String login, String given, String family, String userType) {
    return upstream
        .scim()
        .create(
            "/Users",
            "{\"schemas\":[\""
                + SchemaUrns.USER
                + "\"],\"userName\":\""
                + login
                + "\",\"userType\":\""
                + userType
                + "\",\"active\":true,\"name\":{\"givenName\":\""
                + given
                + "\",\"familyName\":\""
                + family
                + "\"},\"emails\":[{\"value\":\""
                + login
                + "@home.example\",\"type\":\"home\"},{\"value\":\""
                + login
                + "@corp.example\",\"type\":\"work\"}]}")
        .path("id")
        .asText();
  }

  void members(String group, String op, String userId) {
    String body =
        op.equals("add")
            ? "{\"op\":\"add\",\"path\":\"members\",\"value\":[{\"value\":\"" + userId + "\"}]}"
            : "{\"op\":\"remove\",\"path\":\"members[value eq \\\"" + userId + "\\\"]\"}";
    upstream.scim().patchOk("/Groups/" + group, body);
  }

  /** The downstream's users, by userName. */
  Map<String, JsonNode> downstreamUsers() {
    Map<String, JsonNode> out = new java.util.TreeMap<>();
    for (JsonNode u : downstream.scim().list("/Users?count=200").path("Resources")) {
      out.put(u.path("userName").asText(), u);
    }
    return out;
  }

  JsonNode downstreamUser(String userName) {
    JsonNode found =
        downstream
            .scim()
            .list("/Users?filter=" + TestServer.q("userName eq \"" + userName + "\""))
            .path("Resources");
    assertThat(found).as(userName).hasSize(1);
    return found.get(0);
  }

  /** Waits until the target has delivered everything the upstream journaled. */
  void delivered(String name) {
    await(
        SOON,
        () -> {
          JsonNode t = TestServer.json(admin("GET", "/admin/v1/targets/" + name, null));
          return t.path("status").path("pending").asLong(-1) == 0
              && t.path("status").path("attempts").asLong() == 0;
        },
        "everything delivered to " + name);
  }

  @Test
  void aMappedScopedTargetGetsExactlyItsUsersAndIsReconciledAndPreviewed() throws Exception {
    HttpResponse<String> created =
        admin("POST", "/admin/v1/targets", target("crm", MAPPING, SCOPE));
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    assertThat(TestServer.json(created).path("mapping").path("User").has("userName")).isTrue();

    String ada = user("ada", "Ada", "Lovelace", "Employee");
    String bob = user("bob", "Bob", "Contractor", "Contractor");
    user("cy", "Cy", "Outside", "Employee"); // not in Engineering
    String dan = user("dan", "Dan", "Brown", "Employee");
    String eng =
        upstream
            .scim()
            .create(
                "/Groups",
                "{\"schemas\":[\""
                    + SchemaUrns.GROUP
                    + "\"],\"displayName\":\"Engineering\",\"members\":[{\"value\":\""
                    + ada
                    + "\"},{\"value\":\""
                    + bob
                    + "\"}]}")
            .path("id")
            .asText();
    upstream.scim().createGroup("Sales"); // not pushed: the scope pushes Engineering only
    members(eng, "add", dan); // joins after the group was sent

    await(
        SOON,
        () ->
            downstreamUsers()
                .keySet()
                .equals(new TreeSet<>(List.of("ada@corp.example", "dan@corp.example"))),
        "the mapped, scoped users on the downstream: " + downstreamUsers().keySet());
    delivered("crm");
    JsonNode adaThere = downstreamUser("ada@corp.example");
    assertThat(adaThere.path("displayName").asText()).isEqualTo("Ada Lovelace");
    assertThat(adaThere.path("active").asBoolean()).isTrue();
    JsonNode groups = downstream.scim().list("/Groups").path("Resources");
    assertThat(groups).hasSize(1);
    assertThat(groups.get(0).path("displayName").asText()).isEqualTo("Engineering");
    JsonNode engThere = downstream.scim().read("/Groups/" + groups.get(0).path("id").asText());
    List<String> memberIds = new ArrayList<>();
    engThere.path("members").forEach(m -> memberIds.add(m.path("value").asText()));
    assertThat(memberIds)
        .containsExactlyInAnyOrder(
            adaThere.path("id").asText(), downstreamUser("dan@corp.example").path("id").asText());

    // Ada leaves Engineering, so the scope: deactivated there, not deleted.
    members(eng, "remove", ada);
    await(
        SOON,
        () -> !downstreamUser("ada@corp.example").path("active").asBoolean(true),
        "ada deactivated on the downstream");
    delivered("crm");

    // Drift made on the downstream directly: dan renamed there, and a missing in-scope user.
    String danThere = downstreamUser("dan@corp.example").path("id").asText();
    downstream
        .scim()
        .patchOk(
            "/Users/" + danThere,
            "{\"op\":\"replace\",\"path\":\"displayName\",\"value\":\"Someone Else\"}");
    String ed = user("ed", "Ed", "Wood", "Employee");
    members(eng, "add", ed);
    await(SOON, () -> downstreamUsers().containsKey("ed@corp.example"), "ed delivered");
    delivered("crm");
    String edThere = downstreamUser("ed@corp.example").path("id").asText();
    assertThat(downstream.scim().delete("/Users/" + edThere).statusCode()).isEqualTo(204);

    JsonNode dry = TestServer.json(admin("POST", "/admin/v1/targets/crm/reconcile", "{}"));
    assertThat(dry.path("dryRun").asBoolean()).as("a dry run when not asked otherwise").isTrue();
    String engThereId = groups.get(0).path("id").asText();
    assertThat(findings(dry))
        .containsExactlyInAnyOrder(
            "update different User " + dan + " " + danThere,
            "create missing User " + ed + " null",
            "update membership Group " + eng + " " + engThereId);
    assertThat(downstreamUser("dan@corp.example").path("displayName").asText())
        .as("a dry run changes nothing")
        .isEqualTo("Someone Else");
    assertThat(downstreamUsers()).doesNotContainKey("ed@corp.example");

    JsonNode repaired =
        TestServer.json(admin("POST", "/admin/v1/targets/crm/reconcile", "{\"dryRun\":false}"));
    assertThat(repaired.path("dryRun").asBoolean()).isFalse();
    assertThat(repaired.path("findings")).hasSize(3);
    assertThat(repaired.path("findings"))
        .allSatisfy(f -> assertThat(f.path("repaired").asBoolean()).isTrue());
    assertThat(downstreamUser("dan@corp.example").path("displayName").asText())
        .isEqualTo("Dan Brown");
    assertThat(downstreamUser("ed@corp.example").path("displayName").asText()).isEqualTo("Ed Wood");
    JsonNode again = TestServer.json(admin("POST", "/admin/v1/targets/crm/reconcile", "{}"));
    assertThat(again.path("findings")).as(again.toString()).isEmpty();

    // Preview: every employee, no groups. Cy would be created, Ada updated (activated again),
    // Engineering deleted; nothing changes, and the saved scope stays.
    Map<String, JsonNode> before = downstreamUsers();
    String candidate =
        "{\"mapping\":"
            + MAPPING
            + ",\"scope\":{\"users\":{\"filter\":"
            + "\"userType eq \\\"Employee\\\"\"},\"groups\":\"none\"}}";
    HttpResponse<String> preview = admin("POST", "/admin/v1/targets/crm/preview", candidate);
    assertThat(preview.statusCode()).as(preview.body()).isEqualTo(200);
    JsonNode p = TestServer.json(preview);
    List<String> actions = new ArrayList<>();
    p.path("findings")
        .forEach(
            f ->
                actions.add(
                    f.path("action").asText()
                        + " "
                        + f.path("resourceType").asText()
                        + " "
                        + f.path("id").asText()));
    assertThat(actions)
        .containsExactlyInAnyOrder(
            "create User " + userId("cy"), "update User " + ada, "delete Group " + eng);
    assertThat(p.path("summary").path("create").asInt()).isEqualTo(1);
    assertThat(p.path("summary").path("delete").asInt()).isEqualTo(1);
    assertThat(downstreamUsers().keySet()).isEqualTo(before.keySet());
    assertThat(downstream.scim().list("/Groups").path("Resources")).hasSize(1);
    assertThat(TestServer.json(admin("GET", "/admin/v1/targets/crm", null)).path("scope"))
        .isEqualTo(TestServer.json(SCOPE));

    // An invalid candidate: 400 naming the attribute.
    HttpResponse<String> badPreview =
        admin(
            "POST",
            "/admin/v1/targets/crm/preview",
            "{\"mapping\":{\"User\":{\"displayNme\":{\"value\":\"x\"}}}}");
    assertThat(badPreview.statusCode()).as(badPreview.body()).isEqualTo(400);
    assertThat(badPreview.body()).contains("displayNme");

    // The CLI, beside the running server on its data directory.
    assertThat(scimd("target", "reconcile", "crm", "--dry-run")).as(err).isZero();
    assertThat(out).contains("would create 0, update 0, deactivate 0, delete 0");
    Path file = Files.createTempFile(config.dataDir(), "candidate", ".json");
    Files.writeString(file, candidate);
    assertThat(scimd("target", "preview", "crm", "--file", file.toString())).as(err).isZero();
    assertThat(out)
        .containsPattern("create\\s+missing\\s+User\\s+" + userId("cy"))
        .containsPattern("delete\\s+extra\\s+Group\\s+" + eng)
        .contains("would create 1, update 1, deactivate 0, delete 1 (3 finding(s))");
    downstream
        .scim()
        .patchOk(
            "/Users/" + danThere, "{\"op\":\"replace\",\"path\":\"title\",\"value\":\"Boss\"}");
    assertThat(scimd("target", "reconcile", "crm")).as(err).isZero();
    assertThat(out).contains("(repaired)").contains("did create 0, update 1");
    assertThat(downstreamUser("dan@corp.example").has("title")).isFalse();
  }

  @Test
  void badMappingsAndOtherTargetsAreRefusedNamingWhatToFix() {
    HttpResponse<String> bad =
        admin(
            "POST",
            "/admin/v1/targets",
            target(
                "crm",
                "{\"User\":{\"userNme\":{\"from\":\"userName\"},"
                    + "\"title\":{\"from\":\"titel\"}}}",
                "{\"users\":{\"filter\":\"departmnt eq \\\"x\\\"\"}}"));
    assertThat(bad.statusCode()).as(bad.body()).isEqualTo(400);
    assertThat(bad.body()).contains("userNme").contains("titel").contains("departmnt");
    assertThat(admin("GET", "/admin/v1/targets/crm", null).statusCode()).isEqualTo(404);

    HttpResponse<String> hook =
        admin(
            "POST",
            "/admin/v1/targets",
            "{\"name\":\"hook\",\"type\":\"webhook\",\"url\":\"http://127.0.0.1:9/hook\"}");
    assertThat(hook.statusCode()).as(hook.body()).isEqualTo(201);
    HttpResponse<String> r = admin("POST", "/admin/v1/targets/hook/reconcile", "{}");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
    assertThat(r.body()).contains("only scim targets");
    assertThat(admin("POST", "/admin/v1/targets/nope/reconcile", "{}").statusCode()).isEqualTo(404);
    assertThat(
            admin("POST", "/admin/v1/targets/hook/reconcile", "{\"dryRun\":\"yes\"}").statusCode())
        .isEqualTo(400);
  }

  String userId(String userName) {
    return upstream
        .scim()
        .list("/Users?filter=" + TestServer.q("userName eq \"" + userName + "\""))
        .path("Resources")
        .get(0)
        .path("id")
        .asText();
  }

  static List<String> findings(JsonNode report) {
    List<String> out = new ArrayList<>();
    report
        .path("findings")
        .forEach(
            f ->
                out.add(
                    f.path("action").asText()
                        + " "
                        + f.path("kind").asText()
                        + " "
                        + f.path("resourceType").asText()
                        + " "
                        + f.path("id").asText()
                        + " "
                        + (f.path("remoteId").isNull() ? "null" : f.path("remoteId").asText())));
    return out;
  }

  String out = "";
  String err = "";

  int scimd(String... args) {
    StringWriter o = new StringWriter();
    StringWriter e = new StringWriter();
    CommandLine cl = Main.commandLine(Map.of(), s -> {});
    cl.setOut(new PrintWriter(o, true));
    cl.setErr(new PrintWriter(e, true));
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--data", config.dataDir().toString()));
    int code = cl.execute(all.toArray(String[]::new));
    out = o.toString();
    err = e.toString();
    return code;
  }
}
