package io.scimd.server.hub;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.scimd.server.http.TestServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jspecify.annotations.Nullable;

/**
 * Stands between the hub and a downstream scimd: forwards every request to it unchanged, records
 * what was asked, and on demand answers in its place (a 500, a 429 with {@code Retry-After}) or
 * enforces AWS IAM Identity Center's limits the downstream itself does not have (at most 100
 * membership changes per PATCH, filters with {@code eq} only).
 */
final class RecordingScimProxy implements AutoCloseable {
  /** One request as the proxy received it. */
  record Request(String method, String path, @Nullable String query, String body) {
    /** How many member values the operations of this PATCH add or remove. */
    int memberChanges() {
      int n = 0;
      for (JsonNode op : TestServer.json(body).path("Operations")) {
        String path = op.path("path").asText("").toLowerCase(Locale.ROOT);
        if (path.startsWith("members")) {
          n += op.path("value").isArray() ? op.path("value").size() : 1;
        }
      }
      return n;
    }
  }

  private final HttpServer server;
  private final HttpClient http = HttpClient.newHttpClient();
  private final String downstream;
  private final List<Request> requests = new CopyOnWriteArrayList<>();
  private volatile int failWith;
  private volatile @Nullable String retryAfter;
  private volatile boolean aws;

  RecordingScimProxy(String downstreamBase) throws IOException {
    this.downstream = downstreamBase;
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", this::handle);
    server.start();
  }

  String url(String path) {
    return "http://127.0.0.1:" + server.getAddress().getPort() + path;
  }

  List<Request> requests() {
    return List.copyOf(requests);
  }

  List<Request> requests(String method, String pathPrefix) {
    return requests.stream()
        .filter(r -> r.method().equals(method) && r.path().startsWith(pathPrefix))
        .toList();
  }

  void clear() {
    requests.clear();
  }

  /** Answers every request with {@code status} (0: forwards again). */
  void failWith(int status, @Nullable String retryAfter) {
    this.failWith = status;
    this.retryAfter = retryAfter;
  }

  void enforceAwsLimits() {
    this.aws = true;
  }

  private volatile boolean small;

  /**
   * Behaves as a small SCIM service: its ServiceProviderConfig says PATCH, Bulk and filtering are
   * not supported, and it answers a PATCH or a filtered list with 501.
   */
  void actSmall() {
    this.small = true;
  }

  private void handle(HttpExchange x) throws IOException {
    try (x) {
      String body;
      try (InputStream in = x.getRequestBody()) {
        body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
      URI uri = x.getRequestURI();
      Request r = new Request(x.getRequestMethod(), uri.getPath(), uri.getQuery(), body);
      requests.add(r);
      if (failWith != 0) {
        if (retryAfter != null) {
          x.getResponseHeaders().add("Retry-After", retryAfter);
        }
        answer(x, failWith, error(failWith, "injected by the test"));
        return;
      }
      if (small && r.path().endsWith("/ServiceProviderConfig")) {
        answer(
            x,
            200,
            "{\"schemas\":[\"urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig\"],"
                + "\"patch\":{\"supported\":false},\"bulk\":{\"supported\":false,"
                + "\"maxOperations\":0,\"maxPayloadSize\":0},\"filter\":{\"supported\":false,"
                + "\"maxResults\":50},\"changePassword\":{\"supported\":false},"
                + "\"sort\":{\"supported\":false},\"etag\":{\"supported\":false},"
                + "\"authenticationSchemes\":[]}");
        return;
      }
      if (small
          && (r.method().equals("PATCH") || (r.query() != null && r.query().contains("filter=")))) {
        answer(x, 501, error(501, "not implemented here"));
        return;
      }
      if (aws && r.method().equals("PATCH") && r.memberChanges() > 100) {
        answer(x, 400, error(400, "at most 100 membership changes per PATCH"));
        return;
      }
      if (aws
          && r.query() != null
          && r.query().contains("filter=")
          && !r.query().toLowerCase(Locale.ROOT).matches("(.*&)?filter=[^&]* eq [^&]*(&.*)?")) {
        answer(x, 400, error(400, "only eq filters"));
        return;
      }
      HttpRequest.Builder out =
          HttpRequest.newBuilder(URI.create(downstream + uri.getRawPath() + query(uri)))
              .method(
                  r.method(),
                  body.isEmpty()
                      ? HttpRequest.BodyPublishers.noBody()
                      : HttpRequest.BodyPublishers.ofString(body));
      for (String h : List.of("Authorization", "Content-Type", "Accept", "If-Match")) {
        String v = x.getRequestHeaders().getFirst(h);
        if (v != null) {
          out.header(h, v);
        }
      }
      HttpResponse<byte[]> response;
      try {
        response = http.send(out.build(), HttpResponse.BodyHandlers.ofByteArray());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        answer(x, 502, error(502, "interrupted"));
        return;
      }
      response
          .headers()
          .firstValue("Content-Type")
          .ifPresent(v -> x.getResponseHeaders().add("Content-Type", v));
      response.headers().firstValue("ETag").ifPresent(v -> x.getResponseHeaders().add("ETag", v));
      byte[] bytes = response.body();
      x.sendResponseHeaders(response.statusCode(), bytes.length == 0 ? -1 : bytes.length);
      if (bytes.length > 0) {
        try (OutputStream o = x.getResponseBody()) {
          o.write(bytes);
        }
      }
    }
  }

  private static String query(URI uri) {
    return uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery();
  }

  private static String error(int status, String detail) {
    return "{\"schemas\":[\"urn:ietf:params:scim:api:messages:2.0:Error\"],\"status\":\""
        + status
        + "\",\"detail\":\""
        + detail
        + "\"}";
  }

  private static void answer(HttpExchange x, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    x.getResponseHeaders().add("Content-Type", "application/scim+json");
    x.sendResponseHeaders(status, bytes.length);
    try (OutputStream o = x.getResponseBody()) {
      o.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
