package io.scimd.server.service;

import static io.scimd.core.schema.SchemaUrns.USER;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.scimd.core.error.ScimException;
import io.scimd.core.error.ScimType;
import org.junit.jupiter.api.Test;

class ScimServiceCrudTest extends ServiceFixture {

  @Test
  void create_answers201WithLocationEtagAndResource() {
    ScimResponse r =
        service.create(
            SCOPE,
            users,
            json("{\"schemas\":[\"" + USER + "\"],\"userName\":\"alice\",\"active\":true}"),
            BASE,
            null,
            null);
    assertThat(r.status()).isEqualTo(201);
    String id = r.body().get("id").asText();
    assertThat(r.headers())
        .containsEntry("Location", BASE + "/Users/" + id)
        .containsEntry("ETag", "W/\"1\"");
    assertThat(r.body().get("userName").asText()).isEqualTo("alice");
    assertThat(r.body().at("/meta/location").asText()).isEqualTo(BASE + "/Users/" + id);
    assertThat(r.body().at("/meta/version").asText()).isEqualTo("W/\"1\"");
  }

  @Test
  void create_appliesAttributesToTheResponse() {
    ScimResponse r =
        service.create(
            SCOPE,
            users,
            json(
                "{\"schemas\":[\""
                    + USER
                    + "\"],\"userName\":\"bob\",\"displayName\":\"Bob\",\"active\":true}"),
            BASE,
            "userName",
            null);
    assertThat(r.body().has("userName")).isTrue();
    assertThat(r.body().has("id")).isTrue();
    assertThat(r.body().has("displayName")).isFalse();
    assertThat(r.body().has("active")).isFalse();
  }

  @Test
  void create_duplicateUserNameInAnyCase_is409Uniqueness() {
    createUser("Carol");
    ScimException e = error(() -> createUser("carol"));
    assertThat(e.status()).isEqualTo(409);
    assertThat(e.scimType()).isEqualTo(ScimType.UNIQUENESS);
  }

  @Test
  void password_isStoredHashedAndNeverReturnedNorFilterable() {
    ScimResponse r =
        service.create(
            SCOPE,
            users,
            json(
                "{\"schemas\":[\"" + USER + "\"],\"userName\":\"dave\",\"password\":\"Hunter2!\"}"),
            BASE,
            "password,userName",
            null);
    String id = r.body().get("id").asText();
    assertThat(r.body().has("password")).isFalse();
    String stored = stored(users, id).attributes().get("password").asText();
    assertThat(stored).startsWith(Passwords.PREFIX).doesNotContain("Hunter2!");
    assertThat(Passwords.verify("Hunter2!", stored)).isTrue();
    assertThat(get(SCOPE, users, id, BASE, null, null, null).body().has("password")).isFalse();

    ScimException e = error(() -> list(users, "password pr", null));
    assertThat(e.scimType()).isEqualTo(ScimType.INVALID_FILTER);

    // PUT without a password keeps the stored hash; PATCH with one re-hashes it.
    service.replace(
        SCOPE,
        users,
        id,
        json("{\"userName\":\"dave\",\"displayName\":\"D\"}"),
        BASE,
        null,
        null,
        null);
    assertThat(stored(users, id).attributes().get("password").asText()).isEqualTo(stored);
    patch(users, id, "[{\"op\":\"replace\",\"path\":\"password\",\"value\":\"N3w-pass\"}]");
    String after = stored(users, id).attributes().get("password").asText();
    assertThat(Passwords.verify("N3w-pass", after)).isTrue();
  }

  @Test
  void get_unknownId_is404NamingTypeAndId() {
    ScimException e = error(() -> get(SCOPE, users, "nope-42", BASE, null, null, null));
    assertThat(e.status()).isEqualTo(404);
    assertThat(e.getMessage()).contains("User").contains("nope-42");
  }

  @Test
  void get_ifNoneMatchCurrent_is304WithEtagAndNoBody() {
    String id = createUser("erin");
    for (String tag : new String[] {"W/\"1\"", "\"1\"", "W/\"9\", W/\"1\"", "*"}) {
      ScimResponse r = get(SCOPE, users, id, BASE, null, null, tag);
      assertThat(r.status()).as(tag).isEqualTo(304);
      assertThat(r.body()).isNull();
      assertThat(r.headers()).containsEntry("ETag", "W/\"1\"");
    }
    assertThat(get(SCOPE, users, id, BASE, null, null, "W/\"0\"").status()).isEqualTo(200);
  }

