package io.scimd.sync.events;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.scimd.store.Change;
import io.scimd.store.JournalEntry;
import io.scimd.store.Member;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class SecurityEventsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Instant AT = Instant.parse("2026-12-01T10:00:00Z");
  private static final Instant NOW = Instant.parse("2026-12-01T10:00:05Z");
  private static final SecurityEvents EVENTS =
      new SecurityEvents(
          (tenant, type) ->
              switch (type) {
                case "User" -> Optional.of("/Users");
                case "Group" -> Optional.of("/Groups");
                case "Agent" -> Optional.of("/Agents");
                default -> Optional.empty();
              });
  private static final SecurityEvents.Recipient TO =
      new SecurityEvents.Recipient(
          "acme", "siem", "https://scimd.example/tenants/acme", List.of("https://siem.example"));

  private static JournalEntry entry(long seq, Change change) {
    return new JournalEntry(
        "acme", seq, AT, "client:c1", "okta", "10.0.0.1", "req-" + seq, change, "{}");
  }

  private static ObjectNode json(String text) throws Exception {
    return (ObjectNode) JSON.readTree(text);
  }

  private static ObjectNode claims(JournalEntry e, EventSelection s) {
    return EVENTS.claims(e, TO, s, null, NOW).orElseThrow();
  }

  @Test
  void createFull_carriesTheResourceAsCreatedAndTheSetClaims() throws Exception {
    JournalEntry e =
        entry(
            7,
            new Change.Created(
                "User",
                "u1",
                json(
                    "{\"schemas\":[\"urn:ietf:params:scim:schemas:core:2.0:User\"],"
                        + "\"userName\":\"bjensen\",\"externalId\":\"bj\",\"active\":true}"),
                List.of("password")));

    ObjectNode set = claims(e, EventSelection.ALL_FULL);

    assertThat(set.get("iss").asText()).isEqualTo("https://scimd.example/tenants/acme");
    assertThat(set.get("iat").asLong()).isEqualTo(NOW.getEpochSecond());
    assertThat(set.get("toe").asLong()).isEqualTo(AT.getEpochSecond());
    assertThat(set.get("aud").asText()).isEqualTo("https://siem.example");
    assertThat(set.get("txn").asText()).isEqualTo("req-7");
    assertThat(set.get("jti").asText()).isEqualTo(SecurityEvents.jti("acme", "siem", 7));
    assertThat(set.get("sub_id"))
        .isEqualTo(json("{\"format\":\"scim\",\"uri\":\"/Users/u1\",\"externalId\":\"bj\"}"));
    assertThat(SecurityEvents.eventUris(set))
        .containsExactly("urn:ietf:params:scim:event:prov:create:full");
    JsonNode data = set.path("events").path(ScimEvent.CREATE_FULL.uri()).path("data");
    assertThat(data.get("id").asText()).isEqualTo("u1");
    assertThat(data.get("userName").asText()).isEqualTo("bjensen");
    assertThat(data.has("password")).isFalse();
    assertThat(set.path("events").path(ScimEvent.CREATE_FULL.uri()).get("version").asText())
        .isEqualTo("W/\"1\"");
  }

  @Test
  void createNotice_namesTheAttributesWithoutValues_redactedIncluded() throws Exception {
    JournalEntry e =
        entry(
            1,
            new Change.Created(
                "User", "u1", json("{\"userName\":\"bjensen\"}"), List.of("password")));

    ObjectNode set = claims(e, EventSelection.ALL_NOTICE);

    JsonNode ev = set.path("events").path(ScimEvent.CREATE_NOTICE.uri());
    assertThat(ev.has("data")).isFalse();
    assertThat(ev.get("attributes")).isEqualTo(JSON.readTree("[\"id\",\"userName\",\"password\"]"));
  }

  @Test
  void patch_isAPatchOpOfTheChange_andDeactivationIsAddedToTheSameSet() throws Exception {
    JournalEntry e =
        entry(
            3,
            new Change.Patched(
                "User",
                "u1",
                4,
                List.of(
                    new Change.AttributeChange(
                        "active", BooleanNode.TRUE, BooleanNode.FALSE, false),
                    new Change.AttributeChange("nickName", new TextNode("Babs"), null, false),
                    new Change.AttributeChange("password", null, null, true))));

    ObjectNode set = claims(e, EventSelection.ALL_FULL);

    assertThat(SecurityEvents.eventUris(set))
        .containsExactly(ScimEvent.PATCH_FULL.uri(), ScimEvent.DEACTIVATE.uri());
    assertThat(set.path("events").path(ScimEvent.PATCH_FULL.uri()))
        .isEqualTo(
            json(
                "{\"data\":{\"schemas\":[\"urn:ietf:params:scim:api:messages:2.0:PatchOp\"],"
                    + "\"Operations\":[{\"op\":\"replace\",\"path\":\"active\",\"value\":false},"
                    + "{\"op\":\"remove\",\"path\":\"nickName\"}]},\"version\":\"W/\\\"4\\\"\"}"));
    assertThat(set.path("events").path(ScimEvent.DEACTIVATE.uri())).isEqualTo(json("{}"));
  }

  @Test
  void sessionRevoked_forADeactivatedOrDeletedUserOrAgent_onlyWhenSelected_neverForAGroup() {
    EventSelection caep = new EventSelection(java.util.Set.of(ScimEvent.SESSION_REVOKED));
    Change.Patched deactivated =
        new Change.Patched(
            "Agent",
            "a1",
            2,
            List.of(
                new Change.AttributeChange("active", BooleanNode.TRUE, BooleanNode.FALSE, false)));
    ObjectNode set = claims(entry(1, deactivated), caep);
    assertThat(SecurityEvents.eventUris(set)).containsExactly(ScimEvent.SESSION_REVOKED.uri());
    JsonNode ev = set.path("events").path(ScimEvent.SESSION_REVOKED.uri());
    assertThat(ev.path("event_timestamp").asLong()).isEqualTo(set.path("toe").asLong());
    assertThat(ev.path("initiating_entity").asText()).isEqualTo("admin");
    assertThat(ev.path("reason_admin").path("en").asText()).contains("deactivated");

    Change.Deleted user =
        new Change.Deleted("User", "u1", 3, JsonNodeFactory.instance.objectNode(), List.of());
    assertThat(SecurityEvents.eventUris(claims(entry(2, user), caep)))
        .containsExactly(ScimEvent.SESSION_REVOKED.uri());
    Change.Deleted group =
        new Change.Deleted("Group", "g1", 3, JsonNodeFactory.instance.objectNode(), List.of());
    assertThat(EVENTS.claims(entry(3, group), TO, caep, null, NOW)).isEmpty();
    // Not selected: the SCIM events only.
    assertThat(SecurityEvents.eventUris(claims(entry(4, deactivated), EventSelection.ALL_FULL)))
        .doesNotContain(ScimEvent.SESSION_REVOKED.uri());
  }

  @Test
  void activation_onlyWhenActiveBecomesTrue_andOnlyWhenSelected() {
    Change.Patched activated =
        new Change.Patched(
            "User",
            "u1",
            2,
            List.of(
                new Change.AttributeChange("active", BooleanNode.FALSE, BooleanNode.TRUE, false)));
    Change.Patched renamed =
        new Change.Patched(
            "User",
            "u1",
            3,
            List.of(new Change.AttributeChange("displayName", null, new TextNode("B"), false)));
    EventSelection onlyActivation =
        new EventSelection(java.util.Set.of(ScimEvent.ACTIVATE, ScimEvent.DEACTIVATE));

    assertThat(SecurityEvents.eventUris(claims(entry(1, activated), onlyActivation)))
        .containsExactly(ScimEvent.ACTIVATE.uri());
    assertThat(EVENTS.claims(entry(2, renamed), TO, onlyActivation, null, NOW)).isEmpty();
  }

  @Test
  void patchNotice_namesThePaths() {
    Change.Replaced put =
        new Change.Replaced(
            "User",
            "u1",
            5,
            List.of(
                new Change.AttributeChange("displayName", null, new TextNode("B"), false),
                new Change.AttributeChange(
                    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
                    new TextNode("x"),
                    null,
                    false)));

    ObjectNode set = claims(entry(1, put), EventSelection.ALL_NOTICE);

    JsonNode ev = set.path("events").path(ScimEvent.PUT_NOTICE.uri());
    assertThat(ev.path("attributes").get(0).asText()).isEqualTo("displayName");
    assertThat(ev.path("attributes").get(1).asText())
        .isEqualTo("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager");
    assertThat(ev.get("version").asText()).isEqualTo("W/\"5\"");
  }

  @Test
  void putFull_needsTheResource_withoutItOnlyTheOtherEventsRemain() throws Exception {
    Change.Replaced put =
        new Change.Replaced(
            "User",
            "u1",
            5,
            List.of(new Change.AttributeChange("active", null, BooleanNode.FALSE, false)));
    JournalEntry e = entry(9, put);
    ObjectNode resource =
        json(
            "{\"id\":\"u1\",\"userName\":\"b\",\"active\":false,\"externalId\":\"ext\","
                + "\"meta\":{\"version\":\"W/\\\"5\\\"\"}}");

    assertThat(EVENTS.wantsResource(e, EventSelection.ALL_FULL)).isTrue();
    assertThat(EVENTS.wantsResource(e, EventSelection.ALL_NOTICE)).isFalse();
    ObjectNode full = EVENTS.claims(e, TO, EventSelection.ALL_FULL, resource, NOW).orElseThrow();
    assertThat(full.path("events").path(ScimEvent.PUT_FULL.uri()).get("data")).isEqualTo(resource);
    assertThat(full.path("sub_id").get("externalId").asText()).isEqualTo("ext");
    ObjectNode without = claims(e, EventSelection.ALL_FULL);
    assertThat(SecurityEvents.eventUris(without)).containsExactly(ScimEvent.DEACTIVATE.uri());
  }

  @Test
  void members_arePatchesOfTheGroup() {
    Change.MembersAdded added =
        new Change.MembersAdded(
            "Group", "g1", List.of(new Member("u1", "User", "Babs"), new Member("u2", "User")));
    Change.MembersRemoved removed =
        new Change.MembersRemoved(
            "Group", "g1", List.of(new Member("u1", "User"), new Member("u\"2", "User")), true);

    ObjectNode a = claims(entry(1, added), EventSelection.ALL_FULL);
    ObjectNode r = claims(entry(2, removed), EventSelection.ALL_FULL);
    ObjectNode n = claims(entry(2, removed), EventSelection.ALL_NOTICE);

    assertThat(a.path("sub_id").get("uri").asText()).isEqualTo("/Groups/g1");
    JsonNode addOp = a.path("events").path(ScimEvent.PATCH_FULL.uri()).path("data");
    assertThat(addOp.path("Operations").get(0).get("op").asText()).isEqualTo("add");
    assertThat(addOp.path("Operations").get(0).get("path").asText()).isEqualTo("members");
    assertThat(addOp.path("Operations").get(0).get("value").get(0).get("display").asText())
        .isEqualTo("Babs");
    assertThat(
            r.path("events")
                .path(ScimEvent.PATCH_FULL.uri())
                .path("data")
                .path("Operations")
                .get(0)
                .get("path")
                .asText())
        .isEqualTo("members[value eq \"u1\" or value eq \"u\\\"2\"]");
    assertThat(
            n.path("events").path(ScimEvent.PATCH_NOTICE.uri()).get("attributes").get(0).asText())
        .isEqualTo("members");
  }

  @Test
  void delete_isADeleteEventWithTheLastExternalId() throws Exception {
    JournalEntry e =
        entry(4, new Change.Deleted("User", "u1", 3, json("{\"externalId\":\"bj\"}"), List.of()));

    ObjectNode set = claims(e, EventSelection.ALL_NOTICE);

    assertThat(SecurityEvents.eventUris(set)).containsExactly(ScimEvent.DELETE.uri());
    assertThat(set.path("events").get(ScimEvent.DELETE.uri())).isEqualTo(json("{}"));
    assertThat(set.path("sub_id").get("externalId").asText()).isEqualTo("bj");
  }

  @Test
  void scimdsOwnRecordsAndAuthFailures_areNoEvents() throws Exception {
    JournalEntry target =
        entry(1, new Change.Created("Target", "siem", json("{\"type\":\"ssf\"}"), List.of()));
    JournalEntry failure =
        entry(
            2,
            new Change.AuthFailed(
                "10.0.0.9", Change.AuthFailed.Reason.UNKNOWN, 3, AT, AT, "node-1", null));

    assertThat(EVENTS.isEvent(target)).isFalse();
    assertThat(EVENTS.isEvent(failure)).isFalse();
    assertThat(EVENTS.claims(target, TO, EventSelection.ALL_FULL, null, NOW)).isEmpty();
    assertThat(EVENTS.claims(failure, TO, EventSelection.ALL_FULL, null, NOW)).isEmpty();
  }

  @Test
  void jti_isStablePerEntryAndStream_andGivesTheEntryBack() {
    String jti = SecurityEvents.jti("acme", "siem", 42);

    assertThat(SecurityEvents.jti("acme", "siem", 42)).isEqualTo(jti);
    assertThat(SecurityEvents.jti("acme", "other", 42)).isNotEqualTo(jti);
    assertThat(SecurityEvents.jti("other", "siem", 42)).isNotEqualTo(jti);
    assertThat(SecurityEvents.seqOf(jti, "acme", "siem")).isEqualTo(OptionalLong.of(42));
    assertThat(SecurityEvents.seqOf(jti, "acme", "other")).isEmpty();
    assertThat(SecurityEvents.seqOf("x-" + jti.substring(3), "acme", "siem")).isEmpty();
    assertThat(SecurityEvents.seqOf("garbage", "acme", "siem")).isEmpty();
    assertThat(SecurityEvents.seqOf("99999999999999999999-abc", "acme", "siem")).isEmpty();
  }

  @Test
  void selection_keepsTheRegisteredUrisOnly_exactlyAsRegistered() {
    EventSelection s =
        EventSelection.requested(
            List.of(
                "urn:ietf:params:scim:event:prov:create:notice",
                "urn:ietf:params:SCIM:event:prov:delete",
                "https://schemas.openid.net/secevent/caep/event-type/session-revoked",
                "urn:ietf:params:scim:event:prov:deactivate"));

    assertThat(s.uris())
        .containsExactly(
            "urn:ietf:params:scim:event:prov:create:notice",
            "urn:ietf:params:scim:event:prov:deactivate",
            "https://schemas.openid.net/secevent/caep/event-type/session-revoked");
    assertThat(EventSelection.supported()).hasSize(11);
  }
}
