package io.scimd.server.service;

import static io.scimd.core.schema.SchemaUrns.ERROR;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.scimd.core.error.ScimError;
import io.scimd.core.error.ScimException;
import io.scimd.core.error.ScimType;
import io.scimd.core.resource.Meta;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The small pieces of the service that need no store: ETags, errors, SearchRequest, passwords. */
class ProtocolPiecesTest {
  private static final ObjectMapper M = new ObjectMapper();
  private static final Meta V7 = new Meta("User", Instant.EPOCH, Instant.EPOCH, 7);

  static JsonNode json(String s) {
    try {
      return M.readTree(s);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void etagMatches_weakStrongBareListAndStar() {
    assertThat(ETags.matches("W/\"7\"", V7)).isTrue();
    assertThat(ETags.matches("\"7\"", V7)).isTrue();
    assertThat(ETags.matches("w/\"7\"", V7)).isTrue();
    assertThat(ETags.matches("7", V7)).isTrue();
    assertThat(ETags.matches("W/\"3\", W/\"7\"", V7)).isTrue();
    assertThat(ETags.matches("*", V7)).isTrue();
    assertThat(ETags.matches("W/\"8\"", V7)).isFalse();
    assertThat(ETags.matches("W/\"70\"", V7)).isFalse();
  }

  @Test
  void ifMatch_mismatch_is412() {
    assertThatThrownBy(() -> ETags.checkIfMatch("W/\"6\"", "User", "u1", V7))
        .isInstanceOfSatisfying(ScimException.class, e -> assertThat(e.status()).isEqualTo(412))
        .hasMessageContaining("W/\"7\"");
    ETags.checkIfMatch(null, "User", "u1", V7);
    ETags.checkIfMatch("*", "User", "u1", V7);
  }

  @Test
  void ifMatch_empty_is400InvalidValue_notAbsent() {
    for (String empty : new String[] {"", "  ", " , "}) {
      assertThatThrownBy(() -> ETags.checkIfMatch(empty, "User", "u1", V7))
          .isInstanceOfSatisfying(
              ScimException.class,
              e -> {
                assertThat(e.status()).isEqualTo(400);
                assertThat(e.scimType()).isEqualTo(ScimType.INVALID_VALUE);
              })
          .hasMessageContaining("If-Match is empty");
    }
  }

  @Test
  void errorJson_hasStatusAsStringAndScimType() {
    JsonNode n = ScimErrors.toJson(new ScimError(400, ScimType.INVALID_FILTER, "bad at 3"));
    assertThat(n.get("schemas").get(0).asText()).isEqualTo(ERROR);
    assertThat(n.get("status").isTextual()).isTrue();
    assertThat(n.get("status").asText()).isEqualTo("400");
    assertThat(n.get("scimType").asText()).isEqualTo("invalidFilter");
    assertThat(n.get("detail").asText()).isEqualTo("bad at 3");
    assertThat(ScimErrors.toJson(new ScimError(404, null, "x")).has("scimType")).isFalse();
  }

  @Test
  void searchRequest_arraysAndCommaStringsAndNumbers() {
    ListParams p =
        ListParams.fromSearchRequest(
            json(
                """
                {"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
                 "attributes":["userName","name.givenName"],"excludedAttributes":"emails,groups",
                 "filter":"userName sw \\"a\\"","SORTBY":"userName","sortOrder":"Descending",
                 "startIndex":2,"count":5,"cursor":""}
                """));
    assertThat(p.attributes()).isEqualTo("userName,name.givenName");
    assertThat(p.excludedAttributes()).isEqualTo("emails,groups");
    assertThat(p.filter()).isEqualTo("userName sw \"a\"");
    assertThat(p.sortBy()).isEqualTo("userName");
    assertThat(p.sortOrder()).isEqualTo("Descending");
    assertThat(p.startIndex()).isEqualTo("2");
    assertThat(p.count()).isEqualTo("5");
    assertThat(p.cursor()).isEmpty();
    assertThat(ListParams.fromSearchRequest(json("{}"))).isEqualTo(ListParams.NONE);
  }

  @Test
  void searchRequest_wrongTypes_areRejected() {
    assertThatThrownBy(() -> ListParams.fromSearchRequest(json("[]")))
        .isInstanceOfSatisfying(
            ScimException.class, e -> assertThat(e.scimType()).isEqualTo(ScimType.INVALID_SYNTAX));
    assertThatThrownBy(() -> ListParams.fromSearchRequest(json("{\"schemas\":[\"urn:x\"]}")))
        .isInstanceOfSatisfying(
            ScimException.class, e -> assertThat(e.scimType()).isEqualTo(ScimType.INVALID_SYNTAX));
    for (String bad :
        new String[] {
          "{\"count\":\"ten\"}",
          "{\"startIndex\":1.5}",
          "{\"filter\":3}",
          "{\"attributes\":[1]}",
          "{\"attributes\":{}}"
        }) {
      assertThatThrownBy(() -> ListParams.fromSearchRequest(json(bad)))
          .as(bad)
          .isInstanceOfSatisfying(
              ScimException.class,
              e -> {
                assertThat(e.status()).isEqualTo(400);
                assertThat(e.scimType()).isEqualTo(ScimType.INVALID_VALUE);
              });
    }
  }

  @Test
  void password_isHashedWithSaltAndVerifies() {
    String h1 = Passwords.hash("s3cret!");
    String h2 = Passwords.hash("s3cret!");
    assertThat(h1).startsWith(Passwords.PREFIX).doesNotContain("s3cret").isNotEqualTo(h2);
    assertThat(Passwords.verify("s3cret!", h1)).isTrue();
    assertThat(Passwords.verify("s3cret?", h1)).isFalse();
    assertThat(Passwords.verify("s3cret!", "$pbkdf2-sha512$x$y")).isFalse();
  }
}
