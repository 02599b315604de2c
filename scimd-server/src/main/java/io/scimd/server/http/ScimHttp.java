package io.scimd.server.http;

import io.scimd.access.AccessModel;
import io.scimd.core.schema.SchemaRegistry;
import io.scimd.server.audit.AuthFailures;
import io.scimd.server.clients.ClientAdmin;
import io.scimd.server.hub.HubNode;
import io.scimd.server.limits.Buckets;
import io.scimd.server.oauth.AuthorizationServer;
import io.scimd.server.observe.Telemetry;
import io.scimd.server.service.ScimService;
import io.scimd.store.Store;
import io.scimd.sync.ssf.SsfStreams;
import java.time.InstantSource;
import java.util.function.Function;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.jspecify.annotations.Nullable;

/**
 * Assembles the HTTP adapter: error handling around bearer authentication (with its per-address
 * throttle of failed authentications) around the client rate limit around the endpoints; outermost,
 * the request ids.
 */
public final class ScimHttp {
  private ScimHttp() {}

  /**
   * The handler tree serving {@code /scim/v2}, {@code /tenants/{tenant}/scim/v2}, the admin API
   * {@code /admin/v1}, the OAuth endpoints and {@code /health}. {@code services} gives each
   * tenant's SCIM service (its schemas).
   *
   * @param registry every tenant's schemas together: what the admin API's audit queries name
   * @param clients the client rate limit's buckets, or null for none
   * @param authFailures failed authentications by client address, or null to throttle none
   * @param failureLog where failed authentications are counted for the audit trail
   * @param hub the provisioning hub's targets, for the admin API
   * @param streams the security event transmitter the SSF endpoints serve
   * @param access the access model the AuthZEN, claims and admin endpoints serve
   * @param telemetry the metrics {@code /metrics} serves and whether the node is shutting down
   * @param metricsOpen whether {@code /metrics} answers without a credential
   */
  public static Handler handler(
      Function<String, ScimService> services,
      SchemaRegistry registry,
      Store store,
      ClientAdmin admin,
      AuthorizationServer oauth,
      InstantSource clock,
      @Nullable Buckets clients,
      @Nullable Buckets authFailures,
      AuthFailures failureLog,
      HubNode hub,
      SsfStreams streams,
      AccessModel access,
      Telemetry telemetry,
      boolean metricsOpen) {
    ScimHandler scim = new ScimHandler(services);
    SsfHandler ssf = new SsfHandler(streams, oauth);
    AdminHandler adminApi = new AdminHandler(admin, store, registry, hub, access);
    AccessHandler accessApi = new AccessHandler(access, clock);
    OAuthHandler oauthEndpoints = new OAuthHandler(oauth);
    Operations operations = new Operations(store, telemetry, metricsOpen);
    Handler endpoints =
        new Handler.Abstract() {
          @Override
          public boolean handle(Request request, Response response, Callback callback)
              throws Exception {
            String path = request.getHttpURI().getPath();
            if (Operations.serves(path)) {
              return operations.handle(request, response, callback);
            }
            if (OAuthHandler.serves(path)) {
              return oauthEndpoints.handle(request, response, callback);
            }
            if (SsfHandler.serves(path)) {
              return ssf.handle(request, response, callback);
            }
            if (AccessHandler.serves(path)) {
              return accessApi.handle(request, response, callback);
            }
            return Routes.isAdmin(path)
                ? adminApi.handle(request, response, callback)
                : scim.handle(request, response, callback);
          }
        };
    if (clients != null) {
      endpoints = new RateLimiting(endpoints, clients);
    }
    return new RequestIds(
        new ErrorHandling(
            new BearerAuth(endpoints, store.credentials(), oauth, clock, authFailures, failureLog)
                .protectMetrics(!metricsOpen)));
  }

  /**
   * The request customizer that puts the security headers on every response ({@code nosniff},
   * {@code no-store}, {@code no-referrer}, and HSTS over HTTPS); add it after the transport's own.
   */
  public static HttpConfiguration.Customizer securityHeaders() {
    return new SecurityHeaders();
  }

  /**
   * The access log: one line per request on the logger {@code scimd.access}, and the request
   * counted in {@code telemetry}.
   */
  public static org.eclipse.jetty.server.RequestLog accessLog(
      Telemetry telemetry, SchemaRegistry registry) {
    return new AccessLog(telemetry, registry);
  }

  /** The server-wide error handler for errors Jetty raises itself, as SCIM error bodies. */
  public static Request.Handler errorHandler() {
    return new ScimErrorPages();
  }
}
