package io.scimd.server.hub;

import static io.scimd.server.http.TestServer.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scimd.client.RetryPolicy;
import io.scimd.client.ScimClient;
import io.scimd.core.schema.SchemaRegistry;
import io.scimd.core.schema.SchemaUrns;
import io.scimd.server.http.TestServer;
import io.scimd.store.JournalEntry;
import io.scimd.store.PoolSettings;
import io.scimd.store.Scope;
import io.scimd.store.Store;
import io.scimd.store.StoredResource;
import io.scimd.store.jdbc.Stores;
import io.scimd.sync.Hub;
import io.scimd.sync.Outcome;
import io.scimd.sync.SecretBox;
import io.scimd.sync.Sink;
import io.scimd.sync.UrlPolicy;
import io.scimd.sync.scim.Mapping;
import io.scimd.sync.scim.Profile;
import io.scimd.sync.scim.Reconcile;
import io.scimd.sync.scim.ScimSink;
import io.scimd.sync.scim.ScimType;
import java.net.http.HttpClient;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The {@code scim} target end to end: an IdP writes to one scimd (upstream) over HTTP, the target's
 * sink reads the upstream's journal and store and writes to a second scimd (downstream) over HTTP,
 * through a proxy that records the requests and injects failures and AWS's limits. The downstream
 * state is then read back over HTTP.
 */
class ScimTargetTest {
  static final Scope SYSTEM = Scope.system(Scope.DEFAULT_TENANT, "test");

  TestServer upstream;
  TestServer downstream;
  RecordingScimProxy proxy;
  Store store;
  Hub hub;
  long seen;
  final List<Sink> sinks = new ArrayList<>();

  @BeforeEach
  void start() throws Exception {
    upstream = TestServer.start();
    downstream = TestServer.start();
    proxy = new RecordingScimProxy(downstream.url(""));
    store =
        Stores.open(
            Objects.requireNonNull(upstream.dataDir).toString(),
            SchemaRegistry.builtIn(),
            InstantSource.system(),
            PoolSettings.defaults().withMaxPoolSize(2));
    HttpClient http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    hub =
        new Hub(
            store,
            new SecretBox(SecretBox.newKey()),
            List.of(
                new ScimType(
                    store,
                    http,
                    UrlPolicy.any(),
                    ScimType.Mappings.none(),
                    InstantSource.system())),
            InstantSource.system());
    pending(); // the bootstrap client's journal entries
  }

  @AfterEach
  void stop() {
    sinks.forEach(Sink::close);
    for (AutoCloseable c : new AutoCloseable[] {proxy, store, upstream, downstream}) {
      try {
        if (c != null) {
          c.close();
        }
      } catch (Exception e) {
        // the next one is closed all the same
      }
    }
  }

  Sink target(String name, String profile) {
    ObjectNode d = TestServer.JSON.createObjectNode();
    d.put("name", name);
    d.put("type", "scim");
    d.put("url", proxy.url(TestServer.SCIM));
    d.putObject("auth").put("bearer", TestServer.TOKEN);
    d.put("profile", profile);
    d.put("timeoutMs", 5_000);
    hub.create(SYSTEM, d);
    Sink sink = hub.sinks().open(store.hub().target(Scope.DEFAULT_TENANT, name).orElseThrow());
    sinks.add(sink);
    return sink;
  }

  /** The journal entries written since the last call, the sink's to take. */
  List<JournalEntry> pending() {
    List<JournalEntry> out = store.read(SYSTEM, r -> r.journal(seen, 1000));
    if (!out.isEmpty()) {
      seen = out.get(out.size() - 1).seq();
    }
    return out;
  }

  /** Delivers everything new, as the workers would, and asserts that all of it arrived. */
  void deliverAll(Sink sink) {
    List<JournalEntry> accepted = pending().stream().filter(sink::accepts).toList();
    Outcome o = sink.deliver(accepted);
    assertThat(o.failure()).as("failure").isNull();
    assertThat(o.delivered()).isEqualTo(accepted.size());
  }

  Optional<String> remoteId(String target, String type, String id) {
    return store.hub().remoteId(Scope.DEFAULT_TENANT, target, type, id);
  }

  JsonNode downstreamUsers(String userName) {
    return downstream
        .scim()
        .list("/Users?filter=" + TestServer.q("userName eq \"" + userName + "\""))
        .path("Resources");
  }

