package io.scimd.sync.events;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scimd.store.JournalEntry;
import java.util.Optional;

/**
 * What a journal entry changed in the tenant's access model (the applications and subjects whose
 * entitlements may differ now), as the payload of {@link ScimEvent#ACCESS_CHANGED}; the server
 * gives the access model's answer, and the hub only carries it.
 */
@FunctionalInterface
public interface AccessChanges {
  /** No access model: no such events. */
  AccessChanges NONE = entry -> Optional.empty();

  /** The payload, or empty when the entry changes no one's entitlements. */
  Optional<ObjectNode> of(JournalEntry entry);
}
