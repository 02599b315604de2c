package io.scimd.store.jdbc;

import static io.scimd.store.TestScopes.SCOPE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.scimd.core.error.ScimException;
import io.scimd.core.filter.CompareOp;
import io.scimd.core.filter.Filter;
import io.scimd.core.path.AttrPath;
import io.scimd.core.schema.SchemaRegistry;
import io.scimd.store.Load;
import io.scimd.store.Member;
import io.scimd.store.Page;
import io.scimd.store.PgTestDatabase;
import io.scimd.store.PoolSettings;
import io.scimd.store.Query;
import io.scimd.store.Scope;
import io.scimd.store.Sort;
import io.scimd.store.Store;
import io.scimd.store.StoredResource;
import io.scimd.store.Tenants;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The store contract on PostgreSQL, unchanged. One database per class (its own, dropped after);
 * each test starts on emptied tables.
 */
class PostgresStoreTest extends StoreContractTest {
  private static PgTestDatabase db;

  @BeforeAll
  static void createDatabase() {
    db = PgTestDatabase.createOrSkipEachTest();
  }

  @AfterAll
  static void dropDatabase() {
    if (db != null) {
      db.close();
    }
  }

  static PoolSettings settings() {
    return PoolSettings.defaults().withMaxPoolSize(4);
  }

  @Override
  protected Store newStore(SchemaRegistry registry, InstantSource clock) {
    Store s = PostgresStore.open(PgTestDatabase.require(db).url(), registry, clock, settings());
    db.truncate();
    return s;
  }

  @Override
  protected Store reopen(SchemaRegistry registry, InstantSource clock) {
    store.close();
    return PostgresStore.open(db.url(), registry, clock, settings());
  }

  @Override
  protected Connection inspect() throws SQLException {
    return PgTestDatabase.require(db).connect();
  }

  // ------------------------------------------------------------------ query plans

  /**
   * The generic plans (as for any parameter values) of the statements {@code work} runs that read
   * {@code resources}, explained on a separate connection.
   */
  private List<String> plans(Supplier<?> work, boolean seqScanOff) throws SQLException {
    return plans(work, seqScanOff, sql -> sql.startsWith("SELECT") && sql.contains("resources"));
  }

  /** As above, of the statements {@code which} accepts. */
  private List<String> plans(
      Supplier<?> work, boolean seqScanOff, java.util.function.Predicate<String> which)
      throws SQLException {
    List<String> sqls = new CopyOnWriteArrayList<>();
    PostgresStore s = (PostgresStore) store;
    s.observeStatements(sqls::add);
    try {
      work.get();
    } finally {
      s.observeStatements(null);
    }
    List<String> plans = new ArrayList<>();
    try (Connection c = inspect();
        Statement st = c.createStatement()) {
      st.execute("SET plan_cache_mode = force_generic_plan");
      if (seqScanOff) {
        st.execute("SET enable_seqscan = off");
      }
      int i = 0;
      for (String sql : sqls) {
        if (!which.test(sql)) {
          continue;
        }
        StringBuilder numbered = new StringBuilder();
        int n = 0;
        for (char ch : sql.toCharArray()) {
          if (ch == '?') {
            numbered.append('$').append(++n);
          } else {
            numbered.append(ch);
          }
        }
        String name = "p" + i++;
        st.execute("PREPARE " + name + " AS " + numbered);
        String args = n == 0 ? "" : "(" + String.join(", ", Collections.nCopies(n, "'1'")) + ")";
        StringBuilder plan = new StringBuilder(sql).append('\n');
        try (ResultSet rs = st.executeQuery("EXPLAIN EXECUTE " + name + args)) {
          while (rs.next()) {
            plan.append("  ").append(rs.getString(1)).append('\n');
          }
        }
        plans.add(plan.toString());
      }
    }
    return plans;
  }

