package io.scimd.server.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scimd.server.ScimServer;
import io.scimd.server.ServerConfig;
import io.scimd.server.service.ServiceConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A black-box SCIM client for the conformance suite: a real scimd on an ephemeral port with a
 * temporary data directory, a custom {@code Device} resource type (integer, decimal, boolean,
 * dateTime, immutable, writeOnly and returned-request attributes) and a test extension on User,
 * spoken to over raw HTTP only. Nothing here knows scimd's internals.
 */
final class Rfc implements AutoCloseable {
  static final String TOKEN = "conformance-bootstrap-token-0123456789abcdef";
  static final ObjectMapper JSON = new ObjectMapper();

  static final String USER = "urn:ietf:params:scim:schemas:core:2.0:User";
  static final String GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group";
  static final String ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
  static final String TEST_EXT = "urn:example:scim:schemas:extension:test:2.0:User";
  static final String DEVICE = "urn:example:scim:schemas:2.0:Device";
  static final String ERROR = "urn:ietf:params:scim:api:messages:2.0:Error";
  static final String LIST = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
  static final String PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
  static final String SEARCH = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";
  static final String BULK_REQUEST = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";
  static final String BULK_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:BulkResponse";

  private static final String SCHEMAS_JSON =
      """
      [
        {"id": "urn:example:scim:schemas:2.0:Device", "name": "Device", "description": "test device",
         "attributes": [
           {"name": "name", "type": "string", "required": true, "uniqueness": "server"},
           {"name": "serial", "type": "string", "caseExact": true},
           {"name": "size", "type": "integer"},
           {"name": "ratio", "type": "decimal"},
           {"name": "enabled", "type": "boolean"},
           {"name": "seen", "type": "dateTime"},
           {"name": "tags", "type": "string", "multiValued": true},
           {"name": "assetTag", "type": "string", "mutability": "immutable"},
           {"name": "secret", "type": "string", "mutability": "writeOnly", "returned": "never"},
           {"name": "note", "type": "string", "returned": "request"}
         ]},
        {"id": "urn:example:scim:schemas:extension:test:2.0:User", "name": "TestUser",
         "attributes": [
           {"name": "level", "type": "integer"},
           {"name": "badge", "type": "string"}
         ]},
        {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"], "id": "Device", "name": "Device",
         "endpoint": "/Devices", "schema": "urn:example:scim:schemas:2.0:Device"},
        {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"], "id": "User", "name": "User",
         "endpoint": "/Users", "schema": "urn:ietf:params:scim:schemas:core:2.0:User",
         "schemaExtensions": [{"schema": "urn:example:scim:schemas:extension:test:2.0:User", "required": false}]}
      ]
      """;

  final ScimServer server;
  final Path dataDir;
  private final HttpClient client =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).version(HttpClient.Version.HTTP_1_1).build();

  private Rfc(ScimServer server, Path dataDir) {
    this.server = server;
    this.dataDir = dataDir;
  }

  static Rfc start() {
    try {
      Path data = Files.createTempDirectory("scimd-conformance");
      Path schemas = Files.createTempDirectory("scimd-conformance-schemas");
      Files.writeString(schemas.resolve("device.json"), SCHEMAS_JSON);
      ScimServer s =
          ScimServer.start(
              new ServerConfig("127.0.0.1", 0, data, schemas, TOKEN, ServiceConfig.DEFAULTS),
              new PrintWriter(new StringWriter(), true));
      return new Rfc(s, data);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  String base() {
    return "http://127.0.0.1:" + server.port() + "/scim/v2";
  }

  HttpResponse<String> send(String method, String path, String body, String... headers) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base() + path)).timeout(Duration.ofSeconds(30));
    b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    b.header("Authorization", "Bearer " + TOKEN);
    if (body != null) {
      b.header("Content-Type", "application/scim+json");
    }
    for (int i = 0; i < headers.length; i += 2) {
      b.setHeader(headers[i], headers[i + 1]);
    }
    try {
      return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  HttpResponse<String> get(String path, String... headers) {
    return send("GET", path, null, headers);
  }

  HttpResponse<String> post(String path, String body, String... headers) {
    return send("POST", path, body, headers);
  }

  HttpResponse<String> put(String path, String body, String... headers) {
    return send("PUT", path, body, headers);
  }

  HttpResponse<String> patch(String path, String body, String... headers) {
    return send("PATCH", path, body, headers);
  }

  HttpResponse<String> delete(String path, String... headers) {
    return send("DELETE", path, null, headers);
  }

  /** POSTs {@code body} to {@code endpoint} and returns the created resource (asserting 201). */
  JsonNode create(String endpoint, String body) {
    HttpResponse<String> r = post(endpoint, body);
    assertThat(r.statusCode()).as("POST %s %s -> %s", endpoint, body, r.body()).isEqualTo(201);
    return json(r);
  }

  JsonNode createUser(String userName) {
    return create("/Users", "{\"schemas\":[\"" + USER + "\"],\"userName\":\"" + userName + "\"}");
  }

  /** GET of a list; asserts 200 and ListResponse shape. */
  JsonNode list(String pathAndQuery) {
    HttpResponse<String> r = get(pathAndQuery);
    assertThat(r.statusCode()).as("GET %s -> %s", pathAndQuery, r.body()).isEqualTo(200);
    JsonNode body = json(r);
    assertThat(body.path("schemas").toString()).contains(LIST);
    return body;
  }

  /** The userNames of a filtered /Users list. */
  List<String> userNames(String filter) {
    JsonNode body = list("/Users?count=1000&filter=" + q(filter));
    List<String> out = new ArrayList<>();
    body.path("Resources").forEach(u -> out.add(u.path("userName").asText()));
    return out;
  }

  static String q(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  static JsonNode json(HttpResponse<String> r) {
    try {
      return JSON.readTree(r.body());
    } catch (IOException e) {
      throw new AssertionError("not JSON: " + r.body(), e);
    }
  }

  static ObjectNode obj(String json) {
    try {
      return (ObjectNode) JSON.readTree(json);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  static String patchBody(String... ops) {
    return "{\"schemas\":[\"" + PATCH + "\"],\"Operations\":[" + String.join(",", ops) + "]}";
  }

  /** RFC 7644 §3.12: the error object, {@code status} a JSON string, {@code scimType} when given. */
  static JsonNode assertError(HttpResponse<String> r, int status, String scimType) {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
    assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("application/scim+json");
    JsonNode e = json(r);
    assertThat(e.path("schemas").toString()).as(r.body()).contains(ERROR);
    assertThat(e.path("status").isTextual()).as("status must be a JSON string: %s", r.body()).isTrue();
    assertThat(e.path("status").asText()).isEqualTo(Integer.toString(status));
    if (scimType != null) {
      assertThat(e.path("scimType").asText()).as(r.body()).isEqualTo(scimType);
    }
    return e;
  }

  @Override
  public void close() {
    server.close();
  }
}
