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
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Delivers each change to a webhook receiver: one POST of the change as a security event payload,
 * signed as Standard Webhooks specifies ({@code webhook-id}, {@code webhook-timestamp}, {@code
 * webhook-signature}). The {@code webhook-id} is the change's tenant and journal number, the same
 * on every attempt: a receiver that got it before (a node died before recording it) can tell.
 */
public final class WebhookSink implements Sink.Asynchronous {
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
      Signed s = sign(entries.get(i));
      try {
        Outcome.Failure refused = refusal(http.post(this, url, s.headers(), s.payload(), timeout));
        if (refused != null) {
          return Outcome.failed(i, refused);
        }
      } catch (IOException | InterruptedException unanswered) {
        return Outcome.failed(i, Http.unanswered(unanswered, url, timeout));
      }
    }
    return Outcome.all(entries.size());
  }

  @Override
  public CompletableFuture<Outcome> deliverLater(List<JournalEntry> entries) {
    List<Signed> signed = new ArrayList<>(entries.size());
    for (JournalEntry e : entries) {
      signed.add(sign(e)); // here, on the worker's thread: the payload may read the store
    }
    CompletableFuture<Outcome> done = new CompletableFuture<>();
    sendFrom(signed, 0, done);
    return done;
  }

  /** Sends {@code signed} from {@code i} on, each once the one before it was taken. */
  private void sendFrom(List<Signed> signed, int i, CompletableFuture<Outcome> done) {
    if (i == signed.size()) {
      done.complete(Outcome.all(i));
      return;
    }
    if (done.isDone()) {
      return; // cancelled
    }
    Signed s = signed.get(i);
    CompletableFuture<Poster.Answer> sent = http.send(this, url, s.headers(), s.payload(), timeout);
    done.whenComplete(
        (o, cancelled) -> {
          if (cancelled != null) {
            sent.cancel(true);
          }
        });
    sent.whenComplete(
        (answer, failure) -> {
          if (failure != null) {
            IOException unanswered = Poster.unanswered(failure, timeout);
            done.complete(Outcome.failed(i, Http.unanswered(unanswered, url, timeout)));
            return;
          }
          Outcome.Failure refused = refusal(answer);
          if (refused != null) {
            done.complete(Outcome.failed(i, refused));
          } else {
            sendFrom(signed, i + 1, done);
          }
        });
  }

  /** A change as it is sent: its payload and the headers that sign it. */
  private record Signed(Map<String, String> headers, byte[] payload) {}

  private Signed sign(JournalEntry e) {
    byte[] payload = body.apply(e);
    String id = messageId(e);
    long timestamp = clock.instant().getEpochSecond();
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("Content-Type", "application/json");
    headers.put("User-Agent", "scimd-hub");
    headers.put("webhook-id", id);
    headers.put("webhook-timestamp", Long.toString(timestamp));
    headers.put("webhook-signature", WebhookSecret.header(secrets, id, timestamp, payload));
    return new Signed(headers, payload);
  }

  /** Null when the receiver took the change (2xx), else why not. */
  private Outcome.@Nullable Failure refusal(Poster.Answer answer) {
    return answer.status() / 100 == 2 ? null : Http.failure(answer, clock.instant());
  }
}
