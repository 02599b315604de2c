package io.scimd.server.hub;

import static io.scimd.server.hub.WebhookReceiver.await;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.scimd.server.ServerConfig;
import io.scimd.server.http.TestServer;
import io.scimd.server.hub.WebhookReceiver.Delivery;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Two nodes on one PostgreSQL database and one hub key: the node delivering to a target stops in
 * the middle of a stream of changes, the other takes the target over, and the receiver has every
 * change, first arrivals in journal order (a change the first node sent but did not record may
 * arrive twice, with the same webhook-id).
 */
class PostgresHubNodesTest {
  @RegisterExtension static final PostgresNodes PG = new PostgresNodes();

  WebhookReceiver receiver;

  @AfterEach
  void stop() {
    if (receiver != null) {
      receiver.close();
    }
  }

  static ServerConfig node() {
    return PG.config(
        hub ->
            hub.withDelivery(
                true,
                hub.delivery()
                    .withLease(Duration.ofMillis(100), Duration.ofSeconds(2))
                    .withBackoff(Duration.ofMillis(100), Duration.ofSeconds(1))));
  }

  @Test
  void theOtherNodeTakesOverAndNothingIsLost() throws Exception {
    receiver = new WebhookReceiver();
    TestServer first = PG.start(node());
    HttpResponse<String> created =
        first.send(
            "POST",
            "/admin/v1/targets",
            "{\"name\":\"crm\",\"type\":\"webhook\",\"url\":\"" + receiver.url() + "\"}",
            "Content-Type",
            "application/json");
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    receiver.secret(TestServer.json(created).path("secret").asText());
    List<String> ids = new ArrayList<>();
    ids.add(first.scim().createUser("u-first"));
    await(Duration.ofSeconds(3), () -> receiver.accepted().size() == 1, "the first node delivers");

    // The second node starts with the target's lease held by the first: the first delivers on.
    TestServer second = PG.start(node());
    for (int i = 0; i < 10; i++) {
      ids.add((i % 2 == 0 ? first : second).scim().createUser("u" + i));
    }
    first.close();
    for (int i = 10; i < 20; i++) {
      ids.add(second.scim().createUser("u" + i));
    }
    await(
        Duration.ofSeconds(10),
        () -> distinctIds().size() == ids.size(),
        "every change delivered: " + distinctIds().size() + " of " + ids.size());
    // Each user is one change: the users' changes go in parallel (per resource in order).
    assertThat(List.copyOf(distinctIds())).containsExactlyInAnyOrderElementsOf(ids);
    List<Delivery> got = receiver.accepted();
    assertThat(got).allSatisfy(d -> assertThat(d.signed()).isTrue());
    // The worker records its progress at most every 250 ms: the status catches up just after.
    await(
        Duration.ofSeconds(5),
        () -> status(second).path("pending").asLong() == 0,
        "nothing pending: " + status(second));
  }

  private static JsonNode status(TestServer node) {
    try {
      return TestServer.json(node.send("GET", "/admin/v1/targets/crm", null)).path("status");
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private Set<String> distinctIds() {
    Set<String> out = new LinkedHashSet<>();
    for (Delivery d : receiver.accepted()) {
      out.add(d.event().path("id").asText());
    }
    return out;
  }
}
