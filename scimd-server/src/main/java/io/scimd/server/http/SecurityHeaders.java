package io.scimd.server.http;

import java.util.List;
import java.util.Locale;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.PreEncodedHttpField;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.internal.ResponseHttpFields;

/**
 * The security headers of every response, set before any handler runs:
 *
 * <ul>
 *   <li>{@code X-Content-Type-Options: nosniff}: a body is what its {@code Content-Type} says, so a
 *       browser never runs a user's {@code displayName} as a script;
 *   <li>{@code Cache-Control: no-store}: resources, lists and errors are directory data that no
 *       shared or browser cache should keep (RFC 9111 §5.2.2.5); SCIM clients do not cache, and
 *       {@code ETag}/{@code If-None-Match} work without a cache;
 *   <li>{@code Referrer-Policy: no-referrer}: no URL of the API leaks to another site;
 *   <li>{@code Strict-Transport-Security: max-age=31536000} when the request came over HTTPS (to
 *       this server, or to a trusted proxy that said so): a browser then never tries plain HTTP on
 *       this host for a year (RFC 6797; it ignores the header over plain HTTP anyway).
 * </ul>
 *
 * <p>The fields are Jetty's persistent response fields, which survive {@code Response.reset()}, so
 * an error answered after a handler failed carries them too. Jetty keeps that class in an {@code
 * internal} package; it is public, and the way Jetty keeps its own {@code Date} header.
 */
final class SecurityHeaders implements HttpConfiguration.Customizer {
  static final long HSTS_MAX_AGE_SECONDS = 365L * 24 * 3600;

  private static final List<HttpField> ALWAYS =
      List.of(
          new PreEncodedHttpField("X-Content-Type-Options", "nosniff"),
          new PreEncodedHttpField(HttpHeader.CACHE_CONTROL, "no-store"),
          new PreEncodedHttpField("Referrer-Policy", "no-referrer"));
  private static final HttpField HSTS =
      new PreEncodedHttpField(
          HttpHeader.STRICT_TRANSPORT_SECURITY, "max-age=" + HSTS_MAX_AGE_SECONDS);

  @Override
  public Request customize(Request request, HttpFields.Mutable responseHeaders) {
    for (HttpField f : ALWAYS) {
      responseHeaders.put(new ResponseHttpFields.PersistentHttpField(f));
    }
    String scheme = request.getHttpURI().getScheme();
    if (request.isSecure() || (scheme != null && scheme.toLowerCase(Locale.ROOT).equals("https"))) {
      responseHeaders.put(new ResponseHttpFields.PersistentHttpField(HSTS));
    }
    return request;
  }

  /**
   * Adds the headers of every response to {@code fields} of an answer Jetty writes before any
   * customizer ran.
   */
  static void addTo(HttpFields.Mutable fields) {
    ALWAYS.forEach(fields::put);
  }
}
