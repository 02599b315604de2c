package io.scimd.server.http;

import io.scimd.server.audit.AuthFailures;
import io.scimd.server.limits.Buckets;
import org.eclipse.jetty.server.Request;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Failed authentications as the API counts them ({@link BearerAuth}), for another way in (the
 * console's token sign-in): the same per-address buckets ({@code --auth-failure-limit}), so a
 * guesser cannot switch doors to get more tries, and the same counts journaled once a window
 * ({@link AuthFailures}).
 */
public final class FailedAuthentications {
  private static final Logger LOG = LoggerFactory.getLogger(FailedAuthentications.class);

  private final @Nullable Buckets buckets;
  private final AuthFailures log;

  /**
   * @param buckets failed authentications by client address, the API's, or null to throttle none
   * @param log where failures are counted and journaled, the API's
   */
  public FailedAuthentications(@Nullable Buckets buckets, AuthFailures log) {
    this.buckets = buckets;
    this.log = log;
  }

  /**
   * The whole seconds the request's address waits before it may try again (a {@code Retry-After});
   * 0 when it may try now.
   */
  public long retryAfterSeconds(Request request) {
    Buckets b = buckets;
    if (b == null || b.isEmpty()) {
      return 0;
    }
    long wait = b.waitNanos(BearerAuth.addressKey(request));
    return wait > 0 ? RateLimiting.seconds(wait) : 0;
  }

  /** Counts a failed authentication with {@code token} by the request's address. */
  public void failed(Request request, String token) {
    Buckets b = buckets;
    if (b != null) {
      String from = BearerAuth.addressKey(request);
      if (b.charge(from, 1) > 0) {
        LOG.info(
            "failed authentications from {} reached the limit ({}): its sign-ins answer 429 for a"
                + " while",
            from,
            b.rate());
      }
    }
    log.failed(Request.getRemoteAddr(request), token);
  }
}
