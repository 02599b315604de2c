package io.scimd.server.hardening;

import static io.scimd.core.schema.SchemaUrns.BULK_REQUEST;
import static io.scimd.core.schema.SchemaUrns.ENTERPRISE_USER;
import static io.scimd.core.schema.SchemaUrns.GROUP;
import static io.scimd.core.schema.SchemaUrns.PATCH_OP;
import static io.scimd.core.schema.SchemaUrns.SEARCH_REQUEST;
import static io.scimd.core.schema.SchemaUrns.USER;
import static io.scimd.server.hardening.Seeded.DEVICE;
import static io.scimd.server.http.TestServer.assertWellFormed;
import static io.scimd.server.http.TestServer.authorized;
import static io.scimd.server.http.TestServer.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scimd.server.http.TestServer;
import io.scimd.server.http.TestServer.Raw;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Random and mutated requests against the real server: valid Okta and Entra bodies with types
 * flipped, keys dropped or duplicated, odd unicode, huge numbers, deep nesting and strange paths;
 * random query strings; random headers. Whatever arrives, the answer is a well-formed SCIM response
 * (never a 5xx, never a non-JSON error, {@code status} a string), and a 4xx leaves the store as it
 * was. Each try is one seed, so a failure names the seed that reproduces it.
 */
class FuzzOverHttpProperties {
  static final JsonNodeFactory F = JsonNodeFactory.instance;
  static TestServer server;
  static Seeded seeded;

  @BeforeContainer
  static void start() {
    server = Seeded.start();
    seeded = Seeded.into(server);
  }

  @AfterContainer
  static void stop() {
    server.close();
  }

  /** Sends one request and checks the invariants; returns the response for further checks. */
  static Raw check(String method, String target, String body, List<String> headers) {
    String before = server.snapshot();
    Raw r = server.raw(method + " " + target + " HTTP/1.1", body, headers);
    assertWellFormed(r);
    if (r.status() >= 400) {
      assertThat(server.snapshot())
          .as("a %s changed the store: %s", r.status(), r)
          .isEqualTo(before);
    }
    return r;
  }

  // ---------------------------------------------------------------- bodies

  record Target(String method, String path, String body) {}

