package io.scimd.server.audit;

import static io.scimd.core.schema.SchemaUrns.GROUP;
import static io.scimd.server.http.TestServer.patchBody;
import static io.scimd.server.http.TestServer.user;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.scimd.core.schema.SchemaRegistry;
import io.scimd.server.Main;
import io.scimd.server.ServerConfig;
import io.scimd.server.http.TestServer;
import io.scimd.store.AuditHash;
import io.scimd.store.AuditRecord;
import io.scimd.store.PoolSettings;
import io.scimd.store.Store;
import io.scimd.store.jdbc.Stores;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The audit trail through its real interfaces: changes made over HTTP to a started server, the
 * trail tampered with in SQL on the database itself, and {@code scimd audit verify}, {@code
 * checkpoint}, {@code export} and {@code prune} run through the command line's entry point. Runs on
 * SQLite here and on PostgreSQL in {@link PostgresAuditTrailTest}.
 */
class AuditTrailTest {
  static final String T = "default";

  TestServer server;
  ServerConfig config;

  /** The server's configuration: periodic checkpoints off, so that each test signs when it says. */
  ServerConfig config() throws Exception {
    return TestServer.config()
        .withAudit(AuditSettings.DEFAULTS.withCheckpoints(Duration.ZERO, 10_000));
  }

  /**
   * Whether the store can tell that entries after the latest checkpoint were removed (a counter).
   */
  boolean seesTruncationAfterTheLastCheckpoint() {
    return false;
  }

  @BeforeEach
  void start() throws Exception {
    config = config();
    seedCredentialFromBeforeClients();
    server = TestServer.start(config);
  }

