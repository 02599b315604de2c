package io.scimd.server.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scimd.core.schema.SchemaRegistry;
import io.scimd.server.events.SecurityEventsParts;
import io.scimd.store.PgTestDatabase;
import io.scimd.store.PoolSettings;
import io.scimd.store.Scope;
import io.scimd.store.Store;
import io.scimd.store.StoreFailure;
import io.scimd.store.jdbc.Stores;
import io.scimd.sync.Hub;
import io.scimd.sync.SecretBox;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a commit of planned targets throws, and what {@link TargetsFile#apply} retries: a target
 * saved meanwhile by another node or process is {@link Hub.ConcurrentChange} (planned again); any
 * other failure is thrown at once.
 */
class TargetsFileCommitTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Scope SCOPE = Scope.system(Scope.DEFAULT_TENANT, "test");

  @TempDir Path dir;

  static Hub hub(Store store) {
    SchemaRegistry registry = SchemaRegistry.builtIn();
    return HubNode.hub(
        store,
        new SecretBox(SecretBox.newKey()),
        registry,
        HubSettings.DEFAULTS,
        InstantSource.system(),
        SecurityEventsParts.offline(registry));
  }

  static ObjectNode hook(String name, String url) {
    return JSON.createObjectNode()
        .put("name", name)
        .put("type", "webhook")
        .put("url", url)
        .put("secret", TargetsFileTest.WEBHOOK_SECRET);
  }

  @Test
  void commit_afterAnotherSaveOfTheTarget_throwsConcurrentChange() {
    try (Store store = Stores.sqlite(dir, SchemaRegistry.builtIn(), InstantSource.system())) {
      Hub hub = hub(store);
      hub.create(SCOPE, hook("crm", "http://127.0.0.1:9/a"));
      List<Hub.Planned> plan = hub.plan(SCOPE, List.of(hook("crm", "http://127.0.0.1:9/b")));
      hub.update(SCOPE, "crm", hook("crm", "http://127.0.0.1:9/c"));

      assertThatThrownBy(() -> hub.commit(plan))
          .isInstanceOf(Hub.ConcurrentChange.class)
          .hasMessage(
              "the target 'crm' was changed meanwhile by another node or process: apply again");
    }
  }

  @Test
  void commit_afterAnotherCreatedTheTarget_throwsConcurrentChange() {
    try (Store store = Stores.sqlite(dir, SchemaRegistry.builtIn(), InstantSource.system())) {
      Hub hub = hub(store);
      List<Hub.Planned> plan = hub.plan(SCOPE, List.of(hook("crm", "http://127.0.0.1:9/b")));
      hub.create(SCOPE, hook("crm", "http://127.0.0.1:9/a"));

      assertThatThrownBy(() -> hub.commit(plan))
          .isInstanceOf(Hub.ConcurrentChange.class)
          .hasMessageContaining("'crm' was created meanwhile by another node or process");
    }
  }

  @Test
  void apply_databaseFailureOnCommit_isThrownWithoutPlanningAgain() throws Exception {
    try (PgTestDatabase db = PgTestDatabase.require(PgTestDatabase.createOrSkipEachTest());
        Store store =
            Stores.postgres(
                db.url(),
                SchemaRegistry.builtIn(),
                InstantSource.system(),
                PoolSettings.defaults())) {
      Hub hub = hub(store);
      // A real database failure on every insert of a target; the sequence, outside any
      // transaction, counts the commits that tried.
      try (Connection c = db.connect();
          Statement s = c.createStatement()) {
        s.execute("CREATE SEQUENCE commit_attempts");
        s.execute(
            "CREATE FUNCTION refuse_targets() RETURNS trigger AS $$ BEGIN"
                + " PERFORM nextval('commit_attempts'); RAISE EXCEPTION 'refused by the test';"
                + " END $$ LANGUAGE plpgsql");
        s.execute(
            "CREATE TRIGGER refuse BEFORE INSERT ON targets FOR EACH ROW"
                + " EXECUTE FUNCTION refuse_targets()");
      }
      StringBuilder yaml = new StringBuilder();
      for (int i = 0; i < 3; i++) {
        yaml.append(JSON.writeValueAsString(hook("hook-" + i, "http://127.0.0.1:9/h" + i)))
            .append(i < 2 ? ",\n" : "\n");
      }
      Path file = Files.writeString(dir.resolve("targets.json"), "[" + yaml + "]");

      assertThatThrownBy(
              () ->
                  new TargetsFile(file, Map.of())
                      .apply(hub, Scope.DEFAULT_TENANT, "targets-file", false))
          .isInstanceOf(StoreFailure.class)
          .hasMessageContaining("refused by the test");
      try (Connection c = db.connect();
          Statement s = c.createStatement();
          ResultSet rs = s.executeQuery("SELECT last_value FROM commit_attempts")) {
        rs.next();
        assertThat(rs.getLong(1)).as("commits tried").isEqualTo(1);
      }
    }
  }
}
