package io.scimd.server.hub;

import static io.scimd.server.hub.WebhookReceiver.await;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.scimd.server.ServerConfig;
import io.scimd.server.http.TestServer;
import io.scimd.server.hub.WebhookReceiver.Answer;
import io.scimd.server.hub.WebhookReceiver.Delivery;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The hub in a running server, over HTTP: targets saved through the admin API, changes made through
 * SCIM, and a real webhook receiver on 127.0.0.1 that checks every signature, answering as each
 * test makes it (failing, throttling, gone, refusing).
 */
class HubOverHttpTest {
  static final Duration SOON = Duration.ofSeconds(3);

  TestServer server;
  WebhookReceiver receiver;

  /** A server whose workers back off quickly and dead-letter after two refusals. */
  static ServerConfig config() {
    ServerConfig c = TestServer.config();
    return c.withHub(
        c.hub()
            .withDelivery(
                true,
                c.hub()
                    .delivery()
                    .withBackoff(Duration.ofMillis(100), Duration.ofSeconds(1))
                    .withMaxAttempts(2)));
  }

  void start() throws Exception {
    server = TestServer.start(config());
    receiver = new WebhookReceiver();
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
    if (receiver != null) {
      receiver.close();
    }
  }

  HttpResponse<String> admin(String method, String path, String body) {
    return body == null
        ? server.send(method, path, null)
        : server.send(method, path, body, "Content-Type", "application/json");
  }

  /** Saves a webhook target to the receiver and hands the receiver the secret scimd made. */
  JsonNode addTarget(String name) {
    HttpResponse<String> r =
        admin(
            "POST",
            "/admin/v1/targets",
            "{\"name\":\"" + name + "\",\"type\":\"webhook\",\"url\":\"" + receiver.url() + "\"}");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    JsonNode t = TestServer.json(r);
    assertThat(t.path("secret").asText()).startsWith("whsec_");
    receiver.secret(t.path("secret").asText());
    return t;
  }

  @Test
  void everyChangeArrivesOnce_inOrderForEachResource_signed_withinMilliseconds() throws Exception {
    start();
    HttpResponse<String> created =
        admin(
            "POST",
            "/admin/v1/targets",
            "{\"name\":\"crm\",\"type\":\"webhook\",\"url\":\"" + receiver.url() + "\"}");
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    assertThat(created.headers().firstValue("Location").orElseThrow())
        .isEqualTo(server.url("/admin/v1/targets/crm"));
    String secret = TestServer.json(created).path("secret").asText();
    assertThat(secret).startsWith("whsec_");
    receiver.secret(secret);

    // The secret was shown once: never again, in the target or in the list.
    HttpResponse<String> shown = admin("GET", "/admin/v1/targets/crm", null);
    assertThat(shown.statusCode()).isEqualTo(200);
    assertThat(shown.body()).doesNotContain(secret).doesNotContain("\"secret\"");
    assertThat(admin("GET", "/admin/v1/targets", null).body()).doesNotContain(secret);
    assertThat(TestServer.json(shown).path("url").asText()).isEqualTo(receiver.url());

    TestServer.Client scim = server.scim();
    String ada = scim.createUser("ada");
    scim.patchOk(
        "/Users/" + ada, "{\"op\":\"replace\",\"path\":\"displayName\",\"value\":\"Ada L\"}");
    String admins = scim.createGroup("admins");
    scim.patchOk(
        "/Groups/" + admins,
        "{\"op\":\"add\",\"path\":\"members\",\"value\":[{\"value\":\"" + ada + "\"}]}");
    assertThat(scim.delete("/Users/" + ada).statusCode()).isEqualTo(204);
    assertThat(scim.delete("/Groups/" + admins).statusCode()).isEqualTo(204);

    await(
        SOON,
        () -> receiver.accepted().stream().anyMatch(d -> d.what().equals("Group deleted")),
        "the last change delivered: " + receiver.all());
    List<Delivery> got = receiver.accepted();
    assertThat(got).allSatisfy(d -> assertThat(d.signed()).as(d.toString()).isTrue());
    assertThat(got.stream().map(Delivery::seq).toList()).doesNotHaveDuplicates();
    assertThat(got.stream().map(Delivery::id).toList()).doesNotHaveDuplicates();
    // The changes of one resource arrive in order; those of different resources go in parallel.
    assertThat(ofResource(got, ada))
        .containsExactly("User created", "User patched", "User deleted");
    assertThat(ofResource(got, admins))
        .containsExactly(
            "Group created",
            "Group members_added",
            "Group members_removed", // ada deleted leaves the group
            "Group deleted");
    // Each arrived within milliseconds of its write: the writing node wakes its workers.
    for (Delivery d : got) {
      assertThat(
              Duration.between(
                  java.time.Instant.ofEpochSecond(d.body().path("iat").asLong()), d.at()))
          .isLessThan(Duration.ofSeconds(2));
    }

    // The receiver answered before the worker recorded the step: the status follows shortly.
    await(
        SOON, () -> status("crm").path("state").asText().equals("idle"), "idle: " + status("crm"));
    JsonNode status = status("crm");
    assertThat(status.path("pending").asLong()).isZero();
    assertThat(status.path("delivered").asLong()).isGreaterThanOrEqualTo(got.size());
    assertThat(status.path("deadLetters").asLong()).isZero();
  }

