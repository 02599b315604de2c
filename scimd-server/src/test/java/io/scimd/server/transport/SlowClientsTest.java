package io.scimd.server.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.scimd.server.http.TestServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Clients that send slowly or open many connections, over raw sockets to a real server: each is cut
 * off at its deadline, and none keeps the server from answering others.
 */
class SlowClientsTest {
  static final Duration HEADER = Duration.ofSeconds(1);
  static final Duration BODY = Duration.ofSeconds(1);

  TestServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  void start(TransportConfig transport) {
    server = TestServer.start(TestServer.config().withTransport(transport));
  }

  void startWithShortDeadlines() {
    start(TransportConfig.DEFAULTS.withTimeouts(Duration.ofSeconds(30), HEADER, BODY));
  }

  /**
   * Writes {@code head} at once, then {@code trickle} one byte every {@code every}, and returns how
   * long after the first byte the server closed the connection (a write failed, or a read came to
   * the end).
   */
  Duration trickle(String head, String trickle, Duration every)
      throws IOException, InterruptedException {
    try (Socket s = server.connect()) {
      s.setSoTimeout(1);
      long began = System.nanoTime();
      OutputStream out = s.getOutputStream();
      InputStream in = s.getInputStream();
      out.write(head.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      for (int i = 0; System.nanoTime() - began < Duration.ofSeconds(20).toNanos(); i++) {
        try {
          if (in.read() < 0) {
            return Duration.ofNanos(System.nanoTime() - began);
          }
        } catch (SocketTimeoutException stillOpen) {
          // nothing to read yet: keep trickling
        } catch (IOException reset) {
          return Duration.ofNanos(System.nanoTime() - began);
        }
        try {
          out.write(trickle.charAt(i % trickle.length()));
          out.flush();
        } catch (IOException closed) {
          return Duration.ofNanos(System.nanoTime() - began);
        }
        Thread.sleep(every.toMillis());
      }
      throw new AssertionError("the server kept a trickling connection open for 20 s");
    }
  }

  @Test
  void headersTrickled_areCutOffAtTheHeaderDeadline() throws Exception {
    startWithShortDeadlines();
    Duration held =
        trickle(
            "GET /scim/v2/Users HTTP/1.1\r\nHost: 127.0.0.1\r\n",
            "X-Slow: aaaaaaaaaa\r\n",
            Duration.ofMillis(100));
    assertThat(held).isBetween(HEADER.minusMillis(100), HEADER.plusSeconds(2));
  }

  @Test
  void aRequestLineTrickled_isCutOffAtTheHeaderDeadline() throws Exception {
    startWithShortDeadlines();
    Duration held =
        trickle(
            "G",
            "ET /scim/v2/Users/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            Duration.ofMillis(100));
    assertThat(held).isBetween(HEADER.minusMillis(100), HEADER.plusSeconds(2));
  }

  @Test
  void blankLinesTrickledBeforeARequest_areCutOffAtTheHeaderDeadline() throws Exception {
    startWithShortDeadlines();
    Duration held = trickle("\r\n", "\r\n", Duration.ofMillis(100));
    assertThat(held).isLessThan(HEADER.plusSeconds(3));
  }

  @Test
  void aBodyTrickled_isCutOffAtTheBodyDeadline() throws Exception {
    startWithShortDeadlines();
    String head =
        "POST /scim/v2/Users HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
            + TestServer.TOKEN
            + "\r\nContent-Type: application/scim+json\r\nContent-Length: 100000\r\n\r\n{";
    Duration held = trickle(head, " ", Duration.ofMillis(100));
    assertThat(held).isBetween(BODY.minusMillis(100), BODY.plusSeconds(2));
  }

  @Test
  void aPromptRequest_onAKeptAliveConnection_isNotCutOff() throws Exception {
    startWithShortDeadlines();
    try (Socket s = server.connect()) {
      OutputStream out = s.getOutputStream();
      InputStream in = s.getInputStream();
      for (int i = 0; i < 3; i++) {
        out.write(
            "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
                .getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        assertThat(readResponseHead(in)).startsWith("HTTP/1.1 200");
        // Idle between requests longer than the header deadline: the idle timeout's business.
        Thread.sleep(HEADER.toMillis() + 700);
      }
    }
  }

  @Test
  void twoHundredTricklingSockets_doNotHoldTheServer() throws Exception {
    start(
        TransportConfig.DEFAULTS.withTimeouts(
            Duration.ofSeconds(30), Duration.ofSeconds(2), Duration.ofSeconds(2)));
    List<Socket> sockets = new ArrayList<>();
    try {
      for (int i = 0; i < 200; i++) {
        Socket s = server.connect();
        s.getOutputStream()
            .write(
                "GET /scim/v2/Users HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    .getBytes(StandardCharsets.ISO_8859_1));
        sockets.add(s);
      }
      long began = System.nanoTime();
      int closed = 0;
      int answered = 0;
      while (closed < sockets.size()
          && System.nanoTime() - began < Duration.ofSeconds(15).toNanos()) {
        closed = 0;
        for (Socket s : sockets) {
          try {
            s.getOutputStream().write('a');
            s.getOutputStream().flush();
          } catch (IOException cut) {
            closed++;
          }
        }
        // Meanwhile everyone else is served at once.
        long t = System.nanoTime();
        HttpResponse<String> r = server.send("GET", "/scim/v2/Users?count=1", null);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(Duration.ofNanos(System.nanoTime() - t)).isLessThan(Duration.ofSeconds(1));
        answered++;
        Thread.sleep(200);
      }
      assertThat(closed).as("trickling sockets the server closed").isEqualTo(200);
      assertThat(Duration.ofNanos(System.nanoTime() - began)).isLessThan(Duration.ofSeconds(8));
      assertThat(answered).isPositive();
    } finally {
      for (Socket s : sockets) {
        s.close();
      }
    }
  }

  @Test
  void connectionsBeyondTheCap_waitUntilOneCloses() throws Exception {
    start(TransportConfig.DEFAULTS.withMaxConnections(4));
    List<Socket> idle = new ArrayList<>();
    try {
      for (int i = 0; i < 4; i++) {
        Socket s = server.connect();
        s.getOutputStream()
            .write(
                "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
                    .getBytes(StandardCharsets.ISO_8859_1));
        assertThat(readResponseHead(s.getInputStream()))
            .startsWith("HTTP/1.1 200"); // accepted, then kept alive
        idle.add(s);
      }
      try (Socket fifth = server.connect()) {
        fifth.setSoTimeout(1_500);
        fifth
            .getOutputStream()
            .write(
                "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
                    .getBytes(StandardCharsets.ISO_8859_1));
        InputStream in = fifth.getInputStream();
        try {
          int b = in.read();
          throw new AssertionError(
              "the fifth connection was served beyond the cap of 4 (read " + b + ")");
        } catch (SocketTimeoutException expected) {
          // not accepted while four are open
        }
        idle.remove(0).close();
        fifth.setSoTimeout(10_000);
        assertThat(readResponseHead(in)).startsWith("HTTP/1.1 200");
      }
    } finally {
      for (Socket s : idle) {
        s.close();
      }
    }
  }

  /** Reads one response's status line and headers, and its body by Content-Length. */
  static String readResponseHead(InputStream in) throws IOException {
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("closed after " + head);
      }
      head.append((char) b);
    }
    String h = head.toString();
    int at = h.toLowerCase().indexOf("content-length:");
    if (at >= 0) {
      int n = Integer.parseInt(h.substring(at + 15, h.indexOf("\r\n", at)).trim());
      in.readNBytes(n);
    }
    return h;
  }
}
