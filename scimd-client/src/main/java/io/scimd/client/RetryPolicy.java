package io.scimd.client;

import java.time.Duration;

/**
 * When and how long a {@link ScimClient} waits before sending a failed request again.
 *
 * <p>What is retried: a 429 or 503 (the server says it did nothing and when to come back, RFC 6585
 * §4 and RFC 9110 §15.6.4) and a failed connection (nothing was sent), for every method; a timeout,
 * a broken connection, 502 and 504 only for requests that are safe to repeat (GET, PUT, DELETE and
 * POST .search): a POST that created a user before the connection broke must not create it twice.
 *
 * <p>How long: the server's {@code Retry-After} (seconds or an HTTP-date) when it sent one, else
 * exponential backoff with full jitter (a random wait between zero and {@code initialBackoff ×
 * 2^(attempt-1)}, capped at {@code maxBackoff}), so that many clients turned away together do not
 * come back together. A {@code Retry-After} longer than {@code maxRetryAfter} is not waited for:
 * the call fails at once with the {@link ScimClientException#retryAfter()} for the caller to
 * schedule.
 *
 * @param maxAttempts how many times a request is sent at most, the first time included (1: never
 *     retry)
 */
public record RetryPolicy(
    int maxAttempts, Duration initialBackoff, Duration maxBackoff, Duration maxRetryAfter) {

  public RetryPolicy {
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("maxAttempts must be at least 1, not " + maxAttempts);
    }
    if (initialBackoff.isNegative() || maxBackoff.isNegative() || maxRetryAfter.isNegative()) {
      throw new IllegalArgumentException("a retry wait cannot be negative");
    }
  }

  /** Three attempts, backoff from 200 ms up to 5 s, a Retry-After up to 30 s honoured. */
  public static RetryPolicy defaults() {
    return new RetryPolicy(
        3, Duration.ofMillis(200), Duration.ofSeconds(5), Duration.ofSeconds(30));
  }

  /** Every request is sent once; failures go straight to the caller. */
  public static RetryPolicy none() {
    return new RetryPolicy(1, Duration.ZERO, Duration.ZERO, Duration.ZERO);
  }

  public RetryPolicy withMaxAttempts(int attempts) {
    return new RetryPolicy(attempts, initialBackoff, maxBackoff, maxRetryAfter);
  }

  /** The upper bound of the jittered wait before attempt {@code attempt + 1}. */
  Duration backoffCeiling(int attempt) {
    int shift = Math.min(attempt - 1, 30);
    long millis = initialBackoff.toMillis();
    long ceiling = millis > (Long.MAX_VALUE >> shift) ? Long.MAX_VALUE : millis << shift;
    return Duration.ofMillis(Math.min(ceiling, maxBackoff.toMillis()));
  }
}
