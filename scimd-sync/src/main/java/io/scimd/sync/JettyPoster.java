package io.scimd.sync;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.ProxyAuthenticationProtocolHandler;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.client.WWWAuthenticationProtocolHandler;
import org.eclipse.jetty.client.transport.HttpClientTransportOverHTTP;
import org.eclipse.jetty.http.HttpCookieStore;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;

/**
 * The {@link Poster} of the hub's push sinks, over Jetty's HTTP/1.1 client. Measured against the
 * JDK's client (docs/decisions/0033): several times the throughput at less CPU per request, and
 * none of its sporadic stalls until the request timeout.
 *
 * <p>It starts its client on the first POST, so a hub that never sends (the command line) starts no
 * threads; its threads are daemons for the same reason. {@link #close} stops it.
 */
public final class JettyPoster implements Poster, AutoCloseable {
  /** How much of an answer's body is kept: only its first 300 characters are ever shown. */
  static final int MAX_BODY = 64 * 1024;

  /** A target's lanes go in parallel: up to 64 (the largest {@code concurrency}). */
  static final int MAX_CONNECTIONS_PER_RECEIVER = 64;

  /** How long an unused connection to a receiver stays open for the next delivery. */
  private static final Duration IDLE = Duration.ofSeconds(30);

  private final HttpClient client;
  private final Duration connectTimeout;

  /** Set once started and configured: the fast path of {@link #start}. */
  private volatile boolean ready;

  /** Set by {@link #close}: a closed poster is not started again by a late send. */
  private volatile boolean closed;

  /**
   * @param connectTimeout the limit on opening a connection (TCP and TLS)
   */
  public JettyPoster(Duration connectTimeout) {
    ClientConnector connector = new ClientConnector();
    // https with the JVM's default trust store and host name verification.
    connector.setSslContextFactory(new SslContextFactory.Client());
    QueuedThreadPool threads = new QueuedThreadPool();
    threads.setName("hub-http");
    threads.setDaemon(true);
    connector.setExecutor(threads);
    HttpClient c = new HttpClient(new HttpClientTransportOverHTTP(connector));
    c.setExecutor(threads);
    c.setScheduler(new ScheduledExecutorScheduler("hub-http-scheduler", true));
    c.setConnectTimeout(connectTimeout.toMillis());
    c.setIdleTimeout(IDLE.toMillis());
    // A redirect is the receiver's answer, not somewhere else to send a signed event to.
    c.setFollowRedirects(false);
    c.setMaxConnectionsPerDestination(MAX_CONNECTIONS_PER_RECEIVER);
    // Each sink is a destination of its own (see post): those of targets since changed or
    // removed go when idle.
    c.setDestinationIdleTimeout(IDLE.toMillis());
    // No cookie jar: a receiver's Set-Cookie is not sent back, and one tenant's receivers never
    // see what another's set.
    c.setHttpCookieStore(new HttpCookieStore.Empty());
    // Only the headers the sinks give (and Host, Content-Length): no Jetty User-Agent (and no
    // Accept-Encoding: see start).
    c.setUserAgentField(null);
    this.client = c;
    this.connectTimeout = connectTimeout;
  }

  @Override
  public CompletableFuture<Answer> send(
      Object pool, URI url, Map<String, String> headers, byte[] body, Duration timeout) {
    try {
      start();
    } catch (IOException e) {
      return CompletableFuture.failedFuture(e);
    }
    Request request =
        client
            .newRequest(url)
            .tag(pool)
            .method(HttpMethod.POST)
            .timeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
            // The connection's idle timeout would otherwise cut a slow answer at 30 s, before a
            // target's own timeout (up to 60 s).
            .idleTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
            .headers(h -> headers.forEach(h::put))
            .body(new BytesRequestContent(body));
    Collector answer = new Collector();
    // Jetty ends every exchange by the request's timeout, on its own scheduler. A future that is
    // cancelled (the node halting) or given up on aborts the exchange; once Jetty ended it,
    // aborting does nothing.
    CompletableFuture<Answer> future = answer.future;
    future.whenComplete(
        (a, failure) -> {
          if (failure != null) {
            request.abort(failure);
          }
        });
    request.send(answer);
    return future;
  }

  /**
   * Starts the client now rather than on the first POST, so a node that delivers finds out at once
   * when it cannot.
   */
  public void start() throws IOException {
    if (closed) {
      throw new IOException("the hub's HTTP client is closed: the node is stopping");
    }
    if (ready) {
      return;
    }
    synchronized (client) {
      if (closed) {
        throw new IOException("the hub's HTTP client is closed: the node is stopping");
      }
      if (ready) {
        return;
      }
      try {
        client.start();
        // Starting adds what the JDK's client never did, so it is taken out after the start:
        // the decoders (Accept-Encoding: gzip), and the handlers that answer a 401 or 407
        // challenge. A 401 or 407 is the receiver refusing: the sink says so; the client has no
        // credentials to answer with, and must not hold the response back (it buffered at most
        // 16 KiB of it and failed the exchange beyond that).
        client.getContentDecoderFactories().clear();
        client.getProtocolHandlers().remove(WWWAuthenticationProtocolHandler.NAME);
        client.getProtocolHandlers().remove(ProxyAuthenticationProtocolHandler.NAME);
        ready = true;
      } catch (Exception e) {
        throw new IOException("cannot start the HTTP client: " + e, e);
      }
    }
  }

  /** Stops the client: open connections are closed and requests in flight fail. */
  @Override
  public void close() {
    // Before the lock, which a start in progress holds: a send from now on fails at once.
    closed = true;
    ready = false;
    synchronized (client) {
      try {
        client.stop();
      } catch (Exception e) {
        // Stopping a client closes sockets and threads: nothing left to do when that fails.
      }
    }
  }

  /** Collects an answer: status, headers, and the body up to {@link #MAX_BODY} bytes. */
  private static final class Collector implements Response.Listener {
    final CompletableFuture<Answer> future = new CompletableFuture<>();
    private final ByteArrayOutputStream body = new ByteArrayOutputStream(256);

    @Override
    public void onContent(Response response, ByteBuffer content) {
      // The rest is read and dropped, so the connection stays usable.
      int n = Math.min(content.remaining(), MAX_BODY - body.size());
      if (n > 0) {
        byte[] chunk = new byte[n];
        content.slice(content.position(), n).get(chunk);
        body.write(chunk, 0, n);
      }
    }

    @Override
    public void onComplete(Result result) {
      try {
        complete(result);
      } catch (RuntimeException e) {
        future.completeExceptionally(e); // never leave the sender waiting
      }
    }

    private void complete(Result result) {
      // A receiver may answer before it read the whole request (a 413, a 401): the answer counts.
      if (result.getResponseFailure() != null || result.getResponse().getStatus() <= 0) {
        Throwable failure = result.getFailure();
        future.completeExceptionally(failure != null ? failure : new IOException("no answer"));
        return;
      }
      Response r = result.getResponse();
      Map<String, String> headers = new HashMap<>();
      for (HttpField f : r.getHeaders()) {
        headers.putIfAbsent(f.getName(), f.getValue());
      }
      String text = body.toString(StandardCharsets.UTF_8);
      future.complete(new Answer(r.getStatus(), headers, text));
    }
  }
}