  /** The statements {@code work} sends. */
  private List<String> statements(Supplier<?> work) {
    List<String> sqls = new CopyOnWriteArrayList<>();
    PostgresStore s = (PostgresStore) store;
    s.observeStatements(sqls::add);
    try {
      work.get();
    } finally {
      s.observeStatements(null);
    }
    return new ArrayList<>(sqls);
  }

  /** The plan PostgreSQL makes of {@code sql} for these values of its parameters, in order. */
  private String customPlan(String sql, Object... args) throws SQLException {
    try (Connection c = inspect();
        Statement st = c.createStatement()) {
      st.execute("SET plan_cache_mode = force_custom_plan");
      StringBuilder numbered = new StringBuilder();
      int n = 0;
      for (char ch : sql.toCharArray()) {
        numbered.append(ch == '?' ? "$" + ++n : String.valueOf(ch));
      }
      assertThat(args).as(sql).hasSize(n);
      st.execute("PREPARE q AS " + numbered);
      List<String> literals = new ArrayList<>();
      for (Object a : args) {
        literals.add(a instanceof String text ? "'" + text + "'" : a.toString());
      }
      StringBuilder plan = new StringBuilder(sql).append('\n');
      try (ResultSet rs =
          st.executeQuery("EXPLAIN EXECUTE q(" + String.join(", ", literals) + ")")) {
        while (rs.next()) {
          plan.append("  ").append(rs.getString(1)).append('\n');
        }
      }
      return plan.toString();
    }
  }

  /** Every statement of the query finds its rows through an index condition, never a scan. */
  private void assertIndexed(String type, Filter f, boolean seqScanOff) throws SQLException {
    assertIndexed(type, filtered(f), seqScanOff);
  }

  private void assertIndexed(String type, Query q, boolean seqScanOff) throws SQLException {
    String what = q.filter() + " " + q.sort();
    List<String> plans = plans(() -> query(type, q), seqScanOff);
    assertThat(plans).as(what).isNotEmpty();
    for (String plan : plans) {
      // resources_pkey would be a walk of the whole table in seq order, filtered row by row.
      assertThat(plan).as(what).doesNotContain("Seq Scan").doesNotContain("resources_pkey");
      assertThat(plan)
          .as(what)
          .containsPattern(
              "Index (Only )?Scan using resources_by_|Bitmap Index Scan on resources_by_");
      if (plan.contains("members m")) {
        assertThat(plan).as(what).containsPattern("Index (Only )?Scan using members_");
      }
    }
  }

  private void analyzedData() throws SQLException {
    int n = 2000;
    List<String> ids =
        store.write(
            SCOPE,
            tx -> {
              List<String> out = new ArrayList<>();
              for (int i = 0; i < n; i++) {
                ObjectNode u = user("user" + i);
                u.put("externalId", "ext-" + i);
                u.put("displayName", "User " + i);
                out.add(tx.insert("User", u).id());
              }
              for (int g = 0; g < 200; g++) {
                String gid = tx.insert("Group", group("group" + g)).id();
                List<Member> ms = new ArrayList<>();
                for (int m = 0; m < 10; m++) {
                  ms.add(new Member(out.get(g * 10 + m), "User"));
                }
                tx.addMembers(gid, ms);
              }
              return out;
            });
    assertThat(ids).hasSize(n);
    try (Connection c = inspect();
        Statement st = c.createStatement()) {
      st.execute("ANALYZE");
    }
  }

