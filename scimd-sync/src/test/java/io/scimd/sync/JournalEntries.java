package io.scimd.sync;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.scimd.store.Change;
import io.scimd.store.JournalEntry;
import java.time.Instant;
import java.util.List;

/** Journal entries for the sinks' tests: what a delivery worker reads, made to order. */
public final class JournalEntries {
  private JournalEntries() {}

  /** Tenant {@code acme}'s entry {@code seq}: user {@code userId} deleted by the IdP. */
  public static JournalEntry userDeleted(long seq, String userId) {
    return new JournalEntry(
        "acme",
        seq,
        Instant.parse("2026-01-02T03:04:05Z"),
        "client:c1",
        "okta",
        null,
        "req-" + seq,
        new Change.Deleted("User", userId, 3, JsonNodeFactory.instance.objectNode(), List.of()),
        "{}");
  }
}
