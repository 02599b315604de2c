package io.scimd.server.agents;

import static io.scimd.server.http.TestServer.assertScimError;
import static io.scimd.server.http.TestServer.json;
import static io.scimd.server.http.TestServer.patchBody;
import static io.scimd.server.http.TestServer.q;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.scimd.core.schema.SchemaUrns;
import io.scimd.server.ServerConfig;
import io.scimd.server.http.TestServer;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Agent resource type (docs/decisions/0020-agents.md) over HTTP against a started server:
 * discovery, create, read, list with filters, sort and cursors, PUT, PATCH, DELETE, ETags, Bulk,
 * the owner rule on every write, and the journal as the audit API reads it. On SQLite here, on
 * PostgreSQL in {@link PostgresAgentsOverHttpTest}.
 */
class AgentsOverHttpTest {
  static final String AGENTS = "/scim/v2/Agents";

  TestServer server;
  TestServer.Client scim;

  ServerConfig config() throws Exception {
    return TestServer.config();
  }

  @BeforeEach
  void start() throws Exception {
    server = TestServer.start(config());
    scim = server.client();
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  static String agent(String name, String... ownerIds) {
    return typedAgent(name, "Assistant", ownerIds);
  }

  static String typedAgent(String name, String agentType, String... ownerIds) {
    List<String> owners = new ArrayList<>();
    for (String id : ownerIds) {
      owners.add("{\"value\":\"" + id + "\"}");
    }
    return "{\"schemas\":[\""
        + SchemaUrns.AGENT
        + "\"],\"agentUserName\":\""
        + name
        + "\",\"agentType\":\""
        + agentType
        + "\",\"active\":true,\"owners\":["
        + String.join(",", owners)
        + "]}";
  }

  String createAgent(String name, String... ownerIds) {
    return scim.create(AGENTS, agent(name, ownerIds)).get("id").asText();
  }

  int agentCount() {
    return scim.list(AGENTS).path("totalResults").asInt();
  }

  @Test
  void discovery_publishesTheAgentTypeAndSchema() {
    JsonNode type = scim.read("/scim/v2/ResourceTypes/Agent");
    assertThat(type.path("endpoint").asText()).isEqualTo("/Agents");
    assertThat(type.path("schema").asText()).isEqualTo(SchemaUrns.AGENT);
    List<String> names = new ArrayList<>();
    scim.read("/scim/v2/ResourceTypes")
        .path("Resources")
        .forEach(t -> names.add(t.path("name").asText()));
    assertThat(names).contains("User", "Group", "Agent");

    JsonNode schema = scim.read("/scim/v2/Schemas/" + SchemaUrns.AGENT);
    List<String> attributes = new ArrayList<>();
    schema.path("attributes").forEach(a -> attributes.add(a.path("name").asText()));
    assertThat(attributes)
        .contains(
            "agentUserName",
            "displayName",
            "description",
            "active",
            "agentType",
            "subject",
            "owners",
            "roles",
            "entitlements");
    JsonNode name = schema.path("attributes").get(attributes.indexOf("agentUserName"));
    assertThat(name.path("required").asBoolean()).isTrue();
    assertThat(name.path("uniqueness").asText()).isEqualTo("server");
    assertThat(name.path("caseExact").asBoolean()).isFalse();
  }

  @Test
  void create_withAnOwner_is201WithLocationEtagAndTheOwnerReferenced() {
    String ann =
        scim.create(
                "/scim/v2/Users",
                "{\"schemas\":[\""
                    + SchemaUrns.USER
                    + "\"],\"userName\":\"ann\",\"displayName\":\"Ann Smith\"}")
            .get("id")
            .asText();
    HttpResponse<String> r =
        scim.post(
            AGENTS,
            "{\"schemas\":[\""
                + SchemaUrns.AGENT
                + "\"],\"agentUserName\":\"helpdesk-bot\",\"displayName\":\"Helpdesk bot\","
                + "\"description\":\"Answers tickets\",\"agentType\":\"Assistant\","
                + "\"subject\":\"Sub-123\",\"externalId\":\"ext-1\","
                + "\"roles\":[{\"value\":\"triage\",\"primary\":true}],"
                + "\"entitlements\":[{\"value\":\"tickets.read\"}],"
                + "\"owners\":[{\"value\":\""
                + ann
                + "\",\"type\":\"User\"}]}");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    JsonNode a = json(r);
    String id = a.get("id").asText();
    assertThat(r.headers().firstValue("Location").orElseThrow()).endsWith("/scim/v2/Agents/" + id);
    assertThat(r.headers().firstValue("ETag").orElseThrow())
        .isEqualTo(a.at("/meta/version").asText());
    assertThat(a.at("/meta/resourceType").asText()).isEqualTo("Agent");
    assertThat(a.path("schemas").get(0).asText()).isEqualTo(SchemaUrns.AGENT);
    assertThat(a.path("subject").asText()).isEqualTo("Sub-123");
    JsonNode owner = a.path("owners").get(0);
    assertThat(owner.path("value").asText()).isEqualTo(ann);
    assertThat(owner.path("$ref").asText()).endsWith("/scim/v2/Users/" + ann);
    assertThat(owner.path("display").asText()).isEqualTo("Ann Smith");

    JsonNode read = scim.read(AGENTS + "/" + id);
    assertThat(read.path("agentUserName").asText()).isEqualTo("helpdesk-bot");
    assertThat(read.path("roles").get(0).path("value").asText()).isEqualTo("triage");

    // The tenant's own mount serves the same agents.
    JsonNode viaTenant = scim.read("/tenants/default/scim/v2/Agents/" + id);
    assertThat(viaTenant.at("/meta/location").asText())
        .endsWith("/tenants/default/scim/v2/Agents/" + id);
  }

  @Test
  void create_withoutOwners_is400InvalidValue_andCreatesNothing() {
    String noOwners = "{\"schemas\":[\"" + SchemaUrns.AGENT + "\"],\"agentUserName\":\"lonely\"}";
    JsonNode e = assertScimError(scim.post(AGENTS, noOwners), 400, "invalidValue");
    assertThat(e.path("detail").asText()).contains("at least one owner");
    e = assertScimError(scim.post(AGENTS, agent("lonely")), 400, "invalidValue");
    assertThat(e.path("detail").asText()).contains("at least one owner");
    assertThat(agentCount()).isZero();
  }

  @Test
  void create_withAnOwnerThatIsNoUser_is400NamingIt() {
    String user = scim.createUser("ann");
    String group = scim.createGroup("admins");
    String nobody = "6a1d8c1e-0000-4000-8000-000000000000";
    JsonNode e =
        assertScimError(scim.post(AGENTS, agent("bot", user, nobody)), 400, "invalidValue");
    assertThat(e.path("detail").asText()).contains(nobody).contains("not the id of a User");
    e = assertScimError(scim.post(AGENTS, agent("bot", group)), 400, "invalidValue");
    assertThat(e.path("detail").asText()).contains(group);
    String groupTyped =
        "{\"schemas\":[\""
            + SchemaUrns.AGENT
            + "\"],\"agentUserName\":\"bot\",\"owners\":[{\"value\":\""
            + user
            + "\",\"type\":\"Group\"}]}";
    e = assertScimError(scim.post(AGENTS, groupTyped), 400, "invalidValue");
    assertThat(e.path("detail").asText()).contains("owners.type").contains("User");
    assertThat(agentCount()).isZero();
  }

  @Test
  void create_withAnOwnerIdInUpperCase_storesTheUsersId() {
    String ann = scim.createUser("ann");
    JsonNode a = scim.create(AGENTS, agent("bot", ann.toUpperCase(java.util.Locale.ROOT)));
    assertThat(ownerIds(a)).containsExactly(ann);
  }

  @Test
  void agentUserName_isUniqueInTheTenantIgnoringCase() {
    String ann = scim.createUser("ann");
    createAgent("Helpdesk-Bot", ann);
    assertScimError(scim.post(AGENTS, agent("helpdesk-bot", ann)), 409, "uniqueness");
    // A User may share the name: uniqueness is per resource type.
    assertThat(scim.post("/scim/v2/Users", TestServer.user("helpdesk-bot")).statusCode())
        .isEqualTo(201);
  }

  @Test
  void list_filtersByAgentTypeAndName_sortsAndPagesWithCursors() {
    String ann = scim.createUser("ann");
    scim.create(AGENTS, typedAgent("alpha", "Assistant", ann));
    scim.create(AGENTS, typedAgent("Bravo", "Autonomous", ann));
    scim.create(AGENTS, typedAgent("charlie", "Assistant", ann));
    scim.create(AGENTS, typedAgent("delta", "Workflow", ann));

    assertThat(names("agentType eq \"Assistant\"", "&sortBy=agentUserName"))
        .containsExactly("alpha", "charlie");
    assertThat(names("agentUserName eq \"BRAVO\"", "")).containsExactly("Bravo");
    assertThat(
            names("agentUserName sw \"b\" or agentType eq \"Workflow\"", "&sortBy=agentUserName"))
        .containsExactly("Bravo", "delta");
    assertThat(names("owners.value eq \"" + ann + "\"", "")).hasSize(4);
    assertThat(names("agentUserName pr", "&sortBy=agentUserName&sortOrder=descending"))
        .containsExactly("delta", "charlie", "Bravo", "alpha");

    List<String> paged = new ArrayList<>();
    JsonNode page = scim.list(AGENTS + "?count=3&cursor&sortBy=agentUserName");
    page.path("Resources").forEach(a -> paged.add(a.path("agentUserName").asText()));
    String next = page.path("nextCursor").asText();
    assertThat(next).isNotEmpty();
    scim.list(AGENTS + "?count=3&sortBy=agentUserName&cursor=" + q(next))
        .path("Resources")
        .forEach(a -> paged.add(a.path("agentUserName").asText()));
    assertThat(paged).containsExactly("alpha", "Bravo", "charlie", "delta");
  }

  List<String> names(String filter, String more) {
    List<String> out = new ArrayList<>();
    scim.list(AGENTS + "?filter=" + q(filter) + more)
        .path("Resources")
        .forEach(a -> out.add(a.path("agentUserName").asText()));
    return out;
  }

  @Test
  void patch_replacesActive_addsAndRemovesOwners_butNeverTheLastOne() {
    String ann = scim.createUser("ann");
    String bob = scim.createUser("bob");
    String id = createAgent("bot", ann);

    HttpResponse<String> r =
        scim.patch(
            AGENTS + "/" + id,
            patchBody("{\"op\":\"replace\",\"path\":\"active\",\"value\":false}"));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(json(r).path("active").asBoolean()).isFalse();

    r =
        scim.patch(
            AGENTS + "/" + id,
            patchBody(
                "{\"op\":\"add\",\"path\":\"owners\",\"value\":[{\"value\":\"" + bob + "\"}]}"));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(ownerIds(json(r))).containsExactlyInAnyOrder(ann, bob);

    String nobody = "6a1d8c1e-0000-4000-8000-000000000000";
    JsonNode e =
        assertScimError(
            scim.patch(
                AGENTS + "/" + id,
                patchBody(
                    "{\"op\":\"add\",\"path\":\"owners\",\"value\":[{\"value\":\""
                        + nobody
                        + "\"}]}")),
            400,
            "invalidValue");
    assertThat(e.path("detail").asText()).contains(nobody);

    r =
        scim.patch(
            AGENTS + "/" + id,
            patchBody("{\"op\":\"remove\",\"path\":\"owners[value eq \\\"" + ann + "\\\"]\"}"));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(ownerIds(json(r))).containsExactly(bob);
    String version = json(r).at("/meta/version").asText();

    e =
        assertScimError(
            scim.patch(
                AGENTS + "/" + id,
                patchBody("{\"op\":\"remove\",\"path\":\"owners[value eq \\\"" + bob + "\\\"]\"}")),
            400,
            "invalidValue");
    assertThat(e.path("detail").asText()).contains("at least one owner");
    assertScimError(
        scim.patch(AGENTS + "/" + id, patchBody("{\"op\":\"remove\",\"path\":\"owners\"}")),
        400,
        "invalidValue");
    JsonNode after = scim.read(AGENTS + "/" + id);
    assertThat(ownerIds(after)).containsExactly(bob);
    assertThat(after.at("/meta/version").asText()).isEqualTo(version);
  }

  static List<String> ownerIds(JsonNode agent) {
    List<String> out = new ArrayList<>();
    agent.path("owners").forEach(o -> out.add(o.path("value").asText()));
    return out;
  }

  @Test
  void put_replacesTheAgent_withIfMatch_andRefusesOneWithoutOwners() {
    String ann = scim.createUser("ann");
    String bob = scim.createUser("bob");
    HttpResponse<String> created = scim.post(AGENTS, agent("bot", ann));
    String id = json(created).get("id").asText();
    String etag = created.headers().firstValue("ETag").orElseThrow();

    HttpResponse<String> r =
        scim.put(AGENTS + "/" + id, typedAgent("bot-2", "Workflow", bob), "If-Match", etag);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(json(r).path("agentUserName").asText()).isEqualTo("bot-2");
    assertThat(ownerIds(json(r))).containsExactly(bob);
    String newTag = r.headers().firstValue("ETag").orElseThrow();
    assertThat(newTag).isNotEqualTo(etag);

    assertScimError(scim.put(AGENTS + "/" + id, agent("bot-3", ann), "If-Match", etag), 412, null);
    assertScimError(scim.put(AGENTS + "/" + id, agent("bot-3")), 400, "invalidValue");
    assertThat(scim.read(AGENTS + "/" + id).path("agentUserName").asText()).isEqualTo("bot-2");

    HttpResponse<String> notModified = scim.get(AGENTS + "/" + id, "If-None-Match", newTag);
    assertThat(notModified.statusCode()).isEqualTo(304);

    assertScimError(scim.delete(AGENTS + "/" + id, "If-Match", etag), 412, null);
    assertThat(scim.delete(AGENTS + "/" + id, "If-Match", newTag).statusCode()).isEqualTo(204);
    assertScimError(scim.get(AGENTS + "/" + id), 404, null);
  }

  @Test
  void deletingAnOwner_leavesTheAgentAndItsOwnerEntry_whichStaysWritable() {
    String ann = scim.createUser("ann");
    String id = createAgent("bot", ann);
    assertThat(scim.delete("/scim/v2/Users/" + ann).statusCode()).isEqualTo(204);

    JsonNode orphan = scim.read(AGENTS + "/" + id);
    assertThat(ownerIds(orphan)).containsExactly(ann);
    // Deactivating it must not first demand a new owner.
    HttpResponse<String> r =
        scim.patch(
            AGENTS + "/" + id,
            patchBody("{\"op\":\"replace\",\"path\":\"active\",\"value\":false}"));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    // A PUT may keep the owner it has; it may not add a deleted User anew.
    assertThat(scim.put(AGENTS + "/" + id, agent("bot", ann)).statusCode()).isEqualTo(200);
    String other = createAgent("other", scim.createUser("bob"));
    assertScimError(scim.put(AGENTS + "/" + other, agent("other", ann)), 400, "invalidValue");
  }

  @Test
  void bulk_createsAgentsOwnedByUsersOfTheSameRequest_andFailsABadOneAlone() {
    String body =
        "{\"schemas\":[\""
            + SchemaUrns.BULK_REQUEST
            + "\"],\"Operations\":["
            + "{\"method\":\"POST\",\"path\":\"/Users\",\"bulkId\":\"u1\",\"data\":"
            + TestServer.user("ann")
            + "},"
            + "{\"method\":\"POST\",\"path\":\"/Agents\",\"bulkId\":\"a1\",\"data\":"
            + agent("bot", "bulkId:u1")
            + "},"
            + "{\"method\":\"POST\",\"path\":\"/Agents\",\"bulkId\":\"a2\",\"data\":"
            + agent("stray", "6a1d8c1e-0000-4000-8000-000000000000")
            + "}]}";
    HttpResponse<String> r = scim.post("/scim/v2/Bulk", body);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    List<String> statuses = new ArrayList<>();
    json(r).path("Operations").forEach(o -> statuses.add(o.path("status").asText()));
    assertThat(statuses).containsExactly("201", "201", "400");
    JsonNode bad = json(r).path("Operations").get(2).path("response");
    assertThat(bad.path("scimType").asText()).isEqualTo("invalidValue");
    assertThat(names("agentUserName eq \"bot\"", "")).containsExactly("bot");
    assertThat(agentCount()).isEqualTo(1);
  }

  @Test
  void everyWrite_isJournaledAsAgent_andReadBackThroughTheAuditApi() {
    String ann = scim.createUser("ann");
    String id = createAgent("bot", ann);
    scim.patchOk(
        AGENTS + "/" + id, "{\"op\":\"replace\",\"path\":\"agentType\",\"value\":\"Workflow\"}");
    assertThat(scim.put(AGENTS + "/" + id, agent("bot", ann)).statusCode()).isEqualTo(200);
    assertThat(scim.delete(AGENTS + "/" + id).statusCode()).isEqualTo(204);

    HttpResponse<String> r = server.send("GET", "/admin/v1/audit/Agent/" + id, null);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    List<String> operations = new ArrayList<>();
    json(r)
        .path("entries")
        .forEach(
            e -> {
              assertThat(e.path("resourceType").asText()).isEqualTo("Agent");
              operations.add(e.path("operation").asText());
            });
    assertThat(operations).containsExactlyInAnyOrder("created", "patched", "replaced", "deleted");

    HttpResponse<String> all = server.send("GET", "/admin/v1/audit?resourceType=Agent", null);
    assertThat(all.statusCode()).as(all.body()).isEqualTo(200);
    assertThat(json(all).path("entries").size()).isEqualTo(4);
  }
}