  @Test
  void replace_ifMatchStale_is412AndChangesNothing() {
    String id = createUser("frank");
    patch(users, id, "[{\"op\":\"replace\",\"path\":\"displayName\",\"value\":\"F\"}]");
    ScimException e =
        error(
            () ->
                service.replace(
                    SCOPE,
                    users,
                    id,
                    json("{\"userName\":\"frank2\"}"),
                    BASE,
                    null,
                    null,
                    "W/\"1\""));
    assertThat(e.status()).isEqualTo(412);
    assertThat(stored(users, id).attributes().get("userName").asText()).isEqualTo("frank");
    ScimResponse ok =
        service.replace(
            SCOPE, users, id, json("{\"userName\":\"frank2\"}"), BASE, null, null, "W/\"2\"");
    assertThat(ok.status()).isEqualTo(200);
    assertThat(ok.headers()).containsEntry("ETag", "W/\"3\"");
  }

  @Test
  void replace_bodyIdDifferentFromUrl_isIgnoredAndTheUrlResourceIsReplaced() {
    String id = createUser("gina");
    ScimResponse r =
        service.replace(
            SCOPE,
            users,
            id,
            json("{\"id\":\"other\",\"userName\":\"gina2\"}"),
            BASE,
            null,
            null,
            null);
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.body().get("id").asText()).isEqualTo(id);
    assertThat(stored(users, id).attributes().get("userName").asText()).isEqualTo("gina2");
    assertThat(
            service
                .replace(
                    SCOPE,
                    users,
                    id,
                    json("{\"id\":\"" + id + "\",\"userName\":\"gina\"}"),
                    BASE,
                    null,
                    null,
                    null)
                .status())
        .isEqualTo(200);
  }

  @Test
  void replace_groupWithMembers_replacesAllMembers_withoutMembersKeepsThem() {
    String a = createUser("a1");
    String b = createUser("b1");
    String c = createUser("c1");
    String g = createGroup("G", a, b);
    service.replace(
        SCOPE,
        groups,
        g,
        json("{\"displayName\":\"G\",\"members\":[{\"value\":\"" + c + "\"}]}"),
        BASE,
        null,
        null,
        null);
    assertThat(memberIds(g)).containsExactly(c);
    service.replace(SCOPE, groups, g, json("{\"displayName\":\"G2\"}"), BASE, null, null, null);
    assertThat(memberIds(g)).containsExactly(c);
    service.replace(
        SCOPE, groups, g, json("{\"displayName\":\"G2\",\"members\":[]}"), BASE, null, null, null);
    assertThat(memberIds(g)).isEmpty();
  }

  @Test
  void members_getRefAndDisplay_andUsersGetGroupsWithRef() {
    String a = createUser("hank");
    String g = createGroup("Staff", a);
    JsonNode group = get(SCOPE, groups, g, BASE, null, null, null).body();
    JsonNode m = group.get("members").get(0);
    assertThat(m.get("value").asText()).isEqualTo(a);
    assertThat(m.get("$ref").asText()).isEqualTo(BASE + "/Users/" + a);
    assertThat(m.get("display").asText()).isEqualTo("hank");
    JsonNode user = get(SCOPE, users, a, BASE, null, null, null).body();
    JsonNode gr = user.get("groups").get(0);
    assertThat(gr.get("value").asText()).isEqualTo(g);
    assertThat(gr.get("$ref").asText()).isEqualTo(BASE + "/Groups/" + g);
    assertThat(gr.get("display").asText()).isEqualTo("Staff");
    recording.calls.clear();
    assertThat(get(SCOPE, users, a, BASE, null, "groups", null).body().has("groups")).isFalse();
    assertThat(recording.calls).noneMatch(c -> c.contains("groups=true"));
  }

  @Test
  void excludedMembers_neverReadsTheMembers() {
    String a = createUser("ivy");
    String g = createGroup("Ops", a);
    recording.calls.clear();
    JsonNode group = get(SCOPE, groups, g, BASE, null, "members", null).body();
    assertThat(group.has("members")).isFalse();
    ScimResponse l = list(groups, "displayName eq \"Ops\"", "members");
    assertThat(l.body().get("Resources").get(0).has("members")).isFalse();
    assertThat(recording.loadedMembers()).as(recording.calls.toString()).isFalse();
  }

  @Test
  void patch_groupWithoutProjection_is204WithEtag_withAttributes200() {
    String a = createUser("jack");
    String g = createGroup("Eng");
    recording.calls.clear();
    ScimResponse r =
        patch(
            groups,
            g,
            "[{\"op\":\"add\",\"path\":\"members\",\"value\":[{\"value\":\"" + a + "\"}]}]");
    assertThat(r.status()).isEqualTo(204);
    assertThat(r.body()).isNull();
    assertThat(r.headers()).containsEntry("ETag", "W/\"2\"");
    assertThat(recording.loadedMembers()).as(recording.calls.toString()).isFalse();
    // Members alone: the group's document is neither read nor rewritten, only its version moves.
    assertThat(recording.calls)
        .containsExactly("metaForUpdate(Group)", "addMembers(1)", "touch(Group)");
    ScimResponse r2 =
        service.patch(
            SCOPE,
            groups,
            g,
            json(
                "{\"Operations\":[{\"op\":\"replace\",\"path\":\"displayName\",\"value\":\"Eng2\"}]}"),
            BASE,
            "displayName",
            null,
            null);
    assertThat(r2.status()).isEqualTo(200);
    assertThat(r2.body().get("displayName").asText()).isEqualTo("Eng2");
    ScimResponse user =
        patch(users, a, "[{\"op\":\"replace\",\"path\":\"displayName\",\"value\":\"J\"}]");
    assertThat(user.status()).isEqualTo(200);
    assertThat(user.body().get("displayName").asText()).isEqualTo("J");
  }

  @Test
  void patch_nothingChanged_keepsVersion_memberChangeBumpsIt() {
    String a = createUser("kim");
    String g = createGroup("Sales");
    patch(groups, g, "[{\"op\":\"remove\",\"path\":\"members[value eq \\\"nobody\\\"]\"}]");
    assertThat(stored(groups, g).meta().version())
        .isEqualTo(1); // removing a non-member changes nothing
    patch(users, a, "[{\"op\":\"remove\",\"path\":\"nickName\"}]");
    assertThat(stored(users, a).meta().version()).isEqualTo(1);
    patch(
        groups, g, "[{\"op\":\"add\",\"path\":\"members\",\"value\":[{\"value\":\"" + a + "\"}]}]");
    assertThat(stored(groups, g).meta().version()).isEqualTo(2);
  }

  @Test
  void patch_failingLastOperation_leavesVersionAndMembersUnchanged() {
    String a = createUser("lee");
    String b = createUser("max");
    String g = createGroup("Atomic", a);
    ScimException e =
        error(
            () ->
                patch(
                    groups,
                    g,
                    "[{\"op\":\"add\",\"path\":\"members\",\"value\":[{\"value\":\""
                        + b
                        + "\"}]},"
                        + "{\"op\":\"remove\",\"path\":\"members[value eq \\\""
                        + a
                        + "\\\"]\"},"
                        + "{\"op\":\"replace\",\"path\":\"displayName\",\"value\":\"Renamed\"},"
                        + "{\"op\":\"add\",\"path\":\"members\",\"value\":[{\"value\":\"no-such-id\"}]}]"));
    assertThat(e.status()).isEqualTo(400);
    assertThat(memberIds(g)).containsExactly(a);
    assertThat(stored(groups, g).meta().version()).isEqualTo(1);
    assertThat(stored(groups, g).attributes().get("displayName").asText()).isEqualTo("Atomic");

    ScimException e2 =
        error(
            () ->
                patch(
                    users,
                    a,
                    "[{\"op\":\"replace\",\"path\":\"displayName\",\"value\":\"X\"},{\"op\":\"remove\"}]"));
    assertThat(e2.scimType()).isIn(ScimType.NO_TARGET, ScimType.INVALID_SYNTAX);
    assertThat(stored(users, a).meta().version()).isEqualTo(1);
  }

  @Test
  void patch_removeWhereNonEqualityFilter_removesMatchingMembers() {
    String a = createUser("ned");
    String b = createUser("oli");
    String g = createGroup("Mixed", a, b);
    String inner = createGroup("Inner");
    patch(
        groups,
        g,
        "[{\"op\":\"add\",\"path\":\"members\",\"value\":[{\"value\":\""
            + inner
            + "\",\"type\":\"Group\"}]}]");
    patch(groups, g, "[{\"op\":\"remove\",\"path\":\"members[type eq \\\"Group\\\"]\"}]");
    assertThat(memberIds(g)).containsExactly(a, b);
  }

  @Test
  void patch_ifMatchStale_is412() {
    String a = createUser("pat");
    ScimException e =
        error(
            () ->
                service.patch(
                    SCOPE,
                    users,
                    a,
                    json(
                        "{\"Operations\":[{\"op\":\"replace\",\"path\":\"active\",\"value\":false}]}"),
                    BASE,
                    null,
                    null,
                    "W/\"5\""));
    assertThat(e.status()).isEqualTo(412);
  }

  @Test
  void delete_204_thenUnknown404_staleIfMatch412() {
    String a = createUser("quinn");
    assertThat(error(() -> service.delete(SCOPE, users, a, "W/\"3\"")).status()).isEqualTo(412);
    assertThat(service.delete(SCOPE, users, a, "W/\"1\"").status()).isEqualTo(204);
    assertThat(error(() -> service.delete(SCOPE, users, a, null)).status()).isEqualTo(404);
    assertThat(error(() -> get(SCOPE, users, a, BASE, null, null, null)).status()).isEqualTo(404);
  }
}
