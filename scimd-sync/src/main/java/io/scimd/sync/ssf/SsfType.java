package io.scimd.sync.ssf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scimd.store.HubRecords.Target;
import io.scimd.sync.Poster;
import io.scimd.sync.Settings;
import io.scimd.sync.Sink;
import io.scimd.sync.TargetType;
import io.scimd.sync.UrlPolicy;
import io.scimd.sync.events.EventSelection;
import io.scimd.sync.events.SecurityEvents;
import io.scimd.sync.events.SetSigner;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The target types of SSF streams: {@value Ssf#PUSH_TYPE} (push, RFC 8935, delivered by the workers
 * through an {@link SsfPushSink}) and {@value Ssf#POLL_TYPE} (poll, RFC 8936, read by the receiver:
 * not {@link #pushed}). Their settings are the stream's configuration as stored:
 *
 * <ul>
 *   <li>{@code iss}: the issuer the stream's SETs name (the transmitter's, when it was made);
 *   <li>{@code aud}: the audience, a list of strings;
 *   <li>{@code endpoint_url}: where a push stream's SETs go;
 *   <li>{@code events_requested}: the event URIs the receiver asked for;
 *   <li>{@code description}, {@code status} ({@code enabled}, {@code paused}, {@code disabled}),
 *       {@code reason};
 *   <li>{@code verification}: a poll stream's pending verification event ({@code jti}, {@code
 *       state}), until the receiver acknowledges it;
 *   <li>{@code authorization_header}: the push {@code Authorization} header value, sealed, never
 *       shown; null removes it, leaving it out keeps the one saved.
 * </ul>
 */
public final class SsfType implements TargetType {
  private static final Set<String> SETTINGS =
      Set.of(
          "iss",
          "aud",
          "endpoint_url",
          "events_requested",
          "description",
          "status",
          "reason",
          "verification",
          "authorization_header");

  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

  /** How long a push waits for the receiver's answer. */
  static final Duration TIMEOUT = Duration.ofSeconds(10);

  private final boolean push;
  private final @Nullable Poster http;
  private final UrlPolicy urls;
  private final SecurityEvents events;
  private final SetSigner signer;
  private final SsfPushSink.Resources resources;
  private final InstantSource clock;

  private SsfType(
      boolean push,
      @Nullable Poster http,
      UrlPolicy urls,
      SecurityEvents events,
      SetSigner signer,
      SsfPushSink.Resources resources,
      InstantSource clock) {
    this.push = push;
    this.http = http;
    this.urls = urls;
    this.events = events;
    this.signer = signer;
    this.resources = resources;
    this.clock = clock;
  }

  /** The push stream type; {@code resources} gives {@code put:full} its representation. */
  public static SsfType push(
      Poster http,
      UrlPolicy urls,
      SecurityEvents events,
      SetSigner signer,
      SsfPushSink.Resources resources,
      InstantSource clock) {
    return new SsfType(true, http, urls, events, signer, resources, clock);
  }

  /** The poll stream type: stored and checked like push streams, never opened by the workers. */
  public static SsfType poll(UrlPolicy urls, SecurityEvents events, InstantSource clock) {
    return new SsfType(
        false,
        null,
        urls,
        events,
        claims -> {
          throw new IllegalStateException("poll streams are not pushed");
        },
        (t, type, id) -> java.util.Optional.empty(),
        clock);
  }

  @Override
  public String name() {
    return push ? Ssf.PUSH_TYPE : Ssf.POLL_TYPE;
  }

  @Override
  public boolean pushed() {
    return push;
  }

