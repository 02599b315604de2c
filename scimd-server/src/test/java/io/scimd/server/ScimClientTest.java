package io.scimd.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scimd.client.BulkRequest;
import io.scimd.client.BulkResponse;
import io.scimd.client.Filters;
import io.scimd.client.Group;
import io.scimd.client.ListPage;
import io.scimd.client.Paging;
import io.scimd.client.Patch;
import io.scimd.client.ResourceTypeInfo;
import io.scimd.client.ScimClient;
import io.scimd.client.ScimClientException;
import io.scimd.client.ScimResource;
import io.scimd.client.ScimResources;
import io.scimd.client.SearchRequest;
import io.scimd.client.ServiceProviderConfig;
import io.scimd.client.User;
import io.scimd.core.schema.SchemaUrns;
import io.scimd.server.http.TestServer;
import java.net.URI;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** scimd-client against a started scimd on SQLite: every call of the client, as a real exchange. */
class ScimClientTest {
  TestServer server;
  ScimClient scim;

  @BeforeEach
  void start() {
    server = TestServer.start();
    scim =
        ScimClient.builder(URI.create(server.url(TestServer.SCIM)))
            .bearer(TestServer.TOKEN)
            .build();
  }

  @AfterEach
  void stop() {
    scim.close();
    server.close();
  }

  @Test
  void create_get_replace_delete_roundTrip() {
    User alice =
        scim.users().create(User.of("alice").withDisplayName("Alice").withEmail("a@example.com"));
    assertThat(alice.id()).isNotBlank();
    assertThat(alice.etag()).startsWith("W/\"");

    User read = scim.users().get(alice.id());
    assertThat(read.userName()).isEqualTo("alice");
    assertThat(read.email()).isEqualTo("a@example.com");
    assertThat(read.etag()).isEqualTo(alice.etag());

    User replaced = scim.users().replace(read.withDisplayName("Alice B").withActive(false));
    assertThat(replaced.displayName()).isEqualTo("Alice B");
    assertThat(replaced.active()).isFalse();
    assertThat(replaced.etag()).isNotEqualTo(alice.etag());

    scim.users().delete(alice.id());
    assertThatThrownBy(() -> scim.users().get(alice.id()))
        .isInstanceOfSatisfying(
            ScimClientException.class,
            e -> {
              assertThat(e.status()).isEqualTo(404);
              assertThat(e.kind()).isEqualTo(ScimClientException.Kind.HTTP);
              assertThat(e.unavailable()).isFalse();
            });
  }

  @Test
  void get_withAttributes_returnsOnlyThose() {
    ScimResource created =
        scim.resources("Users").create(User.of("bob").withDisplayName("B").json());
    ScimResource partial = scim.resources("Users").get(created.id(), "userName");
    assertThat(partial.text("userName")).isEqualTo("bob");
    assertThat(partial.json().has("displayName")).isFalse();
  }

  @Test
  void create_duplicateUserName_is409Uniqueness() {
    scim.users().create(User.of("dup"));
    assertThatThrownBy(() -> scim.users().create(User.of("DUP")))
        .isInstanceOfSatisfying(
            ScimClientException.class,
            e -> {
              assertThat(e.status()).isEqualTo(409);
              assertThat(e.scimType()).isEqualTo("uniqueness");
              assertThat(e.detail()).isNotBlank();
            });
  }

  @Test
  void replace_and_delete_withAStaleETag_are412_andChangeNothing() {
    ScimResources users = scim.resources("Users");
    ScimResource v1 = users.create(User.of("carol").json());
    ScimResource v2 =
        users.patch(v1.id(), Patch.builder().replace("displayName", "C2").build(), v1.etag()).get();
    assertThat(v2.etag()).isNotEqualTo(v1.etag());

    ObjectNode stale = v1.json().deepCopy().put("displayName", "lost update");
    assertThatThrownBy(() -> users.replace(v1.id(), stale, v1.etag()))
        .isInstanceOfSatisfying(
            ScimClientException.class, e -> assertThat(e.status()).isEqualTo(412));
    assertThatThrownBy(
            () -> users.patch(v1.id(), Patch.builder().remove("displayName").build(), v1.etag()))
        .isInstanceOfSatisfying(
            ScimClientException.class, e -> assertThat(e.status()).isEqualTo(412));
    assertThatThrownBy(() -> users.delete(v1.id(), v1.etag()))
        .isInstanceOfSatisfying(
            ScimClientException.class, e -> assertThat(e.status()).isEqualTo(412));
    assertThat(users.get(v1.id()).text("displayName")).isEqualTo("C2");

    users.delete(v1.id(), v2.etag());
    assertThat(users.list(Filters.eq("userName", "carol")).count()).isZero();
  }

