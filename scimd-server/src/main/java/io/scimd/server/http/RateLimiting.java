package io.scimd.server.http;

import io.scimd.core.error.ScimError;
import io.scimd.server.limits.Buckets;
import io.scimd.server.limits.Rate;
import io.scimd.store.Scope;
import java.util.Map;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.jspecify.annotations.Nullable;

/**
 * The client rate limit ({@code --rate-limit}): each authenticated request takes a token from its
 * client's bucket ({@link Buckets}: a map lookup and a compare-and-set, no database), and a request
 * that finds the bucket empty answers 429 with {@code Retry-After}, the whole seconds until the
 * bucket holds a token again (RFC 6585 §4; RFC 9110 §10.2.3), before its body is read. Requests
 * that did not authenticate (discovery, {@code /health}) are not counted: {@link BearerAuth} and
 * its per-address throttle stand before everything else.
 *
 * <p>Access decisions ({@code /access/v1}) are not counted: a gateway or proxy asks one for each
 * request it serves, so its volume is its users', not an IdP's, and a budget sized for provisioning
 * would refuse them; they only read. The access history under it (an auditor's, and each answer a
 * replay of the journal) is counted like any request.
 *
 * <p>The client is the one that authenticated, whichever of its tokens it used ({@link
 * #clientKey}); the nodes on one database share its budget through the store ({@link
 * io.scimd.server.limits.UsageExchange}).
 */
final class RateLimiting extends Handler.Wrapper {
  private final Buckets clients;

  RateLimiting(Handler handler, Buckets clients) {
    super(handler);
    this.clients = clients;
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) throws Exception {
    String key = clientKey(request);
    if (key != null && !AccessHandler.isDecision(request.getHttpURI().getPath())) {
      long wait = clients.take(key);
      if (wait > 0) {
        Rate rate = clients.rate();
        long seconds = seconds(wait);
        HttpIo.refuse(
            request,
            response,
            callback,
            new ScimError(
                429,
                null,
                "this client has sent more requests than its rate limit allows ("
                    + rate
                    + ", bursts of "
                    + rate.burst()
                    + ", published in /ServiceProviderConfig): retry after "
                    + seconds
                    + " s"),
            Map.of("Retry-After", Long.toString(seconds)));
        return true;
      }
    }
    return super.handle(request, response, callback);
  }

  /**
   * The key a request is counted under: the client that authenticated (its id: every token and
   * access token of one client share one budget), null for a request that did not.
   */
  static @Nullable String clientKey(Request request) {
    return request.getAttribute(RequestScope.PRINCIPAL) instanceof Scope.Principal p
        ? p.id()
        : null;
  }

  /** {@code nanos} as the whole seconds of a {@code Retry-After}: rounded up, at least 1. */
  static long seconds(long nanos) {
    return Math.max(1, (nanos + 999_999_999L) / 1_000_000_000L);
  }
}
