package io.scimd.client;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.function.Function;

/**
 * A stand-in SCIM server on 127.0.0.1 (the JDK's HttpServer): it answers each request with what
 * {@code answer} returns for it and records every request, for the edge cases that a real scimd
 * will not produce on demand (429, Retry-After, a lying totalResults, a repeated cursor).
 */
final class StandIn implements AutoCloseable {
  /** A request as the stand-in saw it. */
  record Seen(String method, URI uri, Map<String, List<String>> headers, String body) {
    String header(String name) {
      for (Map.Entry<String, List<String>> e : headers.entrySet()) {
        if (e.getKey().equalsIgnoreCase(name)) {
          return e.getValue().get(0);
        }
      }
      return "";
    }

    /** The decoded value of query parameter {@code name}, or null. */
    String query(String name) {
      String raw = uri.getRawQuery();
      if (raw == null) {
        return null;
      }
      for (String p : raw.split("&")) {
        int eq = p.indexOf('=');
        String k = eq < 0 ? p : p.substring(0, eq);
        if (k.equals(name)) {
          return eq < 0
              ? ""
              : java.net.URLDecoder.decode(p.substring(eq + 1), StandardCharsets.UTF_8);
        }
      }
      return null;
    }
  }

  /** An answer: status, headers as name, value pairs, body (empty: none). */
  record Answer(int status, String body, String... headers) {
    static Answer json(int status, String body, String... headers) {
      return new Answer(status, body, headers);
    }
  }

  final List<Seen> seen = Collections.synchronizedList(new ArrayList<>());
  private final HttpServer server;

  StandIn(Function<Seen, Answer> answer) throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.setExecutor(Executors.newCachedThreadPool());
    server.createContext(
        "/",
        exchange -> {
          try (exchange) {
            Seen s =
                new Seen(
                    exchange.getRequestMethod(),
                    exchange.getRequestURI(),
                    Map.copyOf(exchange.getRequestHeaders()),
                    new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            seen.add(s);
            reply(exchange, answer.apply(s));
          }
        });
    server.start();
  }

  private static void reply(HttpExchange exchange, Answer a) throws IOException {
    for (int i = 0; i < a.headers().length; i += 2) {
      exchange.getResponseHeaders().add(a.headers()[i], a.headers()[i + 1]);
    }
    byte[] body = a.body().getBytes(StandardCharsets.UTF_8);
    if (!a.body().isEmpty()) {
      exchange.getResponseHeaders().add("Content-Type", "application/scim+json");
    }
    exchange.sendResponseHeaders(a.status(), body.length == 0 ? -1 : body.length);
    if (body.length > 0) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
  }

  URI base() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/scim/v2");
  }

  int port() {
    return server.getAddress().getPort();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
