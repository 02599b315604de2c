package io.scimd.core.patch;

import static io.scimd.core.patch.PatchTesting.ENTERPRISE;
import static io.scimd.core.patch.PatchTesting.GROUP;
import static io.scimd.core.patch.PatchTesting.USER;
import static io.scimd.core.patch.PatchTesting.json;
import static io.scimd.core.patch.PatchTesting.obj;
import static io.scimd.core.patch.PatchTesting.ops;
import static io.scimd.core.patch.PatchTesting.patch;
import static io.scimd.core.patch.PatchTesting.scimError;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scimd.core.error.ScimType;
import io.scimd.core.schema.Attribute;
import io.scimd.core.schema.AttributeType;
import io.scimd.core.schema.Mutability;
import io.scimd.core.schema.ResourceType;
import io.scimd.core.schema.Schema;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PatchEngineTest {
  private static final String ALICE =
      "{'userName':'alice','name':{'givenName':'Alice','familyName':'Liddell'}}";

  @Nested
  class SingleValued {
    @Test
    void add_setsAnAbsentAttribute() {
      assertThat(
              patch(USER, ALICE, "{'op':'add','path':'displayName','value':'Al'}")
                  .get("displayName"))
          .isEqualTo(json("'Al'"));
    }

    @Test
    void replace_overwrites() {
      assertThat(
              patch(USER, ALICE, "{'op':'replace','path':'userName','value':'bob'}")
                  .get("userName"))
          .isEqualTo(json("'bob'"));
    }

    @Test
    void add_toComplex_mergesSubAttributes() {
      assertThat(
              patch(USER, ALICE, "{'op':'add','path':'name','value':{'middleName':'P'}}")
                  .get("name"))
          .isEqualTo(json("{'givenName':'Alice','familyName':'Liddell','middleName':'P'}"));
    }

    @Test
    void replace_onComplex_replacesOnlyTheSubAttributesGiven() {
      assertThat(
              patch(USER, ALICE, "{'op':'replace','path':'name','value':{'givenName':'Ally'}}")
                  .get("name"))
          .isEqualTo(json("{'givenName':'Ally','familyName':'Liddell'}"));
    }

    @Test
    void replace_subAttributeOnAbsentComplex_createsIt() {
      assertThat(
              patch(
                  USER,
                  "{'userName':'a'}",
                  "{'op':'replace','path':'name.familyName','value':'L'}"))
          .isEqualTo(json("{'userName':'a','name':{'familyName':'L'}}"));
    }

    @Test
    void remove_subAttribute_andTheLastOneRemovesTheComplex() {
      ObjectNode out =
          patch(
              USER,
              ALICE,
              "{'op':'remove','path':'name.givenName'}",
              "{'op':'remove','path':'name.familyName'}");
      assertThat(out).isEqualTo(json("{'userName':'alice'}"));
    }

    @Test
    void remove_attribute_andAbsentIsANoOp() {
      assertThat(
              patch(USER, ALICE, "{'op':'remove','path':'name'}", "{'op':'remove','path':'title'}"))
          .isEqualTo(json("{'userName':'alice'}"));
    }

    @Test
    void replace_withNull_unassigns() {
      assertThat(patch(USER, ALICE, "{'op':'replace','path':'name','value':null}"))
          .isEqualTo(json("{'userName':'alice'}"));
      assertThat(
              patch(USER, ALICE, "{'op':'replace','value':{'name':{'givenName':null}}}")
                  .get("name"))
          .isEqualTo(json("{'familyName':'Liddell'}"));
    }

    @Test
    void write_usesCanonicalNames_whatEverTheCaseOfThePath() {
      assertThat(
              patch(
                  USER,
                  ALICE,
                  "{'op':'add','path':'NAME.GIVENNAME','value':'A'}",
                  "{'op':'add','path':'DisplayName','value':'d'}"))
          .isEqualTo(
              json(
                  "{'userName':'alice','name':{'givenName':'A','familyName':'Liddell'},'displayName':'d'}"));
    }
  }

  @Nested
  class MultiValued {
    private static final String TWO_EMAILS =
        "{'userName':'a','emails':[{'value':'a@x.com','type':'work','primary':true},{'value':'a@home.com','type':'home'}]}";

    @Test
    void add_appendsArrayOrSingleValue() {
      ObjectNode out =
          patch(
              USER,
              "{'userName':'a','emails':[{'value':'a@x.com'}]}",
              "{'op':'add','path':'emails','value':[{'value':'b@x.com'}]}",
              "{'op':'add','path':'emails','value':{'value':'c@x.com','type':'other'}}");
      assertThat(out.get("emails"))
          .isEqualTo(
              json("[{'value':'a@x.com'},{'value':'b@x.com'},{'value':'c@x.com','type':'other'}]"));
    }

    @Test
    void add_sameValueInAnotherCase_isNotDuplicated() {
      // emails.value is not caseExact (RFC 7643 §4.1.2), so A@X.COM is the same address.
      ObjectNode out =
          patch(
              USER,
              TWO_EMAILS,
              "{'op':'add','path':'emails','value':[{'value':'A@X.COM','type':'work'}]}");
      assertThat(out.get("emails")).hasSize(2);
    }

    @Test
    void add_sameValue_mergesItsOtherSubAttributes() {
      ObjectNode out =
          patch(
              USER,
              TWO_EMAILS,
              "{'op':'add','path':'emails','value':[{'value':'a@home.com','display':'Home'}]}");
      assertThat(out.get("emails").get(1))
          .isEqualTo(json("{'value':'a@home.com','type':'home','display':'Home'}"));
    }

    @Test
    void add_manyToMany_usesTheSameDuplicateRule() {
      // Lists of 8+ values take the indexed path; it must agree with the value-by-value one.
      StringBuilder doc = new StringBuilder("{'displayName':'g','members':[");
      StringBuilder add = new StringBuilder("[");
      for (int i = 0; i < 20; i++) {
        doc.append(i == 0 ? "" : ",").append("{'value':'u").append(i).append("'}");
        add.append(i == 0 ? "" : ",")
            .append("{'value':'")
            .append(i % 2 == 0 ? "U" + i : "n" + i)
            .append("'}");
      }
      ObjectNode out =
          patch(
              GROUP,
              doc.append("]}").toString(),
              "{'op':'add','path':'members','value':" + add.append("]") + "}");
      // members.value is not caseExact in RFC 7643 §8.7.1, so U0 is u0: 20 old plus 10 new.
      assertThat(out.get("members")).hasSize(30);
      assertThat(out.get("members").get(0)).isEqualTo(json("{'value':'U0'}"));
      assertThat(out.get("members").get(29)).isEqualTo(json("{'value':'n19'}"));
    }

    @Test
    void replace_replacesAllValues() {
      ObjectNode out =
          patch(USER, TWO_EMAILS, "{'op':'replace','path':'emails','value':[{'value':'z@x.com'}]}");
      assertThat(out.get("emails")).isEqualTo(json("[{'value':'z@x.com'}]"));
    }

    @Test
    void remove_withValueArray_removesOnlyThoseValues() {
      ObjectNode out =
          patch(
              USER, TWO_EMAILS, "{'op':'remove','path':'emails','value':[{'value':'a@home.com'}]}");
      assertThat(out.get("emails"))
          .isEqualTo(json("[{'value':'a@x.com','type':'work','primary':true}]"));
    }

    @Test
    void remove_withValueMatchingNothing_changesNothing() {
      assertThat(
              patch(
                  USER,
                  TWO_EMAILS,
                  "{'op':'remove','path':'emails','value':[{'value':'nobody@x.com'}]}"))
          .isEqualTo(obj(TWO_EMAILS));
    }

    @Test
    void remove_withEmptyPatternObject_isInvalidValueNotRemoveAll() {
      scimError(
          ScimType.INVALID_VALUE,
          () -> patch(USER, TWO_EMAILS, "{'op':'remove','path':'emails','value':[{}]}"));
    }

    @Test
    void subAttributeWithoutFilter_addressesEveryValue() {
      ObjectNode out =
          patch(USER, TWO_EMAILS, "{'op':'replace','path':'emails.display','value':'d'}");
      assertThat(out.get("emails").get(0).get("display").asText()).isEqualTo("d");
      assertThat(out.get("emails").get(1).get("display").asText()).isEqualTo("d");
      assertThat(patch(USER, TWO_EMAILS, "{'op':'remove','path':'emails.type'}").get("emails"))
          .isEqualTo(json("[{'value':'a@x.com','primary':true},{'value':'a@home.com'}]"));
    }
  }

  @Nested
  class ValueFilters {
    private static final String TWO_EMAILS =
        "{'userName':'a','emails':[{'value':'a@x.com','type':'work'},{'value':'a@home.com','type':'home'}]}";

    @Test
    void replace_subAttributeOfMatchingValue() {
      ObjectNode out =
          patch(
              USER,
              TWO_EMAILS,
              "{'op':'replace','path':'emails[type eq \"work\"].value','value':'new@x.com'}");
      assertThat(out.get("emails"))
          .isEqualTo(
              json("[{'value':'new@x.com','type':'work'},{'value':'a@home.com','type':'home'}]"));
    }

    @Test
    void entraAdd_workEmailToUserWithoutOne_createsTheValue() {
      // Exactly what Entra sends (SCIM-NOTES): the filter's eq terms plus the sub-attribute.
      ObjectNode out =
          patch(
              USER,
              "{'userName':'a','emails':[{'value':'a@home.com','type':'home'}]}",
              "{'op':'Add','path':'emails[type eq \"work\"].value','value':'a@x.com'}");
      assertThat(out.get("emails"))
          .isEqualTo(
              json("[{'value':'a@home.com','type':'home'},{'type':'work','value':'a@x.com'}]"));
      assertThat(
              patch(
                  USER,
                  "{'userName':'a'}",
                  "{'op':'Add','path':'emails[type eq \"work\"].value','value':'a@x.com'}"))
          .isEqualTo(json("{'userName':'a','emails':[{'type':'work','value':'a@x.com'}]}"));
    }

    @Test
    void replace_subAttributeWithNoMatch_alsoCreates_fromAllAndedEqTerms() {
      ObjectNode out =
          patch(
              USER,
              "{'userName':'a'}",
              "{'op':'replace','path':'phoneNumbers[type eq \"mobile\" and primary eq true].value','value':'+1'}");
      assertThat(out.get("phoneNumbers"))
          .isEqualTo(json("[{'type':'mobile','primary':true,'value':'+1'}]"));
    }

    @Test
    void add_subAttributeWithNoMatch_andFilterNotOfEqTerms_isNoTarget() {
      scimError(
          ScimType.NO_TARGET,
          () ->
              patch(
                  USER,
                  TWO_EMAILS,
                  "{'op':'add','path':'emails[type eq \"other\" or type eq \"x\"].value','value':'v'}"));
      scimError(
          ScimType.NO_TARGET,
          () ->
              patch(
                  USER,
                  TWO_EMAILS,
                  "{'op':'add','path':'emails[value co \"zzz\"].display','value':'v'}"));
    }

    @Test
    void replace_wholeValueWithNoMatch_isNoTarget() {
      var e =
          scimError(
              ScimType.NO_TARGET,
              () ->
                  patch(
                      USER,
                      TWO_EMAILS,
                      "{'op':'replace','path':'emails[type eq \"other\"]','value':{'value':'o@x.com'}}"));
      assertThat(e.getMessage()).contains("emails");
    }

    @Test
    void replace_wholeMatchingValue_replacesIt() {
      ObjectNode out =
          patch(
              USER,
              TWO_EMAILS,
              "{'op':'replace','path':'emails[type eq \"home\"]','value':{'value':'h@x.com','type':'home'}}");
      assertThat(out.get("emails").get(1)).isEqualTo(json("{'value':'h@x.com','type':'home'}"));
    }

    @Test
    void add_wholeValueFilter_mergesOrCreates() {
      ObjectNode out =
          patch(
              USER,
              TWO_EMAILS,
              "{'op':'add','path':'emails[type eq \"home\"]','value':{'display':'H'}}",
              "{'op':'add','path':'emails[type eq \"other\"]','value':{'value':'o@x.com'}}");
      assertThat(out.get("emails"))
          .isEqualTo(
              json(
                  "[{'value':'a@x.com','type':'work'},{'value':'a@home.com','type':'home','display':'H'},"
                      + "{'type':'other','value':'o@x.com'}]"));
    }

    @Test
    void remove_matchingValues_only() {
      assertThat(
              patch(USER, TWO_EMAILS, "{'op':'remove','path':'emails[type eq \"work\"]'}")
                  .get("emails"))
          .isEqualTo(json("[{'value':'a@home.com','type':'home'}]"));
    }

    @Test
    void remove_withNoMatch_isANoOpSuccess() {
      assertThat(patch(USER, TWO_EMAILS, "{'op':'remove','path':'emails[type eq \"other\"]'}"))
          .isEqualTo(obj(TWO_EMAILS));
      assertThat(
              patch(
                  USER,
                  "{'userName':'a'}",
                  "{'op':'remove','path':'emails[type eq \"work\"].value'}"))
          .isEqualTo(obj("{'userName':'a'}"));
    }

    @Test
    void remove_subAttributeOfMatchingValue() {
      assertThat(
              patch(USER, TWO_EMAILS, "{'op':'remove','path':'emails[type eq \"home\"].type'}")
                  .get("emails"))
          .isEqualTo(json("[{'value':'a@x.com','type':'work'},{'value':'a@home.com'}]"));
    }

    @Test
    void remove_lastValue_dropsTheAttribute() {
      assertThat(patch(USER, TWO_EMAILS, "{'op':'remove','path':'emails[value ew \".com\"]'}"))
          .isEqualTo(obj("{'userName':'a'}"));
    }

    @Test
    void filterOnUnknownSubAttribute_isInvalidFilter_evenWithNoValues() {
      scimError(
          ScimType.INVALID_FILTER,
          () ->
              patch(
                  USER,
                  "{'userName':'a'}",
                  "{'op':'add','path':'emails[kind eq \"work\"].value','value':'x'}"));
    }

    @Test
    void filterOnSingleValuedAttribute_isInvalidPath() {
      scimError(
          ScimType.INVALID_PATH,
          () ->
              patch(
                  USER,
                  ALICE,
                  "{'op':'replace','path':'name[givenName eq \"Alice\"].familyName','value':'x'}"));
    }

    @Test
    void filterSubAttributeUnknown_isInvalidPath() {
      scimError(
          ScimType.INVALID_PATH,
          () ->
              patch(
                  USER,
                  TWO_EMAILS,
                  "{'op':'replace','path':'emails[type eq \"work\"].colour','value':'x'}"));
    }
  }

  @Nested
  class Primary {
    private static final String EMAILS =
        "{'userName':'a','emails':[{'value':'a@x.com','primary':true},{'value':'b@x.com'}]}";

    @Test
    void addingAPrimaryValue_clearsTheOthers() {
      ObjectNode out =
          patch(
              USER,
              EMAILS,
              "{'op':'add','path':'emails','value':[{'value':'c@x.com','primary':true}]}");
      assertThat(out.get("emails"))
          .isEqualTo(
              json("[{'value':'a@x.com'},{'value':'b@x.com'},{'value':'c@x.com','primary':true}]"));
    }

    @Test
    void settingPrimaryThroughAFilter_clearsTheOthers() {
      ObjectNode out =
          patch(
              USER,
              EMAILS,
              "{'op':'replace','path':'emails[value eq \"b@x.com\"].primary','value':true}");
      assertThat(out.get("emails"))
          .isEqualTo(json("[{'value':'a@x.com'},{'value':'b@x.com','primary':true}]"));
    }

    @Test
    void twoPrimaryValuesInOneOperation_isInvalidValue() {
      scimError(
          ScimType.INVALID_VALUE,
          () ->
              patch(
                  USER,
                  EMAILS,
                  "{'op':'replace','path':'emails','value':[{'value':'x@x.com','primary':true},{'value':'y@x.com','primary':true}]}"));
      scimError(
          ScimType.INVALID_VALUE,
          () -> patch(USER, EMAILS, "{'op':'replace','path':'emails.primary','value':true}"));
    }
  }

  @Nested
  class NoPath {
    @Test
    void okta_deactivation() {
      assertThat(
              patch(
                  USER,
                  "{'userName':'a','active':true}",
                  "{'op':'replace','value':{'active':false}}"))
          .isEqualTo(json("{'userName':'a','active':false}"));
    }

    @Test
    void keysAreAttributePaths_subAttributeUrnQualifiedAndExtension() {
      ObjectNode out =
          patch(
              USER,
              ALICE,
              """
              {'op':'add','value':{
                'name.givenName':'Ally',
                'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department':'Sales',
                'urn:ietf:params:scim:schemas:core:2.0:User:title':'Boss',
                'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User':{'costCenter':'42','manager':{'value':'m1'}}}}
              """);
      assertThat(out)
          .isEqualTo(
              json(
                  "{'userName':'alice','name':{'givenName':'Ally','familyName':'Liddell'},'title':'Boss',"
                      + "'"
                      + ENTERPRISE
                      + "':{'department':'Sales','costCenter':'42','manager':{'value':'m1'}}}"));
    }

    @Test
    void entraValidator_attributeNamesInAnyCase() {
      ObjectNode out =
          patch(
              USER,
              ALICE,
              "{'op':'replace','value':{'UserName':'ALICE2','Active':false,'name.GivenName':'A','URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER:Department':'D'}}");
      assertThat(out)
          .isEqualTo(
              json(
                  "{'userName':'ALICE2','active':false,'name':{'givenName':'A','familyName':'Liddell'},"
                      + "'"
                      + ENTERPRISE
                      + "':{'department':'D'}}"));
    }

    @Test
    void schemasKey_isIgnored() {
      assertThat(
              patch(USER, ALICE, "{'op':'replace','value':{'schemas':['x'],'title':'t'}}")
                  .get("title")
                  .asText())
          .isEqualTo("t");
    }

    @Test
    void unknownKey_isInvalidPathNamingIt() {
      var e =
          scimError(
              ScimType.INVALID_PATH,
              () -> patch(USER, ALICE, "{'op':'add','value':{'favoriteColor':'red'}}"));
      assertThat(e.getMessage()).containsIgnoringCase("favoriteColor");
    }
  }

  @Nested
  class Quirks {
    @ParameterizedTest
    @CsvSource({
      "False,false",
      "false,false",
      "FALSE,false",
      "True,true",
      "true,true",
      "' TRUE ',true"
    })
    void entra_booleanAsString(String wire, boolean expected) {
      ObjectNode out =
          patch(
              USER,
              "{'userName':'a','active':" + !expected + "}",
              "{'op':'Replace','path':'active','value':'" + wire + "'}");
      assertThat(out.get("active")).isEqualTo(json(Boolean.toString(expected)));
    }

    @Test
    void entra_exactDeactivationRequest() {
      assertThat(
              patch(
                      USER,
                      "{'userName':'a','active':true}",
                      "{\"op\":\"Replace\",\"path\":\"active\",\"value\":\"False\"}")
                  .get("active")
                  .isBoolean())
          .isTrue();
    }

    @Test
    void booleanFromOtherString_isInvalidValueNamingTheAttribute() {
      var e =
          scimError(
              ScimType.INVALID_VALUE,
              () -> patch(USER, ALICE, "{'op':'replace','path':'active','value':'yes'}"));
      assertThat(e.getMessage()).contains("active");
    }

    @Test
    void entra_managerAsBareId() {
      ObjectNode out =
          patch(
              USER,
              ALICE,
              "{'op':'Add','path':'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager','value':'m-42'}");
      assertThat(out.get(ENTERPRISE)).isEqualTo(json("{'manager':{'value':'m-42'}}"));
    }

    @Test
    void entra_managerAsValueObject_readOnlyDisplayNameDropped() {
      ObjectNode out =
          patch(
              USER,
              ALICE,
              "{'op':'Add','path':'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager','value':{'value':'m-42','displayName':'Boss'}}");
      assertThat(out.get(ENTERPRISE)).isEqualTo(json("{'manager':{'value':'m-42'}}"));
    }

    @Test
    void entra_legacyManagerAsOneElementArray_takesTheElement() {
      ObjectNode out =
          patch(
              USER, ALICE, "{'op':'Add','path':'manager','value':[{'$ref':null,'value':'m-42'}]}");
      assertThat(out.get(ENTERPRISE)).isEqualTo(json("{'manager':{'value':'m-42'}}"));
      ObjectNode viaUrn =
          patch(
              USER,
              ALICE,
              "{'op':'Add','path':'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager','value':[{'$ref':null,'value':'m-42'}]}");
      assertThat(viaUrn).isEqualTo(out);
    }

    @Test
    void schemasInsideAnExtensionValue_isIgnored() {
      String value = "{'schemas':['" + ENTERPRISE + "'],'employeeNumber':'1'}";
      ObjectNode withPath =
          patch(USER, ALICE, "{'op':'add','path':'" + ENTERPRISE + "','value':" + value + "}");
      assertThat(withPath.get(ENTERPRISE)).isEqualTo(json("{'employeeNumber':'1'}"));
      ObjectNode withoutPath =
          patch(USER, ALICE, "{'op':'add','value':{'" + ENTERPRISE + "':" + value + "}}");
      assertThat(withoutPath).isEqualTo(withPath);
    }

    @Test
    void pathUnderAnyCaseUrn_isNamedWithTheCanonicalUrn() {
      String lower = ENTERPRISE.toLowerCase(java.util.Locale.ROOT);
      var unknown =
          scimError(
              ScimType.INVALID_PATH,
              () -> patch(USER, ALICE, "{'op':'add','path':'" + lower + ":shoeSize','value':'9'}"));
      assertThat(unknown.getMessage())
          .contains("\"" + ENTERPRISE + ":shoesize\" names no attribute of User");
      var noSub =
          scimError(
              ScimType.INVALID_PATH,
              () ->
                  patch(
                      USER,
                      ALICE,
                      "{'op':'add','path':'" + lower + "[value eq \"x\"]','value':'9'}"));
      assertThat(noSub.getMessage()).contains(ENTERPRISE).doesNotContain(lower);
    }

    @Test
    void singleValuedComplexAsArrayOfTwo_isInvalidValue() {
      var e =
          scimError(
              ScimType.INVALID_VALUE,
              () ->
                  patch(
                      USER,
                      ALICE,
                      "{'op':'Add','path':'manager','value':[{'value':'m-1'},{'value':'m-2'}]}"));
      assertThat(e.getMessage())
          .contains("manager' is single-valued")
          .contains("array of 2 values");
    }

    @Test
    void managerValuePath_andRemovingItDropsTheExtension() {
      ObjectNode set =
          patch(
              USER,
              ALICE,
              "{'op':'replace','path':'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value','value':'m-1'}");
      assertThat(set.get(ENTERPRISE)).isEqualTo(json("{'manager':{'value':'m-1'}}"));
      ObjectNode removed =
          PatchEngine.apply(
              USER,
              set,
              ops(
                  "{'op':'remove','path':'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager'}"));
      assertThat(removed).isEqualTo(obj(ALICE));
    }

    @Test
    void entra_rolesAsJsonText() {
      ObjectNode out =
          patch(
              USER,
              ALICE,
              "{'op':'Add','path':'roles','value':'[{\\\"value\\\":\\\"Admin\\\",\\\"primary\\\":\\\"True\\\"}]'}");
      assertThat(out.get("roles")).isEqualTo(json("[{'value':'Admin','primary':true}]"));
    }

    @Test
    void entra_rolesAsJsonTextInNoPathValue() {
      ObjectNode out =
          patch(USER, ALICE, "{'op':'replace','value':{'roles':'[{\"value\":\"Reader\"}]'}}");
      assertThat(out.get("roles")).isEqualTo(json("[{'value':'Reader'}]"));
    }

    @Test
    void textThatIsNotJson_forAComplexWithValue_isItsValue() {
      ObjectNode out = patch(USER, ALICE, "{'op':'add','path':'roles','value':'[not json'}");
      assertThat(out.get("roles")).isEqualTo(json("[{'value':'[not json'}]"));
    }

    @Test
    void replaceMembersEmpty_emptiesTheGroup() {
      String group = "{'displayName':'g','members':[{'value':'u1'},{'value':'u2'}]}";
      assertThat(patch(GROUP, group, "{'op':'replace','path':'members','value':[]}"))
          .isEqualTo(json("{'displayName':'g'}"));
      assertThat(patch(GROUP, group, "{'op':'replace','value':{'members':[]}}"))
          .isEqualTo(json("{'displayName':'g'}"));
    }

    @Test
    void entra_memberRemovalWithValueArray_removesOnlyThose() {
      String group = "{'displayName':'g','members':[{'value':'u1'},{'value':'u2'},{'value':'u3'}]}";
      ObjectNode out =
          patch(
              GROUP,
              group,
              "{\"op\":\"Remove\",\"path\":\"members\",\"value\":[{\"value\":\"u2\"}]}");
      assertThat(out.get("members")).isEqualTo(json("[{'value':'u1'},{'value':'u3'}]"));
    }

    @Test
    void okta_groupPush_addWithDisplay_thenRemoveByFilter() {
      ObjectNode out =
          patch(
              GROUP,
              "{'displayName':'g'}",
              "{'op':'add','path':'members','value':[{'value':'u','display':'Una'},{'value':'v','display':'Vic'}]}",
              "{'op':'remove','path':'members[value eq \"u\"]'}");
      // RFC 7643 §2.4: a member's display is immutable, not readOnly: the client's stays.
      assertThat(out)
          .isEqualTo(json("{'displayName':'g','members':[{'value':'v','display':'Vic'}]}"));
    }
  }

  @Nested
  class Mutability_ {
    @Test
    void readOnlyAttribute_isMutability() {
      scimError(
          ScimType.MUTABILITY,
          () -> patch(USER, ALICE, "{'op':'replace','path':'id','value':'x'}"));
      scimError(
          ScimType.MUTABILITY,
          () -> patch(USER, ALICE, "{'op':'add','path':'groups','value':[{'value':'g'}]}"));
      scimError(
          ScimType.MUTABILITY, () -> patch(USER, ALICE, "{'op':'remove','path':'meta.created'}"));
      scimError(
          ScimType.MUTABILITY, () -> patch(USER, ALICE, "{'op':'replace','value':{'groups':[]}}"));
    }

    @Test
    void readOnlySubAttributeByPath_isMutability() {
      var e =
          scimError(
              ScimType.MUTABILITY,
              () ->
                  patch(
                      USER,
                      ALICE,
                      "{'op':'replace','path':'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.displayName','value':'x'}"));
      assertThat(e.getMessage()).contains("manager.displayName");
    }

    @Test
    void memberDisplay_isImmutableNotReadOnly() {
      ObjectNode shown =
          patch(
              GROUP,
              "{'displayName':'g','members':[{'value':'u'}]}",
              "{'op':'replace','path':'members[value eq \"u\"].display','value':'U'}");
      assertThat(shown.get("members")).isEqualTo(json("[{'value':'u','display':'U'}]"));
      scimError(
          ScimType.MUTABILITY,
          () ->
              PatchEngine.apply(
                  GROUP,
                  shown,
                  ops("{'op':'replace','path':'members[value eq \"u\"].display','value':'x'}")));
    }

    @Test
    void immutableSubAttribute_settableOnceNeverChanged() {
      String group = "{'displayName':'g','members':[{'value':'u'}]}";
      ObjectNode typed =
          patch(GROUP, group, "{'op':'add','path':'members[value eq \"u\"].type','value':'User'}");
      assertThat(typed.get("members")).isEqualTo(json("[{'value':'u','type':'User'}]"));
      assertThat(
              PatchEngine.apply(
                  GROUP,
                  typed,
                  ops("{'op':'replace','path':'members[value eq \"u\"].type','value':'User'}")))
          .isEqualTo(typed);
      scimError(
          ScimType.MUTABILITY,
          () ->
              PatchEngine.apply(
                  GROUP,
                  typed,
                  ops("{'op':'replace','path':'members[value eq \"u\"].type','value':'Group'}")));
      scimError(
          ScimType.MUTABILITY,
          () ->
              PatchEngine.apply(
                  GROUP, typed, ops("{'op':'remove','path':'members[value eq \"u\"].value'}")));
      scimError(
          ScimType.MUTABILITY,
          () ->
              PatchEngine.apply(
                  GROUP,
                  typed,
                  ops("{'op':'replace','path':'members[value eq \"u\"]','value':{'value':'w'}}")));
    }

    @Test
    void immutableSimpleAttribute_addWhenAbsent_changeRejected() {
      ResourceType thing =
          thing(Attribute.builder("serial").mutability(Mutability.IMMUTABLE).build());
      ObjectNode set = patch(thing, "{}", "{'op':'add','path':'serial','value':'S1'}");
      assertThat(set).isEqualTo(json("{'serial':'S1'}"));
      assertThat(
              PatchEngine.apply(thing, set, ops("{'op':'replace','path':'serial','value':'S1'}")))
          .isEqualTo(set);
      scimError(
          ScimType.MUTABILITY,
          () ->
              PatchEngine.apply(thing, set, ops("{'op':'replace','path':'serial','value':'S2'}")));
      scimError(
          ScimType.MUTABILITY,
          () -> PatchEngine.apply(thing, set, ops("{'op':'remove','path':'serial'}")));
    }
  }

  @Nested
  class Errors {
    @Test
    void unknownAttributePath_isInvalidPathNamingIt() {
      var e =
          scimError(
              ScimType.INVALID_PATH,
              () -> patch(USER, ALICE, "{'op':'add','path':'favoriteColor','value':'x'}"));
      assertThat(e.getMessage()).containsIgnoringCase("favoriteColor");
      var sub =
          scimError(
              ScimType.INVALID_PATH,
              () -> patch(USER, ALICE, "{'op':'add','path':'name.nickname','value':'x'}"));
      assertThat(sub.getMessage()).containsIgnoringCase("name.nickname");
      scimError(
          ScimType.INVALID_PATH,
          () -> patch(USER, ALICE, "{'op':'add','path':'urn:acme:ext:1.0:color','value':'x'}"));
    }

    @Test
    void wrongJsonType_isInvalidValueNamingTheAttribute() {
      for (String[] c :
          new String[][] {
            {"active", "5"},
            {"userName", "true"},
            {"name", "'Alice'"},
            {"name.givenName", "{'a':1}"},
            {"emails", "[{'value':1}]"},
            {"emails", "[null]"},
            {"emails", "[{'colour':'red'}]"},
            {"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", "'x'"}
          }) {
        var e =
            scimError(
                ScimType.INVALID_VALUE,
                () ->
                    patch(USER, ALICE, "{'op':'add','path':'" + c[0] + "','value':" + c[1] + "}"));
        assertThat(e.getMessage())
            .as(c[0])
            .containsIgnoringCase(c[0].substring(c[0].lastIndexOf(':') + 1).split("\\.")[0]);
      }
    }

    @Test
    void removeWithoutPath_isNoTarget() {
      scimError(
          ScimType.NO_TARGET,
          () ->
              PatchEngine.apply(
                  USER, obj(ALICE), List.of(new PatchOperation(PatchOpType.REMOVE, null, null))));
    }

    @Test
    void addWithoutPathAndNonObjectValue_isInvalidSyntax() {
      scimError(
          ScimType.INVALID_SYNTAX,
          () ->
              PatchEngine.apply(
                  USER,
                  obj(ALICE),
                  List.of(new PatchOperation(PatchOpType.ADD, null, json("[1]")))));
    }

    @Test
    void typedAttributes_integerDecimalDateTime() {
      ResourceType thing =
          thing(
              Attribute.builder("count").type(AttributeType.INTEGER).build(),
              Attribute.builder("ratio").type(AttributeType.DECIMAL).build(),
              Attribute.builder("since").type(AttributeType.DATE_TIME).build());
      ObjectNode out =
          patch(
              thing,
              "{}",
              "{'op':'add','value':{'count':3.0,'ratio':0.5,'since':'2008-01-23T04:56:22Z'}}");
      assertThat(out).isEqualTo(json("{'count':3,'ratio':0.5,'since':'2008-01-23T04:56:22Z'}"));
      scimError(
          ScimType.INVALID_VALUE,
          () -> patch(thing, "{}", "{'op':'add','path':'count','value':3.5}"));
      scimError(
          ScimType.INVALID_VALUE,
          () -> patch(thing, "{}", "{'op':'add','path':'count','value':1e400}"));
      scimError(
          ScimType.INVALID_VALUE,
          () -> patch(thing, "{}", "{'op':'add','path':'ratio','value':'0.5'}"));
      scimError(
          ScimType.INVALID_VALUE,
          () -> patch(thing, "{}", "{'op':'add','path':'since','value':'yesterday'}"));
    }
  }

  @Nested
  class Atomicity {
    @Test
    void failingThirdOperation_leavesTheInputUntouched_andNamesTheOperation() {
      ObjectNode input =
          obj("{'userName':'a','emails':[{'value':'a@x.com','type':'work'}],'active':true}");
      ObjectNode before = input.deepCopy();
      var e =
          scimError(
              ScimType.INVALID_PATH,
              () ->
                  PatchEngine.apply(
                      USER,
                      input,
                      ops(
                          "{'op':'replace','path':'active','value':false}",
                          "{'op':'add','path':'emails[type eq \"work\"].display','value':'W'}",
                          "{'op':'add','path':'nosuch','value':1}")));
      assertThat(e.getMessage()).startsWith("Operations[2]");
      assertThat(input).isEqualTo(before);
    }

    @Test
    void apply_neverChangesTheOperationsValues() {
      List<PatchOperation> ops =
          ops(
              "{'op':'add','path':'emails','value':[{'value':'a@x.com','primary':true}]}",
              "{'op':'add','path':'emails[value eq \"a@x.com\"].display','value':'A'}",
              "{'op':'replace','value':{'name':{'givenName':'G'}}}",
              "{'op':'add','path':'name.familyName','value':'F'}");
      List<JsonNode> before = ops.stream().<JsonNode>map(o -> o.value().deepCopy()).toList();
      ObjectNode out = PatchEngine.apply(USER, obj("{'userName':'a'}"), ops);
      assertThat(out.get("emails"))
          .isEqualTo(json("[{'value':'a@x.com','primary':true,'display':'A'}]"));
      assertThat(out.get("name")).isEqualTo(json("{'givenName':'G','familyName':'F'}"));
      assertThat(ops.stream().map(PatchOperation::value).toList()).isEqualTo(before);
    }
  }

  @Nested
  class Extension {
    @Test
    void wholeExtension_addMerges_removeDrops() {
      ObjectNode out =
          patch(
              USER,
              "{'userName':'a','" + ENTERPRISE + "':{'department':'D'}}",
              "{'op':'add','path':'" + ENTERPRISE.toLowerCase() + "','value':{'Division':'V'}}");
      assertThat(out.get(ENTERPRISE)).isEqualTo(json("{'department':'D','division':'V'}"));
      assertThat(PatchEngine.apply(USER, out, ops("{'op':'remove','path':'" + ENTERPRISE + "'}")))
          .isEqualTo(json("{'userName':'a'}"));
    }

    @Test
    void unqualifiedExtensionAttribute_resolvesToTheExtension() {
      assertThat(
              patch(USER, "{'userName':'a'}", "{'op':'add','path':'employeeNumber','value':'7'}"))
          .isEqualTo(json("{'userName':'a','" + ENTERPRISE + "':{'employeeNumber':'7'}}"));
    }
  }

  private static ResourceType thing(Attribute... attributes) {
    return new ResourceType(
        "Thing",
        "/Things",
        "",
        new Schema("urn:acme:Thing", "Thing", "", List.of(attributes)),
        List.of());
  }
}
