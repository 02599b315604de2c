package io.scimd.core.filter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scimd.core.error.ScimException;
import io.scimd.core.error.ScimType;
import io.scimd.core.schema.Attribute;
import io.scimd.core.schema.AttributeType;
import io.scimd.core.schema.ResourceType;
import io.scimd.core.schema.Schema;
import io.scimd.core.schema.SchemaRegistry;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class FilterEvaluatorTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final SchemaRegistry REGISTRY = SchemaRegistry.builtIn();
  private static final ResourceType USER = REGISTRY.user();
  private static final ResourceType GROUP = REGISTRY.group();

  private static final ObjectNode ALICE =
      json(
          """
          {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User",
                        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
            "id": "2819c223-7f76-453a-919d-413861904646",
            "externalId": "AbC-123",
            "userName": "alice",
            "name": {"givenName": "Alice", "familyName": "O'Malley"},
            "displayName": "Alice O'Malley",
            "title": "",
            "userType": "Employee",
            "active": true,
            "emails": [
              {"value": "alice@example.com", "type": "work", "primary": true},
              {"value": "Alice@Home.org", "type": "home"}
            ],
            "ims": [{"value": "alice@foo.com", "type": "xmpp"}],
            "x509Certificates": [{"value": "TUlJRGFE"}],
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
              "employeeNumber": "701984",
              "manager": {"value": "26118915-6090-4610-87e4-49d8ca9f808d", "displayName": "John"}
            },
            "meta": {
              "resourceType": "User",
              "created": "2010-01-23T04:56:22Z",
              "lastModified": "2011-05-13T04:42:34.1234567Z",
              "version": "W/\\"3694e05e9dff591\\""
            }
          }
          """);

  private static final ObjectNode BOB =
      json(
          """
          {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "id": "b0b", "userName": "Bob", "active": false, "emails": [],
            "meta": {"resourceType": "User", "lastModified": "2011-05-13T06:42:34+02:00"}
          }
          """);

  private static final ObjectNode ADMINS =
      json(
          """
          {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
            "id": "g1", "displayName": "Admins",
            "members": [{"value": "u1", "type": "User"}, {"value": "u2", "type": "Group"}],
            "meta": {"resourceType": "Group", "lastModified": "2024-02-29T23:59:59.999Z"}
          }
          """);

  private static ObjectNode json(String text) {
    try {
      return (ObjectNode) JSON.readTree(text);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static boolean user(String filter) {
    return FilterEvaluator.matches(FilterParser.parse(filter), ALICE, USER);
  }

  private static boolean group(String filter) {
    return FilterEvaluator.matches(FilterParser.parse(filter), ADMINS, GROUP);
  }

  private static void assertInvalid(String filter, ResourceType type, String detail) {
    Filter f = FilterParser.parse(filter);
    assertThatThrownBy(() -> FilterEvaluator.validate(f, type))
        .isInstanceOfSatisfying(
            ScimException.class,
            e -> {
              assertThat(e.status()).isEqualTo(400);
              assertThat(e.scimType()).isEqualTo(ScimType.INVALID_FILTER);
            })
        .hasMessageContaining(detail);
    // matches() rejects it too, even though the resource would not reach the comparison.
    assertThatThrownBy(() -> FilterEvaluator.matches(f, json("{}"), type))
        .isInstanceOf(ScimException.class);
  }

  @Test
  void matches_userNameEq_ignoresCaseBecauseUserNameIsNotCaseExact() {
    assertThat(user("userName eq \"ALICE\"")).isTrue();
    assertThat(user("USERNAME Eq \"alice\"")).isTrue();
    assertThat(user("userName eq \"alic\"")).isFalse();
    assertThat(FilterEvaluator.matches(FilterParser.parse("userName eq \"bob\""), BOB, USER))
        .isTrue();
  }

  @Test
  void matches_idAndExternalId_areCaseExact() {
    assertThat(user("externalId eq \"AbC-123\"")).isTrue();
    assertThat(user("externalId eq \"abc-123\"")).isFalse();
    assertThat(user("id eq \"2819c223-7f76-453a-919d-413861904646\"")).isTrue();
    assertThat(user("id eq \"2819C223-7F76-453A-919D-413861904646\"")).isFalse();
    assertThat(user("meta.resourceType eq \"User\"")).isTrue();
    assertThat(user("meta.resourceType eq \"user\"")).isFalse();
  }

  @Test
  void matches_substringOperators_followCaseExact() {
    assertThat(user("userName sw \"AL\"")).isTrue();
    assertThat(user("userName ew \"ICE\"")).isTrue();
    assertThat(user("userName co \"LIC\"")).isTrue();
    assertThat(user("name.familyName co \"o'malley\"")).isTrue();
    assertThat(user("externalId sw \"abc\"")).isFalse();
    assertThat(user("externalId sw \"AbC\"")).isTrue();
    assertThat(user("urn:ietf:params:scim:schemas:core:2.0:User:userName sw \"A\"")).isTrue();
  }

  @Test
  void matches_stringOrdering_isLexicographicAfterFolding() {
    assertThat(user("userName gt \"ALFRED\"")).isTrue(); // "alice" > "alfred"
    assertThat(user("userName lt \"B\"")).isTrue();
    assertThat(user("userName ge \"alice\"")).isTrue();
    assertThat(user("userName le \"ALICE\"")).isTrue();
    assertThat(user("userName gt \"alice\"")).isFalse();
    assertThat(user("externalId lt \"a\"")).isTrue(); // 'A' < 'a' when case-exact
  }

  @Test
  void matches_dateTime_comparesChronologicallyAcrossPrecisionsAndOffsets() {
    // lastModified is 2011-05-13T04:42:34.1234567Z
    assertThat(user("meta.lastModified gt \"2011-05-13T04:42:34Z\"")).isTrue();
    assertThat(user("meta.lastModified gt \"2011-05-13T04:42:34.123456Z\"")).isTrue();
    assertThat(user("meta.lastModified gt \"2011-05-13T04:42:34.1234568Z\"")).isFalse();
    assertThat(user("meta.lastModified eq \"2011-05-13T04:42:34.123456700Z\"")).isTrue();
    assertThat(user("meta.lastModified eq \"2011-05-13T06:42:34.1234567+02:00\"")).isTrue();
    // As text "2011-05-13T05..." > "2011-05-13T04...", but 05:00+02:00 is 03:00Z: earlier.
    assertThat(user("meta.lastModified gt \"2011-05-13T05:00:00+02:00\"")).isTrue();
    assertThat(user("meta.lastModified lt \"2011-05-13T00:00:00-05:00\"")).isTrue();
    assertThat(user("meta.lastModified ge \"2011-05-13T04:42:35Z\"")).isFalse();
    assertThat(user("meta.lastModified le \"2011-05-13T04:42:34.1234567z\"")).isTrue();
    assertThat(user("meta.created lt \"2011-05-13T04:42:34Z\"")).isTrue();
    // Bob: 06:42:34+02:00 is exactly 04:42:34Z
    Filter eq = FilterParser.parse("meta.lastModified eq \"2011-05-13T04:42:34Z\"");
    assertThat(FilterEvaluator.matches(eq, BOB, USER)).isTrue();
    assertThat(FilterEvaluator.matches(eq, ALICE, USER)).isFalse();
    assertThat(group("meta.lastModified gt \"2024-02-29T23:59:59.998999999Z\"")).isTrue();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "yesterday",
        "2011-05-13",
        "2011-13-01T00:00:00Z",
        "2011-02-29T00:00:00Z",
        "2011-05-13T24:00:00Z",
        "2011-05-13T04:42Z",
        "2011-05-13T04:42:34.Z",
        "2011-05-13T04:42:34+25:00",
        "2011-05-13T04:42:34Zjunk",
        ""
      })
  void validate_invalidDateTimeOperand_isInvalidFilter(String value) {
    assertInvalid("meta.lastModified gt \"" + value + "\"", USER, "is a dateTime");
  }

  @Test
  void validate_dateTimeWithNumber_isInvalidFilter() {
    assertInvalid("meta.lastModified gt 2011", USER, "is a dateTime");
  }

  @Test
  void matches_multiValued_matchesWhenAnyValueMatches() {
    assertThat(user("emails co \"home.org\"")).isTrue();
    assertThat(user("emails.value eq \"alice@home.org\"")).isTrue();
    assertThat(user("emails.type eq \"home\"")).isTrue();
    assertThat(user("emails.value ew \"example.com\"")).isTrue();
    assertThat(user("emails.value eq \"nobody@example.com\"")).isFalse();
    assertThat(user("emails.primary eq true")).isTrue();
    assertThat(user("schemas eq \"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User\""))
        .isTrue();
    assertThat(user("schemas eq \"URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:USER\"")).isTrue();
    assertThat(
            FilterEvaluator.matches(
                FilterParser.parse(
                    "schemas eq \"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User\""),
                BOB,
                USER))
        .isFalse();
  }

  @Test
  void matches_rfcExamples_onAlice() {
    assertThat(
            user(
                "userType eq \"Employee\" and (emails co \"example.com\" or emails.value co \"example.org\")"))
        .isTrue();
    assertThat(
            user(
                "userType ne \"Employee\" and not (emails co \"example.com\" or emails.value co \"example.org\")"))
        .isFalse();
    assertThat(user("userType eq \"Employee\" and (emails.type eq \"work\")")).isTrue();
    assertThat(
            user(
                "userType eq \"Employee\" and emails[type eq \"work\" and value co \"@example.com\"]"))
        .isTrue();
    assertThat(
            user(
                "emails[type eq \"work\" and value co \"@example.com\"] or ims[type eq \"xmpp\" and value co \"@foo.com\"]"))
        .isTrue();
    assertThat(user("title pr and userType eq \"Employee\"")).isFalse(); // title is ""
    assertThat(user("title pr or userType eq \"Intern\"")).isFalse();
  }

  @Test
  void matches_valuePath_requiresOneElementToMatchTheWholeInnerFilter() {
    // The home email is not at example.com and the work one is: no single element has both.
    assertThat(user("emails[type eq \"home\" and value co \"example.com\"]")).isFalse();
    // Whereas two independent conditions may be met by different elements.
    assertThat(user("emails.type eq \"home\" and emails.value co \"example.com\"")).isTrue();
    assertThat(user("emails[type eq \"home\" or primary eq true]")).isTrue();
    assertThat(user("emails[not (type eq \"work\")]")).isTrue();
    assertThat(user("ims[type eq \"aim\"]")).isFalse();
    assertThat(user("phoneNumbers[type eq \"work\"]")).isFalse();
    assertThat(user("not (phoneNumbers[type eq \"work\"])")).isTrue();
    assertThat(user("emails[VALUE eq \"ALICE@EXAMPLE.COM\"]")).isTrue();
  }

  @Test
  void matches_groupMembership_asEntraAndOktaAsk() {
    assertThat(group("id eq \"g1\" and members[value eq \"u1\"]")).isTrue();
    assertThat(group("id eq \"g1\" and members[value eq \"u3\"]")).isFalse();
    assertThat(group("id eq \"g2\" and members[value eq \"u1\"]")).isFalse();
    assertThat(group("members eq \"u2\"")).isTrue();
    assertThat(group("members eq \"u3\"")).isFalse();
    assertThat(group("members.value eq \"u2\"")).isTrue();
    assertThat(group("members[type eq \"Group\" and value eq \"u2\"]")).isTrue();
    assertThat(group("members[type eq \"Group\" and value eq \"u1\"]")).isFalse();
    assertThat(group("displayName eq \"admins\"")).isTrue();
  }

  @Test
  void matches_membersNotLoaded_isNoMatch() {
    ObjectNode withoutMembers = ADMINS.deepCopy();
    withoutMembers.remove("members");
    Filter f = FilterParser.parse("members[value eq \"u1\"]");
    assertThat(FilterEvaluator.matches(f, withoutMembers, GROUP)).isFalse();
  }

  @Test
  void matches_extensionAttributes_underTheirUrn() {
    assertThat(
            user(
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq \"701984\""))
        .isTrue();
    assertThat(user("employeeNumber eq \"701984\"")).isTrue();
    assertThat(
            user(
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq \"26118915-6090-4610-87e4-49d8ca9f808d\""))
        .isTrue();
    assertThat(user("manager eq \"26118915-6090-4610-87e4-49d8ca9f808d\"")).isTrue();
    assertThat(user("manager.displayName eq \"john\"")).isTrue();
    assertThat(user("manager pr")).isTrue();
    assertThat(FilterEvaluator.matches(FilterParser.parse("manager pr"), BOB, USER)).isFalse();
  }

  @Test
  void matches_jsonKeysInAnotherCase_areFound() {
    ObjectNode odd =
        json(
            """
            {"UserName": "Carol", "Emails": [{"Value": "c@x.org"}],
             "URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER": {"Department": "R&D"}}
            """);
    assertThat(FilterEvaluator.matches(FilterParser.parse("userName eq \"carol\""), odd, USER))
        .isTrue();
    assertThat(
            FilterEvaluator.matches(FilterParser.parse("emails.value eq \"c@x.org\""), odd, USER))
        .isTrue();
    assertThat(FilterEvaluator.matches(FilterParser.parse("department eq \"r&d\""), odd, USER))
        .isTrue();
  }

  @Test
  void matches_present_requiresANonEmptyValue() {
    assertThat(user("userName pr")).isTrue();
    assertThat(user("title pr")).isFalse(); // empty string
    assertThat(user("nickName pr")).isFalse(); // absent
    assertThat(user("emails pr")).isTrue();
    assertThat(user("name pr")).isTrue();
    assertThat(user("name.middleName pr")).isFalse();
    assertThat(user("active pr")).isTrue();
    ObjectNode sparse =
        json(
            "{\"emails\": [], \"name\": {}, \"nickName\": null, \"phoneNumbers\": [{\"value\": \"\"}]}");
    for (String f :
        List.of(
            "emails pr", "name pr", "nickName pr", "phoneNumbers pr", "phoneNumbers.value pr")) {
      assertThat(FilterEvaluator.matches(FilterParser.parse(f), sparse, USER)).as(f).isFalse();
    }
  }

  @Test
  void matches_null_meansAbsent() {
    assertThat(user("nickName eq null")).isTrue();
    assertThat(user("title eq null")).isTrue();
    assertThat(user("userName eq null")).isFalse();
    assertThat(user("userName ne null")).isTrue();
    assertThat(user("nickName ne null")).isFalse();
  }

  @Test
  void matches_ne_isTheComplementOfEq() {
    assertThat(user("nickName ne \"x\"")).isTrue(); // absent
    assertThat(user("userName ne \"ALICE\"")).isFalse();
    assertThat(user("userName ne \"bob\"")).isTrue();
    assertThat(group("members ne \"u1\"")).isFalse(); // u1 is a member
    assertThat(group("members ne \"u9\"")).isTrue();
    assertThat(user("active ne false")).isTrue();
  }

  @Test
  void matches_not_negates() {
    assertThat(user("not (userName eq \"alice\")")).isFalse();
    assertThat(user("not (userName eq \"bob\")")).isTrue();
    assertThat(user("not (nickName pr) and userName pr")).isTrue();
  }

  @Test
  void matches_precedence_andBeforeOr() {
    // true or (false and false) = true; (true or false) and false = false
    assertThat(user("userName pr or nickName pr and title pr")).isTrue();
    assertThat(user("(userName pr or nickName pr) and title pr")).isFalse();
  }

  @Test
  void matches_booleans_includingStringOperands() {
    assertThat(user("active eq true")).isTrue();
    assertThat(user("active eq \"true\"")).isTrue();
    assertThat(user("active eq \"True\"")).isTrue();
    assertThat(user("active eq \"FALSE\"")).isFalse();
    assertThat(FilterEvaluator.matches(FilterParser.parse("active eq false"), BOB, USER)).isTrue();
  }

  @Test
  void matches_binary_comparesWithEqOnly() {
    assertThat(user("x509Certificates.value eq \"TUlJRGFE\"")).isTrue();
    assertThat(user("x509Certificates eq \"TUlJRGFE\"")).isTrue();
  }

  @Test
  void validate_orderingOnBoolean_isInvalidFilter() {
    assertInvalid("active gt true", USER, "only eq and ne");
    assertInvalid("emails.primary le false", USER, "only eq and ne");
  }

  @Test
  void validate_orderingOrSubstringOnBinary_isInvalidFilter() {
    assertInvalid("x509Certificates.value gt \"A\"", USER, "binary");
    assertInvalid("x509Certificates.value co \"A\"", USER, "binary");
  }

  @Test
  void validate_substringOnNonString_isInvalidFilter() {
    assertInvalid("active co \"t\"", USER, "only eq and ne");
    assertInvalid(
        "meta.lastModified sw \"2011\"",
        USER,
        "sw applies to strings, and meta.lastModified is a dateTime");
    assertInvalid("meta.created co \"2011\"", USER, "applies to strings");
  }

  @Test
  void validate_unknownAttribute_isInvalidFilter() {
    assertInvalid("nosuch eq \"x\"", USER, "unknown attribute \"nosuch\" for resource type User");
    assertInvalid("name.nosuch eq \"x\"", USER, "name has no sub-attribute \"nosuch\"");
    assertInvalid("userName.x eq \"x\"", USER, "has no sub-attribute");
    assertInvalid("userName eq \"x\"", GROUP, "unknown attribute");
    assertInvalid(
        "urn:ietf:params:scim:schemas:core:2.0:Group:displayName eq \"x\"",
        USER,
        "unknown attribute");
    assertInvalid("emails[nosuch eq \"x\"]", USER, "emails has no sub-attribute \"nosuch\"");
    assertInvalid("nosuch[value eq \"x\"]", USER, "unknown attribute");
    assertInvalid("nosuch pr", USER, "unknown attribute");
    assertInvalid("schemas.x eq \"a\"", USER, "no sub-attributes");
  }

  @Test
  void validate_pathsInAnyCase_areNamedInTheSchemasSpelling() {
    String ent = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
    String lower = ent.toLowerCase(java.util.Locale.ROOT);
    assertInvalid(lower + ":shoeSize eq \"9\"", USER, "unknown attribute \"" + ent + ":shoesize\"");
    assertInvalid(
        lower + ":EMPLOYEENUMBER gt true",
        USER,
        "\"" + ent + ":employeeNumber gt true\": " + ent + ":employeeNumber is a string");
    assertInvalid(
        lower + ":manager.nosuch pr",
        USER,
        "\"" + ent + ":manager.nosuch\": " + ent + ":manager has no sub-attribute");
    assertInvalid(lower + " pr", USER, "\"" + ent + "\" names the whole extension schema");
  }

  @Test
  void validate_subAttributeAfterValueFilter_testsOneValue() {
    // Entra: emails[type eq "work"].value eq "a@x.com" is emails[type eq "work" and value eq ...].
    Filter f = FilterParser.parse("emails[type eq \"work\"].value eq \"a@x.com\"");
    assertThat(
            FilterEvaluator.matches(
                f, json("{\"emails\":[{\"type\":\"work\",\"value\":\"a@x.com\"}]}"), USER))
        .isTrue();
    assertThat(
            FilterEvaluator.matches(
                f,
                json(
                    "{\"emails\":[{\"type\":\"home\",\"value\":\"a@x.com\"},{\"type\":\"work\",\"value\":\"b@x.com\"}]}"),
                USER))
        .isFalse();
  }

  @Test
  void validate_complexWithoutValue_isInvalidFilter() {
    assertInvalid(
        "name eq \"Alice\"", USER, "\"name\" is complex and has no \"value\" sub-attribute");
    assertInvalid("meta gt \"x\"", USER, "is complex");
    assertInvalid("addresses co \"x\"", USER, "is complex");
  }

  @Test
  void validate_badValuePaths_areInvalidFilter() {
    assertInvalid("userName[value eq \"x\"]", USER, "is not a complex attribute");
    assertInvalid("emails.value[type eq \"x\"]", USER, "as a whole");
    assertInvalid("emails[type.x eq \"x\"]", USER, "one sub-attribute");
    assertInvalid(
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User eq \"x\"",
        USER,
        "whole extension");
    Filter nested = Filter.valuePath("emails", Filter.valuePath("type", Filter.pr("value")));
    assertThatThrownBy(() -> FilterEvaluator.validate(nested, USER))
        .isInstanceOfSatisfying(
            ScimException.class, e -> assertThat(e.scimType()).isEqualTo(ScimType.INVALID_FILTER))
        .hasMessageContaining("cannot be nested");
  }

  @Test
  void validate_operandOfTheWrongType_isInvalidFilter() {
    assertInvalid("userName eq 42", USER, "compare it with a string");
    assertInvalid("userName eq true", USER, "compare it with a string");
    assertInvalid("active eq \"yes\"", USER, "compare it with true or false");
    assertInvalid("active eq 1", USER, "compare it with true or false");
    assertInvalid("userName gt null", USER, "only eq and ne compare with null");
  }

  @Test
  void validate_validFilters_pass() {
    for (String f :
        List.of(
            "userName eq \"x\"",
            "externalId eq \"guid\"",
            "meta.lastModified gt \"2011-05-13T04:42:34Z\"",
            "emails[type eq \"work\" and value co \"@example.com\"]",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq \"m\"")) {
      FilterEvaluator.validate(FilterParser.parse(f), USER);
    }
    FilterEvaluator.validate(FilterParser.parse("id eq \"g\" and members[value eq \"u\"]"), GROUP);
    FilterEvaluator.validate(FilterParser.parse("members eq \"u\""), GROUP);
  }

  // ---------------------------------------------------------------- numbers, on a custom type

  private static final ResourceType DEVICE =
      new ResourceType(
          "Device",
          "/Devices",
          "",
          new Schema(
              "urn:example:Device",
              "Device",
              "",
              List.of(
                  Attribute.builder("cores").type(AttributeType.INTEGER).build(),
                  Attribute.builder("weight").type(AttributeType.DECIMAL).build(),
                  Attribute.builder("ports").type(AttributeType.INTEGER).multiValued(true).build(),
                  Attribute.builder("seen").type(AttributeType.DATE_TIME).build(),
                  Attribute.builder("serial").caseExact(true).build())),
          List.of());

  private static final ObjectNode LAPTOP =
      json(
          """
          {"cores": 8, "weight": 1.25, "ports": [22, 443, 12345678901], "seen": "2020-01-01T00:00:00Z",
           "serial": "SN-1"}
          """);

  private static boolean device(String filter) {
    return FilterEvaluator.matches(FilterParser.parse(filter), LAPTOP, DEVICE);
  }

  @Test
  void matches_numbers_compareNumerically() {
    assertThat(device("cores eq 8")).isTrue();
    assertThat(device("cores eq 8.0")).isTrue();
    assertThat(device("cores gt 7.5")).isTrue();
    assertThat(device("cores ge 8")).isTrue();
    assertThat(device("cores lt 10")).isTrue(); // numerically, though "10" < "8" as text
    assertThat(device("cores le 7")).isFalse();
    assertThat(device("weight gt 1.2")).isTrue();
    assertThat(device("weight eq 1.250")).isTrue();
    assertThat(device("weight lt 1")).isFalse();
    assertThat(device("weight lt 1.3e0")).isTrue();
    assertThat(device("ports eq 443")).isTrue();
    assertThat(device("ports gt 12345678900")).isTrue();
    assertThat(device("ports gt 99999999999999999999")).isFalse();
    assertThat(device("ports lt -1")).isFalse();
    assertThat(device("cores ne 8")).isFalse();
  }

  @Test
  void matches_numericStringOperand_isAccepted() {
    assertThat(device("cores eq \"8\"")).isTrue();
    assertThat(device("weight gt \"1.2\"")).isTrue();
  }

  @Test
  void validate_badNumericOperands_areInvalidFilter() {
    assertInvalid("cores eq \"eight\"", DEVICE, "compare it with a number");
    assertInvalid("cores eq \"08\"", DEVICE, "compare it with a number");
    assertInvalid("cores eq true", DEVICE, "compare it with a number");
    assertInvalid("cores co 8", DEVICE, "co applies to strings");
    assertInvalid("weight sw 1", DEVICE, "sw applies to strings");
  }

  @Test
  void matches_customDateTimeAttribute_comparesChronologically() {
    assertThat(device("seen lt \"2020-01-01T00:00:00.000000001Z\"")).isTrue();
    assertThat(device("seen gt \"2019-12-31T23:00:00-02:00\"")).isFalse(); // 01:00Z on Jan 1
    assertThat(device("seen eq \"2020-01-01T01:00:00+01:00\"")).isTrue();
  }

  @Test
  void matches_valuesOfTheWrongJsonType_doNotMatchAndDoNotThrow() {
    ObjectNode weird =
        json(
            "{\"cores\": \"eight\", \"weight\": [true], \"seen\": 5, \"serial\": {\"a\": 1}, \"ports\": [\"x\", null]}");
    for (String f :
        List.of(
            "cores eq 8",
            "weight gt 1",
            "seen lt \"2030-01-01T00:00:00Z\"",
            "serial eq \"SN-1\"",
            "ports eq 1")) {
      assertThat(FilterEvaluator.matches(FilterParser.parse(f), weird, DEVICE)).as(f).isFalse();
    }
  }

  @Test
  void compile_predicate_isReusableAcrossResources() {
    var p =
        FilterEvaluator.compile(FilterParser.parse("userName eq \"bob\" or active eq true"), USER);
    assertThat(p.test(ALICE)).isTrue();
    assertThat(p.test(BOB)).isTrue();
    assertThat(p.test(json("{\"userName\": \"carol\", \"active\": false}"))).isFalse();
  }
}