  @Test
  void commonIdpFilters_areIndexLookups() throws SQLException {
    analyzedData();
    StoredResource u = insert("User", user("alice"));
    StoredResource g = insert("Group", group("g"));
    addMembers(g.id(), u.id());
    assertIndexed("User", Filter.eq("userName", "alice"), false);
    assertIndexed("User", Filter.eq("externalId", "x"), false);
    assertIndexed("User", Filter.eq("displayName", "x"), false);
    assertIndexed("Group", Filter.eq("displayName", "g"), false);
    assertIndexed(
        "Group",
        Filter.and(
            Filter.eq("id", g.id()), Filter.valuePath("members", Filter.eq("value", u.id()))),
        false);
    assertIndexed(
        "Group", Filter.and(Filter.eq("id", g.id()), Filter.eq("members", u.id())), false);
    assertIndexed(
        "User", Filter.compare("userName", CompareOp.SW, TextNode.valueOf("USER199")), false);
    assertIndexed(
        "User", Filter.compare("externalId", CompareOp.SW, TextNode.valueOf("ext-199")), false);
    assertIndexed(
        "User", Filter.compare("displayName", CompareOp.SW, TextNode.valueOf("user 199")), false);
    // A delta sync: meta.lastModified gt T, in lastModified order. On a few thousand rows of one
    // day a range is rightly a scan for the planner; enable_seqscan=off asks whether an index can
    // serve it at all, as it must at 10 million rows and a recent watermark.
    Filter since =
        Filter.compare("meta.lastModified", CompareOp.GT, TextNode.valueOf("2026-01-01T00:00:00Z"));
    assertIndexed(
        "User",
        new Query(
            since, new Sort(AttrPath.parse("meta.lastModified"), false), 1, 100, "", Load.NONE),
        true);
  }

  @Test
  void atScale_commonLookupsAndOneMemberAdd_areIndexProbes() throws SQLException {
    // 100,000 users and one group holding all of them, loaded by SQL (the store would take
    // minutes),
    // then analysed: the planner now sees a large table, as in production.
    int n = 100_000;
    StoredResource g = insert("Group", group("everyone"));
    try (Connection c = inspect();
        Statement st = c.createStatement()) {
      st.execute(
          "INSERT INTO resources (tenant, type, id, version, created, last_modified, external_id,"
              + " user_name_folded, display_name_folded, display, doc)"
              + " SELECT 'default', 'User', md5(i::text)::uuid::text, 1, 1772359200000000 + i, 1772359200000000 + i,"
              + " 'ext-' || i, 'bulk' || i, 'bulk user ' || i, 'Bulk User ' || i,"
              + " jsonb_build_object('schemas', jsonb_build_array('urn:ietf:params:scim:schemas:core:2.0:User'),"
              + " 'userName', 'bulk' || i, 'externalId', 'ext-' || i, 'displayName', 'Bulk User ' || i)"
              + " FROM generate_series(1, "
              + n
              + ") i");
      st.execute(
          "INSERT INTO members (tenant, group_id, member_id, member_type)"
              + " SELECT 'default', '"
              + g.id()
              + "', md5(i::text)::uuid::text, 'User' FROM generate_series(1, "
              + (n - 1)
              + ") i");
      st.execute(
          "UPDATE clocks SET micros = GREATEST(micros, (SELECT MAX(last_modified) FROM resources))");
      st.execute("VACUUM ANALYZE"); // statistics and the visibility map, as autovacuum keeps them
    }
    String last =
        query("User", filtered(Filter.eq("externalId", "ext-" + n))).resources().get(0).id();
    String first = query("User", filtered(Filter.eq("userName", "BULK1"))).resources().get(0).id();

    long t0 = System.nanoTime();
    assertThat(query("User", filtered(Filter.eq("userName", "Bulk77777"))).totalResults())
        .isEqualTo(1);
    assertThat(query("User", filtered(Filter.eq("userName", "nobody-" + t0))).totalResults())
        .isZero();
    assertThat(query("User", filtered(Filter.eq("displayName", "bulk user 5"))).totalResults())
        .isEqualTo(1);
    assertThat(
            query(
                    "Group",
                    filtered(
                        Filter.and(
                            Filter.eq("id", g.id()),
                            Filter.valuePath("members", Filter.eq("value", first)))))
                .totalResults())
        .isEqualTo(1);
    long lookups = System.nanoTime() - t0;

    assertIndexed("User", Filter.eq("userName", "bulk5"), false);
    assertIndexed("User", Filter.eq("externalId", "ext-5"), false);
    assertIndexed("User", Filter.eq("displayName", "bulk user 5"), false);
    assertIndexed(
        "Group",
        Filter.and(Filter.eq("id", g.id()), Filter.valuePath("members", Filter.eq("value", first))),
        false);
    // A generic plan guesses a third of the rows for any range, so its count may rightly scan; the
    // database plans the real watermark (custom plans win while they are cheaper). Ask whether an
    // index serves the delta sync at all.
    Filter since =
        Filter.compare(
            "meta.lastModified", CompareOp.GT, TextNode.valueOf("2026-03-01T10:00:00.099990Z"));
    assertIndexed(
        "User",
        new Query(
            since, new Sort(AttrPath.parse("meta.lastModified"), false), 1, 100, "", Load.NONE),
        true);

    List<String> addPlans =
        plans(
            () -> {
              addMembers(g.id(), last);
              return null;
            },
            false);
    long t1 = System.nanoTime();
    addMembers(g.id(), first); // already there: a no-op
    long add = System.nanoTime() - t1;
    for (String plan : addPlans) {
      assertThat(plan).doesNotContain("Seq Scan");
    }
    assertThat(isMember(g.id(), last)).isTrue();
    List<Member> all = store.read(SCOPE, r -> r.members(g.id()));
    assertThat(all).hasSize(n);
    // The plans are the proof; the bounds only catch a gross regression on a shared machine.
    assertThat(lookups / 1_000_000).as("ms for four lookups").isLessThan(2_000);
    assertThat(add / 1_000_000).as("ms to add one member to a group of 100,000").isLessThan(2_000);
  }

