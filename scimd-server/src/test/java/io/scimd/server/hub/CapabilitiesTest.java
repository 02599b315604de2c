package io.scimd.server.hub;

import static io.scimd.server.hub.WebhookReceiver.await;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.scimd.server.http.TestServer;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A scim target's capabilities: its profile combined with what its ServiceProviderConfig says (the
 * stricter wins), read when the target is saved, shown in its status, and respected in what is
 * sent. Downstreams: a second scimd (it supports everything), and the same behind a proxy that acts
 * as a small service whose ServiceProviderConfig says PATCH, Bulk and filters are not supported
 * (and that refuses them).
 */
class CapabilitiesTest {
  static final Duration LONG = Duration.ofSeconds(30);

  TestServer up;
  TestServer downstream;
  RecordingScimProxy proxy;
  final List<AutoCloseable> closing = new ArrayList<>();

  @BeforeEach
  void start() throws Exception {
    up = TestServer.start(HubOverHttpTest.config());
    downstream = TestServer.start();
    proxy = new RecordingScimProxy(downstream.url(""));
  }

  @AfterEach
  void stop() throws Exception {
    up.close();
    proxy.close();
    downstream.close();
  }

  JsonNode save(String name, String url, String profile) {
    HttpResponse<String> r =
        up.send(
            "POST",
            "/admin/v1/targets",
            "{\"name\":\""
                + name
                + "\",\"type\":\"scim\",\"url\":\""
                + url
                + "\",\"profile\":\""
                + profile
                + "\",\"auth\":{\"bearer\":\""
                + TestServer.TOKEN
                + "\"}}",
            "Content-Type",
            "application/json");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    return TestServer.json(r).path("status").path("capabilities");
  }

  @Test
  void aSecondScimdSupportsEverything_andABuiltInProfileStaysStricter() {
    JsonNode rfc = save("full", downstream.url(TestServer.SCIM), "rfc");
    assertThat(rfc.path("source").asText())
        .as(rfc.toString())
        .isEqualTo("profile+ServiceProviderConfig");
    assertThat(rfc.path("serviceProviderConfig").path("patch").asBoolean()).isTrue();
    assertThat(rfc.path("serviceProviderConfig").path("bulk").asBoolean()).isTrue();
    assertThat(rfc.path("effective").path("patch").asBoolean()).isTrue();
    assertThat(rfc.path("effective").path("filter").asBoolean()).isTrue();
    assertThat(rfc.path("effective").path("bulk").asBoolean()).isTrue();

    // AWS's profile says no Bulk: the target's own yes does not lift it.
    JsonNode aws = save("aws", downstream.url(TestServer.SCIM), "aws");
    assertThat(aws.path("serviceProviderConfig").path("bulk").asBoolean()).isTrue();
    assertThat(aws.path("effective").path("bulk").asBoolean()).as(aws.toString()).isFalse();
    assertThat(aws.path("effective").path("maxMembersPerPatch").asInt()).isEqualTo(100);

    // The same shows in GET and in the list.
    JsonNode shown =
        TestServer.json(up.send("GET", "/admin/v1/targets/aws", null))
            .path("status")
            .path("capabilities");
    assertThat(shown.path("effective")).isEqualTo(aws.path("effective"));
  }

  @Test
  void aTargetWithoutPatchOrFiltersGetsPutsAndNoFilters() {
    proxy.actSmall();
    JsonNode caps = save("small", proxy.url(TestServer.SCIM), "rfc");
    assertThat(caps.path("effective").path("patch").asBoolean()).as(caps.toString()).isFalse();
    assertThat(caps.path("effective").path("filter").asBoolean()).isFalse();
    assertThat(caps.path("effective").path("bulk").asBoolean()).isFalse();
    assertThat(caps.path("effective").path("filterMaxResults").asInt()).isEqualTo(50);

    TestServer.Client scim = up.scim();
    String ada = scim.createUser("ada");
    String grace = scim.createUser("grace");
    String admins = scim.createGroup("admins");
    scim.patchOk(
        "/Groups/" + admins,
        "{\"op\":\"add\",\"path\":\"members\",\"value\":[{\"value\":\""
            + ada
            + "\"},{\"value\":\""
            + grace
            + "\"}]}");
    await(LONG, () -> members("admins").size() == 2, "the group with both members");
    scim.patchOk(
        "/Groups/" + admins,
        "{\"op\":\"remove\",\"path\":\"members[value eq \\\"" + grace + "\\\"]\"}");
    await(LONG, () -> members("admins").size() == 1, "grace removed: " + members("admins"));

    assertThat(proxy.requests("PATCH", "/")).as("no PATCH reaches it").isEmpty();
    assertThat(proxy.requests())
        .as("no filter reaches it")
        .noneMatch(r -> r.query() != null && r.query().contains("filter="));
    assertThat(proxy.requests("PUT", "/scim/v2/Groups/")).isNotEmpty();
    JsonNode status =
        TestServer.json(up.send("GET", "/admin/v1/targets/small", null)).path("status");
    assertThat(status.path("deadLetters").asInt()).as(status.toString()).isZero();
  }

  @Test
  void aTargetWhoseConfigCannotBeReadWorksFromItsProfile_andSaysSo() throws Exception {
    int closed;
    try (ServerSocket s = new ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    JsonNode caps = save("gone", "http://127.0.0.1:" + closed + "/scim/v2", "aws");
    assertThat(caps.path("source").asText()).as(caps.toString()).isEqualTo("profile");
    assertThat(caps.path("detail").asText()).contains("could not be read");
    assertThat(caps.path("effective").path("profile").asText()).isEqualTo("aws");
    assertThat(caps.path("effective").path("patch").asBoolean()).isTrue();
  }

  private List<String> members(String group) {
    JsonNode found =
        downstream
            .scim()
            .list("/Groups?filter=" + TestServer.q("displayName eq \"" + group + "\""))
            .path("Resources");
    List<String> out = new ArrayList<>();
    if (found.size() == 1) {
      for (JsonNode m : found.get(0).path("members")) {
        out.add(m.path("value").asText());
      }
    }
    return out;
  }
}