  static String richUser(String userName, String displayName) {
    return "{\"schemas\":[\""
        + SchemaUrns.USER
        + "\",\""
        + SchemaUrns.ENTERPRISE_USER
        + "\"],\"userName\":\""
        + userName
        + "\",\"externalId\":\"ext-"
        + userName
        + "\",\"displayName\":\""
        + displayName
        + "\",\"name\":{\"givenName\":\"Ada\",\"familyName\":\"Lovelace\"},"
        + "\"password\":\"s3cret-Passw0rd!\","
        + "\"emails\":[{\"value\":\""
        + userName
        + "@home.example\",\"type\":\"home\"},{\"value\":\""
        + userName
        + "@work.example\",\"type\":\"work\",\"primary\":true}],\""
        + SchemaUrns.ENTERPRISE_USER
        + "\":{\"employeeNumber\":\"701\",\"department\":\"Maths\"}}";
  }

  @Test
  void usersAreCreatedUpdatedAndDeletedOnTheTarget() {
    Sink sink = target("crm", "rfc");
    String id = upstream.scim().create("/Users", richUser("ada", "Ada L")).path("id").asText();
    deliverAll(sink);

    JsonNode there = downstreamUsers("ada");
    assertThat(there).hasSize(1);
    String remote = there.get(0).path("id").asText();
    assertThat(remote).isNotEqualTo(id);
    assertThat(remoteId("crm", "User", id)).contains(remote);
    assertThat(there.get(0).path("displayName").asText()).isEqualTo("Ada L");
    assertThat(there.get(0).path("externalId").asText()).isEqualTo("ext-ada");
    assertThat(there.get(0).path("emails")).hasSize(2);
    assertThat(there.get(0).path(SchemaUrns.ENTERPRISE_USER).path("employeeNumber").asText())
        .isEqualTo("701");
    JsonNode posted = json(proxy.requests("POST", "/scim/v2/Users").get(0).body());
    assertThat(posted.has("password")).as("the password never leaves").isFalse();
    assertThat(posted.has("id")).isFalse();
    assertThat(posted.has("meta")).isFalse();

    upstream
        .scim()
        .patchOk(
            "/Users/" + id, "{\"op\":\"replace\",\"path\":\"displayName\",\"value\":\"Countess\"}");
    upstream
        .scim()
        .patchOk("/Users/" + id, "{\"op\":\"replace\",\"path\":\"title\",\"value\":\"Analyst\"}");
    proxy.clear();
    deliverAll(sink);
    JsonNode updated = downstream.scim().read("/Users/" + remote);
    assertThat(updated.path("displayName").asText()).isEqualTo("Countess");
    assertThat(updated.path("title").asText()).isEqualTo("Analyst");
    assertThat(proxy.requests()).as("two changes of one user coalesced into one PUT").hasSize(1);
    assertThat(proxy.requests().get(0).method()).isEqualTo("PUT");

    assertThat(upstream.scim().delete("/Users/" + id).statusCode()).isEqualTo(204);
    deliverAll(sink);
    assertThat(downstream.scim().get("/Users/" + remote).statusCode()).isEqualTo(404);
    assertThat(remoteId("crm", "User", id)).isEmpty();
  }

  @Test
  void deliveringTheSameEntriesAgainChangesNothing() {
    Sink sink = target("crm", "rfc");
    upstream.scim().create("/Users", richUser("bea", "Bea"));
    List<JournalEntry> entries = pending().stream().filter(sink::accepts).toList();
    assertThat(sink.deliver(entries).delivered()).isEqualTo(entries.size());
    assertThat(sink.deliver(entries).delivered()).isEqualTo(entries.size());
    assertThat(downstreamUsers("bea")).hasSize(1);
    assertThat(proxy.requests("POST", "/scim/v2/Users")).hasSize(1);
  }

