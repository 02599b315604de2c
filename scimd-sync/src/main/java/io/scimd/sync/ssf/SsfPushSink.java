package io.scimd.sync.ssf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scimd.store.JournalEntry;
import io.scimd.sync.Http;
import io.scimd.sync.Outcome;
import io.scimd.sync.Poster;
import io.scimd.sync.Sink;
import io.scimd.sync.events.EventSelection;
import io.scimd.sync.events.SecurityEvents;
import io.scimd.sync.events.SetSigner;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.InstantSource;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Pushes a stream's SETs to its receiver (RFC 8935): each entry's SET, signed, in one {@code POST}
 * of {@code application/secevent+jwt}, in journal order, one at a time. A receiver answers 202 when
 * it took the SET. It answers 400 with {@code {"err", "description"}} when it refuses: {@code
 * invalid_request} refuses this SET (rejected: retried a few times, then dead-lettered); {@code
 * invalid_key}, {@code invalid_issuer}, {@code invalid_audience}, {@code authentication_failed} and
 * {@code access_denied} refuse every SET of the stream alike, as 401 and 403 do, so they make the
 * stream unavailable (retried with backoff until someone fixes the stream or the receiver), not a
 * dead letter per change. 408, 429 and 5xx, timeouts and refused connections are unavailable too,
 * honouring {@code Retry-After}.
 *
 * <p>A redelivered entry carries the same {@code jti} ({@link SecurityEvents#jti}), so the receiver
 * can drop the duplicate.
 */
public final class SsfPushSink implements Sink {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The {@code err} codes of RFC 8935 §2.4 that say the stream, not the SET, is wrong. */
  private static final Set<String> STREAM_ERRORS =
      Set.of(
          "invalid_key",
          "invalid_issuer",
          "invalid_audience",
          "authentication_failed",
          "access_denied");

  /** The current representation of a resource, as a client reading it would get it. */
  @FunctionalInterface
  public interface Resources {
    Optional<ObjectNode> read(String tenant, String resourceType, String id);
  }

  private final Poster http;
  private final URI endpoint;
  private final @Nullable String authorization;
  private final SecurityEvents events;
  private final EventSelection selection;
  private final SecurityEvents.Recipient recipient;
  private final boolean disabled;
  private final SetSigner signer;
  private final Resources resources;
  private final Duration timeout;
  private final InstantSource clock;

  /**
   * @param authorization the {@code Authorization} header the receiver asked for, or null
   * @param disabled a disabled stream (SSF 1.0 §8.1.2.1) sends nothing and holds nothing: its
   *     entries are passed over
   */
  public SsfPushSink(
      Poster http,
      URI endpoint,
      @Nullable String authorization,
      SecurityEvents events,
      EventSelection selection,
      SecurityEvents.Recipient recipient,
      boolean disabled,
      SetSigner signer,
      Resources resources,
      Duration timeout,
      InstantSource clock) {
    this.http = http;
    this.endpoint = endpoint;
    this.authorization = authorization;
    this.events = events;
    this.selection = selection;
    this.recipient = recipient;
    this.disabled = disabled;
    this.signer = signer;
    this.resources = resources;
    this.timeout = timeout;
    this.clock = clock;
  }

  @Override
  public boolean accepts(JournalEntry entry) {
    return !disabled && !selection.isEmpty() && events.isEvent(entry, selection);
  }

  @Override
  public Outcome deliver(List<JournalEntry> entries) {
    for (int i = 0; i < entries.size(); i++) {
      JournalEntry e = entries.get(i);
      ObjectNode resource =
          events.wantsResource(e, selection)
              ? resources
                  .read(e.tenant(), e.change().resourceType(), e.change().resourceId())
                  .orElse(null)
              : null;
      Optional<ObjectNode> claims =
          events.claims(e, recipient, selection, resource, clock.instant());
      if (claims.isEmpty()) {
        continue; // none of its events was requested: nothing to send, and nothing is lost
      }
      Outcome.Failure failure =
          post(this, http, endpoint, authorization, signer.sign(claims.get()), timeout, clock);
      if (failure != null) {
        return Outcome.failed(i, failure);
      }
    }
    return Outcome.all(entries.size());
  }

  /**
   * Pushes a SET made outside the journal (the stream's verification event).
   *
   * @return null when the receiver took it, else why not
   */
  public Outcome.@Nullable Failure push(String set) {
    return post(this, http, endpoint, authorization, set, timeout, clock);
  }

  /**
   * POSTs one signed SET (RFC 8935 §2).
   *
   * @return null when the receiver took it, else why not
   */
  static Outcome.@Nullable Failure post(
      Object pool,
      Poster http,
      URI endpoint,
      @Nullable String authorization,
      String set,
      Duration timeout,
      InstantSource clock) {
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("Content-Type", SetSigner.MEDIA_TYPE);
    headers.put("Accept", "application/json");
    headers.put("User-Agent", "scimd-ssf");
    if (authorization != null) {
      headers.put("Authorization", authorization);
    }
    try {
      Poster.Answer response =
          http.post(pool, endpoint, headers, set.getBytes(StandardCharsets.UTF_8), timeout);
      int status = response.status();
      if (status / 100 == 2) {
        return null;
      }
      if (status == 400) {
        String err = "";
        String description = response.body();
        try {
          JsonNode body = JSON.readTree(response.body());
          err = body.path("err").asText("");
          description = body.path("description").asText("");
        } catch (IOException notJson) {
          // a 400 without RFC 8935's JSON: the SET is refused, for the reason the text gives
        }
        String reason =
            "HTTP 400"
                + (err.isEmpty() ? "" : " " + err)
                + (description.isBlank() ? "" : ": ")
                + Http.clip(description);
        return STREAM_ERRORS.contains(err)
            ? Outcome.Failure.unavailable(reason, null)
            : Outcome.Failure.rejected(reason);
      }
      if (status == 401 || status == 403) {
        return Outcome.Failure.unavailable(
            "HTTP " + status + ": the receiver does not accept the stream's authorization", null);
      }
      return Http.failure(response, clock.instant());
    } catch (IOException | InterruptedException e) {
      return Http.unanswered(e, endpoint, timeout);
    }
  }
}
