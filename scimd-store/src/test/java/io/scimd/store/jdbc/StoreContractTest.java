package io.scimd.store.jdbc;

import static io.scimd.store.TestScopes.SCOPE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.scimd.core.error.ScimException;
import io.scimd.core.error.ScimType;
import io.scimd.core.filter.CompareOp;
import io.scimd.core.filter.Filter;
import io.scimd.core.filter.FilterEvaluator;
import io.scimd.core.path.AttrPath;
import io.scimd.core.resource.Meta;
import io.scimd.core.schema.ResourceType;
import io.scimd.core.schema.SchemaRegistry;
import io.scimd.store.AuditHash;
import io.scimd.store.AuditPage;
import io.scimd.store.AuditQuery;
import io.scimd.store.AuditRecord;
import io.scimd.store.Change;
import io.scimd.store.Checkpoint;
import io.scimd.store.Credentials;
import io.scimd.store.HubRecords;
import io.scimd.store.JournalEntry;
import io.scimd.store.Load;
import io.scimd.store.Member;
import io.scimd.store.Page;
import io.scimd.store.Query;
import io.scimd.store.RateUsage;
import io.scimd.store.ScanLimits;
import io.scimd.store.Scope;
import io.scimd.store.Sort;
import io.scimd.store.Store;
import io.scimd.store.StoreReader;
import io.scimd.store.StoreTx;
import io.scimd.store.StoredResource;
import io.scimd.store.Tenants;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The store contract, as every implementation must keep it. A subclass opens its store on a fresh
 * database per test; after each test the database is checked for orphan rows and bad versions.
 *
 * <p>In the JDBC package, not beside the contract: the checks read the store's tables, and the
 * expected filter and sort results are computed with the store's own rules ({@link
 * Docs#withIdAndMeta}, {@link SortKeys}).
 */
public abstract class StoreContractTest {
  protected static final ObjectMapper JSON = new ObjectMapper();
  protected final SchemaRegistry registry = SchemaRegistry.builtIn();
  protected final TestClock clock = new TestClock(Instant.parse("2026-03-01T10:00:00Z"));
  protected Store store;

  /** A store on a fresh, empty database. */
  protected abstract Store newStore(SchemaRegistry registry, InstantSource clock);

  /** Another store on the database of the last {@link #newStore} (the previous one is closed). */
  protected abstract Store reopen(SchemaRegistry registry, InstantSource clock);

  /** A plain JDBC connection to the same database, for invariant checks. */
  protected abstract Connection inspect() throws SQLException;

  /** A settable clock; tests move it or freeze it. */
  protected static final class TestClock implements InstantSource {
    private volatile Instant now;

    TestClock(Instant start) {
      now = start;
    }

    @Override
    public Instant instant() {
      return now;
    }

    void advance(Duration d) {
      now = now.plus(d);
    }

    void set(Instant t) {
      now = t;
    }
  }

  @BeforeEach
  void openStore() {
    store = newStore(registry, clock);
  }

  @AfterEach
  void checkInvariantsAndClose() throws SQLException {
    try (Connection c = inspect();
        Statement s = c.createStatement()) {
      assertThat(
              count(
                  s,
                  "SELECT COUNT(*) FROM members m WHERE NOT EXISTS (SELECT 1 FROM resources r"
                      + " WHERE r.tenant = m.tenant AND r.type = 'Group' AND r.id = m.group_id)"))
          .as("member rows of missing groups")
          .isZero();
      assertThat(
              count(
                  s,
                  "SELECT COUNT(*) FROM members m WHERE NOT EXISTS (SELECT 1 FROM resources r"
                      + " WHERE r.tenant = m.tenant AND r.type = m.member_type AND r.id = m.member_id)"))
          .as("member rows of missing members")
          .isZero();
      assertThat(
              count(
                  s,
                  "SELECT COUNT(*) FROM unique_values u WHERE NOT EXISTS (SELECT 1 FROM resources r"
                      + " WHERE r.tenant = u.tenant AND r.type = u.type AND r.id = u.id)"))
          .as("unique_values rows of missing resources")
          .isZero();
      assertThat(
              count(
                  s, "SELECT COUNT(*) FROM resources WHERE version < 1 OR last_modified < created"))
          .as("bad versions or times")
          .isZero();
      // Both stores keep a count per type for totalResults; it must be the number of rows.
      assertThat(
              count(
                  s,
                  "SELECT COUNT(*) FROM (SELECT tenant, type, COUNT(*) AS n FROM resources GROUP BY tenant, type) r"
                      + " FULL JOIN resource_counts k ON k.tenant = r.tenant AND k.type = r.type"
                      + " WHERE COALESCE(k.n, 0) <> COALESCE(r.n, 0)"))
          .as("kept counts that differ from the rows")
          .isZero();
    } finally {
      if (store != null) { // null when the database was unavailable and the test skipped
        store.close();
      }
    }
  }

