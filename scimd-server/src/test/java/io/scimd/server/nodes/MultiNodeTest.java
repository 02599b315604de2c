package io.scimd.server.nodes;

import static io.scimd.core.schema.SchemaUrns.BULK_REQUEST;
import static io.scimd.server.http.TestServer.patchBody;
import static io.scimd.server.http.TestServer.q;
import static io.scimd.server.http.TestServer.user;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import io.scimd.server.ServerConfig;
import io.scimd.server.http.TestServer;
import io.scimd.store.PgTestDatabase;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Three scimd nodes in-process on different ports and ONE PostgreSQL database, driven through HTTP
 * by many concurrent clients with conflicting writes, as a load balancer would spread them (issue
 * 3): the state afterwards is checked against exactly what the nodes acknowledged. Nodes share
 * nothing but the database, so any guarantee that held only within one node would fail here.
 */
class MultiNodeTest {
  static final int NODES = 3;

  static PgTestDatabase db;

  final List<TestServer> nodes = new ArrayList<>();
  final ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();

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

  /**
   * Starts the nodes at the same moment: on an empty database all of them bootstrap the one token.
   */
  @BeforeEach
  void startNodes() throws Exception {
    PgTestDatabase.require(db);
    List<Future<TestServer>> starting = new ArrayList<>();
    for (int i = 0; i < NODES; i++) {
      ServerConfig config = TestServer.config(db, 6);
      starting.add(pool.submit(() -> TestServer.start(config)));
    }
    for (Future<TestServer> f : starting) {
      nodes.add(f.get(60, TimeUnit.SECONDS));
    }
  }

  @AfterEach
  void stopNodes() {
    nodes.forEach(TestServer::close);
    pool.shutdownNow();
  }

  // ------------------------------------------------------------------ the cases

  @Test
  void memberAdds_toOneGroupThroughDifferentNodes_allLand() throws Exception {
    List<String> users =
        parallel(60, i -> created(send(i % NODES, "POST", "/Users", user("adder-" + i))));
    String group = created(send(0, "POST", "/Groups", "{\"displayName\":\"adders\"}"));

    List<Integer> statuses =
        parallel(
            60, i -> send(i % NODES, "PATCH", "/Groups/" + group, addMembers(users.get(i))).status);

    assertThat(statuses).allMatch(s -> s == 200 || s == 204);
    for (int n = 0; n < NODES; n++) {
      assertThat(memberIds(n, group))
          .as("members as node " + n + " reads them")
          .containsExactlyInAnyOrderElementsOf(users);
    }
  }

  @Test
  void createsOfOneUserName_onDifferentNodes_giveExactlyOne201() throws Exception {
    for (int round = 0; round < 5; round++) {
      String name = "dup-" + round;
      CountDownLatch go = new CountDownLatch(1);
      List<Resp> answers =
          parallel(
              12,
              i -> {
                go.await();
                return send(i % NODES, "POST", "/Users", user(name));
              },
              go);

      assertThat(answers.stream().filter(r -> r.status == 201)).as(name).hasSize(1);
      assertThat(answers.stream().filter(r -> r.status != 201))
          .hasSize(11)
          .allSatisfy(
              r -> {
                assertThat(r.status).as(r.text).isEqualTo(409);
                assertThat(r.json.path("scimType").asText()).isEqualTo("uniqueness");
              });
      assertThat(
              send(1, "GET", "/Users?filter=" + q("userName eq \"" + name + "\""), null)
                  .json
                  .path("totalResults")
                  .asInt())
          .isEqualTo(1);
    }
  }

