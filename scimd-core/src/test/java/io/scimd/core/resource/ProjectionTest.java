package io.scimd.core.resource;

import static io.scimd.core.resource.Fixtures.CORE;
import static io.scimd.core.resource.Fixtures.DEVICE;
import static io.scimd.core.resource.Fixtures.DEVICE_EXT;
import static io.scimd.core.resource.Fixtures.DEVICE_URN;
import static io.scimd.core.resource.Fixtures.ENT;
import static io.scimd.core.resource.Fixtures.GROUP;
import static io.scimd.core.resource.Fixtures.USER;
import static io.scimd.core.resource.Fixtures.error;
import static io.scimd.core.resource.Fixtures.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scimd.core.error.ScimType;
import io.scimd.core.path.AttrPath;
import io.scimd.core.schema.ResourceType;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ProjectionTest {
  /** A user as the store renders it, plus a password that must never get out. */
  private static final ObjectNode BABS =
      json(
          """
          {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User",
                       "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
           "id": "2819c223", "externalId": "701984", "userName": "bjensen@example.com",
           "name": {"familyName": "Jensen", "givenName": "Barbara"},
           "active": true, "password": "t1meMa$heen",
           "emails": [{"value": "bjensen@example.com", "type": "work", "primary": true},
                      {"value": "babs@jensen.org", "type": "home"}],
           "groups": [{"value": "g1", "display": "Tour Guides"}],
           "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":
               {"department": "Tour Operations", "costCenter": "4130",
                "manager": {"value": "m1", "displayName": "John Smith"}},
           "meta": {"resourceType": "User", "version": "W/\\"3\\""}}
          """);

  private static final ObjectNode TOUR_GUIDES =
      json(
          """
          {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "id": "g1",
           "displayName": "Tour Guides",
           "members": [{"value": "u1", "display": "Babs", "type": "User"},
                       {"value": "u2", "display": "Mandy", "type": "User"}],
           "meta": {"resourceType": "Group"}}
          """);

  private static ObjectNode apply(
      ResourceType type, ObjectNode r, @Nullable String a, @Nullable String x) {
    return Projection.parse(a, x).apply(type, r);
  }

  private static List<String> keys(ObjectNode o) {
    List<String> k = new ArrayList<>();
    o.fieldNames().forEachRemaining(k::add);
    return k;
  }

  // ------------------------------------------------------------------ parse

  @Test
  void parsesNullOrBlank_asDefault() {
    assertThat(Projection.parse(null, null)).isSameAs(Projection.DEFAULT);
    assertThat(Projection.parse("  ", "")).isSameAs(Projection.DEFAULT);
  }

  @Test
  void parsesCommaSeparatedPaths_withSpacesAndEmptyItems() {
    Projection p =
        Projection.parse(" userName , name.givenName,," + ENT + ":manager.value", "members");
    assertThat(p.attributes())
        .containsExactly(
            AttrPath.of("username"),
            AttrPath.of("name", "givenname"),
            new AttrPath(ENT, "manager", "value"));
    assertThat(p.excludedAttributes()).containsExactly(AttrPath.of("members"));
  }

  @Test
  void listOfMoreThanMaxPaths_isInvalidValueNamingTheCount_emptyItemsNotCounted() {
    String max =
        String.join(",", java.util.Collections.nCopies(Projection.MAX_PATHS, "userName")) + ",,";
    assertThat(Projection.parse(max, null).attributes()).hasSize(Projection.MAX_PATHS);
    io.scimd.core.error.ScimException e = error(() -> Projection.parse(null, max + "title"));
    assertThat(e.scimType()).isEqualTo(ScimType.INVALID_VALUE);
    assertThat(e.getMessage())
        .startsWith("excludedAttributes names " + (Projection.MAX_PATHS + 1) + " attributes")
        .contains("at most " + Projection.MAX_PATHS);
  }

  @ParameterizedTest
  @ValueSource(strings = {"emails[type eq \"work\"]", "name.givenName.x", "urn:", "1abc", "a b"})
  void rejectsMalformedPath_invalidPath(String path) {
    assertThat(error(() -> Projection.parse(path, null)).scimType())
        .isEqualTo(ScimType.INVALID_PATH);
    assertThat(error(() -> Projection.parse(null, path)).status()).isEqualTo(400);
  }

  // ------------------------------------------------------------------ default set

  @Test
  void defaultReturnsEverythingButNever() {
    ObjectNode out = Projection.DEFAULT.apply(USER, BABS);
    ObjectNode expected = BABS.deepCopy();
    expected.remove("password");
    assertThat(out).isEqualTo(expected);
    assertThat(out).isNotSameAs(BABS);
  }

  @Test
  void neverReturnsPassword_evenWhenNamed() {
    assertThat(apply(USER, BABS, "password,userName", null).has("password")).isFalse();
    assertThat(Projection.parse("password", null).includes(USER, "password")).isFalse();
    assertThat(Projection.DEFAULT.includes(USER, "password")).isFalse();
  }

  // ------------------------------------------------------------------ attributes

  @Test
  void attributesReturnsOnlyNamedPlusAlways() {
    ObjectNode out = apply(USER, BABS, "userName", null);
    assertThat(out)
        .isEqualTo(
            json(
                "{\"schemas\": [\""
                    + CORE
                    + "\"], \"id\": \"2819c223\", \"userName\": \"bjensen@example.com\"}"));
  }

  @Test
  void attributesMatchCaseInsensitively_andEmitCanonicalNames() {
    ObjectNode out =
        apply(USER, BABS, "USERNAME,Name.GIVENNAME," + ENT.toUpperCase() + ":DEPARTMENT", null);
    assertThat(keys(out)).containsExactly("schemas", "id", "userName", "name", ENT);
    assertThat(out.get("name")).isEqualTo(json("{\"givenName\": \"Barbara\"}"));
    assertThat(out.get(ENT)).isEqualTo(json("{\"department\": \"Tour Operations\"}"));
  }

  @Test
  void subAttributePathNarrowsEveryValue_ofMultiValuedComplex() {
    ObjectNode out = apply(USER, BABS, "emails.value", null);
    assertThat(out.get("emails").toString())
        .isEqualTo("[{\"value\":\"bjensen@example.com\"},{\"value\":\"babs@jensen.org\"}]");
  }

  @Test
  void subAttributePathsCombine_andWholeAttributeWins() {
    assertThat(apply(USER, BABS, "emails.value,emails.type", null).get("emails").get(1).toString())
        .isEqualTo("{\"value\":\"babs@jensen.org\",\"type\":\"home\"}");
    assertThat(apply(USER, BABS, "emails.value,emails", null).get("emails"))
        .isEqualTo(BABS.get("emails"));
  }

  @Test
  void valuesLeftEmptyByNarrowing_areDropped() {
    ObjectNode out = apply(USER, BABS, "emails.primary", null);
    assertThat(out.get("emails").toString()).isEqualTo("[{\"primary\":true}]");
    assertThat(apply(USER, BABS, "emails.display", null).has("emails")).isFalse();
  }

  @Test
  void extensionUrnSelectsWholeExtension_andSchemasListsIt() {
    ObjectNode out = apply(USER, BABS, ENT, null);
    assertThat(out.get(ENT)).isEqualTo(BABS.get(ENT));
    assertThat(out.get("schemas").toString()).isEqualTo("[\"" + CORE + "\",\"" + ENT + "\"]");
    assertThat(keys(out)).containsExactly("schemas", "id", ENT);
  }

  @Test
  void schemasListsOnlyExtensionsThatRemain() {
    assertThat(apply(USER, BABS, "userName", null).get("schemas").toString())
        .isEqualTo("[\"" + CORE + "\"]");
    assertThat(apply(USER, BABS, null, ENT).get("schemas").toString())
        .isEqualTo("[\"" + CORE + "\"]");
    assertThat(apply(USER, BABS, null, ENT).has(ENT)).isFalse();
    assertThat(apply(USER, BABS, ENT + ":manager.value", null).get(ENT))
        .isEqualTo(json("{\"manager\": {\"value\": \"m1\"}}"));
  }

  @Test
  void unknownNamesAreIgnored() {
    assertThat(keys(apply(USER, BABS, "shoeSize", null))).containsExactly("schemas", "id");
    assertThat(keys(apply(USER, BABS, "shoeSize,userName,name.nick", null)))
        .containsExactly("schemas", "id", "userName");
    assertThat(apply(USER, BABS, null, "shoeSize,name.nick"))
        .isEqualTo(Projection.DEFAULT.apply(USER, BABS));
  }

  @Test
  void metaIsReturnedByDefault_notWhenOtherAttributesAreNamed() {
    assertThat(Projection.DEFAULT.apply(USER, BABS).has("meta")).isTrue();
    assertThat(apply(USER, BABS, "userName", null).has("meta")).isFalse();
    assertThat(apply(USER, BABS, "meta.version", null).get("meta"))
        .isEqualTo(json("{\"version\": \"W/\\\"3\\\"\"}"));
  }

  // ------------------------------------------------------------------ excludedAttributes

  @Test
  void excludedAttributesRemovesFromDefault_neverId() {
    ObjectNode out = apply(USER, BABS, null, "id,emails,name.givenName,meta");
    assertThat(out.get("id").asText()).isEqualTo("2819c223");
    assertThat(out.has("emails")).isFalse();
    assertThat(out.has("meta")).isFalse();
    assertThat(out.get("name")).isEqualTo(json("{\"familyName\": \"Jensen\"}"));
    assertThat(out.get("userName").asText()).isEqualTo("bjensen@example.com");
  }

  @Test
  void excludedSubAttributeIsRemovedFromEveryValue() {
    assertThat(
            apply(GROUP, TOUR_GUIDES, null, "members.display,members.type")
                .get("members")
                .toString())
        .isEqualTo("[{\"value\":\"u1\"},{\"value\":\"u2\"}]");
  }

  @Test
  void excludedMembers_isNotIncluded_soTheyNeedNotBeLoaded() {
    Projection p = Projection.parse(null, "members");
    assertThat(p.includes(GROUP, "members")).isFalse();
    assertThat(p.includes(GROUP, "MEMBERS")).isFalse();
    assertThat(p.includes(GROUP, "displayName")).isTrue();
    assertThat(p.apply(GROUP, TOUR_GUIDES).has("members")).isFalse();
    assertThat(Projection.DEFAULT.includes(GROUP, "members")).isTrue();
    assertThat(Projection.parse("displayName", null).includes(GROUP, "members")).isFalse();
    assertThat(Projection.parse("members.value", null).includes(GROUP, "members")).isTrue();
  }

  @Test
  void bothParameters_selectThenExclude() {
    ObjectNode out = apply(USER, BABS, "emails,userName", "emails.primary,userName,id");
    assertThat(keys(out)).containsExactly("schemas", "id", "emails");
    assertThat(out.get("emails").get(0).toString())
        .isEqualTo("{\"value\":\"bjensen@example.com\",\"type\":\"work\"}");
  }

  // ------------------------------------------------------------------ returned: request

  private static final ObjectNode DEVICE_RESOURCE =
      json(
          "{\"schemas\": [\""
              + DEVICE_URN
              + "\", \""
              + DEVICE_EXT
              + "\"], \"id\": \"d1\", \"serial\": \"S1\","
              + " \"secretNote\": \"n\", \"slot\": {\"rack\": \"R1\", \"hidden\": \"h\"},"
              + " \""
              + DEVICE_EXT
              + "\": {\"owner\": \"o\"}}");

  @Test
  void requestAttributesOnlyWhenNamed() {
    ObjectNode dflt = Projection.DEFAULT.apply(DEVICE, DEVICE_RESOURCE);
    assertThat(dflt.has("secretNote")).isFalse();
    assertThat(dflt.get("slot")).isEqualTo(json("{\"rack\": \"R1\"}"));
    assertThat(Projection.DEFAULT.includes(DEVICE, "secretNote")).isFalse();

    ObjectNode named = apply(DEVICE, DEVICE_RESOURCE, "secretNote,slot.hidden", null);
    assertThat(named.get("secretNote").asText()).isEqualTo("n");
    assertThat(named.get("slot")).isEqualTo(json("{\"hidden\": \"h\"}"));
    assertThat(apply(DEVICE, DEVICE_RESOURCE, "slot", null).get("slot"))
        .isEqualTo(json("{\"rack\": \"R1\"}"));
  }

  @Test
  void extensionUrnIncludes_asWholeExtension() {
    assertThat(Projection.parse(DEVICE_EXT, null).includes(DEVICE, DEVICE_EXT)).isTrue();
    assertThat(Projection.parse("serial", null).includes(DEVICE, DEVICE_EXT)).isFalse();
    assertThat(Projection.parse(DEVICE_EXT, null).includes(DEVICE, "owner")).isTrue();
  }

  // ------------------------------------------------------------------ includes == apply

  /**
   * For every combination of these parameters, a top-level attribute is in {@code apply}'s output
   * exactly when {@code includes} says so (the resources have a value for each named sub-attribute,
   * so narrowing never empties an attribute).
   */
  @Test
  void includesAgreesWithApply_forEveryCombination() {
    List<String> params =
        List.of(
            "",
            "id",
            "userName",
            "emails",
            "emails.value",
            "name.givenName",
            "password",
            "meta",
            "groups",
            ENT,
            ENT + ":department",
            ENT + ":manager.value",
            "members",
            "members.display",
            "displayName",
            "bogus",
            "schemas");
    List<String> userAttrs =
        List.of(
            "id",
            "externalId",
            "userName",
            "name",
            "active",
            "password",
            "emails",
            "groups",
            "meta");
    List<String> groupAttrs = List.of("id", "displayName", "members", "meta");
    int checked = 0;
    for (String a : params) {
      for (String x : params) {
        Projection p = Projection.parse(a, x);
        ObjectNode u = p.apply(USER, BABS);
        for (String name : userAttrs) {
          assertThat(p.includes(USER, name))
              .as("%s attributes=%s excluded=%s", name, a, x)
              .isEqualTo(u.has(name));
          checked++;
        }
        assertThat(p.includes(USER, ENT))
            .as("ext attributes=%s excluded=%s", a, x)
            .isEqualTo(u.has(ENT));
        ObjectNode g = p.apply(GROUP, TOUR_GUIDES);
        for (String name : groupAttrs) {
          assertThat(p.includes(GROUP, name))
              .as("%s attributes=%s excluded=%s", name, a, x)
              .isEqualTo(g.has(name));
          checked++;
        }
      }
    }
    assertThat(checked)
        .isEqualTo(params.size() * params.size() * (userAttrs.size() + groupAttrs.size()));
  }
}
