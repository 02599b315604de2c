package io.scimd.server.data;

import static io.scimd.server.http.TestServer.SCIM;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scimd.core.schema.SchemaUrns;
import io.scimd.server.Main;
import io.scimd.server.ServerConfig;
import io.scimd.server.http.TestServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code scimd export}, {@code import} and {@code backup} through Main's command line, beside a
 * running server, compared through the SCIM API of servers started on the results. On SQLite here;
 * {@link PostgresExportImportTest} runs the same on PostgreSQL.
 */
class ExportImportTest {
  @TempDir Path tmp;
  ServerConfig config;
  TestServer server;
  final List<TestServer> others = new ArrayList<>();
  String out;
  String err;

  ServerConfig config() throws Exception {
    return TestServer.config();
  }

  /** A second, empty store for an import. */
  ServerConfig emptyConfig() throws Exception {
    return TestServer.config();
  }

  @BeforeEach
  void start() throws Exception {
    config = config();
    server = TestServer.start(config);
  }

  @AfterEach
  void stop() {
    others.forEach(TestServer::close);
    if (server != null) {
      server.close();
    }
  }

  static List<String> storeArgs(ServerConfig c) {
    return c.database() != null
        ? List.of("--db", c.database())
        : List.of("--data", c.dataDir().toString());
  }

  int scimd(ServerConfig on, String... args) {
    StringWriter o = new StringWriter();
    StringWriter e = new StringWriter();
    CommandLine cl = Main.commandLine(Map.of(), s -> {});
    cl.setOut(new PrintWriter(o, true));
    cl.setErr(new PrintWriter(e, true));
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(storeArgs(on));
    int code = cl.execute(all.toArray(String[]::new));
    out = o.toString();
    err = e.toString();
    return code;
  }

  static String user(String userName, String given, boolean active) {
    return "{\"schemas\":[\""
        + SchemaUrns.USER
        + "\"],\"userName\":\""
        + userName
        + "\",\"name\":{\"givenName\":\""
        + given
        + "\"},\"active\":"
        + active
        + ",\"emails\":[{\"type\":\"work\",\"value\":\""
        + userName
        + "@example.com\"}],\"password\":\"secret-Pa55word!\"}";
  }

  /** A directory: users, nested groups with members, an agent with an owner. */
  void seed(TestServer s) {
    TestServer.Client c = s.client();
    String alice = c.create(SCIM + "/Users", user("alice", "Alice", true)).path("id").asText();
    String bob = c.create(SCIM + "/Users", user("bob", "Bob", false)).path("id").asText();
    String carol = c.create(SCIM + "/Users", user("carol", "Carol", true)).path("id").asText();
    String outer = c.createGroup("outer");
    String inner = c.createGroup("inner");
    c.patchOk(
        SCIM + "/Groups/" + outer,
        "{\"op\":\"add\",\"path\":\"members\",\"value\":[{\"value\":\""
            + alice
            + "\"},{\"value\":\""
            + inner
            + "\"}]}");
    c.patchOk(
        SCIM + "/Groups/" + inner,
        "{\"op\":\"add\",\"path\":\"members\",\"value\":[{\"value\":\""
            + bob
            + "\"},{\"value\":\""
            + carol
            + "\"}]}");
    c.create(
        SCIM + "/Agents",
        "{\"schemas\":[\""
            + SchemaUrns.AGENT
            + "\"],\"agentUserName\":\"helper\",\"owners\":[{\"value\":\""
            + alice
            + "\"}]}");
  }

  /** What a server serves, by id, without meta (its times and locations are the server's). */
  static Map<String, JsonNode> served(TestServer s, String endpoint) {
    Map<String, JsonNode> byId = new TreeMap<>();
    for (JsonNode r : s.client().list(SCIM + endpoint + "?count=1000").path("Resources")) {
      ObjectNode o = r.deepCopy();
      o.remove("meta");
      if (o.has("members")) {
        List<String> ids = new ArrayList<>();
        o.path("members").forEach(m -> ids.add(m.path("value").asText()));
        ids.sort(null);
        o.remove("members");
        o.put("memberIds", String.join(",", ids));
      }
      if (o.has("groups")) {
        List<String> ids = new ArrayList<>();
        o.path("groups").forEach(m -> ids.add(m.path("value").asText()));
        ids.sort(null);
        o.remove("groups");
        o.put("groupIds", String.join(",", ids));
      }
      // $ref holds the server's address; the rest must be equal.
      byId.put(
          o.path("id").asText(),
          TestServer.json(o.toString().replace("127.0.0.1:" + s.port(), "SERVER")));
    }
    return byId;
  }