  private static long count(Statement s, String sql) throws SQLException {
    try (ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  // ------------------------------------------------------------------ helpers

  protected static ObjectNode user(String userName) {
    ObjectNode n = JSON.createObjectNode();
    n.putArray("schemas").add("urn:ietf:params:scim:schemas:core:2.0:User");
    n.put("userName", userName);
    return n;
  }

  protected static ObjectNode group(String displayName) {
    ObjectNode n = JSON.createObjectNode();
    n.putArray("schemas").add("urn:ietf:params:scim:schemas:core:2.0:Group");
    n.put("displayName", displayName);
    return n;
  }

  protected StoredResource insert(String type, ObjectNode attrs) {
    return store.write(SCOPE, tx -> tx.insert(type, attrs));
  }

  protected void addMembers(String groupId, String... ids) {
    store.write(
        SCOPE,
        tx -> {
          List<Member> ms = new ArrayList<>();
          for (String id : ids) {
            ms.add(new Member(id, null));
          }
          tx.addMembers(groupId, ms);
          return null;
        });
  }

  protected java.util.Optional<StoredResource> get(String type, String id, Load load) {
    return store.read(SCOPE, r -> r.get(type, id, load));
  }

  protected List<Member> members(String groupId) {
    return store.read(SCOPE, r -> r.members(groupId));
  }

  protected boolean isMember(String groupId, String memberId) {
    return members(groupId).stream().anyMatch(m -> m.value().equals(memberId));
  }

  protected boolean delete(String type, String id) {
    return store.write(SCOPE, tx -> tx.delete(type, id)).isPresent();
  }

  protected Page query(String type, Query q) {
    return store.read(SCOPE, r -> r.query(type, q));
  }

  protected static Query filtered(Filter f) {
    return new Query(f, null, 1, 1000, null, Load.NONE);
  }

  protected static List<String> ids(Page p) {
    return p.resources().stream().map(StoredResource::id).toList();
  }

  /** The resource as the filter evaluator reads it, as the store builds it. */
  protected static ObjectNode full(StoredResource r) {
    return Docs.withIdAndMeta(r.attributes().deepCopy(), r.id(), r.meta());
  }

  protected static ScimException scimError(Runnable r) {
    return catchThrowableOfType(ScimException.class, r::run);
  }

  // ------------------------------------------------------------------ CRUD

  @Test
  void insertThenGet_returnsTheStoredAttributesWithServerMeta() {
    ObjectNode attrs = user("alice");
    attrs.put("displayName", "Alice A");
    StoredResource created = insert("User", attrs);

    assertThat(created.id()).matches("[0-9a-f-]{36}");
    assertThat(created.meta().version()).isEqualTo(1);
    assertThat(created.meta().resourceType()).isEqualTo("User");
    assertThat(created.meta().created())
        .isEqualTo(created.meta().lastModified())
        .isEqualTo(clock.instant());
    StoredResource read = get("user", created.id(), Load.NONE).orElseThrow();
    assertThat(read.attributes()).isEqualTo(attrs);
    assertThat(read.meta()).isEqualTo(created.meta());
    // Fresh nodes: mutating one never changes another read.
    read.attributes().put("userName", "mallory");
    assertThat(
            get("User", created.id(), Load.NONE)
                .orElseThrow()
                .attributes()
                .get("userName")
                .asText())
        .isEqualTo("alice");
  }

  @Test
  void update_bumpsVersionAndLastModified_keepsCreated() {
    StoredResource created = insert("User", user("alice"));
    clock.advance(Duration.ofSeconds(5));
    ObjectNode changed = user("alice");
    changed.put("title", "Boss");
    StoredResource updated =
        store.write(SCOPE, tx -> tx.replace("User", created.id(), changed).resource());

    assertThat(updated.meta().version()).isEqualTo(2);
    assertThat(updated.meta().created()).isEqualTo(created.meta().created());
    assertThat(updated.meta().lastModified()).isEqualTo(clock.instant());
    assertThat(
            get("User", created.id(), Load.NONE).orElseThrow().attributes().get("title").asText())
        .isEqualTo("Boss");
  }

  @Test
  void update_unknownId_is404() {
    ScimException e =
        scimError(() -> store.write(SCOPE, tx -> tx.replace("User", "nope", user("x")).resource()));
    assertThat(e.status()).isEqualTo(404);
  }

  @Test
  void metaForUpdate_isTheMetaAGetGives_emptyForAnUnknownIdOrAnotherType() {
    StoredResource g = insert("Group", group("g"));
    store.write(SCOPE, tx -> tx.touch("Group", g.id()));
    StoredResource read = get("Group", g.id(), Load.NONE).orElseThrow();

    Optional<Meta> locked = store.write(SCOPE, tx -> tx.metaForUpdate("group", g.id()));
    Optional<Meta> unknown = store.write(SCOPE, tx -> tx.metaForUpdate("Group", "nope"));
    Optional<Meta> otherType = store.write(SCOPE, tx -> tx.metaForUpdate("User", g.id()));
    assertThat(locked).contains(read.meta());
    assertThat(unknown).isEmpty();
    assertThat(otherType).isEmpty();
  }

  @Test
  void touch_bumpsVersionAndLastModified_keepsCreatedAndTheAttributes_andJournalsNothing() {
    ObjectNode attrs = user("alice").put("externalId", "ext-1").put("displayName", "Alice A");
    StoredResource u = insert("User", attrs);
    long seq = lastSeq();
    clock.advance(Duration.ofSeconds(5));

    Meta touched = store.write(SCOPE, tx -> tx.touch("User", u.id()));

    assertThat(touched).isEqualTo(new Meta("User", u.meta().created(), clock.instant(), 2));
    StoredResource read = get("User", u.id(), Load.NONE).orElseThrow();
    assertThat(read.meta()).isEqualTo(touched);
    assertThat(read.attributes()).isEqualTo(attrs);
    assertThat(lastSeq()).as("no journal entry").isEqualTo(seq);
    // The derived columns and unique values are as they were: found by them, still taken.
    assertThat(ids(query("User", filtered(Filter.eq("externalId", "ext-1")))))
        .containsExactly(u.id());
    assertThat(ids(query("User", filtered(Filter.eq("userName", "ALICE")))))
        .containsExactly(u.id());
    assertThat(scimError(() -> insert("User", user("Alice"))).scimType())
        .isEqualTo(ScimType.UNIQUENESS);
    // A later write moves on from the touched version and time.
    assertThat(store.write(SCOPE, tx -> tx.touch("User", u.id())).version()).isEqualTo(3);
    StoredResource replaced =
        store.write(SCOPE, tx -> tx.replace("User", u.id(), attrs).resource());
    assertThat(replaced.meta().version()).isEqualTo(4);
    assertThat(replaced.meta().lastModified()).isAfter(touched.lastModified());
  }

  /** A group's members a page at a time, in insertion order, with the count; an empty group's. */
  @Test
  void memberPage_walksInInsertionOrder_andCountsTheMembers() {
    StoredResource g = insert("Group", group("paged"));
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      ids.add(insert("User", user("p" + i)).id());
    }
    addMembers(g.id(), ids.subList(4, 7).toArray(String[]::new));
    addMembers(g.id(), ids.subList(0, 4).toArray(String[]::new));
    List<String> inOrder = new ArrayList<>(ids.subList(4, 7));
    inOrder.addAll(ids.subList(0, 4));
    List<String> walked = new ArrayList<>();
    long after = Long.MIN_VALUE;
    int pages = 0;
    while (true) {
      long from = after;
      StoreReader.MemberPage page = store.read(SCOPE, r -> r.memberPage(g.id(), from, 3));
      page.members().forEach(m -> walked.add(m.value()));
      assertThat(page.members()).allSatisfy(m -> assertThat(m.display()).startsWith("p"));
      pages++;
      if (!page.more()) {
        break;
      }
      after = page.lastSeq();
    }
    assertThat(walked).isEqualTo(inOrder);
    assertThat(pages).isEqualTo(3);
    long count = store.read(SCOPE, r -> r.memberCount(g.id()));
    assertThat(count).isEqualTo(7);
    StoredResource empty = insert("Group", group("empty"));
    assertThat(store.read(SCOPE, r -> r.memberPage(empty.id(), Long.MIN_VALUE, 3)).members())
        .isEmpty();
    long none = store.read(SCOPE, r -> r.memberCount(empty.id()));
    assertThat(none).isZero();
  }

  @Test
  void touch_ofAGroup_keepsItsMembers_andUnknownIdsAre404() {
    StoredResource g = insert("Group", group("g"));
    StoredResource a = insert("User", user("a"));
    addMembers(g.id(), a.id());

    assertThat(store.write(SCOPE, tx -> tx.touch("Group", g.id())).version()).isEqualTo(2);
    assertThat(members(g.id())).containsExactly(new Member(a.id(), "User"));
    assertThat(scimError(() -> store.write(SCOPE, tx -> tx.touch("Group", "nope"))).status())
        .isEqualTo(404);
    assertThat(scimError(() -> store.write(SCOPE, tx -> tx.touch("Group", a.id()))).status())
        .isEqualTo(404);
  }

  @Test
  void touch_inASavepointThatFails_isUndone() {
    StoredResource g = insert("Group", group("g"));
    store.write(
        SCOPE,
        tx -> {
          assertThatThrownBy(
                  () ->
                      tx.inSavepoint(
                          () -> {
                            tx.touch("Group", g.id());
                            throw new IllegalStateException("undo");
                          }))
              .hasMessage("undo");
          return null;
        });
    assertThat(get("Group", g.id(), Load.NONE).orElseThrow().meta()).isEqualTo(g.meta());
  }

  @Test
  void delete_removesResource_andAnswersFalseTheSecondTime() {
    StoredResource u = insert("User", user("alice"));
    assertThat(delete("User", u.id())).isTrue();
    assertThat(delete("User", u.id())).isFalse();
    assertThat(get("User", u.id(), Load.NONE)).isEmpty();
    // its userName is free again
    assertThat(insert("User", user("ALICE")).meta().version()).isEqualTo(1);
  }

  @Test
  void get_ofOtherType_isEmpty() {
    StoredResource u = insert("User", user("alice"));
    assertThat(get("Group", u.id(), Load.NONE)).isEmpty();
  }

  @Test
  void lastModified_strictlyIncreases_whenTheClockStandsStillOrGoesBack() {
    Instant last = Instant.MIN;
    for (int i = 0; i < 5; i++) {
      StoredResource u = insert("User", user("u" + i));
      assertThat(u.meta().lastModified()).isAfter(last);
      last = u.meta().lastModified();
    }
    clock.set(clock.instant().minusSeconds(60));
    StoredResource later = insert("User", user("late"));
    assertThat(later.meta().lastModified()).isAfter(last);
  }

  @Test
  void writes_areDurable_afterReopen() {
    StoredResource u = insert("User", user("alice"));
    StoredResource g = insert("Group", group("admins"));
    addMembers(g.id(), u.id());
    store = reopen(registry, clock);
    assertThat(get("User", u.id(), Load.NONE)).isPresent();
    assertThat(isMember(g.id(), u.id())).isTrue();
    assertThat(scimError(() -> insert("User", user("Alice"))).scimType())
        .isEqualTo(ScimType.UNIQUENESS);
    assertThat(insert("User", user("bob")).meta().lastModified()).isAfter(u.meta().lastModified());
  }

  // ------------------------------------------------------------------ transactions

  @Test
  void write_thatThrows_rollsBackEverythingItDid() {
    StoredResource u = insert("User", user("alice"));
    StoredResource g = insert("Group", group("admins"));
    ObjectNode renamed = group("renamed");
    ScimException e =
        scimError(
            () ->
                store.write(
                    SCOPE,
                    tx -> {
                      tx.replace("Group", g.id(), renamed).resource();
                      tx.addMembers(g.id(), List.of(new Member(u.id(), null)));
                      tx.addMembers(g.id(), List.of(new Member("no-such-id", null)));
                      return null;
                    }));
    assertThat(e.status()).isEqualTo(400);
    assertThat(e.scimType()).isEqualTo(ScimType.INVALID_VALUE);
    assertThat(e.getMessage()).contains("no-such-id");
    StoredResource after = get("Group", g.id(), Load.NONE).orElseThrow();
    assertThat(after.meta().version()).isEqualTo(1);
    assertThat(after.attributes().get("displayName").asText()).isEqualTo("admins");
    assertThat(members(g.id())).isEmpty();
  }

  @Test
  void uniquenessConflict_caughtInsideWrite_leavesTheTransactionUsable() {
    StoredResource alice = insert("User", user("alice"));
    StoredResource bob = insert("User", user("bob"));
    String carol =
        store.write(
            SCOPE,
            tx -> {
              ScimException e =
                  scimError(() -> tx.replace("User", bob.id(), user("ALICE")).resource());
              assertThat(e.scimType()).isEqualTo(ScimType.UNIQUENESS);
              return tx.insert("User", user("carol")).id();
            });
    // bob keeps his name and its uniqueness row, alice hers
    assertThat(scimError(() -> insert("User", user("Bob"))).scimType())
        .isEqualTo(ScimType.UNIQUENESS);
    assertThat(scimError(() -> insert("User", user("alice"))).scimType())
        .isEqualTo(ScimType.UNIQUENESS);
    assertThat(get("User", carol, Load.NONE)).isPresent();
    assertThat(get("User", alice.id(), Load.NONE).orElseThrow().meta().version()).isEqualTo(1);
  }

  @Test
  void inSavepoint_thatThrows_undoesOnlyItsOwnWrites_andTheTransactionGoesOn() {
    StoredResource g = insert("Group", group("admins"));
    StoredResource u = insert("User", user("alice"));
    List<String> ids =
        store.write(
            SCOPE,
            tx -> {
              String kept = tx.insert("User", user("kept")).id();
              AtomicReference<String> undone = new AtomicReference<>();
              ScimException e =
                  scimError(
                      () ->
                          tx.inSavepoint(
                              () -> {
                                undone.set(tx.insert("User", user("undone")).id());
                                tx.replace("Group", g.id(), group("renamed"));
                                tx.addMembers(g.id(), List.of(new Member(u.id(), null)));
                                tx.addMembers(g.id(), List.of(new Member("no-such-id", null)));
                                return null;
                              }));
              assertThat(e.scimType()).isEqualTo(ScimType.INVALID_VALUE);
              String after = tx.insert("User", user("after")).id();
              return List.of(kept, undone.get(), after);
            });
    assertThat(get("User", ids.get(0), Load.NONE)).isPresent();
    assertThat(get("User", ids.get(1), Load.NONE)).isEmpty();
    assertThat(get("User", ids.get(2), Load.NONE)).isPresent();
    StoredResource after = get("Group", g.id(), Load.NONE).orElseThrow();
    assertThat(after.meta().version()).isEqualTo(1);
    assertThat(after.attributes().get("displayName").asText()).isEqualTo("admins");
    assertThat(members(g.id())).isEmpty();
    // The undone user's uniqueness row went with it.
    assertThat(insert("User", user("undone")).id()).isNotEqualTo(ids.get(1));
  }

  @Test
  void inSavepoint_afterTheDatabaseRejectedAStatement_leavesTheTransactionUsable() {
    // Text cannot hold U+0000: PostgreSQL rejects the statement and with it the whole transaction,
    // until it rolls back to a savepoint. SQLite finds no such member. Both are a 400.
    StoredResource g = insert("Group", group("admins"));
    String id =
        store.write(
            SCOPE,
            tx -> {
              ScimException e =
                  scimError(
                      () ->
                          tx.inSavepoint(
                              () -> {
                                tx.addMembers(g.id(), List.of(new Member("nul\u0000id", null)));
                                return null;
                              }));
              assertThat(e.scimType()).isEqualTo(ScimType.INVALID_VALUE);
              return tx.insert("User", user("after")).id();
            });
    assertThat(get("User", id, Load.NONE)).isPresent();
  }

  @Test
  void inSavepoint_nests_returnsTheWorksValue_andRethrowsWhatItThrew() {
    String outer =
        store.write(
            SCOPE,
            tx ->
                tx.inSavepoint(
                    () -> {
                      String id = tx.insert("User", user("outer")).id();
                      IllegalStateException e =
                          catchThrowableOfType(
                              IllegalStateException.class,
                              () ->
                                  tx.inSavepoint(
                                      () -> {
                                        tx.insert("User", user("inner"));
                                        throw new IllegalStateException("inner fails");
                                      }));
                      assertThat(e).hasMessage("inner fails");
                      // Three deep: the insert's own savepoint inside two of the caller's.
                      ScimException taken =
                          scimError(() -> tx.inSavepoint(() -> tx.insert("User", user("OUTER"))));
                      assertThat(taken.scimType()).isEqualTo(ScimType.UNIQUENESS);
                      return id;
                    }));
    assertThat(get("User", outer, Load.NONE).orElseThrow().attributes().get("userName").asText())
        .isEqualTo("outer");
    assertThat(query("User", Query.all(0)).totalResults()).isEqualTo(1);
    insert("User", user("inner")); // its name was never taken
  }

  @Test
  void storeTx_usedAfterItsWrite_isRefused() {
    AtomicReference<StoreTx> leaked = new AtomicReference<>();
    store.write(
        SCOPE,
        tx -> {
          leaked.set(tx);
          return null;
        });
    assertThatThrownBy(() -> leaked.get().insert("User", user("x")))
        .isInstanceOf(IllegalStateException.class);
  }

  // ------------------------------------------------------------------ uniqueness

  @Test
  void insert_sameUserNameInOtherCase_is409Uniqueness_namingIt() {
    insert("User", user("Alice"));
    ScimException e = scimError(() -> insert("User", user("aLiCe")));
    assertThat(e.status()).isEqualTo(409);
    assertThat(e.scimType()).isEqualTo(ScimType.UNIQUENESS);
    assertThat(e.getMessage()).contains("userName").contains("aLiCe");
  }

  @Test
  void update_toAnotherUsersNameInOtherCase_is409_andChangesNothing() {
    insert("User", user("alice"));
    StoredResource bob = insert("User", user("bob"));
    ScimException e =
        scimError(
            () -> store.write(SCOPE, tx -> tx.replace("User", bob.id(), user("ALICE")).resource()));
    assertThat(e.scimType()).isEqualTo(ScimType.UNIQUENESS);
    StoredResource after = get("User", bob.id(), Load.NONE).orElseThrow();
    assertThat(after.attributes().get("userName").asText()).isEqualTo("bob");
    assertThat(after.meta().version()).isEqualTo(1);
  }

  @Test
  void update_changingOnlyTheCaseOfOwnUserName_isAllowed_andKeepsTheGivenCase() {
    StoredResource u = insert("User", user("alice"));
    store.write(SCOPE, tx -> tx.replace("User", u.id(), user("Alice")).resource());
    assertThat(get("User", u.id(), Load.NONE).orElseThrow().attributes().get("userName").asText())
        .isEqualTo("Alice");
  }

  @Test
  void groupDisplayName_isNotUnique() {
    insert("Group", group("team"));
    assertThat(insert("Group", group("team")).meta().version()).isEqualTo(1);
  }

  // ------------------------------------------------------------------ members

  @Test
  void addMembers_isIdempotent_andKeepsInsertionOrder() {
    StoredResource a = insert("User", user("a"));
    StoredResource b = insert("User", user("b"));
    StoredResource g = insert("Group", group("g"));
    StoredResource sub = insert("Group", group("sub"));
    addMembers(g.id(), b.id(), a.id());
    addMembers(g.id(), a.id(), sub.id(), b.id());
    assertThat(members(g.id()))
        .containsExactly(
            new Member(b.id(), "User"), new Member(a.id(), "User"), new Member(sub.id(), "Group"));
    assertThat(isMember(g.id(), a.id())).isTrue();
    assertThat(isMember(g.id(), g.id())).isFalse();
  }

  @Test
  void removeMembers_removesOnlyThose_andIgnoresStrangers() {
    StoredResource a = insert("User", user("a"));
    StoredResource b = insert("User", user("b"));
    StoredResource g = insert("Group", group("g"));
    addMembers(g.id(), a.id(), b.id());
    store.write(
        SCOPE,
        tx -> {
          tx.removeMembers(g.id(), List.of(a.id(), "stranger"));
          return null;
        });
    store.write(
        SCOPE,
        tx -> {
          tx.removeMembers(g.id(), List.of(a.id()));
          return null;
        });
    assertThat(members(g.id())).containsExactly(new Member(b.id(), "User"));
    store.write(
        SCOPE,
        tx -> {
          tx.clearMembers(g.id());
          return null;
        });
    assertThat(members(g.id())).isEmpty();
  }

  @Test
  void loadMembers_materialisesValueDisplayType_loadNoneDoesNot() {
    ObjectNode ua = user("ann");
    ua.put("displayName", "Ann Smith");
    StoredResource a = insert("User", ua);
    StoredResource b = insert("User", user("ben"));
    StoredResource sub = insert("Group", group("Sub Team"));
    StoredResource g = insert("Group", group("g"));
    addMembers(g.id(), a.id(), b.id(), sub.id());

    ObjectNode attrs = get("Group", g.id(), Load.ALL).orElseThrow().attributes();
    assertThat(attrs.get("members"))
        .isEqualTo(
            JSON.valueToTree(
                List.of(
                    java.util.Map.of("value", a.id(), "display", "Ann Smith", "type", "User"),
                    java.util.Map.of("value", b.id(), "display", "ben", "type", "User"),
                    java.util.Map.of("value", sub.id(), "display", "Sub Team", "type", "Group"))));
    assertThat(get("Group", g.id(), Load.NONE).orElseThrow().attributes().has("members")).isFalse();
  }

  @Test
  void addMembers_unknownId_isInvalidValueNamingIt() {
    StoredResource g = insert("Group", group("g"));
    StoredResource a = insert("User", user("a"));
    ScimException e = scimError(() -> addMembers(g.id(), a.id(), "ghost-id"));
    assertThat(e.status()).isEqualTo(400);
    assertThat(e.scimType()).isEqualTo(ScimType.INVALID_VALUE);
    assertThat(e.getMessage()).contains("ghost-id");
    assertThat(members(g.id())).isEmpty();
  }

  @Test
  void addMembers_withWrongType_storesTheRealType() {
    StoredResource g = insert("Group", group("g"));
    StoredResource a = insert("User", user("a"));
    StoredResource sub = insert("Group", group("sub"));
    store.write(
        SCOPE,
        tx -> {
          tx.addMembers(g.id(), List.of(new Member(a.id(), "Group"), new Member(sub.id(), "User")));
          return null;
        });
    assertThat(members(g.id()))
        .containsExactly(new Member(a.id(), "User"), new Member(sub.id(), "Group"));
    StoredResource h = insert("Group", group("h"));
    store.write(
        SCOPE,
        tx -> {
          tx.addMembers(h.id(), List.of(new Member(a.id(), "user")));
          return null;
        });
    assertThat(members(h.id())).containsExactly(new Member(a.id(), "User"));
  }

  @Test
  void addMembers_withDisplay_keepsItAsGiven_withoutDisplayShowsTheMembers() {
    ObjectNode ua = user("ann");
    ua.put("displayName", "Ann Smith");
    StoredResource a = insert("User", ua);
    StoredResource b = insert("User", user("ben"));
    StoredResource g = insert("Group", group("g"));
    store.write(
        SCOPE,
        tx -> {
          tx.addMembers(
              g.id(),
              List.of(new Member(a.id(), "User", "Ann (HR)"), new Member(b.id(), null, null)));
          return null;
        });
    ObjectNode attrs = get("Group", g.id(), Load.ALL).orElseThrow().attributes();
    assertThat(attrs.get("members"))
        .isEqualTo(
            JSON.valueToTree(
                List.of(
                    java.util.Map.of("value", a.id(), "display", "Ann (HR)", "type", "User"),
                    java.util.Map.of("value", b.id(), "display", "ben", "type", "User"))));
    // The member's own display changing does not change the one the client gave.
    ua.put("displayName", "Ann Jones");
    store.write(SCOPE, tx -> tx.replace("User", a.id(), ua));
    assertThat(
            get("Group", g.id(), Load.ALL)
                .orElseThrow()
                .attributes()
                .get("members")
                .get(0)
                .get("display")
                .asText())
        .isEqualTo("Ann (HR)");
  }

  @Test
  void addMembers_toUnknownGroup_is404() {
    StoredResource a = insert("User", user("a"));
    assertThat(scimError(() -> addMembers("no-group", a.id())).status()).isEqualTo(404);
  }

  @Test
  void group_cannotContainItself_norMakeACycle() {
    StoredResource g1 = insert("Group", group("g1"));
    StoredResource g2 = insert("Group", group("g2"));
    StoredResource g3 = insert("Group", group("g3"));
    assertThat(scimError(() -> addMembers(g1.id(), g1.id())).scimType())
        .isEqualTo(ScimType.INVALID_VALUE);
    addMembers(g1.id(), g2.id());
    addMembers(g2.id(), g3.id());
    ScimException e = scimError(() -> addMembers(g3.id(), g1.id()));
    assertThat(e.status()).isEqualTo(400);
    assertThat(e.scimType()).isEqualTo(ScimType.INVALID_VALUE);
    assertThat(e.getMessage()).contains("cycle");
    assertThat(scimError(() -> addMembers(g2.id(), g1.id())).scimType())
        .isEqualTo(ScimType.INVALID_VALUE);
    assertThat(members(g3.id())).isEmpty();
  }

  @Test
  void loadGroups_givesDirectAndIndirectGroups_eachOnce() {
    StoredResource u = insert("User", user("u"));
    StoredResource inner = insert("Group", group("Inner"));
    StoredResource outer = insert("Group", group("Outer"));
    StoredResource top = insert("Group", group("Top"));
    addMembers(inner.id(), u.id());
    addMembers(outer.id(), inner.id());
    addMembers(top.id(), outer.id(), u.id()); // u is direct in top too
    JsonNode groups = get("User", u.id(), Load.ALL).orElseThrow().attributes().get("groups");
    assertThat(groups).hasSize(3);
    List<String> seen = new ArrayList<>();
    for (JsonNode gr : groups) {
      seen.add(
          gr.get("value").asText()
              + ":"
              + gr.get("type").asText()
              + ":"
              + gr.get("display").asText());
    }
    assertThat(seen)
        .containsExactlyInAnyOrder(
            inner.id() + ":direct:Inner", top.id() + ":direct:Top", outer.id() + ":indirect:Outer");
    JsonNode innerGroups =
        get("Group", inner.id(), Load.ALL).orElseThrow().attributes().get("groups");
    assertThat(innerGroups).hasSize(2);
    assertThat(get("User", u.id(), Load.NONE).orElseThrow().attributes().has("groups")).isFalse();
  }

  @Test
  void listWithGroups_givesEachUserTheGroupsAGetGives_acrossPagesOfManyUsers() {
    // 250 users (more than one batch of a page's groups read), nested groups, users in none.
    StoredResource inner = insert("Group", group("Inner"));
    StoredResource outer = insert("Group", group("Outer"));
    StoredResource odd = insert("Group", group("Odd"));
    addMembers(outer.id(), inner.id());
    List<String> ids =
        store.write(
            SCOPE,
            tx -> {
              List<String> out = new ArrayList<>();
              for (int i = 0; i < 250; i++) {
                out.add(tx.insert("User", user("many" + i)).id());
              }
              return out;
            });
    for (int i = 0; i < 250; i++) {
      if (i % 3 == 0) {
        addMembers(inner.id(), ids.get(i));
      }
      if (i % 2 == 1) {
        addMembers(odd.id(), ids.get(i));
      }
    }
    addMembers(outer.id(), ids.get(249)); // direct in Outer as well as indirect through Inner
    Load groups = new Load(false, true);
    int withGroups = 0;
    for (Query q :
        List.of(
            new Query(null, null, 1, 250, null, groups),
            new Query(null, null, 1, 1000, "", groups))) {
      Page page = query("User", q);
      assertThat(page.resources()).hasSize(250);
      for (StoredResource r : page.resources()) {
        JsonNode one = get("User", r.id(), groups).orElseThrow().attributes().get("groups");
        assertThat(r.attributes().get("groups")).as(r.id()).isEqualTo(one);
        withGroups += one == null ? 0 : 1;
      }
    }
    assertThat(withGroups).isEqualTo(2 * (84 + 125 - 42)); // i % 3 == 0 or i odd: 167 of 250
    JsonNode last =
        query("User", new Query(null, null, 250, 1, null, groups))
            .resources()
            .get(0)
            .attributes()
            .get("groups");
    assertThat(last).hasSize(3); // Inner (direct), Outer (direct, not also indirect), Odd
  }

  @Test
  void delete_removesMembershipsBothWays_andBumpsTheGroupsItLeft() {
    StoredResource u = insert("User", user("u"));
    StoredResource g = insert("Group", group("g"));
    StoredResource parent = insert("Group", group("parent"));
    addMembers(g.id(), u.id());
    addMembers(parent.id(), g.id());
    store.write(SCOPE, tx -> tx.delete("User", u.id()));
    StoredResource gAfter = get("Group", g.id(), Load.ALL).orElseThrow();
    assertThat(gAfter.attributes().has("members")).isFalse();
    assertThat(gAfter.meta().version()).isEqualTo(2);
    store.write(SCOPE, tx -> tx.delete("Group", g.id()));
    assertThat(members(parent.id())).isEmpty();
  }

  // ------------------------------------------------------------------ filters

  /** Users and groups with every shape the push-down handles, and some it does not. */
  private List<StoredResource> dataset() {
    List<StoredResource> all = new ArrayList<>();
    String[] names = {"alice", "Bob", "carol", "dave", "Eve"};
    for (int i = 0; i < names.length; i++) {
      ObjectNode u = user(names[i]);
      if (i % 2 == 0) {
        u.put("externalId", "ext-" + i);
      }
      if (i != 3) {
        u.put("displayName", names[i].toUpperCase(java.util.Locale.ROOT) + " X");
      }
      u.putObject("name").put("familyName", "F" + (5 - i));
      u.put("active", i % 2 == 1);
      u.putArray("emails")
          .addObject()
          .put("value", names[i] + "@example.com")
          .put("type", i == 0 ? "home" : "work");
      all.add(insert("User", u));
      clock.advance(Duration.ofMinutes(1));
    }
    all.add(insert("User", user("extless")));
    StoredResource g1 = insert("Group", group("Admins"));
    ObjectNode g2attrs = group("admins");
    g2attrs.put("externalId", "gx");
    StoredResource g2 = insert("Group", g2attrs);
    StoredResource g3 = insert("Group", group("Nested"));
    addMembers(g1.id(), all.get(0).id(), all.get(1).id());
    addMembers(g2.id(), all.get(1).id(), g3.id());
    addMembers(g3.id(), all.get(2).id());
    all.addAll(List.of(g1, g2, g3));
    return all;
  }

  /** What the evaluator alone says, over every resource of the type, in creation order. */
  private List<String> brute(String type, Filter f) {
    ResourceType rt = registry.resourceType(type).orElseThrow();
    List<String> out = new ArrayList<>();
    for (StoredResource r :
        query(type, new Query(null, null, 1, 100_000, null, Load.ALL)).resources()) {
      if (FilterEvaluator.matches(f, full(r), rt)) {
        out.add(r.id());
      }
    }
    return out;
  }

  private void assertSameAsEvaluator(String type, Filter f, int expectedAtLeast) {
    Page p = query(type, filtered(f));
    List<String> expected = brute(type, f);
    assertThat(ids(p)).as(f.toString()).containsExactlyElementsOf(expected);
    assertThat(p.totalResults()).as(f.toString()).isEqualTo(expected.size());
    assertThat(expected.size())
        .as("the case must not be vacuous: " + f)
        .isGreaterThanOrEqualTo(expectedAtLeast);
  }

  @Test
  void pushedDownFilters_giveTheEvaluatorsResults() {
    List<StoredResource> all = dataset();
    StoredResource alice = all.get(0);
    StoredResource bob = all.get(1);
    StoredResource admins = all.get(all.size() - 3);
    String t2 = alice.meta().lastModified().plus(Duration.ofMinutes(2)).toString();
    assertSameAsEvaluator("User", Filter.eq("id", alice.id()), 1);
    assertSameAsEvaluator(
        "User", Filter.eq("id", alice.id().toUpperCase(java.util.Locale.ROOT)), 0);
    assertSameAsEvaluator("User", Filter.eq("externalId", "ext-2"), 1);
    assertSameAsEvaluator("User", Filter.eq("externalId", "EXT-2"), 0);
    assertSameAsEvaluator("User", Filter.eq("userName", "ALICE"), 1);
    assertSameAsEvaluator(
        "User", Filter.eq("urn:ietf:params:scim:schemas:core:2.0:User:userName", "bob"), 1);
    assertSameAsEvaluator("User", Filter.eq("displayName", "bob x"), 1);
    assertSameAsEvaluator("Group", Filter.eq("displayName", "ADMINS"), 2);
    assertSameAsEvaluator("User", Filter.pr("externalId"), 3);
    assertSameAsEvaluator(
        "User", Filter.compare("meta.lastModified", CompareOp.GT, TextNode.valueOf(t2)), 3);
    assertSameAsEvaluator(
        "User", Filter.compare("meta.lastModified", CompareOp.GE, TextNode.valueOf(t2)), 3);
    assertSameAsEvaluator(
        "User", Filter.compare("meta.lastModified", CompareOp.LT, TextNode.valueOf(t2)), 2);
    assertSameAsEvaluator(
        "User", Filter.compare("meta.lastModified", CompareOp.LE, TextNode.valueOf(t2)), 3);
    assertSameAsEvaluator(
        "User", Filter.compare("meta.created", CompareOp.EQ, TextNode.valueOf(t2)), 1);
    assertSameAsEvaluator(
        "User",
        Filter.compare(
            "meta.created", CompareOp.GT, TextNode.valueOf("2026-03-01T12:00:00.5+02:00")),
        3);
    assertSameAsEvaluator("Group", Filter.valuePath("members", Filter.eq("value", bob.id())), 2);
    assertSameAsEvaluator("Group", Filter.eq("members", bob.id()), 2);
    assertSameAsEvaluator(
        "Group", Filter.eq("members.value", bob.id().toUpperCase(java.util.Locale.ROOT)), 2);
    assertSameAsEvaluator(
        "Group",
        Filter.and(
            Filter.eq("id", admins.id()),
            Filter.valuePath("members", Filter.eq("value", bob.id()))),
        1);
    assertSameAsEvaluator(
        "Group",
        Filter.and(
            Filter.eq("id", admins.id()),
            Filter.valuePath("members", Filter.eq("value", all.get(3).id()))),
        0);
    assertSameAsEvaluator("Group", Filter.pr("members"), 3);
    assertSameAsEvaluator(
        "User", Filter.or(Filter.eq("userName", "alice"), Filter.eq("externalId", "ext-4")), 2);
    assertSameAsEvaluator("User", Filter.not(Filter.eq("externalId", "ext-2")), 5);
    assertSameAsEvaluator("User", Filter.not(Filter.pr("externalId")), 3);
    assertSameAsEvaluator(
        "User", Filter.and(Filter.pr("externalId"), Filter.not(Filter.eq("userName", "carol"))), 2);
  }

  @Test
  void filtersTheStoreCannotPushDown_giveTheEvaluatorsResults() {
    List<StoredResource> all = dataset();
    assertSameAsEvaluator(
        "User", Filter.compare("userName", CompareOp.SW, TextNode.valueOf("A")), 1);
    assertSameAsEvaluator("User", Filter.eq("active", true), 2);
    assertSameAsEvaluator("User", Filter.eq("name.familyName", "f4"), 0);
    assertSameAsEvaluator("User", Filter.eq("name.familyName", "F4"), 1);
    assertSameAsEvaluator(
        "User",
        Filter.valuePath(
            "emails",
            Filter.and(
                Filter.eq("type", "work"),
                Filter.compare("value", CompareOp.CO, TextNode.valueOf("o")))),
        2);
    // mixed: one pushable conjunct narrows, the evaluator decides the other
    assertSameAsEvaluator(
        "User", Filter.and(Filter.pr("externalId"), Filter.eq("active", false)), 3);
    assertSameAsEvaluator(
        "User", Filter.or(Filter.eq("userName", "bob"), Filter.eq("emails.type", "home")), 2);
    assertSameAsEvaluator(
        "User", Filter.not(Filter.compare("displayName", CompareOp.CO, TextNode.valueOf("o"))), 3);
    assertSameAsEvaluator("Group", Filter.valuePath("members", Filter.eq("type", "Group")), 1);
    assertSameAsEvaluator(
        "Group", Filter.compare("members", CompareOp.NE, TextNode.valueOf(all.get(1).id())), 1);
    assertSameAsEvaluator(
        "User",
        Filter.compare(
            "meta.lastModified", CompareOp.GT, TextNode.valueOf("2026-03-01T10:01:00.0000001Z")),
        4);
    assertSameAsEvaluator("User", Filter.valuePath("groups", Filter.eq("type", "indirect")), 0);
  }

  private static Filter co(String path, String v) {
    return Filter.compare(path, CompareOp.CO, TextNode.valueOf(v));
  }

  private static Filter sw(String path, String v) {
    return Filter.compare(path, CompareOp.SW, TextNode.valueOf(v));
  }

  private static Filter ew(String path, String v) {
    return Filter.compare(path, CompareOp.EW, TextNode.valueOf(v));
  }

  /** Values full of LIKE's wildcards and escape character, in both cases and beyond ASCII. */
  private void wildcardUsers() {
    String[][] rows = {
      {"a%b", "X_1", "50% Off"},
      {"a_b", "x%1", "x_y"},
      {"axb", "Xa1", null},
      {"a\\b", "ab\\c", "back\\slash"},
      {"AB%C", null, "AB%C"},
      {"über_x", "Über", "Ünïcode"},
      {"zz\uDBFF\uDFFF", "\uDBFF\uDFFFz", null},
    };
    for (String[] r : rows) {
      ObjectNode u = user(r[0]);
      if (r[1] != null) {
        u.put("externalId", r[1]);
      }
      if (r[2] != null) {
        u.put("displayName", r[2]);
      }
      insert("User", u);
    }
  }

  @Test
  void
      substringFilters_onIndexedColumns_giveTheEvaluatorsResults_wildcardsMatchingOnlyThemselves() {
    wildcardUsers();
    assertSameAsEvaluator("User", co("userName", "%"), 2);
    assertSameAsEvaluator("User", co("userName", "_"), 2);
    assertSameAsEvaluator("User", co("userName", "\\"), 1);
    assertSameAsEvaluator("User", sw("userName", "a_"), 1);
    assertSameAsEvaluator("User", sw("userName", "A%"), 1);
    assertSameAsEvaluator("User", ew("userName", "%c"), 1);
    assertSameAsEvaluator("User", co("userName", "B%c"), 1);
    assertSameAsEvaluator("User", sw("userName", "Ü"), 1);
    assertSameAsEvaluator("User", sw("userName", "zz\uDBFF\uDFFF"), 1);
    assertSameAsEvaluator("User", sw("userName", ""), 7);
    assertSameAsEvaluator("User", co("userName", ""), 7);
    assertSameAsEvaluator("User", co("userName", "\uDBFF"), 1); // a lone surrogate: evaluated
    assertSameAsEvaluator("User", Filter.not(co("userName", "%")), 5);
    // externalId is caseExact (RFC 7643 §3.1)
    assertSameAsEvaluator("User", sw("externalId", "X_"), 1);
    assertSameAsEvaluator("User", sw("externalId", "X"), 2);
    assertSameAsEvaluator("User", co("externalId", "x"), 1);
    assertSameAsEvaluator("User", co("externalId", "_1"), 1);
    assertSameAsEvaluator("User", ew("externalId", "1"), 3);
    assertSameAsEvaluator("User", ew("externalId", "\\C"), 0);
    assertSameAsEvaluator("User", sw("externalId", "\uDBFF\uDFFF"), 1);
    assertSameAsEvaluator("User", co("displayName", "% o"), 1);
    assertSameAsEvaluator("User", co("displayName", "_"), 1);
    assertSameAsEvaluator("User", ew("displayName", "\\SLASH"), 1);
    assertSameAsEvaluator("User", sw("displayName", "ü"), 1);
    assertSameAsEvaluator("User", Filter.and(sw("userName", "a"), co("displayName", "o")), 1);
  }

  private Page query(String type, Query q, ScanLimits limits) {
    return query(
        type,
        new Query(q.filter(), q.sort(), q.startIndex(), q.count(), q.cursor(), q.load(), limits));
  }

  @Test
  void substringFiltersOnIndexedColumns_areAnsweredInSql_notExaminedOneByOne() {
    wildcardUsers();
    ScanLimits one = new ScanLimits(1, 1);
    // With room for one candidate, only a query the database answers by itself gets through.
    assertThat(query("User", filtered(co("userName", "b")), one).totalResults()).isEqualTo(6);
    assertThat(query("User", filtered(sw("displayName", "x")), one).totalResults()).isEqualTo(1);
    assertThat(query("User", filtered(sw("externalId", "X")), one).totalResults()).isEqualTo(2);
    assertThat(scimError(() -> query("User", filtered(co("title", "b")), one)).scimType())
        .isEqualTo(ScimType.TOO_MANY);
  }

  @Test
  void queryWithMoreCandidatesThanTheLimit_isTooMany_andNarrowedByAnIndexItIsAnswered() {
    for (int i = 0; i < 5; i++) {
      insert("User", user("u" + i).put("title", i % 2 == 0 ? "x" : "y"));
    }
    ScanLimits five = new ScanLimits(5, 1);
    ScanLimits four = new ScanLimits(4, 1);
    Query byTitle = filtered(Filter.eq("title", "x"));
    assertThat(query("User", byTitle, five).totalResults()).isEqualTo(3);
    ScimException e = scimError(() -> query("User", byTitle, four));
    assertThat(e.status()).isEqualTo(400);
    assertThat(e.scimType()).isEqualTo(ScimType.TOO_MANY);
    assertThat(e.getMessage()).contains("5 resources").contains("narrow the filter");
    // The same condition narrowed by an indexed one has two candidates.
    Query byIds =
        filtered(
            Filter.and(
                Filter.or(Filter.eq("userName", "u0"), Filter.eq("userName", "u1")),
                Filter.eq("title", "x")));
    assertThat(query("User", byIds, new ScanLimits(2, 1)).totalResults()).isEqualTo(1);
    // A sort no column serves examines every resource of the type; its total alone needs none.
    Sort byTitleSort = new Sort(AttrPath.parse("title"), false);
    assertThat(
            scimError(
                    () -> query("User", new Query(null, byTitleSort, 1, 10, null, Load.NONE), four))
                .scimType())
        .isEqualTo(ScimType.TOO_MANY);
    assertThat(
            query("User", new Query(null, byTitleSort, 1, 0, null, Load.NONE), four).totalResults())
        .isEqualTo(5);
  }

  @Test
  void evaluatedPages_areTheSlicesOfTheFullOrder_atEveryStartIndexAndDirection() {
    ResourceType rt = registry.resourceType("User").orElseThrow();
    List<StoredResource> users = new ArrayList<>();
    java.util.Random random = new java.util.Random(7);
    store.write(
        SCOPE,
        tx -> {
          for (int i = 0; i < 150; i++) {
            ObjectNode u = user("p" + i);
            int t = random.nextInt(12);
            if (t > 0) {
              u.put("title", (t % 2 == 0 ? "T" : "t") + (t / 2)); // duplicates, in both cases
            }
            u.put("nickName", i % 3 == 0 ? "keep" : "drop");
            users.add(tx.insert("User", u));
          }
          return null;
        });
    AttrPath title = AttrPath.parse("title");
    io.scimd.core.schema.ResolvedPath p = rt.resolve(title).orElseThrow();
    for (boolean descending : List.of(false, true)) {
      for (Filter f : java.util.Arrays.asList(null, Filter.eq("nickName", "keep"))) {
        // The full order, by the rules of SortKeys, ties in creation order (users are in seq
        // order).
        List<StoredResource> matching =
            users.stream()
                .filter(u -> f == null || FilterEvaluator.matches(f, full(u), rt))
                .toList();
        List<String> expected =
            new ArrayList<>(
                matching.stream()
                    .sorted(
                        java.util.Comparator.comparing(
                            (StoredResource u) -> SortKeys.key(p, rt, full(u)), SortKeys.KEY_ORDER))
                    .map(StoredResource::id)
                    .toList());
        if (descending) {
          java.util.Collections.reverse(expected);
        }
        Sort sort = new Sort(title, descending);
        for (int[] page :
            new int[][] {{1, 10}, {1, 1000}, {7, 13}, {45, 10}, {140, 20}, {151, 5}}) {
          Page got = query("User", new Query(f, sort, page[0], page[1], null, Load.NONE));
          int from = Math.min(expected.size(), page[0] - 1);
          int to = Math.min(expected.size(), from + page[1]);
          assertThat(ids(got))
              .as(f + " " + sort + " " + page[0] + "/" + page[1])
              .containsExactlyElementsOf(expected.subList(from, to));
          assertThat(got.totalResults()).isEqualTo(expected.size());
        }
        // Cursor pages forward, then back from the end, give the same order.
        List<String> forward = new ArrayList<>();
        String cursor = "";
        String lastPrev = null;
        while (cursor != null) {
          Page got = query("User", new Query(f, sort, 1, 17, cursor, Load.NONE));
          forward.addAll(ids(got));
          lastPrev = got.previousCursor();
          cursor = got.nextCursor();
        }
        assertThat(forward).as(f + " " + sort).containsExactlyElementsOf(expected);
        List<String> backward = new ArrayList<>();
        cursor = lastPrev;
        while (cursor != null) {
          Page got = query("User", new Query(f, sort, 1, 17, cursor, Load.NONE));
          backward.addAll(0, ids(got));
          cursor = got.previousCursor();
        }
        int lastPage = expected.size() % 17 == 0 ? 17 : expected.size() % 17;
        assertThat(backward)
            .containsExactlyElementsOf(expected.subList(0, expected.size() - lastPage));
      }
    }
  }

  @Test
  void severalEvaluatedQueries_inOneTransaction_eachReadTheirOwnCandidates() {
    for (int i = 0; i < 150; i++) {
      insert("User", user("s" + i).put("title", i % 5 == 0 ? "five" : "other"));
    }
    List<Long> totals =
        store.read(
            SCOPE,
            r ->
                List.of(
                    r.query("User", filtered(Filter.eq("title", "five"))).totalResults(),
                    r.query("User", filtered(Filter.eq("title", "other"))).totalResults(),
                    r.query(
                            "User",
                            new Query(
                                null,
                                new Sort(AttrPath.parse("title"), true),
                                1,
                                3,
                                null,
                                Load.NONE))
                        .totalResults()));
    assertThat(totals).containsExactly(30L, 120L, 150L);
    // and in a write transaction, which goes on after them
    String id =
        store.write(
            SCOPE,
            tx -> {
              assertThat(tx.query("User", filtered(Filter.eq("title", "five"))).totalResults())
                  .isEqualTo(30);
              return tx.insert("User", user("after")).id();
            });
    assertThat(get("User", id, Load.NONE)).isPresent();
  }

  @Test
  void sortKeysTooLargeToKeep_areTooMany_andTheTransactionGoesOn() {
    String huge = "t".repeat(1_000_000);
    store.write(
        SCOPE,
        tx -> {
          for (int i = 0; i < 20; i++) {
            tx.insert("User", user("big" + i).put("title", huge + i));
          }
          return null;
        });
    Sort byTitle = new Sort(AttrPath.parse("title"), false);
    long total =
        store.write(
            SCOPE,
            tx -> {
              // 20 keys of a million characters: more than a query may keep (32 MB)
              ScimException e =
                  scimError(
                      () -> tx.query("User", new Query(null, byTitle, 1, 20, null, Load.NONE)));
              assertThat(e.scimType()).isEqualTo(ScimType.TOO_MANY);
              assertThat(e.getMessage()).contains("32 MB");
              // the same transaction can still evaluate (PostgreSQL: the scan's cursor was closed)
              return tx.query("User", new Query(null, byTitle, 1, 2, null, Load.NONE))
                  .totalResults();
            });
    assertThat(total).isEqualTo(20);
  }

  @Test
  void healthy_whileOpen_andNotOnceClosed() {
    assertThat(store.healthy()).isTrue();
    Store closed = store;
    store = reopen(registry, clock); // closes the first
    long start = System.nanoTime();
    assertThat(closed.healthy()).as("a closed store").isFalse();
    assertThat(Duration.ofNanos(System.nanoTime() - start))
        .isLessThan(Duration.ofMillis(Store.HEALTH_TIMEOUT_MS));
    assertThat(store.healthy()).as("the reopened store").isTrue();
  }

  @Test
  void filterOnUnknownAttribute_isInvalidFilter_evenOnAnEmptyStore() {
    ScimException e = scimError(() -> query("User", filtered(Filter.eq("shoeSize", "42"))));
    assertThat(e.status()).isEqualTo(400);
    assertThat(e.scimType()).isEqualTo(ScimType.INVALID_FILTER);
  }

  // ------------------------------------------------------------------ sort and index paging

  private List<String> userNames(Page p) {
    return p.resources().stream().map(r -> r.attributes().path("userName").asText()).toList();
  }

  @Test
  void sort_byUserName_isCaseInsensitive_bothWays() {
    for (String n : List.of("carol", "Bob", "alice", "Dave")) {
      insert("User", user(n));
    }
    Sort asc = new Sort(AttrPath.parse("userName"), false);
    Sort desc = new Sort(AttrPath.parse("userName"), true);
    assertThat(userNames(query("User", new Query(null, asc, 1, 10, null, Load.NONE))))
        .containsExactly("alice", "Bob", "carol", "Dave");
    assertThat(userNames(query("User", new Query(null, desc, 1, 10, null, Load.NONE))))
        .containsExactly("Dave", "carol", "Bob", "alice");
  }

  @Test
  void sort_putsMissingValuesLastWhenAscending_tiesInCreationOrder() {
    StoredResource a = insert("User", withDisplay(user("a"), "Zed"));
    StoredResource b = insert("User", user("b"));
    StoredResource c = insert("User", withDisplay(user("c"), "amy"));
    StoredResource d = insert("User", withDisplay(user("d"), "AMY"));
    Sort asc = new Sort(AttrPath.parse("displayName"), false);
    assertThat(ids(query("User", new Query(null, asc, 1, 10, null, Load.NONE))))
        .containsExactly(c.id(), d.id(), a.id(), b.id());
    // in-memory sort (not a column) follows the same rules
    Sort byTitle = new Sort(AttrPath.parse("title"), false);
    store.write(
        SCOPE,
        tx ->
            tx.replace("User", d.id(), withDisplay(user("d"), "AMY").put("title", "x")).resource());
    store.write(
        SCOPE,
        tx ->
            tx.replace("User", a.id(), withDisplay(user("a"), "Zed").put("title", "X")).resource());
    assertThat(ids(query("User", new Query(null, byTitle, 1, 10, null, Load.NONE))))
        .containsExactly(a.id(), d.id(), b.id(), c.id());
    assertThat(
            ids(
                query(
                    "User",
                    new Query(
                        null, new Sort(AttrPath.parse("title"), true), 1, 10, null, Load.NONE))))
        .containsExactly(c.id(), b.id(), d.id(), a.id());
  }

  private static ObjectNode withDisplay(ObjectNode n, String display) {
    n.put("displayName", display);
    return n;
  }

  @Test
  void sort_byUnknownAttribute_is400() {
    ScimException e =
        scimError(
            () ->
                query(
                    "User",
                    new Query(
                        null, new Sort(AttrPath.parse("nope"), false), 1, 10, null, Load.NONE)));
    assertThat(e.status()).isEqualTo(400);
  }

  @Test
  void indexPaging_returnsTheRequestedSlice_andTheTotal() {
    List<String> all = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      all.add(insert("User", user("u" + i)).id());
    }
    Page p = query("User", new Query(null, null, 3, 2, null, Load.NONE));
    assertThat(p.totalResults()).isEqualTo(7);
    assertThat(ids(p)).containsExactly(all.get(2), all.get(3));
    assertThat(p.nextCursor()).isNull();
    assertThat(ids(query("User", new Query(null, null, 7, 5, null, Load.NONE))))
        .containsExactly(all.get(6));
    assertThat(ids(query("User", new Query(null, null, 9, 5, null, Load.NONE)))).isEmpty();
    Page zero = query("User", new Query(Filter.pr("userName"), null, 1, 0, null, Load.NONE));
    assertThat(zero.totalResults()).isEqualTo(7);
    assertThat(zero.resources()).isEmpty();
    // the evaluated path pages the same way
    Page evaluated =
        query(
            "User",
            new Query(
                Filter.compare("userName", CompareOp.SW, TextNode.valueOf("u")),
                null,
                3,
                2,
                null,
                Load.NONE));
    assertThat(ids(evaluated)).containsExactly(all.get(2), all.get(3));
    assertThat(evaluated.totalResults()).isEqualTo(7);
  }

