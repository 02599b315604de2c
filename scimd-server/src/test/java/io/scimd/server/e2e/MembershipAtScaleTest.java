package io.scimd.server.e2e;

import static io.scimd.core.schema.SchemaUrns.BULK_REQUEST;
import static io.scimd.core.schema.SchemaUrns.USER;
import static io.scimd.server.http.TestServer.assertScimError;
import static io.scimd.server.http.TestServer.json;
import static io.scimd.server.http.TestServer.patchBody;
import static io.scimd.server.http.TestServer.q;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.scimd.server.http.TestServer;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.StringJoiner;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Membership traffic the way IdPs generate it at scale: Entra's parallel PATCHes to one group (a
 * read-modify-write server loses members), batches far above AWS IAM Identity Center's 100 changes
 * per PATCH, and membership lookups that must not load the member list.
 */
class MembershipAtScaleTest {
  TestServer server;
  TestServer.Client idp;

  @BeforeEach
  void start() {
    server = TestServer.start();
    idp = server.client("Accept", "application/scim+json");
  }

  @AfterEach
  void stop() {
    server.close();
  }

  /** Creates {@code n} users in one bulk request (RFC 7644 §3.7) and returns their ids in order. */
  List<String> bulkUsers(String prefix, int n) {
    StringJoiner ops = new StringJoiner(",");
    for (int i = 0; i < n; i++) {
      ops.add(
          "{\"method\":\"POST\",\"path\":\"/Users\",\"bulkId\":\"u"
              + i
              + "\",\"data\":{\"schemas\":[\""
              + USER
              + "\"],\"userName\":\""
              + prefix
              + i
              + "@example.com\"}}");
    }
    HttpResponse<String> r =
        idp.send(
            "POST",
            "/scim/v2/Bulk",
            "{\"schemas\":[\"" + BULK_REQUEST + "\"],\"Operations\":[" + ops + "]}");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    List<String> ids = new ArrayList<>();
    for (JsonNode op : json(r).path("Operations")) {
      assertThat(op.path("status").asText()).as(op.toString()).isEqualTo("201");
      String location = op.path("location").asText();
      ids.add(location.substring(location.lastIndexOf('/') + 1));
    }
    assertThat(ids).hasSize(n);
    return ids;
  }

  static String values(List<String> ids) {
    StringJoiner j = new StringJoiner(",", "[", "]");
    ids.forEach(id -> j.add("{\"value\":\"" + id + "\"}"));
    return j.toString();
  }