  /**
   * Gives the store the bootstrap credential as a store upgraded from before clients existed has it
   * (made by the clients migration, not journaled), so that the server creates none at start and
   * the journal holds exactly the history each test makes, numbered from 1.
   */
  void seedCredentialFromBeforeClients() throws SQLException {
    try (Store migrated =
        Stores.open(
            config.database() != null ? config.database() : config.dataDir().toString(),
            SchemaRegistry.builtIn(),
            InstantSource.system(),
            PoolSettings.defaults().withMaxPoolSize(1))) {
      // opened only to create and migrate the schema
    }
    sql(
        "INSERT INTO clients (id, tenant, name, scopes, created)"
            + " VALUES ('legacy', 'default', 'bootstrap', 'scim:read scim:write admin', 0)",
        "INSERT INTO credentials (id, tenant, name, token_hash, created, client_id, kind, hint)"
            + " VALUES ('legacy', 'default', 'bootstrap', '"
            + io.scimd.server.clients.Tokens.hash(TestServer.TOKEN)
            + "', 0, 'legacy', 'bearer', 'test...')");
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  // ------------------------------------------------------------------ the command line

  record Run(int code, String out, String err) {
    @Override
    public String toString() {
      return "exit " + code + "\n" + out + err;
    }
  }

  /** Runs {@code scimd audit <args>} on the server's store. */
  Run audit(String... args) {
    List<String> all = new ArrayList<>(List.of("audit"));
    all.addAll(Arrays.asList(args));
    all.addAll(List.of("--data", config.dataDir().toString()));
    if (config.database() != null) {
      all.addAll(List.of("--db", config.database()));
    }
    return cli(all.toArray(String[]::new));
  }

  static Run cli(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    picocli.CommandLine cl = Main.commandLine(Map.of(), s -> {});
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    int code = cl.execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  Run verify(String... more) {
    List<String> args = new ArrayList<>(List.of("verify"));
    args.addAll(Arrays.asList(more));
    return audit(args.toArray(String[]::new));
  }

  // ------------------------------------------------------------------ history over HTTP

  /**
   * Users, a group, a PATCH, membership changes and a delete, over HTTP: 9 entries, numbered 1..9.
   *
   * <pre>
   *  1 created User alice      4 members_added Group (alice)   7 members_added Group (bob)
   *  2 created User bob        5 patched User bob (active)     8 deleted User alice
   *  3 created Group eng       6 patched User bob (roles)      9 members_removed Group (alice)
   * </pre>
   */
  void history() {
    String alice = create("/scim/v2/Users", user("alice"));
    String bob = create("/scim/v2/Users", user("bob"));
    String eng =
        create(
            "/scim/v2/Groups",
            "{\"schemas\":[\""
                + GROUP
                + "\"],\"displayName\":\"eng\",\"members\":[{\"value\":\""
                + alice
                + "\"}]}");
    assertThat(
            server
                .send(
                    "PATCH",
                    "/scim/v2/Users/" + bob,
                    patchBody("{\"op\":\"replace\",\"path\":\"active\",\"value\":false}"))
                .statusCode())
        .isEqualTo(200);
    assertThat(
            server
                .send(
                    "PATCH",
                    "/scim/v2/Users/" + bob,
                    patchBody(
                        "{\"op\":\"add\",\"path\":\"roles\",\"value\":[{\"value\":\"admin\"}]}"))
                .statusCode())
        .isEqualTo(200);
    assertThat(
            server
                .send(
                    "PATCH",
                    "/scim/v2/Groups/" + eng,
                    patchBody(
                        "{\"op\":\"add\",\"path\":\"members\",\"value\":[{\"value\":\""
                            + bob
                            + "\"}]}"))
                .statusCode())
        .isIn(200, 204);
    assertThat(server.send("DELETE", "/scim/v2/Users/" + alice, null).statusCode()).isEqualTo(204);
    assertThat(records())
        .extracting(AuditRecord::kind)
        .containsExactly(
            "created",
            "created",
            "created",
            "members_added",
            "patched",
            "patched",
            "members_added",
            "deleted",
            "members_removed");
  }

  String create(String path, String body) {
    return server.client().create(path, body).get("id").asText();
  }

  /** Signs a checkpoint of the head now, through the command line. */
  void checkpoint() {
    Run r = audit("checkpoint");
    assertThat(r.code()).as(r.toString()).isZero();
  }

  // ------------------------------------------------------------------ the database

  Connection db() throws SQLException {
    return config.database() != null
        ? DriverManager.getConnection(config.database())
        : DriverManager.getConnection("jdbc:sqlite:" + config.dataDir().resolve("scimd.db"));
  }

  void sql(String... statements) throws SQLException {
    try (Connection c = db();
        Statement s = c.createStatement()) {
      for (String q : statements) {
        s.executeUpdate(q);
      }
    }
  }

  List<AuditRecord> records() {
    try (Connection c = db();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT tenant, seq, at, principal, principal_name, source, request_id, resource_type, resource_id, kind,"
                    + " change, prev_hash, hash FROM journal WHERE tenant = ? ORDER BY seq")) {
      ps.setString(1, T);
      List<AuditRecord> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(
              new AuditRecord(
                  rs.getString(1),
                  rs.getLong(2),
                  rs.getLong(3),
                  rs.getString(4),
                  rs.getString(5),
                  rs.getString(6),
                  rs.getString(7),
                  rs.getString(8),
                  rs.getString(9),
                  rs.getString(10),
                  rs.getString(11),
                  rs.getString(12),
                  rs.getString(13)));
        }
      }
      return out;
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Writes {@code r}'s columns back over the row numbered {@code r.seq()}. */
  void rewrite(AuditRecord r) throws SQLException {
    try (Connection c = db();
        PreparedStatement ps =
            c.prepareStatement(
                "UPDATE journal SET change = ?, prev_hash = ?, hash = ? WHERE tenant = ? AND seq = ?")) {
      ps.setString(1, r.change());
      ps.setString(2, r.prevHash());
      ps.setString(3, r.hash());
      ps.setString(4, r.tenant());
      ps.setLong(5, r.seq());
      ps.executeUpdate();
    }
  }

  static AuditRecord withChange(AuditRecord r, String change, String prevHash) {
    AuditRecord edited =
        new AuditRecord(
            r.tenant(),
            r.seq(),
            r.at(),
            r.principal(),
            r.principalName(),
            r.source(),
            r.requestId(),
            r.resourceType(),
            r.resourceId(),
            r.kind(),
            change,
            prevHash,
            null);
    return new AuditRecord(
        r.tenant(),
        r.seq(),
        r.at(),
        r.principal(),
        r.principalName(),
        r.source(),
        r.requestId(),
        r.resourceType(),
        r.resourceId(),
        r.kind(),
        change,
        prevHash,
        AuditHash.entry(edited, prevHash));
  }

  // ------------------------------------------------------------------ tests

  @Test
  void changesOverHttp_areChainedInOrder_andVerifyFindsTheSignedTrailIntact() throws Exception {
    history();
    checkpoint();

    List<AuditRecord> chain = records();
    String prev = AuditHash.GENESIS;
    for (AuditRecord r : chain) {
      assertThat(r.prevHash()).isEqualTo(prev);
      assertThat(r.hash()).isEqualTo(AuditHash.entry(r, prev));
      prev = r.hash();
    }
    Run r = verify();
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.out())
        .contains("tenant \"default\": 9 entries (1..9), 1 checkpoint, the latest at entry 9")
        .contains("scimd: the audit trail is intact: 9 entries in 1 tenant")
        .doesNotContain("PROBLEM");
    Path key = config.dataDir().resolve(AuditSettings.KEY_FILE);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key)))
        .isEqualTo("rw-------");
    Run trusted = verify("--trust-key", AuditKey.publicFile(key).toString());
    assertThat(trusted.code()).as(trusted.toString()).isZero();
    assertThat(trusted.out()).doesNotContain("recorded in the store");
  }

  @Test
  void entriesAfterTheLatestCheckpoint_areReportedAsUnsigned_notAsIntactBeyondIt() {
    history();
    checkpoint();
    create("/scim/v2/Users", user("carol"));

    Run r = verify();

    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.out())
        .contains("note: entries 10..10 follow the latest checkpoint")
        .contains("nothing signed would show it");
  }

  @Test
  void anEditedEntry_isFound() throws Exception {
    history();
    checkpoint();
    sql(
        "UPDATE journal SET change = REPLACE(change, 'bob', 'mallory') WHERE tenant = 'default' AND seq = 2");

    Run r = verify();

    assertThat(r.code()).as(r.toString()).isEqualTo(3);
    assertThat(r.out())
        .contains(
            "PROBLEM tenant \"default\" entry 2: its content does not match its hash: the entry was edited")
        .contains("NOT intact");
  }

  @Test
  void anEditedEntryWithItsHashRecomputed_isFoundByTheLinkAfterIt() throws Exception {
    history();
    checkpoint();
    AuditRecord second = records().get(1);
    rewrite(withChange(second, second.change().replace("bob", "mallory"), second.prevHash()));

    Run r = verify();

    assertThat(r.code()).as(r.toString()).isEqualTo(3);
    assertThat(r.out())
        .contains("PROBLEM tenant \"default\" entry 3: it is not chained to entry 2");
  }

  @Test
  void aWholeTailRewrittenConsistently_isFoundByTheCheckpoint() throws Exception {
    history();
    checkpoint();
    List<AuditRecord> chain = records();
    String prev = chain.get(0).hash();
    for (AuditRecord e : chain.subList(1, chain.size())) {
      AuditRecord forged = withChange(e, e.change().replace("bob", "mallory"), prev);
      rewrite(forged);
      prev = forged.hash();
    }

    Run r = verify();

    assertThat(r.code()).as(r.toString()).isEqualTo(3);
    assertThat(r.out())
        .contains("PROBLEM tenant \"default\" entry 9: the checkpoint signed")
        .contains("entries up to it were rewritten after they were signed");
  }

  @Test
  void aRemovedEntry_isFound() throws Exception {
    history();
    checkpoint();
    sql("DELETE FROM journal WHERE tenant = 'default' AND seq = 5");

    Run r = verify();

    assertThat(r.code()).as(r.toString()).isEqualTo(3);
    assertThat(r.out())
        .contains(
            "PROBLEM tenant \"default\" entry 5: entry 5 is missing: removed from the journal");
  }

  @Test
  void entriesRemovedFromTheStart_areFound() throws Exception {
    history();
    checkpoint();
    sql("DELETE FROM journal WHERE tenant = 'default' AND seq <= 2");

    Run r = verify();

    assertThat(r.code()).as(r.toString()).isEqualTo(3);
    assertThat(r.out())
        .contains("PROBLEM tenant \"default\" entry 3: entries 1..2 before it are missing");
  }

  @Test
  void anInsertedEntry_isFound() throws Exception {
    history();
    checkpoint();
    AuditRecord second = records().get(1);
    // Make room at 3 and insert a well-formed entry chained to entry 2, as one who knows the
    // encoding would.
    sql(
        "UPDATE journal SET seq = -seq WHERE tenant = 'default' AND seq >= 3",
        "UPDATE journal SET seq = 1 - seq WHERE tenant = 'default' AND seq < 0");
    AuditRecord forged =
        withChange(
            new AuditRecord(
                T,
                3,
                second.at(),
                second.principal(),
                second.principalName(),
                second.source(),
                "forged",
                "User",
                "forged-id",
                "created",
                "{\"attributes\":{\"userName\":\"mallory\"}}",
                null,
                null),
            "{\"attributes\":{\"userName\":\"mallory\"}}",
            second.hash());
    try (Connection c = db();
        PreparedStatement ps =
            c.prepareStatement(
                "INSERT INTO journal (tenant, seq, at, principal, principal_name, source, request_id, resource_type,"
                    + " resource_id, kind, change, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
      Object[] v = {
        forged.tenant(),
        forged.seq(),
        forged.at(),
        forged.principal(),
        forged.principalName(),
        forged.source(),
        forged.requestId(),
        forged.resourceType(),
        forged.resourceId(),
        forged.kind(),
        forged.change(),
        forged.prevHash(),
        forged.hash()
      };
      for (int i = 0; i < v.length; i++) {
        ps.setObject(i + 1, v[i]);
      }
      ps.executeUpdate();
    }

    Run r = verify();

    assertThat(r.code()).as(r.toString()).isEqualTo(3);
    assertThat(r.out())
        .doesNotContain("\"default\" entry 3:")
        .contains(
            "PROBLEM tenant \"default\" entry 4: entries 4..10 were hashed as entries 3..9: an entry was inserted")
        .contains("PROBLEM tenant \"default\" entry 4: it is chained to entry 2, not to entry 3");
  }

  @Test
  void reorderedEntries_areFound() throws Exception {
    history();
    checkpoint();
    sql(
        "UPDATE journal SET seq = -1 WHERE tenant = 'default' AND seq = 3",
        "UPDATE journal SET seq = 3 WHERE tenant = 'default' AND seq = 4",
        "UPDATE journal SET seq = 4 WHERE tenant = 'default' AND seq = -1");

    Run r = verify();

    assertThat(r.code()).as(r.toString()).isEqualTo(3);
    assertThat(r.out())
        .contains("PROBLEM tenant \"default\" entry 3: it was hashed as entry 4")
        .contains("PROBLEM tenant \"default\" entry 4: it was hashed as entry 3")
        .contains("PROBLEM tenant \"default\" entry 4: it is chained to entry 2, not to entry 3");
  }

  @Test
  void aTruncatedTail_isFoundByTheCheckpointBeyondIt() throws Exception {
    history();
    checkpoint();
    sql("DELETE FROM journal WHERE tenant = 'default' AND seq >= 8");

    Run r = verify();

    assertThat(r.code()).as(r.toString()).isEqualTo(3);
    assertThat(r.out())
        .contains(
            "PROBLEM tenant \"default\" entry 8: the journal ends at entry 7, but the checkpoint signed")
        .contains("entries 8..9 were removed (the journal was truncated)");
  }

  @Test
  void aTailTruncatedAfterTheLatestCheckpoint_isReportedAsUnprovable_orFoundByTheCounter()
      throws Exception {
    history();
    checkpoint();
    create("/scim/v2/Users", user("carol"));
    create("/scim/v2/Users", user("dave"));
    sql("DELETE FROM journal WHERE tenant = 'default' AND seq >= 11");

    Run r = verify();

    if (seesTruncationAfterTheLastCheckpoint()) {
      assertThat(r.code()).as(r.toString()).isEqualTo(3);
      assertThat(r.out())
          .contains(
              "PROBLEM tenant \"default\" entry 11: the journal counter has given numbers up to 11");
    } else {
      // Nothing signed says entry 11 existed: verify says what it cannot prove instead of "intact"
      // beyond it.
      assertThat(r.code()).as(r.toString()).isZero();
      assertThat(r.out()).contains("note: entries 10..10 follow the latest checkpoint");
    }
  }

  @Test
  void aForgedCheckpoint_isFound() throws Exception {
    history();
    checkpoint();
    String forged = records().get(5).hash();
    sql("UPDATE audit_checkpoints SET seq = 6, hash = '" + forged + "' WHERE tenant = 'default'");

    Run r = verify();

    assertThat(r.code()).as(r.toString()).isEqualTo(3);
    assertThat(r.out())
        .contains("PROBLEM tenant \"default\" entry 6: its checkpoint's signature is not valid");
  }

  @Test
  void aCheckpointSignedByAnotherKey_countsOnlyWhenThatKeyIsTrusted() throws Exception {
    history();
    Path other = Files.createTempDirectory("scimd-other-key").resolve("other.key");
    Run signed = audit("checkpoint", "--audit-key", other.toString());
    assertThat(signed.code()).as(signed.toString()).isZero();
    Path mine = AuditKey.publicFile(config.dataDir().resolve(AuditSettings.KEY_FILE));

    Run byStoreKeys = verify();
    Run byMine = verify("--trust-key", mine.toString());

    assertThat(byStoreKeys.code()).as(byStoreKeys.toString()).isZero();
    assertThat(byMine.code()).as(byMine.toString()).isEqualTo(3);
    assertThat(byMine.out())
        .contains("entry 9: its checkpoint is signed by key " + AuditKey.load(other).id());
  }

  @Test
  void aReplacedPublicKeyInTheStore_isFound() throws Exception {
    history();
    checkpoint();
    Path other = Files.createTempDirectory("scimd-other-key").resolve("other.key");
    String otherKey = AuditKey.loadOrCreate(other).publicKeyBase64();
    sql("UPDATE audit_keys SET public_key = '" + otherKey + "'");

    Run r = verify();

    assertThat(r.code()).as(r.toString()).isEqualTo(3);
    assertThat(r.out()).contains("the public key recorded under this id is another key");
  }

  @Test
  void entriesWithoutAHash_areReportedByVerify_andChainedWhenTheServerStarts() throws Exception {
    history();
    server.close();
    // As the migration leaves entries written before it.
    sql("UPDATE journal SET prev_hash = NULL, hash = NULL WHERE tenant = 'default'");
    Run before = verify();
    assertThat(before.code()).as(before.toString()).isEqualTo(3);
    assertThat(before.out()).contains("entry 1: it has no hash");

    server = TestServer.start(config);
    checkpoint();

    Run after = verify();
    assertThat(after.code()).as(after.toString()).isZero();
  }

  @Test
  void theServer_signsCheckpointsPeriodically_andAtShutdown() throws Exception {
    server.close();
    config =
        config.withAudit(AuditSettings.DEFAULTS.withCheckpoints(Duration.ofMillis(200), 10_000));
    server = TestServer.start(config);
    create("/scim/v2/Users", user("alice"));
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (checkpointedUpTo() < 1 && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertThat(checkpointedUpTo()).isEqualTo(1);

    server.close();
    config = config.withAudit(AuditSettings.DEFAULTS.withCheckpoints(Duration.ofHours(1), 10_000));
    server = TestServer.start(config);
    create("/scim/v2/Users", user("bob"));
    assertThat(checkpointedUpTo()).as("an hour has not passed").isEqualTo(1);
    server.close();
    assertThat(checkpointedUpTo()).as("the shutdown signs the head").isEqualTo(2);
    server = null;
  }

  long checkpointedUpTo() throws SQLException {
    try (Connection c = db();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT COALESCE(MAX(seq), 0) FROM audit_checkpoints WHERE tenant = 'default'")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  @Test
  void verify_ofADirectoryWithoutAStore_isAConfigurationError() throws Exception {
    Path empty = Files.createTempDirectory("scimd-empty");
    Run r = cli("audit", "verify", "--data", empty.toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("no scimd store in " + empty);
    assertThat(Files.list(empty)).isEmpty();
  }

  // ------------------------------------------------------------------ export

  @Test
  void export_jsonl_writesEachEntryAsStoredWithItsHashes() {
    history();
    Run r = audit("export", "--since", "2000-01-01", "--format", "jsonl");

    assertThat(r.code()).as(r.toString()).isZero();
    List<JsonNode> lines = r.out().lines().map(TestServer::json).toList();
    List<AuditRecord> chain = records();
    assertThat(lines).hasSize(9);
    for (int i = 0; i < 9; i++) {
      JsonNode l = lines.get(i);
      AuditRecord e = chain.get(i);
      assertThat(l.get("seq").asLong()).isEqualTo(e.seq());
      assertThat(l.get("hash").asText()).isEqualTo(e.hash());
      assertThat(l.get("prevHash").asText()).isEqualTo(e.prevHash());
      assertThat(l.get("time").asText()).isEqualTo(e.time().toString());
      assertThat(l.get("principalName").asText()).isEqualTo("bootstrap");
      assertThat(l.get("change")).isEqualTo(TestServer.json(e.change()));
    }
  }

  @Test
  void export_csv_writesAHeaderAndOneQuotedRowPerEntry() {
    history();
    Run r = audit("export", "--since", "1d", "--format", "csv");

    assertThat(r.code()).as(r.toString()).isZero();
    List<String> lines = r.out().lines().toList();
    assertThat(lines.get(0))
        .isEqualTo(
            "tenant,seq,time,principal,principal_name,source,request_id,resource_type,resource_id,kind,change,hash");
    assertThat(lines).hasSize(10);
    assertThat(lines.get(1))
        .startsWith("default,1,")
        .contains(",User,")
        .contains(",created,\"{\"\"attributes\"\":");
    assertThat(r.out()).contains("\r\n");
  }

  @Test
  void export_ocsf_mapsUsersGroupsAndMembershipsToTheirClasses() {
    history();
    Run r = audit("export", "--since", "2000-01-01T00:00:00Z", "--format", "ocsf");

    assertThat(r.code()).as(r.toString()).isZero();
    List<JsonNode> events = r.out().lines().map(TestServer::json).toList();
    assertThat(events)
        .extracting(e -> e.get("class_uid").asInt() + "/" + e.get("activity_id").asInt())
        .containsExactly(
            "3001/1", "3001/1", "3006/6", "3006/3", "3001/5", "3005/1", "3006/3", "3001/6",
            "3006/4");
    JsonNode create = events.get(0);
    assertThat(create.get("type_uid").asLong()).isEqualTo(300101);
    assertThat(create.get("category_uid").asInt()).isEqualTo(3);
    assertThat(create.get("metadata").get("version").asText()).isEqualTo("1.3.0");
    assertThat(create.get("metadata").get("product").get("name").asText()).isEqualTo("scimd");
    assertThat(create.get("user").get("name").asText()).isEqualTo("alice");
    assertThat(create.get("actor").get("user").get("name").asText()).isEqualTo("bootstrap");
    assertThat(create.get("src_endpoint").get("ip").asText()).isEqualTo("127.0.0.1");
    assertThat(create.get("time").asLong()).isEqualTo(records().get(0).at() / 1000);
    JsonNode roles = events.get(5);
    assertThat(roles.get("class_name").asText()).isEqualTo("User Access Management");
    assertThat(roles.get("privileges").get(0).asText()).isEqualTo("roles:admin");
    JsonNode added = events.get(3);
    assertThat(added.get("group").get("uid").asText()).isEqualTo(records().get(2).resourceId());
    assertThat(added.get("user").get("uid").asText()).isEqualTo(records().get(0).resourceId());
  }

  @Test
  void export_ofATimeRange_writesOnlyTheEntriesMadeInIt() throws Exception {
    history();
    List<AuditRecord> chain = records();
    // Entries 5, 6 and 7 are requests of their own; 3 and 4 (a group created with a member) share a
    // time.
    Instant from = chain.get(4).time();
    Instant to = chain.get(6).time();

    Run r = audit("export", "--since", from.toString(), "--until", to.toString());

    assertThat(r.code()).as(r.toString()).isZero();
    List<Long> seqs = r.out().lines().map(l -> TestServer.json(l).get("seq").asLong()).toList();
    List<Long> expected =
        chain.stream()
            .filter(e -> !e.time().isBefore(from) && e.time().isBefore(to))
            .map(AuditRecord::seq)
            .toList();
    assertThat(seqs).isEqualTo(expected).containsExactly(5L, 6L);
  }

  // ------------------------------------------------------------------ retention

  /** Prunes as the server does, with a clock {@code at}, on a second store on the same database. */
  long prune(Instant at, Duration retention) {
    String location = config.database() != null ? config.database() : config.dataDir().toString();
    try (Store store =
        Stores.open(
            location,
            SchemaRegistry.builtIn(),
            InstantSource.system(),
            PoolSettings.defaults().withMaxPoolSize(2))) {
      AuditKey key = AuditKey.load(config.dataDir().resolve(AuditSettings.KEY_FILE));
      AuditSettings settings = config.audit().withRetention(retention);
      return AuditMaintenance.onDemand(store.audit(), key, settings, InstantSource.fixed(at))
          .prune();
    }
  }

  /** Entries 1..9, a checkpoint of 9, entries 10 and 11, a checkpoint of 11. */
  List<AuditRecord> historyWithTwoCheckpoints() {
    history();
    checkpoint();
    create("/scim/v2/Users", user("carol"));
    create("/scim/v2/Users", user("dave"));
    checkpoint();
    return records();
  }

  @Test
  void retention_prunesUpToTheNewestCheckpointOlderThanIt_andWhatRemainsVerifies() {
    List<AuditRecord> chain = historyWithTwoCheckpoints();
    // Entries 1..9 are older than a day then; entry 10 is not.
    Instant now = chain.get(9).time().plus(Duration.ofDays(1)).minusNanos(1_000);

    assertThat(prune(now, Duration.ofDays(1))).isEqualTo(8);

    assertThat(records()).extracting(AuditRecord::seq).containsExactly(9L, 10L, 11L);
    Run r = verify();
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.out())
        .contains("tenant \"default\": 3 entries (9..11), 2 checkpoints")
        .contains(
            "note: entries 1..8 were pruned; the trail is verified from the checkpoint of entry 9");
    create("/scim/v2/Users", user("erin"));
    assertThat(records()).extracting(AuditRecord::seq).containsExactly(9L, 10L, 11L, 12L);
    assertThat(verify().code()).isZero();
  }

  @Test
  void retention_neverPrunesEntriesThatDoNotVerify() throws Exception {
    List<AuditRecord> chain = historyWithTwoCheckpoints();
    sql(
        "UPDATE journal SET change = REPLACE(change, 'alice', 'mallory') WHERE tenant = 'default' AND seq = 1");

    assertThat(prune(chain.get(10).time().plus(Duration.ofDays(2)), Duration.ofDays(1))).isZero();

    assertThat(records()).hasSize(11);
    assertThat(verify().out())
        .contains("PROBLEM tenant \"default\" entry 1: its content does not match its hash");
  }

  @Test
  void retention_withoutACheckpointOldEnough_prunesNothing() {
    history();
    checkpoint();
    List<AuditRecord> chain = records();

    // Entries 1..8 are older than a day, but the only checkpoint (of 9) is not: nothing can go.
    assertThat(prune(chain.get(8).time().plus(Duration.ofDays(1)), Duration.ofDays(1))).isZero();

    assertThat(records()).hasSize(9);
  }
}
