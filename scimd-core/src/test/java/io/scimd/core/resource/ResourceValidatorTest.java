package io.scimd.core.resource;

import static io.scimd.core.resource.Fixtures.CORE;
import static io.scimd.core.resource.Fixtures.DEVICE;
import static io.scimd.core.resource.Fixtures.DEVICE_EXT;
import static io.scimd.core.resource.Fixtures.ENT;
import static io.scimd.core.resource.Fixtures.GROUP;
import static io.scimd.core.resource.Fixtures.USER;
import static io.scimd.core.resource.Fixtures.anyJson;
import static io.scimd.core.resource.Fixtures.error;
import static io.scimd.core.resource.Fixtures.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scimd.core.error.ScimException;
import io.scimd.core.error.ScimType;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class ResourceValidatorTest {
  private final ResourceValidator strict = new ResourceValidator(UnknownAttributePolicy.REJECT);
  private final ResourceValidator lenient = new ResourceValidator(UnknownAttributePolicy.IGNORE);

  private static List<String> keys(ObjectNode o) {
    List<String> k = new ArrayList<>();
    o.fieldNames().forEachRemaining(k::add);
    return k;
  }

  private static void assertError(ScimException e, ScimType type, String... details) {
    assertThat(e.status()).isEqualTo(400);
    assertThat(e.scimType()).isEqualTo(type);
    assertThat(e.error().detail()).contains(details);
  }

  // ------------------------------------------------------------------ real client bodies

  /** Microsoft's documented create-user request (Entra provisioning, "Build a SCIM endpoint"). */
  @Test
  void createsUser_fromEntraBody() {
    ObjectNode out =
        strict.forCreate(
            USER,
            json(
                """
                {
                  "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User",
                              "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
                  "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
                  "userName": "Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1",
                  "active": true,
                  "emails": [{"primary": true, "type": "work",
                              "value": "Test_User_fd0ea19b-0777-472c-9f96-4f70d2226f2e@testuser.com"}],
                  "meta": {"resourceType": "User"},
                  "name": {"formatted": "givenName familyName", "familyName": "familyName",
                           "givenName": "givenName"},
                  "roles": []
                }
                """));
    assertThat(keys(out)).containsExactly("externalId", "userName", "name", "active", "emails");
    assertThat(out.get("emails").get(0).get("value").asText()).endsWith("@testuser.com");
    assertThat(out.get("emails").get(0).get("primary").booleanValue()).isTrue();
  }

  /** Entra's validator posts PascalCase names, string booleans and any-case URN keys. */
  @Test
  void foldsNamesToCanonicalSpelling_fromEntraValidator() {
    ObjectNode out =
        strict.forCreate(
            USER,
            json(
                """
                {"Schemas": ["URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:USER"],
                 "UserName": "Alice", "Active": "False", "ExternalID": "e-1",
                 "Name": {"GivenName": "Alice", "FAMILYNAME": "Liddell"},
                 "Emails": [{"Value": "a@x.com", "Type": "Work", "Primary": "True"}],
                 "urn:ietf:params:scim:schemas:extension:ENTERPRISE:2.0:user":
                     {"Department": "Tea", "MANAGER": {"Value": "m-1"}}}
                """));
    assertThat(out)
        .isEqualTo(
            json(
                """
                {"externalId": "e-1", "userName": "Alice",
                 "name": {"familyName": "Liddell", "givenName": "Alice"},
                 "active": false,
                 "emails": [{"value": "a@x.com", "type": "work", "primary": true}],
                 "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":
                     {"department": "Tea", "manager": {"value": "m-1"}}}
                """));
  }

  /**
   * Okta's documented create-user request: password kept (writeOnly), groups dropped (readOnly).
   */
  @Test
  void createsUser_fromOktaBody() {
    ObjectNode out =
        strict.forCreate(
            USER,
            json(
                """
                {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                 "userName": "test.user@okta.local",
                 "name": {"givenName": "Test", "familyName": "User"},
                 "emails": [{"primary": true, "value": "test.user@okta.local", "type": "work"}],
                 "displayName": "Test User", "locale": "en-US",
                 "externalId": "00ujl29u0le5T6Aj10h7", "groups": [],
                 "password": "1mz050nq", "active": true}
                """));
    assertThat(keys(out))
        .containsExactly(
            "externalId",
            "userName",
            "name",
            "displayName",
            "locale",
            "active",
            "password",
            "emails");
    assertThat(out.get("password").asText()).isEqualTo("1mz050nq");
  }

  @Test
  void createsUser_fromRfc7643FullUserExample() {
    ObjectNode body = Fixtures.resource("rfc7643-8.2-full-user.json");
    ObjectNode out = strict.forCreate(USER, body);
    assertThat(out.has("id")).isFalse();
    assertThat(out.has("meta")).isFalse();
    assertThat(out.has("schemas")).isFalse();
    assertThat(out.has("groups")).isFalse(); // readOnly
    assertThat(out.get("externalId").asText()).isEqualTo("701984");
    assertThat(out.get("password").asText()).isEqualTo("t1meMa$heen");
    assertThat(out.get("x509Certificates").get(0).get("value").asText()).startsWith("MIIDQzCC");
    assertThat(out.get("addresses")).hasSize(2);
    // Everything else survives unchanged.
    ObjectNode expected = body.deepCopy();
    expected.remove(List.of("schemas", "id", "meta", "groups"));
    assertThat(out).isEqualTo(expected);
    // The result is a fixed point.
    assertThat(strict.forCreate(USER, out)).isEqualTo(out);
  }

  @Test
  void createsGroup_fromOktaGroupPush() {
    ObjectNode out =
        strict.forCreate(
            GROUP,
            json(
                """
                {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                 "displayName": "Engineering",
                 "members": [{"value": "u1", "display": "Ann"}, {"value": "u2", "type": "user"}]}
                """));
    assertThat(out)
        .isEqualTo(
            json(
                """
                {"displayName": "Engineering",
                 "members": [{"value": "u1", "display": "Ann"}, {"value": "u2", "type": "User"}]}
                """));
  }

  // ------------------------------------------------------------------ shape and schemas

  @ParameterizedTest
  @ValueSource(strings = {"[]", "\"alice\"", "42", "null", "true"})
  void rejectsBodyThatIsNotAnObject_invalidSyntax(String body) {
    assertError(
        error(() -> strict.forCreate(USER, anyJson(body))), ScimType.INVALID_SYNTAX, "JSON object");
  }

  static Stream<Arguments> badSchemas() {
    return Stream.of(
        Arguments.of("\"" + CORE + "\"", ScimType.INVALID_SYNTAX, "must be an array"),
        Arguments.of("[42]", ScimType.INVALID_SYNTAX, "only strings"),
        Arguments.of("[\"" + ENT + "\"]", ScimType.INVALID_VALUE, "must include " + CORE),
        Arguments.of(
            "[\"urn:ietf:params:scim:schemas:core:2.0:Group\"]",
            ScimType.INVALID_VALUE,
            "must include " + CORE));
  }

  @ParameterizedTest
  @MethodSource("badSchemas")
  void rejectsBadSchemas(String schemas, ScimType type, String detail) {
    String body = "{\"schemas\": " + schemas + ", \"userName\": \"a\"}";
    assertError(error(() -> strict.forCreate(USER, json(body))), type, detail);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "{\"userName\": \"a\"}",
        "{\"schemas\": [], \"userName\": \"a\"}",
        "{\"schemas\": null, \"userName\": \"a\"}",
        "{\"schemas\": [\"urn:ietf:params:scim:schemas:core:2.0:user\"], \"userName\": \"a\"}",
        "{\"schemas\": [\"" + CORE + "\", \"" + ENT + "\"], \"userName\": \"a\"}",
        // Entra lists a Microsoft URN beside the core one; with nothing under it, it is ignored.
        "{\"schemas\": [\"" + CORE + "\", \"urn:example:Nope\"], \"userName\": \"a\"}"
      })
  void acceptsMissingOrAnyCaseSchemas(String body) {
    assertThat(strict.forCreate(USER, json(body))).isEqualTo(json("{\"userName\": \"a\"}"));
  }

  @Test
  void acceptsExtensionNotListedInSchemas() {
    ObjectNode out =
        strict.forCreate(
            USER,
            json(
                "{\"schemas\": [\""
                    + CORE
                    + "\"], \"userName\": \"a\", \""
                    + ENT
                    + "\": {\"costCenter\": \"4130\"}}"));
    assertThat(out.get(ENT).get("costCenter").asText()).isEqualTo("4130");
  }

  @Test
  void rejectsExtensionThatIsNotAnObject_invalidValue() {
    assertError(
        error(() -> strict.forCreate(USER, json("{\"userName\": \"a\", \"" + ENT + "\": \"x\"}"))),
        ScimType.INVALID_VALUE,
        "'" + ENT + "' must be a JSON object");
  }

  @Test
  void acceptsUrnQualifiedAttributeKeys() {
    ObjectNode out =
        strict.forCreate(
            USER,
            json(
                "{\""
                    + CORE
                    + ":userName\": \"a\", \""
                    + ENT
                    + ":department\": \"D\", \""
                    + ENT
                    + "\": {\"division\": \"V\"}}"));
    assertThat(out)
        .isEqualTo(
            json(
                "{\"userName\": \"a\", \""
                    + ENT
                    + "\": {\"division\": \"V\", \"department\": \"D\"}}"));
  }

  // ------------------------------------------------------------------ unknown and readOnly

  static Stream<Arguments> unknownAttributes() {
    return Stream.of(
        Arguments.of("{\"userName\": \"a\", \"shoeSize\": 42}", "unknown attribute 'shoeSize'"),
        Arguments.of(
            "{\"userName\": \"a\", \"name\": {\"nick\": \"x\"}}",
            "unknown sub-attribute 'name.nick'"),
        Arguments.of(
            "{\"userName\": \"a\", \"emails\": [{\"value\": \"a@x\", \"label\": \"x\"}]}",
            "unknown sub-attribute 'emails.label'"),
        Arguments.of(
            "{\"userName\": \"a\", \"" + ENT + "\": {\"badge\": \"x\"}}",
            "unknown attribute '" + ENT + ":badge'"),
        Arguments.of(
            "{\"userName\": \"a\", \"urn:example:other:2.0:User\": {\"x\": 1}}",
            "unknown attribute 'urn:example:other:2.0:User'"));
  }

  @ParameterizedTest
  @MethodSource("unknownAttributes")
  void rejectsUnknownAttribute_whenPolicyRejects(String body, String detail) {
    assertError(error(() -> strict.forCreate(USER, json(body))), ScimType.INVALID_VALUE, detail);
  }

  @ParameterizedTest
  @MethodSource("unknownAttributes")
  void dropsUnknownAttribute_whenPolicyIgnores(String body, String detail) {
    ObjectNode out = lenient.forCreate(USER, json(body));
    assertThat(out.toString()).doesNotContain("shoeSize", "nick", "label", "badge", "urn:example");
    assertThat(out.get("userName").asText()).isEqualTo("a");
  }

  @Test
  void dropsReadOnlyAttributes() {
    ObjectNode out =
        strict.forCreate(
            USER,
            json(
                """
                {"id": "client-chosen", "meta": {"version": "W/\\"9\\""}, "userName": "a",
                 "groups": [{"value": "g1"}],
                 "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":
                     {"manager": {"value": "m1", "displayName": "Boss"}}}
                """));
    assertThat(out)
        .isEqualTo(
            json("{\"userName\": \"a\", \"" + ENT + "\": {\"manager\": {\"value\": \"m1\"}}}"));
  }

  @Test
  void keepsMemberDisplay_immutableNotReadOnly() {
    // RFC 7643 §2.4: a multi-valued attribute's display is immutable; the client's is kept.
    ObjectNode group =
        strict.forCreate(
            GROUP,
            json(
                "{\"displayName\": \"G\", \"members\": [{\"value\": \"u\", \"display\": \"U\"}]}"));
    assertThat(group.get("members").get(0).get("display").asText()).isEqualTo("U");
  }

  @Test
  void ignoresSchemasInsideAnExtensionObject() {
    ObjectNode out =
        strict.forCreate(
            USER,
            json(
                "{\"schemas\": [\""
                    + CORE
                    + "\", \""
                    + ENT
                    + "\"], \"userName\": \"a\", \""
                    + ENT
                    + "\": {\"schemas\": [\""
                    + ENT
                    + "\"], \"employeeNumber\": \"1\"}}"));
    assertThat(out)
        .isEqualTo(json("{\"userName\": \"a\", \"" + ENT + "\": {\"employeeNumber\": \"1\"}}"));
  }

  @Test
  void unknownAttributeUnderAnyCaseUrn_isNamedWithTheCanonicalUrn() {
    String lower = ENT.toLowerCase(java.util.Locale.ROOT);
    assertError(
        error(
            () ->
                strict.forCreate(
                    USER, json("{\"userName\": \"a\", \"" + lower + ":shoeSize\": \"9\"}"))),
        ScimType.INVALID_VALUE,
        "unknown attribute '" + ENT + ":shoeSize'");
    assertError(
        error(
            () ->
                strict.forCreate(
                    USER,
                    json("{\"userName\": \"a\", \"" + lower + "\": {\"employeeNumber\": 5}}"))),
        ScimType.INVALID_VALUE,
        "'" + ENT + ":employeeNumber' must be");
  }

  @Test
  void dropsExtensionHoldingOnlyReadOnlyValues() {
    ObjectNode out =
        strict.forCreate(
            USER,
            json(
                "{\"userName\": \"a\", \""
                    + ENT
                    + "\": {\"manager\": {\"displayName\": \"Boss\"}}}"));
    assertThat(out).isEqualTo(json("{\"userName\": \"a\"}"));
  }

  // ------------------------------------------------------------------ types

  static Stream<Arguments> wrongTypes() {
    return Stream.of(
        Arguments.of(USER, "{\"userName\": 5}", "'userName' must be a string"),
        Arguments.of(
            USER, "{\"userName\": \"a\", \"active\": \"yes\"}", "'active' must be a boolean"),
        Arguments.of(USER, "{\"userName\": \"a\", \"active\": 1}", "'active' must be a boolean"),
        Arguments.of(
            USER, "{\"userName\": \"a\", \"name\": \"Al\"}", "'name' must be a JSON object"),
        Arguments.of(USER, "{\"userName\": \"a\", \"title\": [\"x\"]}", "'title' is single-valued"),
        Arguments.of(
            USER,
            "{\"userName\": \"a\", \"emails\": [\"a@x.com\"]}",
            "'emails' must be a JSON object"),
        Arguments.of(
            USER,
            "{\"userName\": \"a\", \"emails\": [{\"value\": \"a@x\", \"primary\": \"maybe\"}]}",
            "'emails.primary' must be a boolean"),
        Arguments.of(
            USER,
            "{\"userName\": \"a\", \"x509Certificates\": [{\"value\": \"not base64!\"}]}",
            "'x509Certificates.value' must be a base64-encoded string"),
        Arguments.of(
            USER,
            "{\"userName\": \"a\", \"profileUrl\": {}}",
            "'profileUrl' must be a string (reference)"),
        Arguments.of(
            USER,
            "{\"userName\": \"a\", \"" + ENT + "\": {\"employeeNumber\": 701984}}",
            "'" + ENT + ":employeeNumber' must be a string"),
        Arguments.of(DEVICE, device("\"ports\": 2.5"), "'ports' must be an integer"),
        Arguments.of(DEVICE, device("\"ports\": \"2\""), "'ports' must be an integer"),
        Arguments.of(DEVICE, device("\"weight\": \"heavy\""), "'weight' must be a number"),
        Arguments.of(
            DEVICE, device("\"boughtAt\": \"yesterday\""), "'boughtAt' must be a dateTime"),
        Arguments.of(DEVICE, device("\"boughtAt\": 1700000000"), "'boughtAt' must be a dateTime"),
        Arguments.of(DEVICE, device("\"tags\": [1]"), "'tags' must be a string"));
  }

  private static String device(String extra) {
    return "{\"serial\": \"S1\", \"" + DEVICE_EXT + "\": {\"owner\": \"o\"}, " + extra + "}";
  }

  @ParameterizedTest
  @MethodSource("wrongTypes")
  void rejectsWrongJsonType_invalidValue(
      io.scimd.core.schema.ResourceType type, String body, String detail) {
    assertError(error(() -> strict.forCreate(type, json(body))), ScimType.INVALID_VALUE, detail);
  }

  @Test
  void acceptsIntegralDecimalAsInteger_likePatch() {
    ObjectNode out = strict.forCreate(DEVICE, json(device("\"ports\": 3.0")));
    assertThat(out.get("ports").isIntegralNumber()).isTrue();
    assertThat(out.get("ports").longValue()).isEqualTo(3);
  }

  @ParameterizedTest
  @ValueSource(strings = {"true", "TRUE", "True", "false", "False"})
  void acceptsBooleanAsString_fromEntra(String text) {
    ObjectNode out =
        strict.forCreate(USER, json("{\"userName\": \"a\", \"active\": \"" + text + "\"}"));
    assertThat(out.get("active").isBoolean()).isTrue();
    assertThat(out.get("active").booleanValue()).isEqualTo(Boolean.parseBoolean(text));
  }

  @Test
  void acceptsEveryType_onCustomResource() {
    ObjectNode out =
        strict.forCreate(
            DEVICE,
            json(
                device(
                    "\"ports\": 4, \"weight\": 1.25, \"boughtAt\": \"2024-02-29T10:00:00.5+01:00\","
                        + " \"tags\": \"solo\", \"slot\": {\"rack\": \"R1\", \"position\": 3}")));
    assertThat(out.get("ports").intValue()).isEqualTo(4);
    assertThat(out.get("weight").decimalValue()).isEqualByComparingTo("1.25");
    assertThat(out.get("tags")).isEqualTo(anyJson("[\"solo\"]")); // single value wrapped
    assertThat(out.get("slot")).isEqualTo(anyJson("{\"rack\": \"R1\", \"position\": 3}"));
  }

  @Test
  void wrapsSingleValue_forMultiValuedAttribute() {
    ObjectNode out =
        strict.forCreate(USER, json("{\"userName\": \"a\", \"emails\": {\"value\": \"a@x\"}}"));
    assertThat(out.get("emails")).isEqualTo(anyJson("[{\"value\": \"a@x\"}]"));
  }

  @Test
  void takesBareStringAsValue_ofManager() {
    ObjectNode out =
        strict.forCreate(
            USER, json("{\"userName\": \"a\", \"" + ENT + "\": {\"manager\": \"m-7\"}}"));
    assertThat(out.get(ENT).get("manager")).isEqualTo(anyJson("{\"value\": \"m-7\"}"));
  }

  @Test
  void dropsNullAndEmptyValues_asUnassigned() {
    ObjectNode out =
        strict.forCreate(
            USER,
            json(
                """
                {"userName": "a", "displayName": null, "emails": [], "name": {},
                 "phoneNumbers": [null], "addresses": [{}], "title": "",
                 "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": null}
                """));
    assertThat(out).isEqualTo(json("{\"userName\": \"a\", \"title\": \"\"}"));
  }

  // ------------------------------------------------------------------ required, canonical, primary

  static Stream<Arguments> missingRequired() {
    return Stream.of(
        Arguments.of(USER, "{}", "required attribute 'userName' is missing"),
        Arguments.of(USER, "{\"userName\": null}", "required attribute 'userName' is missing"),
        Arguments.of(
            USER, "{\"userName\": \"  \"}", "required attribute 'userName' must not be blank"),
        Arguments.of(GROUP, "{\"members\": []}", "required attribute 'displayName' is missing"),
        Arguments.of(
            GROUP, "{\"displayName\": \"\"}", "required attribute 'displayName' must not be blank"),
        Arguments.of(
            DEVICE, "{\"" + DEVICE_EXT + "\": {\"owner\": \"o\"}}", "required attribute 'serial'"),
        Arguments.of(DEVICE, "{\"serial\": \"S\"}", "the extension " + DEVICE_EXT + " is required"),
        Arguments.of(
            DEVICE,
            "{\"serial\": \"S\", \"" + DEVICE_EXT + "\": {\"owner\": \"\"}}",
            "'" + DEVICE_EXT + ":owner' must not be blank"),
        Arguments.of(DEVICE, device("\"location\": {\"floor\": 1}"), "'location.site' is missing"),
        Arguments.of(
            DEVICE,
            device("\"location\": {\"floor\": 1, \"site\": \" \"}"),
            "'location.site' must not be blank"));
  }

  @ParameterizedTest
  @MethodSource("missingRequired")
  void rejectsMissingOrBlankRequired_invalidValue(
      io.scimd.core.schema.ResourceType type, String body, String detail) {
    assertError(error(() -> strict.forCreate(type, json(body))), ScimType.INVALID_VALUE, detail);
  }

  @Test
  void foldsCanonicalValues_anyCase() {
    ObjectNode out =
        strict.forCreate(
            USER,
            json(
                """
                {"userName": "a", "emails": [{"value": "a@x", "type": "WORK"}],
                 "phoneNumbers": [{"value": "1", "type": "Mobile"}],
                 "addresses": [{"locality": "X", "type": "Home"}]}
                """));
    assertThat(out.at("/emails/0/type").asText()).isEqualTo("work");
    assertThat(out.at("/phoneNumbers/0/type").asText()).isEqualTo("mobile");
    assertThat(out.at("/addresses/0/type").asText()).isEqualTo("home");
  }

  @Test
  void rejectsValueOutsideCanonicalValues_listingThem() {
    assertError(
        error(
            () ->
                strict.forCreate(
                    USER,
                    json(
                        "{\"userName\": \"a\", \"emails\": [{\"value\": \"a@x\", \"type\": \"office\"}]}"))),
        ScimType.INVALID_VALUE,
        "'emails.type' is \"office\" but must be one of [work, home, other]");
  }

  @Test
  void rejectsTwoPrimaryValues_invalidValue() {
    String body =
        """
        {"userName": "a", "emails": [{"value": "a@x", "primary": true},
                                     {"value": "b@x", "primary": "True"}]}
        """;
    assertError(
        error(() -> strict.forCreate(USER, json(body))),
        ScimType.INVALID_VALUE,
        "'emails' has 2 values with primary true");
  }

  @Test
  void acceptsOnePrimaryValue() {
    String body =
        """
        {"userName": "a", "emails": [{"value": "a@x", "primary": true},
                                     {"value": "b@x", "primary": false}, {"value": "c@x"}]}
        """;
    assertThat(strict.forCreate(USER, json(body)).get("emails")).hasSize(3);
  }

  @Test
  void rejectsSameAttributeUnderTwoSpellings_invalidSyntax() {
    assertError(
        error(() -> strict.forCreate(USER, json("{\"userName\": \"a\", \"USERNAME\": \"b\"}"))),
        ScimType.INVALID_SYNTAX,
        "'userName' is given more than once");
  }

  // ------------------------------------------------------------------ several issues at once

  @Test
  void reportsEveryIssue_withMostSevereScimType() {
    String body =
        """
        {"schemas": "nope", "shoeSize": 42, "active": "perhaps",
         "emails": [{"value": "a@x", "type": "office"}]}
        """;
    ScimException e = error(() -> strict.forCreate(USER, json(body)));
    assertError(
        e,
        ScimType.INVALID_SYNTAX,
        "'schemas' must be an array",
        "unknown attribute 'shoeSize'",
        "'active' must be a boolean",
        "'emails.type' is \"office\"",
        "required attribute 'userName' is missing");
    // syntax first, then the value issues, joined by "; "
    assertThat(e.error().detail()).startsWith("'schemas' must be an array of schema URNs; ");
  }

  @Test
  void reportsValueBeforeMutability_whenBothPresent() {
    ObjectNode current = json(device("\"slot\": {\"rack\": \"R1\"}"));
    ScimException e =
        error(
            () ->
                strict.forReplace(
                    DEVICE,
                    current,
                    json(
                        "{\"serial\": \"OTHER\", \"ports\": \"four\", \""
                            + DEVICE_EXT
                            + "\": {\"owner\": \"o\"}}")));
    assertError(e, ScimType.INVALID_VALUE, "'ports' must be an integer", "'serial' is immutable");
    assertThat(e.error().detail().indexOf("ports"))
        .isLessThan(e.error().detail().indexOf("serial"));
  }

  // ------------------------------------------------------------------ PUT

  @Test
  void replaceKeepsCurrentReadOnlyAttributes_andIgnoresThoseInBody() {
    ObjectNode current =
        json(
            """
            {"userName": "a", "title": "Old", "groups": [{"value": "g1", "display": "G"}]}
            """);
    ObjectNode out =
        strict.forReplace(
            USER,
            current,
            json("{\"id\": \"x\", \"userName\": \"a\", \"groups\": [{\"value\": \"g2\"}]}"));
    assertThat(out)
        .isEqualTo(
            json("{\"userName\": \"a\", \"groups\": [{\"value\": \"g1\", \"display\": \"G\"}]}"));
  }

  @Test
  void replaceKeepsCurrentPassword_whenBodyOmitsIt_fromOktaProfilePut() {
    ObjectNode current = json("{\"userName\": \"a\", \"password\": \"old\", \"title\": \"T\"}");
    assertThat(strict.forReplace(USER, current, json("{\"userName\": \"a\"}")))
        .isEqualTo(json("{\"userName\": \"a\", \"password\": \"old\"}"));
    assertThat(
            strict
                .forReplace(USER, current, json("{\"userName\": \"a\", \"password\": \"new\"}"))
                .get("password")
                .asText())
        .isEqualTo("new");
  }

  @Test
  void replaceRequiresRequiredAttributes() {
    assertError(
        error(
            () ->
                strict.forReplace(USER, json("{\"userName\": \"a\"}"), json("{\"title\": \"T\"}"))),
        ScimType.INVALID_VALUE,
        "required attribute 'userName' is missing");
  }

  @Test
  void replaceSetsImmutable_whenCurrentHasNone() {
    ObjectNode current = json("{\"serial\": \"S1\", \"" + DEVICE_EXT + "\": {\"owner\": \"o\"}}");
    ObjectNode out =
        strict.forReplace(DEVICE, current, json(device("\"slot\": {\"rack\": \"R9\"}")));
    assertThat(out.at("/slot/rack").asText()).isEqualTo("R9");
  }

  @Test
  void replaceAcceptsSameImmutableValue_caseInsensitively() {
    ObjectNode current = json(device("\"slot\": {\"rack\": \"R1\"}"));
    ObjectNode body =
        json(
            "{\"serial\": \"s1\", \"slot\": {\"rack\": \"r1\"}, \""
                + DEVICE_EXT
                + "\": {\"owner\": \"o\"}}");
    assertThat(strict.forReplace(DEVICE, current, body).get("serial").asText()).isEqualTo("s1");
  }

  @Test
  void replaceKeepsImmutable_whenBodyOmitsIt() {
    ObjectNode current = json(device("\"slot\": {\"rack\": \"R1\", \"position\": 1}"));
    ObjectNode out =
        strict.forReplace(
            DEVICE,
            current,
            json("{\"" + DEVICE_EXT + "\": {\"owner\": \"p\"}, \"slot\": {\"position\": 2}}"));
    assertThat(out.get("serial").asText()).isEqualTo("S1");
    assertThat(out.at("/slot/rack").asText()).isEqualTo("R1");
    assertThat(out.at("/slot/position").intValue()).isEqualTo(2);
  }

  @Test
  void replaceRejectsChangedImmutable_mutability() {
    ObjectNode current = json(device("\"slot\": {\"rack\": \"R1\"}"));
    ScimException e =
        error(
            () ->
                strict.forReplace(
                    DEVICE,
                    current,
                    json(
                        "{\"serial\": \"S2\", \"slot\": {\"rack\": \"R2\"}, \""
                            + DEVICE_EXT
                            + "\": {\"owner\": \"o\"}}")));
    assertError(e, ScimType.MUTABILITY, "'serial' is immutable", "'slot.rack' is immutable");
  }

  @Test
  void replaceOfGroupMembers_isNotAMutabilityChange() {
    ObjectNode current =
        json("{\"displayName\": \"G\", \"members\": [{\"value\": \"u1\", \"type\": \"User\"}]}");
    ObjectNode out =
        strict.forReplace(
            GROUP,
            current,
            json(
                "{\"displayName\": \"G\", \"members\": [{\"value\": \"u2\", \"type\": \"Group\"}]}"));
    assertThat(out.get("members")).isEqualTo(anyJson("[{\"value\": \"u2\", \"type\": \"Group\"}]"));
    assertThat(strict.forReplace(GROUP, current, json("{\"displayName\": \"G\"}")).has("members"))
        .isFalse();
  }

  // ------------------------------------------------------------------ after PATCH

  @Test
  void patchedResultIsCanonicalised_andKeepsReadOnlyOfBefore() {
    ObjectNode before = json("{\"userName\": \"a\", \"groups\": [{\"value\": \"g1\"}]}");
    ObjectNode after =
        json(
            "{\"userName\": \"a\", \"active\": \"False\", \"emails\": [{\"Value\": \"a@x\", \"Type\": \"Work\"}]}");
    assertThat(strict.checkPatched(USER, before, after))
        .isEqualTo(
            json(
                "{\"userName\": \"a\", \"active\": false, \"emails\": [{\"value\": \"a@x\", \"type\": \"work\"}],"
                    + " \"groups\": [{\"value\": \"g1\"}]}"));
  }

  @Test
  void patchedResultMustKeepRequired() {
    assertError(
        error(
            () ->
                strict.checkPatched(
                    USER, json("{\"userName\": \"a\"}"), json("{\"title\": \"x\"}"))),
        ScimType.INVALID_VALUE,
        "required attribute 'userName' is missing");
  }

  @Test
  void patchedResultMayNotRemoveOrChangeImmutable_mutability() {
    ObjectNode before = json(device("\"slot\": {\"rack\": \"R1\"}"));
    assertError(
        error(
            () -> strict.checkPatched(DEVICE, before, json(device("\"slot\": {\"position\": 1}")))),
        ScimType.MUTABILITY,
        "'slot.rack' is immutable and cannot be removed");
    assertError(
        error(
            () ->
                strict.checkPatched(
                    DEVICE,
                    before,
                    json(device("\"slot\": {\"rack\": \"R2\"}")).put("serial", "S2"))),
        ScimType.MUTABILITY,
        "'serial' is immutable: it is already set and cannot change",
        "'slot.rack' is immutable: it is already set");
  }

  @Test
  void patchedGroupMayAddAndRemoveMembers() {
    ObjectNode before =
        json("{\"displayName\": \"G\", \"members\": [{\"value\": \"u1\"}, {\"value\": \"u2\"}]}");
    ObjectNode after =
        json("{\"displayName\": \"G\", \"members\": [{\"value\": \"u2\"}, {\"value\": \"u3\"}]}");
    assertThat(strict.checkPatched(GROUP, before, after)).isEqualTo(after);
  }

  @Test
  void patchedUserMaySetImmutable_whenBeforeHasNone() {
    ObjectNode before = json("{\"serial\": \"S1\", \"" + DEVICE_EXT + "\": {\"owner\": \"o\"}}");
    ObjectNode after = json(device("\"slot\": {\"rack\": \"R3\"}"));
    assertThat(strict.checkPatched(DEVICE, before, after).at("/slot/rack").asText())
        .isEqualTo("R3");
  }
}
