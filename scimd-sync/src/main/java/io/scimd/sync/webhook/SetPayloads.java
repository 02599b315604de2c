package io.scimd.sync.webhook;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scimd.core.resource.PooledJson;
import io.scimd.store.JournalEntry;
import io.scimd.sync.events.EventSelection;
import io.scimd.sync.events.SecurityEvents;
import io.scimd.sync.ssf.SsfPushSink;
import java.time.InstantSource;
import java.util.List;
import java.util.Optional;

/**
 * Webhook bodies as the issue asks for them: the change as a Security Event Token's claims (RFC
 * 8417, with the RFC 9967 SCIM events), unsigned, since the Standard Webhooks signature
 * authenticates the delivery. Each body carries the {@code full} events (the resource's data, the
 * attributes patched, the members added or removed) with activate/deactivate beside them; the
 * {@code jti} is the same on every redelivery to the target. When the full event cannot be made (a
 * PUT of a resource deleted since), the notice is sent, so every change still arrives.
 */
public final class SetPayloads implements WebhookBody {
  private static final ObjectMapper JSON = PooledJson.mapper();

  private final SecurityEvents events;
  private final SsfPushSink.Resources resources;
  private final InstantSource clock;

  public SetPayloads(SecurityEvents events, SsfPushSink.Resources resources, InstantSource clock) {
    this.events = events;
    this.resources = resources;
    this.clock = clock;
  }

  /** Whether a change makes an event at all (a change of a resource with a SCIM endpoint). */
  public boolean isEvent(JournalEntry entry) {
    return events.isEvent(entry);
  }

  @Override
  public byte[] of(String target, String issuer, JournalEntry entry) {
    SecurityEvents.Recipient to =
        new SecurityEvents.Recipient(entry.tenant(), target, issuer, List.of());
    ObjectNode resource =
        events.wantsResource(entry, EventSelection.ALL_FULL)
            ? resources
                .read(entry.tenant(), entry.change().resourceType(), entry.change().resourceId())
                .orElse(null)
            : null;
    Optional<ObjectNode> claims =
        events.claims(entry, to, EventSelection.ALL_FULL, resource, clock.instant());
    if (claims.isEmpty()) {
      claims = events.claims(entry, to, EventSelection.ALL_NOTICE, null, clock.instant());
    }
    ObjectNode body =
        claims.orElseThrow(
            () -> new IllegalStateException("no event for journal entry " + entry.seq()));
    try {
      return JSON.writeValueAsBytes(body);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write the event of journal entry " + entry.seq(), e);
    }
  }
}
