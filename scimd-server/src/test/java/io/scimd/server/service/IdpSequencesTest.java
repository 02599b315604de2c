package io.scimd.server.service;

import static io.scimd.core.schema.SchemaUrns.ENTERPRISE_USER;
import static io.scimd.core.schema.SchemaUrns.USER;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** What Okta and Microsoft Entra ID send, in their order, at the service level (SCIM-NOTES). */
class IdpSequencesTest extends ServiceFixture {

  @Test
  void okta_userLifecycle_lookupPutDeactivate() {
    String id = createUser("Okta.User@example.com");
    // Okta looks users up case-insensitively before creating.
    JsonNode found = list(users, "userName eq \"okta.user@EXAMPLE.com\"", null).body();
    assertThat(found.get("totalResults").asLong()).isEqualTo(1);
    JsonNode paged =
        list(SCOPE, users, new ListParams(null, null, null, "1", "100", null, null, null), BASE)
            .body();
    assertThat(paged.get("Resources")).hasSize(1);
    // Profile update by PUT of the whole user.
    ScimResponse put =
        service.replace(
            SCOPE,
            users,
            id,
            json(
                "{\"schemas\":[\""
                    + USER
                    + "\"],\"id\":\""
                    + id
                    + "\",\"userName\":\"Okta.User@example.com\","
                    + "\"name\":{\"givenName\":\"Okta\",\"familyName\":\"User\"},\"active\":true,"
                    + "\"emails\":[{\"value\":\"okta.user@example.com\",\"type\":\"work\",\"primary\":true}]}"),
            BASE,
            null,
            null,
            null);
    assertThat(put.status()).isEqualTo(200);
    assertThat(put.body().at("/name/givenName").asText()).isEqualTo("Okta");
    // Deactivation: PATCH replace without path.
    ScimResponse off = patch(users, id, "[{\"op\":\"replace\",\"value\":{\"active\":false}}]");
    assertThat(off.status()).isEqualTo(200);
    assertThat(off.body().get("active").asBoolean()).isFalse();
    assertThat(off.body().at("/name/familyName").asText()).isEqualTo("User");
  }

  @Test
  void okta_groupPush_createAddRemovePutDelete() {
    String u1 = createUser("gp1");
    String u2 = createUser("gp2");
    String g = createGroup("Pushed");
    patch(
        groups,
        g,
        "[{\"op\":\"add\",\"path\":\"members\",\"value\":[{\"value\":\""
            + u1
            + "\",\"display\":\"gp1\"},{\"value\":\""
            + u2
            + "\",\"display\":\"gp2\"}]}]");
    assertThat(memberIds(g)).containsExactlyInAnyOrder(u1, u2);
    patch(groups, g, "[{\"op\":\"remove\",\"path\":\"members[value eq \\\"" + u1 + "\\\"]\"}]");
    assertThat(memberIds(g)).containsExactly(u2);
    service.replace(
        SCOPE,
        groups,
        g,
        json("{\"displayName\":\"Pushed\",\"members\":[{\"value\":\"" + u1 + "\"}]}"),
        BASE,
        null,
        null,
        null);
    assertThat(memberIds(g)).containsExactly(u1);
    // "Push now" on an empty group: replace members [] inside a no-path value.
    patch(groups, g, "[{\"op\":\"replace\",\"value\":{\"id\":\"" + g + "\",\"members\":[]}}]");
    assertThat(memberIds(g)).isEmpty();
    assertThat(service.delete(SCOPE, groups, g, null).status()).isEqualTo(204);
  }

