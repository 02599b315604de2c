package io.scimd.core.patch;

import static io.scimd.core.patch.PatchTesting.GROUP;
import static io.scimd.core.patch.PatchTesting.USER;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scimd.core.error.ScimException;
import io.scimd.core.schema.ResourceType;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

/**
 * Fuzzing of the PATCH parsers and engine: whatever a client sends, the only failure is a {@link
 * ScimException} with a 4xx status, and {@link PatchEngine#apply} never changes its input.
 */
class PatchPropertiesTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final String ENT = PatchTesting.ENTERPRISE;

  private static final List<String> USERS =
      List.of(
          "{}",
          "{'userName':'a','active':true,'name':{'givenName':'A','familyName':'B'}}",
          "{'userName':'a','emails':[{'value':'a@x.com','type':'work','primary':true},{'value':'b@x.com','type':'home'}],"
              + "'roles':[{'value':'Admin'}],'"
              + ENT
              + "':{'department':'D','manager':{'value':'m'}}}");
  private static final List<String> GROUPS =
      List.of(
          "{'displayName':'g'}",
          "{'displayName':'g','members':[{'value':'u1','type':'User'},{'value':'u2'}]}");

  /** Requests IdPs really send, the seeds that mutation starts from. */
  private static final List<String> SEEDS =
      List.of(
          "{\"schemas\":[\"urn:ietf:params:scim:api:messages:2.0:PatchOp\"],\"Operations\":[{\"op\":\"Replace\",\"path\":\"active\",\"value\":\"False\"}]}",
          "{\"Operations\":[{\"op\":\"replace\",\"value\":{\"active\":false,\"name.givenName\":\"x\"}}]}",
          "{\"Operations\":[{\"op\":\"Add\",\"path\":\"emails[type eq \\\"work\\\"].value\",\"value\":\"a@x.com\"}]}",
          "{\"Operations\":[{\"op\":\"Add\",\"path\":\"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager\",\"value\":\"m1\"}]}",
          "{\"Operations\":[{\"op\":\"Remove\",\"path\":\"members\",\"value\":[{\"value\":\"u1\"}]}]}",
          "{\"Operations\":[{\"op\":\"remove\",\"path\":\"members[value eq \\\"u2\\\"]\"}]}",
          "{\"Operations\":[{\"op\":\"add\",\"path\":\"roles\",\"value\":\"[{\\\"value\\\":\\\"Admin\\\"}]\"}]}",
          "{\"Operations\":[{\"op\":\"replace\",\"path\":\"emails[value eq \\\"b@x.com\\\"].primary\",\"value\":true}]}",
          "{\"Operations\":[{\"op\":\"replace\",\"path\":\"members\",\"value\":[]}]}");

  private static final List<String> PATH_TOKENS =
      List.of(
          "emails",
          "name",
          "members",
          "roles",
          "active",
          "userName",
          "givenName",
          "value",
          "type",
          "primary",
          "display",
          "manager",
          "id",
          "meta",
          "groups",
          ENT,
          "urn:ietf:params:scim:schemas:core:2.0:User",
          ".",
          ".",
          "[",
          "]",
          "\"",
          "\"work\"",
          " eq ",
          " co ",
          " and ",
          " or ",
          "not ",
          "(",
          ")",
          " pr",
          ":",
          "\\",
          " ",
          "true",
          "1",
          "null",
          "$ref",
          "é",
          "[type eq \"work\"]");

  private static final List<JsonNode> VALUES =
      List.of(
          json("'x'"),
          json("'False'"),
          json("true"),
          json("3"),
          json("2.5"),
          json("null"),
          json("[]"),
          json("{}"),
          json("[{'value':'u9'}]"),
          json("{'value':'m'}"),
          json("'[{\"value\":\"R\"}]'"),
          json("[{'value':'a@x.com','primary':true}]"),
          json("{'givenName':'G','middleName':null}"),
          json("[null]"),
          json("[1,'a',{}]"),
          json("{'emails':[{'value':'q@x.com'}],'Active':'true'}"),
          json("{'" + ENT + "':{'department':'S'}}"),
          json("{'members':[{'value':'u3'}],'displayName':'n'}"),
          json("'{not json'"),
          json("{'value':5}"),
          json("{'type':'work','value':'w@x.com','display':'d'}"));

  private static JsonNode json(String s) {
    return PatchTesting.json(s);
  }

  @Provide
  Arbitrary<String> paths() {
    Arbitrary<String> tokens =
        Arbitraries.of(PATH_TOKENS).list().ofMaxSize(8).map(l -> String.join("", l));
    Arbitrary<String> noise = Arbitraries.strings().ofMaxLength(30);
    Arbitrary<String> real =
        Arbitraries.of(
            "emails[type eq \"work\"].value",
            "emails[value eq \"b@x.com\"]",
            "emails[type eq \"home\"].primary",
            "emails[primary eq true]",
            "emails[value co \"x\"].display",
            "members[value eq \"u1\"]",
            "members[type eq \"User\"].type",
            "members[value eq \"u2\"].display",
            "roles[value eq \"Admin\"]",
            "emails.value",
            "name.givenName",
            "members",
            "emails",
            ENT + ":manager.value",
            ENT + ":manager",
            ENT,
            "groups",
            "id",
            "meta.created",
            "urn:ietf:params:scim:schemas:core:2.0:Group:members");
    return Arbitraries.oneOf(tokens, real, real, noise);
  }

  @Provide
  Arbitrary<JsonNode> values() {
    return Arbitraries.of(VALUES);
  }

  @Provide
  Arbitrary<ResourceType> types() {
    return Arbitraries.of(USER, GROUP);
  }

  @Property(tries = 2000)
  void pathParse_onlyEverThrowsScimException(@ForAll("paths") String path) {
    try {
      PatchPath p = PatchPath.parse(path);
      assertThat(PatchPath.parse(p.toString())).isEqualTo(p); // what it prints it reads back
    } catch (ScimException e) {
      assertThat(e.status()).isEqualTo(400);
    }
  }

  @Property(tries = 2000)
  void applyRandomOperation_onlyScimException_inputUntouched(
      @ForAll("types") ResourceType type,
      @ForAll("paths") String path,
      @ForAll("values") JsonNode value,
      @ForAll PatchOpType op,
      @ForAll boolean withPath,
      @ForAll("docIndex") int docIndex) {
    List<String> docs = type == USER ? USERS : GROUPS;
    ObjectNode doc = PatchTesting.obj(docs.get(docIndex % docs.size()));
    ObjectNode before = doc.deepCopy();
    JsonNode valueBefore = value.deepCopy();
    try {
      PatchPath p = withPath ? PatchPath.parse(path) : null;
      PatchOperation operation =
          new PatchOperation(op, p, value.isNull() && op == PatchOpType.REMOVE ? null : value);
      PatchEngine.apply(type, doc, List.of(operation));
      if (type == GROUP) {
        MemberPatch.split(type, "members", List.of(operation));
      }
    } catch (ScimException e) {
      assertThat(e.status()).isBetween(400, 499);
    }
    assertThat(doc).isEqualTo(before);
    assertThat(value).isEqualTo(valueBefore);
  }

  @Provide
  Arbitrary<Integer> docIndex() {
    return Arbitraries.integers().between(0, 10);
  }

  @Provide
  Arbitrary<String> mutatedBodies() {
    Arbitrary<Tuple.Tuple3<Integer, Integer, Character>> edit =
        Combinators.combine(
                Arbitraries.integers().between(0, 2),
                Arbitraries.integers().between(0, 10_000),
                Arbitraries.chars()
                    .with('"', '[', ']', '{', '}', ':', ',', '.', '\\', ' ', 'a', 'e', '0', 't'))
            .as(Tuple::of);
    return Combinators.combine(Arbitraries.of(SEEDS), edit.list().ofMinSize(1).ofMaxSize(6))
        .as(
            (seed, edits) -> {
              StringBuilder b = new StringBuilder(seed);
              for (var e : edits) {
                int at = e.get2() % (b.length() + 1);
                switch (e.get1()) {
                  case 0 -> b.insert(at, e.get3().charValue());
                  case 1 -> {
                    if (at < b.length()) {
                      b.deleteCharAt(at);
                    }
                  }
                  default -> {
                    if (at < b.length()) {
                      b.setCharAt(at, e.get3());
                    }
                  }
                }
              }
              return b.toString();
            });
  }

  @Property(tries = 3000)
  void mutatedBodies_onlyScimException_inputUntouched(
      @ForAll("mutatedBodies") String body,
      @ForAll("types") ResourceType type,
      @ForAll("docIndex") int docIndex) {
    JsonNode tree;
    try {
      tree = MAPPER.readTree(body);
    } catch (JsonProcessingException e) {
      return; // not JSON: the HTTP layer answers that before PATCH sees it
    }
    runWholeRequest(type, tree, docIndex);
  }

  @Provide
  Arbitrary<JsonNode> randomTrees() {
    Arbitrary<String> keys =
        Arbitraries.of(
            "op",
            "OP",
            "path",
            "value",
            "Operations",
            "operations",
            "schemas",
            "emails",
            "members",
            "name.givenName",
            "active",
            "Active",
            ENT,
            ENT + ":manager",
            "value",
            "type",
            "primary",
            "x");
    Arbitrary<JsonNode> leaves =
        Arbitraries.oneOf(
            Arbitraries.of(
                    "add",
                    "Replace",
                    "remove",
                    "x",
                    "False",
                    "members",
                    "emails[type eq \"work\"].value",
                    ENT,
                    "urn:ietf:params:scim:api:messages:2.0:PatchOp",
                    "",
                    "[{\"value\":\"u\"}]")
                .map(s -> (JsonNode) NODES.textNode(s)),
            Arbitraries.of(
                NODES.booleanNode(true),
                NODES.nullNode(),
                NODES.numberNode(1),
                NODES.numberNode(1.5)));
    return Arbitraries.recursive(
        () -> leaves,
        inner ->
            Arbitraries.oneOf(
                inner
                    .list()
                    .ofMaxSize(3)
                    .map(
                        l -> {
                          ArrayNode a = NODES.arrayNode();
                          l.forEach(a::add);
                          return (JsonNode) a;
                        }),
                Combinators.combine(keys, inner)
                    .as(Tuple::of)
                    .list()
                    .ofMaxSize(4)
                    .map(
                        l -> {
                          ObjectNode o = NODES.objectNode();
                          l.forEach(t -> o.set(t.get1(), t.get2()));
                          return (JsonNode) o;
                        })),
        4);
  }

  @Property(tries = 2000)
  void randomJsonBodies_onlyScimException(
      @ForAll("randomTrees") JsonNode ops,
      @ForAll("types") ResourceType type,
      @ForAll("docIndex") int docIndex) {
    // Mostly well-shaped envelopes around random operations, sometimes the random tree itself.
    ObjectNode body = NODES.objectNode();
    ArrayNode list = body.putArray("Operations");
    if (ops.isArray()) {
      ops.forEach(list::add);
    } else {
      list.add(ops);
    }
    runWholeRequest(type, body, docIndex);
    runWholeRequest(type, ops, docIndex);
  }

  private static void runWholeRequest(ResourceType type, JsonNode body, int docIndex) {
    List<String> docs = type == USER ? USERS : GROUPS;
    ObjectNode doc = PatchTesting.obj(docs.get(docIndex % docs.size()));
    ObjectNode before = doc.deepCopy();
    JsonNode bodyBefore = body.deepCopy();
    try {
      List<PatchOperation> ops = PatchRequest.parse(body);
      List<PatchOperation> docOps = new ArrayList<>(ops);
      if (type == GROUP) {
        docOps = MemberPatch.split(type, "members", ops).documentOps();
      }
      PatchEngine.apply(type, doc, ops);
      PatchEngine.apply(type, doc, docOps);
    } catch (ScimException e) {
      assertThat(e.status()).isBetween(400, 499);
      assertThat(e.getMessage()).isNotBlank();
    }
    assertThat(doc).isEqualTo(before);
    assertThat(body).isEqualTo(bodyBefore);
  }
}
