package io.scimd.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import io.scimd.core.schema.SchemaRegistry;
import io.scimd.store.HubRecords;
import io.scimd.store.JournalEntry;
import io.scimd.store.Scope;
import io.scimd.store.Store;
import io.scimd.store.jdbc.Stores;
import io.scimd.sync.webhook.WebhookSecret;
import io.scimd.sync.webhook.WebhookType;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.ToIntFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The delivery workers against a real store (SQLite) and a real webhook receiver on 127.0.0.1:
 * order, retries, the circuit, dead letters and replay, leases between two workers.
 */
class DeliveryTest {
  /** The store the test runs on: SQLite in {@link #dir}; PostgreSQL in a subclass. */
  Store open() {
    return Stores.sqlite(dir, SchemaRegistry.builtIn(), InstantSource.system());
  }

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Scope SCOPE = Scope.system(Scope.DEFAULT_TENANT, "test");

  @TempDir Path dir;
  private Store store;
  private HttpServer receiver;
  private final List<String> received = Collections.synchronizedList(new ArrayList<>());
  private final List<Long> arrivals = Collections.synchronizedList(new ArrayList<>());

  /** The receiver's answer to each delivery, given its body ({@code seq kind resourceId}). */
  private volatile ToIntFunction<String> answer = body -> 204;

  private final AtomicInteger requests = new AtomicInteger();
  private String secret;
  private Hub hub;
  private final JettyPoster poster = new JettyPoster(Duration.ofSeconds(5));
  private final List<Delivery> workers = new ArrayList<>();

  @BeforeEach
  void start() throws IOException {
    store = open();
    receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    receiver.createContext(
        "/hook",
        ex -> {
          byte[] body = ex.getRequestBody().readAllBytes();
          requests.incrementAndGet();
          arrivals.add(System.nanoTime());
          String id = ex.getRequestHeaders().getFirst("webhook-id");
          long ts = Long.parseLong(ex.getRequestHeaders().getFirst("webhook-timestamp"));
          String sig = ex.getRequestHeaders().getFirst("webhook-signature");
          int status = answer.applyAsInt(new String(body, StandardCharsets.UTF_8));
          boolean valid =
              List.of(sig.split(" ")).contains(WebhookSecret.parse(secret).sign(id, ts, body));
          if (!valid) {
            status = 401;
          }
          if (status == 429) {
            ex.getResponseHeaders().add("Retry-After", "1");
          }
          if (status / 100 == 2) {
            received.add(new String(body, StandardCharsets.UTF_8));
          }
          ex.sendResponseHeaders(status, -1);
          ex.close();
        });
    // Answers deliveries in parallel, as receivers do: the workers send several resources at once.
    receiver.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    receiver.start();
    SecretBox box = new SecretBox(SecretBox.newKey());
    WebhookType webhook =
        new WebhookType(
            poster,
            UrlPolicy.any(),
            Set.of("User", "Group"),
            (target, issuer, e) ->
                (e.seq() + " " + e.change().kind().wire() + " " + e.change().resourceId())
                    .getBytes(StandardCharsets.UTF_8),
            InstantSource.system());
    hub = new Hub(store, box, List.of(webhook), InstantSource.system());
    ObjectNode def = JSON.createObjectNode();
    def.put("name", "hooks");
    def.put("type", "webhook");
    def.put("url", "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook");
    Hub.Saved saved = hub.create(SCOPE, def);
    secret = saved.shownOnce();
    assertThat(secret).startsWith("whsec_");
    assertThat(saved.target().toString()).doesNotContain(secret);
  }

  @AfterEach
  void stop() {
    workers.forEach(Delivery::close);
    poster.close();
    receiver.stop(0);
    store.close();
  }

  private Delivery worker(String node) {
    Delivery d =
        new Delivery(
            store,
            hub.sinks(),
            Delivery.Settings.defaults()
                .withMaxAttempts(3)
                .withBackoff(Duration.ofMillis(50), Duration.ofMillis(400))
                .withLease(Duration.ofMillis(50), Duration.ofMillis(600)),
            InstantSource.system(),
            node);
    workers.add(d);
    d.start();
    return d;
  }

