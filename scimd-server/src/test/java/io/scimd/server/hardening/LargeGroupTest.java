package io.scimd.server.hardening;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import io.scimd.server.http.ChildServer;
import io.scimd.server.http.TestServer;
import io.scimd.store.PgTestDatabase;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * A group of {@value #MEMBERS} members, read through the real server in a child JVM with the
 * shipped options ({@code bin/jvm.options}: a 256 MB heap), on both stores (issue 6 §3). The
 * members are written to the response as the store reads them, never all in memory: as a tree they
 * would take several times the heap. Same for a list page of the largest size, whose resources are
 * each written as soon as they are read.
 *
 * <p>The fixture is written in SQL straight into the server's database while it runs: through the
 * API, 1,000,000 users take minutes, and the point here is reading them. The rows are what the
 * store writes (documents as stored, derived columns, the member display).
 */
class LargeGroupTest {
  static final int MEMBERS = 1_000_000;
  static final String GROUP = "everyone";

  /** What each store test does; the subclasses say how rows get in. */
  @TestInstance(TestInstance.Lifecycle.PER_CLASS)
  @TestMethodOrder(MethodOrderer.OrderAnnotation.class) // the PATCH adds a member: it goes last
  abstract static class OnStore {
    ChildServer server;
    String groupId;

    abstract ChildServer start(Path dir) throws Exception;

    abstract Connection connect() throws SQLException;

    /** Inserts users big-0000000.. and their memberships of {@code groupId}, in one transaction. */
    abstract void seed(Connection c, String groupId) throws SQLException;

    @BeforeAll
    void seedAndStart() throws Exception {
      server = start(Files.createTempDirectory("scimd-large-group"));
      HttpResponse<String> created =
          server.send(
              "POST",
              "/scim/v2/Groups",
              "{\"schemas\":[\"urn:ietf:params:scim:schemas:core:2.0:Group\"],\"displayName\":\""
                  + GROUP
                  + "\"}");
      assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
      groupId = TestServer.JSON.readTree(created.body()).path("id").asText();
      try (Connection c = connect()) {
        c.setAutoCommit(false);
        seed(c, groupId);
        c.commit();
      }
    }

    @AfterAll
    void stop() throws Exception {
      if (server != null) {
        server.close();
      }
    }

    @Test
    @Order(1)
    void getOfAMillionMemberGroup_streamsEveryMember_atTheShippedHeap() throws Exception {
      HttpResponse<InputStream> r = server.stream("/scim/v2/Groups/" + groupId);
      assertThat(r.statusCode()).as(server.log()).isEqualTo(200);
      assertThat(r.headers().firstValue("ETag")).isPresent();
      Members m = readGroup(r.body());
      assertThat(m.count).isEqualTo(MEMBERS);
      assertThat(m.first.path("value").asText()).isEqualTo("big-0000000");
      assertThat(m.first.path("display").asText()).isEqualTo("Big 0000000");
      assertThat(m.first.path("type").asText()).isEqualTo("User");
      assertThat(m.first.path("$ref").asText())
          .isEqualTo(server.root + "/scim/v2/Users/big-0000000");
      assertThat(m.last.path("value").asText()).isEqualTo(String.format("big-%07d", MEMBERS - 1));
      assertThat(m.rest)
          .containsEntry("displayName", GROUP)
          .containsEntry("id", groupId)
          .containsKey("meta");
      stillHealthy();
    }

    @Test
    @Order(2)
    void listPageWithTheGroup_andTheLargestPageOfUsers_areWrittenAsTheyAreRead() throws Exception {
      String filter = URLEncoder.encode("displayName eq \"" + GROUP + "\"", StandardCharsets.UTF_8);
      HttpResponse<InputStream> r = server.stream("/scim/v2/Groups?filter=" + filter);
      assertThat(r.statusCode()).as(server.log()).isEqualTo(200);
      try (JsonParser p = TestServer.JSON.createParser(r.body())) {
        assertThat(skipTo(p, "totalResults")).isTrue();
        assertThat(p.nextIntValue(-1)).isEqualTo(1);
        assertThat(skipTo(p, "Resources")).isTrue();
        assertThat(p.nextToken()).isEqualTo(JsonToken.START_ARRAY);
        assertThat(p.nextToken()).isEqualTo(JsonToken.START_OBJECT);
        assertThat(readMembers(p).count).isEqualTo(MEMBERS);
      }
      HttpResponse<String> page = server.send("/scim/v2/Users?count=1000&startIndex=500001");
      JsonNode body = TestServer.assertWellFormed(page);
      assertThat(page.statusCode()).as(page.body()).isEqualTo(200);
      assertThat(body.path("itemsPerPage").asInt()).isEqualTo(1_000);
      JsonNode first = body.path("Resources").get(0);
      assertThat(first.path("userName").asText()).isEqualTo("big0500000");
      assertThat(first.path("groups").get(0).path("value").asText()).isEqualTo(groupId);
      stillHealthy();
    }

    @Test
    @Order(3)
    void addingOneMember_toTheMillionMemberGroup_answers204() throws Exception {
      HttpResponse<String> user = server.send("POST", "/scim/v2/Users", TestServer.user("joiner"));
      String userId = TestServer.JSON.readTree(user.body()).path("id").asText();
      HttpResponse<String> r =
          server.send(
              "PATCH",
              "/scim/v2/Groups/" + groupId,
              TestServer.patchBody(
                  "{\"op\":\"add\",\"path\":\"members\",\"value\":[{\"value\":\""
                      + userId
                      + "\"}]}"));
      assertThat(r.statusCode()).as(r.body()).isEqualTo(204);
      stillHealthy();
    }

    void stillHealthy() throws Exception {
      assertThat(server.isAlive()).as(server.log()).isTrue();
      assertThat(server.send("/health").statusCode()).isEqualTo(200);
      // The bound for 1,000,000 users (LoadRun measures it under load too).
      assertThat(server.peakResidentBytes()).isLessThan(600L << 20);
    }
  }

  @Nested
  class Sqlite extends OnStore {
    Path db;

    @Override
    ChildServer start(Path dir) throws Exception {
      db = dir.resolve("data").resolve("scimd.db");
      return ChildServer.start(
          dir, ChildServer.shippedJvmOptions(), List.of("--data", dir.resolve("data").toString()));
    }

    @Override
    Connection connect() throws SQLException {
      Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
      try (var s = c.createStatement()) {
        s.execute("PRAGMA busy_timeout = 30000");
      }
      return c;
    }

    @Override
    void seed(Connection c, String groupId) throws SQLException {
      run(
          c,
          "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ? - 1)"
              + " INSERT INTO resources (type, id, version, created, last_modified, user_name_folded, display, doc)"
              + " SELECT 'User', printf('big-%07d', i), 1, 1764547200000000, 1764547200000000, printf('big%07d', i),"
              + " printf('Big %07d', i), json_object('userName', printf('big%07d', i), 'displayName', printf('Big %07d', i))"
              + " FROM n",
          MEMBERS);
      run(
          c,
          "INSERT INTO unique_values (tenant, type, attribute, value_folded, id)"
              + " SELECT 'default', 'User', 'userName', user_name_folded, id FROM resources WHERE id LIKE 'big-%'");
      run(
          c,
          "INSERT INTO members (tenant, group_id, member_id, member_type, seq)"
              + " SELECT 'default', ?, id, 'User', seq FROM resources WHERE id LIKE 'big-%' ORDER BY seq",
          groupId);
    }
  }

  @Nested
  class Postgres extends OnStore {
    PgTestDatabase db;

    @Override
    ChildServer start(Path dir) throws Exception {
      db = PgTestDatabase.createOrSkipEachTest();
      return ChildServer.start(dir, ChildServer.shippedJvmOptions(), List.of("--db", db.url()));
    }

    @Override
    Connection connect() throws SQLException {
      return db.connect();
    }

    @Override
    void seed(Connection c, String groupId) throws SQLException {
      run(
          c,
          "INSERT INTO resources (type, id, version, created, last_modified, user_name_folded, display, doc)"
              + " SELECT 'User', 'big-' || lpad(i::text, 7, '0'), 1, 1764547200000000, 1764547200000000,"
              + " 'big' || lpad(i::text, 7, '0'), 'Big ' || lpad(i::text, 7, '0'),"
              + " jsonb_build_object('userName', 'big' || lpad(i::text, 7, '0'), 'displayName', 'Big ' || lpad(i::text, 7, '0'))"
              + " FROM generate_series(0, ? - 1) AS i",
          MEMBERS);
      run(
          c,
          "INSERT INTO unique_values (tenant, type, attribute, value_folded, id)"
              + " SELECT 'default', 'User', 'userName', user_name_folded, id FROM resources WHERE id LIKE 'big-%'");
      run(
          c,
          "INSERT INTO members (tenant, group_id, member_id, member_type)"
              + " SELECT 'default', ?, id, 'User' FROM resources WHERE id LIKE 'big-%' ORDER BY seq",
          groupId);
      run(c, "ANALYZE");
    }

    @Override
    @AfterAll
    void stop() throws Exception {
      super.stop();
      if (db != null) {
        db.close();
      }
    }
  }

  static void run(Connection c, String sql, Object... params) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      for (int i = 0; i < params.length; i++) {
        ps.setObject(i + 1, params[i]);
      }
      ps.execute();
    }
  }

  /** What a streamed read of a group found: its members counted, the first and last kept. */
  static final class Members {
    long count;
    JsonNode first;
    JsonNode last;
    final Map<String, Object> rest = new HashMap<>();
  }

  /** Reads a group from {@code in} without holding its members. */
  static Members readGroup(InputStream in) throws IOException {
    try (JsonParser p = TestServer.JSON.createParser(in)) {
      assertThat(p.nextToken()).isEqualTo(JsonToken.START_OBJECT);
      return readMembers(p);
    }
  }

  /** Reads the rest of the object {@code p} has just entered, counting its members. */
  static Members readMembers(JsonParser p) throws IOException {
    Members m = new Members();
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      p.nextToken();
      if (name.equals("members")) {
        assertThat(p.currentToken()).isEqualTo(JsonToken.START_ARRAY);
        while (p.nextToken() == JsonToken.START_OBJECT) {
          JsonNode member = p.readValueAsTree();
          if (m.first == null) {
            m.first = member;
          }
          m.last = member;
          m.count++;
        }
      } else {
        JsonNode v = p.readValueAsTree();
        m.rest.put(name, v.isTextual() ? v.asText() : v);
      }
    }
    return m;
  }

  /** Advances {@code p} to the value of the next field called {@code name} at any depth. */
  static boolean skipTo(JsonParser p, String name) throws IOException {
    for (JsonToken t = p.nextToken(); t != null; t = p.nextToken()) {
      if (t == JsonToken.FIELD_NAME && p.currentName().equals(name)) {
        return true;
      }
    }
    return false;
  }
}
