package io.scimd.client;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.InstantSource;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * One HTTP exchange with retries: the headers every SCIM request carries, the bearer token, the
 * {@link RetryPolicy}, and the mapping of failures to {@link ScimClientException}. Everything above
 * it speaks JSON.
 */
final class Http {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String SCIM_JSON = "application/scim+json";

  /** The longest piece of a non-SCIM error body kept as the detail. */
  private static final int MAX_DETAIL = 200;

  /** A successful answer. {@code body} is null when there was none (204) or it was empty. */
  record Response(int status, HttpHeaders headers, @Nullable JsonNode body) {
    @Nullable String header(String name) {
      return headers.firstValue(name).orElse(null);
    }
  }

  private final HttpClient client;
  private final @Nullable Supplier<String> tokens;
  private final Duration requestTimeout;
  private final RetryPolicy retry;
  private final String userAgent;
  private final InstantSource clock;

  Http(
      HttpClient client,
      @Nullable Supplier<String> tokens,
      Duration requestTimeout,
      RetryPolicy retry,
      String userAgent,
      InstantSource clock) {
    this.client = client;
    this.tokens = tokens;
    this.requestTimeout = requestTimeout;
    this.retry = retry;
    this.userAgent = userAgent;
    this.clock = clock;
  }

  HttpClient client() {
    return client;
  }

