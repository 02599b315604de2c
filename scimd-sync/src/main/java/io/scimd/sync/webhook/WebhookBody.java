package io.scimd.sync.webhook;

import io.scimd.store.JournalEntry;

/** The body a webhook target receives for one change. */
@FunctionalInterface
public interface WebhookBody {
  /**
   * @param target the webhook target's name: the receiver the body is made for
   * @param issuer the {@code iss} the target's definition names
   */
  byte[] of(String target, String issuer, JournalEntry entry);
}
