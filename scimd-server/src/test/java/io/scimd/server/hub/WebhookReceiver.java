package io.scimd.server.hub;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.jspecify.annotations.Nullable;

/**
 * A webhook receiver on 127.0.0.1, the JDK's HTTP server: it records every request, checks its
 * Standard Webhooks signature with the secret it is given (computed here, not with scimd's code, so
 * a wrong signature fails the test), and answers what the test tells it to.
 */
final class WebhookReceiver implements AutoCloseable {
  static final ObjectMapper JSON = new ObjectMapper();

  /** One request as it arrived. */
  record Delivery(
      String id, long timestamp, JsonNode body, boolean signed, int answered, Instant at) {
    /** The journal number in the SET's {@code jti} ({@code <seq>-<receiver hash>}). */
    long seq() {
      String jti = body.path("jti").asText();
      return Long.parseLong(jti.substring(0, jti.indexOf('-')));
    }

    /**
     * What the SET says, read the way a receiver would: {@code id} and {@code resourceType} from
     * {@code sub_id}, {@code kind} from the event URIs (memberships are patches of the group),
     * {@code change} the events themselves.
     */
    JsonNode event() {
      String uri = body.path("sub_id").path("uri").asText();
      String[] parts = uri.split("/");
      com.fasterxml.jackson.databind.node.ObjectNode out = JSON.createObjectNode();
      out.put("id", parts[parts.length - 1]);
      String endpoint = parts.length > 1 ? parts[1] : "";
      out.put(
          "resourceType",
          endpoint.endsWith("s") ? endpoint.substring(0, endpoint.length() - 1) : endpoint);
      JsonNode events = body.path("events");
      String kind = "unknown";
      for (java.util.Iterator<String> it = events.fieldNames(); it.hasNext(); ) {
        String event = it.next();
        String op = event.substring("urn:ietf:params:scim:event:prov:".length());
        if (op.startsWith("create")) {
          kind = "created";
        } else if (op.startsWith("put")) {
          kind = "replaced";
        } else if (op.startsWith("delete")) {
          kind = "deleted";
        } else if (op.startsWith("patch")) {
          String ops = events.path(event).toString();
          kind =
              ops.contains("\"members\"") && ops.contains("\"add\"")
                  ? "members_added"
                  : ops.contains("members[") ? "members_removed" : "patched";
        }
      }
      out.put("kind", kind);
      out.set("change", events);
      return out;
    }

    String what() {
      return event().path("resourceType").asText() + " " + event().path("kind").asText();
    }
  }

  /** What the receiver answers: a status and, for 429 and 503, a Retry-After. */
  record Answer(int status, @Nullable String retryAfter) {}

  private final List<Delivery> received = new CopyOnWriteArrayList<>();
  private final List<Answer> scripted = new ArrayList<>();
  private volatile Answer otherwise = new Answer(204, null);
  private volatile @Nullable String secret;
  private HttpServer http;
  private final int port;

  WebhookReceiver() throws IOException {
    this(0);
  }

  WebhookReceiver(int port) throws IOException {
    http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 16);
    http.createContext("/hook", this::handle);
    http.start();
    this.port = http.getAddress().getPort();
  }

  int port() {
    return port;
  }

  String url() {
    return "http://127.0.0.1:" + port + "/hook";
  }

  void secret(String whsec) {
    this.secret = whsec;
  }

  /** Answers these, one per request, then {@link #otherwise}. */
  synchronized void script(Answer... answers) {
    scripted.addAll(List.of(answers));
  }

  void otherwise(int status) {
    otherwise = new Answer(status, null);
  }

  /** The requests answered with a 2xx, in the order they came. */
  List<Delivery> accepted() {
    return received.stream().filter(d -> d.answered() / 100 == 2).toList();
  }

  List<Delivery> all() {
    return List.copyOf(received);
  }

  /** Stops listening at once (connections refused). */
  void stop() {
    http.stop(0);
  }

  /** Listens again on the same port. */
  void restart() throws IOException {
    http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 16);
    http.createContext("/hook", this::handle);
    http.start();
  }

  private synchronized Answer next() {
    return scripted.isEmpty() ? otherwise : scripted.remove(0);
  }

  private void handle(HttpExchange ex) throws IOException {
    byte[] body;
    try (InputStream in = ex.getRequestBody()) {
      body = in.readAllBytes();
    }
    String id = ex.getRequestHeaders().getFirst("webhook-id");
    String ts = ex.getRequestHeaders().getFirst("webhook-timestamp");
    String sig = ex.getRequestHeaders().getFirst("webhook-signature");
    boolean signed = id != null && ts != null && sig != null && verify(id, ts, body, sig);
    Answer a = next();
    received.add(
        new Delivery(
            String.valueOf(id),
            ts == null ? 0 : Long.parseLong(ts),
            JSON.readTree(body),
            signed,
            a.status(),
            Instant.now()));
    if (a.retryAfter() != null) {
      ex.getResponseHeaders().add("Retry-After", a.retryAfter());
    }
    ex.sendResponseHeaders(a.status(), -1);
    ex.close();
  }

  /** Whether one of the space-separated {@code v1,} signatures is the secret's. */
  private boolean verify(String id, String ts, byte[] body, String header) {
    String s = secret;
    if (s == null || !s.startsWith("whsec_")) {
      return false;
    }
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(Base64.getDecoder().decode(s.substring(6)), "HmacSHA256"));
      mac.update((id + "." + ts + ".").getBytes(StandardCharsets.UTF_8));
      byte[] expected = mac.doFinal(body);
      for (String part : header.split(" ")) {
        if (part.startsWith("v1,")
            && MessageDigest.isEqual(expected, Base64.getDecoder().decode(part.substring(3)))) {
          return true;
        }
      }
      return false;
    } catch (Exception e) {
      return false;
    }
  }

  /** Waits up to {@code within} for {@code condition}. */
  static void await(Duration within, BooleanSupplier condition, String what) {
    long end = System.nanoTime() + within.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > end) {
        throw new AssertionError("not within " + within + ": " + what);
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new UncheckedIOException(new IOException(e));
      }
    }
  }

  @Override
  public void close() {
    http.stop(0);
  }
}
