package io.scimd.server.e2e;

import static io.scimd.server.http.TestServer.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.scimd.server.http.TestServer;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * One provisioning client replaying its requests against a real scimd: a started {@link TestServer}
 * plus the headers that client always sends.
 */
final class IdpClient implements AutoCloseable {
  static final String PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
  static final String ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
  static final String ERROR = "urn:ietf:params:scim:api:messages:2.0:Error";

  final TestServer server;
  private final String[] headers;

  IdpClient(TestServer server, String... headers) {
    this.server = server;
    this.headers = headers;
  }

  HttpResponse<String> send(String method, String path, String body, String... extra) {
    String[] all = new String[headers.length + extra.length];
    System.arraycopy(headers, 0, all, 0, headers.length);
    System.arraycopy(extra, 0, all, headers.length, extra.length);
    return server.send(method, path, body, all);
  }

  /** Percent-encodes a query parameter value the way browsers and most HTTP clients do. */
  static String q(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
  }

  /** A PatchOp body around {@code operations}, a comma-separated list of operation objects. */
  static String patch(String operations) {
    return "{\"schemas\":[\"" + PATCH_OP + "\"],\"Operations\":[" + operations + "]}";
  }

  String createUser(String userName) {
    HttpResponse<String> r =
        send(
            "POST",
            "/scim/v2/Users",
            "{\"schemas\":[\"urn:ietf:params:scim:schemas:core:2.0:User\"],\"userName\":\"" + userName + "\",\"active\":true}");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    return json(r).path("id").asText();
  }

  String createGroup(String displayName) {
    HttpResponse<String> r =
        send(
            "POST",
            "/scim/v2/Groups",
            "{\"schemas\":[\"urn:ietf:params:scim:schemas:core:2.0:Group\"],\"displayName\":\"" + displayName + "\"}");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    return json(r).path("id").asText();
  }

  JsonNode get(String path) {
    HttpResponse<String> r = send("GET", path, null);
    assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(200);
    return json(r);
  }

  /** PATCHes {@code path} with {@code operations} and asserts the 200 (or 204) Entra and Okta accept. */
  HttpResponse<String> patchOk(String path, String operations) {
    HttpResponse<String> r = send("PATCH", path, patch(operations));
    assertThat(r.statusCode()).as(operations + " -> " + r.body()).isIn(200, 204);
    return r;
  }

  List<String> memberIds(String gid) {
    List<String> ids = new ArrayList<>();
    get("/scim/v2/Groups/" + gid).path("members").forEach(m -> ids.add(m.path("value").asText()));
    return ids;
  }

  static void assertScimError(HttpResponse<String> r, int status, String scimType) {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
    assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("application/scim+json");
    JsonNode e = json(r);
    assertThat(e.path("schemas").get(0).asText()).isEqualTo(ERROR);
    assertThat(e.path("status").isTextual()).as("status is a string").isTrue();
    assertThat(e.path("status").asText()).isEqualTo(Integer.toString(status));
    assertThat(e.path("detail").asText()).isNotBlank();
    if (scimType != null) {
      assertThat(e.path("scimType").asText()).isEqualTo(scimType);
    }
  }

  @Override
  public void close() {
    server.close();
  }
}
