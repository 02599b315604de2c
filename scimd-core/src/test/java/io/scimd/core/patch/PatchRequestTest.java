package io.scimd.core.patch;

import static io.scimd.core.patch.PatchTesting.json;
import static io.scimd.core.patch.PatchTesting.scimError;
import static org.assertj.core.api.Assertions.assertThat;

import io.scimd.core.error.ScimType;
import io.scimd.core.path.AttrPath;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class PatchRequestTest {

  @Test
  void parse_rfcExample_addMembers() {
    List<PatchOperation> ops =
        PatchRequest.parse(
            json(
                """
                {'schemas':['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
                 'Operations':[{'op':'add','path':'members',
                   'value':[{'display':'Babs Jensen','$ref':'https://example.com/v2/Users/2819c223','value':'2819c223'}]}]}
                """));
    assertThat(ops).hasSize(1);
    assertThat(ops.get(0).op()).isEqualTo(PatchOpType.ADD);
    assertThat(ops.get(0).path()).isEqualTo(PatchPath.of(AttrPath.of("members")));
    assertThat(ops.get(0).value().get(0).get("value").asText()).isEqualTo("2819c223");
  }

  @ParameterizedTest
  @CsvSource({"add,ADD", "Add,ADD", "ADD,ADD", "Replace,REPLACE", "remove,REMOVE", "ReMoVe,REMOVE"})
  void parse_opInAnyCase(String wire, PatchOpType expected) {
    List<PatchOperation> ops =
        PatchRequest.parse(
            json("{'Operations':[{'op':'" + wire + "','path':'displayName','value':'x'}]}"));
    assertThat(ops.get(0).op()).isEqualTo(expected);
  }

  @Test
  void parse_keysInAnyCase_missingSchemasAccepted() {
    List<PatchOperation> ops =
        PatchRequest.parse(json("{'operations':[{'OP':'Replace','Path':'active','VALUE':false}]}"));
    assertThat(ops)
        .containsExactly(
            new PatchOperation(PatchOpType.REPLACE, PatchPath.parse("active"), json("false")));
  }

  @Test
  void parse_schemasInAnotherCase_accepted() {
    assertThat(
            PatchRequest.parse(
                json(
                    "{'schemas':['URN:IETF:PARAMS:SCIM:API:MESSAGES:2.0:PATCHOP'],"
                        + "'Operations':[{'op':'add','value':{'active':true}}]}")))
        .hasSize(1);
  }

  @Test
  void parse_removeKeepsItsValue_forEntraMemberRemoval() {
    List<PatchOperation> ops =
        PatchRequest.parse(
            json("{'Operations':[{'op':'Remove','path':'members','value':[{'value':'u1'}]}]}"));
    assertThat(ops.get(0).value()).isEqualTo(json("[{'value':'u1'}]"));
  }

  @Test
  void parse_blankPath_isNoPath() {
    List<PatchOperation> ops =
        PatchRequest.parse(
            json("{'Operations':[{'op':'replace','path':' ','value':{'active':false}}]}"));
    assertThat(ops.get(0).path()).isNull();
  }

  @Test
  void parse_replaceWithNull_isKeptAsUnassign() {
    List<PatchOperation> ops =
        PatchRequest.parse(json("{'Operations':[{'op':'replace','path':'title','value':null}]}"));
    assertThat(ops.get(0).value().isNull()).isTrue();
  }

  @Test
  void parse_removeWithoutPath_isNoTarget() {
    scimError(
        ScimType.NO_TARGET, () -> PatchRequest.parse(json("{'Operations':[{'op':'remove'}]}")));
    scimError(
        ScimType.NO_TARGET,
        () -> PatchRequest.parse(json("{'Operations':[{'op':'remove','path':''}]}")));
  }

  @Test
  void parse_badPath_isInvalidPath() {
    var e =
        scimError(
            ScimType.INVALID_PATH,
            () ->
                PatchRequest.parse(
                    json("{'Operations':[{'op':'remove','path':'emails[type eq \"x\"'}]}")));
    assertThat(e.getMessage()).contains("emails[type eq \"x\"");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "[]",
        "'Operations'",
        "{}",
        "{'schemas':'urn:ietf:params:scim:api:messages:2.0:PatchOp','Operations':[{'op':'add','value':{}}]}",
        "{'schemas':[1],'Operations':[{'op':'add','value':{}}]}",
        "{'schemas':['urn:ietf:params:scim:schemas:core:2.0:User'],'Operations':[{'op':'add','value':{}}]}",
        "{'Operations':null}",
        "{'Operations':{'op':'add'}}",
        "{'Operations':[]}",
        "{'Operations':['add']}",
        "{'Operations':[{'path':'title','value':'x'}]}",
        "{'Operations':[{'op':1,'path':'title','value':'x'}]}",
        "{'Operations':[{'op':'copy','path':'title','value':'x'}]}",
        "{'Operations':[{'op':'add','path':5,'value':'x'}]}",
        "{'Operations':[{'op':'add','path':'title'}]}",
        "{'Operations':[{'op':'replace','path':'title'}]}",
        "{'Operations':[{'op':'add','path':'title','value':null}]}",
        "{'Operations':[{'op':'add','value':'x'}]}",
        "{'Operations':[{'op':'replace','value':[{'active':false}]}]}"
      })
  void parse_wrongShape_isInvalidSyntax(String body) {
    var e = scimError(ScimType.INVALID_SYNTAX, () -> PatchRequest.parse(json(body)));
    assertThat(e.getMessage()).isNotBlank();
  }

  @Test
  void parse_wrongOp_detailSaysWhichOperation() {
    var e =
        scimError(
            ScimType.INVALID_SYNTAX,
            () ->
                PatchRequest.parse(
                    json(
                        "{'Operations':[{'op':'add','path':'title','value':'x'},{'op':'move'}]}")));
    assertThat(e.getMessage()).contains("Operations[1]").contains("move");
  }
}