  @Test
  void ifMatchWrites_onOneUserThroughDifferentNodes_loseNoUpdate() throws Exception {
    String id = created(send(0, "POST", "/Users", "{\"userName\":\"counter\",\"nickName\":\"0\"}"));
    // Each success records the counter value it saw; with no lost update they are 0, 1, 2... once
    // each.
    Set<Integer> seen = ConcurrentHashMap.newKeySet();
    AtomicInteger successes = new AtomicInteger();
    AtomicInteger preconditionFailures = new AtomicInteger();
    List<Integer> others = new ArrayList<>();
    parallel(
        9,
        w -> {
          for (int k = 0; k < 12; k++) {
            int node = (w + k) % NODES;
            Resp current = send(node, "GET", "/Users/" + id, null);
            String etag = current.headers.get("etag");
            int n = Integer.parseInt(current.json.path("nickName").asText());
            String next = Integer.toString(n + 1);
            Resp r =
                k % 2 == 0
                    ? send(
                        (node + 1) % NODES,
                        "PUT",
                        "/Users/" + id,
                        "{\"userName\":\"counter\",\"nickName\":\"" + next + "\"}",
                        "If-Match",
                        etag)
                    : send(
                        (node + 2) % NODES,
                        "PATCH",
                        "/Users/" + id,
                        patchBody(
                            "{\"op\":\"replace\",\"path\":\"nickName\",\"value\":\""
                                + next
                                + "\"}"),
                        "If-Match",
                        etag);
            if (r.status == 200 || r.status == 204) {
              successes.incrementAndGet();
              assertThat(seen.add(n)).as("two writes both replaced value " + n).isTrue();
              assertThat(r.headers.get("etag")).isNotEqualTo(etag);
            } else if (r.status == 412) {
              preconditionFailures.incrementAndGet();
            } else {
              synchronized (others) {
                others.add(r.status);
              }
            }
          }
          return null;
        });

    assertThat(others).as("neither a success nor a 412").isEmpty();
    assertThat(preconditionFailures.get()).as("the writers did collide").isPositive();
    int s = successes.get();
    assertThat(seen).containsExactlyInAnyOrderElementsOf(IntStream.range(0, s).boxed().toList());
    for (int n = 0; n < NODES; n++) {
      assertThat(send(n, "GET", "/Users/" + id, null).json.path("nickName").asText())
          .isEqualTo(Integer.toString(s));
    }
  }

  /**
   * RFC 7644 §3.7.3 through one node while others write: the failed bulk keeps its 21 operations
   * that succeeded and leaves nothing of the group whose member was missing (inserted, then undone
   * to its savepoint); the operation after it is not attempted.
   */
  @Test
  void bulkWithFailOnErrors_throughOneNode_whileOthersWrite_keepsWhatSucceeded() throws Exception {
    String side = created(send(0, "POST", "/Groups", "{\"displayName\":\"side\"}"));
    Future<List<String>> sideWrites =
        pool.submit(
            () ->
                parallel(
                    30,
                    i -> {
                      String id = created(send(1 + i % 2, "POST", "/Users", user("side-" + i)));
                      Resp r = send(2 - i % 2, "PATCH", "/Groups/" + side, addMembers(id));
                      assertThat(r.status).as(r.text).isIn(200, 204);
                      return id;
                    }));

    Resp failed = send(0, "POST", "/Bulk", bulk("bf", 20, true));
    Resp applied = send(0, "POST", "/Bulk", bulk("bo", 20, false));
    List<String> sideIds = sideWrites.get(60, TimeUnit.SECONDS);

    assertThat(failed.status).as(failed.text).isEqualTo(200);
    JsonNode failedOps = failed.json.path("Operations");
    assertThat(failedOps).as(failed.text).hasSize(22);
    for (int i = 0; i < 21; i++) {
      assertThat(failedOps.get(i).path("status").asText()).as(failed.text).isEqualTo("201");
    }
    assertThat(failedOps.get(21).path("status").asText()).as(failed.text).isEqualTo("400");
    assertThat(count(1, "/Users", "userName sw \"bf-\"")).isEqualTo(20);
    assertThat(count(2, "/Groups", "displayName eq \"bf-group\"")).isEqualTo(1);
    assertThat(count(2, "/Groups", "displayName eq \"bf-broken\""))
        .as("undone to its savepoint")
        .isZero();
    assertThat(count(1, "/Users", "userName eq \"bulk-never\"")).as("not attempted").isZero();

    assertThat(applied.status).as(applied.text).isEqualTo(200);
    assertThat(applied.json.path("Operations"))
        .hasSize(21)
        .allMatch(o -> o.path("status").asText().equals("201"));
    assertThat(count(1, "/Users", "userName sw \"bo-\"")).isEqualTo(20);
    JsonNode group =
        send(2, "GET", "/Groups?filter=" + q("displayName eq \"bo-group\""), null)
            .json
            .path("Resources")
            .path(0);
    assertThat(group.path("members")).hasSize(20);

    assertThat(memberIds(1, side)).containsExactlyInAnyOrderElementsOf(sideIds);
  }