  void assertSameDirectory(TestServer a, TestServer b) {
    for (String endpoint : List.of("/Users", "/Groups", "/Agents")) {
      Map<String, JsonNode> want = served(a, endpoint);
      assertThat(want).as(endpoint).isNotEmpty();
      assertThat(served(b, endpoint)).as(endpoint).isEqualTo(want);
    }
  }

  TestServer startOn(ServerConfig c) {
    TestServer s = TestServer.start(c);
    others.add(s);
    return s;
  }

  @Test
  void export_thenImportIntoAnEmptyStore_servesTheSameDirectory() throws Exception {
    seed(server);
    Path file = tmp.resolve("export.jsonl");
    assertThat(scimd(config, "export", "--out", file.toString())).as(err).isZero();
    assertThat(err)
        .contains("exported tenant \"default\"")
        .contains("3 users")
        .contains("2 groups");
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    assertThat(lines.get(0)).contains("\"kind\":\"header\"").contains("\"formatVersion\":1");
    assertThat(lines.get(lines.size() - 1)).contains("\"kind\":\"end\"");
    String text = String.join("\n", lines);
    // No secret of any kind: no password hash, no token hash, no token.
    assertThat(text)
        .doesNotContain("password")
        .doesNotContain("tokenHash")
        .doesNotContain(TestServer.TOKEN)
        .doesNotContain("pbkdf2");
    assertThat(text).contains("\"kind\":\"client\"").contains("\"name\":\"bootstrap\"");
    if (config.database() == null) {
      assertThat(Files.getPosixFilePermissions(file).toString())
          .isEqualTo("[OWNER_READ, OWNER_WRITE]");
    }

    ServerConfig empty = emptyConfig();
    assertThat(scimd(empty, "import", file.toString())).as(out + err).isZero();
    assertThat(out)
        .contains("imported into tenant \"default\"")
        .containsPattern("users\\s+3\\s+0\\s+0\\s+0")
        .containsPattern("groups\\s+2\\s+0\\s+0\\s+0")
        .containsPattern("agents\\s+1\\s+0\\s+0\\s+0")
        .containsPattern("members\\s+4\\s+0\\s+0\\s+0");
    TestServer restored = startOn(empty);
    assertSameDirectory(server, restored);
    // The imports are journaled like any write: the audit trail holds them, intact.
    assertThat(scimd(empty, "audit", "verify")).as(out + err).isZero();

    // Exported to stdout, the same records.
    assertThat(scimd(config, "export")).as(err).isZero();
    assertThat(out.lines().count()).isEqualTo(lines.size());
  }

  @Test
  void onConflict_failImportsNothing_skipKeeps_updateRestores() throws Exception {
    seed(server);
    Path file = tmp.resolve("export.jsonl");
    assertThat(scimd(config, "export", "--out", file.toString())).as(err).isZero();
    String aliceId =
        served(server, "/Users").values().stream()
            .filter(u -> u.path("userName").asText().equals("alice"))
            .findFirst()
            .orElseThrow()
            .path("id")
            .asText();
    // Changed after the export; a new user too.
    server
        .client()
        .patchOk(
            SCIM + "/Users/" + aliceId,
            "{\"op\":\"replace\",\"path\":\"name.givenName\",\"value\":\"Changed\"}");
    server.client().createUser("dave");
    Map<String, JsonNode> before = served(server, "/Users");

    assertThat(scimd(config, "import", file.toString())).isEqualTo(1);
    assertThat(err)
        .contains("exists already (--on-conflict is fail)")
        .containsPattern("line \\d+: ");
    assertThat(out).contains("nothing was imported");
    assertThat(served(server, "/Users")).isEqualTo(before);

    assertThat(scimd(config, "import", file.toString(), "--on-conflict", "skip"))
        .as(out + err)
        .isZero();
    assertThat(out).containsPattern("users\\s+0\\s+0\\s+3\\s+0");
    assertThat(served(server, "/Users")).isEqualTo(before);

    assertThat(scimd(config, "import", file.toString(), "--on-conflict", "update", "--dry-run"))
        .as(out + err)
        .isZero();
    assertThat(out)
        .contains("dry run, nothing was written")
        .containsPattern("users\\s+0\\s+3\\s+0\\s+0");
    assertThat(served(server, "/Users")).isEqualTo(before);

    assertThat(scimd(config, "import", file.toString(), "--on-conflict", "update"))
        .as(out + err)
        .isZero();
    assertThat(out).containsPattern("users\\s+0\\s+3\\s+0\\s+0");
    JsonNode alice = server.client().read(SCIM + "/Users/" + aliceId);
    assertThat(alice.path("name").path("givenName").asText()).isEqualTo("Alice");
    assertThat(server.client().userNames("userName pr")).contains("dave");
  }