  /** What arrived about one resource, in the order it arrived. */
  private static List<String> ofResource(List<Delivery> got, String id) {
    return got.stream()
        .filter(d -> d.event().path("id").asText().equals(id))
        .map(Delivery::what)
        .toList();
  }

  @Test
  void aTargetInJournalOrder_andFailing_getsEverythingInOrderOnceItRecovers() throws Exception {
    start();
    // concurrency 1: every change after the previous one, across resources too.
    HttpResponse<String> r =
        admin(
            "POST",
            "/admin/v1/targets",
            "{\"name\":\"crm\",\"type\":\"webhook\",\"concurrency\":1,\"url\":\""
                + receiver.url()
                + "\"}");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    receiver.secret(TestServer.json(r).path("secret").asText());
    receiver.script(new Answer(500, null), new Answer(503, null), new Answer(500, null));
    TestServer.Client scim = server.scim();
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      ids.add(scim.createUser("user" + i));
    }
    await(SOON, () -> receiver.accepted().size() >= 4, "4 delivered: " + receiver.all());
    List<Delivery> got = receiver.accepted();
    assertThat(got.stream().map(d -> d.event().path("id").asText()).toList()).isEqualTo(ids);
    assertThat(got).allSatisfy(d -> assertThat(d.signed()).isTrue());
    assertThat(receiver.all()).hasSizeGreaterThanOrEqualTo(7);
    // The failures were all of the first change: nothing after it went ahead of it.
    assertThat(receiver.all().subList(0, 4).stream().map(Delivery::seq).distinct()).hasSize(1);
  }

  @Test
  void aRewoundTarget_getsEverythingAgainFromThere_underTheSameIds() throws Exception {
    start();
    addTarget("crm");
    TestServer.Client scim = server.scim();
    scim.createUser("one");
    await(SOON, () -> receiver.accepted().size() == 1, "1: " + receiver.all());
    java.time.Instant between = java.time.Instant.now();
    Thread.sleep(5);
    scim.createUser("two");
    scim.createUser("three");
    await(SOON, () -> receiver.accepted().size() == 3, "3: " + receiver.all());
    List<Delivery> before = receiver.accepted();
    long firstSeq = before.stream().mapToLong(Delivery::seq).min().orElseThrow();

    // From a journal entry: all three again, under the ids they had.
    HttpResponse<String> r =
        admin("POST", "/admin/v1/targets/crm/rewind", "{\"seq\": " + firstSeq + "}");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(TestServer.json(r).at("/status/nextSeq").asLong()).isEqualTo(firstSeq);
    await(SOON, () -> receiver.accepted().size() == 6, "6: " + receiver.all());
    assertThat(receiver.accepted().subList(3, 6).stream().map(Delivery::id))
        .containsExactlyInAnyOrderElementsOf(before.stream().map(Delivery::id).toList());

    // From an instant: the two made after it.
    r =
        admin(
            "POST",
            "/admin/v1/targets/crm/rewind",
            "{\"at\": \"" + between.atOffset(java.time.ZoneOffset.UTC) + "\"}");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    await(SOON, () -> receiver.accepted().size() == 8, "8: " + receiver.all());
    assertThat(receiver.accepted().subList(6, 8).stream().map(d -> d.event().path("id")))
        .doesNotContain(before.get(0).event().path("id"));

    // Refused, naming what to fix; nothing moves.
    assertThat(admin("POST", "/admin/v1/targets/crm/rewind", "{}").statusCode()).isEqualTo(400);
    HttpResponse<String> both =
        admin(
            "POST",
            "/admin/v1/targets/crm/rewind",
            "{\"seq\": 1, \"at\": \"2026-01-01T00:00:00Z\"}");
    assertThat(both.statusCode()).isEqualTo(400);
    assertThat(both.body()).contains("not both");
    HttpResponse<String> ahead = admin("POST", "/admin/v1/targets/crm/rewind", "{\"seq\": 999999}");
    assertThat(ahead.statusCode()).isEqualTo(400);
    assertThat(ahead.body()).contains("the journal holds entries");
    assertThat(
            admin("POST", "/admin/v1/targets/crm/rewind", "{\"at\": \"yesterday\"}").statusCode())
        .isEqualTo(400);
    assertThat(admin("GET", "/admin/v1/targets/crm/rewind", null).statusCode()).isEqualTo(405);
    assertThat(admin("POST", "/admin/v1/targets/nope/rewind", "{\"seq\": 1}").statusCode())
        .isEqualTo(404);
    Thread.sleep(200);
    assertThat(receiver.accepted()).hasSize(8);
  }

  @Test
  void retryAfterIsHonoured() throws Exception {
    start();
    addTarget("crm");
    receiver.script(new Answer(429, "1"));
    server.scim().createUser("throttled");
    await(SOON, () -> receiver.accepted().size() == 1, "delivered: " + receiver.all());
    List<Delivery> all = receiver.all();
    assertThat(all).hasSize(2);
    assertThat(all.get(0).answered()).isEqualTo(429);
    assertThat(Duration.between(all.get(0).at(), all.get(1).at()))
        .isGreaterThanOrEqualTo(Duration.ofMillis(950));
    assertThat(all.get(1).id()).isEqualTo(all.get(0).id());
  }

  @Test
  void aReceiverThatWasDownGetsWhatItMissed() throws Exception {
    start();
    addTarget("crm");
    server.scim().createUser("before");
    await(SOON, () -> receiver.accepted().size() == 1, "delivered: " + receiver.all());
    receiver.stop();
    server.scim().createUser("while-down-1");
    server.scim().createUser("while-down-2");
    Thread.sleep(500);
    JsonNode down = TestServer.json(admin("GET", "/admin/v1/targets/crm", null)).path("status");
    assertThat(down.path("pending").asLong()).isGreaterThanOrEqualTo(2);
    assertThat(down.path("lastError").asText()).isNotEmpty();
    receiver.restart();
    await(Duration.ofSeconds(5), () -> receiver.accepted().size() == 3, "3: " + receiver.all());
    assertThat(
            receiver.accepted().stream()
                .map(d -> d.event().path("change").toString().contains("while-down-2"))
                .toList())
        .containsExactly(false, false, true);
  }

  @Test
  void aRefusedChangeIsDeadLetteredShownAndReplayed() throws Exception {
    start();
    addTarget("crm");
    receiver.otherwise(400);
    String refused = server.scim().createUser("refused");
    await(SOON, () -> deadLetters("crm").size() == 1, "dead-lettered: " + receiver.all());
    JsonNode letter = deadLetters("crm").get(0);
    assertThat(letter.path("resourceType").asText()).isEqualTo("User");
    assertThat(letter.path("resourceId").asText()).isEqualTo(refused);
    assertThat(letter.path("error").asText()).contains("400");
    JsonNode status = TestServer.json(admin("GET", "/admin/v1/targets/crm", null)).path("status");
    assertThat(status.path("deadLetters").asLong()).isEqualTo(1);

    // The changes after it go on.
    receiver.otherwise(200);
    String next = server.scim().createUser("next");
    await(SOON, () -> receiver.accepted().size() == 1, "next delivered: " + receiver.all());
    assertThat(receiver.accepted().get(0).event().path("id").asText()).isEqualTo(next);

    HttpResponse<String> missing =
        admin("POST", "/admin/v1/targets/crm/dead-letters/replay", "{\"seq\": 99999}");
    assertThat(missing.statusCode()).as(missing.body()).isEqualTo(404);
    HttpResponse<String> replay =
        admin(
            "POST",
            "/admin/v1/targets/crm/dead-letters/replay",
            "{\"seq\": " + letter.path("seq").asLong() + "}");
    assertThat(replay.statusCode()).as(replay.body()).isEqualTo(200);
    assertThat(TestServer.json(replay).path("replayed").asInt()).isEqualTo(1);
    await(SOON, () -> receiver.accepted().size() == 2, "replayed: " + receiver.all());
    assertThat(receiver.accepted().get(1).event().path("id").asText()).isEqualTo(refused);
    assertThat(receiver.accepted().get(1).signed()).isTrue();
    await(SOON, () -> deadLetters("crm").isEmpty(), "the dead letter is gone once delivered");
  }

  @Test
  void theDeletionGuardHoldsABurstUntilApproved() throws Exception {
    start();
    HttpResponse<String> r =
        admin(
            "POST",
            "/admin/v1/targets",
            "{\"name\":\"crm\",\"type\":\"webhook\",\"url\":\""
                + receiver.url()
                + "\",\"deletionGuard\":{\"maxDeletions\":2,\"windowSeconds\":60}}");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    receiver.secret(TestServer.json(r).path("secret").asText());
    TestServer.Client scim = server.scim();
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      ids.add(scim.createUser("leaving" + i));
    }
    await(SOON, () -> receiver.accepted().size() == 3, "created: " + receiver.all());
    for (String id : ids) {
      assertThat(scim.delete("/Users/" + id).statusCode()).isEqualTo(204);
    }
    await(
        SOON,
        () ->
            TestServer.json(admin("GET", "/admin/v1/targets/crm", null))
                .path("status")
                .path("state")
                .asText()
                .equals("paused"),
        "the guard pauses the target");
    JsonNode held = TestServer.json(admin("GET", "/admin/v1/targets/crm", null)).path("status");
    assertThat(held.path("pausedReason").asText()).contains("deletion guard");
    assertThat(receiver.accepted()).hasSizeLessThan(6);
    HttpResponse<String> approved = admin("POST", "/admin/v1/targets/crm/approve", null);
    assertThat(approved.statusCode()).as(approved.body()).isEqualTo(200);
    await(
        SOON,
        () ->
            receiver.accepted().stream().filter(d -> d.what().equals("User deleted")).count() == 3,
        "deletions delivered after approval: " + receiver.all());
  }

  JsonNode status(String target) {
    return TestServer.json(admin("GET", "/admin/v1/targets/" + target, null)).path("status");
  }

  List<JsonNode> deadLetters(String target) {
    HttpResponse<String> r = admin("GET", "/admin/v1/targets/" + target + "/dead-letters", null);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    List<JsonNode> out = new ArrayList<>();
    TestServer.json(r).path("deadLetters").forEach(out::add);
    return out;
  }

  @Test
  void pauseHoldsChangesAndResumeSendsThem() throws Exception {
    start();
    addTarget("crm");
    HttpResponse<String> paused =
        admin("POST", "/admin/v1/targets/crm/pause", "{\"reason\":\"maintenance\"}");
    assertThat(paused.statusCode()).as(paused.body()).isEqualTo(200);
    assertThat(TestServer.json(paused).path("status").path("state").asText()).isEqualTo("paused");
    assertThat(TestServer.json(paused).path("status").path("pausedReason").asText())
        .isEqualTo("maintenance");
    server.scim().createUser("held");
    Thread.sleep(400);
    assertThat(receiver.all()).isEmpty();
    assertThat(admin("POST", "/admin/v1/targets/crm/resume", null).statusCode()).isEqualTo(200);
    await(SOON, () -> receiver.accepted().size() == 1, "delivered after resume");
  }

  @Test
  void badDefinitionsAnswer400NamingWhatToFix() throws Exception {
    start();
    String url = receiver.url();
    assertProblem(
        admin(
            "POST",
            "/admin/v1/targets",
            "{\"name\":\"a\",\"type\":\"webhook\",\"url\":\"ftp://x/\"}"),
        400,
        "'url'");
    assertProblem(
        admin("POST", "/admin/v1/targets", "{\"name\":\"a\",\"type\":\"carrier-pigeon\"}"),
        400,
        "unknown target type 'carrier-pigeon'");
    assertProblem(
        admin(
            "POST",
            "/admin/v1/targets",
            "{\"name\":\"a\",\"type\":\"webhook\",\"url\":\"" + url + "\",\"secret\":\"hunter2\"}"),
        400,
        "whsec_");
    assertProblem(
        admin(
            "POST",
            "/admin/v1/targets",
            "{\"name\":\"a\",\"type\":\"webhook\",\"url\":\"" + url + "\",\"colour\":\"red\"}"),
        400,
        "'colour'");
    assertProblem(
        admin("POST", "/admin/v1/targets", "{\"name\":\"Not A Name\",\"type\":\"webhook\"}"),
        400,
        "invalid target name");
    assertProblem(admin("POST", "/admin/v1/targets", "[1]"), 400, "JSON object");
    assertProblem(admin("POST", "/admin/v1/targets", "{nope"), 400, "JSON");

    String given = "whsec_" + java.util.Base64.getEncoder().encodeToString(new byte[32]);
    HttpResponse<String> withSecret =
        admin(
            "POST",
            "/admin/v1/targets",
            "{\"name\":\"crm\",\"type\":\"webhook\",\"url\":\""
                + url
                + "\",\"secret\":\""
                + given
                + "\"}");
    assertThat(withSecret.statusCode()).as(withSecret.body()).isEqualTo(201);
    assertThat(withSecret.body()).doesNotContain(given).doesNotContain("\"secret\"");
    assertProblem(
        admin(
            "POST",
            "/admin/v1/targets",
            "{\"name\":\"crm\",\"type\":\"webhook\",\"url\":\"" + url + "\"}"),
        409,
        "crm");
    assertProblem(admin("GET", "/admin/v1/targets/nope", null), 404, "nope");
    assertProblem(admin("DELETE", "/admin/v1/targets/nope", null), 404, "nope");
    assertProblem(admin("PUT", "/admin/v1/targets/nope", "{\"url\":\"" + url + "\"}"), 404, "nope");
    assertProblem(admin("POST", "/admin/v1/targets/nope/pause", null), 404, "nope");
    assertProblem(admin("GET", "/admin/v1/targets/nope/dead-letters", null), 404, "nope");
    assertProblem(admin("PATCH", "/admin/v1/targets/crm", "{}"), 405, "PUT");
    assertProblem(
        admin("PUT", "/admin/v1/targets/crm", "{\"type\":\"scim\",\"url\":\"" + url + "\"}"),
        400,
        "'type' cannot change");

    // A new secret on PUT: shown once when scimd makes it, the given one never.
    HttpResponse<String> put =
        admin("PUT", "/admin/v1/targets/crm", "{\"url\":\"" + url + "\",\"timeoutMs\":2000}");
    assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
    assertThat(TestServer.json(put).path("timeoutMs").asInt()).isEqualTo(2000);
    assertThat(put.body()).doesNotContain(given);
    assertThat(admin("DELETE", "/admin/v1/targets/crm", null).statusCode()).isEqualTo(204);
    assertThat(admin("GET", "/admin/v1/targets/crm", null).statusCode()).isEqualTo(404);
  }

  @Test
  void theHubKeyIsMadeOwnerOnlyAndRefusedWhenOthersMayReadIt() throws Exception {
    start();
    var key = server.dataDir.resolve(HubKey.FILE);
    assertThat(Files.getPosixFilePermissions(key))
        .isEqualTo(PosixFilePermissions.fromString("rw-------"));
    server.close();
    server = null;
    Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-r--r--"));
    ServerConfig again = TestServer.config().withHub(HubSettings.DEFAULTS.withKeyFile(key));
    try {
      TestServer.start(again).close();
      throw new AssertionError("a world-readable hub key was accepted");
    } catch (IllegalArgumentException e) {
      assertThat(e.getMessage()).contains("hub key").contains("chmod 600");
    }
  }

  static void assertProblem(HttpResponse<String> r, int status, String detail) {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
    assertThat(r.headers().firstValue("Content-Type").orElse(""))
        .startsWith("application/problem+json");
    assertThat(TestServer.json(r).path("detail").asText()).contains(detail);
  }
}
