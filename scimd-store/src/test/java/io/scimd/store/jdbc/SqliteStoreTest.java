package io.scimd.store.jdbc;

import static io.scimd.store.TestScopes.SCOPE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.TextNode;
import io.scimd.core.filter.CompareOp;
import io.scimd.core.filter.Filter;
import io.scimd.core.schema.SchemaRegistry;
import io.scimd.store.Load;
import io.scimd.store.Member;
import io.scimd.store.Page;
import io.scimd.store.Query;
import io.scimd.store.Store;
import io.scimd.store.StoredResource;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The store contract on SQLite, plus SQLite's query plans and scale. */
class SqliteStoreTest extends StoreContractTest {
  @TempDir Path dir;

  @Override
  protected Store newStore(SchemaRegistry registry, InstantSource clock) {
    return SqliteStore.open(dir, registry, clock);
  }

  @Override
  protected Store reopen(SchemaRegistry registry, InstantSource clock) {
    store.close();
    return SqliteStore.open(dir, registry, clock);
  }

  @Override
  protected Connection inspect() throws SQLException {
    return DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("scimd.db"));
  }

  /** After every contract test: the maintained counts are the real ones. */
  @AfterEach
  void countsMatchTheRows() throws SQLException {
    try (Connection c = inspect();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT r.tenant, r.type, COUNT(*), (SELECT n FROM resource_counts k"
                    + " WHERE k.tenant = r.tenant AND k.type = r.type) FROM resources r GROUP BY r.tenant, r.type")) {
      while (rs.next()) {
        assertThat(rs.getLong(4))
            .as("resource_counts of " + rs.getString(2))
            .isEqualTo(rs.getLong(3));
      }
    }
  }

  @Test
  void open_setsWalAndFullSync() throws SQLException {
    try (Connection c = inspect();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("PRAGMA journal_mode")) {
      rs.next();
      assertThat(rs.getString(1)).isEqualToIgnoringCase("wal");
    }
  }

  /**
   * The plans of every statement {@code work} runs that reads {@code resources} or {@code members}.
   */
  private List<String> plans(Supplier<?> work) throws SQLException {
    List<String> sqls = new CopyOnWriteArrayList<>();
    SqliteStore s = (SqliteStore) store;
    s.observeStatements(sqls::add);
    try {
      work.get();
    } finally {
      s.observeStatements(null);
    }
    List<String> plans = new ArrayList<>();
    try (Connection c = inspect();
        Statement st = c.createStatement()) {
      for (String sql : sqls) {
        if (!sql.contains("resources") && !sql.contains("members")) {
          continue;
        }
        StringBuilder plan = new StringBuilder(sql).append("\n");
        try (var ps = c.prepareStatement("EXPLAIN QUERY PLAN " + sql);
            ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            plan.append("  ").append(rs.getString("detail")).append("\n");
          }
        }
        plans.add(plan.toString());
      }
    }
    return plans;
  }

  private void assertIndexed(String type, Filter f) throws SQLException {
    List<String> plans = plans(() -> query(type, filtered(f)));
    assertThat(plans).as(f.toString()).isNotEmpty();
    for (String plan : plans) {
      assertThat(plan).as(f.toString()).doesNotContainPattern("SCAN (r|resources)\\b");
      assertThat(plan).as(f.toString()).containsPattern("SEARCH (r|resources) USING");
    }
  }

  @Test
  void commonIdpFilters_areIndexLookups() throws SQLException {
    StoredResource u = insert("User", user("alice"));
    StoredResource g = insert("Group", group("g"));
    addMembers(g.id(), u.id());
    assertIndexed("User", Filter.eq("userName", "alice"));
    assertIndexed("User", Filter.eq("externalId", "x"));
    assertIndexed("User", Filter.eq("displayName", "x"));
    assertIndexed("Group", Filter.eq("displayName", "g"));
    assertIndexed(
        "Group",
        Filter.and(
            Filter.eq("id", g.id()), Filter.valuePath("members", Filter.eq("value", u.id()))));
    assertIndexed("Group", Filter.and(Filter.eq("id", g.id()), Filter.eq("members", u.id())));
    assertIndexed(
        "User",
        Filter.compare(
            "meta.lastModified", CompareOp.GT, TextNode.valueOf("2026-01-01T00:00:00Z")));
    // sw is a range of the column's index (a LIKE would not use it: SQLite's LIKE ignores case)
    assertIndexed("User", Filter.compare("userName", CompareOp.SW, TextNode.valueOf("Ali")));
    assertIndexed("User", Filter.compare("externalId", CompareOp.SW, TextNode.valueOf("x")));
    assertIndexed("Group", Filter.compare("displayName", CompareOp.SW, TextNode.valueOf("g")));
  }

  /**
   * No plan reads a whole table, nor a whole tenant's slice of an index (a search on tenant alone).
   */
  private static void assertNoScan(List<String> plans) {
    assertThat(plans).isNotEmpty();
    for (String plan : plans) {
      assertThat(plan).doesNotContainPattern("SCAN (r|resources|m|members)\\b");
      assertThat(plan).doesNotContain("(tenant=?)");
    }
  }

  @Test
  void usersGroups_areReadByTheMemberIndex() throws SQLException {
    StoredResource u = insert("User", user("alice"));
    StoredResource inner = insert("Group", group("inner"));
    StoredResource outer = insert("Group", group("outer"));
    addMembers(inner.id(), u.id());
    addMembers(outer.id(), inner.id());
    StoredResource top = insert("Group", group("top"));
    List<String> plans =
        new ArrayList<>(plans(() -> get("User", u.id(), new Load(false, true)).orElseThrow()));
    plans.addAll(
        plans(
            () -> {
              addMembers(top.id(), outer.id()); // a nested add walks the ancestors of "top"
              return null;
            }));
    assertNoScan(plans);
    assertThat(get("User", u.id(), new Load(false, true)).orElseThrow().attributes().get("groups"))
        .hasSize(3);
  }

  @Test
  void unfilteredPages_areReadInIndexOrderWithoutSortingEveryResource() throws SQLException {
    for (int i = 0; i < 5; i++) {
      insert("User", user("user" + i));
    }
    List<String> plans = new ArrayList<>();
    plans.addAll(plans(() -> query("User", new Query(null, null, 1, 2, null, Load.NONE))));
    plans.addAll(plans(() -> query("User", new Query(null, null, 4, 2, null, Load.NONE))));
    Page first = query("User", new Query(null, null, 1, 2, "", Load.NONE));
    plans.addAll(
        plans(() -> query("User", new Query(null, null, 1, 2, first.nextCursor(), Load.NONE))));
    for (String plan : plans) {
      assertThat(plan).doesNotContain("TEMP B-TREE");
    }
    assertNoScan(plans);
  }

  /** The statements on {@code resources} that {@code work} runs. */
  private List<String> resourceStatements(Supplier<?> work) {
    List<String> sqls = new CopyOnWriteArrayList<>();
    SqliteStore s = (SqliteStore) store;
    s.observeStatements(
        sql -> {
          if (sql.contains("resources")) {
            sqls.add(sql);
          }
        });
    try {
      work.get();
    } finally {
      s.observeStatements(null);
    }
    return sqls;
  }

  @Test
  void shortPage_takesItsTotalFromItsRows_withoutACount() {
    for (int i = 0; i < 5; i++) {
      insert("User", user("user" + i));
    }
    Page[] hit = new Page[1];
    List<String> sqls =
        resourceStatements(() -> hit[0] = query("User", filtered(Filter.eq("userName", "USER3"))));
    assertThat(sqls).hasSize(1).noneMatch(sql -> sql.contains("COUNT"));
    assertThat(hit[0].totalResults()).isEqualTo(1);
    assertThat(query("User", new Query(null, null, 4, 10, null, Load.NONE)).totalResults())
        .isEqualTo(5);
    // A full page, or one past the end, cannot tell the total: it is counted.
    assertThat(query("User", new Query(null, null, 1, 2, null, Load.NONE)).totalResults())
        .isEqualTo(5);
    assertThat(query("User", new Query(null, null, 9, 2, null, Load.NONE)).totalResults())
        .isEqualTo(5);
    assertThat(query("User", filtered(Filter.eq("userName", "nobody"))).totalResults()).isZero();
  }

  @Test
  void unfilteredTotal_isReadFromTheMaintainedCount_notCountedOverTheRows() {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      ids.add(insert("User", user("user" + i)).id());
    }
    insert("Group", group("g"));
    delete("User", ids.get(0));
    Page[] page = new Page[1];
    List<String> sqls =
        resourceStatements(
            () -> page[0] = query("User", new Query(null, null, 1, 2, null, Load.NONE)));
    assertThat(page[0].totalResults()).isEqualTo(3);
    assertThat(sqls).noneMatch(sql -> sql.contains("COUNT"));
    assertThat(query("Group", new Query(null, null, 1, 0, null, Load.NONE)).totalResults())
        .isEqualTo(1);
  }

  @Test
  void atScale_userNameLookupAndOneMemberAdd_doNotTouchTheOtherRows() throws SQLException {
    int n = 100_000;
    List<String> ids =
        store.write(
            SCOPE,
            tx -> {
              List<String> out = new ArrayList<>(n);
              for (int i = 0; i < n; i++) {
                out.add(tx.insert("User", user("user" + i)).id());
              }
              return out;
            });
    StoredResource g = insert("Group", group("big"));
    store.write(
        SCOPE,
        tx -> {
          List<Member> ms = new ArrayList<>(n - 1);
          for (int i = 0; i < n - 1; i++) {
            ms.add(new Member(ids.get(i), "User"));
          }
          tx.addMembers(g.id(), ms);
          return null;
        });
    long t0 = System.nanoTime();
    Page hit = query("User", filtered(Filter.eq("userName", "USER99999")));
    Page miss = query("User", filtered(Filter.eq("userName", "nobody-" + t0)));
    long lookup = System.nanoTime() - t0;
    assertThat(hit.totalResults()).isEqualTo(1);
    assertThat(miss.totalResults()).isZero();
    assertIndexed("User", Filter.eq("userName", "user5"));

    String last = ids.get(n - 1);
    List<String> addPlans =
        plans(
            () -> {
              addMembers(g.id(), last);
              return null;
            });
    long t1 = System.nanoTime();
    addMembers(g.id(), ids.get(0)); // already there: a no-op
    long add = System.nanoTime() - t1;
    for (String plan : addPlans) {
      assertThat(plan).doesNotContainPattern("SCAN (r|resources|m|members)\\b");
    }
    assertThat(isMember(g.id(), last)).isTrue();
    // The plans above are the proof; these bounds are generous (shared CI machines) and only
    // catch a gross regression such as reading the member list.
    assertThat(lookup / 1_000_000).as("ms for two userName lookups").isLessThan(2_000);
    assertThat(add / 1_000_000).as("ms to add one member").isLessThan(2_000);
    try (Connection c = inspect();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("EXPLAIN QUERY PLAN " + new SqliteDialect().insertMember())) {
      StringBuilder plan = new StringBuilder();
      while (rs.next()) {
        plan.append(rs.getString("detail")).append('\n');
      }
      assertThat(plan.toString()).doesNotContain("SCAN members");
    }
  }

  /**
   * Writes that arrive while the writer is busy commit together, one COMMIT (one fsync) for
   * several; a write that fails in such a group leaves nothing, journal included, while the others
   * in it commit, and each caller gets its own outcome.
   */
  @Test
  void concurrentWritesCommitInGroups_aFailingOneLeavingNothing() throws Exception {
    int writes = 300;
    List<String> commits = new CopyOnWriteArrayList<>();
    SqliteStore s = (SqliteStore) store;
    s.observeStatements(
        sql -> {
          if (sql.equals("COMMIT")) {
            commits.add(sql);
          }
        });
    List<Future<StoredResource>> results = new ArrayList<>();
    try (ExecutorService writers = Executors.newFixedThreadPool(16)) {
      for (int i = 0; i < writes; i++) {
        int n = i;
        results.add(
            writers.submit(
                () ->
                    store.write(
                        SCOPE,
                        tx -> {
                          StoredResource r = tx.insert("User", user("grouped-" + n));
                          if (n % 5 == 0) {
                            throw new IllegalStateException("refused " + n);
                          }
                          return r;
                        })));
      }
    } finally {
      s.observeStatements(null);
    }
    int committed = 0;
    for (int i = 0; i < writes; i++) {
      if (i % 5 == 0) {
        int n = i;
        assertThatThrownBy(() -> results.get(n).get())
            .isInstanceOf(ExecutionException.class)
            .cause()
            .isInstanceOf(IllegalStateException.class)
            .hasMessage("refused " + n);
      } else {
        assertThat(results.get(i).get().attributes().path("userName").asText())
            .isEqualTo("grouped-" + i);
        committed++;
      }
    }
    try (Connection c = inspect();
        Statement st = c.createStatement();
        ResultSet users =
            st.executeQuery(
                "SELECT COUNT(*), SUM(CASE WHEN CAST(SUBSTR(json_extract(doc, '$.userName'), 9)"
                    + " AS INTEGER) % 5 = 0 THEN 1 ELSE 0 END) FROM resources WHERE type ="
                    + " 'User'")) {
      assertThat(users.getInt(1)).isEqualTo(committed);
      assertThat(users.getInt(2)).as("users whose write failed").isZero();
    }
    try (Connection c = inspect();
        Statement st = c.createStatement();
        ResultSet journal = st.executeQuery("SELECT COUNT(*) FROM journal")) {
      assertThat(journal.getInt(1)).as("journal entries").isEqualTo(committed);
    }
    assertThat(commits).as("commits for %d writes", committed).hasSizeLessThan(committed);
  }
}
