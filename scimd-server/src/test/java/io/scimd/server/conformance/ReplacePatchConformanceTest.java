package io.scimd.server.conformance;

import static io.scimd.core.schema.SchemaUrns.ENTERPRISE_USER;
import static io.scimd.core.schema.SchemaUrns.GROUP;
import static io.scimd.core.schema.SchemaUrns.PATCH_OP;
import static io.scimd.core.schema.SchemaUrns.USER;
import static io.scimd.server.http.TestServer.assertScimError;
import static io.scimd.server.http.TestServer.json;
import static io.scimd.server.http.TestServer.patchBody;
import static io.scimd.server.http.TestServer.user;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** RFC 7644 §3.5.1 (PUT) and §3.5.2 (PATCH_OP), with the RFC's own examples. */
class ReplacePatchConformanceTest extends ConformanceSuite {
  static JsonNode bjensen() {
    return scim.create(
        "/Users",
        "{\"schemas\":[\""
            + USER
            + "\",\""
            + ENTERPRISE_USER
            + "\"],\"userName\":\""
            + fresh("bjensen")
            + "\",\"externalId\":\"bjensen\","
            + "\"name\":{\"givenName\":\"Barbara\",\"familyName\":\"Jensen\"},\"title\":\"Tour Guide\",\"nickName\":\"B\","
            + "\"emails\":[{\"value\":\"bjensen@example.com\",\"type\":\"work\",\"primary\":true},{\"value\":\"babs@jensen.org\",\"type\":\"home\"}],"
            + "\"addresses\":[{\"type\":\"work\",\"streetAddress\":\"100 Universal City Plaza\",\"locality\":\"Hollywood\"}],"
            + "\""
            + ENTERPRISE_USER
            + "\":{\"department\":\"Tours\"}}");
  }

  static JsonNode get(JsonNode r) {
    HttpResponse<String> g =
        scim.get("/" + r.path("meta").path("resourceType").asText() + "s/" + r.path("id").asText());
    assertThat(g.statusCode()).isEqualTo(200);
    return json(g);
  }

  static HttpResponse<String> patch(JsonNode r, String... ops) {
    return scim.patch(
        "/" + r.path("meta").path("resourceType").asText() + "s/" + r.path("id").asText(),
        patchBody(ops));
  }

  static JsonNode patchOk(JsonNode r, String... ops) {
    HttpResponse<String> p = patch(r, ops);
    assertThat(p.statusCode()).as(p.body()).isIn(200, 204);
    assertThat(p.headers().firstValue("ETag")).isPresent();
    return get(r);
  }

  static List<String> memberIds(JsonNode group) {
    List<String> out = new ArrayList<>();
    group.path("members").forEach(m -> out.add(m.path("value").asText()));
    out.sort(null);
    return out;
  }

  // §3.5.1 PUT

  @Test
  void rfc7644_3_5_1_put_replacesAll_omittedAttributesAreCleared_readOnlyKept() {
    JsonNode u = bjensen();
    String id = u.path("id").asText();
    String userName = u.path("userName").asText();
    HttpResponse<String> r =
        scim.put(
            "/Users/" + id,
            "{\"schemas\":[\""
                + USER
                + "\"],\"id\":\""
                + id
                + "\",\"userName\":\""
                + userName
                + "\",\"displayName\":\"Babs\","
                + "\"meta\":{\"created\":\"2001-01-01T00:00:00Z\"}}");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonNode after = json(r);
    assertThat(after.path("displayName").asText()).isEqualTo("Babs");
    assertThat(after.has("title")).isFalse();
    assertThat(after.has("name")).isFalse();
    assertThat(after.has("emails")).isFalse();
    assertThat(after.has(ENTERPRISE_USER)).isFalse();
    assertThat(after.path("id").asText()).isEqualTo(id);
    assertThat(after.path("meta").path("created").asText())
        .isEqualTo(u.path("meta").path("created").asText());
    assertThat(after.path("meta").path("version").asText())
        .isNotEqualTo(u.path("meta").path("version").asText());
    assertThat(r.headers().firstValue("ETag"))
        .hasValue(after.path("meta").path("version").asText());
    assertThat(get(u).has("title")).isFalse();
  }

