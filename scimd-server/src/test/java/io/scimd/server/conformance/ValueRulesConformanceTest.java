package io.scimd.server.conformance;

import static io.scimd.core.schema.SchemaUrns.USER;
import static io.scimd.server.http.TestServer.assertScimError;
import static io.scimd.server.http.TestServer.json;
import static io.scimd.server.http.TestServer.patchBody;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * RFC 7643 §2.3: a value gets the same answer in a POST body and as a PATCH value (RFC 7644
 * §3.5.2). The rows are the values on which the two paths used to disagree, and the forgiving forms
 * real IdPs send.
 */
class ValueRulesConformanceTest extends ConformanceSuite {
  private static String name() {
    return fresh("device");
  }

  /** Each row: Device attribute, JSON value, the value read back or "-" when it is rejected. */
  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "enabled | '\"False\"'                   | false",
        "enabled | '\" TRUE \"'                  | true",
        "enabled | '\"yes\"'                     | -",
        "size    | 3.0                           | 3",
        "size    | 3.5                           | -",
        "size    | 1e400                         | -",
        "ratio   | 1e400                         | -",
        "seen    | '\"2011-05-13T04:42Z\"'       | -",
        "seen    | '\"2011-05-13T04:42:34+0200\"' | -",
        "seen    | '\"2011-05-13T04:42:34+02:00\"' | '\"2011-05-13T04:42:34+02:00\"'",
      })
  void postAndPatch_giveTheSameAnswer(String attribute, String value, String readBack) {
    String base = "\"schemas\":[\"" + DEVICE + "\"],\"name\":\"";
    HttpResponse<String> post =
        scim.post("/Devices", "{" + base + name() + "\",\"" + attribute + "\":" + value + "}");
    JsonNode target = scim.create("/Devices", "{" + base + name() + "\"}");
    String at = "/Devices/" + target.path("id").asText();
    HttpResponse<String> patch =
        scim.patch(
            at,
            patchBody("{\"op\":\"add\",\"path\":\"" + attribute + "\",\"value\":" + value + "}"));
    if (readBack.equals("-")) {
      String postDetail = assertScimError(post, 400, "invalidValue").path("detail").asText();
      String patchDetail = assertScimError(patch, 400, "invalidValue").path("detail").asText();
      assertThat(patchDetail).contains(postDetail);
      assertThat(json(scim.get(at)).has(attribute)).isFalse(); // the failed PATCH changed nothing
    } else {
      JsonNode expected = json("{\"v\":" + readBack + "}").get("v");
      assertThat(post.statusCode()).as(post.body()).isEqualTo(201);
      assertThat(json(post).get(attribute)).isEqualTo(expected);
      assertThat(patch.statusCode()).as(patch.body()).isEqualTo(200);
      assertThat(json(scim.get(at)).get(attribute)).isEqualTo(expected);
    }
  }

  /** RFC 7643 §2.3.6: binary is base64, in a PATCH as in a POST. */
  @Test
  void binaryNotBase64_isInvalidValue_inPostAndPatch() {
    String cert = "{\"value\":\"not base64!\"}";
    HttpResponse<String> post =
        scim.post(
            "/Users",
            "{\"schemas\":[\""
                + USER
                + "\"],\"userName\":\""
                + name()
                + "\","
                + "\"x509Certificates\":["
                + cert
                + "]}");
    assertScimError(post, 400, "invalidValue");
    HttpResponse<String> patch =
        scim.patch(
            "/Users/" + scim.createUser(name()),
            patchBody("{\"op\":\"add\",\"path\":\"x509Certificates\",\"value\":[" + cert + "]}"));
    String detail = assertScimError(patch, 400, "invalidValue").path("detail").asText();
    assertThat(detail).contains("'x509Certificates.value' must be a base64-encoded string");
  }
}