  @Test
  void list_pagesByIndexAndByCursor_andByPostSearch_eachResourceOnce() {
    Set<String> created = new HashSet<>();
    IntStream.range(0, 23)
        .forEach(i -> created.add(scim.users().create(User.of("page-" + i)).id()));
    scim.users().create(User.of("other"));

    for (Paging paging : List.of(Paging.INDEX, Paging.CURSOR, Paging.AUTO)) {
      SearchRequest request =
          SearchRequest.builder()
              .filter(Filters.sw("userName", "page-"))
              .pageSize(5)
              .paging(paging)
              .build();
      List<String> listed = scim.resources("Users").list(request).map(ScimResource::id).toList();
      assertThat(listed).as(paging.name()).hasSize(23).containsExactlyInAnyOrderElementsOf(created);
      List<String> searched =
          scim.resources("Users").search(request).map(ScimResource::id).toList();
      assertThat(searched).as(paging.name()).containsExactlyInAnyOrderElementsOf(created);
    }

    ListPage first =
        scim.resources("Users")
            .page(SearchRequest.builder().pageSize(5).paging(Paging.CURSOR).build());
    assertThat(first.resources()).hasSize(5);
    assertThat(first.totalResults()).isEqualTo(24);
    assertThat(first.nextCursor()).isNotBlank();
  }

  @Test
  void filter_withAQuoteInTheValue_findsExactlyThatUser() {
    scim.users().create(User.of("o\"brien\\x"));
    scim.users().create(User.of("obrien"));

    List<User> found = scim.users().list(Filters.eq("userName", "o\"brien\\x")).toList();
    assertThat(found).extracting(User::userName).containsExactly("o\"brien\\x");
    // The injection a pasted filter would allow matches nothing here.
    assertThat(scim.users().list(Filters.eq("userName", "x\" or userName pr or \"")).count())
        .isZero();
    assertThat(
            scim.users()
                .list(
                    Filters.and(
                        Filters.pr("userName"), Filters.not(Filters.eq("userName", "obrien"))))
                .map(User::userName))
        .containsExactly("o\"brien\\x");
  }

  @Test
  void groups_withMembers_addedAndRemovedInChunks() {
    List<String> ids =
        IntStream.range(0, 12).mapToObj(i -> scim.users().create(User.of("m" + i)).id()).toList();
    Group g = scim.groups().create(Group.of("team").withMembers(ids.subList(0, 2)));
    assertThat(g.memberIds()).containsExactlyInAnyOrderElementsOf(ids.subList(0, 2));

    for (Patch p : Patch.memberChanges(ids.subList(2, 12), ids.subList(0, 1), 4)) {
      scim.groups().patch(g.id(), p, null);
    }
    Group after = scim.groups().get(g.id());
    assertThat(after.memberIds()).containsExactlyInAnyOrderElementsOf(ids.subList(1, 12));

    scim.groups().patch(g.id(), Patch.removeMembers(ids.subList(1, 11)), after.etag());
    assertThat(scim.groups().get(g.id()).memberIds()).containsExactly(ids.get(11));
    assertThat(
            scim.groups()
                .list(Filters.has("members", Filters.eq("value", ids.get(11))))
                .map(Group::displayName))
        .containsExactly("team");
  }

  @Test
  void bulk_createsWithBulkIds_andReportsEachOperation() {
    BulkResponse r =
        scim.bulk(
            BulkRequest.builder()
                .post("Users", "u1", User.of("bulk-user").json())
                .post(
                    "Groups", "g1", Group.of("bulk-group").withMembers(List.of("bulkId:u1")).json())
                .patch(
                    "Users",
                    "bulkId:u1",
                    Patch.builder().replace("displayName", "BU").build(),
                    null)
                .delete("Users", "no-such-id", null)
                .build());

    assertThat(r.results())
        .extracting(BulkResponse.Result::status)
        .containsExactly(201, 201, 200, 404);
    String userId = r.results().get(0).id();
    assertThat(scim.users().get(userId).displayName()).isEqualTo("BU");
    assertThat(scim.groups().get(r.results().get(1).id()).memberIds()).containsExactly(userId);
    assertThat(r.results().get(3).succeeded()).isFalse();
  }

  @Test
  void discovery_readsTheServersConfig_schemas_andResourceTypes() {
    ServiceProviderConfig spc = scim.serviceProviderConfig();
    assertThat(spc.patch()).isTrue();
    assertThat(spc.bulk()).isTrue();
    assertThat(spc.bulkMaxOperations()).isPositive();
    assertThat(spc.etag()).isTrue();
    assertThat(spc.filterMaxResults()).isPositive();
    assertThat(spc.pagination().cursor()).isTrue();
    assertThat(spc.pagination().maxPageSize()).isPositive();

    assertThat(scim.resourceTypes())
        .extracting(ResourceTypeInfo::name, ResourceTypeInfo::endpoint)
        .contains(
            org.assertj.core.groups.Tuple.tuple("User", "/Users"),
            org.assertj.core.groups.Tuple.tuple("Group", "/Groups"));
    assertThat(scim.schemas()).extracting(s -> s.path("id").asText()).contains(SchemaUrns.USER);
  }

  @Test
  void wrongToken_is401_andNotUnavailable() {
    try (ScimClient wrong =
        ScimClient.builder(URI.create(server.url(TestServer.SCIM))).bearer("wrong").build()) {
      assertThatThrownBy(() -> wrong.users().get("x"))
          .isInstanceOfSatisfying(
              ScimClientException.class,
              e -> {
                assertThat(e.status()).isEqualTo(401);
                assertThat(e.unavailable()).isFalse();
              });
    }
  }
}
