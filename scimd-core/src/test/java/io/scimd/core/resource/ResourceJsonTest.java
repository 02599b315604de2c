package io.scimd.core.resource;

import static io.scimd.core.resource.Fixtures.CORE;
import static io.scimd.core.resource.Fixtures.ENT;
import static io.scimd.core.resource.Fixtures.GROUP;
import static io.scimd.core.resource.Fixtures.USER;
import static io.scimd.core.resource.Fixtures.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ResourceJsonTest {
  private static final Meta META =
      new Meta(
          "User",
          Instant.parse("2026-11-30T23:59:59Z"),
          Instant.parse("2026-12-01T09:05:38.123456789Z"),
          7);

  private static List<String> keys(ObjectNode o) {
    List<String> k = new ArrayList<>();
    o.fieldNames().forEachRemaining(k::add);
    return k;
  }

  @Test
  void rendersInWireOrder_schemasIdExternalIdSchemaOrderExtensionsMeta() {
    // Deliberately scrambled, as a PATCH might leave it.
    ObjectNode attrs =
        json(
            "{\"emails\": [{\"value\": \"a@x\"}], \""
                + ENT
                + "\": {\"manager\": {\"value\": \"m\"},"
                + " \"department\": \"D\"}, \"active\": true, \"userName\": \"a\", \"externalId\": \"e\","
                + " \"name\": {\"givenName\": \"A\"}}");
    ObjectNode out = ResourceJson.render(USER, "u1", META, attrs, "https://h/scim/v2/Users/u1");
    assertThat(keys(out))
        .containsExactly(
            "schemas", "id", "externalId", "userName", "name", "active", "emails", ENT, "meta");
    assertThat(keys((ObjectNode) out.get(ENT))).containsExactly("department", "manager");
    assertThat(out.get("schemas").toString()).isEqualTo("[\"" + CORE + "\",\"" + ENT + "\"]");
    assertThat(out.get("meta"))
        .isEqualTo(
            json(
                """
                {"resourceType": "User", "created": "2026-11-30T23:59:59.000000Z",
                 "lastModified": "2026-12-01T09:05:38.123456Z",
                 "location": "https://h/scim/v2/Users/u1", "version": "W/\\"7\\""}
                """));
    assertThat(keys((ObjectNode) out.get("meta")))
        .containsExactly("resourceType", "created", "lastModified", "location", "version");
  }

  @Test
  void neverRendersPassword() {
    ObjectNode out =
        ResourceJson.render(
            USER, "u1", META, json("{\"userName\": \"a\", \"password\": \"secret\"}"), null);
    assertThat(out.has("password")).isFalse();
    assertThat(out.toString()).doesNotContain("secret");
  }

  @Test
  void ignoresServerOwnedAndUnknownKeysInAttributes() {
    ObjectNode attrs =
        json(
            "{\"id\": \"forged\", \"meta\": {\"version\": \"W/\\\"1\\\"\"}, \"schemas\": [\"x\"],"
                + " \"userName\": \"a\", \"shoeSize\": 42}");
    ObjectNode out = ResourceJson.render(USER, "u1", META, attrs, null);
    assertThat(out.get("id").asText()).isEqualTo("u1");
    assertThat(out.get("schemas").toString()).isEqualTo("[\"" + CORE + "\"]");
    assertThat(out.at("/meta/version").asText()).isEqualTo("W/\"7\"");
    assertThat(out.has("shoeSize")).isFalse();
    assertThat(out.at("/meta").has("location")).isFalse();
  }

  @Test
  void listsExtensionInSchemas_onlyWhenItHasValues() {
    ObjectNode out =
        ResourceJson.render(
            USER, "u1", META, json("{\"userName\": \"a\", \"" + ENT + "\": {}}"), null);
    assertThat(out.has(ENT)).isFalse();
    assertThat(out.get("schemas")).hasSize(1);
  }

  @Test
  void rendersGroup() {
    Meta meta = new Meta("Group", META.created(), META.lastModified(), 1);
    ObjectNode out =
        ResourceJson.render(
            GROUP,
            "g1",
            meta,
            json("{\"members\": [{\"value\": \"u1\"}], \"displayName\": \"G\"}"),
            "/Groups/g1");
    assertThat(keys(out)).containsExactly("schemas", "id", "displayName", "members", "meta");
    assertThat(out.at("/meta/resourceType").asText()).isEqualTo("Group");
  }

  @Test
  void rendersACopy_notSharingContainersWithAttributes() {
    ObjectNode attrs = json("{\"userName\": \"a\", \"emails\": [{\"value\": \"a@x\"}]}");
    ObjectNode out = ResourceJson.render(USER, "u1", META, attrs, null);
    ((ObjectNode) out.get("emails").get(0)).put("value", "changed");
    assertThat(attrs.at("/emails/0/value").asText()).isEqualTo("a@x");
  }

  /** Fixed width: text order is time order, which delta syncs on lastModified rely on. */
  @ParameterizedTest
  @CsvSource({
    "2026-12-01T09:05:38.123456Z, 2026-12-01T09:05:38.123456Z",
    "2026-12-01T09:05:38.123456789Z, 2026-12-01T09:05:38.123456Z",
    "2026-12-01T09:05:38Z, 2026-12-01T09:05:38.000000Z",
    "2026-12-01T09:05:38.1Z, 2026-12-01T09:05:38.100000Z"
  })
  void formatsTimesInUtcWithMicroseconds(String instant, String text) {
    assertThat(ResourceJson.time(Instant.parse(instant))).isEqualTo(text);
  }

  @Test
  void renderedThenProjected_rfcFullUserKeepsEverythingButPasswordAndGroups() {
    ResourceValidator v = new ResourceValidator(UnknownAttributePolicy.REJECT);
    ObjectNode body = Fixtures.resource("rfc7643-8.2-full-user.json");
    ObjectNode stored = v.forCreate(USER, body);
    ObjectNode out =
        Projection.DEFAULT.apply(
            USER,
            ResourceJson.render(USER, "2819c223-7f76-453a-919d-413861904646", META, stored, null));
    ObjectNode expected = body.deepCopy();
    expected.remove(List.of("password", "groups", "meta"));
    ObjectNode actual = out.deepCopy();
    actual.remove("meta");
    assertThat(actual).isEqualTo(expected);
  }
}