  @Override
  public Checked check(ObjectNode settings, @Nullable ObjectNode previous) {
    Settings.onlyKnown(settings, SETTINGS, "stream", SsfError::clip);
    ObjectNode config = JSON.objectNode();
    config.put("iss", requiredText(settings, "iss"));
    config.set("aud", strings(settings, "aud", true));
    if (push) {
      String url = requiredText(settings, "endpoint_url");
      urls.check("endpoint_url", url);
      config.put("endpoint_url", url);
    } else if (settings.hasNonNull("endpoint_url")) {
      throw new IllegalArgumentException(
          "a poll stream has no 'endpoint_url' of the receiver's: scimd gives it its poll URL");
    }
    config.set("events_requested", strings(settings, "events_requested", false));
    String description = optionalText(settings, "description", 1000);
    if (description != null) {
      config.put("description", description);
    }
    String status = optionalText(settings, "status", 20);
    if (status == null) {
      status = Ssf.ENABLED;
    }
    if (!List.of(Ssf.ENABLED, Ssf.PAUSED, Ssf.DISABLED).contains(status)) {
      throw new IllegalArgumentException(
          "'status' must be enabled, paused or disabled, not '" + SsfError.clip(status) + "'");
    }
    config.put("status", status);
    String reason = optionalText(settings, "reason", 1000);
    if (reason != null) {
      config.put("reason", reason);
    }
    JsonNode verification = settings.get("verification");
    if (verification != null && !verification.isNull()) {
      if (push || !verification.isObject() || !verification.path("jti").isTextual()) {
        throw new IllegalArgumentException(
            "'verification' is a poll stream's pending verification event, kept by scimd");
      }
      config.set("verification", verification.deepCopy());
    }

    ObjectNode secrets = JSON.objectNode();
    JsonNode auth = settings.get("authorization_header");
    if (auth != null && !auth.isNull()) {
      if (!push) {
        throw new IllegalArgumentException(
            "a poll stream has no 'authorization_header': the receiver authenticates when it polls");
      }
      if (!auth.isTextual() || auth.asText().isBlank() || auth.asText().length() > 4096) {
        throw new IllegalArgumentException(
            "'authorization_header' must be the value of the Authorization header (up to 4096"
                + " characters)");
      }
      if (auth.asText().chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
        throw new IllegalArgumentException(
            "'authorization_header' must not contain control characters");
      }
      secrets.put("authorization_header", auth.asText());
    } else if (auth == null && previous != null && previous.hasNonNull("authorization_header")) {
      secrets.set("authorization_header", previous.get("authorization_header"));
    }
    return new Checked(config, secrets, null);
  }

  @Override
  public java.util.Map<String, String> destinations(ObjectNode config) {
    // A poll stream sends nowhere: its receiver comes to read it.
    return push
        ? java.util.Map.of(
            "endpoint_url",
            urls.check("endpoint_url", config.path("endpoint_url").asText()).toString())
        : java.util.Map.of();
  }

  @Override
  public Sink open(Target target, ObjectNode config, ObjectNode secrets) {
    Poster poster = http;
    if (!push || poster == null) {
      throw new IllegalArgumentException("a poll stream is read by its receiver, not pushed");
    }
    return new SsfPushSink(
        poster,
        urls.check("endpoint_url", config.path("endpoint_url").asText()),
        secrets.hasNonNull("authorization_header")
            ? secrets.get("authorization_header").asText()
            : null,
        events,
        selection(config),
        recipient(target, config),
        Ssf.DISABLED.equals(config.path("status").asText()),
        signer,
        resources,
        TIMEOUT,
        clock);
  }

  /** The events a stream's receiver gets. */
  static EventSelection selection(ObjectNode config) {
    List<String> requested = new ArrayList<>();
    config.path("events_requested").forEach(n -> requested.add(n.asText()));
    return EventSelection.requested(requested);
  }

  static SecurityEvents.Recipient recipient(Target target, ObjectNode config) {
    List<String> aud = new ArrayList<>();
    config.path("aud").forEach(n -> aud.add(n.asText()));
    return new SecurityEvents.Recipient(
        target.tenant(), target.name(), config.path("iss").asText(), aud);
  }

  private static String requiredText(ObjectNode settings, String field) {
    JsonNode n = settings.get(field);
    if (n == null || !n.isTextual() || n.asText().isBlank()) {
      throw new IllegalArgumentException("a stream needs '" + field + "' (a string)");
    }
    if (n.asText().length() > 2048) {
      throw new IllegalArgumentException("'" + field + "' is longer than 2048 characters");
    }
    return n.asText();
  }

  private static @Nullable String optionalText(ObjectNode settings, String field, int max) {
    JsonNode n = settings.get(field);
    if (n == null || n.isNull()) {
      return null;
    }
    if (!n.isTextual() || n.asText().length() > max) {
      throw new IllegalArgumentException(
          "'" + field + "' must be a string of at most " + max + " characters");
    }
    return n.asText();
  }

  /** A list of strings, given as one string or an array (SSF allows both for {@code aud}). */
  private static ArrayNode strings(ObjectNode settings, String field, boolean required) {
    JsonNode n = settings.get(field);
    ArrayNode out = JSON.arrayNode();
    if (n == null || n.isNull()) {
      if (required) {
        throw new IllegalArgumentException("a stream needs '" + field + "'");
      }
      return out;
    }
    if (n.isTextual()) {
      out.add(n.asText());
    } else if (n.isArray() && n.size() <= 100) {
      for (JsonNode v : n) {
        if (!v.isTextual() || v.asText().isEmpty() || v.asText().length() > 2048) {
          throw new IllegalArgumentException(
              "'" + field + "' must list strings (each 1 to 2048 characters)");
        }
        out.add(v.asText());
      }
    } else {
      throw new IllegalArgumentException(
          "'" + field + "' must be a string or an array of at most 100 strings");
    }
    if (required && out.isEmpty()) {
      throw new IllegalArgumentException("'" + field + "' must name at least one value");
    }
    return out;
  }
}
