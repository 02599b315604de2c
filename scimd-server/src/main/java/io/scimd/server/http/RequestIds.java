package io.scimd.server.http;

import java.util.regex.Pattern;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.jspecify.annotations.Nullable;

/**
 * The outermost wrapper: gives every request its id and reads its W3C trace context. The id is the
 * client's {@code X-Request-Id} when that is a sensible token (at most 128 of {@code
 * A-Za-z0-9._:@/+=-}, so an IdP's own correlation id leads to our logs and journal), else a new
 * UUID; either way it is put on the response, before any handler writes. A {@code traceparent}
 * header (W3C Trace Context §3.2) that parses is kept for the access log; one that does not is
 * ignored, as the recommendation asks, never an error.
 */
final class RequestIds extends Handler.Wrapper {
  /** The request attribute holding the request id. */
  static final String ID = "io.scimd.requestId";

  /** The request attribute holding the trace id of a valid {@code traceparent}. */
  static final String TRACE = "io.scimd.traceId";

  static final String HEADER = "X-Request-Id";

  private static final Pattern SAFE_ID = Pattern.compile("[A-Za-z0-9._:@/+=-]{1,128}");
  private static final Pattern TRACEPARENT =
      Pattern.compile("([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?");

  RequestIds(Handler handler) {
    super(handler);
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) throws Exception {
    String id = idOf(request.getHeaders().get(HEADER));
    request.setAttribute(ID, id);
    response.getHeaders().put(HEADER, id);
    String trace = traceId(request.getHeaders().get("traceparent"));
    if (trace != null) {
      request.setAttribute(TRACE, trace);
    }
    return super.handle(request, response, callback);
  }

  /** The client's id when it is sane, else a new one. */
  static String idOf(@Nullable String given) {
    return given != null && SAFE_ID.matcher(given).matches() ? given : RequestScope.newId();
  }

  /**
   * The trace id of a {@code traceparent} header, or null when there is none or it is invalid:
   * version {@code ff}, an all-zero trace or parent id, or version {@code 00} with anything after
   * its four fields (a later version may add fields after a dash).
   */
  static @Nullable String traceId(@Nullable String header) {
    if (header == null || header.length() > 512) {
      return null;
    }
    var m = TRACEPARENT.matcher(header.strip());
    if (!m.matches()) {
      return null;
    }
    String version = m.group(1);
    if (version.equals("ff") || version.equals("00") && m.group(5) != null) {
      return null;
    }
    String trace = m.group(2);
    if (trace.equals("0".repeat(32)) || m.group(3).equals("0".repeat(16))) {
      return null;
    }
    return trace;
  }

  /** The id {@link RequestIds} gave {@code request}, or a new one for a request it never saw. */
  static String of(Request request) {
    return request.getAttribute(ID) instanceof String s ? s : idOf(null);
  }
}