  @Test
  void atScale_pagesTotalsAndAUsersGroups_readIndexesAndTheKeptCount() throws SQLException {
    // 100,000 users, 2,000 groups of 50 (each user in one), loaded by SQL and analysed, as in
    // production: the default order, the total and a user's groups must not walk the table.
    int n = 100_000;
    try (Connection c = inspect();
        Statement st = c.createStatement()) {
      st.execute(
          "INSERT INTO resources (tenant, type, id, version, created, last_modified,"
              + " user_name_folded, display, doc)"
              + " SELECT 'default', 'User', 'u' || i, 1, 1772359200000000 + i, 1772359200000000 + i,"
              + " 'bulk' || i, 'bulk' || i, jsonb_build_object('userName', 'bulk' || i)"
              + " FROM generate_series(1, "
              + n
              + ") i");
      st.execute(
          "INSERT INTO resources (tenant, type, id, version, created, last_modified,"
              + " display_name_folded, display, doc)"
              + " SELECT 'default', 'Group', 'g' || i, 1, 1772369200000000 + i, 1772369200000000 + i,"
              + " 'group ' || i, 'Group ' || i, jsonb_build_object('displayName', 'Group ' || i)"
              + " FROM generate_series(1, 2000) i");
      st.execute(
          "INSERT INTO members (tenant, group_id, member_id, member_type)"
              + " SELECT 'default', 'g' || (i % 2000 + 1), 'u' || i, 'User' FROM generate_series(1, "
              + n
              + ") i");
      st.execute("UPDATE clocks SET micros = (SELECT MAX(last_modified) FROM resources)");
      st.execute("VACUUM ANALYZE");
    }
    // The kept count followed the multi-row inserts, and follows a delete.
    assertThat(query("User", Query.all(0)).totalResults()).isEqualTo(n);
    assertThat(delete("User", "u7")).isTrue();
    assertThat(query("User", Query.all(10)).totalResults()).isEqualTo(n - 1);

    // An unfiltered page, by index and by cursor: rows in seq order from an index (no sort of
    // every resource of the type), the total from resource_counts (no COUNT over resources).
    // Explained with the values the store binds (custom plans, as PostgreSQL runs them): the
    // Groups, 2% of the rows and inserted last, must come from resources_in_order, not from a walk
    // of resources_pkey past every user.
    Page p1 = query("Group", new Query(null, null, 1, 100, "", Load.NONE));
    long edge = Long.parseLong(p1.resources().get(99).id().substring(1)) + n;
    for (String type : List.of("User", "Group")) {
      List<String> sqls = statements(() -> query(type, Query.all(100)));
      sqls.addAll(statements(() -> query(type, new Query(null, null, 1, 100, "", Load.NONE))));
      for (String sql : sqls) {
        String plan;
        if (sql.startsWith("SELECT r.seq") && sql.contains("r.seq > ?")) {
          plan = customPlan(sql, "default", type, edge, 101, 0);
        } else if (sql.startsWith("SELECT r.seq")) {
          plan = customPlan(sql, "default", type, 101, 0);
        } else if (sql.contains("resource_counts")) {
          // one row of a table of a few rows (a scan of it is right), and no read of resources
          assertThat(customPlan(sql, "default", type))
              .contains("on resource_counts")
              .doesNotContain("on resources")
              .doesNotContain("Aggregate");
          continue;
        } else {
          continue;
        }
        assertThat(plan)
            .doesNotContain("Sort")
            .doesNotContain("Seq Scan")
            .doesNotContain("Aggregate");
        if (type.equals("Group")) {
          assertThat(plan).doesNotContain("resources_pkey");
        }
      }
      assertThat(sqls)
          .as(type)
          .anyMatch(sql -> sql.contains("resource_counts"))
          .noneMatch(sql -> sql.contains("COUNT("));
    }
    List<String> deepSqls =
        statements(() -> query("Group", new Query(null, null, 1, 100, p1.nextCursor(), Load.NONE)));
    String deepSelect =
        deepSqls.stream().filter(sql -> sql.startsWith("SELECT r.seq")).findFirst().orElseThrow();
    assertThat(customPlan(deepSelect, "default", "Group", edge, 101, 0))
        .contains("Index Scan using resources_in_order")
        .doesNotContain("Sort");

    // A user's groups: the membership rows of the user and of each group reached come from the
    // covering index alone, never a scan of every membership.
    List<String> groups =
        plans(
            () -> get("User", "u5", new Load(false, true)),
            false,
            sql -> sql.startsWith("WITH RECURSIVE"));
    assertThat(groups).hasSize(1);
    assertThat(groups.get(0))
        .contains("Index Only Scan using members_by_member")
        .doesNotContain("Seq Scan")
        .doesNotContain("members_pkey");
    assertThat(
            get("User", "u5", new Load(false, true))
                .orElseThrow()
                .attributes()
                .get("groups")
                .get(0)
                .get("value")
                .asText())
        .isEqualTo("g6");
  }

