package io.scimd.server.http;

import io.scimd.server.limits.Buckets;
import io.scimd.server.service.ScimService;
import io.scimd.store.Credentials;
import java.time.InstantSource;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.Request;
import org.jspecify.annotations.Nullable;

/**
 * Assembles the HTTP adapter: error handling around bearer authentication (with its per-address
 * throttle of failed authentications) around the client rate limit around the endpoints.
 */
public final class ScimHttp {
  private ScimHttp() {}

  /**
   * The handler tree serving {@code /scim/v2}, {@code /tenants/{tenant}/scim/v2} and {@code
   * /health}.
   *
   * @param clients the client rate limit's buckets, or null for none
   * @param authFailures failed authentications by client address, or null to throttle none
   */
  public static Handler handler(
      ScimService service,
      Credentials credentials,
      InstantSource clock,
      @Nullable Buckets clients,
      @Nullable Buckets authFailures) {
    Handler endpoints = new ScimHandler(service);
    if (clients != null) {
      endpoints = new RateLimiting(endpoints, clients);
    }
    return new ErrorHandling(new BearerAuth(endpoints, credentials, clock, authFailures));
  }

  /**
   * The request customizer that puts the security headers on every response ({@code nosniff},
   * {@code no-store}, {@code no-referrer}, and HSTS over HTTPS); add it after the transport's own.
   */
  public static HttpConfiguration.Customizer securityHeaders() {
    return new SecurityHeaders();
  }

  /** The server-wide error handler for errors Jetty raises itself, as SCIM error bodies. */
  public static Request.Handler errorHandler() {
    return new ScimErrorPages();
  }
}