  @Test
  void groupArrivesWithItsMembersAsTheTargetsIds() {
    Sink sink = target("crm", "rfc");
    String u1 = upstream.scim().createUser("carl");
    String u2 = upstream.scim().createUser("dora");
    String g = upstream.scim().createGroup("Engineers");
    upstream
        .scim()
        .patchOk(
            "/Groups/" + g,
            "{\"op\":\"add\",\"path\":\"members\",\"value\":[{\"value\":\""
                + u1
                + "\"},{\"value\":\""
                + u2
                + "\"}]}");
    deliverAll(sink);

    String remoteGroup = remoteId("crm", "Group", g).orElseThrow();
    assertThat(downstream.scim().memberIds(remoteGroup))
        .containsExactlyInAnyOrder(
            remoteId("crm", "User", u1).orElseThrow(), remoteId("crm", "User", u2).orElseThrow());

    upstream
        .scim()
        .patchOk(
            "/Groups/" + g,
            "{\"op\":\"remove\",\"path\":\"members[value eq \\\"" + u1 + "\\\"]\"}",
            "{\"op\":\"replace\",\"path\":\"displayName\",\"value\":\"Engineering\"}");
    proxy.clear();
    deliverAll(sink);
    assertThat(downstream.scim().memberIds(remoteGroup))
        .containsExactly(remoteId("crm", "User", u2).orElseThrow());
    assertThat(downstream.scim().read("/Groups/" + remoteGroup).path("displayName").asText())
        .isEqualTo("Engineering");
    assertThat(proxy.requests("PUT", "/scim/v2/Groups")).as("a group is never PUT").isEmpty();

    // A member that the target does not have yet is written there first.
    String u3 = upstream.scim().createUser("emil");
    pending(); // the target never hears of emil's creation
    upstream
        .scim()
        .patchOk(
            "/Groups/" + g,
            "{\"op\":\"add\",\"path\":\"members\",\"value\":[{\"value\":\"" + u3 + "\"}]}");
    deliverAll(sink);
    String remoteEmil = remoteId("crm", "User", u3).orElseThrow();
    assertThat(downstream.scim().memberIds(remoteGroup))
        .containsExactlyInAnyOrder(remoteId("crm", "User", u2).orElseThrow(), remoteEmil);

    assertThat(upstream.scim().delete("/Groups/" + g).statusCode()).isEqualTo(204);
    deliverAll(sink);
    assertThat(downstream.scim().get("/Groups/" + remoteGroup).statusCode()).isEqualTo(404);
  }

  @Test
  void aRetriedCreateAdoptsTheUserTheTargetHasAlready() {
    Sink sink = target("crm", "rfc");
    String id = upstream.scim().createUser("fay");
    // The first POST reached the target, but its answer was lost (a timeout): the user is there.
    String there = downstream.scim().createUser("fay");
    deliverAll(sink);
    assertThat(proxy.requests("POST", "/scim/v2/Users")).isEmpty();
    assertThat(remoteId("crm", "User", id)).contains(there);
    assertThat(downstreamUsers("fay")).hasSize(1);
  }

  @Test
  void anUpdateTheTargetAnswersWith404CreatesTheUserAgain() {
    Sink sink = target("crm", "rfc");
    String id = upstream.scim().createUser("gus");
    deliverAll(sink);
    String first = remoteId("crm", "User", id).orElseThrow();
    assertThat(downstream.scim().delete("/Users/" + first).statusCode()).isEqualTo(204);

    upstream
        .scim()
        .patchOk("/Users/" + id, "{\"op\":\"replace\",\"path\":\"title\",\"value\":\"Boss\"}");
    deliverAll(sink);
    String second = remoteId("crm", "User", id).orElseThrow();
    assertThat(second).isNotEqualTo(first);
    assertThat(downstream.scim().read("/Users/" + second).path("title").asText()).isEqualTo("Boss");
  }

