package io.scimd.server.limits;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * A rate limit: at most {@code count} per {@code period} sustained, and up to {@code burst} at once
 * after a quiet spell (a token bucket of {@code burst} tokens refilled at {@code count/period}).
 * {@link #OFF} limits nothing.
 *
 * @param count how many per period; 0 for {@link #OFF}
 * @param period one second, minute or hour
 * @param burst the bucket's size: how many may come at once; 0 only when off
 */
public record Rate(long count, Duration period, int burst) {
  /** No limit. */
  public static final Rate OFF = new Rate(0, Duration.ofSeconds(1), 0);

  /**
   * The default client rate: 100 requests a second, bursts of 200. Microsoft asks a SCIM app to
   * sustain 25 a second per tenant and Okta sends up to 75 at once, so neither meets it.
   */
  public static final Rate DEFAULT = new Rate(100, Duration.ofSeconds(1), 200);

  /** The default for failed authentications from one address: 10 a minute, all 10 at once. */
  public static final Rate DEFAULT_AUTH_FAILURES = new Rate(10, Duration.ofMinutes(1), 10);

  private static final Pattern SPEC =
      Pattern.compile("(\\d{1,9})\\s*/\\s*(s|sec|second|m|min|minute|h|hour)");

  /**
   * @throws IllegalArgumentException for a negative count, a burst below 1 (when on), a rate faster
   *     than one a microsecond, or a period other than a second, minute or hour
   */
  public Rate {
    if (count < 0) {
      throw new IllegalArgumentException("a rate cannot be negative: " + count);
    }
    if (!period.equals(Duration.ofSeconds(1))
        && !period.equals(Duration.ofMinutes(1))
        && !period.equals(Duration.ofHours(1))) {
      throw new IllegalArgumentException("a rate is per second, minute or hour, not " + period);
    }
    if (count > 0 && burst < 1) {
      throw new IllegalArgumentException("a rate's burst must be at least 1, not " + burst);
    }
    if (count > 0 && period.toNanos() / count < 1_000) {
      throw new IllegalArgumentException(
          "a rate of " + count + " per " + unit(period) + " is too fast to limit anything");
    }
    if (count == 0) {
      burst = 0;
    }
  }

  /**
   * Reads {@code 100/s}, {@code 600/m} or {@code 5000/h} ({@code /sec}, {@code /min}, {@code /hour}
   * too), or {@code 0} / {@code off} for {@link #OFF}. Without {@code burst}, the burst is two
   * seconds' worth of a per-second rate ({@code 100/s}: 200), and the count itself of a per-minute
   * or per-hour one ({@code 10/m}: 10 at once, then one every 6 s).
   *
   * @throws IllegalArgumentException naming the accepted forms
   */
  public static Rate parse(String spec, @Nullable Integer burst) {
    String s = spec.strip().toLowerCase(Locale.ROOT);
    if (s.equals("0") || s.equals("off") || s.equals("none")) {
      return OFF;
    }
    Matcher m = SPEC.matcher(s);
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "'"
              + spec
              + "' is not a rate: give a count per second, minute or hour (100/s, 600/m, 5000/h),"
              + " or 0 or off for none");
    }
    long count = Long.parseLong(m.group(1));
    if (count == 0) {
      return OFF;
    }
    Duration period =
        switch (m.group(2).charAt(0)) {
          case 's' -> Duration.ofSeconds(1);
          case 'm' -> Duration.ofMinutes(1);
          default -> Duration.ofHours(1);
        };
    int b;
    if (burst != null) {
      b = burst;
    } else if (period.equals(Duration.ofSeconds(1))) {
      b = (int) Math.min(Integer.MAX_VALUE, 2 * count);
    } else {
      b = (int) Math.min(Integer.MAX_VALUE, count);
    }
    return new Rate(count, period, b);
  }

  /** True unless this is {@link #OFF}. */
  public boolean on() {
    return count > 0;
  }

  /** The time between two tokens, in nanoseconds (the rate's emission interval). */
  public long intervalNanos() {
    return period.toNanos() / count;
  }

  /** The sustained rate per second (100 for {@code 100/s}, 0.1 for {@code 6/m}). */
  public double perSecond() {
    return count == 0 ? 0 : count / (double) period.toSeconds();
  }

  /** {@code 100/s}, {@code 10/m}, {@code 5000/h}, or {@code off}. */
  @Override
  public String toString() {
    return on() ? count + "/" + unit(period).charAt(0) : "off";
  }

  private static String unit(Duration period) {
    return period.toSeconds() == 1 ? "second" : period.toSeconds() == 60 ? "minute" : "hour";
  }
}