  @Test
  void parallelMemberPatches_toOneGroup_loseNoMember() throws Exception {
    List<String> users = bulkUsers("par", 240);
    String gid = idp.createGroup("Parallel");
    String group = "/scim/v2/Groups/" + gid;
    ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    ExecutorService pool = Executors.newFixedThreadPool(16);
    try {
      List<Future<?>> futures = new ArrayList<>();
      // 240 single-member Adds, in 16 threads, the way Entra fans out one group's changes.
      for (String u : users) {
        futures.add(
            pool.submit(
                () -> {
                  HttpResponse<String> r =
                      idp.send(
                          "PATCH",
                          group,
                          patchBody(
                              "{\"op\":\"Add\",\"path\":\"members\",\"value\":[{\"value\":\""
                                  + u
                                  + "\"}]}"));
                  if (r.statusCode() != 200 && r.statusCode() != 204) {
                    failures.add(r.statusCode() + " " + r.body());
                  }
                }));
      }
      for (Future<?> f : futures) {
        f.get();
      }
      assertThat(failures)
          .as("every parallel PATCH succeeds (no 409/412/500 under contention)")
          .isEmpty();
      assertThat(idp.memberIds(gid)).containsExactlyInAnyOrderElementsOf(users);

      // Then parallel removals of every other member, mixed with re-adds of the ones that stay.
      futures.clear();
      List<String> removed = new ArrayList<>();
      List<String> kept = new ArrayList<>();
      for (int i = 0; i < users.size(); i++) {
        (i % 2 == 0 ? removed : kept).add(users.get(i));
      }
      for (String u : removed) {
        futures.add(
            pool.submit(
                () -> {
                  HttpResponse<String> r =
                      idp.send(
                          "PATCH",
                          group,
                          patchBody(
                              "{\"op\":\"Remove\",\"path\":\"members\",\"value\":[{\"value\":\""
                                  + u
                                  + "\"}]}"));
                  if (r.statusCode() != 200 && r.statusCode() != 204) {
                    failures.add(r.statusCode() + " " + r.body());
                  }
                }));
      }
      for (String u : kept) {
        futures.add(
            pool.submit(
                () -> {
                  HttpResponse<String> r =
                      idp.send(
                          "PATCH",
                          group,
                          patchBody(
                              "{\"op\":\"add\",\"path\":\"members\",\"value\":[{\"value\":\""
                                  + u
                                  + "\"}]}"));
                  if (r.statusCode() != 200 && r.statusCode() != 204) {
                    failures.add(r.statusCode() + " " + r.body());
                  }
                }));
      }
      for (Future<?> f : futures) {
        f.get();
      }
      assertThat(failures).isEmpty();
      assertThat(idp.memberIds(gid)).containsExactlyInAnyOrderElementsOf(kept);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void parallelPatches_ofOneUserIntoManyGroups_allLand() throws Exception {
    String user = idp.createUser("everywhere@example.com");
    List<String> groups = Collections.synchronizedList(new ArrayList<>());
    for (int i = 0; i < 24; i++) {
      groups.add(idp.createGroup("G" + i));
    }
    ExecutorService pool = Executors.newFixedThreadPool(12);
    try {
      List<Future<HttpResponse<String>>> futures = new ArrayList<>();
      for (String g : groups) {
        futures.add(
            pool.submit(
                () ->
                    idp.send(
                        "PATCH",
                        "/scim/v2/Groups/" + g,
                        patchBody(
                            "{\"op\":\"Add\",\"path\":\"members\",\"value\":[{\"value\":\""
                                + user
                                + "\"}]}"))));
      }
      for (Future<HttpResponse<String>> f : futures) {
        assertThat(f.get().statusCode()).as(f.get().body()).isIn(200, 204);
      }
    } finally {
      pool.shutdownNow();
    }
    JsonNode u = idp.read("/scim/v2/Users/" + user);
    List<String> of = new ArrayList<>();
    u.path("groups").forEach(g -> of.add(g.path("value").asText()));
    assertThat(of).containsExactlyInAnyOrderElementsOf(groups);
  }

  @Test
  void thousandMembers_inOnePatch_thenRemovedInOnePatch_andChecksStayCheap() {
    List<String> users = bulkUsers("big", 1000);
    String gid = idp.createGroup("Big");
    String group = "/scim/v2/Groups/" + gid;
    // AWS IAM Identity Center caps a PATCH at 100 changes; scimd takes the whole batch at once.
    idp.patchOk(group, "{\"op\":\"add\",\"path\":\"members\",\"value\":" + values(users) + "}");
    JsonNode full = idp.read(group);
    assertThat(full.path("members").size()).isEqualTo(1000);

    // The list form with excludedAttributes=members carries no members, and the check finds one.
    JsonNode list =
        idp.read(
            "/scim/v2/Groups?excludedAttributes=members&filter=" + q("displayName eq \"Big\""));
    assertThat(list.path("Resources").get(0).has("members")).isFalse();
    String check = "id eq \"" + gid + "\" and members[value eq \"" + users.get(777) + "\"]";
    assertThat(
            idp.read("/scim/v2/Groups?excludedAttributes=members&filter=" + q(check))
                .path("totalResults")
                .asInt())
        .isEqualTo(1);
    // The older membership check form.
    String old = "id eq \"" + gid + "\" and members eq \"" + users.get(5) + "\"";
    assertThat(
            idp.read("/scim/v2/Groups?excludedAttributes=members&filter=" + q(old))
                .path("totalResults")
                .asInt())
        .isEqualTo(1);
    // attributes=displayName narrows to displayName plus id (returned: always); members are not in
    // it.
    JsonNode narrow = idp.read(group + "?attributes=displayName");
    assertThat(narrow.has("members")).isFalse();
    assertThat(narrow.path("id").asText()).isEqualTo(gid);

    // Removing 600 in one PATCH with a value array leaves exactly the other 400.
    idp.patchOk(
        group,
        "{\"op\":\"remove\",\"path\":\"members\",\"value\":" + values(users.subList(0, 600)) + "}");
    assertThat(idp.memberIds(gid)).containsExactlyInAnyOrderElementsOf(users.subList(600, 1000));
    // One member removal by value filter removes one.
    idp.patchOk(
        group, "{\"op\":\"remove\",\"path\":\"members[value eq \\\"" + users.get(999) + "\\\"]\"}");
    assertThat(idp.memberIds(gid)).hasSize(399);
    // Replace with [] is the only way to clear everything.
    idp.patchOk(group, "{\"op\":\"replace\",\"path\":\"members\",\"value\":[]}");
    assertThat(idp.memberIds(gid)).isEmpty();
  }

  @Test
  void serviceProviderConfig_publishesTheLimitsItEnforces() {
    HttpResponse<String> r =
        server.sendRaw(
            "GET", "/scim/v2/ServiceProviderConfig", null, "Accept", "application/scim+json");
    assertThat(r.statusCode()).isEqualTo(200);
    JsonNode spc = json(r);
    assertThat(spc.path("patch").path("supported").asBoolean()).isTrue();
    int maxOps = spc.path("bulk").path("maxOperations").asInt();
    assertThat(maxOps).isPositive();
    assertThat(spc.path("bulk").path("maxPayloadSize").asInt()).isPositive();
    assertThat(spc.path("filter").path("maxResults").asInt()).isPositive();
    assertThat(spc.path("authenticationSchemes").size()).isPositive();
    // One operation over the published maximum answers 413.
    StringJoiner ops = new StringJoiner(",");
    for (int i = 0; i <= maxOps; i++) {
      ops.add("{\"method\":\"DELETE\",\"path\":\"/Users/x" + i + "\"}");
    }
    HttpResponse<String> tooMany =
        idp.send(
            "POST",
            "/scim/v2/Bulk",
            "{\"schemas\":[\"" + BULK_REQUEST + "\"],\"Operations\":[" + ops + "]}");
    assertScimError(tooMany, 413, null);
    // A count above filter.maxResults is capped to it, not refused.
    JsonNode capped =
        idp.read("/scim/v2/Users?count=" + (spc.path("filter").path("maxResults").asInt() + 500));
    assertThat(capped.path("totalResults").asInt()).isZero();
  }
}
