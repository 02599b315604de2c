package io.scimd.server.hardening;

import static io.scimd.core.schema.SchemaUrns.PATCH_OP;
import static io.scimd.core.schema.SchemaUrns.USER;
import static io.scimd.server.http.TestServer.abbreviate;
import static io.scimd.server.http.TestServer.assertWellFormed;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.scimd.server.http.TestServer;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Bodies that are too big, too deep or too long: each answers its SCIM error, fast, and changes nothing. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HugeInputTest {
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

  /** Announces 10 MB, sends only 64 KB, and must get the 413 without the server waiting for the rest. */
  @Test
  void tenMegabyteBody_answers413WithoutReadingIt() throws Exception {
    String before = server.snapshot();
    long started = System.nanoTime();
    try (Socket s = server.connect()) {
      s.setSoTimeout(5_000);
      OutputStream out = s.getOutputStream();
      out.write(
          ("POST /scim/v2/Users HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + TestServer.TOKEN
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
      String body = "{\"schemas\":[\"" + USER + "\"],\"userName\":\"deep\",\"name\":" + open.repeat(100_000);
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
        server.send("POST", "/scim/v2/Users", "{\"schemas\":[\"" + USER + "\"],\"userName\":\"deep\",\"emails\":" + "[".repeat(60) + "]".repeat(60) + "}");
    JsonNode e = assertWellFormed(post);
    assertThat(post.statusCode()).as(post.body()).isEqualTo(400);
    assertThat(e.path("scimType").asText()).isEqualTo("invalidValue");
    String deep = "[".repeat(900) + "]".repeat(900);
    HttpResponse<String> patch =
        server.send(
            "PATCH",
            "/scim/v2/Users/" + seeded.alice(),
            "{\"schemas\":[\"" + PATCH_OP + "\"],\"Operations\":[{\"op\":\"add\",\"path\":\"roles\",\"value\":\"" + deep + "\"}]}");
    assertWellFormed(patch);
    assertThat(patch.statusCode()).as(patch.body()).isEqualTo(400);
    assertThat(server.snapshot()).isEqualTo(before);
  }

  /** A string of a million characters fits maxPayloadSize and is stored and read back whole. */
  @Test
  void oneMegabyteString_isStoredAndReadBack() {
    String title = "t".repeat(1_000_000);
    HttpResponse<String> r =
        server.send("PATCH", "/scim/v2/Users/" + seeded.bob(),
            "{\"schemas\":[\"" + PATCH_OP + "\"],\"Operations\":[{\"op\":\"replace\",\"path\":\"title\",\"value\":\"" + title + "\"}]}");
    assertWellFormed(r);
    assertThat(r.statusCode()).as(abbreviate(r.body())).isEqualTo(200);
    HttpResponse<String> get = server.send("GET", "/scim/v2/Users/" + seeded.bob() + "?attributes=title", null);
    assertThat(TestServer.json(get).path("title").asText()).isEqualTo(title);
  }

  /** 10,000 operations in one PATCH fit maxPayloadSize; they apply as one change, in well under the timeout. */
  @Test
  void tenThousandPatchOperations_applyAtomically() {
    StringBuilder ops = new StringBuilder();
    for (int i = 0; i < 10_000; i++) {
      ops.append(i == 0 ? "" : ",").append("{\"op\":\"replace\",\"path\":\"nickName\",\"value\":\"n").append(i).append("\"}");
    }
    String body = "{\"schemas\":[\"" + PATCH_OP + "\"],\"Operations\":[" + ops + "]}";
    long started = System.nanoTime();
    HttpResponse<String> r = server.send("PATCH", "/scim/v2/Users/" + seeded.alice(), body);
    assertWellFormed(r);
    assertThat(r.statusCode()).as(abbreviate(r.body())).isEqualTo(200);
    assertThat(TestServer.json(r).path("nickName").asText()).isEqualTo("n9999");
    assertThat((System.nanoTime() - started) / 1_000_000).as("ms").isLessThan(5_000);

    String before = server.snapshot();
    String failing = body.replace("]}", ",{\"op\":\"replace\",\"path\":\"active\",\"value\":\"maybe\"}]}");
    HttpResponse<String> f = server.send("PATCH", "/scim/v2/Users/" + seeded.alice(), failing);
    JsonNode e = assertWellFormed(f);
    assertThat(f.statusCode()).isEqualTo(400);
    assertThat(e.path("detail").asText()).contains("Operations[10000]");
    assertThat(server.snapshot()).isEqualTo(before);
  }
}
