package io.scimd.server.journal;

import static io.scimd.core.schema.SchemaUrns.BULK_REQUEST;
import static io.scimd.core.schema.SchemaUrns.GROUP;
import static io.scimd.core.schema.SchemaUrns.USER;
import static io.scimd.server.http.TestServer.patchBody;
import static io.scimd.server.http.TestServer.user;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.scimd.core.schema.SchemaRegistry;
import io.scimd.server.ServerConfig;
import io.scimd.server.http.TestServer;
import io.scimd.store.Change;
import io.scimd.store.JournalEntry;
import io.scimd.store.Member;
import io.scimd.store.PoolSettings;
import io.scimd.store.Scope;
import io.scimd.store.Store;
import io.scimd.store.jdbc.Stores;
import java.net.http.HttpResponse;
import java.time.InstantSource;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Every SCIM write path, sent over HTTP to a started server, leaves exactly the expected entries in
 * the change journal, read back through a second store on the same database. Runs on SQLite here
 * and on PostgreSQL in {@link PostgresJournalOverHttpTest}.
 */
class JournalOverHttpTest {
  static final Scope READER = Scope.system(Scope.DEFAULT_TENANT, "test");

  TestServer server;
  Store journalReader;
  long seen;

  /** Where the server stores (a data directory, or a PostgreSQL URL in the subclass). */
  ServerConfig config() throws Exception {
    return TestServer.config();
  }

  String location(ServerConfig config) {
    return config.database() != null ? config.database() : config.dataDir().toString();
  }

  @BeforeEach
  void start() throws Exception {
    ServerConfig config = config();
    server = TestServer.start(config);
    journalReader =
        Stores.open(
            location(config),
            SchemaRegistry.builtIn(),
            InstantSource.system(),
            PoolSettings.defaults().withMaxPoolSize(2));
    news(); // the bootstrap client and its token
  }

  @AfterEach
  void stop() {
    if (journalReader != null) {
      journalReader.close();
    }
    if (server != null) {
      server.close();
    }
  }

  /** The entries appended since the last call. */
  List<JournalEntry> news() {
    List<JournalEntry> out = journalReader.read(READER, r -> r.journal(seen, 1000));
    if (!out.isEmpty()) {
      seen = out.get(out.size() - 1).seq();
    }
    return out;
  }

  static List<String> described(List<JournalEntry> entries) {
    return entries.stream()
        .map(e -> e.change().kind().wire() + " " + e.change().resourceType())
        .toList();
  }

  String create(String path, String body) {
    return server.client().create(path, body).get("id").asText();
  }

  @Test
  void post_journalsCreatedWithThePrincipalTheRequestIdAndNoPassword() {
    HttpResponse<String> r =
        server.send(
            "POST",
            "/scim/v2/Users",
            "{\"schemas\":[\""
                + USER
                + "\"],\"userName\":\"alice\",\"password\":\"Secret-Passw0rd!\",\"title\":\"CTO\"}",
            "X-Request-Id",
            "okta-req-42");
    assertThat(r.statusCode()).isEqualTo(201);
    assertThat(r.headers().firstValue("X-Request-Id")).contains("okta-req-42");
    String id = TestServer.json(r).get("id").asText();

    List<JournalEntry> entries = news();
    assertThat(described(entries)).containsExactly("created User");
    JournalEntry e = entries.get(0);
    assertThat(e.principal()).startsWith("client:");
    assertThat(e.principalName()).isEqualTo("bootstrap");
    assertThat(e.requestId()).isEqualTo("okta-req-42");
    assertThat(e.source()).isEqualTo("127.0.0.1");
    assertThat(e.change().resourceId()).isEqualTo(id);
    Change.Created c = (Change.Created) e.change();
    assertThat(c.attributes().get("title").asText()).isEqualTo("CTO");
    assertThat(c.redacted()).containsExactly("password");
    assertThat(e.json()).doesNotContain("Secret-Passw0rd!").doesNotContain("pbkdf2");
  }