  @Test
  void rfc7644_3_5_1_put_errors() {
    JsonNode u = bjensen();
    String id = u.path("id").asText();
    assertScimError(
        scim.put("/Users/" + id, "{\"schemas\":[\"" + USER + "\"],\"title\":\"x\"}"),
        400,
        "invalidValue");
    assertScimError(
        scim.put("/Users/no-such-id", "{\"schemas\":[\"" + USER + "\"],\"userName\":\"zz\"}"),
        404,
        null);
    String other = bjensen().path("userName").asText();
    assertScimError(
        scim.put(
            "/Users/" + id,
            "{\"schemas\":[\"" + USER + "\"],\"userName\":\"" + other.toUpperCase() + "\"}"),
        409,
        "uniqueness");
  }

  @Test
  void rfc7643_2_2_immutable_mayBeSetOnce_thenChangingItIsMutability() {
    JsonNode d =
        scim.create(
            "/Devices", "{\"schemas\":[\"" + DEVICE + "\"],\"name\":\"" + fresh("dev") + "\"}");
    String path = "/Devices/" + d.path("id").asText();
    String name = d.path("name").asText();
    HttpResponse<String> set =
        scim.put(
            path,
            "{\"schemas\":[\"" + DEVICE + "\"],\"name\":\"" + name + "\",\"assetTag\":\"A1\"}");
    assertThat(set.statusCode()).as(set.body()).isEqualTo(200);
    assertThat(json(set).path("assetTag").asText()).isEqualTo("A1");
    HttpResponse<String> same =
        scim.put(
            path,
            "{\"schemas\":[\""
                + DEVICE
                + "\"],\"name\":\""
                + name
                + "\",\"assetTag\":\"A1\",\"size\":2}");
    assertThat(same.statusCode()).as(same.body()).isEqualTo(200);
    assertScimError(
        scim.put(
            path,
            "{\"schemas\":[\"" + DEVICE + "\"],\"name\":\"" + name + "\",\"assetTag\":\"B2\"}"),
        400,
        "mutability");
    assertScimError(
        scim.patch(path, patchBody("{\"op\":\"replace\",\"path\":\"assetTag\",\"value\":\"B2\"}")),
        400,
        "mutability");
    assertScimError(
        scim.patch(path, patchBody("{\"op\":\"remove\",\"path\":\"assetTag\"}")),
        400,
        "mutability");
    assertThat(json(scim.get(path)).path("assetTag").asText()).isEqualTo("A1");
  }

  @Test
  void rfc7643_2_2_writeOnly_isAcceptedButNeverReturned() {
    JsonNode d =
        scim.create(
            "/Devices",
            "{\"schemas\":[\""
                + DEVICE
                + "\"],\"name\":\""
                + fresh("dev")
                + "\",\"secret\":\"x\"}");
    assertThat(d.has("secret")).isFalse();
    JsonNode p = patchOk(d, "{\"op\":\"replace\",\"path\":\"secret\",\"value\":\"y\"}");
    assertThat(p.has("secret")).isFalse();
  }

  // §3.5.2.1 add

  @Test
  void rfc7644_3_5_2_1_addMembers_rfcExample() {
    String uid = scim.createUser(fresh("m"));
    JsonNode g =
        scim.create(
            "/Groups", "{\"schemas\":[\"" + GROUP + "\"],\"displayName\":\"" + fresh("g") + "\"}");
    JsonNode after =
        patchOk(
            g,
            "{\"op\":\"add\",\"path\":\"members\",\"value\":[{\"display\":\"Babs Jensen\",\"$ref\":\""
                + scim.base()
                + "/Users/"
                + uid
                + "\",\"value\":\""
                + uid
                + "\"}]}");
    assertThat(memberIds(after)).containsExactly(uid);
    // Adding the same member again does not duplicate it.
    assertThat(
            memberIds(
                patchOk(
                    g,
                    "{\"op\":\"add\",\"path\":\"members\",\"value\":[{\"value\":\""
                        + uid
                        + "\"}]}")))
        .containsExactly(uid);
  }

