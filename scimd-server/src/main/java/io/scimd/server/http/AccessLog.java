package io.scimd.server.http;

import static net.logstash.logback.argument.StructuredArguments.keyValue;

import io.scimd.core.schema.SchemaRegistry;
import io.scimd.server.observe.Telemetry;
import io.scimd.store.Scope;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.RequestLog;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.NanoTime;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One line per request on the logger {@value #LOGGER}, written once the response is complete, and
 * the request counted in the metrics. The line names the method, the route template and the path
 * (never the query, which may hold a filter on someone's email address), the status, the duration
 * in milliseconds, the client's address, the tenant and client of its credential, the request id,
 * the trace id of a valid {@code traceparent}, and the bytes read and written. Each field is a
 * structured argument: {@code key=value} in the plain format, a key of its own in JSON. Nothing of
 * the request's headers is logged, so no credential can be. A 5xx is logged at ERROR (its request
 * id is the one the client got in the body), a 503 of {@code /health/ready} at WARN, anything else
 * at INFO.
 */
final class AccessLog implements RequestLog {
  static final String LOGGER = "scimd.access";
  private static final Logger LOG = LoggerFactory.getLogger(LOGGER);

  private final Telemetry telemetry;
  private final SchemaRegistry registry;

  AccessLog(Telemetry telemetry, SchemaRegistry registry) {
    this.telemetry = telemetry;
    this.registry = registry;
  }

  @Override
  public void log(Request request, Response response) {
    long nanos = NanoTime.since(request.getBeginNanoTime());
    String path = request.getHttpURI().getPath();
    if (path == null) {
      path = "";
    }
    String route = RouteTemplates.of(path, registry);
    int status = response.getStatus();
    String tenant = request.getAttribute(RequestScope.TENANT) instanceof String t ? t : "-";
    String client =
        request.getAttribute(RequestScope.PRINCIPAL) instanceof Scope.Principal p
            ? tenant + "/" + p.name()
            : "-";
    String id = request.getAttribute(RequestIds.ID) instanceof String s ? s : "-";
    String trace = request.getAttribute(RequestIds.TRACE) instanceof String s ? s : "-";
    String method = request.getMethod();
    telemetry.request(method, route, status, client, nanos);
    if (!"-".equals(tenant)) {
      telemetry.tenant(tenant);
    }
    // A readiness probe's 503 is a state a load balancer polls, not a failure to chase per line.
    boolean failed = status >= 500 && !route.startsWith("/health");
    boolean warn = status >= 500 && !failed;
    if (failed ? !LOG.isErrorEnabled() : warn ? !LOG.isWarnEnabled() : !LOG.isInfoEnabled()) {
      return;
    }
    Object[] fields = {
      keyValue("method", method),
      keyValue("route", route),
      keyValue("path", path),
      keyValue("status", status),
      keyValue("duration_ms", round(nanos)),
      keyValue("remote", Request.getRemoteAddr(request)),
      keyValue("tenant", tenant),
      keyValue("client", client),
      keyValue("request_id", id),
      keyValue("trace_id", trace),
      keyValue("bytes_in", Math.max(0, Request.getContentBytesRead(request))),
      keyValue("bytes_out", Math.max(0, Response.getContentBytesWritten(response)))
    };
    String format = "{} {} {} {} {} {} {} {} {} {} {} {}";
    if (failed) {
      LOG.error(format, fields);
    } else if (warn) {
      LOG.warn(format, fields);
    } else {
      LOG.info(format, fields);
    }
  }

  /** Milliseconds with one decimal: whole ones say little of the short requests. */
  private static double round(long nanos) {
    return Math.round(nanos / 100_000.0) / 10.0;
  }
}
