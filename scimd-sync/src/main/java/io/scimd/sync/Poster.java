package io.scimd.sync;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;
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
  Answer post(Object pool, URI url, Map<String, String> headers, byte[] body, Duration timeout)
      throws IOException, InterruptedException;

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
