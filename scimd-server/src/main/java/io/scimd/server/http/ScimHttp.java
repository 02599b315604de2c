package io.scimd.server.http;

import io.scimd.server.clients.ClientAdmin;
import io.scimd.server.oauth.AuthorizationServer;
import io.scimd.server.service.ScimService;
import io.scimd.store.Credentials;
import java.time.InstantSource;
import java.util.function.Function;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/** Assembles the HTTP adapter: error handling around bearer authentication around the endpoints. */
public final class ScimHttp {
  private ScimHttp() {}

  /**
   * The handler tree serving {@code /scim/v2}, {@code /tenants/{tenant}/scim/v2}, the admin API
   * {@code /admin/v1}, the OAuth endpoints and {@code /health}. {@code services} gives each
   * tenant's SCIM service (its schemas).
   */
  public static Handler handler(
      Function<String, ScimService> services,
      Credentials credentials,
      ClientAdmin admin,
      AuthorizationServer oauth,
      InstantSource clock) {
    ScimHandler scim = new ScimHandler(services);
    AdminHandler adminApi = new AdminHandler(admin);
    OAuthHandler oauthEndpoints = new OAuthHandler(oauth);
    Handler.Abstract endpoints =
        new Handler.Abstract() {
          @Override
          public boolean handle(Request request, Response response, Callback callback)
              throws Exception {
            String path = request.getHttpURI().getPath();
            if (OAuthHandler.serves(path)) {
              return oauthEndpoints.handle(request, response, callback);
            }
            return Routes.isAdmin(path)
                ? adminApi.handle(request, response, callback)
                : scim.handle(request, response, callback);
          }
        };
    return new ErrorHandling(new BearerAuth(endpoints, credentials, oauth, clock));
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