  static List<Target> seeds() {
    String alice = "/scim/v2/Users/" + seeded.alice();
    String bob = "/scim/v2/Users/" + seeded.bob();
    String grp = "/scim/v2/Groups/" + seeded.group();
    String dev = "/scim/v2/Devices/" + seeded.device();
    return List.of(
        new Target("POST", "/scim/v2/Users", Seeded.oktaUser("fuzz-okta")),
        new Target("POST", "/scim/v2/Users", Seeded.entraUser("fuzz-entra")),
        new Target("PUT", alice, Seeded.oktaUser("alice")),
        new Target("PUT", bob, Seeded.entraUser("bob")),
        new Target(
            "POST",
            "/scim/v2/Groups",
            "{\"schemas\":[\""
                + GROUP
                + "\"],\"displayName\":\"Fuzzers\",\"members\":[{\"value\":\""
                + seeded.bob()
                + "\",\"display\":\"Bob\"}]}"),
        new Target(
            "PUT",
            grp,
            "{\"schemas\":[\""
                + GROUP
                + "\"],\"displayName\":\"Admins\",\"members\":[{\"value\":\""
                + seeded.alice()
                + "\"}]}"),
        new Target(
            "POST",
            "/scim/v2/Devices",
            "{\"schemas\":[\""
                + DEVICE
                + "\"],\"serialNumber\":\"SN-F\",\"assetTag\":\"AT-F\",\"storageGb\":64,\"retired\":false,\"tags\":[\"x\",\"y\"]}"),
        new Target(
            "PATCH",
            alice,
            "{\"schemas\":[\""
                + PATCH_OP
                + "\"],\"Operations\":[{\"op\":\"replace\",\"value\":{\"active\":false}}]}"),
        new Target(
            "PATCH",
            bob,
            "{\"schemas\":[\""
                + PATCH_OP
                + "\"],\"Operations\":["
                + "{\"op\":\"Replace\",\"path\":\"active\",\"value\":\"False\"},"
                + "{\"op\":\"Add\",\"path\":\"emails[type eq \\\"work\\\"].value\",\"value\":\"b@x.com\"},"
                + "{\"op\":\"Add\",\"path\":\""
                + ENTERPRISE_USER
                + ":manager\",\"value\":\""
                + seeded.alice()
                + "\"},"
                + "{\"op\":\"Replace\",\"path\":\"name.givenName\",\"value\":\"Bobby\"}]}"),
        new Target(
            "PATCH",
            grp,
            "{\"schemas\":[\""
                + PATCH_OP
                + "\"],\"Operations\":["
                + "{\"op\":\"add\",\"path\":\"members\",\"value\":[{\"value\":\""
                + seeded.bob()
                + "\",\"display\":\"Bob\"}]},"
                + "{\"op\":\"remove\",\"path\":\"members[value eq \\\""
                + seeded.bob()
                + "\\\"]\"},"
                + "{\"op\":\"Remove\",\"path\":\"members\",\"value\":[{\"value\":\""
                + seeded.bob()
                + "\"}]}]}"),
        new Target(
            "PATCH",
            dev,
            "{\"schemas\":[\""
                + PATCH_OP
                + "\"],\"Operations\":[{\"op\":\"add\",\"path\":\"tags\",\"value\":[\"z\"]},{\"op\":\"replace\",\"path\":\"storageGb\",\"value\":128}]}"),
        new Target(
            "POST",
            "/scim/v2/Bulk",
            "{\"schemas\":[\""
                + BULK_REQUEST
                + "\"],\"failOnErrors\":1,\"Operations\":["
                + "{\"method\":\"POST\",\"path\":\"/Users\",\"bulkId\":\"u1\",\"data\":{\"schemas\":[\""
                + USER
                + "\"],\"userName\":\"fuzz-bulk\"}},"
                + "{\"method\":\"POST\",\"path\":\"/Groups\",\"bulkId\":\"g1\",\"data\":{\"schemas\":[\""
                + GROUP
                + "\"],\"displayName\":\"FB\",\"members\":[{\"value\":\"bulkId:u1\"}]}},"
                + "{\"method\":\"PATCH\",\"path\":\"/Users/"
                + seeded.alice()
                + "\",\"version\":\"W/\\\"1\\\"\",\"data\":{\"schemas\":[\""
                + PATCH_OP
                + "\"],\"Operations\":[{\"op\":\"replace\",\"path\":\"title\",\"value\":\"t\"}]}},"
                + "{\"method\":\"DELETE\",\"path\":\"/Groups/bulkId:g1\"}]}"),
        new Target(
            "POST",
            "/scim/v2/Users/.search",
            "{\"schemas\":[\""
                + SEARCH_REQUEST
                + "\"],\"filter\":\"userName eq \\\"alice\\\" or emails[type eq \\\"work\\\" and value co \\\"@\\\"]\",\"sortBy\":\"meta.lastModified\",\"sortOrder\":\"descending\",\"startIndex\":1,\"count\":10,\"attributes\":[\"userName\",\"emails.value\"]}"),
        new Target(
            "POST",
            "/scim/v2/.search",
            "{\"schemas\":[\""
                + SEARCH_REQUEST
                + "\"],\"filter\":\"meta.resourceType eq \\\"Group\\\"\",\"excludedAttributes\":[\"members\"],\"cursor\":\"\",\"count\":5}"));
  }

  static final String[] ODD_STRINGS = {
    "",
    " ",
    "NaN",
    "Infinity",
    "-Infinity",
    "-0",
    "1e5",
    "0x10",
    "null",
    "true",
    "False",
    "\u0000",
    "\uD800",
    "\uFFFF",
    "\u202Eevil",
    "é",
    "𝄞",
    "a\"b",
    "a\\b",
    "%00",
    "%zz",
    "../../etc",
    "<script>",
    "' OR 1=1 --",
    "bulkId:",
    "bulkId:nope",
    "bulkId:u1",
    "urn:ietf:params:scim:schemas:core:2.0:User:",
    "\t\n",
    "W/\"1\"",
    "*",
  };

  static final String[] ODD_OPS = {
    "", "ADD ", "aDd", "move", "copy", "test", "replace\u0000", "Remove", "REPLACE", "delete"
  };

