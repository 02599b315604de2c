package io.scimd.server.service;

import static io.scimd.core.schema.SchemaUrns.BULK_REQUEST;
import static io.scimd.core.schema.SchemaUrns.BULK_RESPONSE;
import static io.scimd.core.schema.SchemaUrns.ERROR;
import static io.scimd.core.schema.SchemaUrns.USER;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.scimd.core.error.ScimException;
import io.scimd.core.error.ScimType;
import io.scimd.core.resource.UnknownAttributePolicy;
import org.junit.jupiter.api.Test;

class BulkTest extends ServiceFixture {
  private static final String REQ = "\"schemas\":[\"" + BULK_REQUEST + "\"]";

  @Override
  ServiceConfig config() {
    return new ServiceConfig(100, 1000, 5, 1_048_576, UnknownAttributePolicy.REJECT);
  }

  private JsonNode bulk(String ops) {
    return bulk(ops, null);
  }

  private JsonNode bulk(String ops, Integer failOnErrors) {
    String f = failOnErrors == null ? "" : ",\"failOnErrors\":" + failOnErrors;
    ScimResponse r =
        service.bulk(SCOPE, json("{" + REQ + f + ",\"Operations\":[" + ops + "]}"), BASE);
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.body().get("schemas").get(0).asText()).isEqualTo(BULK_RESPONSE);
    return r.body().get("Operations");
  }

  private static String postUser(String bulkId, String userName) {
    return "{\"method\":\"POST\",\"path\":\"/Users\",\"bulkId\":\""
        + bulkId
        + "\",\"data\":{\"schemas\":[\""
        + USER
        + "\"],\"userName\":\""
        + userName
        + "\"}}";
  }

  private long count(String type) {
    return store.read(SCOPE, r -> r.query(type, io.scimd.store.Query.all(0)).totalResults());
  }

  @Test
  void groupReferencingUsersBeforeThem_runsAfterThem_withResolvedIds() {
    JsonNode ops =
        bulk(
            "{\"method\":\"POST\",\"path\":\"/Groups\",\"bulkId\":\"g\",\"data\":{\"displayName\":\"Team\",\"members\":[{\"type\":\"User\",\"value\":\"bulkId:u1\"},{\"value\":\"bulkId:u2\"}]}},"
                + postUser("u1", "bulk1")
                + ","
                + postUser("u2", "bulk2")
                + ","
                + "{\"method\":\"patch\",\"path\":\"/Users/bulkId:u1\",\"data\":{\"Operations\":[{\"op\":\"replace\",\"path\":\"displayName\",\"value\":\"B1\"}]}}");
    assertThat(ops).hasSize(4);
    JsonNode group = ops.get(0);
    assertThat(group.get("status").asText()).isEqualTo("201");
    assertThat(group.get("status").isTextual()).isTrue();
    assertThat(group.get("bulkId").asText()).isEqualTo("g");
    assertThat(group.get("version").asText()).isEqualTo("W/\"1\"");
    String gid = group.get("location").asText().substring((BASE + "/Groups/").length());
    String u1 = ops.get(1).get("location").asText().substring((BASE + "/Users/").length());
    String u2 = ops.get(2).get("location").asText().substring((BASE + "/Users/").length());
    assertThat(memberIds(gid)).containsExactlyInAnyOrder(u1, u2);
    assertThat(ops.get(3).get("status").asText()).isEqualTo("200");
    assertThat(ops.get(3).get("method").asText()).isEqualTo("PATCH");
    assertThat(stored(users, u1).attributes().get("displayName").asText()).isEqualTo("B1");
  }

  @Test
  void cycle_failsThoseOpsWith409NamingIt_othersSucceed() {
    JsonNode ops =
        bulk(
            "{\"method\":\"POST\",\"path\":\"/Groups\",\"bulkId\":\"a\",\"data\":{\"displayName\":\"A\",\"members\":[{\"value\":\"bulkId:b\"}]}},"
                + "{\"method\":\"POST\",\"path\":\"/Groups\",\"bulkId\":\"b\",\"data\":{\"displayName\":\"B\",\"members\":[{\"value\":\"bulkId:a\"}]}},"
                + postUser("ok", "fine"));
    assertThat(ops.get(0).get("status").asText()).isEqualTo("409");
    assertThat(ops.get(0).at("/response/detail").asText())
        .contains("bulkId:a")
        .contains("bulkId:b");
    assertThat(ops.get(1).get("status").asText()).isEqualTo("409");
    assertThat(ops.get(2).get("status").asText()).isEqualTo("201");
    assertThat(ops.get(0).at("/response/schemas/0").asText()).isEqualTo(ERROR);
  }

  @Test
  void unknownOrFailedReference_failsThatOpOnly() {
    JsonNode ops =
        bulk(
            "{\"method\":\"POST\",\"path\":\"/Groups\",\"bulkId\":\"g1\",\"data\":{\"displayName\":\"G1\",\"members\":[{\"value\":\"bulkId:nobody\"}]}},"
                + "{\"method\":\"POST\",\"path\":\"/Users\",\"bulkId\":\"bad\",\"data\":{\"userName\":42}},"
                + "{\"method\":\"POST\",\"path\":\"/Groups\",\"bulkId\":\"g2\",\"data\":{\"displayName\":\"G2\",\"members\":[{\"value\":\"bulkId:bad\"}]}}");
    assertThat(ops.get(0).get("status").asText()).isEqualTo("400");
    assertThat(ops.get(0).at("/response/detail").asText()).contains("bulkId:nobody");
    assertThat(ops.get(1).get("status").asText()).isEqualTo("400");
    assertThat(ops.get(2).get("status").asText()).isEqualTo("409");
    assertThat(count("Group")).isZero();
  }

  @Test
  void withoutFailOnErrors_eachOpIsItsOwnTransaction() {
    String existing = createUser("taken");
    JsonNode ops =
        bulk(
            postUser("x", "taken")
                + ","
                + postUser("y", "free")
                + ","
                + "{\"method\":\"DELETE\",\"path\":\"/Users/"
                + existing
                + "\",\"version\":\"W/\\\"9\\\"\"},"
                + "{\"method\":\"PUT\",\"path\":\"/Users/nope\",\"data\":{\"userName\":\"n\"}}");
    assertThat(ops.get(0).get("status").asText()).isEqualTo("409");
    assertThat(ops.get(0).at("/response/scimType").asText()).isEqualTo("uniqueness");
    assertThat(ops.get(1).get("status").asText()).isEqualTo("201");
    assertThat(ops.get(2).get("status").asText()).isEqualTo("412");
    assertThat(ops.get(3).get("status").asText()).isEqualTo("404");
    assertThat(count("User")).isEqualTo(2);
  }

  @Test
  void failOnErrorsReached_keepsWhatSucceeded_undoesTheFailure_andAttemptsNoMore() {
    JsonNode ops =
        bulk(
            postUser("a", "fa")
                + ","
                + "{\"method\":\"POST\",\"path\":\"/Groups\",\"bulkId\":\"g\",\"data\":{\"displayName\":\"FG\",\"members\":[{\"value\":\"bulkId:a\"},{\"value\":\"missing-user\"}]}},"
                + postUser("b", "fb"),
            1);
    assertThat(ops).hasSize(2); // RFC 7644 §3.7.3: the third is not attempted, so not listed
    assertThat(ops.get(0).get("status").asText()).isEqualTo("201");
    assertThat(ops.get(1).get("status").asText()).isEqualTo("400");
    assertThat(ops.get(1).at("/response/detail").asText()).contains("missing-user");
    assertThat(count("User")).isEqualTo(1);
    assertThat(count("Group")).isZero(); // inserted before its bad member, undone to its savepoint
    String a = ops.get(0).get("location").asText().substring((BASE + "/Users/").length());
    assertThat(stored(users, a).attributes().get("userName").asText()).isEqualTo("fa");
  }

  @Test
  void failOnErrors_countsEveryKindOfFailure_andStopsInsideACycle() {
    JsonNode ops =
        bulk(
            "{\"method\":\"POST\",\"path\":\"/Groups\",\"bulkId\":\"a\",\"data\":{\"displayName\":\"A\",\"members\":[{\"value\":\"bulkId:b\"}]}},"
                + "{\"method\":\"POST\",\"path\":\"/Groups\",\"bulkId\":\"b\",\"data\":{\"displayName\":\"B\",\"members\":[{\"value\":\"bulkId:a\"}]}},"
                + postUser("ok", "counted")
                + ","
                + "{\"method\":\"DELETE\",\"path\":\"/Users/bulkId:nobody\"},"
                + postUser("late", "late"),
            2);
    // Ready operations run first, in request order: the user, the bad reference (the first error),
    // the second user; then the cycle, whose first operation is the second error. The other
    // operation of the cycle is not attempted, so not listed.
    assertThat(ops).hasSize(4);
    assertThat(ops.get(0).get("bulkId").asText()).isEqualTo("a");
    assertThat(ops.get(0).get("status").asText()).isEqualTo("409");
    assertThat(ops.get(1).get("status").asText()).isEqualTo("201");
    assertThat(ops.get(2).get("status").asText()).isEqualTo("400");
    assertThat(ops.get(2).at("/response/detail").asText()).contains("bulkId:nobody");
    assertThat(ops.get(3).get("bulkId").asText()).isEqualTo("late");
    assertThat(ops.get(3).get("status").asText()).isEqualTo("201");
    assertThat(count("User")).isEqualTo(2);
  }

  @Test
  void cycle_isNamedByItsFirstOperation_theOthersPointThere() {
    int n = 5; // this fixture's maxOperations
    StringBuilder ops = new StringBuilder();
    for (int i = 0; i < n; i++) {
      ops.append(i == 0 ? "" : ",")
          .append("{\"method\":\"POST\",\"path\":\"/Groups\",\"bulkId\":\"c")
          .append(i)
          .append("\",\"data\":{\"displayName\":\"C")
          .append(i)
          .append("\",\"members\":[{\"value\":\"bulkId:c")
          .append((i + 1) % n)
          .append("\"}]}}");
    }
    JsonNode out = bulk(ops.toString());
    assertThat(out.get(0).at("/response/detail").asText())
        .isEqualTo(
            "circular bulkId references: bulkId:c0 -> bulkId:c1 -> bulkId:c2 -> bulkId:c3 -> bulkId:c4 -> bulkId:c0");
    for (int i = 1; i < n; i++) {
      assertThat(out.get(i).get("status").asText()).isEqualTo("409");
      assertThat(out.get(i).at("/response/detail").asText())
          .isEqualTo(
              "bulkId:c"
                  + i
                  + " is on a circular bulkId reference of 5 operations, which the error of bulkId:c0 names");
    }
    assertThat(count("Group")).isZero();
  }

  @Test
  void failOnErrorsNotReached_commitsTheRestWithoutThePartialFailure() {
    JsonNode ops =
        bulk(
            postUser("a", "ka")
                + ","
                + "{\"method\":\"POST\",\"path\":\"/Groups\",\"bulkId\":\"g\",\"data\":{\"displayName\":\"KG\",\"members\":[{\"value\":\"bulkId:a\"},{\"value\":\"missing-user\"}]}},"
                + postUser("b", "kb"),
            2);
    assertThat(ops.get(0).get("status").asText()).isEqualTo("201");
    assertThat(ops.get(1).get("status").asText()).isEqualTo("400");
    assertThat(ops.get(2).get("status").asText()).isEqualTo("201");
    assertThat(count("User")).isEqualTo(2);
    assertThat(count("Group")).isZero(); // the group inserted before its bad member did not survive
    String a = ops.get(0).get("location").asText().substring((BASE + "/Users/").length());
    assertThat(stored(users, a).attributes().get("userName").asText()).isEqualTo("ka");
  }

  @Test
  void emptyVersion_isAnOperationError_notAbsent() {
    String id = createUser("versioned");
    JsonNode ops = bulk("{\"method\":\"DELETE\",\"path\":\"/Users/" + id + "\",\"version\":\"\"}");
    assertThat(ops.get(0).get("status").asText()).isEqualTo("400");
    assertThat(ops.get(0).at("/response/scimType").asText()).isEqualTo("invalidValue");
    assertThat(ops.get(0).at("/response/detail").asText()).contains("\"version\" is empty");
    assertThat(count("User")).isEqualTo(1);
  }

  @Test
  void malformedRequests() {
    ScimException tooMany =
        error(
            () ->
                service.bulk(
                    SCOPE,
                    json(
                        "{"
                            + REQ
                            + ",\"Operations\":["
                            + String.join(",", java.util.Collections.nCopies(6, postUser("z", "z")))
                            + "]}"),
                    BASE));
    assertThat(tooMany.status()).isEqualTo(413);
    assertThat(tooMany.getMessage()).contains("5");
    assertThat(error(() -> service.bulk(SCOPE, json("{" + REQ + "}"), BASE)).scimType())
        .isEqualTo(ScimType.INVALID_SYNTAX);
    assertThat(
            error(
                    () ->
                        service.bulk(
                            SCOPE, json("{\"schemas\":[\"urn:x\"],\"Operations\":[]}"), BASE))
                .scimType())
        .isEqualTo(ScimType.INVALID_SYNTAX);
    assertThat(
            error(
                    () ->
                        service.bulk(
                            SCOPE,
                            json("{" + REQ + ",\"failOnErrors\":\"x\",\"Operations\":[]}"),
                            BASE))
                .scimType())
        .isEqualTo(ScimType.INVALID_VALUE);
    JsonNode ops =
        bulk(
            "{\"method\":\"POST\",\"path\":\"/Users\",\"data\":{\"userName\":\"nobulkid\"}},"
                + "{\"method\":\"GET\",\"path\":\"/Users\"},"
                + "{\"method\":\"POST\",\"path\":\"/Things\",\"bulkId\":\"t\",\"data\":{}},"
                + postUser("d", "dup1")
                + ","
                + postUser("d", "dup2"));
    assertThat(ops.get(0).get("status").asText()).isEqualTo("400");
    assertThat(ops.get(1).get("status").asText()).isEqualTo("400");
    assertThat(ops.get(2).get("status").asText()).isIn("400", "404");
    assertThat(ops.get(3).get("status").asText()).isEqualTo("201");
    assertThat(ops.get(4).get("status").asText()).isEqualTo("400");
  }
}