  /**
   * Sends {@code method uri} with {@code body} (none when null) and {@code ifMatch} as {@code
   * If-Match}, retrying as {@link RetryPolicy} says; {@code repeatable} says whether the request
   * may be sent again after it may have reached the server.
   *
   * @throws ScimClientException when the last attempt failed
   */
  Response send(
      String method,
      URI uri,
      @Nullable JsonNode body,
      @Nullable String ifMatch,
      boolean repeatable) {
    byte[] bytes = body == null ? null : bytes(body);
    boolean tokenRefreshed = false;
    for (int attempt = 1; ; attempt++) {
      HttpRequest.Builder b =
          HttpRequest.newBuilder(uri)
              .timeout(requestTimeout)
              .header("Accept", SCIM_JSON + ", application/json")
              .header("User-Agent", userAgent)
              .method(
                  method,
                  bytes == null
                      ? HttpRequest.BodyPublishers.noBody()
                      : HttpRequest.BodyPublishers.ofByteArray(bytes));
      if (bytes != null) {
        b.header("Content-Type", SCIM_JSON);
      }
      if (ifMatch != null) {
        b.header("If-Match", ifMatch);
      }
      if (tokens != null) {
        b.header("Authorization", "Bearer " + tokens.get());
      }
      ScimClientException failure;
      try {
        HttpResponse<byte[]> r = client.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
        if (r.statusCode() < 300) {
          return new Response(r.statusCode(), r.headers(), successBody(method, uri, r));
        }
        failure = httpError(method, uri, r);
        if (r.statusCode() == 401 && !tokenRefreshed && tokens instanceof ClientCredentials cc) {
          // The cached access token was revoked or expired early: fetch a new one, once.
          cc.invalidate();
          tokenRefreshed = true;
          attempt--;
          continue;
        }
      } catch (HttpConnectTimeoutException | ConnectException | UnresolvedAddressException e) {
        failure = ScimClientException.transport(ScimClientException.Kind.CONNECT, method, uri, e);
      } catch (HttpTimeoutException e) {
        failure = ScimClientException.transport(ScimClientException.Kind.TIMEOUT, method, uri, e);
      } catch (IOException e) {
        failure =
            ScimClientException.transport(
                e.getCause() instanceof ConnectException
                    ? ScimClientException.Kind.CONNECT
                    : ScimClientException.Kind.IO,
                method,
                uri,
                e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw ScimClientException.transport(ScimClientException.Kind.IO, method, uri, e);
      }
      Duration wait = retryWait(failure, attempt, repeatable);
      if (wait == null) {
        throw failure;
      }
      sleep(wait, failure);
    }
  }

  /** How long to wait before sending again, or null when this failure is final. */
  private @Nullable Duration retryWait(ScimClientException f, int attempt, boolean repeatable) {
    if (attempt >= retry.maxAttempts()) {
      return null;
    }
    boolean nothingDone =
        f.kind() == ScimClientException.Kind.CONNECT
            || f.kind() == ScimClientException.Kind.HTTP
                && (f.status() == 429 || f.status() == 503);
    boolean mayRepeat =
        repeatable
            && (f.kind() != ScimClientException.Kind.HTTP
                || f.status() == 502
                || f.status() == 504);
    if (!nothingDone && !mayRepeat) {
      return null;
    }
    Duration asked = f.retryAfter();
    if (asked != null) {
      return asked.compareTo(retry.maxRetryAfter()) > 0 ? null : asked;
    }
    long ceiling = retry.backoffCeiling(attempt).toMillis();
    return Duration.ofMillis(ceiling <= 0 ? 0 : ThreadLocalRandom.current().nextLong(ceiling + 1));
  }

  private static void sleep(Duration wait, ScimClientException failure) {
    try {
      Thread.sleep(wait);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      failure.addSuppressed(e);
      throw failure;
    }
  }

  private ScimClientException httpError(String method, URI uri, HttpResponse<byte[]> r) {
    String scimType = null;
    String detail = null;
    // Not JSON when a proxy or load balancer answered: then its text is the detail.
    JsonNode body = parseOrNull(r.body());
    if (body != null && body.isObject()) {
      scimType = body.path("scimType").isTextual() ? body.path("scimType").textValue() : null;
      detail = body.path("detail").isTextual() ? body.path("detail").textValue() : null;
    }
    if (detail == null && r.body().length > 0) {
      detail = start(r.body());
    }
    return new ScimClientException(
        ScimClientException.Kind.HTTP,
        method,
        uri,
        r.statusCode(),
        scimType,
        detail,
        retryAfter(r.headers().firstValue("Retry-After").orElse(null)),
        null);
  }

  /**
   * RFC 9110 §10.2.3: {@code Retry-After} is delay-seconds or an HTTP-date; a date in the past is a
   * wait of zero. Anything else is ignored, as if the header were absent.
   */
  @Nullable Duration retryAfter(@Nullable String value) {
    if (value == null || value.isBlank()) {
      return null;
    }
    String v = value.strip();
    if (v.chars().allMatch(c -> c >= '0' && c <= '9')) {
      try {
        return Duration.ofSeconds(Long.parseLong(v));
      } catch (NumberFormatException e) {
        return null; // more digits than a long: not a wait anyone means
      }
    }
    try {
      ZonedDateTime at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME);
      Duration d = Duration.between(clock.instant(), at.toInstant());
      return d.isNegative() ? Duration.ZERO : d;
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  static byte[] bytes(JsonNode body) {
    try {
      return JSON.writeValueAsBytes(body);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("cannot write JSON: " + e.getOriginalMessage(), e);
    }
  }

  /** The JSON of a 2xx answer; one that is not JSON is the server's error, not the caller's. */
  private static @Nullable JsonNode successBody(String method, URI uri, HttpResponse<byte[]> r) {
    if (r.body().length == 0) {
      return null;
    }
    JsonNode body = parseOrNull(r.body());
    if (body == null) {
      throw new ScimClientException(
          ScimClientException.Kind.HTTP,
          method,
          uri,
          r.statusCode(),
          null,
          "the answer is not JSON: " + start(r.body()),
          null,
          null);
    }
    return body;
  }

  private static @Nullable JsonNode parseOrNull(byte[] body) {
    if (body.length == 0) {
      return null;
    }
    try {
      return JSON.readTree(body);
    } catch (IOException e) {
      return null;
    }
  }

  private static String start(byte[] body) {
    String text = new String(body, StandardCharsets.UTF_8).strip();
    return text.length() <= MAX_DETAIL ? text : text.substring(0, MAX_DETAIL) + "\u2026";
  }
}