  @Test
  void atScale_recentLastModifiedInDefaultOrder_readsTheRangeNotEveryRowInSeqOrder()
      throws SQLException {
    // 100,000 users in creation order, then 10,000 groups modified after them (their times share
    // last_modified's statistics): the planner estimates far more users after a recent watermark
    // than there are, and a walk of the seq order "finding 100 soon" would read every user first.
    int n = 100_000;
    try (Connection c = inspect();
        Statement st = c.createStatement()) {
      st.execute(
          "INSERT INTO resources (tenant, type, id, version, created, last_modified, user_name_folded, display, doc)"
              + " SELECT 'default', 'User', 'u' || i, 1, 1772359200000000 + i, 1772359200000000 + i,"
              + " 'bulk' || i, 'bulk' || i, jsonb_build_object('userName', 'bulk' || i) FROM generate_series(1, "
              + n
              + ") i");
      st.execute(
          "INSERT INTO resources (tenant, type, id, version, created, last_modified, display_name_folded, display, doc)"
              + " SELECT 'default', 'Group', 'g' || i, 1, 1772369200000000 + i, 1772369200000000 + i,"
              + " 'group ' || i, 'Group ' || i, jsonb_build_object('displayName', 'Group ' || i) FROM generate_series(1, 10000) i");
      st.execute("UPDATE clocks SET micros = (SELECT MAX(last_modified) FROM resources)");
      st.execute("VACUUM ANALYZE");
    }
    long mark = 1772359200000000L + n - 100; // the last 100 users
    String since = Docs.instant(mark).toString();
    Query q =
        new Query(
            Filter.compare("meta.lastModified", CompareOp.GT, TextNode.valueOf(since)),
            null,
            1,
            100,
            null,
            Load.NONE);
    assertThat(ids(query("User", q))).hasSize(100).startsWith("u" + (n - 99));
    List<String> sqls = statements(() -> query("User", q));
    String select =
        sqls.stream().filter(sql -> sql.startsWith("SELECT r.seq")).findFirst().orElseThrow();
    assertThat(customPlan(select, "default", "User", mark, 100, 0))
        .contains("resources_by_last_modified")
        .doesNotContain("resources_in_order")
        .doesNotContain("resources_pkey");
  }

