package io.scimd.access;

import static io.scimd.store.TestScopes.SCOPE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scimd.core.schema.SchemaRegistry;
import io.scimd.core.schema.SchemaUrns;
import io.scimd.store.JournalEntry;
import io.scimd.store.Load;
import io.scimd.store.Member;
import io.scimd.store.Store;
import io.scimd.store.jdbc.Stores;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The index against a real SQLite store: after each kind of change, every answer of the {@link
 * IndexedDirectory} equals the {@link StoreDirectory}'s, read from the store itself, for every
 * subject and every key a request may name it by.
 */
class AccessIndexTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String ENTERPRISE = SchemaUrns.ENTERPRISE_USER;

  @TempDir Path dir;
  private final SchemaRegistry registry = SchemaRegistry.builtIn();
  private Store store;
  private AccessModel model;

  private String alice;
  private String bob;
  private String engineering;
  private String backend;

  @BeforeEach
  void open() throws IOException {
    store = Stores.sqlite(dir, registry, InstantSource.system());
    model = new AccessModel(store, registry, new AccessSettings(Duration.ZERO, 1_000));
    alice =
        user(
            "alice",
            "{\"externalId\":\"okta-alice\",\"emails\":[{\"value\":\"Alice@Example.com\"}]}");
    bob = user("bob", "{\"title\":\"SRE\"}");
    engineering = group("engineering");
    backend = group("backend");
    add(backend, alice, "User");
    add(engineering, backend, "Group");
    add(engineering, bob, "User");
    model.create(
        SCOPE,
        json(
            """
            {"name": "ci",
             "roles": [{"name": "viewer", "permissions": ["read"]},
                       {"name": "developer", "permissions": ["build"], "includes": ["viewer"]},
                       {"name": "deployer", "permissions": ["deploy"], "includes": ["developer"]}],
             "rules": [{"name": "engineers", "groups": ["engineering"], "roles": ["developer"]},
                       {"name": "sre", "filter": "title eq \\"SRE\\"", "roles": ["deployer"]},
                       {"name": "sales", "filter": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq \\"Sales\\"", "roles": ["viewer"]}]}
            """));
  }

  @AfterEach
  void close() {
    store.close();
  }

  // ---------------------------------------------------------------- fixtures

  private static ObjectNode json(String text) {
    try {
      return (ObjectNode) JSON.readTree(text);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private String user(String userName, String more) {
    ObjectNode a = json(more);
    a.putArray("schemas").add(SchemaUrns.USER);
    a.put("userName", userName);
    return store.write(SCOPE, tx -> tx.insert("User", a)).id();
  }

  private String group(String name) {
    ObjectNode a = JSON.createObjectNode();
    a.putArray("schemas").add(SchemaUrns.GROUP);
    a.put("displayName", name);
    return store.write(SCOPE, tx -> tx.insert("Group", a)).id();
  }

  private String agent(String name, String owner, String role) {
    ObjectNode a =
        json(
            "{\"owners\":[{\"value\":\""
                + owner
                + "\"}],\"roles\":[{\"value\":\""
                + role
                + "\",\"type\":\"ci\"}]}");
    a.putArray("schemas").add(SchemaUrns.AGENT);
    a.put("agentUserName", name);
    return store.write(SCOPE, tx -> tx.insert("Agent", a)).id();
  }

  private void add(String group, String member, String type) {
    store.write(SCOPE, tx -> tx.addMembers(group, List.of(new Member(member, type))));
  }

  private void remove(String group, String member) {
    store.write(SCOPE, tx -> tx.removeMembers(group, List.of(member)));
  }

  /** A PATCH as the service makes it: the whole new attributes. */
  private void patch(String type, String id, UnaryOperator<ObjectNode> change) {
    store.write(
        SCOPE,
        tx -> {
          ObjectNode a = tx.get(type, id, Load.NONE).orElseThrow().attributes();
          return tx.patch(type, id, change.apply(a));
        });
  }

  private void delete(String type, String id) {
    store.write(SCOPE, tx -> tx.delete(type, id));
  }

  private Directory indexed() {
    Directory d = model.now(SCOPE);
    assertThat(d).isInstanceOf(IndexedDirectory.class);
    return d;
  }

  private Directory stored() {
    return new StoreDirectory(store, SCOPE, registry, new Applications());
  }

  /** Every answer the two directories give about these subjects and groups is the same. */
  private void sameAnswers(List<String> keys, List<String> groups) {
    Directory index = indexed();
    Directory db = stored();
    for (Identity.Kind kind : Identity.Kind.values()) {
      for (String key : keys) {
        assertThat(index.subject(kind, key)).as(kind + " " + key).isEqualTo(db.subject(kind, key));
      }
    }
    for (String key : keys) {
      assertThat(index.user(key)).as("user " + key).isEqualTo(db.user(key));
    }
    for (String g : groups) {
      List<Directory.Member> a = new ArrayList<>();
      List<Directory.Member> b = new ArrayList<>();
      index.membersOf(g, a::add);
      db.membersOf(g, b::add);
      assertThat(a).as("members of " + g).isEqualTo(b);
    }
    assertThat(names(index.applications())).isEqualTo(names(db.applications()));
    for (Application app : db.applications()) {
      // Compiled by each directory's own cache: rules' predicates differ as objects.
      Application mine = index.application(app.name()).orElseThrow();
      for (int i = 0; i < app.rules().size(); i++) {
        assertThat(index.usersMatching(mine.rules().get(i), 100))
            .as(app.rules().get(i).name())
            .isEqualTo(db.usersMatching(app.rules().get(i), 100));
      }
      assertThat(index.agentsOf(mine, 100)).isEqualTo(db.agentsOf(app, 100));
      for (String key : keys) {
        for (Identity.Kind kind : Identity.Kind.values()) {
          var who = db.subject(kind, key);
          if (who.isPresent()) {
            Entitlements a = Entitlements.of(index.subject(kind, key).orElseThrow(), mine, index);
            Entitlements b = Entitlements.of(who.get(), app, db);
            assertThat(a.subject()).isEqualTo(b.subject());
            assertThat(a.roles()).as("roles of " + key).isEqualTo(b.roles());
            assertThat(a.denial()).isEqualTo(b.denial());
            assertThat(a.withheld()).isEqualTo(b.withheld());
          }
        }
      }
    }
  }

  private static List<String> names(List<Application> apps) {
    return apps.stream().map(a -> a.name() + a.definition()).toList();
  }

  private List<String> keys() {
    return List.of(
        alice, bob, "alice", "ALICE", "Bob", "okta-alice", "OKTA-ALICE", "alice@example.com", "x");
  }

  // ---------------------------------------------------------------- tests

  @Test
  void built_answersAsTheStore() {
    sameAnswers(keys(), List.of(engineering, backend));
    Identity a = indexed().subject(Identity.Kind.USER, "ALICE").orElseThrow();
    assertThat(a.groups())
        .containsExactly(
            new Identity.Membership(backend, "backend", true),
            new Identity.Membership(engineering, "engineering", false));
  }

  @Test
  void createdUserAndMembership_countInTheNextDirectory() {
    indexed();
    String carol = user("carol", "{\"title\":\"SRE\",\"externalId\":\"okta-carol\"}");
    add(backend, carol, "User");
    sameAnswers(List.of(carol, "carol", "okta-carol"), List.of(engineering, backend));
    assertThat(indexed().subject(Identity.Kind.USER, "carol").orElseThrow().groups()).hasSize(2);
  }

  @Test
  void patchedTopLevelAttributes_areApplied() {
    indexed();
    patch("User", alice, a -> a.put("active", false).put("title", "SRE").put("userName", "alicia"));
    sameAnswers(List.of(alice, "alice", "alicia", "okta-alice"), List.of(backend));
    assertThat(indexed().subject(Identity.Kind.USER, "alice")).isEmpty();
    assertThat(indexed().subject(Identity.Kind.USER, "ALICIA").orElseThrow().active()).isFalse();
  }

  @Test
  void extensionAttributeChanges_areReadAgain() {
    indexed();
    patch(
        "User",
        bob,
        a -> {
          a.putObject(ENTERPRISE).put("department", "Sales");
          a.withArray("schemas").add(ENTERPRISE);
          return a;
        });
    sameAnswers(keys(), List.of());
    assertThat(
            indexed()
                .subject(Identity.Kind.USER, bob)
                .orElseThrow()
                .attributes()
                .path(ENTERPRISE)
                .path("department")
                .asText())
        .isEqualTo("Sales");
    patch(
        "User",
        bob,
        a -> {
          ((ObjectNode) a.get(ENTERPRISE)).put("department", "Support");
          return a;
        });
    sameAnswers(keys(), List.of());
  }

  @Test
  void replacedUser_isReplacedWithItsKeys() {
    indexed();
    store.write(
        SCOPE,
        tx -> {
          ObjectNode a = JSON.createObjectNode();
          a.putArray("schemas").add(SchemaUrns.USER);
          a.put("userName", "bob").put("externalId", "okta-bob");
          a.putArray("emails").addObject().put("value", "bob@example.com");
          return tx.replace("User", bob, a);
        });
    sameAnswers(List.of(bob, "bob", "okta-bob", "BOB@example.com"), List.of(engineering));
    assertThat(indexed().subject(Identity.Kind.USER, "bob@EXAMPLE.com")).isPresent();
  }

  @Test
  void removedMembersAndDeletedGroups_areForgotten() {
    indexed();
    remove(engineering, backend);
    sameAnswers(keys(), List.of(engineering, backend));
    assertThat(indexed().subject(Identity.Kind.USER, alice).orElseThrow().groups()).hasSize(1);
    add(engineering, backend, "Group");
    delete("Group", backend);
    sameAnswers(keys(), List.of(engineering, backend));
    assertThat(indexed().subject(Identity.Kind.USER, alice).orElseThrow().groups()).isEmpty();
  }

  @Test
  void deletedUser_isGoneWithItsKeysAndMemberships() {
    indexed();
    delete("User", alice);
    sameAnswers(keys(), List.of(engineering, backend));
    assertThat(indexed().subject(Identity.Kind.USER, "okta-alice")).isEmpty();
  }

  @Test
  void renamedGroup_showsItsNewName() {
    indexed();
    patch("Group", backend, g -> g.put("displayName", "platform"));
    sameAnswers(keys(), List.of(backend));
    assertThat(indexed().subject(Identity.Kind.USER, alice).orElseThrow().groups().get(0).display())
        .isEqualTo("platform");
  }

  @Test
  void agents_areIndexedWithTheirOwnersAndRoles() {
    indexed();
    String bot = agent("deploy-bot", bob, "deployer");
    sameAnswers(List.of(bot, "deploy-bot", "DEPLOY-BOT"), List.of(engineering, backend));
    Directory d = indexed();
    Application ci = d.application("ci").orElseThrow();
    Identity agent = d.subject(Identity.Kind.AGENT, "deploy-bot").orElseThrow();
    assertThat(Entitlements.of(agent, ci, d).decide("deploy", null).permitted()).isTrue();
    patch("User", bob, a -> a.put("active", false));
    d = indexed();
    agent = d.subject(Identity.Kind.AGENT, "deploy-bot").orElseThrow();
    assertThat(Entitlements.of(agent, ci, d).denial()).isEqualTo("the agent has no active owner");
  }

  @Test
  void sharedExternalId_isABadRequestAsFromTheStore() {
    indexed();
    user("alice2", "{\"externalId\":\"okta-alice\"}");
    assertThatThrownBy(() -> indexed().subject(Identity.Kind.USER, "okta-alice"))
        .isInstanceOf(AccessException.class)
        .hasMessageContaining("2 users have externalId");
    assertThatThrownBy(() -> stored().subject(Identity.Kind.USER, "okta-alice"))
        .isInstanceOf(AccessException.class)
        .hasMessageContaining("2 users have externalId");
  }

  @Test
  void applicationChanges_countInTheNextDirectory() {
    Application before = indexed().application("ci").orElseThrow();
    model.update(
        SCOPE,
        "ci",
        json(
            """
            {"roles": [{"name": "viewer", "permissions": ["read"]}],
             "rules": [{"name": "all", "groups": ["engineering"], "roles": ["viewer"]}]}
            """));
    Application after = indexed().application("ci").orElseThrow();
    assertThat(after.rules()).hasSize(1);
    assertThat(after).isNotEqualTo(before);
    sameAnswers(keys(), List.of());
    model.delete(SCOPE, "ci");
    assertThat(indexed().application("ci")).isEmpty();
    assertThat(indexed().applications()).isEmpty();
  }

  @Test
  void aTenantLargerThanTheLimit_readsTheStore() {
    AccessModel small = new AccessModel(store, registry, new AccessSettings(Duration.ZERO, 1));
    assertThat(small.now(SCOPE)).isInstanceOf(StoreDirectory.class);
    AccessModel grows = new AccessModel(store, registry, new AccessSettings(Duration.ZERO, 3));
    assertThat(grows.now(SCOPE)).isInstanceOf(IndexedDirectory.class);
    user("carol", "{}");
    user("dave", "{}");
    assertThat(grows.now(SCOPE)).isInstanceOf(StoreDirectory.class);
  }

  @Test
  void withStaleness_aChangeMadeElsewhereWaits_andOneMadeHereCountsAtOnce() {
    AccessModel stale =
        new AccessModel(store, registry, new AccessSettings(Duration.ofHours(1), 1_000));
    assertThat(stale.now(SCOPE).subject(Identity.Kind.USER, "bob").orElseThrow().active()).isTrue();
    // Written behind this model's back, as another node would: within the staleness it is unseen.
    patch("User", bob, a -> a.put("active", false));
    assertThat(stale.now(SCOPE).subject(Identity.Kind.USER, "bob").orElseThrow().active()).isTrue();
    // A write through this node (the server calls written() after each): counts at once.
    stale.written();
    assertThat(stale.now(SCOPE).subject(Identity.Kind.USER, "bob").orElseThrow().active())
        .isFalse();
  }

  @Test
  void journalPrunedPastTheIndex_buildsItAgain() {
    long built = indexed() instanceof IndexedDirectory ? store.journalHead(SCOPE.tenant()) : 0;
    String carol = user("carol", "{}");
    add(engineering, carol, "User");
    long head = store.journalHead(SCOPE.tenant());
    // Every entry before the last one is gone, the index's next entry among them.
    store.audit().prune(SCOPE.tenant(), head);
    List<JournalEntry> after = store.read(SCOPE, r -> r.journal(built, 10));
    assertThat(after.get(0).seq()).isEqualTo(head);
    sameAnswers(List.of(carol, "carol"), List.of(engineering));
  }

  @Test
  void concurrentDecisions_whileMembershipsChange_neverFail_andEndExact() throws Exception {
    indexed();
    try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<?>> readers = new ArrayList<>();
      for (int t = 0; t < 16; t++) {
        readers.add(
            threads.submit(
                () -> {
                  for (int i = 0; i < 200; i++) {
                    Directory d = model.now(SCOPE);
                    Identity a = d.subject(Identity.Kind.USER, "alice").orElseThrow();
                    Entitlements.of(a, d.application("ci").orElseThrow(), d).decide("build", null);
                  }
                  return null;
                }));
      }
      for (int i = 0; i < 50; i++) {
        if (i % 2 == 0) {
          remove(backend, alice);
        } else {
          add(backend, alice, "User");
        }
      }
      for (Future<?> f : readers) {
        f.get(60, TimeUnit.SECONDS);
      }
    }
    sameAnswers(keys(), List.of(engineering, backend));
  }

  @Test
  void journalHead_isTheLastEntry_inAReadAndWithoutOne() {
    assertThat(store.journalHead("no-such-tenant")).isZero();
    long head = store.journalHead(SCOPE.tenant());
    assertThat(head).isPositive();
    long inRead = store.read(SCOPE, r -> r.journalHead());
    assertThat(inRead).isEqualTo(head);
    List<JournalEntry> last = store.read(SCOPE, r -> r.journal(head - 1, 10));
    assertThat(last).hasSize(1);
    assertThat(last.get(0).seq()).isEqualTo(head);
  }
}
