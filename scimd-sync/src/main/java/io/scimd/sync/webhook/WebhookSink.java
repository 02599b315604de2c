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
import java.util.concurrent.atomic.AtomicReference;
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
      JournalEntry e = entries.get(i);
      byte[] payload = body.apply(e);
      try {
        Poster.Answer answer = http.post(this, url, signed(e, payload), payload, timeout);
        Outcome.Failure refused = refusal(answer);
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
  public CompletableFuture<Outcome> deliverLater(List<JournalEntry> entries, Runnable answered) {
    List<byte[]> payloads = new ArrayList<>(entries.size());
    for (JournalEntry e : entries) {
      payloads.add(body.apply(e)); // here, on the worker's thread: the payload may read the store
    }
    Lane lane = new Lane(entries, payloads, answered);
    lane.sendFrom(0);
    return lane.done;
  }

  /**
   * One resource's changes going out one after another, each once the one before it was taken. Each
   * is signed as it goes out: behind a slow receiver, a signature made when the lane started could
   * be older than the receiver's tolerance (Standard Webhooks suggests five minutes) by the time it
   * is sent. Cancelling {@link #done} aborts the exchange in flight.
   */
  private final class Lane {
    final CompletableFuture<Outcome> done = new CompletableFuture<>();
    private final List<JournalEntry> entries;
    private final List<byte[]> payloads;
    private final Runnable answered;
    private final AtomicReference<CompletableFuture<Poster.Answer>> inFlight =
        new AtomicReference<>();

    Lane(List<JournalEntry> entries, List<byte[]> payloads, Runnable answered) {
      this.entries = entries;
      this.payloads = payloads;
      this.answered = answered;
      done.whenComplete(
          (o, cancelled) -> {
            CompletableFuture<Poster.Answer> sent = inFlight.get();
            if (cancelled != null && sent != null) {
              sent.cancel(true);
            }
          });
    }

    void sendFrom(int i) {
      if (i == entries.size()) {
        done.complete(Outcome.all(i));
        return;
      }
      try {
        byte[] payload = payloads.get(i);
        CompletableFuture<Poster.Answer> sent =
            http.send(WebhookSink.this, url, signed(entries.get(i), payload), payload, timeout);
        inFlight.set(sent);
        if (done.isDone()) {
          sent.cancel(true); // cancelled meanwhile: its hook saw the exchange before this one
          return;
        }
        sent.whenComplete((answer, failure) -> answered(i, answer, failure));
      } catch (Throwable t) {
        done.completeExceptionally(t); // never leave the lane waiting for an end
      }
    }

    private void answered(int i, Poster.@Nullable Answer answer, @Nullable Throwable failure) {
      try {
        answered.run();
        if (failure != null || answer == null) {
          IOException unanswered = Poster.unanswered(failure, timeout);
          done.complete(Outcome.failed(i, Http.unanswered(unanswered, url, timeout)));
          return;
        }
        Outcome.Failure refused = refusal(answer);
        if (refused != null) {
          done.complete(Outcome.failed(i, refused));
        } else {
          sendFrom(i + 1);
        }
      } catch (Throwable t) {
        done.completeExceptionally(t);
      }
    }
  }

  /** The headers that go with a change's payload: its id, the time now and their signature. */
  private Map<String, String> signed(JournalEntry e, byte[] payload) {
    String id = messageId(e);
    long timestamp = clock.instant().getEpochSecond();
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("Content-Type", "application/json");
    headers.put("User-Agent", "scimd-hub");
    headers.put("webhook-id", id);
    headers.put("webhook-timestamp", Long.toString(timestamp));
    headers.put("webhook-signature", WebhookSecret.header(secrets, id, timestamp, payload));
    return headers;
  }

  /** Null when the receiver took the change (2xx), else why not. */
  private Outcome.@Nullable Failure refusal(Poster.Answer answer) {
    return answer.status() / 100 == 2 ? null : Http.failure(answer, clock.instant());
  }
}