  @Test
  void rfc7644_3_5_2_1_addWithoutPath_rfcExample() {
    JsonNode u = bjensen();
    HttpResponse<String> r =
        patch(
            u,
            "{\"op\":\"add\",\"value\":{\"emails\":[{\"value\":\"babs@jensen.net\",\"type\":\"other\"}],\"nickname\":\"Babs\"}}");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonNode after = json(r);
    assertThat(after.path("nickName").asText()).isEqualTo("Babs");
    assertThat(after.path("emails").size()).isEqualTo(3);
    assertThat(after.path("emails").toString())
        .contains("babs@jensen.net")
        .contains("bjensen@example.com");
    assertThat(after.path("meta").path("version").asText())
        .isNotEqualTo(u.path("meta").path("version").asText());
    assertThat(r.headers().firstValue("ETag"))
        .hasValue(after.path("meta").path("version").asText());
  }

  @Test
  void rfc7644_3_5_2_1_addToSingleValued_replaces_andAddOfComplexMerges() {
    JsonNode u = bjensen();
    JsonNode after =
        patchOk(
            u,
            "{\"op\":\"add\",\"path\":\"title\",\"value\":\"Boss\"}",
            "{\"op\":\"add\",\"path\":\"name\",\"value\":{\"middleName\":\"J\"}}");
    assertThat(after.path("title").asText()).isEqualTo("Boss");
    assertThat(after.path("name").path("middleName").asText()).isEqualTo("J");
    assertThat(after.path("name").path("givenName").asText()).isEqualTo("Barbara");
  }

  @Test
  void notes_noPathValueObject_acceptsSubAttributeAndUrnPaths() {
    JsonNode u = bjensen();
    JsonNode after =
        patchOk(
            u,
            "{\"op\":\"replace\",\"value\":{\"name.givenName\":\"Babs\",\""
                + ENTERPRISE_USER
                + ":department\":\"Sales\",\"active\":false}}");
    assertThat(after.path("name").path("givenName").asText()).isEqualTo("Babs");
    assertThat(after.path("name").path("familyName").asText()).isEqualTo("Jensen");
    assertThat(after.path(ENTERPRISE_USER).path("department").asText()).isEqualTo("Sales");
    assertThat(after.path("active").asBoolean(true)).isFalse();
  }

  // §3.5.2.2 remove

  @Test
  void rfc7644_3_5_2_2_removeOneMember_removeAll_andRemoveThenAdd_rfcExamples() {
    String a = scim.createUser(fresh("m"));
    String b = scim.createUser(fresh("m"));
    String c = scim.createUser(fresh("m"));
    JsonNode g =
        scim.create(
            "/Groups",
            "{\"schemas\":[\""
                + GROUP
                + "\"],\"displayName\":\""
                + fresh("g")
                + "\",\"members\":[{\"value\":\""
                + a
                + "\"},{\"value\":\""
                + b
                + "\"}]}");
    assertThat(
            memberIds(
                patchOk(g, "{\"op\":\"remove\",\"path\":\"members[value eq \\\"" + a + "\\\"]\"}")))
        .containsExactly(b);
    // Remove a member and add another in one request.
    List<String> swapped =
        memberIds(
            patchOk(
                g,
                "{\"op\":\"remove\",\"path\":\"members[value eq \\\"" + b + "\\\"]\"}",
                "{\"op\":\"add\",\"path\":\"members\",\"value\":[{\"value\":\"" + c + "\"}]}"));
    assertThat(swapped).containsExactly(c);
    assertThat(memberIds(patchOk(g, "{\"op\":\"remove\",\"path\":\"members\"}"))).isEmpty();
    // Removing with a filter that matches nothing succeeds and changes nothing.
    assertThat(
            patch(g, "{\"op\":\"remove\",\"path\":\"members[value eq \\\"nobody\\\"]\"}")
                .statusCode())
        .isIn(200, 204);
  }

