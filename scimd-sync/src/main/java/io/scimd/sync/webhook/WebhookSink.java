package io.scimd.sync.webhook;

import io.scimd.store.JournalEntry;
import io.scimd.sync.Http;
import io.scimd.sync.Outcome;
import io.scimd.sync.Poster;
import io.scimd.sync.Sink;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.time.InstantSource;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Delivers each change to a webhook receiver: one POST of the change as a security event payload,
 * signed as Standard Webhooks specifies ({@code webhook-id}, {@code webhook-timestamp}, {@code
 * webhook-signature}). The {@code webhook-id} is the change's tenant and journal number, the same
 * on every attempt: a receiver that got it before (a node died before recording it) can tell.
 */
public final class WebhookSink implements Sink {
  private final Poster http;
  private final URI url;
  private final List<WebhookSecret> secrets;
  private final Set<String> resourceTypes;
  private final Function<JournalEntry, byte[]> body;
  private final Duration timeout;
  private final InstantSource clock;
  private final int concurrency;

  /**
   * @param secrets the secrets that sign each delivery (two while one rotates)
   * @param resourceTypes the resource types whose changes are sent ({@code User}, {@code Group})
   * @param body the payload of a change
   * @param concurrency how many resources' changes may be in flight at once
   */
  public WebhookSink(
      Poster http,
      URI url,
      List<WebhookSecret> secrets,
      Set<String> resourceTypes,
      Function<JournalEntry, byte[]> body,
      Duration timeout,
      InstantSource clock,
      int concurrency) {
    this.http = http;
    this.url = url;
    this.secrets = List.copyOf(secrets);
    this.resourceTypes = Set.copyOf(resourceTypes);
    this.body = body;
    this.timeout = timeout;
    this.clock = clock;
    this.concurrency = concurrency;
  }

  /** The {@code webhook-id} of a change: stable across attempts and nodes. */
  public static String messageId(JournalEntry e) {
    return "msg_" + e.tenant() + "_" + e.seq();
  }

  @Override
  public boolean accepts(JournalEntry entry) {
    return resourceTypes.contains(entry.change().resourceType());
  }

  @Override
  public int concurrency() {
    return concurrency;
  }

  @Override
  public Outcome deliver(List<JournalEntry> entries) {
    for (int i = 0; i < entries.size(); i++) {
      JournalEntry e = entries.get(i);
      byte[] payload = body.apply(e);
      String id = messageId(e);
      long timestamp = clock.instant().getEpochSecond();
      Map<String, String> headers = new LinkedHashMap<>();
      headers.put("Content-Type", "application/json");
      headers.put("User-Agent", "scimd-hub");
      headers.put("webhook-id", id);
      headers.put("webhook-timestamp", Long.toString(timestamp));
      headers.put("webhook-signature", WebhookSecret.header(secrets, id, timestamp, payload));
      try {
        Poster.Answer answer = http.post(this, url, headers, payload, timeout);
        if (answer.status() / 100 != 2) {
          return Outcome.failed(i, Http.failure(answer, clock.instant()));
        }
      } catch (IOException | InterruptedException unanswered) {
        return Outcome.failed(i, Http.unanswered(unanswered, url, timeout));
      }
    }
    return Outcome.all(entries.size());
  }
}