  @Test
  void badLines_areNamedByLineAndField_andWithFailNothingIsImported() throws Exception {
    seed(server);
    Path file = tmp.resolve("export.jsonl");
    assertThat(scimd(config, "export", "--out", file.toString())).as(err).isZero();
    List<String> lines = new ArrayList<>(Files.readAllLines(file, StandardCharsets.UTF_8));
    lines.set(
        1, lines.get(1).replace("\"userName\":\"alice\"", "\"userName\":42,\"nickName\":[1]"));
    lines.add(2, "{not json");
    lines.add(3, "{\"kind\":\"gadget\"}");
    Files.write(file, lines, StandardCharsets.UTF_8);
    ServerConfig empty = emptyConfig();
    assertThat(scimd(empty, "import", file.toString())).isEqualTo(1);
    assertThat(err)
        .contains("line 2: ")
        .contains("line 3: not JSON")
        .contains("line 4: field kind: unknown kind \"gadget\"");
    assertThat(err.lines().filter(l -> l.contains("line 2:")).findFirst().orElseThrow())
        .containsIgnoringCase("userName");
    assertThat(out).contains("nothing was imported");
    TestServer b = startOn(empty);
    assertThat(b.client().list(SCIM + "/Users").path("totalResults").asInt()).isZero();
  }

  @Test
  void csvImport_typesValuesBySchema_andNamesTheBadRow() throws Exception {
    Path csv = tmp.resolve("users.csv");
    Files.writeString(
        csv,
        "userName,name.givenName,name.familyName,emails[type eq \"work\"].value,active,externalId\n"
            + "erin,Erin,Example,erin@example.com,true,e-1\n"
            + "frank,Frank,\"Quoted, Name\",frank@example.com,yes,e-2\n"
            + "grace,Grace,Hopper,grace@example.com,false,\n");
    assertThat(scimd(config, "import", "--csv", csv.toString())).isEqualTo(1);
    assertThat(err).contains("line 3: field active: \"yes\" is not true or false");
    assertThat(out).contains("nothing was imported");
    assertThat(server.client().list(SCIM + "/Users").path("totalResults").asInt()).isZero();

    assertThat(scimd(config, "import", "--csv", csv.toString(), "--on-conflict", "skip"))
        .isEqualTo(1);
    assertThat(out).containsPattern("users\\s+2\\s+0\\s+0\\s+1");
    JsonNode erin =
        server
            .client()
            .list(SCIM + "/Users?filter=" + TestServer.q("userName eq \"erin\""))
            .path("Resources")
            .get(0);
    assertThat(erin.path("active").asBoolean()).isTrue();
    assertThat(erin.path("externalId").asText()).isEqualTo("e-1");
    assertThat(erin.path("emails").get(0).path("type").asText()).isEqualTo("work");
    assertThat(erin.path("emails").get(0).path("value").asText()).isEqualTo("erin@example.com");
    JsonNode grace =
        server
            .client()
            .list(SCIM + "/Users?filter=" + TestServer.q("userName eq \"grace\""))
            .path("Resources")
            .get(0);
    assertThat(grace.path("active").asBoolean()).isFalse();
    assertThat(grace.has("externalId")).isFalse();

    // Fixed and imported again: the existing ones are updated, the bad one created.
    Files.writeString(
        csv,
        "userName,name.givenName,name.familyName,active\n"
            + "erin,Erin,Renamed,true\n"
            + "frank,Frank,\"Quoted, Name\",true\n");
    assertThat(scimd(config, "import", "--csv", csv.toString(), "--on-conflict", "update"))
        .as(out + err)
        .isZero();
    assertThat(out).containsPattern("users\\s+1\\s+1\\s+0\\s+0");
    assertThat(server.client().userNames("name.familyName eq \"Quoted, Name\""))
        .containsExactly("frank");
    assertThat(server.client().userNames("name.familyName eq \"Renamed\"")).containsExactly("erin");

    Files.writeString(csv, "userName,shoeSize\nx,42\n");
    assertThat(scimd(config, "import", "--csv", csv.toString())).isEqualTo(1);
    assertThat(err).contains("line 1: column \"shoeSize\": no such attribute of User");
  }