  /**
   * Clients create user pairs and add each pair to one group with one PATCH, spread over the nodes;
   * one node is halted (connections dropped, its pool aborted) while requests are in flight, and
   * its clients fail over to the others. Every acknowledged write must be there; every write whose
   * answer was lost must be there entirely or not at all.
   */
  @Test
  void aNodeHaltedMidRun_othersCarryOn_andNothingAcknowledgedIsLostOrHalfApplied()
      throws Exception {
    String group = created(send(0, "POST", "/Groups", "{\"displayName\":\"survivors\"}"));
    int workers = 18;
    long runMillis = 6_000;
    long start = System.nanoTime();
    CountDownLatch killAt = new CountDownLatch(1);
    var halted = new java.util.concurrent.atomic.AtomicBoolean();
    Set<String> ackUsers = ConcurrentHashMap.newKeySet(); // ids answered 201
    Set<String> attemptedNames = ConcurrentHashMap.newKeySet();
    Map<String, String[]> ackPairs =
        new ConcurrentHashMap<>(); // pair name -> ids, PATCH answered 2xx
    Map<String, String[]> unknownPairs =
        new ConcurrentHashMap<>(); // PATCH sent, answer lost or 5xx
    AtomicInteger afterHaltSuccesses = new AtomicInteger();
    List<String> unexpected = new ArrayList<>();

    Future<?> killer =
        pool.submit(
            () -> {
              killAt.await();
              nodes.get(2).server.halt();
              halted.set(true);
              return null;
            });
    parallel(
        workers,
        w -> {
          for (int k = 0; Duration.ofNanos(System.nanoTime() - start).toMillis() < runMillis; k++) {
            if (w == 0 && k == 6
                || Duration.ofNanos(System.nanoTime() - start).toMillis() > runMillis / 2) {
              // mid-run: every worker has requests in flight (by time too, on a slow machine)
              killAt.countDown();
            }
            String pair = "k-" + w + "-" + k;
            String[] ids = new String[2];
            boolean ok = true;
            for (int j = 0; j < 2 && ok; j++) {
              String name = pair + (j == 0 ? "a" : "b");
              attemptedNames.add(name);
              Resp r = send(node(w + j, halted.get()), "POST", "/Users", user(name));
              if (r.status == 201) {
                ids[j] = r.json.path("id").asText();
                ackUsers.add(ids[j]);
              } else {
                ok = false;
                noteUnexpected(unexpected, r);
              }
            }
            if (!ok) {
              continue;
            }
            boolean wasHalted = halted.get();
            Resp r =
                send(
                    node(w + 2, wasHalted),
                    "PATCH",
                    "/Groups/" + group,
                    addMembers(ids[0], ids[1]));
            if (r.status == 200 || r.status == 204) {
              ackPairs.put(pair, ids);
              if (wasHalted) {
                afterHaltSuccesses.incrementAndGet();
              }
            } else {
              unknownPairs.put(pair, ids);
              noteUnexpected(unexpected, r);
            }
          }
          return null;
        });
    killer.get(30, TimeUnit.SECONDS);

    assertThat(unexpected)
        .as("answers other than lost ones and 5xx from the halted node")
        .isEmpty();
    assertThat(afterHaltSuccesses.get()).as("the surviving nodes carried on").isPositive();
    assertThat(ackPairs).as("work was done").hasSizeGreaterThan(20);

    Set<String> members = memberIds(0, group);
    for (String[] ids : ackPairs.values()) {
      assertThat(members).as("an acknowledged PATCH").contains(ids[0], ids[1]);
    }
    for (String[] ids : unknownPairs.values()) {
      assertThat(members.contains(ids[0]))
          .as("half of a PATCH applied")
          .isEqualTo(members.contains(ids[1]));
    }
    Set<String> expectedMembers = new HashSet<>();
    ackPairs.values().forEach(ids -> expectedMembers.addAll(List.of(ids)));
    unknownPairs.values().stream()
        .filter(ids -> members.contains(ids[0]))
        .forEach(ids -> expectedMembers.addAll(List.of(ids)));
    assertThat(members)
        .as("no member from nowhere")
        .containsExactlyInAnyOrderElementsOf(expectedMembers);

    for (String id : ackUsers) {
      assertThat(send(1, "GET", "/Users/" + id + "?attributes=userName", null).status)
          .as("acknowledged user " + id)
          .isEqualTo(200);
    }
    int stored = count(0, "/Users", "userName sw \"k-\"");
    assertThat(stored).isBetween(ackUsers.size(), attemptedNames.size());
    assertThat(count(1, "/Users", "userName sw \"k-\""))
        .as("both survivors count the same")
        .isEqualTo(stored);
    assertThat(send(0, "GET", "/health", null).status).isEqualTo(200);
  }

  // ------------------------------------------------------------------ helpers

  /**
   * The node worker {@code w} sends to: round robin, skipping node 2 once it is halted (failover).
   */
  static int node(int w, boolean halted) {
    return halted ? w % 2 : w % NODES;
  }

  /** Lost answers (-1) and 5xx are what a dying node may give; anything else is a defect. */
  static void noteUnexpected(List<String> unexpected, Resp r) {
    if (r.status != -1 && r.status < 500) {
      synchronized (unexpected) {
        unexpected.add(r.status + " " + r.text);
      }
    }
  }