  static final String[] ODD_PATHS = {
    "",
    "[",
    "]",
    "emails[",
    "emails[]",
    "emails[type eq]",
    "emails[type eq \"work\"",
    "emails[type eq \"work\"]]",
    "emails[type eq \"work\"].",
    "emails[type eq \"work\"][value pr]",
    "name.",
    ".name",
    "name..givenName",
    "members[value eq \"\\\"\"]",
    "members[value eq 'x']",
    "urn:",
    USER,
    "urn:ietf:params:scim:schemas:core:2.0:User:",
    USER + ":name.givenName",
    ENTERPRISE_USER + ":manager.value",
    ENTERPRISE_USER + ":nope",
    "urn:x:y:z",
    "meta.version",
    "id",
    "schemas",
    "members[not (value pr)]",
    "emails[primary eq true].display",
    "x".repeat(5000),
    "a.b.c.d",
    "emails[value co \"\u0000\"]",
    "addresses[type eq \"work\"].streetAddress",
    "phoneNumbers[value sw \"+\" or type eq \"mobile\"]",
    "groups[value eq \"x\"]",
  };

  static final String[] HUGE_NUMBERS = {
    "1e999999999",
    "-1e999999999",
    "123456789012345678901234567890",
    "1E-400",
    "-0",
    "0.0",
    "3.0",
    "9223372036854775808",
    "-9223372036854775809",
    "1" + "0".repeat(5000),
    "0." + "0".repeat(5000) + "1",
    "1e-999999999",
  };

  /** Every container node of {@code n} with its own path, depth first. */
  static void containers(JsonNode n, List<JsonNode> out) {
    if (n.isContainerNode()) {
      out.add(n);
      for (JsonNode c : n) {
        containers(c, out);
      }
    }
  }

  static JsonNode oddValue(Random r) {
    return switch (r.nextInt(10)) {
      case 0 -> F.textNode(ODD_STRINGS[r.nextInt(ODD_STRINGS.length)]);
      case 1 -> F.numberNode(r.nextLong());
      case 2 -> F.numberNode(r.nextDouble() * 1e300);
      case 3 -> F.booleanNode(r.nextBoolean());
      case 4 -> F.nullNode();
      case 5 -> F.arrayNode().add(F.textNode("x")).add(F.objectNode());
      case 6 -> F.objectNode().put("value", ODD_STRINGS[r.nextInt(ODD_STRINGS.length)]);
      case 7 -> F.textNode(randomUnicode(r, 1 + r.nextInt(40)));
      case 8 -> F.textNode(ODD_PATHS[r.nextInt(ODD_PATHS.length)]);
      default -> F.arrayNode();
    };
  }