  @Test
  void backup_whileTheServerWrites_isConsistent_andAServerStartsOnIt() throws Exception {
    if (config.database() != null) {
      assertThat(scimd(config, "backup", "--to", tmp.resolve("x.db").toString())).isEqualTo(2);
      assertThat(err).contains("pg_dump").contains("docs/backup.md");
      return;
    }
    seed(server);
    AtomicBoolean writing = new AtomicBoolean(true);
    AtomicInteger written = new AtomicInteger();
    Thread writer =
        new Thread(
            () -> {
              while (writing.get()) {
                server.client().createUser("load-" + written.get());
                written.incrementAndGet();
              }
            });
    writer.start();
    try {
      long deadline = System.nanoTime() + 60_000_000_000L;
      while (written.get() < 20 && System.nanoTime() < deadline) {
        Thread.onSpinWait();
        Thread.sleep(10);
      }
      Path copy = tmp.resolve("backup.db");
      assertThat(scimd(config, "backup", "--to", copy.toString())).as(out + err).isZero();
      assertThat(out)
          .contains("backed up to " + copy)
          .contains("integrity ok")
          .contains("migration version");
      assertThat(Files.getPosixFilePermissions(copy).toString())
          .isEqualTo("[OWNER_READ, OWNER_WRITE]");
      assertThat(scimd(config, "backup", "--to", copy.toString())).isEqualTo(2);
      assertThat(err).contains("exists already");

      writing.set(false);
      writer.join(60_000);
      Path restoredDir = Files.createDirectory(tmp.resolve("restored"));
      Files.copy(copy, restoredDir.resolve("scimd.db"));
      TestServer restored = TestServer.start(restoredDir, TestServer.TOKEN);
      others.add(restored);
      Map<String, JsonNode> users = served(restored, "/Users");
      // Whatever the snapshot caught, it is whole: the seed, and some of the load, each complete.
      assertThat(users.values().stream().map(u -> u.path("userName").asText()))
          .contains("alice", "bob", "carol");
      assertThat(users.size()).isBetween(3 + 20, 3 + written.get());
      assertThat(served(restored, "/Groups")).isEqualTo(served(server, "/Groups"));
    } finally {
      writing.set(false);
      writer.join(60_000);
    }
  }

  @Test
  void import_intoAnotherTenant_keepsTheIdsThere_andAMissingTenantIsRefused() throws Exception {
    seed(server);
    Path file = tmp.resolve("export.jsonl");
    assertThat(scimd(config, "export", "--tenant", "nowhere")).isEqualTo(2);
    assertThat(err).contains("no tenant \"nowhere\"");
    assertThat(scimd(config, "export", "--out", file.toString())).as(err).isZero();
    assertThat(scimd(config, "import", file.toString(), "--tenant", "acme")).isEqualTo(2);
    assertThat(err).contains("no tenant \"acme\"").contains("scimd tenant create acme");

    assertThat(scimd(config, "tenant", "create", "acme")).as(err).isZero();
    assertThat(scimd(config, "import", file.toString(), "--tenant", "acme")).as(out + err).isZero();
    assertThat(out).contains("imported into tenant \"acme\"").containsPattern("clients\\s+1\\s");
    assertThat(scimd(config, "token", "create", "--tenant", "acme", "--name", "acme-idp"))
        .as(err)
        .isZero();
    Matcher m = Pattern.compile("SCIMD_TOKEN=(\\S+)").matcher(out);
    assertThat(m.find()).as(out).isTrue();
    JsonNode users =
        TestServer.json(
            server.send(
                "GET",
                "/tenants/acme/scim/v2/Users?count=100",
                null,
                "Authorization",
                "Bearer " + m.group(1)));
    List<String> ids = new ArrayList<>();
    users.path("Resources").forEach(u -> ids.add(u.path("id").asText()));
    assertThat(ids).containsExactlyInAnyOrderElementsOf(served(server, "/Users").keySet());
  }
}
