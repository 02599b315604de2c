package io.scimd.server.http;

import io.scimd.store.Scope;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;

/**
 * The {@link Scope} of one HTTP request: the tenant and the principal {@link BearerAuth}
 * established, the client's address and the request id. The id is the client's {@code X-Request-Id}
 * when it is a sensible token (so an IdP's own correlation id leads to our journal), else a new
 * UUID; either way it is echoed in the response's {@code X-Request-Id}.
 */
final class RequestScope {
  /** The request attribute under which {@link BearerAuth} leaves the authenticated principal. */
  static final String PRINCIPAL = "io.scimd.principal";

  /** The request attribute under which {@link BearerAuth} leaves the tenant of the credential. */
  static final String TENANT = "io.scimd.tenant";

  /** The request attribute under which {@link BearerAuth} leaves the client's scopes. */
  static final String SCOPES = "io.scimd.scopes";

  static final String REQUEST_ID = RequestIds.HEADER;

  private RequestScope() {}

  /**
   * A random version-4 UUID from the thread's own generator: a request id needs to be unique, not
   * secret, and {@link UUID#randomUUID} draws every request's id from one shared SecureRandom.
   */
  static String newId() {
    ThreadLocalRandom r = ThreadLocalRandom.current();
    long high = (r.nextLong() & ~0xF000L) | 0x4000L; // version 4
    long low = (r.nextLong() & ~(0xC000L << 48)) | (0x8000L << 48); // IETF variant
    return new UUID(high, low).toString();
  }

  /** The scopes of the request's client; none when it was not authenticated. */
  @SuppressWarnings("unchecked")
  static Set<String> scopes(Request request) {
    return request.getAttribute(SCOPES) instanceof Set<?> s ? (Set<String>) s : Set.of();
  }

  /**
   * The scope of an authenticated request, in the tenant of its credential.
   *
   * @throws IllegalStateException when no principal was established (a route that skipped
   *     authentication must not write)
   */
  static Scope of(Request request, Response response) {
    if (!(request.getAttribute(PRINCIPAL) instanceof Scope.Principal principal)
        || !(request.getAttribute(TENANT) instanceof String tenant)) {
      throw new IllegalStateException(
          "no authenticated principal for " + request.getHttpURI().getPath());
    }
    // RequestIds gave the request its id and put it on the response already.
    String id = RequestIds.of(request);
    response.getHeaders().put(REQUEST_ID, id);
    return new Scope(tenant, principal, Request.getRemoteAddr(request), id);
  }
}
