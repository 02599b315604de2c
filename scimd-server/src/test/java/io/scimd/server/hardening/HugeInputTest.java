package io.scimd.server.hardening;

import static io.scimd.core.schema.SchemaUrns.BULK_REQUEST;
import static io.scimd.core.schema.SchemaUrns.GROUP;
import static io.scimd.core.schema.SchemaUrns.PATCH_OP;
import static io.scimd.core.schema.SchemaUrns.USER;
import static io.scimd.server.http.TestServer.abbreviate;
import static io.scimd.server.http.TestServer.assertWellFormed;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.scimd.server.ServerConfig;
import io.scimd.server.http.TestServer;
import io.scimd.server.service.ServiceConfig;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Bodies that are too big, too deep or too long: each answers its SCIM error, fast, and changes
 * nothing.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HugeInputTest {
  TestServer server;
  Seeded seeded;

  @BeforeAll
  void start() throws Exception {
    // What this class proves is that the parsers and the PATCH engine hold beyond any sensible
    // input: the request limits that stop such input first (RequestLimitsTest) are raised past it.
    ServerConfig config =
        TestServer.config()
            .withSchemas(Path.of(HugeInputTest.class.getResource("/schemas/harden").toURI()));
    ServiceConfig service = config.service();
    server =
        TestServer.start(
            config.withService(
                service.withRequestLimits(
                    service.maxPageSize(),
                    service.maxPayloadSize(),
                    service.bulkMaxOperations(),
                    100_000,
                    1_000_000,
                    service.maxFilterDepth())));
    seeded = Seeded.into(server);
  }

  @AfterAll
  void stop() {
    server.close();
  }

  /**
   * Announces 10 MB, sends only 64 KB, and must get the 413 without the server waiting for the
   * rest.
   */
  @Test
  void tenMegabyteBody_answers413WithoutReadingIt() throws Exception {
    String before = server.snapshot();
    long started = System.nanoTime();
    try (Socket s = server.connect()) {
      s.setSoTimeout(5_000);
      OutputStream out = s.getOutputStream();
      out.write(
          ("POST /scim/v2/Users HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
                  + TestServer.TOKEN
                  + "\r\nContent-Type: application/scim+json\r\nContent-Length: 10485760\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.write(("{\"userName\":\"" + "x".repeat(64 * 1024)).getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      String head = new String(in.readNBytes(12), StandardCharsets.US_ASCII);
      assertThat(head).isEqualTo("HTTP/1.1 413");
    }
    assertThat((System.nanoTime() - started) / 1_000_000).as("ms to answer").isLessThan(3_000);
    assertThat(server.snapshot()).isEqualTo(before);
  }

  /** A body somewhat over the limit, sent whole by an ordinary client, gets its 413 every time. */
  @Test
  void bodyOverTheLimit_answers413ReliablyToAClientThatSendsItAll() {
    String before = server.snapshot();
    String big = "{\"schemas\":[\"" + USER + "\"],\"userName\":\"" + "y".repeat(2_000_000) + "\"}";
    for (int i = 0; i < 20; i++) {
      HttpResponse<String> r = server.send("POST", "/scim/v2/Users", big);
      JsonNode e = assertWellFormed(r);
      assertThat(r.statusCode()).isEqualTo(413);
      assertThat(e.path("detail").asText()).contains("maxPayloadSize");
    }
    assertThat(server.snapshot()).isEqualTo(before);
  }

  @Test
  void jsonNested100000Deep_answers400InvalidSyntax() {
    String before = server.snapshot();
    for (String open : List.of("[", "{\"a\":")) {
      String body =
          "{\"schemas\":[\"" + USER + "\"],\"userName\":\"deep\",\"name\":" + open.repeat(100_000);
      HttpResponse<String> r = server.send("POST", "/scim/v2/Users", body);
      JsonNode e = assertWellFormed(r);
      assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
      assertThat(e.path("scimType").asText()).isEqualTo("invalidSyntax");
      assertThat(e.path("detail").asText()).as(r.body()).containsIgnoringCase("nesting depth");
    }
    assertThat(server.snapshot()).isEqualTo(before);
  }

  /**
   * Nesting within the parser's limit reaches the validator, and nesting inside JSON text (which
   * the PATCH engine reads for Entra's roles) reaches the PATCH engine: still a 400, no overflow.
   */
  @Test
  void nestingUnderTheParserLimit_answers400InvalidValue() {
    String before = server.snapshot();
    HttpResponse<String> post =
        server.send(
            "POST",
            "/scim/v2/Users",
            "{\"schemas\":[\""
                + USER
                + "\"],\"userName\":\"deep\",\"emails\":"
                + "[".repeat(60)
                + "]".repeat(60)
                + "}");
    JsonNode e = assertWellFormed(post);
    assertThat(post.statusCode()).as(post.body()).isEqualTo(400);
    assertThat(e.path("scimType").asText()).isEqualTo("invalidValue");
    String deep = "[".repeat(900) + "]".repeat(900);
    HttpResponse<String> patch =
        server.send(
            "PATCH",
            "/scim/v2/Users/" + seeded.alice(),
            "{\"schemas\":[\""
                + PATCH_OP
                + "\"],\"Operations\":[{\"op\":\"add\",\"path\":\"roles\",\"value\":\""
                + deep
                + "\"}]}");
    assertWellFormed(patch);
    assertThat(patch.statusCode()).as(patch.body()).isEqualTo(400);
    assertThat(server.snapshot()).isEqualTo(before);
  }

  /** A string of a million characters fits maxPayloadSize and is stored and read back whole. */
  @Test
  void oneMegabyteString_isStoredAndReadBack() {
    String title = "t".repeat(1_000_000);
    HttpResponse<String> r =
        server.send(
            "PATCH",
            "/scim/v2/Users/" + seeded.bob(),
            "{\"schemas\":[\""
                + PATCH_OP
                + "\"],\"Operations\":[{\"op\":\"replace\",\"path\":\"title\",\"value\":\""
                + title
                + "\"}]}");
    assertWellFormed(r);
    assertThat(r.statusCode()).as(abbreviate(r.body())).isEqualTo(200);
    HttpResponse<String> get =
        server.send("GET", "/scim/v2/Users/" + seeded.bob() + "?attributes=title", null);
    assertThat(TestServer.json(get).path("title").asText()).isEqualTo(title);
  }

  /**
   * 10,000 operations in one PATCH fit maxPayloadSize; they apply as one change, in well under the
   * timeout.
   */
  @Test
  void tenThousandPatchOperations_applyAtomically() {
    StringBuilder ops = new StringBuilder();
    for (int i = 0; i < 10_000; i++) {
      ops.append(i == 0 ? "" : ",")
          .append("{\"op\":\"replace\",\"path\":\"nickName\",\"value\":\"n")
          .append(i)
          .append("\"}");
    }
    String body = "{\"schemas\":[\"" + PATCH_OP + "\"],\"Operations\":[" + ops + "]}";
    long started = System.nanoTime();
    HttpResponse<String> r = server.send("PATCH", "/scim/v2/Users/" + seeded.alice(), body);
    assertWellFormed(r);
    assertThat(r.statusCode()).as(abbreviate(r.body())).isEqualTo(200);
    assertThat(TestServer.json(r).path("nickName").asText()).isEqualTo("n9999");
    assertThat((System.nanoTime() - started) / 1_000_000).as("ms").isLessThan(5_000);

    String before = server.snapshot();
    String failing =
        body.replace("]}", ",{\"op\":\"replace\",\"path\":\"active\",\"value\":\"maybe\"}]}");
    HttpResponse<String> f = server.send("PATCH", "/scim/v2/Users/" + seeded.alice(), failing);
    JsonNode e = assertWellFormed(f);
    assertThat(f.statusCode()).isEqualTo(400);
    assertThat(e.path("detail").asText()).contains("Operations[10000]");
    assertThat(server.snapshot()).isEqualTo(before);
  }

  /**
   * A bulkId cycle through 1,000 operations: the first operation's error names the cycle, ten of
   * its bulkIds at most, and every other one points there. It used to repeat the whole cycle in
   * each of the 1,000 errors: 15 MB from a 100 KB request.
   */
  @Test
  void bulkIdCycleOfAThousandOperations_isNamedOnce_andTheAnswerStaysInProportion() {
    String before = server.snapshot();
    StringBuilder ops = new StringBuilder();
    for (int i = 0; i < 1000; i++) {
      ops.append(i == 0 ? "" : ",")
          .append("{\"method\":\"POST\",\"path\":\"/Groups\",\"bulkId\":\"c")
          .append(i)
          .append("\",\"data\":{\"schemas\":[\"")
          .append(GROUP)
          .append("\"],\"displayName\":\"C")
          .append(i)
          .append("\",\"members\":[{\"value\":\"bulkId:c")
          .append((i + 1) % 1000)
          .append("\"}]}}");
    }
    String body = "{\"schemas\":[\"" + BULK_REQUEST + "\"],\"Operations\":[" + ops + "]}";
    HttpResponse<String> r = server.send("POST", "/scim/v2/Bulk", body);
    JsonNode results = assertWellFormed(r).path("Operations");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(results).hasSize(1000);
    assertThat(results.get(0).at("/response/detail").asText())
        .startsWith("circular bulkId references: bulkId:c0 -> bulkId:c1 -> ")
        .endsWith("bulkId:c9 -> \u2026 (990 more) -> bulkId:c0");
    for (int i = 1; i < 1000; i++) {
      assertThat(results.get(i).path("status").asText()).isEqualTo("409");
      assertThat(results.get(i).at("/response/detail").asText())
          .isEqualTo(
              "bulkId:c"
                  + i
                  + " is on a circular bulkId reference of 1000 operations, which the error of bulkId:c0 names");
    }
    assertThat(r.body().length())
        .as("response bytes for a request of " + body.length())
        .isLessThan(2 * body.length());
    assertThat(server.snapshot()).isEqualTo(before);
  }

  /** One place where an error quoted client input whole, with 100,000 characters there. */
  record Echo(String name, String method, String path, String body, int status, String scimType) {
    @Override
    public String toString() {
      return name;
    }
  }

  static List<Echo> echoes(String alice) {
    String x = "x".repeat(100_000);
    String patch =
        "{\"schemas\":[\""
            + PATCH_OP
            + "\"],\"Operations\":[{\"op\":\"replace\",\"path\":\"%s\",\"value\":\"v\"}]}";
    String bulk = "{\"schemas\":[\"" + BULK_REQUEST + "\"],\"Operations\":[%s]}";
    return List.of(
        new Echo(
            "PATCH path, malformed",
            "PATCH",
            "/scim/v2/Users/" + alice,
            patch.formatted(x + "["),
            400,
            "invalidPath"),
        new Echo(
            "PATCH path, unknown attribute",
            "PATCH",
            "/scim/v2/Users/" + alice,
            patch.formatted(x),
            400,
            "invalidPath"),
        new Echo(
            "filter attribute",
            "POST",
            "/scim/v2/Users/.search",
            "{\"filter\":\"" + x + " eq 1\"}",
            400,
            "invalidFilter"),
        new Echo(
            "filter sub-attribute",
            "POST",
            "/scim/v2/Users/.search",
            "{\"filter\":\"name.1" + x + " eq 1\"}",
            400,
            "invalidFilter"),
        new Echo(
            "sortBy",
            "POST",
            "/scim/v2/Users/.search",
            "{\"sortBy\":\"" + x + "\"}",
            400,
            "invalidPath"),
        new Echo(
            "sortOrder",
            "POST",
            "/scim/v2/Users/.search",
            "{\"sortOrder\":\"" + x + "\"}",
            400,
            "invalidValue"),
        new Echo(
            "count",
            "POST",
            "/scim/v2/Users/.search",
            "{\"count\":\"" + x + "\"}",
            400,
            "invalidValue"),
        new Echo(
            "unknown attribute (40,000 characters: the JSON parser's limit for a name)",
            "POST",
            "/scim/v2/Users",
            "{\"schemas\":[\""
                + USER
                + "\"],\"userName\":\"echo\",\""
                + "k".repeat(40_000)
                + "\":1}",
            400,
            "invalidValue"),
        new Echo(
            "bulk method",
            "POST",
            "/scim/v2/Bulk",
            bulk.formatted("{\"method\":\"" + x + "\",\"path\":\"/Users\"}"),
            400,
            "invalidSyntax"),
        new Echo(
            "bulk path",
            "POST",
            "/scim/v2/Bulk",
            bulk.formatted("{\"method\":\"DELETE\",\"path\":\"/Users/" + x + "/y\"}"),
            400,
            "invalidPath"),
        new Echo(
            "bulk id",
            "POST",
            "/scim/v2/Bulk",
            bulk.formatted("{\"method\":\"DELETE\",\"path\":\"/Users/" + x + "\"}"),
            404,
            null),
        new Echo(
            "bulk bulkId reference",
            "POST",
            "/scim/v2/Bulk",
            bulk.formatted("{\"method\":\"DELETE\",\"path\":\"/Users/bulkId:" + x + "\"}"),
            400,
            "invalidValue"));
  }

  @Test
  void hugeBadInput_isQuotedShortInTheError() {
    String before = server.snapshot();
    for (Echo c : echoes(seeded.alice())) {
      HttpResponse<String> r = server.send(c.method(), c.path(), c.body());
      JsonNode out = assertWellFormed(r);
      JsonNode error =
          c.path().endsWith("/Bulk") ? out.path("Operations").path(0).path("response") : out;
      String what = c.name() + ": " + abbreviate(r.body());
      assertThat(error.path("status").asText()).as(what).isEqualTo(Integer.toString(c.status()));
      assertThat(error.path("scimType").asText(null)).as(what).isEqualTo(c.scimType());
      // Quoted short where the input is named ("xxx…" (100000 characters)); the validator's names
      // are cut by the last-resort cap on the length of a detail (kkk… (N characters)).
      assertThat(error.path("detail").asText())
          .as(what)
          .containsPattern("xxx\u2026\" \\(|kkk\u2026 \\(");
      assertThat(r.body().length()).as(what).isLessThan(1_500);
    }
    // What headers and the request line carry is bounded by the HTTP limits; still quoted short.
    String id = "u".repeat(6_000);
    HttpResponse<String> get = server.send("GET", "/scim/v2/Users/" + id, null);
    assertThat(get.statusCode()).isEqualTo(404);
    assertThat(get.body().length()).isLessThan(1_000);
    HttpResponse<String> stale =
        server.send(
            "PUT",
            "/scim/v2/Users/" + seeded.alice(),
            Seeded.oktaUser("alice"),
            "If-Match",
            "W/\"" + "9".repeat(6_000) + "\"");
    assertThat(stale.statusCode()).isEqualTo(412);
    assertThat(stale.body().length()).isLessThan(1_000);
    assertThat(server.snapshot()).isEqualTo(before);
  }
}
