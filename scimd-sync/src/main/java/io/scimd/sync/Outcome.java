package io.scimd.sync;

import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What a {@link Sink} did with the entries it was given: the first {@code delivered} of them
 * arrived; when that is not all of them, {@code failure} says why the next one did not.
 */
public record Outcome(int delivered, @Nullable Failure failure) {
  public Outcome {
    if (delivered < 0) {
      throw new IllegalArgumentException("delivered < 0");
    }
  }

  public static Outcome all(int delivered) {
    return new Outcome(delivered, null);
  }

  public static Outcome failed(int delivered, Failure failure) {
    return new Outcome(delivered, Objects.requireNonNull(failure));
  }

  /**
   * Why an entry was not delivered.
   *
   * @param retryAfter how long the target asked us to wait ({@code Retry-After}), when it did
   */
  public record Failure(Kind kind, String reason, @Nullable Duration retryAfter) {
    public Failure {
      Objects.requireNonNull(kind, "kind");
      Objects.requireNonNull(reason, "reason");
    }

    public static Failure unavailable(String reason, @Nullable Duration retryAfter) {
      return new Failure(Kind.UNAVAILABLE, reason, retryAfter);
    }

    public static Failure rejected(String reason) {
      return new Failure(Kind.REJECTED, reason, null);
    }
  }

  /** The two ways a delivery fails, which the workers treat apart (docs/decisions/0017-hub.md). */
  public enum Kind {
    /**
     * The target could not take anything now: refused connection, timeout, 429, 5xx. Retried with
     * backoff for as long as it lasts; never dead-lettered; opens the target's circuit.
     */
    UNAVAILABLE,
    /**
     * The target refused this change (a 4xx other than 408/429): retried a few times, then
     * dead-lettered so the changes after it go on.
     */
    REJECTED
  }
}
