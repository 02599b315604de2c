package io.scimd.core.patch;

import static io.scimd.core.patch.PatchTesting.GROUP;
import static io.scimd.core.patch.PatchTesting.USER;
import static io.scimd.core.patch.PatchTesting.json;
import static io.scimd.core.patch.PatchTesting.ops;
import static io.scimd.core.patch.PatchTesting.scimError;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.scimd.core.error.ScimType;
import io.scimd.core.filter.FilterParser;
import io.scimd.core.patch.MemberPatch.MemberChange;
import io.scimd.core.patch.MemberPatch.MemberRef;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MemberPatchTest {

  private static MemberPatch.Split split(String... operations) {
    return MemberPatch.split(GROUP, "members", ops(operations));
  }

  @Test
  void add_carriesIdsAndOptionalCanonicalTypeAndDisplay() {
    var s =
        split(
            "{'op':'add','path':'members','value':[{'value':'u1','display':'U'},{'value':'g1','type':'group'}]}");
    assertThat(s.documentOps()).isEmpty();
    assertThat(s.memberChanges())
        .containsExactly(
            new MemberChange.Add(
                List.of(
                    new MemberRef("u1", Optional.empty(), Optional.of("U")),
                    new MemberRef("g1", Optional.of("Group")))));
    assertThat(((MemberChange.Add) s.memberChanges().get(0)).ids()).containsExactly("u1", "g1");
  }

  @Test
  void add_singleObjectValue_andUrnQualifiedPathInAnyCase() {
    var s =
        split(
            "{'op':'Add','path':'URN:ietf:params:scim:schemas:core:2.0:Group:Members','value':{'value':'u1'}}");
    assertThat(s.memberChanges())
        .containsExactly(new MemberChange.Add(List.of(MemberRef.of("u1"))));
  }

  @Test
  void replace_isClearThenAdd_andEmptyReplaceOnlyClears() {
    assertThat(split("{'op':'replace','path':'members','value':[{'value':'u1'}]}").memberChanges())
        .containsExactly(
            new MemberChange.Clear(), new MemberChange.Add(List.of(MemberRef.of("u1"))));
    assertThat(split("{'op':'replace','path':'members','value':[]}").memberChanges())
        .containsExactly(new MemberChange.Clear());
    assertThat(split("{'op':'replace','value':{'members':[]}}").memberChanges())
        .containsExactly(new MemberChange.Clear());
  }

  @Test
  void remove_withoutValue_clears() {
    assertThat(split("{'op':'remove','path':'members'}").memberChanges())
        .containsExactly(new MemberChange.Clear());
  }

  @Test
  void entra_removeWithValueArray_removesThoseIdsOnly() {
    var s =
        split(
            "{\"op\":\"Remove\",\"path\":\"members\",\"value\":[{\"value\":\"u1\"},{\"value\":\"u2\"}]}");
    assertThat(s.memberChanges()).containsExactly(new MemberChange.Remove(List.of("u1", "u2")));
  }

  @Test
  void remove_withEmptyValueArray_changesNothing() {
    assertThat(split("{'op':'remove','path':'members','value':[]}").memberChanges()).isEmpty();
  }

  @Test
  void okta_removeByValueFilter_isRemoveOfThatId() {
    assertThat(split("{'op':'remove','path':'members[value eq \"u\"]'}").memberChanges())
        .containsExactly(new MemberChange.Remove(List.of("u")));
    assertThat(
            split("{'op':'remove','path':'members[value eq \"u\" or value eq \"v\"]'}")
                .memberChanges())
        .containsExactly(new MemberChange.Remove(List.of("u", "v")));
  }

  @Test
  void remove_byOtherFilter_isRemoveWhereForTheCaller() {
    assertThat(split("{'op':'remove','path':'members[type eq \"Group\"]'}").memberChanges())
        .containsExactly(new MemberChange.RemoveWhere(FilterParser.parse("type eq \"Group\"")));
    assertThat(split("{'op':'remove','path':'members[display co \"x\"]'}").memberChanges())
        .containsExactly(new MemberChange.RemoveWhere(FilterParser.parse("display co \"x\"")));
    assertThat(
            split("{'op':'remove','path':'members[value eq \"u\" and type eq \"User\"]'}")
                .memberChanges())
        .containsExactly(
            new MemberChange.RemoveWhere(
                FilterParser.parse("value eq \"u\" and type eq \"User\"")));
  }

  @Test
  void noPathValue_isSplitIntoMembersAndTheRest() {
    var s =
        split(
            "{'op':'replace','value':{'displayName':'New','members':[{'value':'u1'}],'externalId':'e'}}");
    assertThat(s.documentOps())
        .containsExactly(
            new PatchOperation(
                PatchOpType.REPLACE, null, json("{'displayName':'New','externalId':'e'}")));
    assertThat(s.memberChanges())
        .containsExactly(
            new MemberChange.Clear(), new MemberChange.Add(List.of(MemberRef.of("u1"))));
  }

  @Test
  void noPathValueWithOnlyMembers_leavesNoDocumentOp() {
    var s = split("{'op':'add','value':{'Members':[{'value':'u1'}]}}");
    assertThat(s.documentOps()).isEmpty();
    assertThat(s.memberChanges())
        .containsExactly(new MemberChange.Add(List.of(MemberRef.of("u1"))));
  }

  @Test
  void otherOps_stayInOrder_andMemberChangesKeepTheirOrder() {
    List<PatchOperation> all =
        ops(
            "{'op':'replace','path':'displayName','value':'a'}",
            "{'op':'add','path':'members','value':[{'value':'u1'}]}",
            "{'op':'replace','path':'externalId','value':'x'}",
            "{'op':'remove','path':'members[value eq \"u0\"]'}",
            "{'op':'add','path':'members','value':[{'value':'u2'}]}");
    var s = MemberPatch.split(GROUP, "members", all);
    assertThat(s.documentOps()).containsExactly(all.get(0), all.get(2));
    assertThat(s.memberChanges())
        .containsExactly(
            new MemberChange.Add(List.of(MemberRef.of("u1"))),
            new MemberChange.Remove(List.of("u0")),
            new MemberChange.Add(List.of(MemberRef.of("u2"))));
  }

  @Test
  void entra_membersAsJsonText() {
    assertThat(
            split("{'op':'add','path':'members','value':'[{\"value\":\"u1\"}]'}").memberChanges())
        .containsExactly(new MemberChange.Add(List.of(MemberRef.of("u1"))));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "[{'value':''}]",
        "[{'value':'  '}]",
        "[{'value':5}]",
        "[{'display':'no id'}]",
        "[{}]",
        "[null]",
        "[[]]",
        "[{'value':'u','type':'Robot'}]",
        "[{'value':'u','type':1}]",
        "[{'value':'u','display':2}]",
        "7"
      })
  void badMemberValue_isInvalidValue(String value) {
    scimError(
        ScimType.INVALID_VALUE, () -> split("{'op':'add','path':'members','value':" + value + "}"));
    scimError(
        ScimType.INVALID_VALUE, () -> split("{'op':'replace','value':{'members':" + value + "}}"));
  }

  @Test
  void memberSubAttributePath_isMutability() {
    scimError(
        ScimType.MUTABILITY,
        () -> split("{'op':'replace','path':'members[value eq \"u\"].type','value':'Group'}"));
    scimError(ScimType.MUTABILITY, () -> split("{'op':'remove','path':'members.display'}"));
  }

  @Test
  void addOrReplaceWithFilteredMembersPath_isInvalidPath() {
    scimError(
        ScimType.INVALID_PATH,
        () -> split("{'op':'add','path':'members[value eq \"u\"]','value':{'value':'u'}}"));
  }

  @Test
  void split_ofATypeWithoutTheAttribute_isOurMisuse() {
    assertThatThrownBy(() -> MemberPatch.split(USER, "members", List.of()))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void documentOps_applyWithoutTouchingMembers() {
    var s = split("{'op':'replace','value':{'displayName':'New','members':[{'value':'u1'}]}}");
    assertThat(PatchEngine.apply(GROUP, PatchTesting.obj("{'displayName':'Old'}"), s.documentOps()))
        .isEqualTo(json("{'displayName':'New'}"));
  }
}
