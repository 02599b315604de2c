package io.scimd.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The real server in a child JVM, for the tests whose point is the server's own memory or CPU: its
 * heap, its processors and its resident memory are its own, and an OutOfMemoryError ends it ({@code
 * -XX:+ExitOnOutOfMemoryError}) instead of hiding in the test's JVM. It runs {@code
 * io.scimd.server.Main serve} from the test class path on a free port of 127.0.0.1, with the
 * bootstrap token {@link TestServer#TOKEN}; its output goes to {@code server.log} in {@code dir}.
 */
public final class ChildServer implements AutoCloseable {
  private static final Duration START = Duration.ofSeconds(60);

  public final Path dir;
  public final String root;
  private final Process process;
  private final Path log;
  private final HttpClient client =
      HttpClient.newBuilder()
          .connectTimeout(Duration.ofSeconds(5))
          .version(HttpClient.Version.HTTP_1_1)
          .build();

  private ChildServer(Path dir, String root, Process process, Path log) {
    this.dir = dir;
    this.root = root;
    this.process = process;
    this.log = log;
  }

  /** The JVM options {@code bin/scimd} starts the server with ({@code bin/jvm.options}). */
  public static List<String> shippedJvmOptions() throws IOException {
    Path file = Path.of("..", "bin", "jvm.options");
    List<String> out = new ArrayList<>();
    for (String line : Files.readAllLines(file)) {
      String option = line.strip();
      if (!option.isEmpty() && !option.startsWith("#")) {
        out.add(option);
      }
    }
    return out;
  }

  /**
   * Starts {@code serve --port <free> <serverArgs>} with {@code jvmOptions} and two processors (the
   * machine the issues measure), and waits until an authenticated request answers 200 (GET /health
   * may be 200 a moment before the bootstrap token is seeded).
   */
  public static ChildServer start(Path dir, List<String> jvmOptions, List<String> serverArgs)
      throws IOException, InterruptedException {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    List<String> cmd = new ArrayList<>();
    cmd.add(ProcessHandle.current().info().command().orElse("java"));
    cmd.addAll(jvmOptions);
    cmd.addAll(
        List.of(
            "-XX:ActiveProcessorCount=2",
            "-XX:+ExitOnOutOfMemoryError",
            "--enable-native-access=ALL-UNNAMED",
            "-cp",
            System.getProperty("java.class.path"),
            "io.scimd.server.Main",
            "serve",
            "--port",
            Integer.toString(port)));
    cmd.addAll(serverArgs);
    Path log = dir.resolve("server.log");
    ProcessBuilder pb =
        new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().put("SCIMD_BOOTSTRAP_TOKEN", TestServer.TOKEN);
    ChildServer server = new ChildServer(dir, "http://127.0.0.1:" + port, pb.start(), log);
    long deadline = System.nanoTime() + START.toNanos();
    while (true) {
      assertThat(server.isAlive()).as("the server exited: " + server.log()).isTrue();
      try {
        // Ready once the bootstrap token works: the server seeds it just after it starts to listen,
        // so GET /health can answer 200 a moment before an authenticated request would.
        if (server.send("/scim/v2/Users?count=0").statusCode() == 200) {
          return server;
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      assertThat(System.nanoTime())
          .as("the server did not start: " + server.log())
          .isLessThan(deadline);
      Thread.sleep(100);
    }
  }

  /** Kills the server as a crash would (SIGKILL: no shutdown hook runs), and waits for it. */
  public void kill() throws InterruptedException {
    process.destroyForcibly().waitFor();
  }

  /** The server's process id. */
  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** A GET with the bootstrap token, the body as text. */
  public HttpResponse<String> send(String pathAndQuery) throws IOException, InterruptedException {
    return client.send(request(pathAndQuery).build(), HttpResponse.BodyHandlers.ofString());
  }

  /** A GET with the bootstrap token, the body as a stream (for answers too large to hold). */
  public HttpResponse<InputStream> stream(String pathAndQuery)
      throws IOException, InterruptedException {
    return client.send(request(pathAndQuery).build(), HttpResponse.BodyHandlers.ofInputStream());
  }

  /** A request with the bootstrap token and a JSON body. */
  public HttpResponse<String> send(String method, String pathAndQuery, String body)
      throws IOException, InterruptedException {
    return client.send(
        request(pathAndQuery)
            .header("Content-Type", "application/scim+json")
            .method(method, HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private HttpRequest.Builder request(String pathAndQuery) {
    return HttpRequest.newBuilder(URI.create(root + pathAndQuery))
        .timeout(Duration.ofMinutes(2))
        .header("Authorization", "Bearer " + TestServer.TOKEN);
  }

  /** The most resident memory the server has had (VmHWM), in bytes. */
  public long peakResidentBytes() throws IOException {
    for (String line :
        Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status"))) {
      if (line.startsWith("VmHWM:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
      }
    }
    throw new IllegalStateException("no VmHWM in /proc/" + process.pid() + "/status");
  }

  /** All of the server's output so far, for assertions on what it printed. */
  public String output() {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  /** The end of the server's output, for assertion messages. */
  public String log() {
    try {
      String text = Files.readString(log);
      return text.length() > 4_000 ? text.substring(text.length() - 4_000) : text;
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor();
    }
  }
}
