package io.scimd.sync;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import org.jspecify.annotations.Nullable;

/** How the sinks read an HTTP answer: which failures are the target's, which are the change's. */
public final class Http {
  private Http() {}

  /**
   * The failure an HTTP status means for a delivery: 408, 429 and 5xx say the target cannot take
   * anything now; any other 4xx says it refused this change.
   */
  public static Outcome.Failure failure(Poster.Answer answer, Instant now) {
    int status = answer.status();
    String detail = answer.body();
    String reason = "HTTP " + status + (detail.isBlank() ? "" : ": " + clip(detail));
    if (status == 408 || status == 429 || status >= 500) {
      return Outcome.Failure.unavailable(reason, retryAfter(answer.header("Retry-After"), now));
    }
    return Outcome.Failure.rejected(reason);
  }

  /** A {@code Retry-After} value as seconds or an HTTP date; null when absent or unreadable. */
  public static @Nullable Duration retryAfter(@Nullable String value, Instant now) {
    if (value == null) {
      return null;
    }
    String v = value.trim();
    try {
      long s = Long.parseLong(v);
      return s < 0 ? null : Duration.ofSeconds(s);
    } catch (NumberFormatException e) {
      try {
        Instant at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
        return at.isAfter(now) ? Duration.between(now, at) : Duration.ZERO;
      } catch (DateTimeParseException e2) {
        return null;
      }
    }
  }

  /**
   * The failure of a POST that got no answer: no whole answer within {@code timeout}, the host not
   * reached, or the sending thread interrupted (its interrupt flag is set again). Each says the
   * target cannot take anything now.
   */
  public static Outcome.Failure unanswered(Exception e, URI url, Duration timeout) {
    if (e instanceof InterruptedException) {
      Thread.currentThread().interrupt();
      return Outcome.Failure.unavailable("interrupted", null);
    }
    if (e instanceof Poster.TimedOut) {
      return Outcome.Failure.unavailable("no answer within " + timeout.toMillis() + " ms", null);
    }
    return Outcome.Failure.unavailable("cannot reach " + url.getHost() + ": " + e, null);
  }

  /** At most 300 characters of what a target said, for the status and the logs. */
  public static String clip(String s) {
    String one = s.replaceAll("\\s+", " ").trim();
    return one.length() > 300 ? one.substring(0, 300) + "..." : one;
  }
}
