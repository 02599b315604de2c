package io.scimd.server.http;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scimd.core.error.ScimError;
import io.scimd.server.clients.Scopes;
import io.scimd.server.observe.Telemetry;
import io.scimd.store.Scope;
import io.scimd.store.Store;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The endpoints for whoever runs scimd rather than uses it: {@code /health/live} (the process
 * answers), {@code /health/ready} (the store answers a trivial query, its schema is migrated, and
 * the node is not shutting down; else 503 with {@code Retry-After} and what is not ready), and
 * {@code /metrics} (the Prometheus text exposition, for a client with the scope {@code metrics} or
 * {@code admin} unless {@code --metrics-open}). The health endpoints need no credential and tell
 * nothing but up or down.
 */
final class Operations {
  static final String LIVE = "/health/live";
  static final String READY = "/health/ready";
  static final String METRICS = "/metrics";

  /** Prometheus' text exposition format, version 0.0.4. */
  static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

  private final Store store;
  private final Telemetry telemetry;
  private final boolean metricsOpen;

  Operations(Store store, Telemetry telemetry, boolean metricsOpen) {
    this.store = store;
    this.telemetry = telemetry;
    this.metricsOpen = metricsOpen;
  }

  static boolean serves(String path) {
    return path.equals(LIVE) || path.equals(READY) || path.equals(METRICS);
  }

  boolean handle(Request request, Response response, Callback callback) {
    String path = request.getHttpURI().getPath();
    String method = request.getMethod();
    if (!method.equals("GET") && !method.equals("HEAD")) {
      HttpIo.writeError(
          response,
          callback,
          new ScimError(405, null, "only GET is allowed on " + path),
          Map.of("Allow", "GET, HEAD"));
      return true;
    }
    switch (path) {
      case LIVE -> {
        ObjectNode body = JsonNodeFactory.instance.objectNode().put("status", "UP");
        json(response, callback, 200, body, Map.of());
      }
      case READY -> ready(response, callback);
      default -> metrics(request, response, callback);
    }
    return true;
  }

  private void ready(Response response, Callback callback) {
    ObjectNode body = JsonNodeFactory.instance.objectNode();
    ObjectNode checks = body.putObject("checks");
    boolean stopping = telemetry.isStopping();
    // An open store has its schema migrated: a node whose migrations are pending does not start.
    boolean up = !stopping && store.healthy();
    checks.put("shuttingDown", stopping);
    checks.put("database", up ? "UP" : stopping ? "NOT CHECKED" : "DOWN");
    checks.put("migrations", "APPLIED");
    body.put("status", up ? "READY" : "NOT READY");
    if (!up) {
      body.put(
          "detail",
          stopping
              ? "the node is shutting down"
              : "the database did not answer a trivial query within "
                  + Store.HEALTH_TIMEOUT_MS
                  + " ms (unreachable, closed, or every connection busy)");
    }
    json(response, callback, up ? 200 : 503, body, up ? Map.of() : Map.of("Retry-After", "5"));
  }

  private void metrics(Request request, Response response, Callback callback) {
    if (!metricsOpen) {
      Set<String> scopes = RequestScope.scopes(request);
      if (!scopes.contains(Scopes.METRICS) && !scopes.contains(Scopes.ADMIN)) {
        HttpIo.writeError(
            response,
            callback,
            new ScimError(403, null, "/metrics needs a client with the scope metrics (or admin)"),
            Map.of(
                "WWW-Authenticate",
                BearerAuth.REALM + ", error=\"insufficient_scope\", scope=\"metrics\""));
        return;
      }
      // The scrape names every tenant (its journal, its targets, its clients): only the operator's
      // own tenant may read it; another tenant must not learn that others exist (ADR 0010).
      if (!Scope.DEFAULT_TENANT.equals(request.getAttribute(RequestScope.TENANT))) {
        HttpIo.writeError(
            response,
            callback,
            new ScimError(
                403,
                null,
                "/metrics is the operator's: it needs a client of the default tenant with the"
                    + " scope metrics (or admin)"),
            Map.of());
        return;
      }
    }
    byte[] bytes = telemetry.scrape().getBytes(StandardCharsets.UTF_8);
    response.setStatus(200);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, PROMETHEUS_TEXT);
    response.getHeaders().put(HttpHeader.CONTENT_LENGTH, bytes.length);
    response.write(true, ByteBuffer.wrap(bytes), callback);
  }

  private static void json(
      Response response, Callback callback, int status, ObjectNode body, Map<String, String> h) {
    byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
    response.setStatus(status);
    h.forEach((k, v) -> response.getHeaders().put(k, v));
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
    response.getHeaders().put("Cache-Control", "no-store");
    response.getHeaders().put(HttpHeader.CONTENT_LENGTH, bytes.length);
    response.write(true, ByteBuffer.wrap(bytes), callback);
  }
}
