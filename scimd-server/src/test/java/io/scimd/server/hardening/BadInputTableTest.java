package io.scimd.server.hardening;

import static io.scimd.core.schema.SchemaUrns.BULK_REQUEST;
import static io.scimd.core.schema.SchemaUrns.ENTERPRISE_USER;
import static io.scimd.core.schema.SchemaUrns.GROUP;
import static io.scimd.core.schema.SchemaUrns.PATCH_OP;
import static io.scimd.core.schema.SchemaUrns.USER;
import static io.scimd.server.hardening.Seeded.DEVICE;
import static io.scimd.server.http.TestServer.abbreviate;
import static io.scimd.server.http.TestServer.assertWellFormed;
import static io.scimd.server.http.TestServer.patchBody;
import static io.scimd.server.http.TestServer.q;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.scimd.server.http.TestServer;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every class of bad input, through the real HTTP interface, on Users, Groups and the custom
 * Devices: the right status and scimType, a detail that names what is wrong, and a store whose
 * tables are byte-identical before and after.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BadInputTableTest {
  TestServer server;
  Seeded seeded;

  @BeforeAll
  void start() {
    server = Seeded.start();
    seeded = Seeded.into(server);
  }

  @AfterAll
  void stop() {
    server.close();
  }

  /**
   * One bad request. In {@code path} and {@code body}, {@code {alice}}, {@code {bob}}, {@code
   * {group}} and {@code {device}} stand for the seeded ids.
   */
  record Bad(
      String name,
      String method,
      String path,
      @Nullable String body,
      int status,
      @Nullable String scimType,
      String mentions,
      String... headers) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Bad bad(
      String name,
      String method,
      String path,
      @Nullable String body,
      int status,
      @Nullable String scimType,
      String mentions,
      String... headers) {
    return new Bad(name, method, path, body, status, scimType, mentions, headers);
  }

  static boolean mentions(JsonNode error, String word) {
    return error
        .path("detail")
        .asText()
        .toLowerCase(Locale.ROOT)
        .contains(word.toLowerCase(Locale.ROOT));
  }

  static Stream<Bad> cases() {
    List<Bad> c = new ArrayList<>();
    String u = "/scim/v2/Users";
    String g = "/scim/v2/Groups";
    String d = "/scim/v2/Devices";
    String alice = u + "/{alice}";
    String bob = u + "/{bob}";
    String grp = g + "/{group}";
    String dev = d + "/{device}";

    // Malformed JSON: 400 invalidSyntax with where the parser stopped.
    c.add(
        bad("json: truncated object", "POST", u, "{\"userName\":", 400, "invalidSyntax", "line 1"));
    c.add(
        bad(
            "json: trailing comma",
            "POST",
            g,
            "{\"displayName\":\"x\",}",
            400,
            "invalidSyntax",
            "not valid JSON"));
    c.add(
        bad(
            "json: not JSON at all",
            "PATCH",
            alice,
            "op=replace&active=false",
            400,
            "invalidSyntax",
            "not valid JSON"));
    c.add(
        bad(
            "json: two values",
            "PUT",
            dev,
            "{\"serialNumber\":\"SN-1\"}{\"a\":1}",
            400,
            "invalidSyntax",
            "more content"));
    c.add(
        bad(
            "json: duplicate key",
            "POST",
            u,
            "{\"schemas\":[\"" + USER + "\"],\"userName\":\"a\",\"userName\":\"b\"}",
            400,
            "invalidSyntax",
            "userName"));
    c.add(bad("json: empty body", "POST", u, "", 400, "invalidSyntax", "JSON body"));
    c.add(
        bad(
            "json: bulk truncated",
            "POST",
            "/scim/v2/Bulk",
            "[",
            400,
            "invalidSyntax",
            "not valid JSON"));
    c.add(
        bad(
            "json: search truncated",
            "POST",
            u + "/.search",
            "{\"filter\":",
            400,
            "invalidSyntax",
            "not valid JSON"));
    c.add(bad("json: array body for a resource", "POST", u, "[]", 400, "invalidSyntax", "object"));
    c.add(
        bad(
            "json: bad UTF-8 escape",
            "POST",
            u,
            "{\"userName\":\"\\uZZZZ\"}",
            400,
            "invalidSyntax",
            "not valid JSON"));

    // Wrong JSON types: 400 invalidValue naming the attribute.
    c.add(
        bad(
            "type: userName number",
            "POST",
            u,
            "{\"schemas\":[\"" + USER + "\"],\"userName\":42}",
            400,
            "invalidValue",
            "userName"));
    c.add(
        bad(
            "type: active not boolean",
            "POST",
            u,
            "{\"schemas\":[\"" + USER + "\"],\"userName\":\"t1\",\"active\":\"maybe\"}",
            400,
            "invalidValue",
            "active"));
    c.add(
        bad(
            "type: emails number",
            "POST",
            u,
            "{\"schemas\":[\"" + USER + "\"],\"userName\":\"t2\",\"emails\":5}",
            400,
            "invalidValue",
            "emails"));
    c.add(
        bad(
            "type: name string",
            "POST",
            u,
            "{\"schemas\":[\"" + USER + "\"],\"userName\":\"t3\",\"name\":[1]}",
            400,
            "invalidValue",
            "name"));
    c.add(
        bad(
            "type: email value object",
            "PUT",
            alice,
            "{\"schemas\":[\""
                + USER
                + "\"],\"userName\":\"alice\",\"emails\":[{\"value\":{\"a\":1}}]}",
            400,
            "invalidValue",
            "emails"));
    c.add(
        bad(
            "type: displayName object",
            "POST",
            g,
            "{\"schemas\":[\"" + GROUP + "\"],\"displayName\":{\"a\":1}}",
            400,
            "invalidValue",
            "displayName"));
    c.add(
        bad(
            "type: members string",
            "PUT",
            grp,
            "{\"schemas\":[\"" + GROUP + "\"],\"displayName\":\"Admins\",\"members\":true}",
            400,
            "invalidValue",
            "members"));
    c.add(
        bad(
            "type: integer as text",
            "POST",
            d,
            "{\"schemas\":[\"" + DEVICE + "\"],\"serialNumber\":\"SN-9\",\"storageGb\":\"lots\"}",
            400,
            "invalidValue",
            "storageGb"));
    c.add(
        bad(
            "type: integer with fraction",
            "PUT",
            dev,
            "{\"schemas\":[\""
                + DEVICE
                + "\"],\"serialNumber\":\"SN-1\",\"assetTag\":\"AT-1\",\"storageGb\":1.5}",
            400,
            "invalidValue",
            "storageGb"));
    c.add(
        bad(
            "type: integer too large",
            "PUT",
            dev,
            "{\"schemas\":[\""
                + DEVICE
                + "\"],\"serialNumber\":\"SN-1\",\"assetTag\":\"AT-1\",\"storageGb\":123456789012345678901234567890}",
            400,
            "invalidValue",
            "storageGb"));
    c.add(
        bad(
            "type: PATCH integer too large",
            "PATCH",
            dev,
            patchBody("{\"op\":\"replace\",\"path\":\"storageGb\",\"value\":9223372036854775808}"),
            400,
            "invalidValue",
            "storageGb"));
    c.add(
        bad(
            "type: PATCH active maybe",
            "PATCH",
            alice,
            patchBody("{\"op\":\"Replace\",\"path\":\"active\",\"value\":\"maybe\"}"),
            400,
            "invalidValue",
            "active"));
    c.add(
        bad(
            "type: PATCH tags object",
            "PATCH",
            dev,
            patchBody("{\"op\":\"add\",\"path\":\"tags\",\"value\":{\"x\":1}}"),
            400,
            "invalidValue",
            "tags"));
    c.add(
        bad(
            "type: Operations object",
            "PATCH",
            alice,
            "{\"schemas\":[\"" + PATCH_OP + "\"],\"Operations\":{}}",
            400,
            "invalidSyntax",
            "Operations"));
    c.add(
        bad(
            "type: op number",
            "PATCH",
            grp,
            patchBody("{\"op\":7,\"path\":\"displayName\",\"value\":\"x\"}"),
            400,
            "invalidSyntax",
            "op"));
    c.add(
        bad(
            "type: schemas string",
            "POST",
            u,
            "{\"schemas\":\"" + USER + "\",\"userName\":\"t4\"}",
            400,
            "invalidSyntax",
            "schemas"));
    c.add(
        bad(
            "type: search count text",
            "POST",
            u + "/.search",
            "{\"count\":\"ten\"}",
            400,
            "invalidValue",
            "count"));

    // Unknown attributes (the default policy rejects them).
    c.add(
        bad(
            "unknown: user attribute",
            "POST",
            u,
            "{\"schemas\":[\"" + USER + "\"],\"userName\":\"t5\",\"shoeSize\":44}",
            400,
            "invalidValue",
            "shoeSize"));
    c.add(
        bad(
            "unknown: group attribute",
            "PUT",
            grp,
            "{\"schemas\":[\"" + GROUP + "\"],\"displayName\":\"Admins\",\"colour\":\"red\"}",
            400,
            "invalidValue",
            "colour"));
    c.add(
        bad(
            "unknown: device attribute",
            "POST",
            d,
            "{\"schemas\":[\"" + DEVICE + "\"],\"serialNumber\":\"SN-8\",\"warp\":9}",
            400,
            "invalidValue",
            "warp"));
    c.add(
        bad(
            "unknown: sub-attribute",
            "POST",
            u,
            "{\"schemas\":[\""
                + USER
                + "\"],\"userName\":\"t6\",\"name\":{\"givenName\":\"A\",\"nickName\":\"x\"}}",
            400,
            "invalidValue",
            "nickName"));
    c.add(
        bad(
            "unknown: extension attribute",
            "PUT",
            bob,
            "{\"schemas\":[\""
                + USER
                + "\",\""
                + ENTERPRISE_USER
                + "\"],\"userName\":\"bob\",\""
                + ENTERPRISE_USER
                + "\":{\"shoeSize\":1}}",
            400,
            "invalidValue",
            "shoeSize"));
    c.add(
        bad(
            "unknown: PATCH path",
            "PATCH",
            alice,
            patchBody("{\"op\":\"add\",\"path\":\"shoeSize\",\"value\":44}"),
            400,
            "invalidPath",
            "shoeSize"));
    c.add(
        bad(
            "unknown: PATCH value key",
            "PATCH",
            bob,
            patchBody("{\"op\":\"replace\",\"value\":{\"active\":false,\"shoeSize\":44}}"),
            400,
            null,
            "shoeSize"));
    c.add(
        bad(
            "unknown: PATCH group path",
            "PATCH",
            grp,
            patchBody("{\"op\":\"replace\",\"path\":\"colour\",\"value\":\"red\"}"),
            400,
            "invalidPath",
            "colour"));

    // Bad filters, sort keys and projections.
    c.add(
        bad(
            "filter: missing value",
            "GET",
            u + "?filter=" + q("userName eq"),
            null,
            400,
            "invalidFilter",
            "position"));
    c.add(
        bad(
            "filter: unknown operator",
            "GET",
            u + "?filter=" + q("userName zz \"x\""),
            null,
            400,
            "invalidFilter",
            "zz"));
    c.add(
        bad(
            "filter: unclosed paren",
            "GET",
            g + "?filter=" + q("(displayName eq \"a\""),
            null,
            400,
            "invalidFilter",
            "position"));
    c.add(
        bad(
            "filter: dangling and",
            "GET",
            g + "?filter=" + q("displayName eq \"x\" and"),
            null,
            400,
            "invalidFilter",
            "position"));
    c.add(
        bad(
            "filter: gt on boolean",
            "GET",
            u + "?filter=" + q("active gt true"),
            null,
            400,
            "invalidFilter",
            "active"));
    c.add(
        bad(
            "filter: unclosed value path",
            "GET",
            u + "?filter=" + q("emails[type eq \"work\""),
            null,
            400,
            "invalidFilter",
            "position"));
    c.add(
        bad(
            "filter: unterminated string",
            "GET",
            d + "?filter=" + q("serialNumber eq \"SN"),
            null,
            400,
            "invalidFilter",
            "position"));
    c.add(
        bad(
            "filter: in .search",
            "POST",
            u + "/.search",
            "{\"filter\":\"userName eq 5 5\"}",
            400,
            "invalidFilter",
            "position"));
    c.add(
        bad(
            "filter: in root .search",
            "POST",
            "/scim/v2/.search",
            "{\"filter\":\"not (\"}",
            400,
            "invalidFilter",
            "position"));
    c.add(
        bad(
            "filter: garbage cursor",
            "GET",
            u + "?cursor=" + q("!!not-a-cursor!!"),
            null,
            400,
            "invalidCursor",
            "cursor"));
    c.add(
        bad(
            "filter: non-numeric count",
            "GET",
            u + "?count=ten",
            null,
            400,
            "invalidValue",
            "count"));
    c.add(
        bad(
            "filter: non-numeric startIndex",
            "GET",
            g + "?startIndex=first",
            null,
            400,
            "invalidValue",
            "startIndex"));
    c.add(
        bad(
            "filter: bad sortOrder",
            "GET",
            u + "?sortBy=userName&sortOrder=sideways",
            null,
            400,
            "invalidValue",
            "sortOrder"));

    // Bad PATCH paths and ops.
    c.add(
        bad(
            "path: unclosed filter",
            "PATCH",
            alice,
            patchBody(
                "{\"op\":\"replace\",\"path\":\"emails[type eq \\\"work\\\"\",\"value\":\"x\"}"),
            400,
            "invalidPath",
            "emails"));
    c.add(
        bad(
            "path: double dot",
            "PATCH",
            alice,
            patchBody("{\"op\":\"replace\",\"path\":\"name..givenName\",\"value\":\"x\"}"),
            400,
            "invalidPath",
            "name..givenName"));
    c.add(
        bad(
            "path: unknown schema URN",
            "PATCH",
            bob,
            patchBody(
                "{\"op\":\"replace\",\"path\":\"urn:ietf:params:scim:schemas:core:2.0:Nope:userName\",\"value\":\"x\"}"),
            400,
            "invalidPath",
            "urn:ietf:params:scim:schemas:core:2.0:Nope"));
    c.add(
        bad(
            "path: unknown sub-attribute after filter",
            "PATCH",
            alice,
            patchBody(
                "{\"op\":\"replace\",\"path\":\"emails[type eq \\\"work\\\"].nope\",\"value\":\"x\"}"),
            400,
            "invalidPath",
            "nope"));
    c.add(
        bad(
            "path: remove without path",
            "PATCH",
            grp,
            patchBody("{\"op\":\"remove\"}"),
            400,
            "noTarget",
            "path"));
    c.add(
        bad(
            "path: unknown op",
            "PATCH",
            dev,
            patchBody("{\"op\":\"frobnicate\",\"path\":\"tags\",\"value\":[\"x\"]}"),
            400,
            "invalidSyntax",
            "frobnicate"));
    c.add(
        bad(
            "path: bad member filter",
            "PATCH",
            grp,
            patchBody("{\"op\":\"remove\",\"path\":\"members[value eq \\\"x\\\"\"}"),
            400,
            "invalidPath",
            "members"));
    c.add(
        bad(
            "path: replace unmatched filter",
            "PATCH",
            alice,
            patchBody(
                "{\"op\":\"replace\",\"path\":\"emails[type eq \\\"home\\\"]\",\"value\":{\"value\":\"h@example.com\"}}"),
            400,
            "noTarget",
            "emails"));
    c.add(
        bad(
            "path: replace with member filter",
            "PATCH",
            grp,
            patchBody(
                "{\"op\":\"replace\",\"path\":\"members[value eq \\\"nobody\\\"]\",\"value\":{\"value\":\"{bob}\"}}"),
            400,
            "invalidPath",
            "members"));
    c.add(
        bad(
            "path: sub-attribute of a simple attribute",
            "PATCH",
            dev,
            patchBody("{\"op\":\"replace\",\"path\":\"serialNumber.value\",\"value\":\"x\"}"),
            400,
            "invalidPath",
            "serialNumber"));
    c.add(bad("path: no such endpoint", "GET", "/scim/v2/Nopes", null, 404, null, "/Nopes"));
    c.add(bad("path: too deep", "GET", alice + "/extra", null, 404, null, "extra"));
    c.add(bad("path: bad percent-escape", "GET", u + "/%E0%A4", null, 400, null, "UTF-8"));

    // readOnly and immutable violations.
    c.add(
        bad(
            "readOnly: replace id",
            "PATCH",
            alice,
            patchBody("{\"op\":\"replace\",\"path\":\"id\",\"value\":\"x\"}"),
            400,
            "mutability",
            "id"));
    c.add(
        bad(
            "readOnly: replace meta.created",
            "PATCH",
            bob,
            patchBody(
                "{\"op\":\"replace\",\"path\":\"meta.created\",\"value\":\"2020-01-01T00:00:00Z\"}"),
            400,
            "mutability",
            "meta"));
    c.add(
        bad(
            "readOnly: add groups",
            "PATCH",
            alice,
            patchBody("{\"op\":\"add\",\"path\":\"groups\",\"value\":[{\"value\":\"{group}\"}]}"),
            400,
            "mutability",
            "groups"));
    c.add(
        bad(
            "readOnly: remove meta",
            "PATCH",
            dev,
            patchBody("{\"op\":\"remove\",\"path\":\"meta\"}"),
            400,
            "mutability",
            "meta"));
    c.add(
        bad(
            "immutable: PUT changes it",
            "PUT",
            dev,
            "{\"schemas\":[\"" + DEVICE + "\"],\"serialNumber\":\"SN-1\",\"assetTag\":\"AT-2\"}",
            400,
            "mutability",
            "assetTag"));
    c.add(
        bad(
            "immutable: PATCH replace",
            "PATCH",
            dev,
            patchBody("{\"op\":\"replace\",\"path\":\"assetTag\",\"value\":\"AT-3\"}"),
            400,
            "mutability",
            "assetTag"));
    c.add(
        bad(
            "immutable: PATCH remove",
            "PATCH",
            dev,
            patchBody("{\"op\":\"remove\",\"path\":\"assetTag\"}"),
            400,
            "mutability",
            "assetTag"));
    c.add(
        bad(
            "immutable: no-path replace",
            "PATCH",
            dev,
            patchBody("{\"op\":\"replace\",\"value\":{\"assetTag\":\"AT-4\"}}"),
            400,
            "mutability",
            "assetTag"));
    c.add(
        bad(
            "immutable: member value",
            "PATCH",
            grp,
            patchBody(
                "{\"op\":\"replace\",\"path\":\"members[value eq \\\"{alice}\\\"].value\",\"value\":\"{bob}\"}"),
            400,
            "mutability",
            "members"));

    // Duplicate userName (case-insensitive) and other server-unique values.
    c.add(
        bad(
            "unique: POST same userName",
            "POST",
            u,
            Seeded.oktaUser("alice"),
            409,
            "uniqueness",
            "userName"));
    c.add(
        bad(
            "unique: POST other case",
            "POST",
            u,
            "{\"schemas\":[\"" + USER + "\"],\"userName\":\"ALICE\"}",
            409,
            "uniqueness",
            "userName"));
    c.add(
        bad(
            "unique: PUT takes a used userName",
            "PUT",
            bob,
            "{\"schemas\":[\"" + USER + "\"],\"userName\":\"Alice\"}",
            409,
            "uniqueness",
            "userName"));
    c.add(
        bad(
            "unique: PATCH takes a used userName",
            "PATCH",
            bob,
            patchBody("{\"op\":\"replace\",\"path\":\"userName\",\"value\":\"alice\"}"),
            409,
            "uniqueness",
            "userName"));
    c.add(
        bad(
            "unique: PATCH no-path takes a used userName",
            "PATCH",
            bob,
            patchBody("{\"op\":\"Replace\",\"value\":{\"userName\":\"ALICE\",\"active\":false}}"),
            409,
            "uniqueness",
            "userName"));
    c.add(
        bad(
            "unique: device serial",
            "POST",
            d,
            "{\"schemas\":[\"" + DEVICE + "\"],\"serialNumber\":\"sn-1\"}",
            409,
            "uniqueness",
            "serialNumber"));
    c.add(
        bad(
            "required: userName missing",
            "POST",
            u,
            "{\"schemas\":[\"" + USER + "\"],\"displayName\":\"x\"}",
            400,
            "invalidValue",
            "userName"));
    c.add(
        bad(
            "required: PATCH removes userName",
            "PATCH",
            alice,
            patchBody("{\"op\":\"remove\",\"path\":\"userName\"}"),
            400,
            "invalidValue",
            "userName"));
    c.add(
        bad(
            "required: serialNumber null",
            "PUT",
            dev,
            "{\"schemas\":[\"" + DEVICE + "\"],\"serialNumber\":null,\"assetTag\":\"AT-1\"}",
            400,
            "invalidValue",
            "serialNumber"));

    // Oversized bodies and too many operations.
    String big = "x".repeat(1_100_000);
    c.add(
        bad(
            "size: POST over maxPayloadSize",
            "POST",
            u,
            "{\"schemas\":[\"" + USER + "\"],\"userName\":\"" + big + "\"}",
            413,
            null,
            "maxPayloadSize"));
    c.add(
        bad(
            "size: PATCH over maxPayloadSize",
            "PATCH",
            grp,
            patchBody("{\"op\":\"replace\",\"path\":\"displayName\",\"value\":\"" + big + "\"}"),
            413,
            null,
            "maxPayloadSize"));
    c.add(
        bad(
            "size: bulk over maxOperations",
            "POST",
            "/scim/v2/Bulk",
            bulkOf(1001),
            413,
            null,
            "maxOperations"));

    // Unknown ids.
    c.add(bad("id: GET unknown user", "GET", u + "/no-such-user", null, 404, null, "no-such-user"));
    c.add(
        bad(
            "id: PUT unknown group",
            "PUT",
            g + "/no-such-group",
            "{\"schemas\":[\"" + GROUP + "\"],\"displayName\":\"x\"}",
            404,
            null,
            "no-such-group"));
    c.add(
        bad(
            "id: PATCH unknown device",
            "PATCH",
            d + "/no-such-device",
            patchBody("{\"op\":\"add\",\"path\":\"tags\",\"value\":[\"x\"]}"),
            404,
            null,
            "no-such-device"));
    c.add(
        bad(
            "id: DELETE unknown user",
            "DELETE",
            u + "/no-such-user",
            null,
            404,
            null,
            "no-such-user"));
    c.add(bad("id: group id at /Users", "GET", u + "/{group}", null, 404, null, "{group}"));
    c.add(
        bad(
            "id: member that does not exist",
            "PATCH",
            grp,
            patchBody(
                "{\"op\":\"add\",\"path\":\"members\",\"value\":[{\"value\":\"ghost-member\"}]}"),
            400,
            "invalidValue",
            "ghost-member"));
    c.add(
        bad(
            "id: PUT members that do not exist",
            "PUT",
            grp,
            "{\"schemas\":[\""
                + GROUP
                + "\"],\"displayName\":\"Admins\",\"members\":[{\"value\":\"ghost-2\"}]}",
            400,
            "invalidValue",
            "ghost-2"));

    // Wrong versions.
    c.add(
        bad(
            "version: PUT stale If-Match",
            "PUT",
            alice,
            Seeded.oktaUser("alice"),
            412,
            null,
            "version",
            "If-Match",
            "W/\"999\""));
    c.add(
        bad(
            "version: PATCH stale If-Match",
            "PATCH",
            grp,
            patchBody("{\"op\":\"replace\",\"path\":\"displayName\",\"value\":\"y\"}"),
            412,
            null,
            "version",
            "If-Match",
            "W/\"0\""));
    c.add(
        bad(
            "version: DELETE stale If-Match",
            "DELETE",
            dev,
            null,
            412,
            null,
            "version",
            "If-Match",
            "\"12345\""));
    c.add(
        bad(
            "version: DELETE garbage If-Match",
            "DELETE",
            bob,
            null,
            412,
            null,
            "version",
            "If-Match",
            "garbage"));

    // A PATCH that fails part-way applies nothing.
    c.add(
        bad(
            "atomic: PATCH third op fails",
            "PATCH",
            alice,
            patchBody(
                "{\"op\":\"replace\",\"path\":\"displayName\",\"value\":\"Changed\"}",
                "{\"op\":\"add\",\"path\":\"emails\",\"value\":[{\"value\":\"new@example.com\"}]}",
                "{\"op\":\"replace\",\"path\":\"active\",\"value\":\"maybe\"}"),
            400,
            "invalidValue",
            "Operations[2]"));
    c.add(
        bad(
            "atomic: group PATCH members then fail",
            "PATCH",
            grp,
            patchBody(
                "{\"op\":\"add\",\"path\":\"members\",\"value\":[{\"value\":\"{bob}\"}]}",
                "{\"op\":\"remove\",\"path\":\"members[value eq \\\"{alice}\\\"]\"}",
                "{\"op\":\"replace\",\"path\":\"colour\",\"value\":\"red\"}"),
            400,
            "invalidPath",
            "colour"));
    c.add(
        bad(
            "atomic: group PATCH then unique clash",
            "PATCH",
            bob,
            patchBody(
                "{\"op\":\"replace\",\"path\":\"displayName\",\"value\":\"Changed\"}",
                "{\"op\":\"replace\",\"path\":\"userName\",\"value\":\"alice\"}"),
            409,
            "uniqueness",
            "userName"));
    return c.stream();
  }

  static String bulkOf(int n) {
    StringBuilder b = new StringBuilder("{\"schemas\":[\"" + BULK_REQUEST + "\"],\"Operations\":[");
    for (int i = 0; i < n; i++) {
      b.append(i == 0 ? "" : ",")
          .append("{\"method\":\"POST\",\"path\":\"/Users\",\"bulkId\":\"b")
          .append(i)
          .append("\",\"data\":{\"schemas\":[\"")
          .append(USER)
          .append("\"],\"userName\":\"bulk")
          .append(i)
          .append("\"}}");
    }
    return b.append("]}").toString();
  }

  String fill(String s) {
    return s.replace("{alice}", seeded.alice())
        .replace("{bob}", seeded.bob())
        .replace("{group}", seeded.group())
        .replace("{device}", seeded.device());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void badInput_answersItsErrorAndChangesNothing(Bad c) {
    String before = server.snapshot();
    HttpResponse<String> r =
        server.send(
            c.method(), fill(c.path()), c.body() == null ? null : fill(c.body()), c.headers());
    JsonNode e = assertWellFormed(r);
    String what = c.name() + ": " + abbreviate(r.body());
    assertThat(r.statusCode()).as(what).isEqualTo(c.status());
    if (c.scimType() != null) {
      assertThat(e.path("scimType").asText()).as(what).isEqualTo(c.scimType());
    }
    assertThat(mentions(e, fill(c.mentions())))
        .as(what + " should mention " + fill(c.mentions()))
        .isTrue();
    assertThat(server.snapshot()).as(c.name()).isEqualTo(before);
  }

  /**
   * failOnErrors 1 (RFC 7644 §3.7.3): a group POST whose second member does not exist inserts the
   * group, then fails; it is undone to its savepoint, and the DELETE after it is not attempted.
   */
  @Test
  void bulkFailOnErrors_operationFailingPartWay_leavesNothing_andTheRestIsNotAttempted() {
    String before = server.snapshot();
    String body =
        """
        {"schemas":["%s"],"failOnErrors":1,"Operations":[
          {"method":"POST","path":"/Groups","bulkId":"g1","data":{"schemas":["%s"],"displayName":"half","members":[{"value":"%s"},{"value":"no-such-id"}]}},
          {"method":"DELETE","path":"/Devices/%s"}
        ]}"""
            .formatted(BULK_REQUEST, GROUP, seeded.alice(), seeded.device());
    HttpResponse<String> r = server.send("POST", "/scim/v2/Bulk", body);
    JsonNode ops = assertWellFormed(r).path("Operations");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(ops.size()).as(r.body()).isEqualTo(1);
    assertThat(ops.get(0).path("status").asText()).as(r.body()).isEqualTo("400");
    assertThat(ops.get(0).path("response").path("scimType").asText())
        .as(r.body())
        .isEqualTo("invalidValue");
    assertThat(ops.get(0).path("response").path("detail").asText())
        .as(r.body())
        .contains("no-such-id");
    assertThat(server.snapshot()).isEqualTo(before);
  }

  /**
   * failOnErrors 2: a bad PATCH path, then a stale version; the DELETE after them is not attempted.
   */
  @Test
  void bulkFailOnErrors_stopsAtTheLimit_withoutAttemptingTheRest() {
    String before = server.snapshot();
    String body =
        """
        {"schemas":["%s"],"failOnErrors":2,"Operations":[
          {"method":"PATCH","path":"/Users/%s","data":{"schemas":["%s"],"Operations":[{"op":"replace","path":"nope","value":1}]}},
          {"method":"PUT","path":"/Devices/%s","version":"W/\\"999\\"","data":{"schemas":["%s"],"serialNumber":"SN-1","assetTag":"AT-1"}},
          {"method":"DELETE","path":"/Groups/%s"}
        ]}"""
            .formatted(
                BULK_REQUEST, seeded.bob(), PATCH_OP, seeded.device(), DEVICE, seeded.group());
    HttpResponse<String> r = server.send("POST", "/scim/v2/Bulk", body);
    JsonNode ops = assertWellFormed(r).path("Operations");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(ops.size()).as(r.body()).isEqualTo(2);
    assertThat(ops.get(0).path("status").asText()).as(r.body()).isEqualTo("400");
    assertThat(ops.get(1).path("status").asText()).as(r.body()).isEqualTo("412");
    assertThat(server.snapshot()).isEqualTo(before);
  }
}
