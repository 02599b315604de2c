package io.scimd.server.hub;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scimd.store.Change;
import io.scimd.store.JournalEntry;
import java.nio.charset.StandardCharsets;

/**
 * The body a webhook target receives for one change: a security event token's claims, unsigned (the
 * webhook signature authenticates it), {@code {"jti": "<tenant>-<seq>", "iat", "txn": <request id>,
 * "events": {<event URI>: {"resourceType", "id", "change": <the journal's record>}}}}.
 *
 * <p>A stand-in until the hub's SET builder ({@code io.scimd.sync.events}) lands: that builder owns
 * the event URIs of the SCIM events draft and the full resource in each event; the integrator
 * replaces {@link #of} with it in {@link HubNode}.
 */
public final class JournalPayload {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String EVENT = "urn:ietf:params:SCIM:event:prov:";

  private JournalPayload() {}

  public static byte[] of(JournalEntry e) {
    ObjectNode body = JSON.createObjectNode();
    body.put("jti", e.tenant() + "-" + e.seq());
    body.put("iat", e.at().getEpochSecond());
    body.put("txn", e.requestId());
    ObjectNode event = body.putObject("events").putObject(EVENT + event(e.change().kind()));
    event.put("resourceType", e.change().resourceType());
    event.put("id", e.change().resourceId());
    event.put("kind", e.change().kind().wire());
    event.set("change", change(e.json()));
    return body.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static String event(Change.Kind kind) {
    return switch (kind) {
      case CREATED -> "create:notice";
      case REPLACED -> "put:notice";
      case DELETED -> "delete";
      default -> "patch:notice";
    };
  }

  private static JsonNode change(String json) {
    try {
      return JSON.readTree(json);
    } catch (JsonProcessingException e) {
      return JSON.getNodeFactory().textNode(json);
    }
  }
}
