package io.scimd.access;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scimd.core.schema.SchemaRegistry;
import io.scimd.store.Member;
import io.scimd.store.Scope;
import io.scimd.store.Store;
import io.scimd.store.jdbc.Stores;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The access model alone, on a real SQLite store: definitions checked and compiled, and the engine
 * deciding over the store as it is now, without a server in between.
 */
class EntitlementsTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final Scope SCOPE = Scope.system(Scope.DEFAULT_TENANT, "test");

  @TempDir Path dir;
  Store store;
  SchemaRegistry registry = SchemaRegistry.builtIn();
  AccessModel access;
  String ada;
  String ops;
  String oncall;

  @BeforeEach
  void open() {
    store = Stores.sqlite(dir, registry, InstantSource.system());
    access = new AccessModel(store, registry);
    ada = insert("User", "{\"userName\":\"ada\",\"title\":\"SRE\"}");
    ops = insert("Group", "{\"displayName\":\"ops\"}");
    oncall = insert("Group", "{\"displayName\":\"oncall\"}");
    // ada is in oncall, which is in ops.
    store.write(SCOPE, tx -> tx.addMembers(oncall, List.of(new Member(ada, "User"))));
    store.write(SCOPE, tx -> tx.addMembers(ops, List.of(new Member(oncall, "Group"))));
  }

  @AfterEach
  void close() {
    store.close();
  }

  String insert(String type, String json) {
    return store.write(SCOPE, tx -> tx.insert(type, object(json))).id();
  }

  static ObjectNode object(String json) {
    try {
      return (ObjectNode) JSON.readTree(json);
    } catch (Exception e) {
      throw new IllegalArgumentException(e);
    }
  }

  void save(String json) {
    access.create(SCOPE, object(json));
  }

  JsonNode decide(String subject, String action) {
    return AuthZen.evaluation(
        access.now(SCOPE),
        object(
            "{\"subject\":{\"type\":\"user\",\"id\":\""
                + subject
                + "\"},\"action\":{\"name\":\""
                + action
                + "\"},\"resource\":{\"type\":\"application\",\"id\":\"pager\"}}"));
  }

  @Test
  void rolesComeThroughNestedGroups_andFilters_withTheirGrantPaths() {
    save(
        """
        {"name": "pager",
         "roles": [{"name": "responder", "permissions": ["ack"]},
                   {"name": "lead", "permissions": ["page"], "includes": ["responder"]}],
         "rules": [{"name": "ops", "groups": ["ops"], "roles": ["responder"]},
                   {"name": "sre-in-ops", "groups": ["ops"], "filter": "title eq \\"SRE\\"",
                    "roles": ["lead"]}]}
        """);
    Identity who = access.now(SCOPE).subject(Identity.Kind.USER, "ada").orElseThrow();
    Application app = access.now(SCOPE).application("pager").orElseThrow();
    Entitlements held = Entitlements.of(who, app, access.now(SCOPE));
    assertThat(held.roles().keySet()).containsExactlyInAnyOrder("responder", "lead");
    assertThat(held.roles().get("responder"))
        .extracting(Entitlements.Grant::rule)
        .containsExactly("ops", "sre-in-ops");
    Entitlements.Grant viaOps = held.roles().get("responder").get(0);
    assertThat(viaOps.group().display()).isEqualTo("ops");
    assertThat(viaOps.direct()).isFalse();
    assertThat(held.roles().get("responder").get(1).includedBy()).isEqualTo("lead");
    assertThat(held.actions(null)).containsExactlyInAnyOrder("responder", "lead", "ack", "page");
    assertThat(held.groups()).containsExactly("ops");

    assertThat(decide("ada", "page").path("decision").asBoolean()).isTrue();
    assertThat(decide("ada", "delete").path("decision").asBoolean()).isFalse();
  }

  @Test
  void includeCycles_andUnknownRoles_areRefusedWithTheCycleSpelledOut() {
    assertThatThrownBy(
            () ->
                save(
                    """
                    {"name": "pager",
                     "roles": [{"name": "a", "includes": ["b"]}, {"name": "b", "includes": ["c"]},
                               {"name": "c", "includes": ["a"]}],
                     "rules": [{"groups": ["ops"], "roles": ["d"]}]}
                    """))
        .isInstanceOf(AccessException.class)
        .satisfies(
            e -> {
              AccessException a = (AccessException) e;
              assertThat(a.status()).isEqualTo(400);
              assertThat(a.problems())
                  .anyMatch(p -> p.contains("a includes b includes c includes a"))
                  .anyMatch(p -> p.contains("unknown role \"d\""));
            });
    assertThat(access.list(Scope.DEFAULT_TENANT)).isEmpty();
  }

  @Test
  void aGroupNamedTwiceByDisplayName_mustBeNamedById() {
    insert("Group", "{\"displayName\":\"twin\"}");
    insert("Group", "{\"displayName\":\"twin\"}");
    assertThatThrownBy(
            () ->
                save(
                    "{\"name\":\"pager\",\"roles\":[{\"name\":\"r\"}],"
                        + "\"rules\":[{\"groups\":[\"twin\"],\"roles\":[\"r\"]}]}"))
        .hasMessageContaining("2 groups are named \"twin\": name the one you mean by its id");
  }

  @Test
  void historyBeforeAPrunedJournal_isRefused_notAnsweredAsIfNoOneExisted() throws Exception {
    java.time.Instant early = java.time.Instant.now();
    Thread.sleep(5);
    insert("User", "{\"userName\":\"later\"}");
    long head = store.read(SCOPE, r -> r.journal(0, 1000)).size();
    store.audit().prune(Scope.DEFAULT_TENANT, head);
    AccessHistory history = access.history(SCOPE);
    assertThatThrownBy(
            () -> history.subject(Identity.Kind.USER, "ada", early, java.time.Instant.now()))
        .isInstanceOf(AccessException.class)
        .hasMessageContaining("was pruned");
    // From the oldest entry kept on, it answers.
    assertThat(
            history
                .subject(
                    Identity.Kind.USER, "later", java.time.Instant.now(), java.time.Instant.now())
                .toString())
        .contains("later");
  }

  @Test
  void batchSemantics_andPaging_areTheSpecifications() {
    save(
        "{\"name\":\"pager\",\"roles\":[{\"name\":\"responder\",\"permissions\":[\"ack\"]}],"
            + "\"rules\":[{\"groups\":[\"ops\"],\"roles\":[\"responder\"]}]}");
    for (int i = 0; i < 5; i++) {
      String u = insert("User", "{\"userName\":\"u" + i + "\"}");
      store.write(SCOPE, tx -> tx.addMembers(oncall, List.of(new Member(u, "User"))));
    }
    Directory now = access.now(SCOPE);
    String search =
        "{\"subject\":{\"type\":\"user\"},\"action\":{\"name\":\"ack\"},"
            + "\"resource\":{\"type\":\"application\",\"id\":\"pager\"},\"page\":{\"limit\":4%s}}";
    JsonNode first = AuthZen.searchSubject(now, object(search.formatted("")));
    assertThat(first.path("page").path("count").asInt()).isEqualTo(4);
    assertThat(first.path("page").path("total").asInt()).isEqualTo(6);
    JsonNode rest =
        AuthZen.searchSubject(
            now,
            object(
                search.formatted(
                    ",\"token\":\"" + first.path("page").path("next_token").asText() + "\"")));
    assertThat(rest.path("page").path("count").asInt()).isEqualTo(2);
    assertThat(rest.path("page").path("next_token").asText()).isEmpty();
    assertThatThrownBy(
            () -> AuthZen.searchSubject(now, object(search.formatted(",\"token\":\"bm9wZQ\""))))
        .hasMessageContaining("page.token");
  }
}
