package io.scimd.server.hardening;

import static io.scimd.core.schema.SchemaUrns.BULK_REQUEST;
import static io.scimd.core.schema.SchemaUrns.GROUP;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.scimd.server.http.TestServer;
import java.net.http.HttpResponse;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Password hashing (PBKDF2, about a third of a second each, on purpose) runs before a write takes
 * the store's single write lock: a bulk request full of passwords must not hold up other clients'
 * writes. It did: a 120-operation bulk with passwords held the lock for 38 s.
 */
class SlowPasswordHashTest {

  @Test
  void bulkWithManyPasswords_doesNotHoldUpOtherWrites() throws Exception {
    try (TestServer server = TestServer.start()) {
      StringBuilder ops = new StringBuilder();
      for (int i = 0; i < 4; i++) {
        ops.append(i == 0 ? "" : ",")
            .append("{\"method\":\"POST\",\"path\":\"/Users\",\"bulkId\":\"u")
            .append(i)
            .append("\",\"data\":{\"userName\":\"hashed-")
            .append(i)
            .append("\",\"password\":\"pw-")
            .append(i)
            .append("\"}}");
      }
      // failOnErrors: one transaction for all four, where hashing inside held the lock longest.
      String body =
          "{\"schemas\":[\""
              + BULK_REQUEST
              + "\"],\"failOnErrors\":1,\"Operations\":["
              + ops
              + "]}";
      long start = System.nanoTime();
      CompletableFuture<HttpResponse<String>> bulk =
          CompletableFuture.supplyAsync(() -> server.send("POST", "/scim/v2/Bulk", body));
      long slowest = 0;
      int writes = 0;
      while (!bulk.isDone()) {
        long sent = System.nanoTime();
        HttpResponse<String> small =
            server.send(
                "POST",
                "/scim/v2/Groups",
                "{\"schemas\":[\"" + GROUP + "\"],\"displayName\":\"meanwhile\"}");
        assertThat(small.statusCode()).as(small.body()).isEqualTo(201);
        slowest = Math.max(slowest, System.nanoTime() - sent);
        writes++;
        Thread.sleep(50);
      }
      HttpResponse<String> done = bulk.get(120, TimeUnit.SECONDS);
      long bulkNanos = System.nanoTime() - start;
      assertThat(done.statusCode()).as(done.body()).isEqualTo(200);
      for (JsonNode op : TestServer.json(done).path("Operations")) {
        assertThat(op.path("status").asText()).as(done.body()).isEqualTo("201");
      }
      assertThat(writes).as("writes sent while the bulk ran").isGreaterThan(1);
      assertThat(slowest)
          .as(
              "the slowest of %d writes during a bulk of %d ms, in ns",
              writes, bulkNanos / 1_000_000)
          .isLessThan(bulkNanos / 3);
    }
  }
}