  @Test
  void rfc7644_3_5_2_2_removeAllMembersThenAdd_replacesTheList_rfcExample() {
    String a = scim.createUser(fresh("m"));
    String b = scim.createUser(fresh("m"));
    JsonNode g =
        scim.create(
            "/Groups",
            "{\"schemas\":[\""
                + GROUP
                + "\"],\"displayName\":\""
                + fresh("g")
                + "\",\"members\":[{\"value\":\""
                + a
                + "\"}]}");
    JsonNode after =
        patchOk(
            g,
            "{\"op\":\"remove\",\"path\":\"members\"}",
            "{\"op\":\"add\",\"path\":\"members\",\"value\":[{\"value\":\"" + b + "\"}]}");
    assertThat(memberIds(after)).containsExactly(b);
  }

  @Test
  void rfc7644_3_5_2_2_removeAttribute_andFilteredValue() {
    JsonNode u = bjensen();
    JsonNode after =
        patchOk(
            u,
            "{\"op\":\"remove\",\"path\":\"title\"}",
            "{\"op\":\"remove\",\"path\":\"emails[type eq \\\"work\\\" and value ew \\\"example.com\\\"]\"}",
            "{\"op\":\"remove\",\"path\":\"name.familyName\"}");
    assertThat(after.has("title")).isFalse();
    assertThat(after.path("emails").size()).isEqualTo(1);
    assertThat(after.path("emails").get(0).path("value").asText()).isEqualTo("babs@jensen.org");
    assertThat(after.path("name").has("familyName")).isFalse();
    assertThat(after.path("name").path("givenName").asText()).isEqualTo("Barbara");
  }

  @Test
  void rfc7644_3_5_2_2_removeWithoutPath_is400NoTarget() {
    JsonNode u = bjensen();
    assertScimError(patch(u, "{\"op\":\"remove\"}"), 400, "noTarget");
  }

  // §3.5.2.3 replace

  @Test
  void rfc7644_3_5_2_3_replaceMembers_rfcExample() {
    String a = scim.createUser(fresh("m"));
    String b = scim.createUser(fresh("m"));
    String c = scim.createUser(fresh("m"));
    JsonNode g =
        scim.create(
            "/Groups",
            "{\"schemas\":[\""
                + GROUP
                + "\"],\"displayName\":\""
                + fresh("g")
                + "\",\"members\":[{\"value\":\""
                + a
                + "\"}]}");
    JsonNode after =
        patchOk(
            g,
            "{\"op\":\"replace\",\"path\":\"members\",\"value\":[{\"display\":\"Babs\",\"$ref\":\""
                + scim.base()
                + "/Users/"
                + b
                + "\",\"value\":\""
                + b
                + "\"},{\"display\":\"James\",\"value\":\""
                + c
                + "\"}]}");
    List<String> expected = new ArrayList<>(List.of(b, c));
    expected.sort(null);
    assertThat(memberIds(after)).isEqualTo(expected);
    assertThat(memberIds(patchOk(g, "{\"op\":\"replace\",\"path\":\"members\",\"value\":[]}")))
        .isEmpty();
  }

  @Test
  void rfc7644_3_5_2_3_replaceFilteredValue_andSubAttribute_rfcExamples() {
    JsonNode u = bjensen();
    JsonNode after =
        patchOk(
            u,
            "{\"op\":\"replace\",\"path\":\"addresses[type eq \\\"work\\\"]\",\"value\":{\"type\":\"work\",\"streetAddress\":\"911 Universal City Plaza\","
                + "\"locality\":\"Hollywood\",\"region\":\"CA\",\"postalCode\":\"91608\",\"country\":\"US\",\"formatted\":\"911 Universal City Plaza\\nHollywood, CA 91608 US\",\"primary\":true}}");
    assertThat(after.path("addresses").size()).isEqualTo(1);
    assertThat(after.path("addresses").get(0).path("postalCode").asText()).isEqualTo("91608");
    JsonNode street =
        patchOk(
            u,
            "{\"op\":\"replace\",\"path\":\"addresses[type eq \\\"work\\\"].streetAddress\",\"value\":\"1010 Broadway Ave\"}");
    assertThat(street.path("addresses").get(0).path("streetAddress").asText())
        .isEqualTo("1010 Broadway Ave");
    assertThat(street.path("addresses").get(0).path("postalCode").asText()).isEqualTo("91608");
  }