  @Test
  void entra_userProvisioning() {
    // Lookups before creating, by userName and by externalId.
    assertThat(
            list(users, "userName eq \"entra@contoso.com\"", null)
                .body()
                .get("totalResults")
                .asLong())
        .isZero();
    assertThat(list(users, "externalId eq \"0d3f\"", null).body().get("totalResults").asLong())
        .isZero();
    ScimResponse created =
        service.create(
            SCOPE,
            users,
            json(
                "{\"schemas\":[\""
                    + USER
                    + "\",\""
                    + ENTERPRISE_USER
                    + "\"],"
                    + "\"externalId\":\"0d3f\",\"userName\":\"entra@contoso.com\",\"active\":true,"
                    + "\"emails\":[{\"type\":\"home\",\"value\":\"me@home.example\"}]}"),
            BASE,
            null,
            null);
    String id = created.body().get("id").asText();
    assertThat(list(users, "externalId eq \"0d3f\"", null).body().get("totalResults").asLong())
        .isEqualTo(1);
    String manager = createUser("boss@contoso.com");
    ScimResponse r =
        patch(
            users,
            id,
            "[{\"op\":\"Replace\",\"path\":\"active\",\"value\":\"False\"},"
                + "{\"op\":\"Add\",\"path\":\"emails[type eq \\\"work\\\"].value\",\"value\":\"entra@contoso.com\"},"
                + "{\"op\":\"Add\",\"path\":\""
                + ENTERPRISE_USER
                + ":manager\",\"value\":\""
                + manager
                + "\"}]");
    JsonNode u = r.body();
    assertThat(u.get("active").asBoolean()).isFalse();
    List<String> work = new ArrayList<>();
    u.get("emails")
        .forEach(
            e -> {
              if (e.path("type").asText().equals("work")) {
                work.add(e.get("value").asText());
              }
            });
    assertThat(work).containsExactly("entra@contoso.com");
    assertThat(u.get("emails")).hasSize(2);
    assertThat(u.at("/" + ENTERPRISE_USER.replace("/", "~1") + "/manager/value").asText())
        .isEqualTo(manager);
    assertThat(u.get("schemas").toString()).contains(ENTERPRISE_USER);
    // The {"value": id} form of the manager too.
    patch(
        users,
        id,
        "[{\"op\":\"Add\",\"path\":\""
            + ENTERPRISE_USER
            + ":manager\",\"value\":{\"value\":\""
            + id
            + "\"}}]");
    JsonNode again = get(SCOPE, users, id, BASE, null, null, null).body();
    assertThat(again.get(ENTERPRISE_USER).get("manager").get("value").asText()).isEqualTo(id);
  }

  @Test
  void entra_groupMembership_removeByValueArray_andMembershipCheck() {
    String u1 = createUser("e1");
    String u2 = createUser("e2");
    String u3 = createUser("e3");
    assertThat(
            list(groups, "displayName eq \"Entra Group\"", "members")
                .body()
                .get("totalResults")
                .asLong())
        .isZero();
    String g = createGroup("Entra Group");
    patch(
        groups,
        g,
        "[{\"op\":\"Add\",\"path\":\"members\",\"value\":[{\"value\":\""
            + u1
            + "\"},{\"value\":\""
            + u2
            + "\"},{\"value\":\""
            + u3
            + "\"}]}]");
    recording.calls.clear();
    patch(
        groups,
        g,
        "[{\"op\":\"Remove\",\"path\":\"members\",\"value\":[{\"value\":\""
            + u1
            + "\"},{\"value\":\""
            + u3
            + "\"}]}]");
    patch(groups, g, "[{\"op\":\"remove\",\"path\":\"members[value eq \\\"" + u1 + "\\\"]\"}]");
    assertThat(recording.loadedMembers()).as("O(change): " + recording.calls).isFalse();
    assertThat(memberIds(g)).containsExactly(u2);

    recording.calls.clear();
    JsonNode hit =
        list(groups, "id eq \"" + g + "\" and members[value eq \"" + u2 + "\"]", "members").body();
    JsonNode miss =
        list(groups, "id eq \"" + g + "\" and members[value eq \"" + u1 + "\"]", "members").body();
    JsonNode older = list(groups, "members eq \"" + u2 + "\"", "members").body();
    assertThat(hit.get("totalResults").asLong()).isEqualTo(1);
    assertThat(hit.get("Resources").get(0).has("members")).isFalse();
    assertThat(miss.get("totalResults").asLong()).isZero();
    assertThat(older.get("totalResults").asLong()).isEqualTo(1);
    assertThat(recording.loadedMembers()).as(recording.calls.toString()).isFalse();
  }

  @Test
  void entra_parallelMemberPatches_allLand() throws Exception {
    String g = createGroup("Parallel");
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      ids.add(createUser("par" + i));
    }
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<ScimResponse>> futures = new ArrayList<>();
      for (String id : ids) {
        Callable<ScimResponse> c =
            () ->
                patch(
                    groups,
                    g,
                    "[{\"op\":\"Add\",\"path\":\"members\",\"value\":[{\"value\":\""
                        + id
                        + "\"}]}]");
        futures.add(pool.submit(c));
      }
      for (Future<ScimResponse> f : futures) {
        assertThat(f.get().status()).isEqualTo(204);
      }
    } finally {
      pool.shutdown();
    }
    assertThat(memberIds(g)).containsExactlyInAnyOrderElementsOf(ids);
    assertThat(stored(groups, g).meta().version()).isEqualTo(9);
  }
}
