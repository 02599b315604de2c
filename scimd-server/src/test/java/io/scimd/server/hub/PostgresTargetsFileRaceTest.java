package io.scimd.server.hub;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.scimd.server.ServerConfig;
import io.scimd.server.http.TestServer;
import io.scimd.sync.Delivery;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Two nodes of one PostgreSQL database started at the same time with the same {@code --targets}
 * file, as a deployment starts its nodes: both start, and the file's targets are saved once.
 */
class PostgresTargetsFileRaceTest {
  static final int TARGETS = 100;
  static final int ROUNDS = 2;

  @RegisterExtension static final PostgresNodes PG = new PostgresNodes();

  final ExecutorService pool = Executors.newFixedThreadPool(2);

  @AfterEach
  void stop() {
    pool.shutdownNow();
  }

  static ServerConfig node(Path file) {
    return PG.config(
        hub ->
            hub.withDelivery(false, Delivery.Settings.defaults())
                .withTargets(new TargetsFile(file, Map.of())));
  }

  @Test
  void twoNodesStartingWithTheSameFile_bothStart_andSaveEachTargetOnce() throws Exception {
    PG.db();
    Path dir = Files.createTempDirectory("targets-race");
    StringBuilder yaml = new StringBuilder("targets:\n");
    for (int i = 0; i < TARGETS; i++) {
      yaml.append("  - name: hook-")
          .append(i)
          .append("\n    type: webhook\n    url: http://127.0.0.1:9/h")
          .append(i)
          .append("\n    secret: ")
          .append(TargetsFileTest.WEBHOOK_SECRET)
          .append('\n');
    }
    Path file = Files.writeString(dir.resolve("targets.yaml"), yaml.toString());
    // The first start makes the key both nodes share, then the database is emptied again.
    TestServer.start(node(file)).close();
    for (int round = 0; round < ROUNDS; round++) {
      PG.db().truncate();
      // Threads of their own: the common pool of a 2-core machine runs one task at a time.
      CompletableFuture<TestServer> a =
          CompletableFuture.supplyAsync(() -> PG.start(node(file)), pool);
      CompletableFuture<TestServer> b =
          CompletableFuture.supplyAsync(() -> PG.start(node(file)), pool);
      TestServer first = a.join();
      TestServer second = b.join();
      for (TestServer node : List.of(first, second)) {
        JsonNode list = TestServer.json(node.send("GET", "/admin/v1/targets", null));
        Set<String> names = new HashSet<>();
        Set<Long> versions = new HashSet<>();
        for (JsonNode t : list.path("targets")) {
          names.add(t.path("name").asText());
          versions.add(t.path("meta").path("version").asLong());
        }
        assertThat(names).as("round " + round + ": " + list).hasSize(TARGETS);
        // Created once each: the node that lost the race changed nothing the other saved.
        assertThat(versions).as("round " + round).containsExactly(1L);
      }
      PG.stopAll();
    }
  }
}
