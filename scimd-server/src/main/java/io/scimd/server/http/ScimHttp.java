package io.scimd.server.http;

import io.scimd.server.service.ScimService;
import io.scimd.store.Credentials;
import java.time.InstantSource;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;

/** Assembles the HTTP adapter: error handling around bearer authentication around the endpoints. */
public final class ScimHttp {
  private ScimHttp() {}

  /** The handler tree serving {@code /scim/v2} and {@code /health}. */
  public static Handler handler(ScimService service, Credentials credentials, InstantSource clock) {
    return new ErrorHandling(new BearerAuth(new ScimHandler(service), credentials, clock));
  }

  /** The server-wide error handler for errors Jetty raises itself, as SCIM error bodies. */
  public static Request.Handler errorHandler() {
    return new ScimErrorPages();
  }
}
