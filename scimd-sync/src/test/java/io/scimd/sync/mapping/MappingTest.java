package io.scimd.sync.mapping;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scimd.core.schema.SchemaRegistry;
import org.junit.jupiter.api.Test;

class MappingTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final SchemaRegistry BUILT_IN = SchemaRegistry.builtIn();
  static final String ENT = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

  /** A user as Okta provisions it, as our store returns it (with id, meta and groups). */
  static ObjectNode oktaUser() {
    return json(
        """
        {"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","%s"],
         "id":"8d1c2f1e-0c59-4f49-9b43-5d8a6f3e1a10","externalId":"00u1abcdEFGH2345x697",
         "userName":"barbara.jensen@example.com",
         "name":{"givenName":"Barbara","familyName":"Jensen","honorificPrefix":"Ms."},
         "displayName":"Barbara Jensen","active":true,"locale":"en-US",
         "emails":[{"value":"bjensen@home.example","type":"home"},
                   {"value":"barbara.jensen@example.com","type":"work","primary":true}],
         "phoneNumbers":[{"value":"+1 555 0100","type":"mobile"}],
         "groups":[{"value":"g1","display":"Engineering"}],
         "%s":{"employeeNumber":"701984","department":"Tour Operations",
               "manager":{"value":"26118915-6090-4610-87e4-49d8ca9f808d","displayName":"John Smith"}},
         "meta":{"resourceType":"User","created":"2024-01-01T00:00:00Z","version":"W/\\"3\\""}}
        """
            .formatted(ENT, ENT));
  }

  /** A user as Entra ID provisions it: no primary flag, a work email that is not the userName. */
  static ObjectNode entraUser() {
    return json(
        """
        {"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","%s"],
         "id":"u-2","externalId":"4c2a9b2e-a4d5-4d1f-9a0c-1f5c0e2b7a33",
         "userName":"AlexW@contoso.onmicrosoft.com","active":true,"displayName":"Alex Wilber",
         "title":"Marketing Assistant",
         "name":{"givenName":"Alex","familyName":"Wilber","formatted":"Alex Wilber"},
         "emails":[{"type":"work","value":"AlexW@contoso.com"}],
         "addresses":[{"type":"work","country":"US","locality":"Seattle"}],
         "%s":{"department":"Retail","costCenter":"CC-17"}}
        """
            .formatted(ENT, ENT));
  }

  static ObjectNode json(String s) {
    try {
      return (ObjectNode) JSON.readTree(s);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  static Mapping compile(String spec) {
    return Mapping.compile(spec, BUILT_IN, BUILT_IN);
  }

  static String problemsOf(String spec) {
    return problemsOf(spec, BUILT_IN);
  }

  static String problemsOf(String spec, SchemaRegistry target) {
    try {
      Mapping.compile(spec, BUILT_IN, target);
    } catch (MappingException e) {
      return e.getMessage();
    }
    throw new AssertionError("compiled: " + spec);
  }

  // ------------------------------------------------------------------------------ apply

  @Test
  void identity_passesCoreAndEnterpriseAttributesUnchanged() {
    ObjectNode in = oktaUser();
    ObjectNode copy = in.deepCopy();
    ObjectNode out = Mapping.identity().applyUser(in);

    ObjectNode expected = in.deepCopy();
    expected.remove("id");
    expected.remove("meta");
    expected.remove("groups");
    assertThat(out).isEqualTo(expected);
    assertThat(in).as("the source is not changed").isEqualTo(copy);
    out.with("name").put("givenName", "changed");
    assertThat(in.get("name").get("givenName").asText()).as("not shared").isEqualTo("Barbara");
  }

  @Test
  void identity_mapsGroupsWithoutMembersIdOrMeta() {
    ObjectNode group =
        json(
            """
            {"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"id":"g1",
             "externalId":"okta-g1","displayName":"Engineering",
             "members":[{"value":"u1","type":"User"}],"meta":{"resourceType":"Group"}}
            """);
    assertThat(Mapping.identity().applyGroup(group))
        .isEqualTo(
            json(
                """
                {"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],
                 "externalId":"okta-g1","displayName":"Engineering"}
                """));
  }

  @Test
  void filterPath_picksTheMatchingElementsSubAttribute() {
    Mapping m =
        compile("{\"User\":{\"userName\":{\"from\":\"emails[type eq \\\"work\\\"].value\"}}}");
    assertThat(m.applyUser(entraUser()).get("userName").asText()).isEqualTo("AlexW@contoso.com");
  }

  @Test
  void filterPath_withoutAMatch_leavesTheTargetAttributeOut_evenInMerge() {
    Mapping m =
        compile("{\"User\":{\"userName\":{\"from\":\"emails[type eq \\\"other\\\"].value\"}}}");
    ObjectNode out = m.applyUser(entraUser());
    assertThat(out.has("userName")).isFalse();
    assertThat(out.get("displayName").asText()).isEqualTo("Alex Wilber");
  }

  @Test
  void filterPath_intoAMultiValuedTarget_keepsEveryMatchingElement() {
    Mapping m =
        compile(
            "{\"mode\":\"replace\",\"User\":{\"emails\":{\"from\":\"emails[type eq \\\"work\\\"]\"}}}");
    assertThat(m.applyUser(oktaUser()).get("emails"))
        .isEqualTo(
            json("{\"e\":[{\"value\":\"barbara.jensen@example.com\",\"type\":\"work\",\"primary\":true}]}")
                .get("e"));
  }

  @Test
  void severalValuesIntoOne_takesThePrimary() {
    // Okta's work email is second but primary.
    Mapping m = compile("{\"User\":{\"nickName\":{\"from\":\"emails.value\"}}}");
    assertThat(m.applyUser(oktaUser()).get("nickName").asText())
        .isEqualTo("barbara.jensen@example.com");
  }

  @Test
  void severalValuesIntoOne_withoutPrimary_takesTheFirst() {
    Mapping m = compile("{\"User\":{\"nickName\":{\"from\":\"addresses.locality\"}}}");
    assertThat(m.applyUser(entraUser()).get("nickName").asText()).isEqualTo("Seattle");
  }

  @Test
  void expression_buildsAValueFromTheSource() {
    Mapping m =
        compile(
            """
            {"User":{
              "displayName":{"expr":"user.name.familyName.upperAscii() + ', ' + user.name.givenName"},
              "nickName":{"expr":"user.?nickName.orValue(user.name.givenName)"},
              "title":{"expr":"enterprise.department"},
              "emails":{"expr":"[{'value': user.userName.lowerAscii(), 'type': 'work', 'primary': true}]"}
            }}
            """);
    ObjectNode out = m.applyUser(entraUser());
    assertThat(out.get("displayName").asText()).isEqualTo("WILBER, Alex");
    assertThat(out.get("nickName").asText()).isEqualTo("Alex");
    assertThat(out.get("title").asText()).isEqualTo("Retail");
    assertThat(out.get("emails"))
        .isEqualTo(
            json("{\"e\":[{\"value\":\"alexw@contoso.onmicrosoft.com\",\"type\":\"work\",\"primary\":true}]}")
                .get("e"));
  }

  @Test
  void expression_readingAnAbsentAttribute_leavesTheTargetAttributeOut() {
    Mapping m = compile("{\"User\":{\"title\":{\"expr\":\"user.nickName + '!'\"}}}");
    assertThat(m.applyUser(entraUser()).has("title")).as("merge would have passed title").isFalse();
  }

  @Test
  void expression_overTheWholeExtension_byItsUrn() {
    Mapping m =
        compile("{\"User\":{\"title\":{\"expr\":\"user['" + ENT + "'].manager.displayName\"}}}");
    assertThat(m.applyUser(oktaUser()).get("title").asText()).isEqualTo("John Smith");
  }

  @Test
  void expression_forGroups_seesGroup() {
    Mapping m = compile("{\"Group\":{\"displayName\":{\"expr\":\"'app-' + group.displayName\"}}}");
    ObjectNode out = m.applyGroup(json("{\"id\":\"g\",\"displayName\":\"Eng\"}"));
    assertThat(out.get("displayName").asText()).isEqualTo("app-Eng");
  }

  @Test
  void expression_givingTheWrongTypeAtRunTime_failsNamingTheAttribute() {
    Mapping m = compile("{\"User\":{\"title\":{\"expr\":\"user.name\"}}}");
    assertThatThrownBy(() -> m.applyUser(entraUser()))
        .isInstanceOf(MappingException.class)
        .hasMessage("User.title: a complex value cannot be written to title, which is a string");
  }

  @Test
  void expression_thatRunsAway_isStoppedByTheIterationLimit() {
    StringBuilder list = new StringBuilder("[");
    for (int i = 0; i < 100; i++) {
      list.append(i == 0 ? "" : ",").append(i);
    }
    list.append(']');
    String expr = list + ".map(x, " + list + ".map(y, " + list + ".map(z, x)))";
    Mapping m = compile("{\"User\":{\"title\":{\"expr\":\"string(size(" + expr + "))\"}}}");
    assertThatThrownBy(() -> m.applyUser(entraUser()))
        .isInstanceOf(MappingException.class)
        .hasMessageStartingWith("User.title: expression failed:")
        .hasMessageContaining("1000");
  }

  @Test
  void constantAndOmit() {
    Mapping m =
        compile(
            "{\"User\":{\"title\":{\"value\":\"Staff\"},\"phoneNumbers\":{\"omit\":true},"
                + "\"name.honorificPrefix\":{\"omit\":true}}}");
    ObjectNode out = m.applyUser(oktaUser());
    assertThat(out.get("title").asText()).isEqualTo("Staff");
    assertThat(out.has("phoneNumbers")).isFalse();
    assertThat(out.get("name"))
        .isEqualTo(json("{\"givenName\":\"Barbara\",\"familyName\":\"Jensen\"}"));
  }

  @Test
  void replace_sendsOnlyWhatTheRulesWrite_withTheExtensionsSchema() {
    Mapping m =
        compile(
            """
            {"mode":"replace","User":{
              "userName":{"from":"userName"},
              "%s:department":{"from":"title"},
              "%s:manager.value":{"from":"%s:manager.value"}
            }}
            """
                .formatted(ENT, ENT, ENT));
    assertThat(m.applyUser(entraUser()))
        .isEqualTo(
            json(
                """
                {"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","%s"],
                 "userName":"AlexW@contoso.onmicrosoft.com",
                 "%s":{"department":"Marketing Assistant"}}
                """
                    .formatted(ENT, ENT)));
  }

  @Test
  void booleanIntoString_isItsText() {
    Mapping m = compile("{\"mode\":\"replace\",\"User\":{\"title\":{\"from\":\"active\"}}}");
    assertThat(m.applyUser(entraUser()).get("title").asText()).isEqualTo("true");
  }

  // -------------------------------------------------------------------- target schemas

  /** A target that only knows a few User attributes and has no Group. */
  static SchemaRegistry smallTarget() {
    JsonNode schemas =
        json(
            """
            {"Resources":[{"id":"urn:ietf:params:scim:schemas:core:2.0:User","name":"User",
              "attributes":[
                {"name":"userName","type":"string","required":true},
                {"name":"name","type":"complex","subAttributes":[
                   {"name":"givenName","type":"string"},{"name":"familyName","type":"string"}]},
                {"name":"emails","type":"complex","multiValued":true,"subAttributes":[
                   {"name":"value","type":"string"},{"name":"type","type":"string"}]},
                {"name":"active","type":"boolean"},
                {"name":"costCentre","type":"string"}]}]}
            """);
    return TargetSchemas.fromDiscovery(schemas, null);
  }

  @Test
  void discoveredTarget_receivesOnlyWhatItDefines() {
    Mapping m = Mapping.compile("{}", BUILT_IN, smallTarget());
    assertThat(m.handles("Group")).isFalse();
    assertThat(m.applyUser(oktaUser()))
        .isEqualTo(
            json(
                """
                {"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],
                 "externalId":"00u1abcdEFGH2345x697","userName":"barbara.jensen@example.com",
                 "name":{"givenName":"Barbara","familyName":"Jensen"},
                 "active":true,
                 "emails":[{"value":"bjensen@home.example","type":"home"},
                           {"value":"barbara.jensen@example.com","type":"work"}]}
                """));
    assertThatThrownBy(() -> m.applyGroup(json("{}")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("the target has no resource type Group");
  }

  @Test
  void discoveredTarget_extensionSourceToCustomTargetAttribute() {
    Mapping m =
        Mapping.compile(
            "{\"User\":{\"costCentre\":{\"from\":\"" + ENT + ":costCenter\"}}}",
            BUILT_IN,
            smallTarget());
    assertThat(m.applyUser(entraUser()).get("costCentre").asText()).isEqualTo("CC-17");
  }

  @Test
  void discoveredTarget_unknownAttribute_isRefusedWhenSaved() {
    assertThat(problemsOf("{\"User\":{\"title\":{\"value\":\"x\"}}}", smallTarget()))
        .isEqualTo("User.title: unknown target attribute title for User");
    assertThat(problemsOf("{\"Group\":{}}", smallTarget()))
        .isEqualTo("Group: the target has no resource type Group");
  }

  // ------------------------------------------------------------------------ validation

  @Test
  void wrongCapitalisation_isRefused_withTheSchemasSpelling() {
    assertThat(problemsOf("{\"User\":{\"Username\":{\"from\":\"userName\"}}}"))
        .isEqualTo(
            "User.Username: target attribute Username is spelt userName in the target's schema:"
                + " did you mean userName?");
    assertThat(
            problemsOf(
                "{\"User\":{\"userName\":{\"from\":\"emails[type eq \\\"work\\\"].Value\"}}}"))
        .isEqualTo("User.userName: source sub-attribute Value: did you mean value?");
    assertThat(problemsOf("{\"User\":{\"name.givenname\":{\"from\":\"userName\"}}}"))
        .contains("target attribute name.givenname is spelt name.givenName");
  }

  @Test
  void unknownAttributes_areRefused_withASuggestion() {
    assertThat(problemsOf("{\"User\":{\"displayNme\":{\"from\":\"userName\"}}}"))
        .isEqualTo(
            "User.displayNme: unknown target attribute displayNme for User; did you mean"
                + " displayName?");
    assertThat(problemsOf("{\"User\":{\"title\":{\"from\":\"jobTitle\"}}}"))
        .isEqualTo("User.title: unknown source attribute jobTitle for User; did you mean title?");
    assertThat(problemsOf("{\"User\":{\"name.givenNam\":{\"from\":\"userName\"}}}"))
        .isEqualTo(
            "User.name.givenNam: unknown target attribute name.givenNam: name has no"
                + " sub-attribute givennam; did you mean name.givenName?");
    assertThat(problemsOf("{\"User\":{\"" + ENT + ":departmnt\":{\"from\":\"title\"}}}"))
        .isEqualTo(
            "User."
                + ENT
                + ":departmnt: unknown target attribute "
                + ENT
                + ":departmnt for User; did you mean "
                + ENT
                + ":department?");
  }

  @Test
  void typeMismatch_isRefused() {
    assertThat(problemsOf("{\"User\":{\"displayName\":{\"from\":\"name\"}}}"))
        .isEqualTo(
            "User.displayName: type mismatch: source name is a complex (map one of its"
                + " sub-attributes), target displayName is a string");
    assertThat(problemsOf("{\"User\":{\"active\":{\"from\":\"userName\"}}}"))
        .isEqualTo(
            "User.active: type mismatch: source userName is a string, target active is a boolean");
    assertThat(problemsOf("{\"User\":{\"active\":{\"value\":\"yes\"}}}"))
        .isEqualTo("User.active: a string cannot be written to active, which is a boolean");
  }

  @Test
  void celErrors_nameThePosition() {
    assertThat(problemsOf("{\"User\":{\"displayName\":{\"expr\":\"user.name.givenName +\"}}}"))
        .startsWith(
            "User.displayName: expression does not compile at line 1, column 22: mismatched input '<EOF>'");
    assertThat(problemsOf("{\"User\":{\"displayName\":{\"expr\":\"group.displayName\"}}}"))
        .startsWith(
            "User.displayName: expression does not compile at line 1, column 1: undeclared reference to 'group'");
    assertThat(problemsOf("{\"User\":{\"displayName\":{\"expr\":\"1 + 'a'\"}}}"))
        .startsWith(
            "User.displayName: expression does not compile at line 1, column 3: found no matching overload for '_+_' applied to '(int, string)'");
  }

  @Test
  void celResultTypes_areCheckedWhereCelKnowsThem() {
    assertThat(problemsOf("{\"User\":{\"active\":{\"expr\":\"size(user.emails)\"}}}"))
        .isEqualTo("User.active: the expression gives an int, but active is a boolean");
    assertThat(problemsOf("{\"User\":{\"userName\":{\"expr\":\"['a', 'b']\"}}}"))
        .isEqualTo(
            "User.userName: the expression gives a list (list), but userName is single-valued");
    // dyn: evaluation decides, and refuses a string that is not a boolean.
    Mapping dyn = compile("{\"User\":{\"active\":{\"expr\":\"user.userName\"}}}");
    assertThatThrownBy(() -> dyn.applyUser(entraUser()))
        .hasMessage("User.active: a string cannot be written to active, which is a boolean");
  }

  @Test
  void celExpressions_haveALengthLimit() {
    String longExpr = "'" + "a".repeat(Expressions.MAX_LENGTH + 10) + "'";
    assertThat(problemsOf("{\"User\":{\"title\":{\"expr\":\"" + longExpr + "\"}}}"))
        .startsWith("User.title: expression does not compile")
        .contains("exceeds");
  }

  @Test
  void targetsThatCannotBeWritten_areRefused() {
    assertThat(problemsOf("{\"User\":{\"groups\":{\"from\":\"groups\"}}}"))
        .isEqualTo("User.groups: groups is read-only on the target and cannot be written");
    assertThat(problemsOf("{\"User\":{\"id\":{\"from\":\"externalId\"}}}"))
        .isEqualTo("User.id: id is assigned by the target and cannot be mapped");
    assertThat(problemsOf("{\"Group\":{\"members\":{\"from\":\"members\"}}}"))
        .isEqualTo(
            "Group.members: members are sent by the delivery layer in the target's ids, not mapped");
    assertThat(problemsOf("{\"User\":{\"emails.value\":{\"from\":\"userName\"}}}"))
        .startsWith(
            "User.emails.value: value is a sub-attribute of the multi-valued emails, which has no"
                + " single element to write it to");
  }

  @Test
  void malformedSpecs_areRefused() {
    assertThat(problemsOf("{\"user\":{}}")).isEqualTo("user: write the resource type as User");
    assertThat(problemsOf("{\"Users\":{}}"))
        .isEqualTo(
            "Users: not a resource type of the source (it has User, Group, Agent); did you mean User?");
    assertThat(problemsOf("{\"mode\":\"overwrite\"}"))
        .isEqualTo("mode: must be \"merge\" or \"replace\", found \"overwrite\"");
    assertThat(problemsOf("{\"User\":{\"title\":{\"form\":\"userName\"}}}"))
        .isEqualTo("User.title: unknown rule key \"form\"; did you mean \"from\"?");
    assertThat(problemsOf("{\"User\":{\"title\":{\"from\":\"userName\",\"value\":\"x\"}}}"))
        .isEqualTo(
            "User.title: a rule has exactly one of \"from\", \"expr\", \"value\", \"omit\"; found from, value");
    assertThat(problemsOf("{\"User\":{\"title\":{\"from\":\"emails[type eq]\"}}}"))
        .startsWith("User.title: source path \"emails[type eq]\"");
    assertThat(
            problemsOf("{\"User\":{\"title\":{\"from\":\"emails[kind eq \\\"work\\\"].value\"}}}"))
        .startsWith(
            "User.title: source path \"emails[kind eq \"work\"].value\" has a bad value filter:")
        .contains("emails has no sub-attribute \"kind\"");
    assertThat(problemsOf("[1]")).isEqualTo("the mapping must be a JSON object, found list");
    assertThat(problemsOf("{")).startsWith("the mapping is not valid JSON");
  }

  @Test
  void everyProblemIsReported_notOnlyTheFirst() {
    try {
      compile(
          "{\"User\":{\"Username\":{\"from\":\"userName\"},\"title\":{\"from\":\"jobTitle\"},"
              + "\"displayName\":{\"expr\":\"(\"}}}");
    } catch (MappingException e) {
      assertThat(e.problems()).hasSize(3);
      assertThat(e.problems().get(0)).startsWith("User.Username:");
      assertThat(e.problems().get(1)).startsWith("User.title:");
      assertThat(e.problems().get(2)).startsWith("User.displayName:");
      return;
    }
    throw new AssertionError("compiled");
  }
}