  @Test
  void awsProfileSplitsMembershipChangesIntoPatchesOfAtMost100() {
    proxy.enforceAwsLimits();
    Sink sink = target("aws", "aws");
    List<String> ids = new ArrayList<>();
    StringBuilder members = new StringBuilder();
    for (int i = 0; i < 150; i++) {
      String id = upstream.scim().createUser("user" + i);
      ids.add(id);
      members.append(i == 0 ? "" : ",").append("{\"value\":\"").append(id).append("\"}");
    }
    String g = upstream.scim().createGroup("Everyone");
    upstream
        .scim()
        .patchOk(
            "/Groups/" + g, "{\"op\":\"add\",\"path\":\"members\",\"value\":[" + members + "]}");
    upstream.scim().create("/Users", richUser("hal", "Hal"));
    deliverAll(sink);

    String remoteGroup = remoteId("aws", "Group", g).orElseThrow();
    List<RecordingScimProxy.Request> patches = proxy.requests("PATCH", "/scim/v2/Groups/");
    assertThat(patches).hasSizeGreaterThanOrEqualTo(2);
    assertThat(patches).allSatisfy(p -> assertThat(p.memberChanges()).isLessThanOrEqualTo(100));
    assertThat(patches.stream().mapToInt(RecordingScimProxy.Request::memberChanges).sum())
        .isEqualTo(150);
    assertThat(downstream.scim().memberIds(remoteGroup)).hasSize(150);
    assertThat(downstreamUsers("hal").get(0).path("emails"))
        .as("AWS keeps a single email: the primary one")
        .hasSize(1);
    assertThat(downstreamUsers("hal").get(0).path("emails").get(0).path("value").asText())
        .isEqualTo("hal@work.example");
  }

  @Test
  void aDownstreamThatFailsIsUnavailableAndARefusalIsRejected() {
    Sink sink = target("crm", "rfc");
    upstream.scim().createUser("ivy");
    upstream.scim().createUser("jon");
    List<JournalEntry> entries = pending().stream().filter(sink::accepts).toList();

    proxy.failWith(500, null);
    Outcome down = sink.deliver(entries);
    assertThat(down.delivered()).isZero();
    assertThat(Objects.requireNonNull(down.failure()).kind()).isEqualTo(Outcome.Kind.UNAVAILABLE);

    proxy.failWith(429, "7");
    Outcome slow = sink.deliver(entries);
    assertThat(Objects.requireNonNull(slow.failure()).kind()).isEqualTo(Outcome.Kind.UNAVAILABLE);
    assertThat(slow.failure().retryAfter()).isEqualTo(Duration.ofSeconds(7));

    proxy.failWith(403, null);
    Outcome refused = sink.deliver(entries);
    assertThat(Objects.requireNonNull(refused.failure()).kind()).isEqualTo(Outcome.Kind.REJECTED);

    proxy.failWith(0, null);
    assertThat(sink.deliver(entries).delivered()).isEqualTo(entries.size());
    assertThat(downstreamUsers("ivy")).hasSize(1);
    assertThat(downstreamUsers("jon")).hasSize(1);
  }

  @Test
  void aTargetThatIsNotListeningIsUnavailable() {
    Sink sink = target("crm", "rfc");
    upstream.scim().createUser("kim");
    List<JournalEntry> entries = pending().stream().filter(sink::accepts).toList();
    proxy.close();
    Outcome o = sink.deliver(entries);
    assertThat(o.delivered()).isZero();
    assertThat(Objects.requireNonNull(o.failure()).kind()).isEqualTo(Outcome.Kind.UNAVAILABLE);
  }

  @Test
  void secretsAreSealedAndALeftOutSecretIsKept() {
    ObjectNode d = TestServer.JSON.createObjectNode();
    d.put("name", "crm");
    d.put("type", "scim");
    d.put("url", proxy.url(TestServer.SCIM));
    d.putObject("auth").put("bearer", "the-bearer-token");
    Hub.Saved saved = hub.create(SYSTEM, d);
    assertThat(saved.target().toString()).doesNotContain("the-bearer-token");
    assertThat(store.hub().target(Scope.DEFAULT_TENANT, "crm").orElseThrow().config())
        .doesNotContain("the-bearer-token");

    d.put("profile", "aws");
    d.putObject("auth"); // the token left out: kept
    ObjectNode shown = hub.update(SYSTEM, "crm", d).orElseThrow().target();
    assertThat(shown.path("profile").asText()).isEqualTo("aws");
    // The kept token still works: it is not the server's, so the downstream refuses it (401).
    Sink sink = hub.sinks().open(store.hub().target(Scope.DEFAULT_TENANT, "crm").orElseThrow());
    sinks.add(sink);
    upstream.scim().createUser("lea");
    Outcome o = sink.deliver(pending().stream().filter(sink::accepts).toList());
    assertThat(Objects.requireNonNull(o.failure()).reason()).contains("401");
    assertThat(proxy.requests().get(0).method()).isEqualTo("GET");

    d.remove("auth");
    assertThatThrownBy(() -> hub.update(SYSTEM, "crm", d))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("auth");
    d.putObject("auth").put("bearer", "x");
    d.put("profile", "okta");
    assertThatThrownBy(() -> hub.update(SYSTEM, "crm", d)).hasMessageContaining("rfc, aws, entra");
    d.put("profile", "rfc");
    d.put("colour", "blue");
    assertThatThrownBy(() -> hub.update(SYSTEM, "crm", d)).hasMessageContaining("'colour'");
    d.remove("colour");
    d.put("url", "ftp://x.example/");
    assertThatThrownBy(() -> hub.update(SYSTEM, "crm", d)).hasMessageContaining("'url'");
  }