  record Resp(int status, String text, JsonNode json, Map<String, String> headers) {}

  interface Task<T> {
    T run(int i) throws Exception;
  }

  /**
   * Runs {@code n} tasks at once on virtual threads; {@code release} opens once all are submitted.
   */
  <T> List<T> parallel(int n, Task<T> task, CountDownLatch... release) throws Exception {
    List<Future<T>> fs = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int k = i;
      fs.add(pool.submit(() -> task.run(k)));
    }
    for (CountDownLatch l : release) {
      l.countDown();
    }
    List<T> out = new ArrayList<>();
    for (Future<T> f : fs) {
      out.add(f.get(60, TimeUnit.SECONDS));
    }
    return out;
  }

  /**
   * Sends through node {@code n}; status -1 when the answer was lost (connection refused or reset).
   */
  Resp send(int n, String method, String path, String body, String... headers) {
    HttpResponse<String> r;
    try {
      r =
          nodes
              .get(n)
              .send(
                  method,
                  (path.startsWith("/health") ? "" : TestServer.SCIM) + path,
                  body,
                  headers);
    } catch (UncheckedIOException e) {
      return new Resp(-1, String.valueOf(e.getCause()), MissingNode.getInstance(), Map.of());
    }
    JsonNode json;
    try {
      json = r.body().isEmpty() ? MissingNode.getInstance() : TestServer.JSON.readTree(r.body());
    } catch (IOException e) {
      json = MissingNode.getInstance();
    }
    return new Resp(r.statusCode(), r.body(), json, TestServer.Raw.of(r).headers());
  }

  static String created(Resp r) {
    if (r.status != 201) {
      throw new AssertionError("expected 201, got " + r.status + ": " + r.text);
    }
    return r.json.path("id").asText();
  }

  static String addMembers(String... ids) {
    StringBuilder ops = new StringBuilder();
    for (String id : ids) {
      if (ops.length() > 0) {
        ops.append(',');
      }
      // One operation per member, as Entra sends them: a half-applied PATCH would show here.
      ops.append("{\"op\":\"add\",\"path\":\"members\",\"value\":[{\"value\":\"")
          .append(id)
          .append("\"}]}");
    }
    return patchBody(ops.toString());
  }

  /**
   * With failOnErrors 1: {@code users} POSTs of {@code prefix-i} and a group of all of them; when
   * {@code failing}, then a group with a member that does not exist and a user {@code bulk-never}.
   */
  static String bulk(String prefix, int users, boolean failing) {
    StringBuilder ops = new StringBuilder();
    StringBuilder members = new StringBuilder();
    for (int i = 0; i < users; i++) {
      ops.append("{\"method\":\"POST\",\"path\":\"/Users\",\"bulkId\":\"u")
          .append(i)
          .append("\",\"data\":")
          .append(user(prefix + "-" + i))
          .append("},");
      members.append(i == 0 ? "" : ",").append("{\"value\":\"bulkId:u").append(i).append("\"}");
    }
    ops.append(
            "{\"method\":\"POST\",\"path\":\"/Groups\",\"bulkId\":\"g\",\"data\":{\"displayName\":\"")
        .append(prefix)
        .append("-group\",\"members\":[")
        .append(members)
        .append("]}}");
    if (failing) {
      ops.append(
              ",{\"method\":\"POST\",\"path\":\"/Groups\",\"bulkId\":\"broken\",\"data\":{\"displayName\":\"")
          .append(prefix)
          .append(
              "-broken\",\"members\":[{\"value\":\"bulkId:u0\"},{\"value\":\"no-such-user\"}]}}");
      ops.append(",{\"method\":\"POST\",\"path\":\"/Users\",\"bulkId\":\"never\",\"data\":")
          .append(user("bulk-never"))
          .append("}");
    }
    return "{\"schemas\":[\""
        + BULK_REQUEST
        + "\"],\"failOnErrors\":1,\"Operations\":["
        + ops
        + "]}";
  }

  int count(int node, String endpoint, String filter) {
    Resp r = send(node, "GET", endpoint + "?count=0&filter=" + q(filter), null);
    assertThat(r.status).as(r.text).isEqualTo(200);
    return r.json.path("totalResults").asInt();
  }

  Set<String> memberIds(int node, String group) {
    Resp r = send(node, "GET", "/Groups/" + group + "?attributes=members", null);
    assertThat(r.status).as(r.text).isEqualTo(200);
    Set<String> ids = new HashSet<>();
    r.json.path("members").forEach(m -> ids.add(m.path("value").asText()));
    assertThat(ids).as("no member twice").hasSize(r.json.path("members").size());
    return ids;
  }
}