  static String randomUnicode(Random r, int n) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < n; i++) {
      int cp =
          switch (r.nextInt(4)) {
            case 0 -> r.nextInt(0x80);
            case 1 -> r.nextInt(0x800);
            case 2 -> r.nextInt(0xD800);
            default -> 0x10000 + r.nextInt(0x10FFFF - 0x10000);
          };
      b.appendCodePoint(cp);
    }
    return b.toString();
  }

  static String pick(Random r, Iterator<String> names, int size) {
    int k = r.nextInt(Math.max(1, size));
    String name = null;
    for (int i = 0; i <= k && names.hasNext(); i++) {
      name = names.next();
    }
    return name;
  }

  /** One structural mutation of a random container of {@code root}, in place. */
  static void mutate(JsonNode root, Random r) {
    List<JsonNode> nodes = new ArrayList<>();
    containers(root, nodes);
    JsonNode target = nodes.get(r.nextInt(nodes.size()));
    if (target instanceof ObjectNode o && !o.isEmpty()) {
      String key = pick(r, o.fieldNames(), o.size());
      switch (r.nextInt(9)) {
        case 0 -> o.remove(key);
        case 1 -> o.set(key, oddValue(r));
        case 2 -> o.set(key, nest(o.get(key), 10 + r.nextInt(200), r));
        case 3 -> o.set(randomCase(key, r), o.get(key));
        case 4 ->
            o.set(key.equals("op") ? key : "op", F.textNode(ODD_OPS[r.nextInt(ODD_OPS.length)]));
        case 5 -> o.put("path", ODD_PATHS[r.nextInt(ODD_PATHS.length)]);
        case 6 ->
            o.set(
                key,
                TestServer.JSON
                    .getNodeFactory()
                    .numberNode(
                        new java.math.BigDecimal(HUGE_NUMBERS[r.nextInt(HUGE_NUMBERS.length)])));
        case 7 -> o.set(randomUnicode(r, 1 + r.nextInt(8)), oddValue(r));
        default ->
            o.set(
                key,
                o.get(key).isArray()
                    ? F.arrayNode().add(o.get(key))
                    : F.arrayNode().add(oddValue(r)));
      }
    } else if (target instanceof ArrayNode a) {
      switch (r.nextInt(4)) {
        case 0 -> a.add(oddValue(r));
        case 1 -> {
          if (!a.isEmpty()) {
            a.add(a.get(r.nextInt(a.size())).deepCopy());
          }
        }
        case 2 -> {
          if (!a.isEmpty()) {
            a.remove(r.nextInt(a.size()));
          }
        }
        default -> a.insert(0, F.nullNode());
      }
    } else if (target instanceof ObjectNode o) {
      o.set("value", oddValue(r));
    }
  }

  static JsonNode nest(JsonNode inner, int depth, Random r) {
    JsonNode n = inner;
    boolean arrays = r.nextBoolean();
    for (int i = 0; i < depth; i++) {
      n = arrays ? F.arrayNode().add(n) : F.objectNode().set("value", n);
    }
    return n;
  }

  static String randomCase(String s, Random r) {
    StringBuilder b = new StringBuilder();
    for (char c : s.toCharArray()) {
      b.append(r.nextBoolean() ? Character.toUpperCase(c) : Character.toLowerCase(c));
    }
    return b.toString();
  }

  /** One text-level mutation: truncation, a duplicated key, an inserted character, deep nesting. */
  static String mutateText(String s, Random r) {
    return switch (r.nextInt(5)) {
      case 0 -> s.substring(0, r.nextInt(s.length()));
      case 1 -> {
        int at = s.indexOf("\":");
        int start = at < 0 ? -1 : s.lastIndexOf('"', at - 1);
        if (start < 0) {
          yield s;
        }
        int brace = s.indexOf('{');
        String key = s.substring(start, at + 2);
        yield s.substring(0, brace + 1) + key + "\"dup\"," + s.substring(brace + 1);
      }
      case 2 -> {
        int at = r.nextInt(s.length());
        yield s.substring(0, at) + "\",[]{}:\\\u0000é".charAt(r.nextInt(10)) + s.substring(at);
      }
      case 3 -> "[".repeat(1000 + r.nextInt(3000)) + s;
      default -> s.replace("\"value\"", "\"value\":1,\"value\"");
    };
  }

  @Property(tries = 400, shrinking = ShrinkingMode.OFF)
  void mutatedBodies_answerWellFormedScimAndA4xxChangesNothing(@ForAll long seed) {
    Random r = new Random(seed);
    List<Target> seeds = seeds();
    Target t = seeds.get(r.nextInt(seeds.size()));
    String body;
    if (r.nextInt(5) == 0) {
      body = mutateText(t.body(), r);
    } else {
      JsonNode root = json(t.body());
      int n = 1 + r.nextInt(4);
      for (int i = 0; i < n; i++) {
        mutate(root, r);
      }
      body = root.toString();
    }
    check(t.method(), t.path(), body, authorized());
  }

  // ---------------------------------------------------------------- query strings

  static final String[] FILTER_TOKENS = {
    "userName",
    "emails",
    "emails.value",
    "members",
    "members.value",
    "meta.lastModified",
    "name.givenName",
    USER + ":userName",
    ENTERPRISE_USER + ":manager.value",
    "serialNumber",
    "storageGb",
    "retired",
    "id",
    "externalId",
    "active",
    "nope",
    "x.y.z",
    "eq",
    "ne",
    "co",
    "sw",
    "ew",
    "gt",
    "ge",
    "lt",
    "le",
    "pr",
    "EQ",
    "and",
    "or",
    "not",
    "AND",
    "(",
    ")",
    "[",
    "]",
    "\"alice\"",
    "\"\"",
    "\"a\\\"b\"",
    "\"\\u0000\"",
    "\"2011-05-13T04:42:34Z\"",
    "\"not-a-date\"",
    "true",
    "false",
    "null",
    "42",
    "-1.5e300",
    "1e999999999",
    "123456789012345678901234567890",
    "'x'",
    "\"",
    "\\",
    "%",
  };

  static String randomFilter(Random r) {
    int n = 1 + r.nextInt(8);
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < n; i++) {
      b.append(i == 0 ? "" : " ").append(FILTER_TOKENS[r.nextInt(FILTER_TOKENS.length)]);
    }
    if (r.nextInt(6) == 0) {
      b.insert(0, "(".repeat(r.nextInt(2000)));
    }
    return b.toString();
  }

  static final String[] PERCENT_GARBAGE = {
    "%",
    "%z",
    "%zz",
    "%C3%28",
    "%ED%A0%80",
    "%FF",
    "%00",
    "+",
    "%2",
    "%%",
    "&",
    "=",
    "&&=",
    "%E2%82"
  };

  static String encode(String s, Random r) {
    StringBuilder b = new StringBuilder();
    for (byte x : s.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
      int c = x & 0xff;
      if (c > 0x20 && c < 0x7f && "%&=+#? \"<>\\^`{|}[]".indexOf(c) < 0 && r.nextInt(4) != 0) {
        b.append((char) c);
      } else {
        b.append('%')
            .append("0123456789ABCDEF".charAt(c >> 4))
            .append("0123456789ABCDEF".charAt(c & 15));
      }
    }
    if (r.nextInt(8) == 0) {
      b.insert(r.nextInt(b.length() + 1), PERCENT_GARBAGE[r.nextInt(PERCENT_GARBAGE.length)]);
    }
    return b.toString();
  }

  static String param(Random r) {
    return switch (r.nextInt(9)) {
      case 0, 1, 2 -> "filter=" + encode(randomFilter(r), r);
      case 3 ->
          "sortBy="
              + encode(
                  r.nextBoolean()
                      ? FILTER_TOKENS[r.nextInt(17)]
                      : ODD_PATHS[r.nextInt(ODD_PATHS.length)],
                  r);
      case 4 ->
          "sortOrder="
              + encode(
                  ODD_STRINGS[r.nextInt(ODD_STRINGS.length)]
                      + (r.nextBoolean() ? "ascending" : "DESCENDING"),
                  r);
      case 5 ->
          (r.nextBoolean() ? "attributes=" : "excludedAttributes=")
              + encode(
                  FILTER_TOKENS[r.nextInt(17)] + "," + ODD_PATHS[r.nextInt(ODD_PATHS.length)], r);
      case 6 ->
          (r.nextBoolean() ? "startIndex=" : "count=")
              + encode(
                  r.nextBoolean()
                      ? Long.toString(r.nextLong() >> r.nextInt(64))
                      : HUGE_NUMBERS[r.nextInt(HUGE_NUMBERS.length)],
                  r);
      case 7 ->
          "cursor="
              + encode(
                  r.nextBoolean()
                      ? randomUnicode(r, r.nextInt(30))
                      : ODD_STRINGS[r.nextInt(ODD_STRINGS.length)],
                  r);
      default ->
          PERCENT_GARBAGE[r.nextInt(PERCENT_GARBAGE.length)] + encode(randomUnicode(r, 3), r);
    };
  }

  static final String[] LIST_PATHS = {
    "/scim/v2/Users",
    "/scim/v2/Groups",
    "/scim/v2/Devices",
    "/scim/v2",
    "/scim/v2/",
    "/scim/v2/users",
    "/scim/v2/ResourceTypes",
    "/scim/v2/Schemas",
    "/scim/v2/ServiceProviderConfig",
  };

  @Property(tries = 400, shrinking = ShrinkingMode.OFF)
  void randomQueryStrings_answerWellFormedScim(@ForAll long seed) {
    Random r = new Random(seed);
    List<String> params = new ArrayList<>();
    int n = 1 + r.nextInt(4);
    for (int i = 0; i < n; i++) {
      params.add(param(r));
    }
    String path =
        r.nextInt(5) == 0
            ? "/scim/v2/Users/" + seeded.alice()
            : LIST_PATHS[r.nextInt(LIST_PATHS.length)];
    Raw a = check("GET", path + "?" + String.join("&", params), null, authorized());
    if (a.status() == 200 && path.equals("/scim/v2/Users")) {
      JsonNode list = json(a.body());
      assertThat(list.path("totalResults").isIntegralNumber()).as(a.toString()).isTrue();
    }
  }

  // ---------------------------------------------------------------- headers

  static final String[] IF_MATCH = {
    "*",
    "W/\"1\"",
    "W/\"999999999999999999999999\"",
    "\"1\"",
    "W/",
    "W/\"",
    "\"",
    "garbage",
    "W/\"-1\"",
    "W/\"1\", W/\"2\"",
    "W/\"abc\"",
    ",",
    "W/\"1\"x",
    "W/\"\u00e9\"",
    "",
    " ",
    "W/\"" + "9".repeat(5000) + "\"",
  };

  static final String[] CONTENT_TYPES = {
    "application/scim+json",
    "application/json; charset=utf-8",
    "text/plain",
    "application/xml",
    "application/scim+json; charset=latin1",
    "multipart/form-data; boundary=x",
    "",
    ";",
    "application/",
    "*/*",
    "application/json;;;",
    "APPLICATION/SCIM+JSON",
    "application/x-www-form-urlencoded",
    "application/json; charset=\"utf-16\"",
  };

  static final String[] AUTH = {
    "Bearer " + TestServer.TOKEN,
    "bearer " + TestServer.TOKEN,
    "Bearer  " + TestServer.TOKEN,
    "Bearer",
    "Bearer ",
    "Basic dXNlcjpwYXNz",
    "Bearer " + TestServer.TOKEN + "x",
    "Bearer " + "a".repeat(6000),
    "Token " + TestServer.TOKEN,
    "",
    "Bearer \u00e9\u00e9",
    "Bearer " + TestServer.TOKEN + " extra",
    "Bearer\t" + TestServer.TOKEN,
    "Negotiate",
    "Bearer ,",
  };

  static final String[] METHODS = {
    "GET", "PUT", "PATCH", "DELETE", "POST", "OPTIONS", "FOO", "get"
  };

  @Property(tries = 300, shrinking = ShrinkingMode.OFF)
  void randomHeaders_answerWellFormedScimAndA4xxChangesNothing(@ForAll long seed) {
    Random r = new Random(seed);
    List<Target> seeds = seeds();
    Target t = seeds.get(r.nextInt(seeds.size()));
    String method = r.nextInt(3) == 0 ? METHODS[r.nextInt(METHODS.length)] : t.method();
    List<String> headers = new ArrayList<>();
    if (r.nextInt(6) != 0) {
      headers.add("Authorization: " + AUTH[r.nextInt(AUTH.length)]);
    }
    if (r.nextInt(4) != 0) {
      headers.add("Content-Type: " + CONTENT_TYPES[r.nextInt(CONTENT_TYPES.length)]);
    }
    if (r.nextBoolean()) {
      headers.add("If-Match: " + IF_MATCH[r.nextInt(IF_MATCH.length)]);
    }
    if (r.nextInt(4) == 0) {
      headers.add("If-None-Match: " + IF_MATCH[r.nextInt(IF_MATCH.length)]);
    }
    if (r.nextInt(5) == 0) {
      headers.add("Accept: " + CONTENT_TYPES[r.nextInt(CONTENT_TYPES.length)]);
    }
    String body = method.equals("GET") || method.equals("DELETE") ? null : t.body();
    check(method, t.path(), body, headers);
  }

  /** The headers Jetty parses itself (X-Forwarded-*, Host) must not break Location either. */
  @Property(tries = 100, shrinking = ShrinkingMode.OFF)
  void oddForwardingHeaders_answerWellFormedScim(@ForAll long seed) {
    Random r = new Random(seed);
    String[] forwarded = {
      "X-Forwarded-Host: "
          + ODD_STRINGS[r.nextInt(ODD_STRINGS.length)].replaceAll("[\\r\\n\\u0000]", ""),
      "X-Forwarded-Proto: " + (r.nextBoolean() ? "https" : "gopher"),
      "X-Forwarded-Port: " + (r.nextBoolean() ? "99999" : "-1"),
      "Forwarded: for=\"[::1" + (r.nextBoolean() ? "]\"" : ";host=x"),
    };
    List<String> headers = authorized(forwarded[r.nextInt(forwarded.length)]);
    check("POST", "/scim/v2/Users", Seeded.oktaUser("fwd-" + Long.toHexString(seed)), headers);
  }
}
