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
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.ProxyAuthenticationProtocolHandler;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.client.WWWAuthenticationProtocolHandler;
import org.eclipse.jetty.client.transport.HttpClientTransportOverHTTP;
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
    // Only the headers the sinks give (and Host, Content-Length): no Jetty User-Agent (and no
    // Accept-Encoding: see start).
    c.setUserAgentField(null);
    // A 401 or 407 is the receiver refusing the stream's authorization: the sink says so; the
    // client must not answer the challenge (it has no credentials) or hold the response back.
    c.getProtocolHandlers().remove(WWWAuthenticationProtocolHandler.NAME);
    c.getProtocolHandlers().remove(ProxyAuthenticationProtocolHandler.NAME);
    this.client = c;
  }

  @Override
  public Answer post(URI url, Map<String, String> headers, byte[] body, Duration timeout)
      throws IOException, InterruptedException {
    start();
    Request request =
        client
            .newRequest(url)
            .method(HttpMethod.POST)
            .timeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
            .headers(h -> headers.forEach(h::put))
            .body(new BytesRequestContent(body));
    Collector answer = new Collector();
    request.send(answer);
    try {
      return answer.future.get();
    } catch (InterruptedException ie) {
      request.abort(ie);
      throw ie;
    } catch (ExecutionException ee) {
      Throwable failure = ee.getCause() == null ? ee : ee.getCause();
      if (failure instanceof TimeoutException) {
        throw new TimedOut("no answer within " + timeout.toMillis() + " ms", failure);
      }
      if (failure instanceof IOException io) {
        throw io;
      }
      // Jetty reports some broken exchanges (a malformed answer) as unchecked exceptions.
      throw new IOException(failure.toString(), failure);
    }
  }

  /**
   * Starts the client now rather than on the first POST, so a node that delivers finds out at once
   * when it cannot.
   */
  public void start() throws IOException {
    if (client.isStarted()) {
      return;
    }
    synchronized (client) {
      if (client.isStarted() || client.isStopping()) {
        return;
      }
      try {
        client.start();
        // Starting adds the decoders (gzip) the JDK's client never asked receivers for.
        client.getContentDecoderFactories().clear();
      } catch (Exception e) {
        throw new IOException("cannot start the HTTP client: " + e, e);
      }
    }
  }

  /** Stops the client: open connections are closed and requests in flight fail. */
  @Override
  public void close() {
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
