package io.scimd.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.scimd.core.schema.SchemaUrns;
import io.scimd.server.ScimServer;
import io.scimd.server.ServerConfig;
import io.scimd.server.limits.Rate;
import io.scimd.server.service.ServiceConfig;
import io.scimd.store.PgTestDatabase;
import io.scimd.store.PoolSettings;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * The one harness of the HTTP tests: a real scimd on 127.0.0.1, an ephemeral port and a temporary
 * data directory (or a PostgreSQL database), and every way a test talks to it. {@link #send} and
 * {@link #sendRaw} speak HTTP through {@link HttpClient}; a {@link Client} speaks SCIM as one
 * provisioning client does (its headers on every request, paths relative to a base); {@link
 * #rawExchange} and {@link #raw} write bytes on a socket, for requests an HTTP library refuses to
 * send. The static helpers build request bodies and assert what RFC 7644 §3.12 says an answer is.
 */
public final class TestServer implements AutoCloseable {
  public static final String TOKEN = "test-bootstrap-token-0123456789-abcdefghij";

  /** The base path of the SCIM endpoints (RFC 7644 §3.13 leaves it to the service provider). */
  public static final String SCIM = "/scim/v2";

  public static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  /** Where the server keeps its files; null for a server started elsewhere ({@link #of}). */
  public final @Nullable Path dataDir;

  public final ScimServer server;
  public final String printed;

  /** The port the server listened on when started: a halted server's own port() no longer says. */
  private final int port;

  private final HttpClient client =
      HttpClient.newBuilder()
          .connectTimeout(Duration.ofSeconds(5))
          .version(HttpClient.Version.HTTP_1_1)
          .build();
  private @Nullable Connection db;

  /** The port it listens on. */
  public int port() {
    return port;
  }

  private TestServer(@Nullable Path dataDir, ScimServer server, String printed) {
    this.dataDir = dataDir;
    this.server = server;
    this.printed = printed;
    this.port = server.port();
  }

  // ------------------------------------------------------------------ starting

  /**
   * A new server on SQLite in a new temporary directory, with the built-in schemas and {@link
   * #TOKEN}.
   */
  public static TestServer start() {
    return start(config());
  }

  public static TestServer start(Path dataDir, @Nullable String bootstrapToken) {
    return start(dataDir, bootstrapToken, null);
  }

  /**
   * Starts with the extra schema and resource type definitions of {@code schemasDir} (--schemas).
   */
  public static TestServer startWithSchemas(Path schemasDir) {
    return start(tempDir(), TOKEN, schemasDir);
  }

  /**
   * Starts with the definitions in the test resource directory {@code resource}, e.g. {@code
   * /schemas/acme}.
   */
  public static TestServer startWithSchemas(String resource) {
    try {
      return startWithSchemas(Path.of(TestServer.class.getResource(resource).toURI()));
    } catch (URISyntaxException e) {
      throw new IllegalStateException(resource, e);
    }
  }

  static TestServer start(
      Path dataDir, @Nullable String bootstrapToken, @Nullable Path schemasDir) {
    return start(
        unlimited(
            new ServerConfig(
                "127.0.0.1", 0, dataDir, schemasDir, bootstrapToken, ServiceConfig.DEFAULTS)));
  }

  /**
   * {@code config} without the client rate limit and the throttle of failed authentications: the
   * tests of everything else send requests faster, and bad tokens more often, than any client
   * should. The tests of the limits turn them on ({@code limits.RateLimitTest}).
   */
  public static ServerConfig unlimited(ServerConfig config) {
    return config
        .withService(config.service().withRateLimit(Rate.OFF))
        .withAuthFailureLimit(Rate.OFF);
  }

  /**
   * Starts with {@code config} (its bootstrap token should be {@link #TOKEN} for {@link #send}).
   */
  public static TestServer start(ServerConfig config) {
    StringWriter out = new StringWriter();
    ScimServer s = ScimServer.start(config, new PrintWriter(out, true));
    return new TestServer(config.dataDir(), s, out.toString());
  }

  /**
   * A client of {@code server}, started elsewhere (by the command line); closing it stops the
   * server.
   */
  public static TestServer of(ScimServer server) {
    return new TestServer(null, server, "");
  }

  /**
   * What {@link #start()} starts with: SQLite in a new temporary directory, {@link #TOKEN},
   * defaults, but no rate limits ({@link #unlimited}).
   */
  public static ServerConfig config() {
    return unlimited(
        new ServerConfig("127.0.0.1", 0, tempDir(), null, TOKEN, ServiceConfig.DEFAULTS));
  }

  /**
   * {@link #config()} on the PostgreSQL database {@code db}, with a pool of {@code maxPoolSize}.
   */
  public static ServerConfig config(PgTestDatabase db, int maxPoolSize) {
    return config().withDatabase(db.url(), PoolSettings.defaults().withMaxPoolSize(maxPoolSize));
  }

  private static Path tempDir() {
    try {
      return Files.createTempDirectory("scimd-http");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  // ------------------------------------------------------------------ HTTP

  public String url(String path) {
    return "http://127.0.0.1:" + port + path;
  }

  /**
   * Sends {@code method path} with the bootstrap token; {@code headers} are name, value pairs. An
   * {@code Authorization} among them replaces the token, a {@code Content-Type} the default one.
   */
  public HttpResponse<String> send(
      String method, String path, @Nullable String body, String... headers) {
    if (hasHeader(headers, "Authorization")) {
      return sendRaw(method, path, body, headers);
    }
    return sendRaw(
        method, path, body, concat(new String[] {"Authorization", "Bearer " + TOKEN}, headers));
  }

  /**
   * Sends without adding any header but {@code Content-Type: application/scim+json} for a body
   * (unless {@code headers} name one); a null body sends none.
   */
  public HttpResponse<String> sendRaw(
      String method, String path, @Nullable String body, String... headers) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url(path))).timeout(TIMEOUT);
    b.method(
        method,
        body == null
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body));
    if (body != null && !hasHeader(headers, "Content-Type")) {
      b.header("Content-Type", "application/scim+json");
    }
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return send(b);
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

  /**
   * A client whose paths are absolute, like {@link #send}'s, sending {@code headers} every time.
   */
  public Client client(String... headers) {
    return new Client("", headers);
  }

  /**
   * A client whose paths are relative to {@link #SCIM}, as RFC 7644 writes them ({@code /Users}).
   */
  public Client scim(String... headers) {
    return new Client(SCIM, headers);
  }

  private static boolean hasHeader(String[] headers, String name) {
    for (int i = 0; i < headers.length; i += 2) {
      if (headers[i].equalsIgnoreCase(name)) {
        return true;
      }
    }
    return false;
  }

  private static String[] concat(String[] first, String[] then) {
    String[] all = new String[first.length + then.length];
    System.arraycopy(first, 0, all, 0, first.length);
    System.arraycopy(then, 0, all, first.length, then.length);
    return all;
  }

  // ------------------------------------------------------------------ raw sockets

  /** A socket connected to the server, for a test that writes and reads the bytes itself. */
  public Socket connect() throws IOException {
    Socket s = new Socket("127.0.0.1", port);
    s.setSoTimeout((int) TIMEOUT.toMillis());
    return s;
  }

  /**
   * Sends {@code head} and the first half of {@code body}, waits 300 ms (a refusal decided on the
   * headers is answered meanwhile), then the rest and {@code next} on the same connection; returns
   * everything the server answered until it closed. A server that closed the connection after its
   * first answer leaves {@code next} unanswered.
   */
  public String sendBodyLateThen(String head, byte[] body, String next)
      throws IOException, InterruptedException {
    try (Socket s = connect()) {
      OutputStream out = s.getOutputStream();
      int half = body.length / 2;
      out.write(head.getBytes(StandardCharsets.UTF_8));
      out.write(body, 0, half);
      out.flush();
      Thread.sleep(300);
      try {
        out.write(body, half, body.length - half);
        out.write(next.getBytes(StandardCharsets.UTF_8));
        out.flush();
      } catch (IOException closed) {
        // the server closed the connection after its answer: what it answered says so
      }
      return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private Socket connectFrom(InetAddress from) throws IOException {
    Socket s = new Socket("127.0.0.1", port, from, 0);
    s.setSoTimeout((int) TIMEOUT.toMillis());
    return s;
  }

  /**
   * Writes {@code request} verbatim on a socket (ISO-8859-1, so any byte can be written as its
   * char) and returns the whole raw response.
   */
  public String rawExchange(String request) {
    return new String(
        exchange(request.getBytes(StandardCharsets.ISO_8859_1), request), StandardCharsets.UTF_8);
  }

  /**
   * Sends {@code requestLine}, {@code Host} and {@code Connection: close}, then {@code headerLines}
   * (each "Name: value") verbatim, then {@code body} in UTF-8 with its {@code Content-Length}.
   */
  public Raw raw(String requestLine, @Nullable String body, List<String> headerLines) {
    return raw(null, requestLine, body, headerLines);
  }

  /**
   * {@link #raw(String, String, List)} from the local address {@code from} (any of 127.0.0.0/8
   * reaches the server on 127.0.0.1), so the server sees another client address; null: any.
   */
  public Raw raw(
      @Nullable InetAddress from,
      String requestLine,
      @Nullable String body,
      List<String> headerLines) {
    byte[] content = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
    StringBuilder head =
        new StringBuilder(requestLine).append("\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
    for (String h : headerLines) {
      head.append(h).append("\r\n");
    }
    if (body != null) {
      head.append("Content-Length: ").append(content.length).append("\r\n");
    }
    head.append("\r\n");
    byte[] headBytes = head.toString().getBytes(StandardCharsets.UTF_8);
    byte[] request = new byte[headBytes.length + content.length];
    System.arraycopy(headBytes, 0, request, 0, headBytes.length);
    System.arraycopy(content, 0, request, headBytes.length, content.length);
    String sent = head + (body == null ? "" : body);
    return Raw.parse(sent, new String(exchange(from, request, sent), StandardCharsets.UTF_8));
  }

  /** The header lines of an authorized SCIM request with a body, then {@code more}. */
  public static List<String> authorized(String... more) {
    List<String> out = new ArrayList<>();
    out.add("Authorization: Bearer " + TOKEN);
    out.add("Content-Type: application/scim+json");
    out.addAll(List.of(more));
    return out;
  }

  private byte[] exchange(byte[] request, String what) {
    return exchange(null, request, what);
  }

  private byte[] exchange(@Nullable InetAddress from, byte[] request, String what) {
    try (Socket s = from == null ? connect() : connectFrom(from)) {
      OutputStream out = s.getOutputStream();
      out.write(request);
      out.flush();
      return s.getInputStream().readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(abbreviate(what), e);
    }
  }

  /** A response as any client sees it, whether read off a socket or through {@link HttpClient}. */
  public record Raw(String request, int status, Map<String, String> headers, String body) {
    @Override
    public String toString() {
      return abbreviate(request) + "\n -> " + status + " " + headers + " " + abbreviate(body);
    }

    /** {@code r} with the first value of each header, names case-insensitive. */
    public static Raw of(HttpResponse<String> r) {
      Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
      r.headers().map().forEach((name, values) -> headers.put(name, values.get(0)));
      return new Raw(r.request().method() + " " + r.uri(), r.statusCode(), headers, r.body());
    }

    static Raw parse(String request, String response) {
      int end = response.indexOf("\r\n\r\n");
      assertThat(end)
          .as("no complete response to " + abbreviate(request) + ": " + abbreviate(response))
          .isGreaterThan(0);
      String[] lines = response.substring(0, end).split("\r\n");
      int status = Integer.parseInt(lines[0].split(" ")[1]);
      Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
      for (int i = 1; i < lines.length; i++) {
        int colon = lines[i].indexOf(':');
        headers.put(lines[i].substring(0, colon).trim(), lines[i].substring(colon + 1).trim());
      }
      String body = response.substring(end + 4);
      if ("chunked".equalsIgnoreCase(headers.get("Transfer-Encoding"))) {
        StringBuilder b = new StringBuilder();
        int at = 0;
        while (true) {
          int nl = body.indexOf("\r\n", at);
          int size = Integer.parseInt(body.substring(at, nl).trim(), 16);
          if (size == 0) {
            break;
          }
          b.append(body, nl + 2, nl + 2 + size);
          at = nl + 2 + size + 2;
        }
        body = b.toString();
      }
      return new Raw(request, status, headers, body);
    }
  }

  // ------------------------------------------------------------------ the store

  /**
   * Every stored row of every SCIM table of a server on SQLite, in a fixed order: two snapshots are
   * equal exactly when no resource, membership, unique value or id sequence changed.
   */
  public String snapshot() {
    StringBuilder out = new StringBuilder();
    for (String sql :
        new String[] {
          "SELECT * FROM resources ORDER BY seq",
          "SELECT * FROM unique_values ORDER BY tenant, type, attribute, value_folded",
          "SELECT * FROM members ORDER BY tenant, group_id, member_id",
          "SELECT * FROM sqlite_sequence ORDER BY name"
        }) {
      out.append(sql).append('\n');
      try (Statement s = database().createStatement();
          ResultSet rs = s.executeQuery(sql)) {
        int n = rs.getMetaData().getColumnCount();
        while (rs.next()) {
          for (int i = 1; i <= n; i++) {
            out.append(rs.getString(i)).append('|');
          }
          out.append('\n');
        }
      } catch (SQLException e) {
        throw new IllegalStateException(sql, e);
      }
    }
    return out.toString();
  }

  private Connection database() throws SQLException {
    if (db == null) {
      if (dataDir == null) {
        throw new IllegalStateException("no data directory: the server was started elsewhere");
      }
      db = DriverManager.getConnection("jdbc:sqlite:" + dataDir.resolve("scimd.db"));
    }
    return db;
  }

  // ------------------------------------------------------------------ bodies

  /**
   * Percent-encodes a query parameter value, a space as {@code %20}, as browsers and most clients
   * do.
   */
  public static String q(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
  }

  /** The smallest valid User (RFC 7643 §4.1: userName is its only required attribute). */
  public static String user(String userName) {
    return "{\"schemas\":[\"" + SchemaUrns.USER + "\"],\"userName\":\"" + userName + "\"}";
  }

  /** A PatchOp request (RFC 7644 §3.5.2) of {@code operations}, each an operation object. */
  public static String patchBody(String... operations) {
    return "{\"schemas\":[\""
        + SchemaUrns.PATCH_OP
        + "\"],\"Operations\":["
        + String.join(",", operations)
        + "]}";
  }

  public static JsonNode json(HttpResponse<String> r) {
    return json(r.body());
  }

  /** Parses {@code text}, failing the test when it is not JSON. */
  public static JsonNode json(String text) {
    return json(text, text);
  }

  private static JsonNode json(String body, String what) {
    try {
      return JSON.readTree(body);
    } catch (IOException e) {
      throw new AssertionError("not JSON: " + abbreviate(what), e);
    }
  }

  public static String abbreviate(String s) {
    return s.length() <= 600 ? s : s.substring(0, 600) + "...";
  }

  // ------------------------------------------------------------------ assertions

  /**
   * RFC 7644 §3.12: {@code r} is the error {@code status} as {@code application/scim+json}, with
   * the Error schema, {@code status} the same number as a JSON string, and a detail that shows no
   * internals; with any {@code scimType} or none. Returns the error.
   */
  public static JsonNode assertScimError(HttpResponse<String> r, int status) {
    return assertScimError(Raw.of(r), status);
  }

  /** {@link #assertScimError(HttpResponse, int)} with exactly {@code scimType}; null: with none. */
  public static JsonNode assertScimError(
      HttpResponse<String> r, int status, @Nullable String scimType) {
    return assertScimError(Raw.of(r), status, scimType);
  }

  /** {@link #assertScimError(HttpResponse, int)} for a raw exchange. */
  public static JsonNode assertScimError(Raw r, int status) {
    String what = r.toString();
    assertThat(r.status()).as(what).isEqualTo(status);
    assertThat(r.headers().get("Content-Type")).as(what).isEqualTo("application/scim+json");
    JsonNode e = json(r.body(), what);
    assertErrorBody(e, status, what);
    assertThat(e.path("schemas").get(0).asText()).as(what).isEqualTo(SchemaUrns.ERROR);
    assertThat(e.path("detail").asText())
        .as(what)
        .doesNotContain("com.fasterxml")
        .doesNotContain("Exception");
    return e;
  }

  /** {@link #assertScimError(HttpResponse, int, String)} for a raw exchange. */
  public static JsonNode assertScimError(Raw r, int status, @Nullable String scimType) {
    JsonNode e = assertScimError(r, status);
    if (scimType == null) {
      assertThat(e.has("scimType")).as(r.toString()).isFalse();
    } else {
      assertThat(e.path("scimType").asText()).as(r.toString()).isEqualTo(scimType);
    }
    return e;
  }

  /**
   * The response is a SCIM answer: never a 5xx, a JSON body when there is one, and for an error the
   * SCIM error schema with {@code status} as the same string as the HTTP status.
   */
  public static JsonNode assertWellFormed(HttpResponse<String> r) {
    return assertWellFormed(Raw.of(r), false);
  }

  /** {@link #assertWellFormed(HttpResponse)} for a raw exchange, where a 2xx may have no body. */
  public static JsonNode assertWellFormed(Raw r) {
    return assertWellFormed(r, true);
  }

  private static JsonNode assertWellFormed(Raw r, boolean emptySuccess) {
    String what = r.toString();
    assertThat(r.status()).as(what).isBetween(200, 499);
    if (r.status() == 204
        || r.status() == 304
        || emptySuccess && r.body().isEmpty() && r.status() < 300) {
      return JSON.nullNode();
    }
    JsonNode body = json(r.body(), what);
    assertThat(body).as(what).isNotNull();
    assertThat(r.headers().getOrDefault("Content-Type", ""))
        .as(what)
        .startsWith("application/scim+json");
    if (r.status() >= 400) {
      assertErrorBody(body, r.status(), what);
    }
    return body;
  }

  private static void assertErrorBody(JsonNode e, int status, String what) {
    assertThat(e.path("schemas").toString()).as(what).contains(SchemaUrns.ERROR);
    assertThat(e.path("status").isTextual()).as("status must be a JSON string: %s", what).isTrue();
    assertThat(e.path("status").asText()).as(what).isEqualTo(Integer.toString(status));
    assertThat(e.path("detail").asText()).as(what).isNotBlank();
  }

  @Override
  public void close() {
    try {
      if (db != null) {
        db.close();
      }
    } catch (SQLException e) {
      // the server's close below matters more
    }
    server.close();
  }

  /**
   * One provisioning client of the server: {@code headers} on every request (an IdP's Accept and
   * User-Agent), and paths relative to {@code base}. The helpers that name an endpoint themselves
   * ({@link #createUser}, {@link #createGroup}, {@link #memberIds}, {@link #userNames}) reach it
   * under {@link #SCIM} whatever the base.
   */
  public final class Client {
    private final String base;
    private final String[] headers;

    private Client(String base, String[] headers) {
      this.base = base;
      this.headers = headers.clone();
    }

    /** The absolute URL the paths of this client are relative to. */
    public String base() {
      return url(base);
    }

    public HttpResponse<String> send(
        String method, String path, @Nullable String body, String... extra) {
      return at(method, base + path, body, extra);
    }

    public HttpResponse<String> get(String path, String... extra) {
      return send("GET", path, null, extra);
    }

    public HttpResponse<String> post(String path, String body, String... extra) {
      return send("POST", path, body, extra);
    }

    public HttpResponse<String> put(String path, String body, String... extra) {
      return send("PUT", path, body, extra);
    }

    public HttpResponse<String> patch(String path, String body, String... extra) {
      return send("PATCH", path, body, extra);
    }

    public HttpResponse<String> delete(String path, String... extra) {
      return send("DELETE", path, null, extra);
    }

    /** GETs {@code path} and returns the body, asserting 200. */
    public JsonNode read(String path) {
      return readAt(base + path);
    }

    /** GETs a list and returns it, asserting 200 and a ListResponse (RFC 7644 §3.4.2). */
    public JsonNode list(String pathAndQuery) {
      return listAt(base + pathAndQuery);
    }

    /** POSTs {@code body} to {@code path} and returns the created resource, asserting 201. */
    public JsonNode create(String path, String body) {
      return createAt(base + path, body);
    }

    /** PATCHes {@code path} with {@code operations}, asserting the 200 or 204 that IdPs accept. */
    public HttpResponse<String> patchOk(String path, String... operations) {
      HttpResponse<String> r = patch(path, patchBody(operations));
      assertThat(r.statusCode())
          .as("%s -> %s", String.join(",", operations), abbreviate(r.body()))
          .isIn(200, 204);
      return r;
    }

    /** Creates {@link TestServer#user} and returns its id. */
    public String createUser(String userName) {
      return createAt(SCIM + "/Users", user(userName)).path("id").asText();
    }

    /** Creates a Group without members and returns its id. */
    public String createGroup(String displayName) {
      return createAt(
              SCIM + "/Groups",
              "{\"schemas\":[\""
                  + SchemaUrns.GROUP
                  + "\"],\"displayName\":\""
                  + displayName
                  + "\"}")
          .path("id")
          .asText();
    }

    /** The member ids of group {@code groupId}, in the order the server lists them. */
    public List<String> memberIds(String groupId) {
      List<String> ids = new ArrayList<>();
      readAt(SCIM + "/Groups/" + groupId)
          .path("members")
          .forEach(m -> ids.add(m.path("value").asText()));
      return ids;
    }

    /** The userNames of the Users that {@code filter} selects (up to 1,000). */
    public List<String> userNames(String filter) {
      List<String> out = new ArrayList<>();
      listAt(SCIM + "/Users?count=1000&filter=" + q(filter))
          .path("Resources")
          .forEach(u -> out.add(u.path("userName").asText()));
      return out;
    }

    private HttpResponse<String> at(
        String method, String absolutePath, @Nullable String body, String... extra) {
      return TestServer.this.send(method, absolutePath, body, concat(headers, extra));
    }

    private JsonNode readAt(String absolutePath) {
      HttpResponse<String> r = at("GET", absolutePath, null);
      assertThat(r.statusCode())
          .as("GET %s -> %s", absolutePath, abbreviate(r.body()))
          .isEqualTo(200);
      return json(r);
    }

    private JsonNode listAt(String absolutePath) {
      JsonNode body = readAt(absolutePath);
      assertThat(body.path("schemas").toString()).contains(SchemaUrns.LIST_RESPONSE);
      return body;
    }

    private JsonNode createAt(String absolutePath, String body) {
      HttpResponse<String> r = at("POST", absolutePath, body);
      assertThat(r.statusCode())
          .as("POST %s %s -> %s", absolutePath, abbreviate(body), abbreviate(r.body()))
          .isEqualTo(201);
      return json(r);
    }
  }
}