  @Test
  void reconciliationReportsDriftDryAndRepairsIt() {
    Sink sink = target("crm", "rfc");
    String a = upstream.scim().createUser("ann");
    String b = upstream.scim().createUser("ben");
    String c = upstream.scim().createUser("cid");
    String g = upstream.scim().createGroup("Staff");
    upstream
        .scim()
        .patchOk(
            "/Groups/" + g,
            "{\"op\":\"add\",\"path\":\"members\",\"value\":[{\"value\":\""
                + a
                + "\"},{\"value\":\""
                + b
                + "\"}]}");
    deliverAll(sink);
    String d = upstream.scim().createUser("dan");
    pending(); // dan never reaches the target

    String remoteA = remoteId("crm", "User", a).orElseThrow();
    String remoteB = remoteId("crm", "User", b).orElseThrow();
    String remoteC = remoteId("crm", "User", c).orElseThrow();
    String remoteG = remoteId("crm", "Group", g).orElseThrow();
    downstream
        .scim()
        .patchOk(
            "/Users/" + remoteA, "{\"op\":\"replace\",\"path\":\"title\",\"value\":\"Intruder\"}");
    assertThat(downstream.scim().delete("/Users/" + remoteB).statusCode()).isEqualTo(204);
    String other = downstream.scim().createUser("not-ours");

    // The same target seen through a scope that leaves cid out.
    ScimSink scoped =
        new ScimSink(
            store,
            Scope.DEFAULT_TENANT,
            "crm",
            ScimClient.builder(java.net.URI.create(proxy.url(TestServer.SCIM)))
                .bearer(TestServer.TOKEN)
                .retry(RetryPolicy.none())
                .build(),
            Profile.RFC,
            new Mapping() {
              @Override
              public boolean inScope(String type, StoredResource r) {
                return !r.attributes().path("userName").asText().equals("cid");
              }

              @Override
              public ObjectNode map(String type, StoredResource r) {
                return Mapping.identity().map(type, r);
              }
            },
            ScimSink.OnLeave.DELETE);
    sinks.add(scoped);

    Reconcile.Report dry = new Reconcile(scoped).run(true);
    assertThat(dry.error()).isNull();
    assertThat(dry.findings())
        .extracting(f -> f.kind() + " " + f.resourceType() + " " + f.id())
        .containsExactlyInAnyOrder(
            "different User " + a,
            "missing User " + b,
            "extra User " + c,
            "missing User " + d,
            "membership Group " + g);
    assertThat(downstream.scim().read("/Users/" + remoteA).path("title").asText())
        .as("a dry run changes nothing")
        .isEqualTo("Intruder");

    Reconcile.Report repaired = new Reconcile(scoped).run(false);
    assertThat(repaired.findings()).hasSize(5).allSatisfy(f -> assertThat(f.repaired()).isTrue());
    assertThat(downstream.scim().read("/Users/" + remoteA).has("title")).isFalse();
    assertThat(downstream.scim().get("/Users/" + remoteC).statusCode()).isEqualTo(404);
    assertThat(downstreamUsers("ben")).hasSize(1);
    assertThat(downstreamUsers("dan")).hasSize(1);
    assertThat(downstream.scim().memberIds(remoteG))
        .containsExactlyInAnyOrder(remoteA, remoteId("crm", "User", b).orElseThrow());
    assertThat(downstream.scim().get("/Users/" + other).statusCode())
        .as("what scimd does not manage is left alone")
        .isEqualTo(200);

    assertThat(new Reconcile(scoped).run(true).findings()).isEmpty();
  }
}
