package io.scimd.server.http;

import io.scimd.server.audit.AuthFailures;
import io.scimd.server.clients.ClientAdmin;
import io.scimd.server.service.ScimService;
import io.scimd.store.Credentials;
import io.scimd.store.Store;
import java.time.InstantSource;
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
   * {@code /admin/v1} and {@code /health}.
   */
  public static Handler handler(
      ScimService service,
      Credentials credentials,
      ClientAdmin admin,
      Store store,
      AuthFailures failures,
      InstantSource clock) {
    ScimHandler scim = new ScimHandler(service);
    AdminHandler adminApi = new AdminHandler(admin, store, service.registry());
    Handler.Abstract endpoints =
        new Handler.Abstract() {
          @Override
          public boolean handle(Request request, Response response, Callback callback)
              throws Exception {
            return Routes.isAdmin(request.getHttpURI().getPath())
                ? adminApi.handle(request, response, callback)
                : scim.handle(request, response, callback);
          }
        };
    return new ErrorHandling(new BearerAuth(endpoints, credentials, clock, failures));
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
