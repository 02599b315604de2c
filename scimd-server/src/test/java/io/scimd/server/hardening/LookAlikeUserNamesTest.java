package io.scimd.server.hardening;

import static io.scimd.server.http.TestServer.assertScimError;
import static io.scimd.server.http.TestServer.q;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scimd.core.schema.SchemaUrns;
import io.scimd.server.ServerConfig;
import io.scimd.server.http.TestServer;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * userNames that look alike are one userName (issue 7 §6, docs/decisions/0013-identifier-keys.md):
 * fullwidth and ASCII, NFC and NFD, {@code ß} and {@code SS}, surrounding and doubled spaces. The
 * second create of a look-alike is a 409 {@code uniqueness}, the first keeps the value it was sent,
 * and {@code userName eq} of the look-alike finds it, so that an IdP's look-up before create
 * (Entra, Okta) and the create agree. What PRECIS disallows (invisible, control, unassigned,
 * compatibility characters) is a 400 {@code invalidValue} naming the code point. Runs on SQLite
 * here and on PostgreSQL in {@link PostgresLookAlikeUserNamesTest}.
 */
class LookAlikeUserNamesTest {
  TestServer server;
  TestServer.Client idp;

  ServerConfig config() throws Exception {
    return TestServer.config();
  }

  @BeforeEach
  void start() throws Exception {
    server = TestServer.start(config());
    idp = server.scim();
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  static String user(String userName) {
    ObjectNode u = TestServer.JSON.createObjectNode();
    u.putArray("schemas").add(SchemaUrns.USER);
    u.put("userName", userName);
    return u.toString();
  }

  /** The Users that {@code userName eq value} finds. */
  JsonNode lookUp(String value) {
    return idp.list("/Users?filter=" + q("userName eq " + TestServer.JSON.valueToTree(value)))
        .path("Resources");
  }

  @ParameterizedTest(name = "[{index}] {2}")
  @CsvSource(
      delimiter = '|',
      value = {
        "admin|\uff41\uff44\uff4d\uff49\uff4e|fullwidth after ASCII",
        "\uff52\uff4f\uff4f\uff54@example.com|root@example.com|ASCII after fullwidth",
        "cafe\u0301@example.com|caf\u00e9@example.com|NFC after NFD",
        "Jos\u00e9@example.com|JOSE\u0301@EXAMPLE.COM|NFD after NFC",
        "stra\u00dfe|STRASSE|SS after sharp s",
        "'  bob.smith@example.com  '|Bob.Smith@example.com|trimmed after padded",
        "John Smith|'john  smith '|doubled spaces after single",
        "carol|CAROL|case",
      })
  void lookAlike_isA409_theFirstKeepsItsValue_andALookUpOfTheLookAlikeFindsIt(
      String first, String lookAlike, String what) {
    JsonNode created = idp.create("/Users", user(first));
    String id = created.path("id").asText();
    assertThat(created.path("userName").asText()).as("returned as sent").isEqualTo(first);
    assertThat(idp.read("/Users/" + id).path("userName").asText()).isEqualTo(first);

    HttpResponse<String> again = idp.post("/Users", user(lookAlike));
    JsonNode error = assertScimError(again, 409, "uniqueness");
    assertThat(error.path("detail").asText()).startsWith("userName ").contains("already taken");

    for (String value : new String[] {lookAlike, first}) {
      JsonNode found = lookUp(value);
      assertThat(found).as("userName eq %s", value).hasSize(1);
      assertThat(found.get(0).path("id").asText()).isEqualTo(id);
      assertThat(found.get(0).path("userName").asText()).isEqualTo(first);
    }
    assertThat(idp.list("/Users").path("totalResults").asInt()).as("nothing else created").isOne();

    // Renaming another user onto the look-alike is refused just the same, and changes nothing.
    String other = idp.createUser("someone.else@example.com");
    assertScimError(idp.put("/Users/" + other, user(lookAlike)), 409, "uniqueness");
    assertScimError(
        idp.patch(
            "/Users/" + other,
            TestServer.patchBody(
                "{\"op\":\"replace\",\"path\":\"userName\",\"value\":"
                    + TestServer.JSON.valueToTree(lookAlike)
                    + "}")),
        409,
        "uniqueness");
    assertThat(idp.read("/Users/" + other).path("userName").asText())
        .isEqualTo("someone.else@example.com");
  }

  @Test
  void zeroWidthJoinerInside_is400InvalidValue_andTheLookUpFindsTheVisibleName() {
    String admin = idp.createUser("admin");
    HttpResponse<String> r = idp.post("/Users", user("ad\u200dmin"));
    JsonNode error = assertScimError(r, 400, "invalidValue");
    assertThat(error.path("detail").asText())
        .contains("'userName'")
        .contains("U+200D ZERO WIDTH JOINER")
        .contains("remove it");
    JsonNode found = lookUp("ad\u200dmin");
    assertThat(found).hasSize(1);
    assertThat(found.get(0).path("id").asText()).isEqualTo(admin);
    assertThat(idp.list("/Users").path("totalResults").asInt()).isOne();
  }

  @ParameterizedTest(name = "[{index}] {2}")
  @CsvSource(
      delimiter = '|',
      value = {
        "be\u0007ll|U+0007|a control character",
        "x\u0378|U+0378|a code point that Unicode",
        "\ufb01nance|U+FB01 LATIN SMALL LIGATURE FI|write \"fi\" instead",
        "john\u00a0smith|U+00A0 NO-BREAK SPACE|use a plain space",
        "O\u2019Brien@example.com|U+2019 RIGHT SINGLE QUOTATION MARK|punctuation",
        "a\u200bb|U+200B ZERO WIDTH SPACE|an invisible character",
        "\u00a0|empty|it is empty once the spaces around it are removed",
      })
  void disallowedByPrecis_is400InvalidValue_namingTheAttributeAndTheCodePoint(
      String userName, String codePoint, String why) {
    for (String method : new String[] {"POST", "PUT", "PATCH"}) {
      HttpResponse<String> r =
          switch (method) {
            case "POST" -> idp.post("/Users", user(userName));
            case "PUT" -> idp.put("/Users/" + existing(), user(userName));
            default ->
                idp.patch(
                    "/Users/" + existing(),
                    TestServer.patchBody(
                        "{\"op\":\"replace\",\"value\":{\"userName\":"
                            + TestServer.JSON.valueToTree(userName)
                            + "}}"));
          };
      JsonNode error = assertScimError(r, 400, "invalidValue");
      assertThat(error.path("detail").asText())
          .as(method)
          .startsWith("'userName' ")
          .contains("is not a valid identifier")
          .contains(codePoint.equals("empty") ? "" : codePoint)
          .contains(why);
    }
    assertThat(idp.userNames("userName pr")).as("nothing written").containsExactly("existing");
  }

  private String existingId;

  private String existing() {
    if (existingId == null) {
      existingId = idp.createUser("existing");
    }
    return existingId;
  }

  @Test
  void realIdpUserNames_areAccepted_andFoundByTheirOwnLookUp() {
    String[] names = {
      "bjensen@example.com",
      "Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1",
      "Barbara Jensen",
      "Jos\u00e9.Garc\u00eda@example.com",
      "\u5c71\u7530\u592a\u90ce@example.jp",
      "\u0645\u062b\u0627\u0644@example.com",
      "m\u00fcller+tag@example.de",
    };
    for (String n : names) {
      String id = idp.create("/Users", user(n)).path("id").asText();
      JsonNode found = lookUp(n);
      assertThat(found).as(n).hasSize(1);
      assertThat(found.get(0).path("id").asText()).isEqualTo(id);
      assertThat(found.get(0).path("userName").asText()).isEqualTo(n);
    }
  }
}
