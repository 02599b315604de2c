package io.scimd.server.service;

import static io.scimd.core.schema.SchemaUrns.BULK_REQUEST;
import static io.scimd.core.schema.SchemaUrns.USER;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Passwords are hashed before a write's transaction begins: PBKDF2 takes a third of a second on
 * purpose, and inside the transaction it held the store's single write lock that long. Each test
 * checks that no write transaction ran even half as long as one hash, and that what was stored is
 * the hash of what was sent.
 */
class PasswordHashingTest extends ServiceFixture {
  private long hashNanos;

  @BeforeEach
  void timeOneHash() {
    Passwords.hash("warm-up"); // the first call loads the algorithm
    long start = System.nanoTime();
    Passwords.hash("timed");
    hashNanos = System.nanoTime() - start;
  }

  private void assertNoHashInsideAWrite(String what) {
    assertThat(recording.longestWriteNanos.get())
        .as("%s: the longest write transaction, in ns, against one hash of %d ns", what, hashNanos)
        .isLessThan(hashNanos / 2);
    recording.longestWriteNanos.set(0);
  }

  private String storedPassword(String id) {
    return stored(users, id).attributes().get("password").asText();
  }

  private static String user(String userName, String passwordKey, String password) {
    return "{\"schemas\":[\""
        + USER
        + "\"],\"userName\":\""
        + userName
        + "\",\""
        + passwordKey
        + "\":\""
        + password
        + "\"}";
  }

  @Test
  void postPutAndPatch_hashBeforeTheirTransaction() {
    String id =
        service
            .create(SCOPE, users, json(user("pat", "password", "pw-post")), BASE, null, null)
            .body()
            .get("id")
            .asText();
    assertNoHashInsideAWrite("POST");
    assertThat(Passwords.verify("pw-post", storedPassword(id))).isTrue();

    service.replace(
        SCOPE, users, id, json(user("pat", "PassWord", "pw-put")), BASE, null, null, null);
    assertNoHashInsideAWrite("PUT");
    assertThat(Passwords.verify("pw-put", storedPassword(id))).isTrue();

    patch(users, id, "[{\"op\":\"replace\",\"path\":\"password\",\"value\":\"pw-patch\"}]");
    assertNoHashInsideAWrite("PATCH with a path");
    assertThat(Passwords.verify("pw-patch", storedPassword(id))).isTrue();

    patch(
        users,
        id,
        "[{\"op\":\"Replace\",\"value\":{\""
            + USER
            + ":password\":\"pw-urn\",\"nickName\":\"p\"}}]");
    assertNoHashInsideAWrite("PATCH without a path, URN-qualified");
    assertThat(Passwords.verify("pw-urn", storedPassword(id))).isTrue();

    // Writes that set no password keep the stored hash as it is.
    String hash = storedPassword(id);
    service.replace(
        SCOPE,
        users,
        id,
        json("{\"schemas\":[\"" + USER + "\"],\"userName\":\"pat\"}"),
        BASE,
        null,
        null,
        null);
    patch(users, id, "[{\"op\":\"replace\",\"path\":\"nickName\",\"value\":\"q\"}]");
    assertThat(storedPassword(id)).isEqualTo(hash);
  }

  @Test
  void bulk_hashesTheOperationsPasswordsBeforeItsTransaction() {
    String existing =
        service
            .create(SCOPE, users, json(user("old", "password", "pw-old")), BASE, null, null)
            .body()
            .get("id")
            .asText();
    recording.longestWriteNanos.set(0);
    StringBuilder ops = new StringBuilder();
    for (int i = 0; i < 4; i++) {
      ops.append("{\"method\":\"POST\",\"path\":\"/Users\",\"bulkId\":\"u")
          .append(i)
          .append("\",\"data\":")
          .append(user("bulk-" + i, "password", "pw-" + i))
          .append("},");
    }
    ops.append("{\"method\":\"PUT\",\"path\":\"/Users/")
        .append(existing)
        .append("\",\"data\":")
        .append(user("old", "password", "pw-put"))
        .append("},");
    ops.append("{\"method\":\"PATCH\",\"path\":\"/Users/bulkId:u0\",\"data\":{\"Operations\":[")
        .append("{\"op\":\"add\",\"path\":\"" + USER + ":password\",\"value\":\"pw-patched\"}]}}");
    // failOnErrors: all of them in one transaction, the case where a hash inside held the lock
    // longest.
    JsonNode out =
        service
            .bulk(
                SCOPE,
                json(
                    "{\"schemas\":[\""
                        + BULK_REQUEST
                        + "\"],\"failOnErrors\":1,\"Operations\":["
                        + ops
                        + "]}"),
                BASE)
            .body();
    assertNoHashInsideAWrite("bulk");
    JsonNode results = out.get("Operations");
    assertThat(results).hasSize(6);
    for (int i = 1; i < 4; i++) {
      assertThat(Passwords.verify("pw-" + i, storedPassword(idOf(results.get(i))))).isTrue();
    }
    assertThat(Passwords.verify("pw-patched", storedPassword(idOf(results.get(0))))).isTrue();
    assertThat(Passwords.verify("pw-put", storedPassword(existing))).isTrue();
  }

  /** The same starting password for many users: each stored hash has its own salt. */
  @Test
  void bulkUsersWithTheSamePassword_getHashesOfTheirOwn() {
    StringBuilder ops = new StringBuilder();
    for (int i = 0; i < 3; i++) {
      ops.append(i == 0 ? "" : ",")
          .append("{\"method\":\"POST\",\"path\":\"/Users\",\"bulkId\":\"s")
          .append(i)
          .append("\",\"data\":")
          .append(user("same-" + i, "password", "Welcome-2026!"))
          .append("}");
    }
    JsonNode out =
        service
            .bulk(
                SCOPE,
                json("{\"schemas\":[\"" + BULK_REQUEST + "\"],\"Operations\":[" + ops + "]}"),
                BASE)
            .body();
    java.util.Set<String> stored = new java.util.HashSet<>();
    for (JsonNode r : out.get("Operations")) {
      String hash = storedPassword(idOf(r));
      assertThat(Passwords.verify("Welcome-2026!", hash)).isTrue();
      stored.add(hash);
    }
    assertThat(stored).hasSize(3);
  }

  /** A password that only a bulkId reference completes is known inside the transaction alone. */
  @Test
  void bulkPassword_completedByABulkIdReference_isStillStoredHashed() {
    String body =
        "{\"schemas\":[\""
            + BULK_REQUEST
            + "\"],\"Operations\":["
            + "{\"method\":\"POST\",\"path\":\"/Users\",\"bulkId\":\"u1\",\"data\":{\"userName\":\"ref\"}},"
            + "{\"method\":\"PATCH\",\"path\":\"/Users/bulkId:u1\",\"data\":{\"Operations\":["
            + "{\"op\":\"add\",\"path\":\"password\",\"value\":\"pw-bulkId:u1\"}]}}]}";
    JsonNode results = service.bulk(SCOPE, json(body), BASE).body().get("Operations");
    assertThat(results.get(1).get("status").asText()).isEqualTo("200");
    String id = idOf(results.get(0));
    assertThat(Passwords.verify("pw-" + id, storedPassword(id))).isTrue();
  }

  private static String idOf(JsonNode result) {
    String location = result.get("location").asText();
    return location.substring(location.lastIndexOf('/') + 1);
  }
}
