package io.scimd.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.scimd.server.ScimServer;
import io.scimd.server.ServerConfig;
import io.scimd.server.service.ServiceConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** A real scimd on 127.0.0.1, an ephemeral port and a temporary data directory, and a client for it. */
public final class TestServer implements AutoCloseable {
  public static final String TOKEN = "test-bootstrap-token-0123456789-abcdefghij";
  static final ObjectMapper JSON = new ObjectMapper();

  public final Path dataDir;
  public final ScimServer server;
  public final String printed;
  private final HttpClient client =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).version(HttpClient.Version.HTTP_1_1).build();

  private TestServer(Path dataDir, ScimServer server, String printed) {
    this.dataDir = dataDir;
    this.server = server;
    this.printed = printed;
  }

  public static TestServer start() {
    try {
      return start(Files.createTempDirectory("scimd-http"), TOKEN);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static TestServer start(Path dataDir, String bootstrapToken) {
    return start(dataDir, bootstrapToken, null);
  }

  /** Starts with the extra schema and resource type definitions of {@code schemasDir} (--schemas). */
  public static TestServer startWithSchemas(Path schemasDir) {
    try {
      return start(Files.createTempDirectory("scimd-http"), TOKEN, schemasDir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static TestServer start(Path dataDir, String bootstrapToken, Path schemasDir) {
    return start(new ServerConfig("127.0.0.1", 0, dataDir, schemasDir, bootstrapToken, ServiceConfig.DEFAULTS));
  }

  /** Starts as {@code config} says (its bootstrap token should be {@link #TOKEN} for {@link #send}). */
  public static TestServer start(ServerConfig config) {
    StringWriter out = new StringWriter();
    ScimServer s = ScimServer.start(config, new PrintWriter(out, true));
    return new TestServer(config.dataDir(), s, out.toString());
  }

  public String url(String path) {
    return "http://127.0.0.1:" + server.port() + path;
  }

  /** Sends {@code method path} with the bootstrap token; {@code headers} are name, value pairs. */
  public HttpResponse<String> send(String method, String path, String body, String... headers) {
    String[] all = new String[headers.length + 2];
    all[0] = "Authorization";
    all[1] = "Bearer " + TOKEN;
    System.arraycopy(headers, 0, all, 2, headers.length);
    return sendRaw(method, path, body, all);
  }

  /** Sends without adding any header; a null body sends none. */
  public HttpResponse<String> sendRaw(String method, String path, String body, String... headers) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url(path))).timeout(Duration.ofSeconds(20));
    b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (body != null && !hasHeader(headers, "Content-Type")) {
      b.header("Content-Type", "application/scim+json");
    }
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    try {
      return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  public HttpResponse<String> send(HttpRequest.Builder request) {
    try {
      return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Writes {@code request} verbatim on a socket and returns the whole raw response. */
  public String rawExchange(String request) {
    try (Socket s = new Socket("127.0.0.1", server.port())) {
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      out.write(request.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      InputStream in = s.getInputStream();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static JsonNode json(HttpResponse<String> r) {
    try {
      return JSON.readTree(r.body());
    } catch (IOException e) {
      throw new AssertionError("not JSON: " + r.body(), e);
    }
  }

  private static boolean hasHeader(String[] headers, String name) {
    for (int i = 0; i < headers.length; i += 2) {
      if (headers[i].equalsIgnoreCase(name)) {
        return true;
      }
    }
    return false;
  }

  @Override
  public void close() {
    server.close();
  }
}