  @Test
  void rfc7644_3_5_2_3_replaceWithoutPath_rfcExample() {
    JsonNode u = bjensen();
    JsonNode after =
        patchOk(
            u,
            "{\"op\":\"replace\",\"value\":{\"emails\":[{\"value\":\"bjensen@example.com\",\"type\":\"work\",\"primary\":true},"
                + "{\"value\":\"babs@jensen.org\",\"type\":\"home\"}],\"nickname\":\"Babs\"}}");
    assertThat(after.path("nickName").asText()).isEqualTo("Babs");
    assertThat(after.path("emails").size()).isEqualTo(2);
    assertThat(after.path("title").asText()).isEqualTo("Tour Guide");
  }

  @Test
  void rfc7644_3_5_2_3_replaceMultiValued_replacesAllValues() {
    JsonNode u = bjensen();
    JsonNode after =
        patchOk(
            u,
            "{\"op\":\"replace\",\"path\":\"emails\",\"value\":[{\"value\":\"only@example.com\",\"type\":\"work\"}]}");
    assertThat(after.path("emails").size()).isEqualTo(1);
  }

  @Test
  void rfc7644_3_5_2_3_replaceOfAbsentAttribute_addsIt() {
    JsonNode u = scim.create("/Users", user(fresh("plain")));
    assertThat(
            patchOk(u, "{\"op\":\"replace\",\"path\":\"displayName\",\"value\":\"New\"}")
                .path("displayName")
                .asText())
        .isEqualTo("New");
  }

  @Test
  void rfc7644_3_5_2_3_replaceOfFilteredValueMatchingNothing_is400NoTarget() {
    JsonNode u = bjensen();
    assertScimError(
        patch(
            u,
            "{\"op\":\"replace\",\"path\":\"addresses[type eq \\\"home\\\" or locality ew \\\"x\\\"]\",\"value\":{\"locality\":\"x\"}}"),
        400,
        "noTarget");
  }

  @Test
  void rfc7643_2_4_primary_settingOneClearsTheOthers() {
    JsonNode u = bjensen();
    JsonNode after =
        patchOk(
            u,
            "{\"op\":\"replace\",\"path\":\"emails[type eq \\\"home\\\"].primary\",\"value\":true}");
    int primaries = 0;
    for (JsonNode e : after.path("emails")) {
      if (e.path("primary").asBoolean(false)) {
        primaries++;
        assertThat(e.path("type").asText()).isEqualTo("home");
      }
    }
    assertThat(primaries).isEqualTo(1);
  }

  // op names, atomicity, errors

  @Test
  void notes_opNames_areCaseInsensitive_andBooleanStringsAccepted() {
    JsonNode u = bjensen();
    JsonNode after =
        patchOk(
            u,
            "{\"op\":\"Replace\",\"path\":\"active\",\"value\":\"False\"}",
            "{\"op\":\"ADD\",\"path\":\"displayName\",\"value\":\"X\"}",
            "{\"op\":\"Remove\",\"path\":\"nickName\"}");
    assertThat(after.path("active").isBoolean()).isTrue();
    assertThat(after.path("active").asBoolean(true)).isFalse();
    assertThat(after.path("displayName").asText()).isEqualTo("X");
    assertThat(after.has("nickName")).isFalse();
  }

  @Test
  void rfc7644_3_5_2_operationsAreAtomic_oneFailureAppliesNone() {
    JsonNode u = bjensen();
    String version = u.path("meta").path("version").asText();
    HttpResponse<String> r =
        patch(
            u,
            "{\"op\":\"replace\",\"path\":\"title\",\"value\":\"Changed\"}",
            "{\"op\":\"replace\",\"path\":\"id\",\"value\":\"x\"}");
    assertScimError(r, 400, "mutability");
    JsonNode after = get(u);
    assertThat(after.path("title").asText()).isEqualTo("Tour Guide");
    assertThat(after.path("meta").path("version").asText()).isEqualTo(version);
  }