  @Test
  void nulCharacter_whichPostgresCannotHold_is400InvalidValue_inWritesAndFilters() {
    ObjectNode u = user("nul\u0000name");
    io.scimd.core.error.ScimException e = scimError(() -> insert("User", u));
    assertThat(e.status()).isEqualTo(400);
    assertThat(e.scimType()).isEqualTo(io.scimd.core.error.ScimType.INVALID_VALUE);
    assertThat(e.getMessage()).contains("U+0000");
    ObjectNode nested = user("fine");
    nested.put("nickName", "x\u0000y");
    assertThat(scimError(() -> insert("User", nested)).scimType())
        .isEqualTo(io.scimd.core.error.ScimType.INVALID_VALUE);
    assertThat(scimError(() -> query("User", filtered(Filter.eq("userName", "a\u0000")))).status())
        .isEqualTo(400);
    // nothing half-written, and the store goes on
    assertThat(query("User", Query.all(10)).totalResults()).isZero();
    assertThat(insert("User", user("fine")).meta().version()).isEqualTo(1);
  }

  // ------------------------------------------------------------------ operations

  @Test
  void open_schemaNewerThanTheCode_refusesWithAClearMessage() throws SQLException {
    store.close();
    try (Connection c = inspect();
        Statement st = c.createStatement()) {
      st.execute(
          "INSERT INTO flyway_schema_history (installed_rank, version, description, type, script,"
              + " checksum, installed_by, execution_time, success)"
              + " VALUES (999, '999', 'from the future', 'SQL', 'V999__from_the_future.sql', 0, 'test', 0, TRUE)");
    }
    try {
      assertThatThrownBy(() -> PostgresStore.open(db.url(), registry, clock, settings()))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("schema version 999")
          .hasMessageContaining("newer than this scimd");
    } finally {
      try (Connection c = inspect();
          Statement st = c.createStatement()) {
        st.execute("DELETE FROM flyway_schema_history WHERE version = '999'");
      }
      store = PostgresStore.open(db.url(), registry, clock, settings());
    }
  }

  @Test
  void open_withMigrationsOff_refusesAnUnmigratedDatabase_untilMigrateRan() {
    try (PgTestDatabase fresh = PgTestDatabase.create()) {
      PoolSettings noMigrate = settings().withMigrate(false);
      assertThatThrownBy(() -> PostgresStore.open(fresh.url(), registry, clock, noMigrate))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("needs migrations 1")
          .hasMessageContaining("scimd migrate");
      PostgresStore.migrate(fresh.url(), registry, settings());
      try (Store s = PostgresStore.open(fresh.url(), registry, clock, noMigrate)) {
        assertThat(s.write(SCOPE, tx -> tx.insert("User", user("alice"))).meta().version())
            .isEqualTo(1);
      }
    }
  }

