package io.scimd.server.hardening;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.scimd.server.http.TestServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;
import java.net.URISyntaxException;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;

/**
 * A real scimd (with the custom {@code Device} type of {@code schemas/harden}) seeded with two
 * users, a group and a device, plus what the hardening tests check after every bad request: that
 * the response is a well-formed SCIM error and that the store's tables are byte-identical.
 */
final class Harness implements AutoCloseable {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String USER = "urn:ietf:params:scim:schemas:core:2.0:User";
  static final String GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group";
  static final String ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
  static final String DEVICE = "urn:example:scim:schemas:Device";
  static final String PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
  static final String BULK = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";
  static final String ERROR = "urn:ietf:params:scim:api:messages:2.0:Error";

  final TestServer server;
  final String alice;
  final String bob;
  final String group;
  final String device;
  private final Connection db;

  Harness() {
    try {
      server = TestServer.startWithSchemas(Path.of(Harness.class.getResource("/schemas/harden").toURI()));
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
    alice = created("/scim/v2/Users", oktaUser("alice"));
    bob = created("/scim/v2/Users", entraUser("bob"));
    group =
        created(
            "/scim/v2/Groups",
            """
            {"schemas":["%s"],"displayName":"Admins","members":[{"value":"%s"}]}"""
                .formatted(GROUP, alice));
    device =
        created(
            "/scim/v2/Devices",
            """
            {"schemas":["%s"],"serialNumber":"SN-1","assetTag":"AT-1","storageGb":256,"tags":["a"]}"""
                .formatted(DEVICE));
    try {
      db = DriverManager.getConnection("jdbc:sqlite:" + server.dataDir.resolve("scimd.db"));
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A user as Okta creates one. */
  static String oktaUser(String userName) {
    return """
        {"schemas":["%s"],"userName":"%s","name":{"givenName":"Al","familyName":"Ice"},
         "emails":[{"primary":true,"value":"%s@example.com","type":"work"}],
         "displayName":"Al Ice","locale":"en-US","externalId":"00u%s","groups":[],"password":"S3cret!pass","active":true}"""
        .formatted(USER, userName, userName, userName);
  }

  /** A user as Entra ID creates one (enterprise extension, manager left out). */
  static String entraUser(String userName) {
    return """
        {"schemas":["%s","%s"],"externalId":"e-%s","userName":"%s","active":true,
         "displayName":"Bob B","title":"Engineer",
         "emails":[{"primary":true,"type":"work","value":"%s@contoso.com"}],
         "name":{"formatted":"Bob B","familyName":"B","givenName":"Bob"},
         "phoneNumbers":[{"type":"mobile","value":"+1 555 0100"}],
         "%s":{"employeeNumber":"42","department":"R&D"}}"""
        .formatted(USER, ENTERPRISE, userName, userName, userName, ENTERPRISE);
  }

  private String created(String path, String body) {
    HttpResponse<String> r = server.send("POST", path, body);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    return TestServer.json(r).path("id").asText();
  }

  HttpResponse<String> send(String method, String path, String body, String... headers) {
    return server.send(method, path, body, headers);
  }

  /**
   * Every stored row of every SCIM table, in a fixed order: two snapshots are equal exactly when
   * no resource, membership, unique value or id sequence changed.
   */
  String snapshot() {
    StringBuilder out = new StringBuilder();
    for (String sql :
        new String[] {
          "SELECT * FROM resources ORDER BY seq",
          "SELECT * FROM unique_values ORDER BY tenant, type, attribute, value_folded",
          "SELECT * FROM members ORDER BY tenant, group_id, member_id",
          "SELECT * FROM sqlite_sequence ORDER BY name"
        }) {
      out.append(sql).append('\n');
      try (Statement s = db.createStatement();
          ResultSet rs = s.executeQuery(sql)) {
        int n = rs.getMetaData().getColumnCount();
        while (rs.next()) {
          for (int i = 1; i <= n; i++) {
            out.append(rs.getString(i)).append('|');
          }
          out.append('\n');
        }
      } catch (SQLException e) {
        throw new IllegalStateException(sql, e);
      }
    }
    return out.toString();
  }

  /**
   * The response is a SCIM answer: never a 5xx, a JSON body when there is one, and for an error
   * the SCIM error schema with {@code status} as the same string as the HTTP status.
   */
  static JsonNode assertWellFormed(HttpResponse<String> r) {
    String what = r.request().method() + " " + r.uri() + " -> " + r.statusCode() + " " + abbreviate(r.body());
    assertThat(r.statusCode()).as(what).isBetween(200, 499);
    if (r.statusCode() == 204 || r.statusCode() == 304) {
      return JSON.nullNode();
    }
    JsonNode body;
    try {
      body = JSON.readTree(r.body());
    } catch (IOException e) {
      throw new AssertionError("not JSON: " + what, e);
    }
    assertThat(body).as(what).isNotNull();
    assertThat(r.headers().firstValue("Content-Type").orElse("")).as(what).startsWith("application/scim+json");
    if (r.statusCode() >= 400) {
      assertThat(body.path("schemas").toString()).as(what).contains(ERROR);
      assertThat(body.path("status").isTextual()).as(what).isTrue();
      assertThat(body.path("status").asText()).as(what).isEqualTo(Integer.toString(r.statusCode()));
      assertThat(body.path("detail").asText()).as(what).isNotBlank();
    }
    return body;
  }

  /** A response read off a raw socket: what any client would see, whatever bytes were sent. */
  record Raw(String request, int status, Map<String, String> headers, String body) {
    @Override
    public String toString() {
      return abbreviate(request) + "\n -> " + status + " " + headers + " " + abbreviate(body);
    }
  }

  /** Sends {@code method target} with {@code headers} (each "Name: value") verbatim on a socket. */
  Raw raw(String method, String target, @Nullable String body, List<String> headers) {
    byte[] content = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
    StringBuilder head = new StringBuilder(method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
    for (String h : headers) {
      head.append(h).append("\r\n");
    }
    if (body != null) {
      head.append("Content-Length: ").append(content.length).append("\r\n");
    }
    head.append("\r\n");
    try (Socket s = new Socket("127.0.0.1", server.server.port())) {
      s.setSoTimeout(20_000);
      OutputStream out = s.getOutputStream();
      out.write(head.toString().getBytes(StandardCharsets.UTF_8));
      out.write(content);
      out.flush();
      return parse(head + (body == null ? "" : body), s.getInputStream().readAllBytes());
    } catch (IOException e) {
      throw new UncheckedIOException(head.toString(), e);
    }
  }

  private static Raw parse(String request, byte[] bytes) {
    String all = new String(bytes, StandardCharsets.UTF_8);
    int end = all.indexOf("\r\n\r\n");
    assertThat(end).as("no complete response to " + abbreviate(request) + ": " + abbreviate(all)).isGreaterThan(0);
    String[] lines = all.substring(0, end).split("\r\n");
    int status = Integer.parseInt(lines[0].split(" ")[1]);
    Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    for (int i = 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      headers.put(lines[i].substring(0, colon).trim(), lines[i].substring(colon + 1).trim());
    }
    String body = all.substring(end + 4);
    if ("chunked".equalsIgnoreCase(headers.get("Transfer-Encoding"))) {
      StringBuilder b = new StringBuilder();
      int at = 0;
      while (true) {
        int nl = body.indexOf("\r\n", at);
        int size = Integer.parseInt(body.substring(at, nl).trim(), 16);
        if (size == 0) {
          break;
        }
        b.append(body, nl + 2, nl + 2 + size);
        at = nl + 2 + size + 2;
      }
      body = b.toString();
    }
    return new Raw(request, status, headers, body);
  }

  /** {@link #assertWellFormed(HttpResponse)} for a raw exchange. */
  static JsonNode assertWellFormed(Raw r) {
    String what = r.toString();
    assertThat(r.status()).as(what).isBetween(200, 499);
    if (r.status() == 204 || r.status() == 304 || r.body().isEmpty() && r.status() < 300) {
      return JSON.nullNode();
    }
    JsonNode body;
    try {
      body = JSON.readTree(r.body());
    } catch (IOException e) {
      throw new AssertionError("not JSON: " + what, e);
    }
    assertThat(body).as(what).isNotNull();
    assertThat(r.headers().getOrDefault("Content-Type", "")).as(what).startsWith("application/scim+json");
    if (r.status() >= 400) {
      assertThat(body.path("schemas").toString()).as(what).contains(ERROR);
      assertThat(body.path("status").isTextual()).as(what).isTrue();
      assertThat(body.path("status").asText()).as(what).isEqualTo(Integer.toString(r.status()));
      assertThat(body.path("detail").asText()).as(what).isNotBlank();
    }
    return body;
  }

  static String abbreviate(String s) {
    return s.length() <= 600 ? s : s.substring(0, 600) + "...";
  }

  static boolean mentions(JsonNode error, String word) {
    return error.path("detail").asText().toLowerCase(Locale.ROOT).contains(word.toLowerCase(Locale.ROOT));
  }

  @Override
  public void close() {
    try {
      db.close();
    } catch (SQLException e) {
      // the server's close below matters more
    }
    server.close();
  }
}