  @Test
  void rfc7644_3_5_2_invalidPath_is400InvalidPath() {
    JsonNode u = bjensen();
    assertScimError(
        patch(u, "{\"op\":\"replace\",\"path\":\"emails[type eq\",\"value\":\"x\"}"),
        400,
        "invalidPath");
    assertScimError(
        patch(u, "{\"op\":\"replace\",\"path\":\"shoeSize\",\"value\":\"x\"}"), 400, "invalidPath");
    assertScimError(
        patch(u, "{\"op\":\"replace\",\"path\":\"name.shoeSize\",\"value\":\"x\"}"),
        400,
        "invalidPath");
  }

  @Test
  void rfc7644_3_5_2_readOnlyTargets_are400Mutability() {
    JsonNode u = bjensen();
    assertScimError(
        patch(u, "{\"op\":\"replace\",\"path\":\"id\",\"value\":\"x\"}"), 400, "mutability");
    assertScimError(
        patch(
            u, "{\"op\":\"replace\",\"path\":\"meta.created\",\"value\":\"2001-01-01T00:00:00Z\"}"),
        400,
        "mutability");
    assertScimError(
        patch(u, "{\"op\":\"add\",\"path\":\"groups\",\"value\":[{\"value\":\"x\"}]}"),
        400,
        "mutability");
  }

  @Test
  void rfc7644_3_5_2_malformedRequests_are400() {
    JsonNode u = bjensen();
    String path = "/Users/" + u.path("id").asText();
    assertScimError(
        scim.patch(path, patchBody("{\"op\":\"move\",\"path\":\"title\",\"value\":\"x\"}")), 400);
    assertScimError(scim.patch(path, patchBody("{\"path\":\"title\",\"value\":\"x\"}")), 400);
    assertScimError(scim.patch(path, "{\"schemas\":[\"" + PATCH_OP + "\"]}"), 400);
    assertScimError(scim.patch(path, patchBody("{\"op\":\"add\",\"path\":\"title\"}")), 400);
    assertScimError(
        scim.patch(path, patchBody("{\"op\":\"replace\",\"path\":\"active\",\"value\":\"maybe\"}")),
        400,
        "invalidValue");
    assertScimError(
        scim.patch(
            "/Users/no-such-id",
            patchBody("{\"op\":\"replace\",\"path\":\"title\",\"value\":\"x\"}")),
        404,
        null);
  }

  @Test
  void rfc7644_3_5_2_requiredAttributeCannotBeRemoved() {
    JsonNode u = bjensen();
    assertScimError(patch(u, "{\"op\":\"remove\",\"path\":\"userName\"}"), 400);
    assertThat(get(u).path("userName").asText()).isEqualTo(u.path("userName").asText());
  }

  @Test
  void notes_entra_addFilteredSubAttribute_onMissingValue_createsIt_andManagerAsBareId() {
    JsonNode u = scim.create("/Users", user(fresh("entra")));
    String boss = scim.createUser(fresh("boss"));
    JsonNode after =
        patchOk(
            u,
            "{\"op\":\"Add\",\"path\":\"emails[type eq \\\"work\\\"].value\",\"value\":\"a@x.com\"}",
            "{\"op\":\"Add\",\"path\":\""
                + ENTERPRISE_USER
                + ":manager\",\"value\":\""
                + boss
                + "\"}");
    assertThat(after.path("emails").get(0).path("type").asText()).isEqualTo("work");
    assertThat(after.path("emails").get(0).path("value").asText()).isEqualTo("a@x.com");
    assertThat(after.path(ENTERPRISE_USER).path("manager").path("value").asText()).isEqualTo(boss);
  }

  @Test
  void notes_patchThatChangesNothing_keepsTheVersion() {
    JsonNode u = bjensen();
    JsonNode after = patchOk(u, "{\"op\":\"replace\",\"path\":\"title\",\"value\":\"Tour Guide\"}");
    assertThat(after.path("meta").path("version").asText())
        .isEqualTo(u.path("meta").path("version").asText());
  }
}