  // ------------------------------------------------------------------ cursor paging (RFC 9865)

  private void cursorWalk(Filter filter, Sort sort) {
    List<String> stable = new ArrayList<>();
    List<String> doomed = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      String id = insert("User", user(String.format("u%02d", (i * 7) % 20))).id();
      (i % 4 == 3 ? doomed : stable).add(id);
    }
    Set<String> seen = new HashSet<>();
    List<String> order = new ArrayList<>();
    String cursor = "";
    int pages = 0;
    String firstPageCursorBack = null;
    List<String> secondPage = null;
    while (cursor != null) {
      Page p = query("User", new Query(filter, sort, 1, 3, cursor, Load.NONE));
      for (String id : ids(p)) {
        assertThat(seen.add(id)).as("seen twice: " + id).isTrue();
        order.add(id);
      }
      pages++;
      if (pages == 2) {
        firstPageCursorBack = p.previousCursor();
        secondPage = ids(p);
      }
      if (pages == 1) {
        assertThat(p.previousCursor()).isNull();
      }
      // concurrent writes between pages: new rows and deleted rows must not shift the others
      String added = insert("User", user("new" + pages)).id();
      if (!doomed.isEmpty()) {
        String d = doomed.remove(0);
        store.write(SCOPE, tx -> tx.delete("User", d));
      }
      store.write(SCOPE, tx -> tx.delete("User", added));
      cursor = p.nextCursor();
      assertThat(pages).isLessThan(50);
    }
    assertThat(seen).containsAll(stable);
    // the order seen is the query's order over the survivors
    List<String> expected = ids(query("User", new Query(filter, sort, 1, 100, null, Load.NONE)));
    assertThat(order.stream().filter(expected::contains).toList())
        .containsExactlyElementsOf(expected);
    // previousCursor from page 2 leads back to the first page
    assertThat(firstPageCursorBack).isNotNull();
    Page back = query("User", new Query(filter, sort, 1, 3, firstPageCursorBack, Load.NONE));
    assertThat(back.previousCursor()).isNull();
    assertThat(back.nextCursor()).isNotNull();
    assertThat(ids(query("User", new Query(filter, sort, 1, 3, back.nextCursor(), Load.NONE))))
        .containsExactlyElementsOf(secondPage.stream().filter(expected::contains).toList());
  }

  @Test
  void cursorPaging_defaultOrder_isStableUnderInsertsAndDeletes() {
    cursorWalk(null, null);
  }

  @Test
  void cursorPaging_sortedDescendingOnAColumn_isStable() {
    cursorWalk(Filter.pr("userName"), new Sort(AttrPath.parse("userName"), true));
  }

  @Test
  void cursorPaging_evaluatedFilterAndInMemorySort_isStable() {
    cursorWalk(
        Filter.compare("userName", CompareOp.SW, TextNode.valueOf("u")),
        new Sort(AttrPath.parse("name.familyName"), false));
  }

  @Test
  void garbageCursor_isInvalidCursor() {
    insert("User", user("a"));
    for (String bad : List.of("garbage", "eyJ4IjoxfQ", "!!!", "e30")) {
      ScimException e =
          scimError(() -> query("User", new Query(null, null, 1, 10, bad, Load.NONE)));
      assertThat(e.status()).as(bad).isEqualTo(400);
      assertThat(e.scimType()).as(bad).isEqualTo(ScimType.INVALID_CURSOR);
    }
  }

  @Test
  void cursor_ofAnotherQuery_isInvalidCursor() {
    for (int i = 0; i < 3; i++) {
      insert("User", user("u" + i));
    }
    String next = query("User", new Query(null, null, 1, 1, "", Load.NONE)).nextCursor();
    assertThat(next).isNotNull();
    ScimException e =
        scimError(
            () -> query("User", new Query(Filter.pr("userName"), null, 1, 1, next, Load.NONE)));
    assertThat(e.scimType()).isEqualTo(ScimType.INVALID_CURSOR);
  }

  /** {@code cursor} with its key replaced by {@code key}, otherwise as issued. */
  private static String withKey(String cursor, JsonNode key) throws Exception {
    ObjectNode n = (ObjectNode) JSON.readTree(java.util.Base64.getUrlDecoder().decode(cursor));
    n.set("k", key);
    return java.util.Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(JSON.writeValueAsBytes(n));
  }

  @Test
  void cursorWhoseKeyHasTheWrongTypeForItsSortColumn_isInvalidCursor() throws Exception {
    for (int i = 0; i < 3; i++) {
      insert("User", user("w" + i));
      clock.advance(Duration.ofSeconds(1));
    }
    for (String by : List.of("meta.created", "meta.lastModified", "userName", "externalId", "id")) {
      Query first =
          new Query(
              Filter.pr("userName"), new Sort(AttrPath.parse(by), false), 1, 1, "", Load.NONE);
      String next = query("User", first).nextCursor();
      assertThat(next).as(by).isNotNull();
      boolean numeric = by.startsWith("meta.");
      for (JsonNode wrong :
          numeric
              ? List.<JsonNode>of(
                  TextNode.valueOf("x"),
                  JSON.getNodeFactory().numberNode(1.5),
                  JSON.getNodeFactory().booleanNode(true),
                  JSON.getNodeFactory()
                      .numberNode(new java.math.BigInteger("99999999999999999999")))
              : List.<JsonNode>of(
                  JSON.getNodeFactory().numberNode(42), JSON.getNodeFactory().booleanNode(false))) {
        String tampered = withKey(next, wrong);
        ScimException e =
            scimError(
                () ->
                    query(
                        "User",
                        new Query(first.filter(), first.sort(), 1, 1, tampered, Load.NONE)));
        assertThat(e).as(by + " with key " + wrong).isNotNull();
        assertThat(e.status()).isEqualTo(400);
        assertThat(e.scimType()).isEqualTo(ScimType.INVALID_CURSOR);
      }
    }
  }

  @Test
  void cursorWhoseKeyIsANumberBeyondDouble_isInvalidCursor_alsoOnAnInMemorySort() throws Exception {
    for (int i = 0; i < 3; i++) {
      insert("User", user("n" + i).put("title", "t" + i));
    }
    for (String by : List.of("title", "meta.created")) {
      Query first =
          new Query(
              Filter.pr("userName"), new Sort(AttrPath.parse(by), false), 1, 1, "", Load.NONE);
      String next = query("User", first).nextCursor();
      assertThat(next).as(by).isNotNull();
      // 1e400 is valid JSON that Jackson reads as Infinity: written as text, not through a node.
      ObjectNode n = (ObjectNode) JSON.readTree(java.util.Base64.getUrlDecoder().decode(next));
      n.put("k", "@K@");
      String json = JSON.writeValueAsString(n).replace("\"@K@\"", "1e400");
      String tampered =
          java.util.Base64.getUrlEncoder()
              .withoutPadding()
              .encodeToString(json.getBytes(java.nio.charset.StandardCharsets.UTF_8));
      ScimException e =
          scimError(
              () ->
                  query(
                      "User", new Query(first.filter(), first.sort(), 1, 1, tampered, Load.NONE)));
      assertThat(e).as(by).isNotNull();
      assertThat(e.status()).isEqualTo(400);
      assertThat(e.scimType()).isEqualTo(ScimType.INVALID_CURSOR);
    }
  }

  // ------------------------------------------------------------------ concurrency

  @Test
  void concurrentAddMembers_toOneGroup_allLand() throws Exception {
    StoredResource g = insert("Group", group("g"));
    List<String> users = new ArrayList<>();
    for (int i = 0; i < 80; i++) {
      users.add(insert("User", user("u" + i)).id());
    }
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<?>> fs = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        int from = t * 10;
        fs.add(
            pool.submit(
                () -> {
                  start.await();
                  for (int i = from; i < from + 10; i++) {
                    String id = users.get(i);
                    store.write(
                        SCOPE,
                        tx -> {
                          tx.addMembers(g.id(), List.of(new Member(id, null)));
                          return null;
                        });
                  }
                  return null;
                }));
      }
      start.countDown();
      for (Future<?> f : fs) {
        f.get(60, TimeUnit.SECONDS);
      }
    }
    assertThat(members(g.id())).hasSize(80);
  }

  @Test
  void concurrentMemberWrites_lockingTheMetaThenTouching_eachBumpTheVersionOnce() throws Exception {
    StoredResource g = insert("Group", group("g"));
    List<String> users = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      users.add(insert("User", user("u" + i)).id());
    }
    List<Long> versions = Collections.synchronizedList(new ArrayList<>());
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<?>> fs = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        int from = t * 10;
        fs.add(
            pool.submit(
                () -> {
                  start.await();
                  for (int i = from; i < from + 10; i++) {
                    String id = users.get(i);
                    // What a member PATCH does: lock and check the meta, add, bump the version.
                    versions.add(
                        store.write(
                            SCOPE,
                            tx -> {
                              long seen = tx.metaForUpdate("Group", g.id()).orElseThrow().version();
                              tx.addMembers(g.id(), List.of(new Member(id, null)));
                              long now = tx.touch("Group", g.id()).version();
                              assertThat(now)
                                  .as("nobody wrote between the lock and the touch")
                                  .isEqualTo(seen + 1);
                              return now;
                            }));
                  }
                  return null;
                }));
      }
      start.countDown();
      for (Future<?> f : fs) {
        f.get(60, TimeUnit.SECONDS);
      }
    }
    assertThat(members(g.id())).hasSize(40);
    assertThat(versions)
        .containsExactlyInAnyOrderElementsOf(LongStream.rangeClosed(2, 41).boxed().toList());
    assertThat(get("Group", g.id(), Load.NONE).orElseThrow().meta().version()).isEqualTo(41);
  }

  @Test
  void concurrentInsertsOfOneUserName_exactlyOneSucceeds() throws Exception {
    for (int round = 0; round < 5; round++) {
      String name = "dup" + round;
      AtomicInteger ok = new AtomicInteger();
      AtomicInteger conflicts = new AtomicInteger();
      try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
        CountDownLatch start = new CountDownLatch(1);
        List<Future<?>> fs = new ArrayList<>();
        for (int t = 0; t < 2; t++) {
          String spelled = t == 0 ? name : name.toUpperCase(java.util.Locale.ROOT);
          fs.add(
              pool.submit(
                  () -> {
                    start.await();
                    try {
                      insert("User", user(spelled));
                      ok.incrementAndGet();
                    } catch (ScimException e) {
                      assertThat(e.scimType()).isEqualTo(ScimType.UNIQUENESS);
                      conflicts.incrementAndGet();
                    }
                    return null;
                  }));
        }
        start.countDown();
        for (Future<?> f : fs) {
          f.get(60, TimeUnit.SECONDS);
        }
      }
      assertThat(ok.get()).isEqualTo(1);
      assertThat(conflicts.get()).isEqualTo(1);
    }
    assertThat(query("User", Query.all(0)).totalResults()).isEqualTo(5);
  }

  @Test
  void reads_doNotWaitForAWriteInProgress() throws Exception {
    StoredResource u = insert("User", user("alice"));
    CountDownLatch writing = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      Future<?> w =
          pool.submit(
              () ->
                  store.write(
                      SCOPE,
                      tx -> {
                        tx.replace("User", u.id(), user("alice2")).resource();
                        writing.countDown();
                        try {
                          release.await(30, TimeUnit.SECONDS);
                        } catch (InterruptedException e) {
                          Thread.currentThread().interrupt();
                        }
                        return null;
                      }));
      assertThat(writing.await(30, TimeUnit.SECONDS)).isTrue();
      Future<String> r =
          pool.submit(
              () ->
                  get("User", u.id(), Load.NONE)
                      .orElseThrow()
                      .attributes()
                      .get("userName")
                      .asText());
      // the read sees the last committed state, without waiting for the writer
      assertThat(r.get(10, TimeUnit.SECONDS)).isEqualTo("alice");
      release.countDown();
      w.get(30, TimeUnit.SECONDS);
    }
    assertThat(get("User", u.id(), Load.NONE).orElseThrow().attributes().get("userName").asText())
        .isEqualTo("alice2");
  }

  // ------------------------------------------------------------------ credentials

  static final Scope ADMIN = Scope.system(Scope.DEFAULT_TENANT, "test");

  /** A new client {@code name} of {@code tenant} with one bearer token of hash {@code hash}. */
  private Credentials.Credential credential(
      String tenant, String name, String hash, @org.jspecify.annotations.Nullable Instant expires) {
    Scope by = Scope.system(tenant, "test");
    Credentials cr = store.credentials();
    Credentials.Client c = cr.createClient(by, name, Set.of("scim:read", "scim:write"));
    return cr.issue(by, c.id(), Credentials.Kind.BEARER, hash, "scimd_abcd...", expires, 3);
  }

  @Test
  void credentials_issueFindListRevoke() {
    Credentials cr = store.credentials();
    Credentials.Credential a = credential(Scope.DEFAULT_TENANT, "okta", "hash-a", null);
    Credentials.Credential b =
        credential(Scope.DEFAULT_TENANT, "entra", "hash-b", clock.instant().plusSeconds(60));
    assertThat(cr.findByTokenHash("hash-a")).contains(a);
    assertThat(a.client().scopes()).containsExactlyInAnyOrder("scim:read", "scim:write");
    assertThat(cr.findByTokenHash("nope")).isEmpty();
    assertThat(cr.list()).containsExactlyInAnyOrder(a, b);
    clock.advance(Duration.ofSeconds(61));
    assertThat(cr.findByTokenHash("hash-b")).as("expired").isEmpty();
    assertThat(cr.revoke(ADMIN, a.id())).isTrue();
    assertThat(cr.revoke(ADMIN, a.id())).isFalse();
    assertThat(cr.findByTokenHash("hash-a")).isEmpty();
    assertThat(cr.list()).isEmpty();
  }

  @Test
  void credentials_belongToATenant_andAreFoundWhateverItIs() {
    store.tenants().create("acme");
    Credentials cr = store.credentials();
    Credentials.Credential mine = credential(Scope.DEFAULT_TENANT, "okta", "hash-d", null);
    Credentials.Credential theirs = credential("acme", "entra", "hash-a", null);
    assertThat(mine.tenant()).isEqualTo(Scope.DEFAULT_TENANT);
    assertThat(theirs.tenant()).isEqualTo("acme");
    assertThat(cr.findByTokenHash("hash-a")).contains(theirs);
    assertThat(cr.list()).containsExactly(theirs, mine);
    assertThat(cr.client("acme", "okta")).as("another tenant's client").isEmpty();
    assertThat(cr.revoke(ADMIN, theirs.id())).as("another tenant's credential").isFalse();
    assertThatThrownBy(() -> credential("nowhere", "x", "hash-n", null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no tenant 'nowhere'");
    assertThat(cr.findByTokenHash("hash-n")).isEmpty();
  }

  @Test
  void clients_haveUniqueNames_andAtMostMaxLiveCredentialsOfAKind() {
    Credentials cr = store.credentials();
    Credentials.Client okta = cr.createClient(ADMIN, "okta", Set.of("scim:read"));
    assertThatThrownBy(() -> cr.createClient(ADMIN, "okta", Set.of("admin")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("has a client named 'okta' already");
    assertThat(cr.client(Scope.DEFAULT_TENANT, "okta")).contains(okta);
    assertThat(cr.client(Scope.DEFAULT_TENANT, okta.id())).contains(okta);
    cr.issue(ADMIN, okta.id(), Credentials.Kind.BEARER, "h1", "x", null, 2);
    cr.issue(ADMIN, okta.id(), Credentials.Kind.BEARER, "h2", "x", null, 2);
    assertThatThrownBy(
            () -> cr.issue(ADMIN, okta.id(), Credentials.Kind.BEARER, "h3", "x", null, 2))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("holds 2 live tokens, the most allowed (2)");
    cr.issue(ADMIN, okta.id(), Credentials.Kind.SECRET, "s1", "x", null, 2);
    assertThat(cr.credentials(Scope.DEFAULT_TENANT, okta.id())).hasSize(3);

    assertThat(cr.deleteClient(ADMIN, okta.id())).isTrue();
    assertThat(cr.findByTokenHash("h1")).isEmpty();
    assertThat(cr.clients(Scope.DEFAULT_TENANT)).isEmpty();
    assertThat(cr.createClient(ADMIN, "okta", Set.of("scim:read")).id())
        .as("the name is free again")
        .isNotEqualTo(okta.id());
  }

  @Test
  void rotation_endsTheOldCredentialsAtTheOverlap_andKeepsAnEarlierEnd() {
    Credentials cr = store.credentials();
    Credentials.Client okta = cr.createClient(ADMIN, "okta", Set.of("scim:read"));
    Instant now = clock.instant();
    Credentials.Credential forever =
        cr.issue(ADMIN, okta.id(), Credentials.Kind.BEARER, "h1", "x", null, 3);
    Credentials.Credential soon =
        cr.issue(ADMIN, okta.id(), Credentials.Kind.BEARER, "h2", "x", now.plusSeconds(10), 3);
    assertThatThrownBy(
            () ->
                cr.rotate(
                    ADMIN,
                    okta.id(),
                    Credentials.Kind.BEARER,
                    "h3",
                    "x",
                    null,
                    now.plusSeconds(60),
                    2))
        .as("the old ones count until they end")
        .isInstanceOf(IllegalStateException.class);

    Credentials.Rotation r =
        cr.rotate(
            ADMIN, okta.id(), Credentials.Kind.BEARER, "h3", "x", null, now.plusSeconds(60), 3);
    assertThat(r.ending())
        .extracting(Credentials.Credential::id, Credentials.Credential::expires)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(forever.id(), now.plusSeconds(60)),
            org.assertj.core.groups.Tuple.tuple(soon.id(), now.plusSeconds(10)));
    clock.advance(Duration.ofSeconds(59));
    assertThat(cr.findByTokenHash("h1")).isPresent();
    clock.advance(Duration.ofSeconds(1));
    assertThat(cr.findByTokenHash("h1")).isEmpty();
    assertThat(cr.findByTokenHash("h3")).isPresent();
  }

  @Test
  void everyCredentialChange_isJournaledInItsTenant_byWhoMadeIt() {
    Credentials cr = store.credentials();
    Credentials.Client okta = cr.createClient(ADMIN, "okta", Set.of("scim:read"));
    Credentials.Credential t =
        cr.issue(ADMIN, okta.id(), Credentials.Kind.BEARER, "h1", "scimd_ab12...", null, 3);
    cr.rotate(
        ADMIN,
        okta.id(),
        Credentials.Kind.BEARER,
        "h2",
        "x",
        null,
        clock.instant().plusSeconds(5),
        3);
    cr.revoke(ADMIN, t.id());
    cr.deleteClient(ADMIN, okta.id());
    List<JournalEntry> entries = store.read(ADMIN, r -> r.journal(0, 100));
    assertThat(entries)
        .extracting(e -> e.change().resourceType() + " " + e.change().kind().wire())
        .containsExactly(
            "Client created",
            "Credential created",
            "Credential patched", // its end, set by the rotation
            "Credential created",
            "Credential patched", // revoked
            "Credential patched", // the other revoked with its client
            "Client deleted");
    assertThat(entries).allSatisfy(e -> assertThat(e.principal()).isEqualTo("system:test"));
    assertThat(entries.get(1).json()).contains("scimd_ab12...").doesNotContain("h1");
  }

  // ------------------------------------------------------------------ rate usage

  @Test
  void rateUsage_exchange_addsToTotals_andReturnsTheKeysAddedToSince() {
    RateUsage usage = store.rateUsage();
    Instant t0 = clock.instant();
    assertThat(usage.exchange(new TreeMap<>(), t0, t0.minusSeconds(10))).isEmpty();

    // Node A adds under two keys, node B under one of them and a third.
    assertThat(usage.exchange(new TreeMap<>(Map.of("k1", 5L, "k2", 1L)), t0, t0.minusSeconds(10)))
        .isEqualTo(Map.of("k1", 5L, "k2", 1L));
    Instant t1 = t0.plusSeconds(1);
    assertThat(usage.exchange(new TreeMap<>(Map.of("k1", 3L, "k3", 7L)), t1, t0.minusSeconds(9)))
        .isEqualTo(Map.of("k1", 8L, "k2", 1L, "k3", 7L));

    // Adding nothing reads; a key no one added to since `since` is left out.
    Instant t20 = t0.plusSeconds(20);
    assertThat(usage.exchange(new TreeMap<>(Map.of("k3", 1L)), t20, t20.minusSeconds(10)))
        .isEqualTo(Map.of("k3", 8L));
    assertThat(usage.exchange(new TreeMap<>(), t20, t0)).containsEntry("k1", 8L).hasSize(3);
  }

  @Test
  void rateUsage_aStampFromABehindClock_doesNotMoveTheRowBack() {
    RateUsage usage = store.rateUsage();
    Instant t0 = clock.instant();
    usage.exchange(new TreeMap<>(Map.of("k", 1L)), t0, t0);
    usage.exchange(new TreeMap<>(Map.of("k", 1L)), t0.minusSeconds(30), t0.minusSeconds(30));
    assertThat(usage.exchange(new TreeMap<>(), t0, t0)).isEqualTo(Map.of("k", 2L));
  }

  @Test
  void rateUsage_prune_deletesTheKeysNoOneAddedToSince() {
    RateUsage usage = store.rateUsage();
    Instant t0 = clock.instant();
    usage.exchange(new TreeMap<>(Map.of("old", 4L)), t0, t0);
    usage.exchange(new TreeMap<>(Map.of("new", 2L)), t0.plusSeconds(3600), t0);
    assertThat(usage.prune(t0.plusSeconds(60))).isEqualTo(1);
    assertThat(usage.exchange(new TreeMap<>(), t0, t0.minusSeconds(1)))
        .isEqualTo(Map.of("new", 2L));
    // A pruned key starts again from what is added next.
    assertThat(usage.exchange(new TreeMap<>(Map.of("old", 1L)), t0, t0)).containsEntry("old", 1L);
  }

  @Test
  void rateUsage_concurrentExchanges_loseNoAddition() throws Exception {
    RateUsage usage = store.rateUsage();
    Instant t0 = clock.instant();
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int n = 0; n < 4; n++) {
        done.add(
            pool.submit(
                () -> {
                  for (int i = 0; i < 25; i++) {
                    usage.exchange(new TreeMap<>(Map.of("a", 1L, "b", 2L)), t0, t0);
                  }
                }));
      }
      for (Future<?> f : done) {
        f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(usage.exchange(new TreeMap<>(), t0, t0)).isEqualTo(Map.of("a", 100L, "b", 200L));
  }

  // ------------------------------------------------------------------ tenants

  static final Scope ACME = Scope.system("acme", "test");

  private java.util.Optional<StoredResource> getIn(Scope scope, String type, String id) {
    return store.read(scope, r -> r.get(type, id, Load.NONE));
  }

  private Page queryIn(Scope scope, String type, Query q) {
    return store.read(scope, r -> r.query(type, q));
  }

  private List<JournalEntry> journalIn(Scope scope, long after) {
    return store.read(scope, r -> r.journal(after, 100));
  }

  @Test
  void tenants_defaultExists_andCannotBeDeleted() {
    assertThat(store.tenants().list())
        .extracting(Tenants.Tenant::name)
        .containsExactly(Scope.DEFAULT_TENANT);
    assertThatThrownBy(() -> store.tenants().delete(Scope.DEFAULT_TENANT, true))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("cannot be deleted");
  }

  @Test
  void tenants_createOnce_listByName_withWhatTheyHold() {
    Tenants t = store.tenants();
    assertThat(t.create("zeta"))
        .hasValueSatisfying(z -> assertThat(z.created()).isEqualTo(clock.instant()));
    assertThat(t.create("acme")).isPresent();
    assertThat(t.create("acme")).as("exists already").isEmpty();
    store.write(ACME, tx -> tx.insert("User", user("alice")));
    credential("acme", "okta", "hash-1", null);
    assertThat(t.list())
        .extracting(Tenants.Tenant::name)
        .containsExactly("acme", "default", "zeta");
    Tenants.Tenant acme = t.find("acme").orElseThrow();
    assertThat(acme.resources()).isEqualTo(1);
    assertThat(acme.credentials()).isEqualTo(1);
    assertThat(t.find("nope")).isEmpty();
  }

  @Test
  void tenants_invalidNames_areRefusedNamingTheRule() {
    for (String bad :
        new String[] {
          "", "Acme", "-acme", "acme-", "a_b", "a.b", "a/b", "ä", "x".repeat(64), " acme"
        }) {
      assertThatThrownBy(() -> store.tenants().create(bad))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("lower-case letters, digits and '-'");
    }
    assertThat(store.tenants().create("a")).isPresent();
    assertThat(store.tenants().create("0-9-z" + "x".repeat(58))).isPresent();
  }

  @Test
  void tenants_areIsolated_idsUniquenessListsFiltersMembersCountsAndJournals() {
    store.tenants().create("acme");
    StoredResource mine = insert("User", user("alice"));
    StoredResource theirs = store.write(ACME, tx -> tx.insert("User", user("ALICE")));
    StoredResource theirGroup = store.write(ACME, tx -> tx.insert("Group", group("staff")));
    // each tenant has its own userName uniqueness
    assertThat(scimError(() -> store.write(ACME, tx -> tx.insert("User", user("alice")))).status())
        .isEqualTo(409);
    // nothing of one tenant is found from the other, by id, list or filter
    assertThat(get("User", theirs.id(), Load.NONE)).isEmpty();
    assertThat(getIn(ACME, "User", mine.id())).isEmpty();
    assertThat(ids(query("User", Query.all(100)))).containsExactly(mine.id());
    assertThat(query("User", Query.all(0)).totalResults()).isEqualTo(1);
    assertThat(query("Group", Query.all(100)).totalResults()).isZero();
    Filter alice = Filter.eq("userName", "alice");
    assertThat(ids(queryIn(ACME, "User", filtered(alice)))).containsExactly(theirs.id());
    assertThat(ids(query("User", filtered(alice)))).containsExactly(mine.id());
    // nor written: a member from the other tenant is no resource; its group is not found
    ScimException stranger =
        scimError(
            () ->
                store.write(
                    ACME,
                    tx -> tx.addMembers(theirGroup.id(), List.of(new Member(mine.id(), null)))));
    assertThat(stranger.scimType()).isEqualTo(ScimType.INVALID_VALUE);
    assertThat(scimError(() -> addMembers(theirGroup.id(), mine.id())).status()).isEqualTo(404);
    assertThat(
            scimError(() -> store.write(SCOPE, tx -> tx.replace("User", theirs.id(), user("bob"))))
                .status())
        .isEqualTo(404);
    assertThat(delete("User", theirs.id())).isFalse();
    // a cursor of one tenant is refused by the other
    StoredResource carol = store.write(ACME, tx -> tx.insert("User", user("carol")));
    String next = queryIn(ACME, "User", new Query(null, null, 1, 1, "", Load.NONE)).nextCursor();
    assertThat(next).isNotNull();
    ScimException refused =
        scimError(() -> query("User", new Query(null, null, 1, 1, next, Load.NONE)));
    assertThat(refused.scimType()).isEqualTo(ScimType.INVALID_CURSOR);
    // each journal holds its own entries, numbered from 1; a tenant's begins with its creation
    List<JournalEntry> ours = journal();
    List<JournalEntry> acme = journalIn(ACME, 0);
    assertThat(ours).extracting(JournalEntry::seq).containsExactly(1L);
    assertThat(ours.get(0).change().resourceId()).isEqualTo(mine.id());
    assertThat(acme).extracting(JournalEntry::seq).containsExactly(1L, 2L, 3L, 4L);
    assertThat(acme)
        .extracting(e -> e.change().resourceId())
        .containsExactly("acme", theirs.id(), theirGroup.id(), carol.id());
    assertThat(acme.get(0).principal()).isEqualTo("system:tenant-create");
    assertThat(acme).extracting(JournalEntry::tenant).containsOnly("acme");
  }

  @Test
  void tenantDelete_refusesOneThatHoldsAnything_unlessForced() {
    Tenants t = store.tenants();
    assertThat(t.delete("nope", false)).isEqualTo(new Tenants.Deletion.NotFound());
    t.create("empty");
    assertThat(t.delete("empty", false)).isEqualTo(new Tenants.Deletion.Deleted(0, 0));
    assertThat(t.find("empty")).isEmpty();

    t.create("acme");
    credential("acme", "okta", "hash-1", null);
    assertThat(t.delete("acme", false)).isEqualTo(new Tenants.Deletion.NotEmpty(0, 1));
    StoredResource u = store.write(ACME, tx -> tx.insert("User", user("alice")));
    StoredResource g = store.write(ACME, tx -> tx.insert("Group", group("staff")));
    store.write(ACME, tx -> tx.addMembers(g.id(), List.of(new Member(u.id(), null))));
    assertThat(t.delete("acme", false)).isEqualTo(new Tenants.Deletion.NotEmpty(2, 1));
    assertThat(getIn(ACME, "User", u.id())).as("nothing deleted").isPresent();

    assertThat(t.delete("acme", true)).isEqualTo(new Tenants.Deletion.Deleted(2, 1));
    assertThat(t.find("acme")).isEmpty();
    assertThat(store.credentials().findByTokenHash("hash-1")).as("revoked").isEmpty();
    assertThat(queryIn(ACME, "User", Query.all(10)).totalResults()).isZero();
    List<JournalEntry> j = journalIn(ACME, 0);
    assertThat(kinds(j))
        .containsExactly(
            "created Tenant",
            "created Client",
            "created Credential",
            "created User",
            "created Group",
            "members_added Group",
            "deleted Group",
            "deleted User",
            "patched Credential",
            "deleted Client",
            "deleted Tenant");
    assertThat(j.get(6).principal()).isEqualTo("system:tenant-delete");
    assertThat(j.get(10).json()).contains("\"resources\":2").contains("\"credentials\":1");
    // a write to the deleted tenant changes nothing
    assertThat(scimError(() -> store.write(ACME, tx -> tx.insert("User", user("bob")))).status())
        .isEqualTo(404);
    // created again, it is empty, takes the old names, and its journal goes on after the old
    // entries
    t.create("acme");
    store.write(ACME, tx -> tx.insert("User", user("alice")));
    assertThat(kinds(journalIn(ACME, 11))).containsExactly("created Tenant", "created User");
    assertThat(journalIn(ACME, 11)).extracting(JournalEntry::seq).containsExactly(12L, 13L);
    assertThat(t.find("acme").orElseThrow().resources()).isEqualTo(1);
    assertThat(t.find("acme").orElseThrow().credentials()).isZero();
  }

  @Test
  void tenants_survive_aReopen() {
    store.tenants().create("acme");
    store.close();
    store = reopen(registry, clock);
    assertThat(store.tenants().find("acme")).isPresent();
    assertThat(store.write(ACME, tx -> tx.insert("User", user("alice"))).id()).isNotEmpty();
  }

  // ------------------------------------------------------------------ change journal

  protected List<JournalEntry> journal() {
    return store.read(SCOPE, r -> r.journal(0, 1000));
  }

  /** The number of the journal's last entry, paging through it all. */
  protected long lastSeq() {
    long last = 0;
    while (true) {
      long from = last;
      List<JournalEntry> page = store.read(SCOPE, r -> r.journal(from, 1000));
      if (page.isEmpty()) {
        return last;
      }
      last = page.get(page.size() - 1).seq();
    }
  }

  private static List<String> kinds(List<JournalEntry> entries) {
    return entries.stream()
        .map(e -> e.change().kind().wire() + " " + e.change().resourceType())
        .toList();
  }

  @Test
  void insert_journalsCreatedWithScopeAndWithoutThePassword() {
    Scope scope = new Scope("default", Scope.Principal.client("c-1", "okta"), "10.0.0.7", "req-1");
    ObjectNode attrs = user("alice").put("password", "$pbkdf2$hash").put("title", "Boss");
    StoredResource u = store.write(scope, tx -> tx.insert("User", attrs));

    List<JournalEntry> entries = journal();
    assertThat(entries).hasSize(1);
    JournalEntry e = entries.get(0);
    assertThat(e.seq()).isEqualTo(1);
    assertThat(e.tenant()).isEqualTo("default");
    assertThat(e.principal()).isEqualTo("client:c-1");
    assertThat(e.principalName()).isEqualTo("okta");
    assertThat(e.source()).isEqualTo("10.0.0.7");
    assertThat(e.requestId()).isEqualTo("req-1");
    assertThat(e.at()).isEqualTo(u.meta().created());
    Change.Created created = (Change.Created) e.change();
    assertThat(created.resourceType()).isEqualTo("User");
    assertThat(created.resourceId()).isEqualTo(u.id());
    assertThat(created.attributes().get("userName").asText()).isEqualTo("alice");
    assertThat(created.attributes().has("password")).isFalse();
    assertThat(created.redacted()).containsExactly("password");
    assertThat(e.json()).doesNotContain("pbkdf2");
  }

  @Test
  void replaceAndPatch_journalOnlyTheAttributesThatChanged() {
    StoredResource u = insert("User", user("alice").put("title", "A").put("password", "h1"));
    store.write(
        SCOPE,
        tx -> tx.replace("User", u.id(), user("alice").put("title", "B").put("password", "h2")));
    store.write(
        SCOPE,
        tx -> tx.replace("User", u.id(), user("alice").put("title", "B").put("password", "h2")));
    ObjectNode ent = user("alice").put("title", "B").put("password", "h2");
    ent.putObject("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User")
        .put("employeeNumber", "7");
    store.write(SCOPE, tx -> tx.patch("User", u.id(), ent));

    List<JournalEntry> entries = journal();
    assertThat(kinds(entries)).containsExactly("created User", "replaced User", "patched User");
    Change.Replaced replaced = (Change.Replaced) entries.get(1).change();
    assertThat(replaced.version()).isEqualTo(2);
    assertThat(replaced.attributes())
        .containsExactly(
            new Change.AttributeChange(
                "title", TextNode.valueOf("A"), TextNode.valueOf("B"), false),
            new Change.AttributeChange("password", null, null, true));
    Change.Patched patched = (Change.Patched) entries.get(2).change();
    assertThat(patched.version()).isEqualTo(4); // the unchanged PUT still moved the version
    assertThat(patched.attributes())
        .containsExactly(
            new Change.AttributeChange(
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
                null,
                TextNode.valueOf("7"),
                false));
    assertThat(entries.get(1).json()).doesNotContain("h1").doesNotContain("h2");
  }

  @Test
  void members_journalOnlyTheMembersThatReallyChanged() {
    String g = insert("Group", group("g")).id();
    String a = insert("User", user("a")).id();
    String b = insert("User", user("b")).id();
    addMembers(g, a);
    List<Member> added =
        store.write(
            SCOPE, tx -> tx.addMembers(g, List.of(new Member(a, null), new Member(b, null))));
    List<Member> removed = store.write(SCOPE, tx -> tx.removeMembers(g, List.of(a, "nobody", a)));
    List<Member> none = store.write(SCOPE, tx -> tx.removeMembers(g, List.of(a)));

    assertThat(added).containsExactly(new Member(b, "User"));
    assertThat(removed).containsExactly(new Member(a, "User"));
    assertThat(none).isEmpty();
    List<JournalEntry> entries = journal();
    assertThat(kinds(entries))
        .containsExactly(
            "created Group",
            "created User",
            "created User",
            "members_added Group",
            "members_added Group",
            "members_removed Group");
    assertThat(entries.get(3).change())
        .isEqualTo(new Change.MembersAdded("Group", g, List.of(new Member(a, "User"))));
    assertThat(entries.get(4).change())
        .isEqualTo(new Change.MembersAdded("Group", g, List.of(new Member(b, "User"))));
    assertThat(entries.get(5).change())
        .isEqualTo(new Change.MembersRemoved("Group", g, List.of(new Member(a, "User")), false));
  }

  @Test
  void deleteOfAMember_journalsTheDeletionThenEachGroupThatLostIt() {
    String g1 = insert("Group", group("g1")).id();
    String g2 = insert("Group", group("g2")).id();
    String u = insert("User", user("u").put("password", "secret-hash")).id();
    addMembers(g1, u);
    addMembers(g2, u);

    assertThat(delete("User", u)).isTrue();

    List<JournalEntry> entries = journal();
    List<JournalEntry> last = entries.subList(entries.size() - 3, entries.size());
    assertThat(last.get(0).change()).isInstanceOf(Change.Deleted.class);
    Change.Deleted d = (Change.Deleted) last.get(0).change();
    assertThat(d.version()).isEqualTo(1);
    assertThat(d.attributes().get("userName").asText()).isEqualTo("u");
    assertThat(d.redacted()).containsExactly("password");
    assertThat(last.subList(1, 3))
        .extracting(JournalEntry::change)
        .containsExactlyInAnyOrder(
            new Change.MembersRemoved("Group", g1, List.of(new Member(u, "User")), true),
            new Change.MembersRemoved("Group", g2, List.of(new Member(u, "User")), true));
    assertThat(last).extracting(JournalEntry::at).containsOnly(last.get(0).at());
  }

  @Test
  void clearOfALargeGroup_isJournaledInBoundedEntries() {
    String g = insert("Group", group("big")).id();
    List<Member> users = new ArrayList<>();
    store.write(
        SCOPE,
        tx -> {
          for (int i = 0; i < 2_100; i++) {
            users.add(new Member(tx.insert("User", user("u" + i)).id(), null));
          }
          return tx.addMembers(g, users);
        });
    long before = lastSeq();

    long removed = store.write(SCOPE, tx -> tx.clearMembers(g));

    assertThat(removed).isEqualTo(2_100);
    List<JournalEntry> entries = store.read(SCOPE, r -> r.journal(before, 1000));
    assertThat(entries).hasSize(3);
    assertThat(entries)
        .extracting(e -> ((Change.MembersRemoved) e.change()).members().size())
        .containsExactly(1000, 1000, 100);
  }

  @Test
  void replaceMembers_pagesThroughTheGroup_andJournalsOnlyWhoLeftAndWhoJoined() {
    String g = insert("Group", group("wide")).id();
    List<String> users =
        store.write(
            SCOPE,
            tx -> {
              List<String> ids = new ArrayList<>();
              for (int i = 0; i < 451; i++) {
                ids.add(tx.insert("User", user("w" + i)).id());
              }
              tx.addMembers(g, ids.stream().map(id -> new Member(id, null)).toList());
              return ids;
            });
    List<Member> wanted = new ArrayList<>();
    for (int i = 100; i < 450; i++) {
      wanted.add(new Member(users.get(i), null, i == 420 ? "Relabelled" : null));
    }
    wanted.add(new Member(users.get(450), null));
    String late = insert("User", user("late")).id();
    wanted.add(new Member(late, null));
    long before = lastSeq();

    boolean changed = store.write(SCOPE, tx -> tx.replaceMembers(g, wanted));
    assertThat(changed).isTrue();

    assertThat(members(g))
        .extracting(Member::value)
        .containsExactlyInAnyOrderElementsOf(wanted.stream().map(Member::value).toList());
    Set<String> left = new HashSet<>();
    Set<String> joined = new HashSet<>();
    for (JournalEntry e : store.read(SCOPE, r -> r.journal(before, 1000))) {
      switch (e.change()) {
        case Change.MembersRemoved r -> r.members().forEach(m -> left.add(m.value()));
        case Change.MembersAdded a -> a.members().forEach(m -> joined.add(m.value()));
        default -> throw new AssertionError("not a membership change: " + e.change());
      }
    }
    Set<String> expectedLeft = new HashSet<>(users.subList(0, 100));
    expectedLeft.add(users.get(420));
    assertThat(left).isEqualTo(expectedLeft);
    assertThat(joined).containsExactlyInAnyOrder(users.get(420), late);
    long after = lastSeq();
    boolean again = store.write(SCOPE, tx -> tx.replaceMembers(g, wanted));
    assertThat(again).isFalse();
    assertThat(lastSeq()).isEqualTo(after);
  }

  @Test
  void replaceMembers_withTheDisplaysAReadShowed_changesNothing() {
    ObjectNode ann = user("ann");
    ann.put("displayName", "Ann Smith");
    String a = insert("User", ann).id();
    String b = insert("User", user("ben")).id();
    String g = insert("Group", group("g")).id();
    store.write(
        SCOPE,
        tx -> tx.addMembers(g, List.of(new Member(a, null), new Member(b, null, "Benjamin"))));
    long before = lastSeq();

    boolean changed =
        store.write(
            SCOPE,
            tx ->
                tx.replaceMembers(
                    g,
                    List.of(
                        new Member(a, "User", "Ann Smith"), new Member(b, "User", "Benjamin"))));

    assertThat(changed).isFalse();
    assertThat(lastSeq()).isEqualTo(before);
    boolean dropped =
        store.write(
            SCOPE, tx -> tx.replaceMembers(g, List.of(new Member(a, null), new Member(b, null))));
    assertThat(dropped).as("dropping the display Ben was given is a change").isTrue();
  }

  @Test
  void rolledBackWrites_leaveNoEntryAndNoGap() {
    insert("User", user("alice"));
    assertThatThrownBy(
            () ->
                store.write(
                    SCOPE,
                    tx -> {
                      tx.insert("User", user("bob"));
                      throw new IllegalStateException("the request failed after a write");
                    }))
        .isInstanceOf(IllegalStateException.class);
    // A conflict caught inside the transaction rolls back its own savepoint only.
    store.write(
        SCOPE,
        tx -> {
          ScimException e = scimError(() -> tx.insert("User", user("ALICE")));
          assertThat(e.error().scimType()).isEqualTo(ScimType.UNIQUENESS);
          return tx.insert("User", user("carol"));
        });

    List<JournalEntry> entries = journal();
    assertThat(entries).extracting(JournalEntry::seq).containsExactly(1L, 2L);
    assertThat(entries)
        .extracting(e -> ((Change.Created) e.change()).attributes().get("userName").asText())
        .containsExactly("alice", "carol");
  }

  @Test
  void journal_pagesAfterASequenceNumberInOrder() {
    for (int i = 0; i < 25; i++) {
      insert("User", user("u" + i));
    }
    List<Long> seen = new ArrayList<>();
    long after = 0;
    while (true) {
      long from = after;
      List<JournalEntry> page = store.read(SCOPE, r -> r.journal(from, 10));
      if (page.isEmpty()) {
        break;
      }
      assertThat(page.size()).isLessThanOrEqualTo(10);
      page.forEach(e -> seen.add(e.seq()));
      after = page.get(page.size() - 1).seq();
    }
    assertThat(seen).hasSize(25).isSorted().startsWith(1L).endsWith(25L);
    List<JournalEntry> none = store.read(SCOPE, r -> r.journal(25, 10));
    List<JournalEntry> zero = store.read(SCOPE, r -> r.journal(0, 0));
    assertThat(none).isEmpty();
    assertThat(zero).isEmpty();
  }

  @Test
  void journalHead_isTheLastCommittedEntry_ofTheTenantOnly() {
    assertThat(store.journalHead(SCOPE.tenant())).isZero();
    insert("User", user("alice"));
    insert("User", user("bob"));
    long head = store.journalHead(SCOPE.tenant());
    long inRead = store.read(SCOPE, r -> r.journalHead());
    List<JournalEntry> last = store.read(SCOPE, r -> r.journal(head - 1, 10));
    assertThat(head).isEqualTo(2);
    assertThat(inRead).isEqualTo(head);
    assertThat(last).extracting(JournalEntry::seq).containsExactly(head);
    // A rolled back write takes no number; another tenant's journal is its own.
    try {
      store.write(
          SCOPE,
          tx -> {
            tx.insert("User", user("carol"));
            throw new IllegalStateException("rolled back");
          });
    } catch (IllegalStateException expected) {
      // the write is undone
    }
    assertThat(store.journalHead(SCOPE.tenant())).isEqualTo(head);
    assertThat(store.journalHead("other")).isZero();
  }

  @Test
  void journal_isConfinedToTheScopesTenant() {
    insert("User", user("alice"));
    Scope other = Scope.system("other", "test");
    String id = journal().get(0).change().resourceId();
    List<JournalEntry> theirs = store.read(other, r -> r.journal(0, 100));
    java.util.Optional<StoredResource> found = store.read(other, r -> r.get("User", id, Load.NONE));
    assertThat(theirs).isEmpty();
    assertThat(found).isEmpty();
  }

  // ------------------------------------------------------------------ audit trail

  /** Every row of the default tenant's journal as stored, with its hashes. */
  protected List<AuditRecord> chain() {
    return store.audit().read(r -> r.records(Scope.DEFAULT_TENANT, 0, 1000));
  }

  /** Asserts that each entry's hash is its own and that it is chained to the one before it. */
  protected static void assertChained(List<AuditRecord> records) {
    String prev = AuditHash.GENESIS;
    for (AuditRecord r : records) {
      assertThat(r.prevHash()).as("prev_hash of entry %d", r.seq()).isEqualTo(prev);
      assertThat(r.hash()).as("hash of entry %d", r.seq()).isEqualTo(AuditHash.entry(r, prev));
      prev = r.hash();
    }
  }

  @Test
  void everyEntry_isChainedToTheOneBefore_alsoAfterARolledBackSavepoint() {
    String g = insert("Group", group("g")).id();
    String a = insert("User", user("a")).id();
    addMembers(g, a);
    // The conflict rolls back its savepoint, and with it the number and the hash it had taken.
    store.write(
        SCOPE,
        tx -> {
          ScimException e = scimError(() -> tx.insert("User", user("A")));
          assertThat(e.error().scimType()).isEqualTo(ScimType.UNIQUENESS);
          return tx.insert("User", user("b"));
        });
    assertThat(delete("User", a)).isTrue();

    List<AuditRecord> records = chain();

    assertThat(records).extracting(AuditRecord::seq).containsExactly(1L, 2L, 3L, 4L, 5L, 6L);
    assertChained(records);
    assertThat(records.get(0).prevHash()).isEqualTo(AuditHash.GENESIS);
    assertThat(records.get(0).change()).isEqualTo(journal().get(0).json());
    java.util.Optional<AuditRecord> head = store.audit().read(r -> r.head(Scope.DEFAULT_TENANT));
    List<String> tenants = store.audit().read(r -> r.tenants());
    assertThat(head).contains(records.get(5));
    assertThat(tenants).containsExactly(Scope.DEFAULT_TENANT);
  }

  @Test
  void entriesWrittenWithoutAHash_areChainedByTheNextWrite_orByHashUnhashed() throws SQLException {
    insert("User", user("a"));
    insert("User", user("b"));
    insert("User", user("c"));
    List<AuditRecord> hashed = chain();
    // As the migration leaves the rows written before it (or an older node during an upgrade).
    try (Connection c = inspect();
        Statement s = c.createStatement()) {
      s.executeUpdate("UPDATE journal SET prev_hash = NULL, hash = NULL");
    }

    insert("User", user("d"));

    List<AuditRecord> records = chain();
    assertChained(records);
    assertThat(records.subList(0, 3)).isEqualTo(hashed);
    try (Connection c = inspect();
        Statement s = c.createStatement()) {
      s.executeUpdate("UPDATE journal SET prev_hash = NULL, hash = NULL WHERE seq >= 2");
    }
    assertThat(store.audit().hashUnhashed()).isEqualTo(3);
    assertThat(chain()).isEqualTo(records);
    assertThat(store.audit().hashUnhashed()).isZero();
  }

  @Test
  void checkpoints_oneIsStoredPerHead_andPruningKeepsTheCheckpointedEntry() {
    for (int i = 0; i < 5; i++) {
      insert("User", user("u" + i));
    }
    List<AuditRecord> records = chain();
    AuditRecord third = records.get(2);
    Checkpoint cp = new Checkpoint(Scope.DEFAULT_TENANT, 3, third.hash(), 42, "key-1", "c2ln");
    store.audit().addKey("key-1", "cHVibGlj");
    store.audit().addKey("key-1", "other");

    assertThat(store.audit().addCheckpoint(cp)).isTrue();
    assertThat(
            store
                .audit()
                .addCheckpoint(new Checkpoint(Scope.DEFAULT_TENANT, 3, "x", 43, "key-2", "x")))
        .isFalse();
    List<Checkpoint> checkpoints = store.audit().read(r -> r.checkpoints(Scope.DEFAULT_TENANT));
    java.util.Optional<Checkpoint> latest =
        store.audit().read(r -> r.latestCheckpoint(Scope.DEFAULT_TENANT));
    java.util.Map<String, String> keys = store.audit().read(r -> r.keys());
    assertThat(checkpoints).containsExactly(cp);
    assertThat(latest).contains(cp);
    assertThat(keys).containsExactly(java.util.Map.entry("key-1", "cHVibGlj"));

    assertThat(store.audit().prune(Scope.DEFAULT_TENANT, 3)).isEqualTo(2);

    assertThat(chain()).isEqualTo(records.subList(2, 5));
    List<Checkpoint> kept = store.audit().read(r -> r.checkpoints(Scope.DEFAULT_TENANT));
    assertThat(kept).containsExactly(cp);
    insert("User", user("after"));
    List<AuditRecord> after = chain();
    assertThat(after.get(after.size() - 1).seq()).isEqualTo(6);
    assertThat(after.get(after.size() - 1).prevHash()).isEqualTo(records.get(4).hash());
  }

  @Test
  void eachTenant_hasAChainOfItsOwn_fromItsOwnStart() {
    store.tenants().create("acme");
    Scope acme = Scope.system("acme", "test");
    insert("User", user("a"));
    store.write(acme, tx -> tx.insert("User", user("a")));
    insert("User", user("b"));
    store.write(acme, tx -> tx.insert("User", user("b")));

    List<AuditRecord> mine = chain();
    List<AuditRecord> theirs = store.audit().read(r -> r.records("acme", 0, 1000));
    List<String> tenants = store.audit().read(r -> r.tenants());

    assertThat(mine).extracting(AuditRecord::seq).containsExactly(1L, 2L);
    assertThat(theirs)
        .as("its creation, then its users")
        .extracting(AuditRecord::seq)
        .containsExactly(1L, 2L, 3L);
    assertChained(mine);
    assertChained(theirs);
    assertThat(theirs.get(0).hash()).isNotEqualTo(mine.get(0).hash());
    assertThat(tenants).containsExactly("acme", Scope.DEFAULT_TENANT);
  }

  // ------------------------------------------------------------------ identifier keys (0013)

  @Test
  void userNameLookAlikes_shareOneKey_forUniquenessAndForFilters() {
    StoredResource admin = insert("User", user("admin"));
    for (String lookAlike :
        List.of("\uff41\uff44\uff4d\uff49\uff4e", " ADMIN ", "ad\u200dmin", "Admin")) {
      ScimException e = scimError(() -> insert("User", user(lookAlike)));
      assertThat(e.scimType()).as(lookAlike).isEqualTo(ScimType.UNIQUENESS);
      assertThat(ids(query("User", filtered(Filter.eq("userName", lookAlike)))))
          .as("userName eq %s", lookAlike)
          .containsExactly(admin.id());
    }
    insert("User", user("cafe\u0301"));
    assertThat(scimError(() -> insert("User", user("CAF\u00c9"))).scimType())
        .isEqualTo(ScimType.UNIQUENESS);
    insert("User", user("stra\u00dfe"));
    assertThat(scimError(() -> insert("User", user("STRASSE"))).scimType())
        .isEqualTo(ScimType.UNIQUENESS);
    assertSameAsEvaluator("User", Filter.eq("userName", "Caf\u00e9"), 1);
    assertSameAsEvaluator("User", sw("userName", "STRAS"), 1);
    assertSameAsEvaluator("User", co("userName", "\uff24\uff2d"), 1);
    assertThat(
            get("User", admin.id(), Load.NONE).orElseThrow().attributes().path("userName").asText())
        .isEqualTo("admin");
  }

  /**
   * A store written before 0013 (its keys lower-cased, and two look-alikes in it): opening it
   * recomputes the keys; the later look-alike keeps its old key and stays writable while its
   * userName does not change.
   */
  @Test
  void identifierKeysMigration_rekeysOldRows_andKeepsALookAlikeWritable() throws SQLException {
    StoredResource upper = insert("User", user("STRASSE"));
    StoredResource sharp = insert("User", user("placeholder-1"));
    StoredResource wide = insert("User", user("placeholder-2"));
    boolean pg;
    try (Connection c = inspect()) {
      pg = c.getMetaData().getDatabaseProductName().contains("PostgreSQL");
      legacy(c, pg, sharp.id(), "Stra\u00dfe");
      legacy(c, pg, wide.id(), "\uff22\uff2f\uff22");
      // What the migration does when a store of before it first opens (Flyway runs it once).
      new IdentifierKeys(pg ? PostgresStore.IDENTIFIER_KEYS : SqliteStore.IDENTIFIER_KEYS, registry)
          .rekey(c);
    }

    store = reopen(registry, clock);

    assertThat(uniqueKeys(wide.id())).containsExactly("bob");
    assertThat(uniqueKeys(sharp.id()))
        .as("a look-alike keeps its old key")
        .containsExactly("stra\u00dfe");
    assertThat(uniqueKeys(upper.id())).containsExactly("strasse");
    assertThat(ids(query("User", filtered(Filter.eq("userName", "Bob")))))
        .containsExactly(wide.id());
    assertThat(ids(query("User", filtered(Filter.eq("userName", "strasse")))))
        .containsExactlyInAnyOrder(upper.id(), sharp.id());
    assertThat(scimError(() -> insert("User", user("bob"))).scimType())
        .isEqualTo(ScimType.UNIQUENESS);

    // The look-alike stays writable while its userName stays; renamed onto the key, it is a 409.
    ObjectNode same = user("Stra\u00dfe");
    same.put("displayName", "kept");
    store.write(SCOPE, tx -> tx.replace("User", sharp.id(), same));
    assertThat(uniqueKeys(sharp.id())).containsExactly("stra\u00dfe");
    assertThat(
            scimError(
                    () -> store.write(SCOPE, tx -> tx.replace("User", sharp.id(), user("strasse"))))
                .scimType())
        .isEqualTo(ScimType.UNIQUENESS);
    // Once the other is gone, its next write takes the key.
    delete("User", upper.id());
    store.write(SCOPE, tx -> tx.replace("User", sharp.id(), same));
    assertThat(uniqueKeys(sharp.id())).containsExactly("strasse");
  }

  /** Makes resource {@code id} look as a store before 0013 kept userName {@code name}. */
  private static void legacy(Connection c, boolean pg, String id, String name) throws SQLException {
    String folded = name.toLowerCase(java.util.Locale.ROOT);
    try (java.sql.PreparedStatement ps =
        c.prepareStatement(
            "UPDATE resources SET user_name_folded = ?, doc = "
                + (pg ? "CAST(? AS jsonb)" : "?")
                + " WHERE type = 'User' AND id = ?")) {
      ps.setString(1, folded);
      ps.setString(2, user(name).toString());
      ps.setString(3, id);
      assertThat(ps.executeUpdate()).isEqualTo(1);
    }
    try (java.sql.PreparedStatement ps =
        c.prepareStatement(
            "UPDATE unique_values SET value_folded = ? WHERE type = 'User' AND id = ?")) {
      ps.setString(1, folded);
      ps.setString(2, id);
      assertThat(ps.executeUpdate()).isEqualTo(1);
    }
  }

  private List<String> uniqueKeys(String id) throws SQLException {
    List<String> keys = new ArrayList<>();
    try (Connection c = inspect();
        java.sql.PreparedStatement ps =
            c.prepareStatement(
                "SELECT value_folded FROM unique_values WHERE type = 'User' AND id = ?")) {
      ps.setString(1, id);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          keys.add(rs.getString(1));
        }
      }
    }
    return keys;
  }

  // ------------------------------------------------------------------ audit queries

  private AuditPage search(AuditQuery q) {
    return store.audit().read(r -> r.search(Scope.DEFAULT_TENANT, q));
  }

  private static AuditQuery query(
      @org.jspecify.annotations.Nullable String type,
      @org.jspecify.annotations.Nullable String id,
      List<String> principals,
      @org.jspecify.annotations.Nullable String kind) {
    return new AuditQuery(type, id, principals, kind, null, null, 0, 1000);
  }

  private static List<Long> seqs(AuditPage p) {
    return p.entries().stream().map(AuditRecord::seq).toList();
  }

  @Test
  void auditSearch_findsByType_resource_client_inBothPrincipalForms_kind_andTime() {
    Scope okta =
        new Scope(Scope.DEFAULT_TENANT, Scope.Principal.client("c1", "okta"), "10.0.0.1", "r1");
    Scope before =
        new Scope(
            Scope.DEFAULT_TENANT, new Scope.Principal("credential", "c1", "okta"), null, "r0");
    Scope other =
        new Scope(Scope.DEFAULT_TENANT, Scope.Principal.client("c2", "entra"), null, "r2");
    String a = store.write(before, tx -> tx.insert("User", user("a"))).id(); // 1
    clock.advance(Duration.ofMinutes(1));
    String g = store.write(okta, tx -> tx.insert("Group", group("g"))).id(); // 2
    String b = store.write(other, tx -> tx.insert("User", user("b"))).id(); // 3
    clock.advance(Duration.ofMinutes(1));
    Instant third = clock.instant();
    store.write(okta, tx -> tx.addMembers(g, List.of(new Member(a, null)))); // 4
    store.write(other, tx -> tx.delete("User", b)); // 5
    store.tenants().create("acme");
    store.write(Scope.system("acme", "test"), tx -> tx.insert("User", user("a")));

    assertThat(seqs(search(AuditQuery.all(1000)))).containsExactly(1L, 2L, 3L, 4L, 5L);
    assertThat(seqs(search(query("User", null, List.of(), null)))).containsExactly(1L, 3L, 5L);
    assertThat(seqs(search(query("User", a, List.of(), null)))).containsExactly(1L);
    assertThat(seqs(search(query(null, null, AuditQuery.clientPrincipals("c1"), null))))
        .containsExactly(1L, 2L, 4L);
    assertThat(seqs(search(query(null, null, List.of("client:c2"), "deleted"))))
        .containsExactly(5L);
    assertThat(seqs(search(query("User", null, AuditQuery.clientPrincipals("c1"), null))))
        .containsExactly(1L);
    assertThat(seqs(search(query(null, null, List.of(), "members_added")))).containsExactly(4L);
    assertThat(seqs(search(query("Group", g, List.of(), "created")))).containsExactly(2L);
    AuditPage timed = search(new AuditQuery(null, null, List.of(), null, third, null, 0, 1000));
    AuditPage early = search(new AuditQuery(null, null, List.of(), null, null, third, 0, 1000));
    AuditPage none = search(new AuditQuery(null, null, List.of(), null, third, third, 0, 1000));
    assertThat(seqs(timed)).containsExactly(4L, 5L);
    assertThat(seqs(early)).containsExactly(1L, 2L, 3L);
    assertThat(none.entries()).isEmpty();
    assertThat(none.next()).isNull();
    assertThat(search(AuditQuery.all(1000)).entries())
        .extracting(AuditRecord::tenant)
        .containsOnly(Scope.DEFAULT_TENANT);
  }

  @Test
  void auditSearch_pagesByNumber_andAPageWithMoreToComeSaysWhere() {
    for (int i = 0; i < 7; i++) {
      insert("User", user("u" + i));
    }
    List<Long> seen = new ArrayList<>();
    AuditQuery q = new AuditQuery("User", null, List.of(), null, null, null, 0, 3);
    int pages = 0;
    while (true) {
      AuditPage p = search(q);
      pages++;
      seen.addAll(seqs(p));
      if (p.next() == null) {
        break;
      }
      q = q.after(p.next());
    }
    assertThat(seen).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L);
    assertThat(pages).isEqualTo(3);
  }

  @Test
  void auditSearch_examinesABoundedNumberOfEntriesPerPage_whenAConditionHasNoIndex() {
    store.write(
        SCOPE,
        tx -> {
          for (int i = 0; i < AuditQuery.MAX_EXAMINED + 5; i++) {
            tx.insert("User", user("u" + i));
          }
          return null;
        });
    String last = insert("User", user("last")).id();
    delete("User", last);
    long deletedAt = AuditQuery.MAX_EXAMINED + 7;

    AuditPage first = search(query("User", null, List.of(), "deleted"));
    assertThat(first.entries()).isEmpty();
    assertThat(first.next()).isEqualTo((long) AuditQuery.MAX_EXAMINED);
    AuditPage second = search(query("User", null, List.of(), "deleted").after(first.next()));
    assertThat(seqs(second)).containsExactly(deletedAt);
    assertThat(second.next()).isNull();
  }

  @Test
  void history_holdsTheResourcesEntries_andTheMembershipEntriesThatNameIt_untilPruned() {
    String a = insert("User", user("a")).id(); // 1
    String b = insert("User", user("b")).id(); // 2
    String admins = insert("Group", group("admins")).id(); // 3
    String ops = insert("Group", group("ops")).id(); // 4
    addMembers(admins, a, b); // 5
    addMembers(ops, b); // 6
    store.write(SCOPE, tx -> tx.removeMembers(admins, List.of(a))); // 7
    store.write(SCOPE, tx -> tx.patch("User", a, user("a2"))); // 8
    addMembers(ops, admins); // 9: a group is a member too

    AuditPage ofA = store.audit().read(r -> r.history(Scope.DEFAULT_TENANT, "User", a, 0, 1000));
    AuditPage ofB = store.audit().read(r -> r.history(Scope.DEFAULT_TENANT, "User", b, 0, 2));
    AuditPage ofAdmins =
        store.audit().read(r -> r.history(Scope.DEFAULT_TENANT, "Group", admins, 0, 1000));

    assertThat(seqs(ofA)).containsExactly(1L, 5L, 7L, 8L);
    assertThat(ofA.next()).isNull();
    assertThat(seqs(ofB)).containsExactly(2L, 5L);
    assertThat(ofB.next()).isEqualTo(5L);
    AuditPage restOfB = store.audit().read(r -> r.history(Scope.DEFAULT_TENANT, "User", b, 5, 2));
    assertThat(seqs(restOfB)).containsExactly(6L);
    assertThat(seqs(ofAdmins)).containsExactly(3L, 5L, 7L, 9L);

    store.audit().prune(Scope.DEFAULT_TENANT, 6);
    AuditPage pruned = store.audit().read(r -> r.history(Scope.DEFAULT_TENANT, "User", b, 0, 1000));
    assertThat(seqs(pruned)).containsExactly(6L);
    try (Connection c = inspect();
        Statement st = c.createStatement()) {
      assertThat(count(st, "SELECT COUNT(*) FROM member_events WHERE seq < 6"))
          .as("member_events rows of pruned entries")
          .isZero();
      assertThat(count(st, "SELECT COUNT(*) FROM member_events")).isEqualTo(3);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void lifecycle_isHistoryWithoutTheResourcesOwnMembers() {
    String a = insert("User", user("a")).id(); // 1
    String admins = insert("Group", group("admins")).id(); // 2
    String ops = insert("Group", group("ops")).id(); // 3
    addMembers(admins, a); // 4
    store.write(SCOPE, tx -> tx.patch("Group", admins, group("administrators"))); // 5
    addMembers(ops, admins); // 6
    store.write(SCOPE, tx -> tx.removeMembers(admins, List.of(a))); // 7
    store.write(SCOPE, tx -> tx.removeMembers(ops, List.of(admins))); // 8

    AuditPage ofAdmins =
        store.audit().read(r -> r.lifecycle(Scope.DEFAULT_TENANT, "Group", admins, 0, 1000));
    assertThat(seqs(ofAdmins)).containsExactly(2L, 5L, 6L, 8L);
    AuditPage firstTwo =
        store.audit().read(r -> r.lifecycle(Scope.DEFAULT_TENANT, "Group", admins, 0, 2));
    assertThat(seqs(firstTwo)).containsExactly(2L, 5L);
    assertThat(firstTwo.next()).isEqualTo(5L);
    AuditPage ofA = store.audit().read(r -> r.lifecycle(Scope.DEFAULT_TENANT, "User", a, 0, 1000));
    assertThat(seqs(ofA)).containsExactly(1L, 4L, 7L);
  }

  @Test
  void authFailures_areJournaledChainedAndReadBack() {
    insert("User", user("a"));
    Change.AuthFailed known =
        new Change.AuthFailed(
            "10.0.0.9",
            Change.AuthFailed.Reason.EXPIRED,
            50,
            Instant.parse("2026-03-01T10:00:01Z"),
            Instant.parse("2026-03-01T10:00:59Z"),
            "node-1",
            new Change.AuthFailed.Credential("k1", "scimd_Ab3x", "c1", "okta"));
    Change.AuthFailed other =
        new Change.AuthFailed(
            null,
            Change.AuthFailed.Reason.UNKNOWN,
            3,
            Instant.parse("2026-03-01T10:00:02Z"),
            Instant.parse("2026-03-01T10:00:03Z"),
            "node-1",
            null);

    store.audit().recordAuthFailures(Scope.DEFAULT_TENANT, "req-1", List.of(known, other));

    List<AuditRecord> records = chain();
    assertChained(records);
    assertThat(records).hasSize(3);
    assertThat(records.get(1).resourceType()).isEqualTo("AuthFailure");
    assertThat(records.get(1).resourceId()).isEqualTo("10.0.0.9");
    assertThat(records.get(1).source()).isEqualTo("10.0.0.9");
    assertThat(records.get(1).principal()).isEqualTo("system:auth");
    assertThat(records.get(1).kind()).isEqualTo("auth_failed");
    assertThat(records.get(1).change()).contains("\"count\":50").doesNotContain("hash");
    assertThat(records.get(2).resourceId()).isEqualTo(Change.AuthFailed.OTHER_SOURCES);
    assertThat(records.get(2).source()).isNull();
    List<JournalEntry> entries = journal();
    assertThat(entries.get(1).change()).isEqualTo(known);
    assertThat(entries.get(2).change()).isEqualTo(other);
    assertThat(seqs(search(query("AuthFailure", null, List.of(), "auth_failed"))))
        .containsExactly(2L, 3L);
    ScimException gone =
        scimError(() -> store.audit().recordAuthFailures("nowhere", "req-2", List.of(known)));
    assertThat(gone.status()).isEqualTo(404);
  }

  @Test
  void lapsed_saysWhatBecameOfACredential_whateverItsState() {
    Scope cli = Scope.system(Scope.DEFAULT_TENANT, "cli");
    Credentials.Client okta =
        store.credentials().createClient(cli, "okta", java.util.Set.of("scim:read"));
    Credentials.Credential live =
        store
            .credentials()
            .issue(cli, okta.id(), Credentials.Kind.BEARER, "h-live", "scimd_a", null, 5);
    Credentials.Credential gone =
        store
            .credentials()
            .issue(cli, okta.id(), Credentials.Kind.BEARER, "h-gone", "scimd_b", null, 5);
    store
        .credentials()
        .issue(cli, okta.id(), Credentials.Kind.SECRET, "h-secret", "scimds_c", null, 5);
    store.credentials().revoke(cli, gone.id());

    java.util.Map<String, Credentials.Lapsed> found =
        store.credentials().lapsed(List.of("h-live", "h-gone", "h-secret", "h-none"));

    assertThat(found).containsOnlyKeys("h-live", "h-gone", "h-secret");
    assertThat(found.get("h-live").id()).isEqualTo(live.id());
    assertThat(found.get("h-live").revoked()).isNull();
    assertThat(found.get("h-gone").revoked()).isNotNull();
    assertThat(found.get("h-gone").clientName()).isEqualTo("okta");
    assertThat(found.get("h-gone").tenant()).isEqualTo(Scope.DEFAULT_TENANT);
    assertThat(found.get("h-secret").kind()).isEqualTo(Credentials.Kind.SECRET);
  }

  // ---------------------------------------------------------------- the access model's records

  @Test
  void access_applicationIsJournaled_createdReplacedAndDeleted_withTheFieldsThatChanged() {
    io.scimd.store.AccessRecords access = store.access();
    io.scimd.store.AccessRecords.Application app =
        access.create(SCOPE, "ci", "{\"roles\":[{\"name\":\"dev\"}],\"rules\":[]}").orElseThrow();
    assertThat(app.version()).isEqualTo(1);
    assertThat(access.create(SCOPE, "ci", "{}")).isEmpty();
    assertThat(access.application(Scope.DEFAULT_TENANT, "ci").orElseThrow().definition())
        .contains("dev");
    assertThat(access.applications("other")).isEmpty();

    assertThatThrownBy(() -> access.update(SCOPE, "ci", 7, "{}"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("changed meanwhile");
    io.scimd.store.AccessRecords.Application changed =
        access
            .update(SCOPE, "ci", 1, "{\"roles\":[{\"name\":\"dev\"}],\"rules\":[1]}")
            .orElseThrow();
    assertThat(changed.version()).isEqualTo(2);
    // The same definition again changes nothing and journals nothing.
    long before = store.read(SCOPE, r -> r.journal(0, 1000)).size();
    assertThat(access.update(SCOPE, "ci", 2, changed.definition()).orElseThrow().version())
        .isEqualTo(2);
    List<JournalEntry> after = store.read(SCOPE, r -> r.journal(0, 1000));
    assertThat(after).hasSize((int) before);
    assertThat(access.update(SCOPE, "nope", 1, "{}")).isEmpty();
    assertThat(access.delete(SCOPE, "ci")).isTrue();
    assertThat(access.delete(SCOPE, "ci")).isFalse();
    assertThat(access.applications(Scope.DEFAULT_TENANT)).isEmpty();

    List<JournalEntry> journal = store.read(SCOPE, r -> r.journal(0, 1000));
    List<Change> mine =
        journal.stream()
            .map(JournalEntry::change)
            .filter(c -> c.resourceType().equals(io.scimd.store.AccessRecords.APPLICATION))
            .toList();
    assertThat(mine)
        .extracting(Change::kind)
        .containsExactly(Change.Kind.CREATED, Change.Kind.REPLACED, Change.Kind.DELETED);
    Change.Replaced replaced = (Change.Replaced) mine.get(1);
    assertThat(replaced.attributes())
        .extracting(Change.AttributeChange::path)
        .containsExactly("rules");
    assertThat(replaced.attributes().get(0).after().toString()).isEqualTo("[1]");
  }

  // ---------------------------------------------------------------- the hub's records

  @Test
  void hub_targetStartsAfterTheJournal_andItsDefinitionIsJournaled() {
    insert("User", user("before"));
    HubRecords hub = store.hub();
    HubRecords.Target t =
        hub.create(SCOPE, "crm", "webhook", "{\"url\":\"http://x\"}", new byte[] {1, 2})
            .orElseThrow();
    assertThat(t.version()).isEqualTo(1);
    assertThat(t.secrets()).containsExactly(1, 2);
    assertThat(hub.create(SCOPE, "crm", "webhook", "{}", null)).isEmpty();
    List<JournalEntry> journal = store.read(SCOPE, r -> r.journal(0, 100));
    JournalEntry created = journal.get(journal.size() - 1);
    assertThat(created.change()).isInstanceOf(Change.Created.class);
    assertThat(created.change().resourceType()).isEqualTo(HubRecords.TARGET);
    assertThat(created.json()).contains("http://x").doesNotContain("secrets");
    assertThat(hub.cursor(Scope.DEFAULT_TENANT, "crm").orElseThrow().nextSeq())
        .isEqualTo(created.seq() + 1);
  }

  @Test
  void hub_leaseIsTakenOnce_andStepsAreFencedByIt() {
    HubRecords hub = store.hub();
    hub.create(SCOPE, "a", "webhook", "{}", null);
    hub.create(SCOPE, "b", "scim", "{}", null);
    hub.create(SCOPE, "c", "webhook", "{}", null);
    hub.pause(SCOPE, "c", "operator");
    Instant now = clock.instant();
    List<HubRecords.Cursor> mine =
        hub.claim("node-1", now, now.plusSeconds(10), 10, List.of("webhook"));
    assertThat(mine).extracting(HubRecords.Cursor::target).containsExactly("a");
    assertThat(hub.claim("node-2", now, now.plusSeconds(10), 10, List.of("webhook"))).isEmpty();
    long next = mine.get(0).nextSeq();
    HubRecords.DeadLetter dl =
        new HubRecords.DeadLetter(
            Scope.DEFAULT_TENANT, "a", next, "User", "u1", 3, "400 bad", now, null);
    assertThat(
            hub.record(
                new HubRecords.Step(
                    Scope.DEFAULT_TENANT,
                    "a",
                    "node-2",
                    now,
                    now.plusSeconds(10),
                    next + 5,
                    5,
                    0,
                    null,
                    null,
                    List.of())))
        .isFalse();
    assertThat(
            hub.record(
                new HubRecords.Step(
                    Scope.DEFAULT_TENANT,
                    "a",
                    "node-1",
                    now,
                    now.plusSeconds(10),
                    next + 2,
                    1,
                    0,
                    null,
                    "400 bad",
                    List.of(dl))))
        .isTrue();
    HubRecords.Cursor after = hub.cursor(Scope.DEFAULT_TENANT, "a").orElseThrow();
    assertThat(after.nextSeq()).isEqualTo(next + 2);
    assertThat(after.delivered()).isEqualTo(1);
    assertThat(after.lastError()).isEqualTo("400 bad");
    assertThat(hub.deadLetters(Scope.DEFAULT_TENANT, "a", 0, 10)).containsExactly(dl);
    assertThat(hub.deadLetterCount(Scope.DEFAULT_TENANT, "a")).isEqualTo(1);
    // An expired lease is taken over; the old owner's steps change nothing any more.
    Instant later = now.plusSeconds(11);
    assertThat(hub.claim("node-2", later, later.plusSeconds(10), 10, List.of("webhook")))
        .extracting(HubRecords.Cursor::target)
        .containsExactly("a");
    assertThat(
            hub.record(
                new HubRecords.Step(
                    Scope.DEFAULT_TENANT,
                    "a",
                    "node-1",
                    later,
                    later.plusSeconds(10),
                    next + 9,
                    7,
                    0,
                    null,
                    null,
                    List.of())))
        .isFalse();
    assertThat(hub.replay(SCOPE, "a", null)).isEqualTo(1);
    assertThat(hub.replays(Scope.DEFAULT_TENANT, "a", 10)).hasSize(1);
    hub.replayed(Scope.DEFAULT_TENANT, "a", next);
    assertThat(hub.deadLetters(Scope.DEFAULT_TENANT, "a", 0, 10)).isEmpty();
    assertThat(hub.deadLetterCount(Scope.DEFAULT_TENANT, "a")).isZero();
  }

  @Test
  void hub_rewindMovesTheCursor_takesTheLease_andIsJournaled() {
    HubRecords hub = store.hub();
    long start = hub.create(SCOPE, "a", "webhook", "{}", null).orElseThrow().version();
    assertThat(start).isEqualTo(1);
    long first = hub.cursor(Scope.DEFAULT_TENANT, "a").orElseThrow().nextSeq();
    Instant now = clock.instant();
    assertThat(hub.claim("node-1", now, now.plusSeconds(10), 10, List.of("webhook"))).hasSize(1);
    HubRecords.Step moved =
        new HubRecords.Step(
            Scope.DEFAULT_TENANT,
            "a",
            "node-1",
            now,
            now.plusSeconds(10),
            first + 4,
            4,
            0,
            null,
            null,
            List.of());
    assertThat(hub.record(moved)).isTrue();

    HubRecords.Target t = hub.rewind(SCOPE, "a", first).orElseThrow();
    assertThat(t.version()).isEqualTo(2);
    HubRecords.Cursor c = hub.cursor(Scope.DEFAULT_TENANT, "a").orElseThrow();
    assertThat(c.nextSeq()).isEqualTo(first);
    assertThat(c.owner()).isNull();
    assertThat(c.delivered()).isEqualTo(4); // what was delivered stays counted
    // The node that held the lease records nothing more: its worker stops.
    assertThat(hub.record(moved)).isFalse();
    assertThat(hub.cursor(Scope.DEFAULT_TENANT, "a").orElseThrow().nextSeq()).isEqualTo(first);
    // Any node claims it again, from the new cursor.
    assertThat(hub.claim("node-2", now, now.plusSeconds(10), 10, List.of("webhook")))
        .extracting(HubRecords.Cursor::nextSeq)
        .containsExactly(first);

    List<JournalEntry> journal = store.read(SCOPE, r -> r.journal(0, 100));
    Change.Patched rewound = (Change.Patched) journal.get(journal.size() - 1).change();
    assertThat(rewound.resourceId()).isEqualTo("a");
    assertThat(rewound.attributes().get(0).path()).isEqualTo("cursor");
    assertThat(rewound.attributes().get(0).before().asLong()).isEqualTo(first + 4);
    assertThat(rewound.attributes().get(0).after().asLong()).isEqualTo(first);
    assertThat(hub.rewind(SCOPE, "nope", first)).isEmpty();
    assertThatThrownBy(() -> hub.rewind(SCOPE, "a", 0))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void hub_remoteIdsAndDeletionGoWithTheTarget() {
    HubRecords hub = store.hub();
    HubRecords.Target t = hub.create(SCOPE, "crm", "scim", "{}", null).orElseThrow();
    hub.remoteId(Scope.DEFAULT_TENANT, "crm", "User", "u1", "r1");
    hub.remoteId(Scope.DEFAULT_TENANT, "crm", "User", "u1", "r2");
    assertThat(hub.remoteId(Scope.DEFAULT_TENANT, "crm", "User", "u1")).contains("r2");
    assertThat(
            hub.update(SCOPE, "crm", t.version(), "{\"url\":\"u\"}", null).orElseThrow().version())
        .isEqualTo(2);
    assertThatThrownBy(() -> hub.update(SCOPE, "crm", t.version(), "{}", null))
        .isInstanceOf(IllegalStateException.class);
    assertThat(hub.delete(SCOPE, "crm")).isTrue();
    assertThat(hub.remoteId(Scope.DEFAULT_TENANT, "crm", "User", "u1")).isEmpty();
    assertThat(hub.cursor(Scope.DEFAULT_TENANT, "crm")).isEmpty();
    assertThat(hub.targets(Scope.DEFAULT_TENANT)).isEmpty();
    assertThat(hub.delete(SCOPE, "crm")).isFalse();
  }

  @Test
  void hub_notesAreReplacedByCompareAndSet_andGoWithTheTarget() {
    HubRecords hub = store.hub();
    String tenant = Scope.DEFAULT_TENANT;
    java.time.Instant t1 = java.time.Instant.parse("2026-12-03T10:00:00.123456Z");
    java.time.Instant t2 = t1.plusSeconds(300);
    // No note for a target that does not exist.
    assertThat(hub.replaceNote(tenant, "crm", "reconcile", null, t1, "{}")).isFalse();
    hub.create(SCOPE, "crm", "scim", "{}", null).orElseThrow();
    assertThat(hub.note(tenant, "crm", "reconcile")).isEmpty();
    // Two nodes that read "none": one wins.
    assertThat(hub.replaceNote(tenant, "crm", "reconcile", null, t1, "{\"n\":1}")).isTrue();
    assertThat(hub.replaceNote(tenant, "crm", "reconcile", null, t1, "{\"n\":2}")).isFalse();
    assertThat(hub.note(tenant, "crm", "reconcile").orElseThrow().body()).isEqualTo("{\"n\":1}");
    assertThat(hub.note(tenant, "crm", "reconcile").orElseThrow().at()).isEqualTo(t1);
    // Two that read t1: one wins; one that read a stale time loses.
    assertThat(hub.replaceNote(tenant, "crm", "reconcile", t1, t2, "{\"n\":3}")).isTrue();
    assertThat(hub.replaceNote(tenant, "crm", "reconcile", t1, t2, "{\"n\":4}")).isFalse();
    assertThat(hub.note(tenant, "crm", "reconcile").orElseThrow().body()).isEqualTo("{\"n\":3}");
    // putNote writes whatever was there; kinds are apart.
    hub.putNote(tenant, "crm", "capabilities", t1, "{\"c\":1}");
    hub.putNote(tenant, "crm", "capabilities", t2, "{\"c\":2}");
    assertThat(hub.note(tenant, "crm", "capabilities").orElseThrow().body()).isEqualTo("{\"c\":2}");
    assertThat(hub.note(tenant, "crm", "reconcile").orElseThrow().body()).isEqualTo("{\"n\":3}");
    assertThat(hub.delete(SCOPE, "crm")).isTrue();
    assertThat(hub.note(tenant, "crm", "reconcile")).isEmpty();
    assertThat(hub.note(tenant, "crm", "capabilities")).isEmpty();
    hub.putNote(tenant, "crm", "capabilities", t1, "{}");
    assertThat(hub.note(tenant, "crm", "capabilities")).as("not for a gone target").isEmpty();
  }
}