  private String user(String name) {
    ObjectNode u = JSON.createObjectNode();
    u.putArray("schemas").add("urn:ietf:params:scim:schemas:core:2.0:User");
    u.put("userName", name);
    return store.write(SCOPE, tx -> tx.insert("User", u)).id();
  }

  private void rename(String id, String userName) {
    ObjectNode u = JSON.createObjectNode();
    u.putArray("schemas").add("urn:ietf:params:scim:schemas:core:2.0:User");
    u.put("userName", userName);
    store.write(SCOPE, tx -> tx.replace("User", id, u));
  }

  /** Each resource's changes arrived in journal order (bodies are {@code seq kind resourceId}). */
  private static void assertInOrderForEachResource(List<String> bodies) {
    Map<String, Long> last = new java.util.HashMap<>();
    for (String b : List.copyOf(bodies)) {
      String[] parts = b.split(" ");
      long seq = Long.parseLong(parts[0]);
      Long before = last.put(parts[2], seq);
      assertThat(before == null || before < seq)
          .as("%s arrived after seq %s of the same resource", b, before)
          .isTrue();
    }
  }

  private List<String> expected(long from) {
    List<String> out = new ArrayList<>();
    for (JournalEntry e : store.read(SCOPE, r -> r.journal(0, 1000))) {
      if (e.change().resourceType().equals("User") && e.seq() >= from) {
        out.add(e.seq() + " " + e.change().kind().wire() + " " + e.change().resourceId());
      }
    }
    return out;
  }

  private void awaitReceived(int n) throws InterruptedException {
    long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (received.size() < n && System.nanoTime() < until) {
      Thread.sleep(10);
    }
    assertThat(received).hasSizeGreaterThanOrEqualTo(n);
  }

