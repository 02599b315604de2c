package io.scimd.sync;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;

/**
 * How the push sinks (webhooks, SSF push streams) send: one POST of some bytes, answered by a
 * status, headers and the start of a body. A port, so that the sinks know nothing of the HTTP
 * client that does it ({@link JettyPoster}).
 */
public interface Poster {
  /**
   * POSTs {@code body} to {@code url} with {@code headers} (sent as given, no others but those the
   * protocol needs: {@code Host}, {@code Content-Length}), following no redirect.
   *
   * @param pool whose connections carry it: requests of equal pools share connections, others
   *     never, so that one target's receiver does not queue behind another's on the same host (the
   *     sinks give themselves)
   * @param timeout the whole exchange's limit, from sending to the answer's last byte
   * @throws TimedOut when no whole answer came within {@code timeout}
   * @throws IOException when the host could not be reached or the exchange broke off, or the poster
   *     is closed
   * @throws InterruptedException when the calling thread was interrupted while it waited
   */
  default Answer post(
      Object pool, URI url, Map<String, String> headers, byte[] body, Duration timeout)
      throws IOException, InterruptedException {
    CompletableFuture<Answer> answer = send(pool, url, headers, body, timeout);
    try {
      return answer.get(timeout.plus(BACKSTOP).toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException | InterruptedException e) {
      answer.cancel(true);
      if (e instanceof InterruptedException ie) {
        throw ie;
      }
      throw new TimedOut("no answer within " + timeout.toMillis() + " ms", e);
    } catch (ExecutionException ee) {
      throw unanswered(ee.getCause(), timeout);
    }
  }

  /**
   * Beyond a request's own timeout, how long a sender waits for the end of an exchange at all: the
   * poster ends each by its timeout, and this is against an end that is never reported.
   */
  Duration BACKSTOP = Duration.ofMinutes(1);

  /**
   * Sends what {@link #post} sends and returns at once. The answer completes the future on the
   * client's own thread, so what follows it there must not block; the failures are those {@link
   * #post} throws ({@link #unanswered} reads them). Every send ends by its timeout, and a sender
   * gives up after {@link #BACKSTOP} more; cancelling the future aborts the exchange.
   */
  CompletableFuture<Answer> send(
      Object pool, URI url, Map<String, String> headers, byte[] body, Duration timeout);

  /** What a failed {@link #send} means: {@link TimedOut}, or the exchange broken off. */
  static IOException unanswered(@Nullable Throwable failure, Duration timeout) {
    Throwable f =
        failure instanceof CompletionException c && c.getCause() != null ? c.getCause() : failure;
    if (f instanceof TimedOut t) {
      return t;
    }
    if (f instanceof TimeoutException) {
      return new TimedOut("no answer within " + timeout.toMillis() + " ms", f);
    }
    if (f instanceof IOException io) {
      return io;
    }
    // Jetty reports some broken exchanges (a malformed answer) as unchecked exceptions.
    return new IOException(String.valueOf(f), f);
  }

  /**
   * A receiver's answer.
   *
   * @param headers the first value of each header, by name, case-insensitively
   * @param body the start of the body as text (a poster may cut it: only its start is ever shown)
   */
  record Answer(int status, Map<String, String> headers, String body) {
    public Answer {
      TreeMap<String, String> byName = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
      byName.putAll(headers);
      headers = Collections.unmodifiableMap(byName);
    }

    /** The first value of the header {@code name}, or null when the answer has none. */
    public @Nullable String header(String name) {
      return headers.get(name);
    }
  }

  /** No whole answer within the request's timeout. */
  final class TimedOut extends IOException {
    private static final long serialVersionUID = 1L;

    public TimedOut(String message, @Nullable Throwable cause) {
      super(message, cause);
    }
  }
}