  @Test
  void requestsWithoutAUsableRequestId_getOneMadeUpAndEchoed() {
    HttpResponse<String> r =
        server.send("POST", "/scim/v2/Users", user("bob"), "X-Request-Id", "bad id with spaces");
    String echoed = r.headers().firstValue("X-Request-Id").orElseThrow();
    assertThat(echoed)
        .matches("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
    assertThat(news().get(0).requestId()).isEqualTo(echoed);
    HttpResponse<String> other = server.send("POST", "/scim/v2/Users", user("bob2"));
    assertThat(other.headers().firstValue("X-Request-Id").orElseThrow()).isNotEqualTo(echoed);
  }

  @Test
  void putAndPatchOfAUser_journalTheAttributesThatChanged_andNothingWhenNothingChanged() {
    String id = create("/scim/v2/Users", user("carol"));
    news();

    assertThat(
            send(
                    "PUT",
                    "/scim/v2/Users/" + id,
                    "{\"schemas\":[\"" + USER + "\"],\"userName\":\"carol\",\"title\":\"VP\"}")
                .statusCode())
        .isEqualTo(200);
    assertThat(
            send(
                    "PATCH",
                    "/scim/v2/Users/" + id,
                    patchBody("{\"op\":\"Replace\",\"path\":\"active\",\"value\":\"False\"}"))
                .statusCode())
        .isEqualTo(200);
    // The same PATCH again changes nothing: no entry.
    assertThat(
            send(
                    "PATCH",
                    "/scim/v2/Users/" + id,
                    patchBody("{\"op\":\"Replace\",\"path\":\"active\",\"value\":\"False\"}"))
                .statusCode())
        .isEqualTo(200);

    List<JournalEntry> entries = news();
    assertThat(described(entries)).containsExactly("replaced User", "patched User");
    Change.Replaced put = (Change.Replaced) entries.get(0).change();
    assertThat(put.attributes()).extracting(Change.AttributeChange::path).containsExactly("title");
    assertThat(put.attributes().get(0).after().asText()).isEqualTo("VP");
    Change.Patched p = (Change.Patched) entries.get(1).change();
    assertThat(p.attributes()).hasSize(1);
    assertThat(p.attributes().get(0).path()).isEqualTo("active");
    assertThat(p.attributes().get(0).after().asBoolean()).isFalse();
  }

  @Test
  void everyMemberForm_journalsTheMembersThatReallyChanged() {
    String u1 = create("/scim/v2/Users", user("m1"));
    String u2 = create("/scim/v2/Users", user("m2"));
    String u3 = create("/scim/v2/Users", user("m3"));
    String g =
        create(
            "/scim/v2/Groups",
            "{\"schemas\":[\""
                + GROUP
                + "\"],\"displayName\":\"eng\",\"members\":[{\"value\":\""
                + u1
                + "\"}]}");
    assertThat(described(news()))
        .containsExactly(
            "created User", "created User", "created User", "created Group", "members_added Group");

    // Okta: add with one member already there.
    send(
        "PATCH",
        "/scim/v2/Groups/" + g,
        patchBody(
            "{\"op\":\"add\",\"path\":\"members\",\"value\":[{\"value\":\""
                + u1
                + "\"},{\"value\":\""
                + u2
                + "\"}]}"));
    assertThat(members(news())).containsExactly("+" + u2);
    // Okta: remove by value filter.
    send(
        "PATCH",
        "/scim/v2/Groups/" + g,
        patchBody("{\"op\":\"remove\",\"path\":\"members[value eq \\\"" + u2 + "\\\"]\"}"));
    assertThat(members(news())).containsExactly("-" + u2);
    // Entra: remove with a value array, one of them not a member.
    send(
        "PATCH",
        "/scim/v2/Groups/" + g,
        patchBody(
            "{\"op\":\"Remove\",\"path\":\"members\",\"value\":[{\"value\":\""
                + u1
                + "\"},{\"value\":\""
                + u3
                + "\"}]}"));
    assertThat(members(news())).containsExactly("-" + u1);
    // Entra: Add in a batch.
    send(
        "PATCH",
        "/scim/v2/Groups/" + g,
        patchBody(
            "{\"op\":\"Add\",\"path\":\"members\",\"value\":[{\"value\":\""
                + u1
                + "\"},{\"value\":\""
                + u3
                + "\"}]}"));
    assertThat(members(news())).containsExactly("+" + u1, "+" + u3);
    // Replace of all members: who left and who joined, not everyone twice.
    send(
        "PATCH",
        "/scim/v2/Groups/" + g,
        patchBody(
            "{\"op\":\"replace\",\"path\":\"members\",\"value\":[{\"value\":\""
                + u3
                + "\"},{\"value\":\""
                + u2
                + "\"}]}"));
    assertThat(members(news())).containsExactlyInAnyOrder("-" + u1, "+" + u2);
    // PUT of the group with members.
    send(
        "PUT",
        "/scim/v2/Groups/" + g,
        "{\"schemas\":[\""
            + GROUP
            + "\"],\"displayName\":\"eng\",\"members\":[{\"value\":\""
            + u1
            + "\"},{\"value\":\""
            + u2
            + "\"}]}");
    assertThat(members(news())).containsExactlyInAnyOrder("-" + u3, "+" + u1);
    // Okta's "push now" on an empty list: replace members [] removes everyone.
    send(
        "PATCH",
        "/scim/v2/Groups/" + g,
        patchBody("{\"op\":\"replace\",\"value\":{\"members\":[]}}"));
    assertThat(members(news())).containsExactlyInAnyOrder("-" + u1, "-" + u2);
    // A rename is an attribute change of the group.
    send(
        "PATCH",
        "/scim/v2/Groups/" + g,
        patchBody(
            "{\"op\":\"replace\",\"value\":{\"id\":\""
                + g
                + "\",\"displayName\":\"engineering\"}}"));
    List<JournalEntry> rename = news();
    assertThat(described(rename)).containsExactly("patched Group");
    assertThat(((Change.Patched) rename.get(0).change()).attributes())
        .extracting(Change.AttributeChange::path)
        .containsExactly("displayName");
  }

  @Test
  void memberPatchOfAGroup_withIfMatch_movesTheETagOnce_andAStaleOneIs412ChangingNothing() {
    String u1 = create("/scim/v2/Users", user("im1"));
    String u2 = create("/scim/v2/Users", user("im2"));
    String g =
        create("/scim/v2/Groups", "{\"schemas\":[\"" + GROUP + "\"],\"displayName\":\"etags\"}");
    String path = "/scim/v2/Groups/" + g;
    news();

    HttpResponse<String> added = send("PATCH", path, addMember(u1), "If-Match", "W/\"1\"");
    assertThat(added.statusCode()).isEqualTo(204);
    assertThat(added.headers().firstValue("ETag")).contains("W/\"2\"");
    assertThat(members(news())).containsExactly("+" + u1);
    HttpResponse<String> read = send("GET", path, null);
    assertThat(read.headers().firstValue("ETag")).contains("W/\"2\"");
    JsonNode group = TestServer.json(read);
    assertThat(group.path("meta").path("version").asText()).isEqualTo("W/\"2\"");
    assertThat(group.path("displayName").asText()).isEqualTo("etags");
    assertThat(group.path("members").findValuesAsText("value")).containsExactly(u1);

    // A stale ETag: 412, and neither the members, the version nor the journal move.
    TestServer.assertScimError(
        send("PATCH", path, addMember(u2), "If-Match", "W/\"1\""), 412, null);
    // The ETag matches but the member is no resource: 400, nothing changes either.
    TestServer.assertScimError(
        send("PATCH", path, addMember("no-such-user"), "If-Match", "W/\"2\""), 400, "invalidValue");
    TestServer.assertScimError(
        send("PATCH", "/scim/v2/Groups/no-such-group", addMember(u2), "If-Match", "W/\"2\""),
        404,
        null);
    assertThat(news()).isEmpty();
    // Adding a member already there changes nothing: the version stays.
    HttpResponse<String> again = send("PATCH", path, addMember(u1), "If-Match", "W/\"2\"");
    assertThat(again.statusCode()).isEqualTo(204);
    assertThat(again.headers().firstValue("ETag")).contains("W/\"2\"");
    assertThat(news()).isEmpty();

    // Asked for the attributes, the answer shows the document and the version the PATCH made.
    HttpResponse<String> shown =
        send("PATCH", path + "?excludedAttributes=members", addMember(u2), "If-Match", "W/\"2\"");
    assertThat(shown.statusCode()).isEqualTo(200);
    assertThat(shown.headers().firstValue("ETag")).contains("W/\"3\"");
    JsonNode body = TestServer.json(shown);
    assertThat(body.path("displayName").asText()).isEqualTo("etags");
    assertThat(body.path("meta").path("version").asText()).isEqualTo("W/\"3\"");
    assertThat(body.has("members")).isFalse();
    assertThat(members(news())).containsExactly("+" + u2);

    // In a bulk request, the operation's version is its If-Match.
    String bulk =
        "{\"schemas\":[\""
            + BULK_REQUEST
            + "\"],\"Operations\":["
            + "{\"method\":\"PATCH\",\"path\":\"/Groups/"
            + g
            + "\",\"version\":\"W/\\\"3\\\"\",\"data\":"
            + removeMember(u1)
            + "},"
            + "{\"method\":\"PATCH\",\"path\":\"/Groups/"
            + g
            + "\",\"version\":\"W/\\\"3\\\"\",\"data\":"
            + removeMember(u2)
            + "}"
            + "]}";
    JsonNode ops = TestServer.json(send("POST", "/scim/v2/Bulk", bulk)).get("Operations");
    assertThat(ops.get(0).path("status").asText()).isEqualTo("200");
    assertThat(ops.get(0).path("version").asText()).isEqualTo("W/\"4\"");
    assertThat(ops.get(1).path("status").asText()).isEqualTo("412");
    assertThat(members(news())).containsExactly("-" + u1);
    assertThat(send("GET", path, null).headers().firstValue("ETag")).contains("W/\"4\"");
  }

  private static String addMember(String id) {
    return patchBody(
        "{\"op\":\"add\",\"path\":\"members\",\"value\":[{\"value\":\"" + id + "\"}]}");
  }

  private static String removeMember(String id) {
    return patchBody("{\"op\":\"remove\",\"path\":\"members[value eq \\\"" + id + "\\\"]\"}");
  }

  /** Member changes as +id / -id, for entries that are membership changes only. */
  static List<String> members(List<JournalEntry> entries) {
    return entries.stream()
        .flatMap(
            e ->
                switch (e.change()) {
                  case Change.MembersAdded a -> a.members().stream().map(m -> "+" + m.value());
                  case Change.MembersRemoved r -> r.members().stream().map(m -> "-" + m.value());
                  default -> throw new AssertionError("not a membership change: " + e.change());
                })
        .toList();
  }

  @Test
  void deleteOfAGroupMember_journalsTheDeletionAndTheLostMembership() {
    String u = create("/scim/v2/Users", user("leaver"));
    String g =
        create(
            "/scim/v2/Groups",
            "{\"schemas\":[\""
                + GROUP
                + "\"],\"displayName\":\"ops\",\"members\":[{\"value\":\""
                + u
                + "\"}]}");
    news();

    assertThat(send("DELETE", "/scim/v2/Users/" + u, null).statusCode()).isEqualTo(204);

    List<JournalEntry> entries = news();
    assertThat(described(entries)).containsExactly("deleted User", "members_removed Group");
    assertThat(((Change.Deleted) entries.get(0).change()).attributes().get("userName").asText())
        .isEqualTo("leaver");
    assertThat(entries.get(1).change())
        .isEqualTo(new Change.MembersRemoved("Group", g, List.of(new Member(u, "User")), true));
    assertThat(entries.get(0).requestId()).isEqualTo(entries.get(1).requestId());
  }

  @Test
  void failedWrites_leaveNoEntry() {
    String id = create("/scim/v2/Users", user("dave"));
    news();

    assertThat(send("POST", "/scim/v2/Users", user("DAVE")).statusCode()).isEqualTo(409);
    // The second operation fails, so the first (valid) one must not survive either (atomic PATCH).
    assertThat(
            send(
                    "PATCH",
                    "/scim/v2/Users/" + id,
                    patchBody(
                        "{\"op\":\"replace\",\"path\":\"title\",\"value\":\"x\"},{\"op\":\"replace\",\"path\":\"nosuch\",\"value\":1}"))
                .statusCode())
        .isEqualTo(400);
    assertThat(
            send("PUT", "/scim/v2/Users/" + id, user("dave"), "If-Match", "W/\"999\"").statusCode())
        .isEqualTo(412);
    assertThat(send("DELETE", "/scim/v2/Users/nobody", null).statusCode()).isEqualTo(404);

    assertThat(news()).isEmpty();
  }

  HttpResponse<String> send(String method, String path, String body, String... headers) {
    return server.send(method, path, body, headers);
  }

  @Test
  void bulk_journalsEachOperationThatWasApplied() {
    String existing = create("/scim/v2/Users", user("erin"));
    news();
    String bulk =
        "{\"schemas\":[\""
            + BULK_REQUEST
            + "\"],\"Operations\":["
            + "{\"method\":\"POST\",\"path\":\"/Users\",\"bulkId\":\"u\",\"data\":"
            + user("frank")
            + "},"
            + "{\"method\":\"POST\",\"path\":\"/Groups\",\"bulkId\":\"g\",\"data\":{\"schemas\":[\""
            + GROUP
            + "\"],\"displayName\":\"bulkers\",\"members\":[{\"value\":\"bulkId:u\"}]}},"
            + "{\"method\":\"POST\",\"path\":\"/Users\",\"bulkId\":\"dup\",\"data\":"
            + user("ERIN")
            + "},"
            + "{\"method\":\"PATCH\",\"path\":\"/Users/"
            + existing
            + "\",\"data\":"
            + patchBody("{\"op\":\"replace\",\"path\":\"title\",\"value\":\"Eng\"}")
            + "},"
            + "{\"method\":\"PUT\",\"path\":\"/Users/"
            + existing
            + "\",\"data\":{\"schemas\":[\""
            + USER
            + "\"],\"userName\":\"erin\",\"title\":\"Mgr\"}},"
            + "{\"method\":\"DELETE\",\"path\":\"/Users/"
            + existing
            + "\"}"
            + "]}";

    HttpResponse<String> r = send("POST", "/scim/v2/Bulk", bulk);

    assertThat(r.statusCode()).isEqualTo(200);
    JsonNode ops = TestServer.json(r).get("Operations");
    assertThat(ops.get(2).get("status").asText()).as(r.body()).isEqualTo("409");
    List<JournalEntry> entries = news();
    assertThat(described(entries))
        .containsExactly(
            "created User",
            "created Group",
            "members_added Group",
            "patched User",
            "replaced User",
            "deleted User");
    assertThat(entries)
        .extracting(JournalEntry::requestId)
        .containsOnly(entries.get(0).requestId());
  }
}
