package io.scimd.sync.webhook;

import static io.scimd.sync.JournalEntries.userDeleted;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpServer;
import io.scimd.store.JournalEntry;
import io.scimd.sync.JettyPoster;
import io.scimd.sync.Outcome;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** One webhook delivery over real HTTP: what the receiver gets, and how its answers are read. */
class WebhookSinkTest {
  private static final JournalEntry ENTRY = userDeleted(42, "u1");

  private static final byte[] PAYLOAD = "{\"seq\":42}".getBytes(StandardCharsets.UTF_8);

  private final JettyPoster poster = new JettyPoster(Duration.ofSeconds(5));
  private final CountDownLatch release = new CountDownLatch(1);
  private final AtomicInteger elsewhere = new AtomicInteger();
  private final AtomicInteger answers = new AtomicInteger();
  private final List<Headers> received = new CopyOnWriteArrayList<>();

  /** The time of the sink that sends to /slow: each delivery there takes six minutes of it. */
  private final AtomicReference<Instant> now =
      new AtomicReference<>(Instant.parse("2026-01-02T03:04:05Z"));

  private HttpServer receiver;

  @BeforeEach
  void start() throws IOException {
    receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    receiver.createContext(
        "/hook",
        ex -> {
          received.add(ex.getRequestHeaders());
          ex.getRequestBody().readAllBytes();
          ex.sendResponseHeaders(204, -1);
          ex.close();
        });
    receiver.createContext(
        "/silent",
        ex -> {
          ex.getRequestBody().readAllBytes();
          try {
            release.await(); // never answers while the test waits
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          ex.close();
        });
    receiver.createContext(
        "/moved",
        ex -> {
          ex.getRequestBody().readAllBytes();
          ex.getResponseHeaders().add("Location", "/elsewhere");
          ex.sendResponseHeaders(307, -1);
          ex.close();
        });
    receiver.createContext(
        "/elsewhere",
        ex -> {
          elsewhere.incrementAndGet();
          ex.getRequestBody().readAllBytes();
          ex.sendResponseHeaders(204, -1);
          ex.close();
        });
    receiver.createContext(
        "/busy",
        ex -> {
          ex.getRequestBody().readAllBytes();
          byte[] big = "overloaded ".repeat(20_000).getBytes(StandardCharsets.UTF_8);
          ex.getResponseHeaders().add("Retry-After", "7");
          ex.sendResponseHeaders(503, big.length);
          ex.getResponseBody().write(big);
          ex.close();
        });
    receiver.createContext(
        "/cookie",
        ex -> {
          received.add(ex.getRequestHeaders());
          ex.getRequestBody().readAllBytes();
          ex.getResponseHeaders().add("Set-Cookie", "session=tenant-acme; Path=/");
          ex.sendResponseHeaders(204, -1);
          ex.close();
        });
    receiver.createContext(
        "/login",
        ex -> {
          ex.getRequestBody().readAllBytes();
          byte[] page = "<html>sign in</html>".repeat(2_000).getBytes(StandardCharsets.UTF_8);
          ex.getResponseHeaders().add("WWW-Authenticate", "Bearer realm=\"hooks\"");
          ex.sendResponseHeaders(401, page.length);
          ex.getResponseBody().write(page);
          ex.close();
        });
    receiver.createContext(
        "/third-refused",
        ex -> {
          received.add(ex.getRequestHeaders());
          ex.getRequestBody().readAllBytes();
          ex.sendResponseHeaders(received.size() == 3 ? 400 : 204, -1);
          ex.close();
        });
    receiver.createContext(
        "/slow",
        ex -> {
          received.add(ex.getRequestHeaders());
          ex.getRequestBody().readAllBytes();
          now.updateAndGet(t -> t.plus(Duration.ofMinutes(6)));
          ex.sendResponseHeaders(204, -1);
          ex.close();
        });
    receiver.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    receiver.start();
    poster.start();
  }

  @AfterEach
  void stop() {
    release.countDown();
    poster.close();
    receiver.stop(0);
  }

  private WebhookSink sink(String url, Duration timeout) {
    return new WebhookSink(
        poster,
        URI.create(url),
        List.of(WebhookSecret.parse(WebhookSecret.generate())),
        Set.of("User"),
        e -> PAYLOAD,
        timeout,
        InstantSource.system(),
        1);
  }

  private String url(String path) {
    return "http://127.0.0.1:" + receiver.getAddress().getPort() + path;
  }

  @Test
  void sendsTheSignedHeadersAndNoOthersOfTheClients() {
    Outcome outcome = sink(url("/hook"), Duration.ofSeconds(5)).deliver(List.of(ENTRY));

    assertThat(outcome.failure()).isNull();
    assertThat(received).hasSize(1);
    Headers h = received.get(0);
    assertThat(h.getFirst("Content-Type")).isEqualTo("application/json");
    assertThat(h.get("User-Agent")).containsExactly("scimd-hub");
    assertThat(h.getFirst("webhook-id")).isEqualTo("msg_acme_42");
    assertThat(h.getFirst("webhook-timestamp")).matches("\\d+");
    assertThat(h.getFirst("webhook-signature")).startsWith("v1,");
    assertThat(h.getFirst("Content-Length")).isEqualTo(Integer.toString(PAYLOAD.length));
    assertThat(h).doesNotContainKey("Accept-encoding");
  }

  @Test
  void aReceiverThatNeverAnswers_isUnavailableAfterTheTimeout() {
    long began = System.nanoTime();
    Outcome outcome = sink(url("/silent"), Duration.ofMillis(300)).deliver(List.of(ENTRY));

    assertThat(outcome.delivered()).isZero();
    assertThat(outcome.failure().kind()).isEqualTo(Outcome.Kind.UNAVAILABLE);
    assertThat(outcome.failure().reason()).isEqualTo("no answer within 300 ms");
    assertThat(Duration.ofNanos(System.nanoTime() - began)).isLessThan(Duration.ofSeconds(3));
  }

  @Test
  void aRedirectIsTheAnswer_notFollowed() {
    Outcome outcome = sink(url("/moved"), Duration.ofSeconds(5)).deliver(List.of(ENTRY));

    assertThat(outcome.failure().kind()).isEqualTo(Outcome.Kind.REJECTED);
    assertThat(outcome.failure().reason()).isEqualTo("HTTP 307");
    assertThat(elsewhere).hasValue(0);
  }

  @Test
  void aLargeErrorBody_isCutAndTheRetryAfterHonoured() {
    Outcome outcome = sink(url("/busy"), Duration.ofSeconds(5)).deliver(List.of(ENTRY));

    assertThat(outcome.failure().kind()).isEqualTo(Outcome.Kind.UNAVAILABLE);
    assertThat(outcome.failure().reason())
        .startsWith("HTTP 503: overloaded overloaded")
        .hasSize(313);
    assertThat(outcome.failure().retryAfter()).isEqualTo(Duration.ofSeconds(7));
  }

  @Test
  void afterACutBody_theSinkDeliversAgain() {
    WebhookSink busy = sink(url("/busy"), Duration.ofSeconds(5));
    assertThat(busy.deliver(List.of(ENTRY)).failure().reason()).startsWith("HTTP 503");
    assertThat(busy.deliver(List.of(ENTRY)).failure().reason()).startsWith("HTTP 503");
    assertThat(sink(url("/hook"), Duration.ofSeconds(5)).deliver(List.of(ENTRY)).failure())
        .isNull();
  }

  @Test
  void aReceiversCookie_isNeverSentBack() {
    WebhookSink hook = sink(url("/cookie"), Duration.ofSeconds(5));
    assertThat(hook.deliver(List.of(ENTRY)).failure()).isNull();
    assertThat(hook.deliver(List.of(ENTRY)).failure()).isNull();
    assertThat(sink(url("/cookie"), Duration.ofSeconds(5)).deliver(List.of(ENTRY)).failure())
        .isNull();

    assertThat(received).hasSize(3);
    for (Headers h : received) {
      assertThat(h).doesNotContainKey("Cookie");
    }
  }

  @Test
  void a401WithALargePage_isARefusal_notAnUnreachableHost() {
    Outcome outcome = sink(url("/login"), Duration.ofSeconds(5)).deliver(List.of(ENTRY));

    assertThat(outcome.failure().kind()).isEqualTo(Outcome.Kind.REJECTED);
    assertThat(outcome.failure().reason()).startsWith("HTTP 401: <html>sign in</html>");
  }

  @Test
  void aClosedPoster_sendsNothingMore() {
    poster.close();
    Outcome outcome = sink(url("/hook"), Duration.ofSeconds(5)).deliver(List.of(ENTRY));

    assertThat(outcome.failure().kind()).isEqualTo(Outcome.Kind.UNAVAILABLE);
    assertThat(outcome.failure().reason()).contains("closed");
    assertThat(received).isEmpty();
  }

  @Test
  void aClosedPort_cannotBeReached() throws IOException {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Outcome outcome =
        sink("http://127.0.0.1:" + port + "/hook", Duration.ofSeconds(5)).deliver(List.of(ENTRY));

    assertThat(outcome.failure().kind()).isEqualTo(Outcome.Kind.UNAVAILABLE);
    assertThat(outcome.failure().reason()).startsWith("cannot reach 127.0.0.1: ");
  }

  private static JournalEntry entry(long seq) {
    return userDeleted(seq, "u1");
  }

  @Test
  void deliverLater_sendsEachChangeOnceTheOneBeforeWasTaken_andStopsAtTheFirstRefusal()
      throws Exception {
    List<JournalEntry> lane = List.of(entry(1), entry(2), entry(3), entry(4));

    Outcome outcome =
        sink(url("/third-refused"), Duration.ofSeconds(5))
            .deliverLater(lane, answers::incrementAndGet)
            .get(10, TimeUnit.SECONDS);

    assertThat(outcome.delivered()).isEqualTo(2);
    assertThat(outcome.failure().kind()).isEqualTo(Outcome.Kind.REJECTED);
    assertThat(outcome.failure().reason()).isEqualTo("HTTP 400");
    assertThat(received.stream().map(h -> h.getFirst("webhook-id")))
        .containsExactly("msg_acme_1", "msg_acme_2", "msg_acme_3");
    assertThat(answers).hasValue(3); // the refusal is an answer too
  }

  @Test
  void deliverLater_aReceiverThatNeverAnswers_isUnavailableAfterTheTimeout() throws Exception {
    Outcome outcome =
        sink(url("/silent"), Duration.ofMillis(300))
            .deliverLater(List.of(ENTRY), () -> {})
            .get(3, TimeUnit.SECONDS);

    assertThat(outcome.delivered()).isZero();
    assertThat(outcome.failure().kind()).isEqualTo(Outcome.Kind.UNAVAILABLE);
    assertThat(outcome.failure().reason()).isEqualTo("no answer within 300 ms");
  }

  @Test
  void deliverLater_throughAClosedPoster_sendsNothing() throws Exception {
    poster.close();
    Outcome outcome =
        sink(url("/hook"), Duration.ofSeconds(5))
            .deliverLater(List.of(ENTRY), () -> {})
            .get(3, TimeUnit.SECONDS);

    assertThat(outcome.failure().kind()).isEqualTo(Outcome.Kind.UNAVAILABLE);
    assertThat(outcome.failure().reason()).contains("closed");
    assertThat(received).isEmpty();
  }

  @Test
  void deliverLater_cancelled_endsAtOnce_andTheSinkDeliversAfterwards() throws Exception {
    WebhookSink silent = sink(url("/silent"), Duration.ofSeconds(30));
    var sending = silent.deliverLater(List.of(ENTRY), () -> {});
    Thread.sleep(200);
    assertThat(sending.cancel(true)).isTrue();
    assertThat(sending).isCancelled();
    assertThat(
            sink(url("/hook"), Duration.ofSeconds(5))
                .deliverLater(List.of(ENTRY), () -> {})
                .get(3, TimeUnit.SECONDS)
                .failure())
        .isNull();
  }

  @Test
  void deliverLater_signsEachChangeAsItGoesOut() throws Exception {
    WebhookSecret secret = WebhookSecret.parse(WebhookSecret.generate());
    WebhookSink slow =
        new WebhookSink(
            poster,
            URI.create(url("/slow")),
            List.of(secret),
            Set.of("User"),
            e -> PAYLOAD,
            Duration.ofSeconds(5),
            now::get,
            1);

    Outcome outcome =
        slow.deliverLater(List.of(entry(1), entry(2), entry(3)), () -> {})
            .get(10, TimeUnit.SECONDS);

    // Signed when the lane started, the third would be twelve minutes old on arrival: past a
    // receiver's five minutes of tolerance.
    assertThat(outcome.failure()).isNull();
    long start = Instant.parse("2026-01-02T03:04:05Z").getEpochSecond();
    for (int i = 0; i < 3; i++) {
      Headers h = received.get(i);
      long timestamp = start + i * 360L;
      assertThat(h.getFirst("webhook-timestamp")).isEqualTo(Long.toString(timestamp));
      assertThat(h.getFirst("webhook-signature"))
          .isEqualTo(secret.sign(h.getFirst("webhook-id"), timestamp, PAYLOAD));
    }
  }

  @Test
  void anInterruptedSend_isUnavailableAndKeepsTheInterrupt() {
    Thread.currentThread().interrupt();
    try {
      Outcome outcome = sink(url("/silent"), Duration.ofSeconds(5)).deliver(List.of(ENTRY));

      assertThat(outcome.failure().reason()).isEqualTo("interrupted");
      assertThat(Thread.currentThread().isInterrupted()).isTrue();
    } finally {
      Thread.interrupted();
    }
  }
}