  @Test
  void deliversEveryChange_inOrderForEachResource_signed_once() throws Exception {
    worker("n1");
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      ids.add(user("user" + i));
    }
    // Each user changes three more times, the users' changes interleaved in the journal.
    for (int round = 1; round <= 3; round++) {
      for (int i = 0; i < ids.size(); i++) {
        rename(ids.get(i), "user" + i + "-" + round);
      }
    }
    awaitReceived(40);
    Thread.sleep(100); // nothing more comes: each change arrives once
    assertThat(received).containsExactlyInAnyOrderElementsOf(expected(0));
    assertInOrderForEachResource(received);
    // The receiver has them before the worker records them: wait for the cursor.
    long until = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    HubRecords.Cursor c;
    do {
      Thread.sleep(10);
      c = store.hub().cursor(Scope.DEFAULT_TENANT, "hooks").orElseThrow();
    } while (c.delivered() < 40 && System.nanoTime() < until);
    assertThat(c.delivered()).isEqualTo(40);
    assertThat(hub.show(Scope.DEFAULT_TENANT, "hooks").orElseThrow().at("/status/pending").asLong())
        .isZero();
  }

  @Test
  void aTargetWithConcurrencyOne_getsEveryChangeInJournalOrder() throws Exception {
    ObjectNode change = JSON.createObjectNode();
    change.put("url", hub.show(Scope.DEFAULT_TENANT, "hooks").orElseThrow().get("url").asText());
    change.put("concurrency", 1);
    hub.update(SCOPE, "hooks", change);
    for (int i = 0; i < 20; i++) {
      user("user" + i);
    }
    worker("n1");
    awaitReceived(20);
    assertThat(received).containsExactlyElementsOf(expected(0));
    change.put("concurrency", 65);
    assertThatThrownBy(() -> hub.update(SCOPE, "hooks", change))
        .hasMessageContaining("concurrency");
  }

  @Test
  void aTrickleOfWrites_wakesTheWorkerOnce_andGoesOutTogetherAfterTheLinger() throws Exception {
    // Polls far apart, so that only the wake-ups and the linger decide when the worker reads.
    Delivery d =
        new Delivery(
            store,
            hub.sinks(),
            Delivery.Settings.defaults()
                .withLease(Duration.ofSeconds(3), Duration.ofSeconds(12))
                .withLinger(Duration.ofMillis(600)),
            InstantSource.system(),
            "n1");
    workers.add(d);
    d.start();
    long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (d.serving().isEmpty() && System.nanoTime() < until) {
      Thread.sleep(10);
    }
    assertThat(d.serving()).containsExactly("default/hooks");
    Thread.sleep(200); // the worker's first look at the (empty) journal is over: it waits now
    long first = System.nanoTime();
    for (int i = 0; i < 5; i++) {
      user("trickle" + i);
      d.wake();
      Thread.sleep(60);
    }
    awaitReceived(5);
    List<Long> at = List.copyOf(arrivals);
    assertThat(at).hasSize(5);
    // Without the linger the first change went out at once and the others one by one, as
    // they were written, 240 ms apart from first to last.
    assertThat(Duration.ofNanos(at.get(0) - first)).isGreaterThan(Duration.ofMillis(500));
    assertThat(Duration.ofNanos(at.get(4) - at.get(0))).isLessThan(Duration.ofMillis(200));
    assertThat(received).containsExactlyInAnyOrderElementsOf(expected(0));
  }

  @Test
  void anUnavailableTarget_isRetriedUntilItRecovers_nothingLost_noDeadLetters() throws Exception {
    AtomicInteger forFirst = new AtomicInteger();
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      ids.add(user("user" + i));
    }
    answer =
        body -> {
          if (body.endsWith(" " + ids.get(0))) {
            forFirst.incrementAndGet();
          }
          return 503;
        };
    worker("n1");
    long until = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (forFirst.get() < 4 && System.nanoTime() < until) {
      Thread.sleep(10);
    }
    assertThat(forFirst.get()).isGreaterThanOrEqualTo(4); // more than maxAttempts: never dead
    assertThat(
            hub.show(Scope.DEFAULT_TENANT, "hooks").orElseThrow().at("/status/lastError").asText())
        .startsWith("unavailable: HTTP 503");
    answer = body -> 200;
    awaitReceived(5);
    assertThat(received).containsExactlyInAnyOrderElementsOf(expected(0));
    assertThat(store.hub().deadLetters(Scope.DEFAULT_TENANT, "hooks", 0, 10)).isEmpty();
  }

  /**
   * A definition that cannot be used when the worker opens it (here: the first version; in service,
   * an address the allow-list refuses since, or a secret sealed under another key) waits for the
   * backoff, but a fixed one is taken up within a second or two rather than after it, and the
   * worker keeps its lease meanwhile instead of being claimed afresh when it expires.
   */
  @Test
  void aTargetThatCannotBeOpened_isTakenUpAgainOnceItsDefinitionIsFixed() throws Exception {
    Delivery.Sinks all = hub.sinks();
    Delivery.Sinks firstVersionBroken =
        new Delivery.Sinks() {
          @Override
          public Set<String> types() {
            return all.types();
          }

          @Override
          public Sink open(HubRecords.Target target) {
            if (target.version() == 1) {
              throw new IllegalArgumentException("this version cannot be used");
            }
            return all.open(target);
          }
        };
    Delivery d =
        new Delivery(
            store,
            firstVersionBroken,
            Delivery.Settings.defaults().withBackoff(Duration.ofMillis(500), Duration.ofMinutes(1)),
            InstantSource.system(),
            "n1");
    workers.add(d);
    d.start();
    String id = user("alice");
    long until = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (!hub.show(Scope.DEFAULT_TENANT, "hooks")
            .orElseThrow()
            .at("/status/lastError")
            .asText()
            .contains("cannot be used")
        && System.nanoTime() < until) {
      Thread.sleep(20);
    }
    Thread.sleep(300);
    assertThat(received).isEmpty();

    ObjectNode fixed = JSON.createObjectNode();
    fixed.put("url", hub.show(Scope.DEFAULT_TENANT, "hooks").orElseThrow().get("url").asText());
    fixed.put("timeoutMs", 4_000);
    hub.update(SCOPE, "hooks", fixed);
    long fixedAt = System.nanoTime();
    awaitReceived(1);
    // Not after the backoff (a minute), nor after the lease (10 s) when another claim would open
    // the new definition.
    assertThat(Duration.ofNanos(System.nanoTime() - fixedAt)).isLessThan(Duration.ofSeconds(3));
    assertThat(received.get(0)).endsWith(" created " + id);
  }

  @Test
  void retryAfterIsHonoured() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    answer = body -> calls.getAndIncrement() == 0 ? 429 : 200;
    worker("n1");
    user("alice");
    awaitReceived(1);
    assertThat(arrivals).hasSize(2);
    assertThat(Duration.ofNanos(arrivals.get(1) - arrivals.get(0)))
        .isGreaterThanOrEqualTo(Duration.ofMillis(400)); // capped at backoffMax in this test
  }

  @Test
  void aRefusedChange_isDeadLettered_theRestGoOn_andReplayDeliversIt() throws Exception {
    String poison = user("user-poison");
    user("fine");
    AtomicInteger calls = new AtomicInteger();
    answer = body -> body.endsWith(" " + poison) && calls.getAndIncrement() < 3 ? 400 : 200;
    worker("n1");
    awaitReceived(1);
    long until = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (store.hub().deadLetters(Scope.DEFAULT_TENANT, "hooks", 0, 10).isEmpty()
        && System.nanoTime() < until) {
      Thread.sleep(10);
    }
    Thread.sleep(100); // the change after the poison was sent with it, and is not sent again
    List<HubRecords.DeadLetter> dead =
        store.hub().deadLetters(Scope.DEFAULT_TENANT, "hooks", 0, 10);
    assertThat(dead).hasSize(1);
    assertThat(dead.get(0).attempts()).isEqualTo(3);
    assertThat(dead.get(0).error()).contains("HTTP 400");
    assertThat(received).containsExactly(expected(0).get(1));
    assertThat(hub.replay(SCOPE, "hooks", null)).isEqualTo(1);
    awaitReceived(2);
    assertThat(received.get(1)).isEqualTo(expected(0).get(0));
    until = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (!store.hub().deadLetters(Scope.DEFAULT_TENANT, "hooks", 0, 10).isEmpty()
        && System.nanoTime() < until) {
      Thread.sleep(10); // the receiver has it before the worker records it
    }
    assertThat(store.hub().deadLetters(Scope.DEFAULT_TENANT, "hooks", 0, 10)).isEmpty();
  }

  @Test
  void aSecondWorker_takesOverWhenTheFirstStops_nothingLost() throws Exception {
    Delivery first = worker("n1");
    Delivery second = worker("n2");
    user("a");
    awaitReceived(1);
    String holder = first.serving().isEmpty() ? "n2" : "n1";
    (holder.equals("n1") ? first : second).close();
    user("b");
    user("c");
    awaitReceived(3);
    assertThat(received).containsExactlyInAnyOrderElementsOf(expected(0));
  }

  @Test
  void aPausedTarget_waits_andResumesWhereItStopped() throws Exception {
    hub.pause(SCOPE, "hooks", "maintenance");
    worker("n1");
    user("a");
    Thread.sleep(300);
    assertThat(received).isEmpty();
    assertThat(hub.show(Scope.DEFAULT_TENANT, "hooks").orElseThrow().at("/status/state").asText())
        .isEqualTo("paused");
    hub.pause(SCOPE, "hooks", null);
    awaitReceived(1);
    assertThat(received).containsExactlyElementsOf(expected(0));
  }

  @Test
  void badDefinitions_areRefusedWithTheFieldNamed() {
    ObjectNode def = JSON.createObjectNode();
    def.put("name", "x");
    def.put("type", "webhook");
    assertThatThrownBy(() -> hub.create(SCOPE, def)).hasMessageContaining("'url'");
    def.put("url", "ftp://example");
    assertThatThrownBy(() -> hub.create(SCOPE, def)).hasMessageContaining("http or https");
    def.put("url", "http://127.0.0.1/");
    def.put("secret", "nope");
    assertThatThrownBy(() -> hub.create(SCOPE, def)).hasMessageContaining("whsec_");
    def.remove("secret");
    def.put("colour", "red");
    assertThatThrownBy(() -> hub.create(SCOPE, def)).hasMessageContaining("'colour'");
    def.remove("colour");
    def.put("name", "Bad Name");
    assertThatThrownBy(() -> hub.create(SCOPE, def)).hasMessageContaining("invalid target name");
    def.put("name", "hooks");
    assertThatThrownBy(() -> hub.create(SCOPE, def)).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void aBurstOfDeletions_isHeldForApproval_thenApprovedAndSent() throws Exception {
    ObjectNode def = (ObjectNode) hub.show(Scope.DEFAULT_TENANT, "hooks").orElseThrow();
    ObjectNode change = JSON.createObjectNode();
    change.put("url", def.get("url").asText());
    change.putObject("deletionGuard").put("maxDeletions", 3);
    hub.update(SCOPE, "hooks", change);
    worker("n1");
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      ids.add(user("user" + i));
    }
    awaitReceived(6);
    for (String id : ids) {
      store.write(SCOPE, tx -> tx.delete("User", id));
    }
    long until = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (!hub.show(Scope.DEFAULT_TENANT, "hooks")
            .orElseThrow()
            .at("/status/state")
            .asText()
            .equals("paused")
        && System.nanoTime() < until) {
      Thread.sleep(10);
    }
    ObjectNode held = hub.show(Scope.DEFAULT_TENANT, "hooks").orElseThrow();
    assertThat(held.at("/status/pausedReason").asText())
        .contains("deletion guard")
        .contains("approve");
    Thread.sleep(200);
    int sentBeforeApproval = received.size() - 6;
    assertThat(sentBeforeApproval).isLessThanOrEqualTo(3);
    hub.approve(SCOPE, "hooks");
    awaitReceived(12);
    assertThat(received).containsExactlyInAnyOrderElementsOf(expected(0));
    assertInOrderForEachResource(received);
  }

  @Test
  void aNodeThatDiesMidDelivery_losesItsLease_andAnotherDeliversEverything_sameIdsAgain()
      throws Exception {
    List<String> ids = Collections.synchronizedList(new ArrayList<>());
    CountDownLatch halted = new CountDownLatch(1);
    receiver.removeContext("/hook");
    receiver.createContext(
        "/hook",
        ex -> {
          byte[] body = ex.getRequestBody().readAllBytes();
          ids.add(ex.getRequestHeaders().getFirst("webhook-id"));
          try {
            Thread.sleep(150); // slow: a node can die while a delivery is in flight
            // The first node's lanes all send at once: beyond the first two, its deliveries stay
            // in flight until it dies, however fast its client hears the answers.
            if (ids.size() > 2) {
              halted.await(5, TimeUnit.SECONDS);
            }
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          received.add(new String(body, StandardCharsets.UTF_8));
          ex.sendResponseHeaders(204, -1);
          ex.close();
        });
    Delivery first = worker("n1");
    for (int i = 0; i < 6; i++) {
      user("user" + i);
    }
    long until = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (received.size() < 2 && System.nanoTime() < until) {
      Thread.sleep(5);
    }
    first.halt();
    long deliveredByFirst =
        store.hub().cursor(Scope.DEFAULT_TENANT, "hooks").orElseThrow().delivered();
    halted.countDown();
    assertThat(deliveredByFirst).isLessThan(6);
    worker("n2");
    awaitReceived(6);
    until = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (store.hub().cursor(Scope.DEFAULT_TENANT, "hooks").orElseThrow().nextSeq()
            <= expectedSeqs().getLast()
        && System.nanoTime() < until) {
      Thread.sleep(10);
    }
    Thread.sleep(300); // a request the dead node had in flight finishes at the receiver
    // Everything arrived, in order; what the dead node had sent but not recorded came again,
    // under the same webhook-id, so the receiver can tell.
    assertThat(received.stream().distinct().toList())
        .containsExactlyInAnyOrderElementsOf(expected(0));
    List<String> distinctIds = ids.stream().distinct().toList();
    assertThat(distinctIds).hasSize(6);
    assertThat(distinctIds)
        .containsExactlyInAnyOrderElementsOf(
            expectedSeqs().stream().map(seq -> "msg_" + Scope.DEFAULT_TENANT + "_" + seq).toList());
  }

  private List<Long> expectedSeqs() {
    List<Long> out = new ArrayList<>();
    for (JournalEntry e : store.read(SCOPE, r -> r.journal(0, 1000))) {
      if (e.change().resourceType().equals("User")) {
        out.add(e.seq());
      }
    }
    return out;
  }
}
