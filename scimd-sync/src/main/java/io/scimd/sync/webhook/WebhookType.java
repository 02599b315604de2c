package io.scimd.sync.webhook;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scimd.store.HubRecords.Target;
import io.scimd.sync.Poster;
import io.scimd.sync.Settings;
import io.scimd.sync.Sink;
import io.scimd.sync.TargetType;
import io.scimd.sync.UrlPolicy;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The {@code webhook} target type: {@code url}, {@code secret} ({@code whsec_...}; made when left
 * out, and shown once), {@code timeoutMs}, {@code issuer} (the {@code iss} of the events it gets;
 * {@value #DEFAULT_ISSUER} when left out), {@code concurrency} (how many resources' changes are in
 * flight at once; {@value #DEFAULT_CONCURRENCY} when left out, 1 to 64). A new {@code secret} on a
 * change keeps the old one signing too for {@code secretOverlapHours} (24 by default), so receivers
 * can switch without missing a delivery.
 */
public final class WebhookType implements TargetType {
  private static final Set<String> SETTINGS =
      Set.of("url", "secret", "timeoutMs", "secretOverlapHours", "issuer", "concurrency");

  /** How many resources' changes are in flight at once when a definition does not say. */
  static final int DEFAULT_CONCURRENCY = 8;

  /** The {@code iss} of a webhook's events when its definition names none. */
  public static final String DEFAULT_ISSUER = "scimd";

  private final Poster http;
  private final UrlPolicy urls;
  private final Set<String> resourceTypes;
  private final WebhookBody body;
  private final InstantSource clock;

  public WebhookType(
      Poster http,
      UrlPolicy urls,
      Set<String> resourceTypes,
      WebhookBody body,
      InstantSource clock) {
    this.http = http;
    this.urls = urls;
    this.resourceTypes = Set.copyOf(resourceTypes);
    this.body = body;
    this.clock = clock;
  }

  @Override
  public String name() {
    return "webhook";
  }

  @Override
  public Checked check(ObjectNode settings, @Nullable ObjectNode previous) {
    Settings.onlyKnown(settings, SETTINGS, "webhook");
    JsonNode url = settings.get("url");
    if (url == null || !url.isTextual()) {
      throw new IllegalArgumentException("a webhook target needs a 'url' (http or https)");
    }
    urls.check("url", url.asText());
    ObjectNode config = JsonNodeFactory.instance.objectNode();
    config.put("url", url.asText());
    JsonNode issuer = settings.get("issuer");
    if (issuer != null && !issuer.isNull()) {
      if (!issuer.isTextual() || issuer.asText().isBlank()) {
        throw new IllegalArgumentException(
            "'issuer' (the iss of each event) must be a non-empty string, e.g. https://scimd.example");
      }
      config.put("issuer", issuer.asText());
    }
    long timeout = Settings.positive(settings, "timeoutMs", 5_000, 60_000);
    config.put("timeoutMs", timeout);
    long overlap = Settings.positive(settings, "secretOverlapHours", 24, 24 * 30);
    config.put("secretOverlapHours", overlap);
    config.put("concurrency", Settings.positive(settings, "concurrency", DEFAULT_CONCURRENCY, 64));

    ObjectNode secrets = JsonNodeFactory.instance.objectNode();
    String shown = null;
    JsonNode given = settings.get("secret");
    if (given != null && !given.isNull()) {
      if (!given.isTextual()) {
        throw new IllegalArgumentException("'secret' must be a string 'whsec_<base64>'");
      }
      WebhookSecret.parse(given.asText());
      secrets.put("secret", given.asText());
    } else if (previous != null && previous.hasNonNull("secret")) {
      secrets.put("secret", previous.get("secret").asText());
    } else {
      shown = WebhookSecret.generate();
      secrets.put("secret", shown);
    }
    if (previous != null && previous.hasNonNull("secret")) {
      String old = previous.get("secret").asText();
      if (!old.equals(secrets.get("secret").asText())) {
        secrets.put("previous", old);
        secrets.put(
            "previousUntil", clock.instant().plus(Duration.ofHours(overlap)).toEpochMilli());
      } else if (previous.hasNonNull("previous")) {
        secrets.set("previous", previous.get("previous"));
        secrets.set("previousUntil", previous.get("previousUntil"));
      }
    }
    return new Checked(config, secrets, shown);
  }

  @Override
  public java.util.Map<String, String> destinations(ObjectNode config) {
    return java.util.Map.of("url", urls.check("url", config.path("url").asText()).toString());
  }

  @Override
  public Sink open(Target target, ObjectNode config, ObjectNode secrets) {
    List<WebhookSecret> signing = new ArrayList<>();
    signing.add(WebhookSecret.parse(secrets.path("secret").asText()));
    if (secrets.hasNonNull("previous")
        && Instant.ofEpochMilli(secrets.path("previousUntil").asLong()).isAfter(clock.instant())) {
      signing.add(WebhookSecret.parse(secrets.get("previous").asText()));
    }
    return new WebhookSink(
        http,
        urls.check("url", config.path("url").asText()),
        signing,
        resourceTypes,
        e -> body.of(target.name(), config.path("issuer").asText(DEFAULT_ISSUER), e),
        Duration.ofMillis(config.path("timeoutMs").asLong(5_000)),
        clock,
        config.path("concurrency").asInt(DEFAULT_CONCURRENCY));
  }
}
