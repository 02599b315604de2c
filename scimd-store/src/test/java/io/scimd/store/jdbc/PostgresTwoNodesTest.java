package io.scimd.store.jdbc;

import static io.scimd.store.TestScopes.SCOPE;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.scimd.core.error.ScimException;
import io.scimd.core.filter.CompareOp;
import io.scimd.core.filter.Filter;
import io.scimd.core.path.AttrPath;
import io.scimd.core.schema.SchemaRegistry;
import io.scimd.store.JournalEntry;
import io.scimd.store.Load;
import io.scimd.store.Member;
import io.scimd.store.Page;
import io.scimd.store.PgTestDatabase;
import io.scimd.store.PoolSettings;
import io.scimd.store.Query;
import io.scimd.store.Sort;
import io.scimd.store.Store;
import io.scimd.store.StoredResource;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two {@link PostgresStore}s on one database, as two scimd nodes behind a load balancer: each has
 * its own pool and its own clock (the second's runs 5 minutes behind), and the database alone keeps
 * them right.
 */
class PostgresTwoNodesTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static PgTestDatabase db;
  private final SchemaRegistry registry = SchemaRegistry.builtIn();
  private final Instant start = Instant.parse("2026-03-01T10:00:00Z");
  private Store a;
  private Store b;

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

  @BeforeEach
  void openNodes() {
    PoolSettings settings = PoolSettings.defaults().withMaxPoolSize(4);
    a =
        PostgresStore.open(
            PgTestDatabase.require(db).url(), registry, InstantSource.fixed(start), settings);
    db.truncate();
    b =
        PostgresStore.open(
            db.url(), registry, InstantSource.fixed(start.minusSeconds(300)), settings);
  }

  @AfterEach
  void closeNodes() {
    if (a != null) {
      a.close();
    }
    if (b != null) {
      b.close();
    }
  }

  private static ObjectNode user(String userName) {
    ObjectNode n = JSON.createObjectNode();
    n.putArray("schemas").add("urn:ietf:params:scim:schemas:core:2.0:User");
    n.put("userName", userName);
    return n;
  }

  private static ObjectNode group(String displayName) {
    ObjectNode n = JSON.createObjectNode();
    n.putArray("schemas").add("urn:ietf:params:scim:schemas:core:2.0:Group");
    n.put("displayName", displayName);
    return n;
  }

  /** Runs the tasks at once on virtual threads and waits for all. */
  private static <T> List<T> concurrently(List<Callable<T>> tasks) throws Exception {
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      CountDownLatch go = new CountDownLatch(1);
      List<Future<T>> fs = new ArrayList<>();
      for (Callable<T> t : tasks) {
        fs.add(
            pool.submit(
                () -> {
                  go.await();
                  return t.call();
                }));
      }
      go.countDown();
      List<T> out = new ArrayList<>();
      for (Future<T> f : fs) {
        out.add(f.get(90, TimeUnit.SECONDS));
      }
      return out;
    }
  }

  private Store node(int i) {
    return i % 2 == 0 ? a : b;
  }

  @Test
  void memberAddsToOneGroupFromBothNodes_allLand_andEachBumpsTheVersionOnce() throws Exception {
    String g = a.write(SCOPE, tx -> tx.insert("Group", group("big")).id());
    List<String> users =
        a.write(
            SCOPE,
            tx -> {
              List<String> out = new ArrayList<>();
              for (int i = 0; i < 120; i++) {
                out.add(tx.insert("User", user("u" + i)).id());
              }
              return out;
            });
    List<Callable<Void>> tasks = new ArrayList<>();
    for (int t = 0; t < 6; t++) {
      Store node = node(t);
      List<String> mine = users.subList(t * 20, t * 20 + 20);
      tasks.add(
          () -> {
            for (String u : mine) {
              // What the service does for PATCH add members: lock, add, bump the version.
              node.write(
                  SCOPE,
                  tx -> {
                    StoredResource cur = tx.getForUpdate("Group", g, Load.NONE).orElseThrow();
                    tx.addMembers(g, List.of(new Member(u, null)));
                    return tx.replace("Group", g, cur.attributes()).resource();
                  });
            }
            return null;
          });
    }
    concurrently(tasks);
    List<Member> members = b.read(SCOPE, r -> r.members(g));
    assertThat(members).extracting(Member::value).containsExactlyInAnyOrderElementsOf(users);
    assertThat(a.read(SCOPE, r -> r.get("Group", g, Load.NONE)).orElseThrow().meta().version())
        .isEqualTo(121);
  }

  @Test
  void memberWritesThatTouch_andRenames_fromBothNodes_allLand_andEachBumpsTheVersionOnce()
      throws Exception {
    String g = a.write(SCOPE, tx -> tx.insert("Group", group("big")).id());
    List<String> users =
        a.write(
            SCOPE,
            tx -> {
              List<String> out = new ArrayList<>();
              for (int i = 0; i < 120; i++) {
                out.add(tx.insert("User", user("u" + i)).id());
              }
              return out;
            });
    List<Callable<Void>> tasks = new ArrayList<>();
    for (int t = 0; t < 6; t++) {
      Store node = node(t);
      List<String> mine = users.subList(t * 20, t * 20 + 20);
      tasks.add(
          () -> {
            for (String u : mine) {
              // What the service does for a PATCH of members alone: lock the meta, add, touch.
              node.write(
                  SCOPE,
                  tx -> {
                    long seen = tx.metaForUpdate("Group", g).orElseThrow().version();
                    tx.addMembers(g, List.of(new Member(u, null)));
                    assertThat(tx.touch("Group", g).version()).isEqualTo(seen + 1);
                    return null;
                  });
            }
            return null;
          });
    }
    for (int t = 0; t < 2; t++) {
      Store node = node(t);
      int renamer = t;
      tasks.add(
          () -> {
            for (int i = 0; i < 10; i++) {
              String name = "big-" + renamer + "-" + i;
              node.write(
                  SCOPE,
                  tx -> {
                    tx.getForUpdate("Group", g, Load.NONE).orElseThrow();
                    return tx.patch("Group", g, group(name)).resource();
                  });
            }
            return null;
          });
    }
    concurrently(tasks);
    List<Member> members = b.read(SCOPE, r -> r.members(g));
    assertThat(members).extracting(Member::value).containsExactlyInAnyOrderElementsOf(users);
    assertThat(a.read(SCOPE, r -> r.get("Group", g, Load.NONE)).orElseThrow().meta().version())
        .isEqualTo(141);
  }

  @Test
  void sameUserNameOnBothNodes_exactlyOneWins_theOtherIs409() throws Exception {
    for (int round = 0; round < 10; round++) {
      String name = "dup" + round;
      List<Callable<String>> tasks = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        Store node = node(t);
        String spelled = t % 2 == 0 ? name : name.toUpperCase(Locale.ROOT);
        tasks.add(
            () -> {
              try {
                node.write(SCOPE, tx -> tx.insert("User", user(spelled)));
                return "created";
              } catch (ScimException e) {
                return e.status() + " " + e.scimType();
              }
            });
      }
      assertThat(concurrently(tasks))
          .containsExactlyInAnyOrder(
              "created", "409 uniqueness", "409 uniqueness", "409 uniqueness");
    }
    assertThat(a.read(SCOPE, r -> r.query("User", Query.all(0))).totalResults()).isEqualTo(10);
  }

  @Test
  void updatesWithVersionChecksOnBothNodes_loseNothing() throws Exception {
    String id = a.write(SCOPE, tx -> tx.insert("User", counter(0)).id());
    AtomicInteger applied = new AtomicInteger();
    AtomicInteger refused = new AtomicInteger();
    List<Callable<Void>> tasks = new ArrayList<>();
    for (int t = 0; t < 6; t++) {
      Store node = node(t);
      tasks.add(
          () -> {
            for (int done = 0; done < 10; ) {
              // If-Match: read the version, then update only if it is still that version.
              StoredResource seen =
                  node.read(SCOPE, r -> r.get("User", id, Load.NONE)).orElseThrow();
              long expected = seen.meta().version();
              int n = seen.attributes().get("nickName").asInt();
              try {
                node.write(
                    SCOPE,
                    tx -> {
                      StoredResource cur = tx.getForUpdate("User", id, Load.NONE).orElseThrow();
                      if (cur.meta().version() != expected) {
                        throw ScimException.preconditionFailed("version changed");
                      }
                      return tx.replace("User", id, counter(n + 1)).resource();
                    });
                applied.incrementAndGet();
                done++;
              } catch (ScimException e) {
                assertThat(e.status()).isEqualTo(412);
                refused.incrementAndGet();
              }
            }
            return null;
          });
    }
    concurrently(tasks);
    StoredResource end = b.read(SCOPE, r -> r.get("User", id, Load.NONE)).orElseThrow();
    assertThat(applied.get()).isEqualTo(60);
    assertThat(end.attributes().get("nickName").asInt()).as("no lost update").isEqualTo(60);
    assertThat(end.meta().version()).isEqualTo(61);
  }

  private static ObjectNode counter(int n) {
    ObjectNode u = user("counter");
    u.put("nickName", String.valueOf(n));
    return u;
  }

  @Test
  void nestingEachGroupInTheOtherOnTwoNodes_neverMakesACycle() throws Exception {
    for (int round = 0; round < 10; round++) {
      String x = a.write(SCOPE, tx -> tx.insert("Group", group("x")).id());
      String y = a.write(SCOPE, tx -> tx.insert("Group", group("y")).id());
      List<Callable<String>> tasks = List.of(() -> add(a, x, y), () -> add(b, y, x));
      List<String> outcomes = concurrently(tasks);
      assertThat(outcomes).containsExactlyInAnyOrder("added", "400 invalidValue");
      boolean xy = a.read(SCOPE, r -> r.members(x).stream().anyMatch(m -> m.value().equals(y)));
      boolean yx = a.read(SCOPE, r -> r.members(y).stream().anyMatch(m -> m.value().equals(x)));
      assertThat(xy ^ yx).as("exactly one direction").isTrue();
    }
  }

  private static String add(Store node, String groupId, String member) {
    try {
      node.write(
          SCOPE,
          tx -> {
            tx.addMembers(groupId, List.of(new Member(member, "Group")));
            return null;
          });
      return "added";
    } catch (ScimException e) {
      return e.status() + " " + e.scimType();
    }
  }

  @Test
  void lastModified_isUniqueAndInCommitOrder_soADeltaSyncMissesNothing() throws Exception {
    // Both nodes' clocks stand still, b's 5 minutes behind: only the database orders the writes.
    AtomicBoolean writing = new AtomicBoolean(true);
    Set<String> created = ConcurrentHashMap.newKeySet();
    List<Callable<Void>> tasks = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      Store node = node(t);
      int from = t * 50;
      tasks.add(
          () -> {
            for (int i = from; i < from + 50; i++) {
              String name = "d" + i;
              created.add(node.write(SCOPE, tx -> tx.insert("User", user(name)).id()));
            }
            return null;
          });
    }
    Set<String> synced = new HashSet<>();
    Set<Long> stamps = new HashSet<>();
    long[] watermark = {0};
    Callable<Void> deltaSync =
        () -> {
          while (true) {
            boolean last = !writing.get();
            // GET /Users?filter=meta.lastModified gt "<watermark>"&sortBy=meta.lastModified
            Filter f =
                Filter.compare(
                    "meta.lastModified",
                    CompareOp.GT,
                    TextNode.valueOf(Docs.instant(watermark[0]).toString()));
            Page p =
                b.read(
                    SCOPE,
                    r ->
                        r.query(
                            "User",
                            new Query(
                                f,
                                new Sort(AttrPath.parse("meta.lastModified"), false),
                                1,
                                1000,
                                null,
                                Load.NONE)));
            for (StoredResource r : p.resources()) {
              assertThat(synced.add(r.id())).as("each change seen once").isTrue();
              long micros = Docs.micros(r.meta().lastModified());
              assertThat(stamps.add(micros)).as("lastModified unique").isTrue();
              watermark[0] = Math.max(watermark[0], micros);
            }
            if (last) {
              return null;
            }
            Thread.sleep(2);
          }
        };
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      Future<Void> sync = pool.submit(deltaSync);
      concurrently(tasks);
      writing.set(false);
      sync.get(60, TimeUnit.SECONDS);
    }
    assertThat(created).hasSize(200);
    assertThat(synced).as("a delta sync that followed the writes saw every one").isEqualTo(created);
  }

  @Test
  void deadlockBetweenNodes_isRetriedTransparently() throws Exception {
    String u1 = a.write(SCOPE, tx -> tx.insert("User", user("one")).id());
    String u2 = a.write(SCOPE, tx -> tx.insert("User", user("two")).id());
    CountDownLatch bothLocked = new CountDownLatch(2);
    AtomicInteger runs = new AtomicInteger();
    List<Callable<Long>> tasks =
        List.of(
            () -> lockBoth(a, u1, u2, bothLocked, runs),
            () -> lockBoth(b, u2, u1, bothLocked, runs));
    List<Long> versions = concurrently(tasks);
    // One of the two was chosen as the deadlock victim and ran again after the other committed.
    assertThat(runs.get()).isEqualTo(3);
    assertThat(versions).containsExactlyInAnyOrder(2L, 3L);
  }

  private static long lockBoth(
      Store node, String first, String second, CountDownLatch bothLocked, AtomicInteger runs) {
    return node.write(
        SCOPE,
        tx -> {
          runs.incrementAndGet();
          StoredResource f = tx.getForUpdate("User", first, Load.NONE).orElseThrow();
          bothLocked.countDown();
          try {
            bothLocked.await(30, TimeUnit.SECONDS); // a no-op on the retry: the count is 0
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          tx.getForUpdate("User", second, Load.NONE).orElseThrow();
          StoredResource s =
              tx.replace(
                      "User", second, tx.get("User", second, Load.NONE).orElseThrow().attributes())
                  .resource();
          tx.replace("User", first, f.attributes()).resource();
          return s.meta().version();
        });
  }

  @Test
  void deadlockBetweenNodes_withRetriesOff_isA503ForTheVictim() throws Exception {
    String u1 = a.write(SCOPE, tx -> tx.insert("User", user("one")).id());
    String u2 = a.write(SCOPE, tx -> tx.insert("User", user("two")).id());
    PoolSettings once = PoolSettings.defaults().withMaxPoolSize(2).withMaxAttempts(1);
    try (Store a1 = PostgresStore.open(db.url(), registry, InstantSource.fixed(start), once);
        Store b1 = PostgresStore.open(db.url(), registry, InstantSource.fixed(start), once)) {
      CountDownLatch bothLocked = new CountDownLatch(2);
      AtomicInteger runs = new AtomicInteger();
      List<Callable<String>> tasks =
          List.of(
              () -> outcome(() -> lockBoth(a1, u1, u2, bothLocked, runs)),
              () -> outcome(() -> lockBoth(b1, u2, u1, bothLocked, runs)));
      assertThat(concurrently(tasks)).containsExactlyInAnyOrder("ok", "503 null");
      assertThat(runs.get()).isEqualTo(2);
    }
  }

  @Test
  void lockWaitLongerThanTheStatementTimeout_isA503_andTheHolderCommits() throws Exception {
    String u = a.write(SCOPE, tx -> tx.insert("User", user("held")).id());
    PoolSettings impatient =
        PoolSettings.defaults()
            .withMaxPoolSize(2)
            .withStatementTimeout(java.time.Duration.ofMillis(300));
    try (Store c = PostgresStore.open(db.url(), registry, InstantSource.fixed(start), impatient)) {
      CountDownLatch locked = new CountDownLatch(1);
      CountDownLatch release = new CountDownLatch(1);
      try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
        Future<Long> holder =
            pool.submit(
                () ->
                    a.write(
                        SCOPE,
                        tx -> {
                          StoredResource cur = tx.getForUpdate("User", u, Load.NONE).orElseThrow();
                          locked.countDown();
                          try {
                            release.await(30, TimeUnit.SECONDS);
                          } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                          }
                          return tx.replace("User", u, cur.attributes())
                              .resource()
                              .meta()
                              .version();
                        }));
        assertThat(locked.await(30, TimeUnit.SECONDS)).isTrue();
        String waited =
            outcome(
                () ->
                    c.write(
                        SCOPE,
                        tx ->
                            tx.getForUpdate("User", u, Load.NONE).orElseThrow().meta().version()));
        release.countDown();
        assertThat(waited).isEqualTo("503 null");
        assertThat(holder.get(30, TimeUnit.SECONDS)).isEqualTo(2L);
      }
      // the impatient node works again once the lock is gone
      assertThat(c.read(SCOPE, r -> r.get("User", u, Load.NONE)).orElseThrow().meta().version())
          .isEqualTo(2);
    }
  }

  @Test
  void cursorWalkOnOneNode_whileTheOtherInsertsAndDeletes_seesEveryLastingUserOnce()
      throws Exception {
    List<String> lasting =
        a.write(
            SCOPE,
            tx -> {
              List<String> out = new ArrayList<>();
              for (int i = 0; i < 300; i++) {
                out.add(tx.insert("User", user("stay" + i)).id());
              }
              return out;
            });
    List<String> doomed =
        a.write(
            SCOPE,
            tx -> {
              List<String> out = new ArrayList<>();
              for (int i = 0; i < 100; i++) {
                out.add(tx.insert("User", user("doomed" + i)).id());
              }
              return out;
            });
    AtomicBoolean walking = new AtomicBoolean(true);
    List<String> seen = new ArrayList<>();
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      Future<?> churn =
          pool.submit(
              () -> {
                int i = 0;
                while (walking.get() && i < 100) {
                  String gone = doomed.get(i);
                  String name = "new" + i++;
                  b.write(
                      SCOPE,
                      tx -> {
                        tx.delete("User", gone);
                        return tx.insert("User", user(name));
                      });
                }
                return null;
              });
      Sort byName = new Sort(AttrPath.parse("userName"), true);
      for (Sort sort : java.util.Arrays.asList(null, byName)) {
        seen.clear();
        String cursor = "";
        while (cursor != null) {
          String at = cursor;
          Page p =
              a.read(
                  SCOPE,
                  r ->
                      r.query(
                          "User", new Query(Filter.pr("userName"), sort, 1, 17, at, Load.NONE)));
          seen.addAll(ids(p));
          cursor = p.nextCursor();
        }
        assertThat(seen).as("no row twice, sort " + sort).doesNotHaveDuplicates();
        assertThat(seen).as("every lasting row, sort " + sort).containsAll(lasting);
      }
      walking.set(false);
      churn.get(60, TimeUnit.SECONDS);
    }
  }

  private static List<String> ids(Page p) {
    return p.resources().stream().map(StoredResource::id).toList();
  }

  private static String outcome(Callable<?> call) throws Exception {
    try {
      call.call();
      return "ok";
    } catch (ScimException e) {
      return e.status() + " " + e.scimType();
    }
  }

  /**
   * Two nodes write at once; a reader on each polls the journal all along. Every read sees a
   * gap-free prefix 1..n (never entry n+1 before entry n), and at the end both nodes read the same
   * journal: one entry per committed write, in commit order.
   */
  @Test
  void concurrentWritesOnTwoNodes_giveOneGapFreeJournalThatEveryReaderSees() throws Exception {
    int perNode = 60;
    ExecutorService pool = Executors.newFixedThreadPool(6);
    AtomicBoolean writing = new AtomicBoolean(true);
    try {
      List<Future<?>> writers = new ArrayList<>();
      for (Store node : List.of(a, b)) {
        for (int t = 0; t < 2; t++) {
          String prefix = (node == a ? "a" : "b") + t + "-";
          writers.add(
              pool.submit(
                  () -> {
                    for (int i = 0; i < perNode / 2; i++) {
                      String name = prefix + i;
                      node.write(SCOPE, tx -> tx.insert("User", user(name)));
                    }
                    return null;
                  }));
        }
      }
      List<Future<Integer>> readers = new ArrayList<>();
      for (Store node : List.of(a, b)) {
        readers.add(
            pool.submit(
                () -> {
                  int reads = 0;
                  while (writing.get()) {
                    List<JournalEntry> seen = node.read(SCOPE, r -> r.journal(0, 1000));
                    for (int i = 0; i < seen.size(); i++) {
                      assertThat(seen.get(i).seq())
                          .as("entry %d of a read of %d", i, seen.size())
                          .isEqualTo(i + 1);
                    }
                    reads++;
                  }
                  return reads;
                }));
      }
      for (Future<?> w : writers) {
        w.get(60, TimeUnit.SECONDS);
      }
      writing.set(false);
      for (Future<Integer> r : readers) {
        assertThat(r.get(60, TimeUnit.SECONDS)).isPositive();
      }
    } finally {
      writing.set(false);
      pool.shutdownNow();
    }
    List<JournalEntry> onA = a.read(SCOPE, r -> r.journal(0, 1000));
    List<JournalEntry> onB = b.read(SCOPE, r -> r.journal(0, 1000));
    assertThat(onA).hasSize(2 * perNode);
    assertThat(onA)
        .extracting(JournalEntry::seq)
        .isEqualTo(java.util.stream.LongStream.rangeClosed(1, 2 * perNode).boxed().toList());
    assertThat(onB).isEqualTo(onA);
    // Commit order is also the order of meta.lastModified (the same clock row orders both).
    assertThat(onA).extracting(JournalEntry::at).isSorted();
    // Each node chained its entries to the other's: one hash chain, as if one writer wrote it.
    List<io.scimd.store.AuditRecord> chain =
        b.audit().read(r -> r.records(SCOPE.tenant(), 0, 1000));
    assertThat(chain).hasSize(2 * perNode);
    StoreContractTest.assertChained(chain);
  }
}