  @Test
  void write_insideAWrite_isRefused() {
    assertThatThrownBy(() -> store.write(SCOPE, tx -> store.write(SCOPE, inner -> null)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("inside a write");
  }

  @Test
  void close_thenUse_isIllegalState() {
    store.close();
    assertThatThrownBy(() -> get("User", "x", Load.NONE)).isInstanceOf(IllegalStateException.class);
    store = PostgresStore.open(db.url(), registry, clock, settings());
  }

  // ------------------------------------------------------------------ tenant deletion and writers

  private static final Scope ACME_WRITER = Scope.system("acme", "writer");

  /** Waits until some session of the test database waits for a lock. */
  private void awaitLockWait() throws Exception {
    try (Connection c = inspect();
        Statement st = c.createStatement()) {
      for (int i = 0; i < 500; i++) {
        try (ResultSet rs =
            st.executeQuery(
                "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'")) {
          rs.next();
          if (rs.getLong(1) > 0) {
            return;
          }
        }
        Thread.sleep(20);
      }
    }
    throw new AssertionError("no session ever waited for a lock");
  }

  @Test
  void tenantDelete_waitsForAWriterThatTicked_andDeletesWhatItWrote() throws Exception {
    store.tenants().create("acme");
    CountDownLatch ticked = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      Future<StoredResource> writer =
          pool.submit(
              () ->
                  store.write(
                      ACME_WRITER,
                      tx -> {
                        StoredResource r = tx.insert("User", user("late"));
                        ticked.countDown();
                        await(release);
                        return r;
                      }));
      assertThat(ticked.await(10, TimeUnit.SECONDS)).isTrue();
      Future<Tenants.Deletion> deletion = pool.submit(() -> store.tenants().delete("acme", true));
      awaitLockWait();
      release.countDown();
      writer.get(10, TimeUnit.SECONDS);
      assertThat(deletion.get(10, TimeUnit.SECONDS)).isEqualTo(new Tenants.Deletion.Deleted(1, 0));
    } finally {
      pool.shutdownNow();
    }
    try (Connection c = inspect();
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM resources WHERE tenant = 'acme'")) {
      rs.next();
      assertThat(rs.getLong(1)).isZero();
    }
  }

  @Test
  void aWriteThatWaitedForTheClockOfATenantBeingDeleted_fails404_andLeavesNothing()
      throws Exception {
    store.tenants().create("acme");
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try (Connection deleter = inspect();
        Statement st = deleter.createStatement()) {
      // what Tenants.delete does around the rows: lock the clock first, delete it last
      deleter.setAutoCommit(false);
      st.execute("SELECT 1 FROM clocks WHERE tenant = 'acme' FOR UPDATE");
      Future<StoredResource> late =
          pool.submit(() -> store.write(ACME_WRITER, tx -> tx.insert("User", user("late"))));
      awaitLockWait();
      st.execute("DELETE FROM clocks WHERE tenant = 'acme'");
      st.execute("DELETE FROM tenants WHERE name = 'acme'");
      deleter.commit();
      Throwable failed =
          catchThrowableOfType(ExecutionException.class, () -> late.get(10, TimeUnit.SECONDS))
              .getCause();
      assertThat(failed).isInstanceOf(ScimException.class);
      assertThat(((ScimException) failed).status()).isEqualTo(404);
      assertThat(failed).hasMessageContaining("the tenant 'acme' does not exist");
    } finally {
      pool.shutdownNow();
    }
    try (Connection c = inspect();
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM resources WHERE tenant = 'acme'")) {
      rs.next();
      assertThat(rs.getLong(1)).isZero();
    }
  }

  private static void await(CountDownLatch latch) {
    try {
      if (!latch.await(10, TimeUnit.SECONDS)) {
        throw new IllegalStateException("not released");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
