package io.scimd.bench;

import com.sun.net.httpserver.HttpServer;
import io.scimd.server.Main;
import io.scimd.server.ScimServer;
import java.lang.reflect.Field;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import org.eclipse.jetty.server.RequestLog;
import org.eclipse.jetty.server.Server;

/**
 * {@code scimd} itself ({@link Main}, the same command line), timing requests inside the server
 * process, for {@link AccessRun}: from the moment Jetty has parsed a request's headers to the
 * moment its response is complete (a request log sees each request then), in a histogram of 1 µs
 * buckets up to 100 ms, for {@code POST /access/v1/evaluation} and {@code GET /health}. What the
 * load generator measures includes its own queueing and the loopback; this is the server's part.
 *
 * <p>Bench only: it reaches the Jetty server through ScimServer's private field (a started Jetty
 * takes no new handler, but it does take a request log), so production code carries neither a hook
 * nor a metrics dependency for it. Run with the server's jar first on the class path: {@code java
 * -Dscimd.bench.latencyPort=PORT -cp
 * scimd-server/target/scimd.jar:scimd-bench/target/benchmarks.jar io.scimd.bench.TimedServer serve
 * ...}. On 127.0.0.1:PORT, {@code GET /latency} answers the histograms' figures as JSON and {@code
 * POST /latency/reset} empties them first.
 */
public final class TimedServer {
  static final String PORT = "scimd.bench.latencyPort";

  private TimedServer() {}

  public static void main(String[] args) {
    System.exit(Main.commandLine(System.getenv(), TimedServer::instrument).execute(args));
  }

  private static void instrument(ScimServer server) {
    try {
      Field f = ScimServer.class.getDeclaredField("jetty");
      f.setAccessible(true);
      Server jetty = (Server) f.get(server);
      Histogram evaluation = new Histogram();
      Histogram health = new Histogram();
      RequestLog before = jetty.getRequestLog();
      RequestLog timing =
          (request, response) -> {
            long nanos = System.nanoTime() - request.getHeadersNanoTime();
            String path = request.getHttpURI().getPath();
            if (path.equals("/access/v1/evaluation")) {
              evaluation.record(nanos);
            } else if (path.equals("/health")) {
              health.record(nanos);
            }
          };
      jetty.setRequestLog(before == null ? timing : new RequestLog.Collection(timing, before));
      HttpServer stats =
          HttpServer.create(
              new InetSocketAddress("127.0.0.1", Integer.parseInt(System.getProperty(PORT))), 4);
      stats.createContext(
          "/latency",
          ex -> {
            if (ex.getRequestURI().getPath().equals("/latency/reset")) {
              evaluation.reset();
              health.reset();
            }
            byte[] body =
                ("{\"evaluation\":" + evaluation.json() + ",\"health\":" + health.json() + "}")
                    .getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", "application/json");
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
          });
      stats.start();
    } catch (Exception e) {
      throw new IllegalStateException("cannot time the server's requests: " + e, e);
    }
  }

  /** Counts per 1 µs bucket; the last bucket holds everything from 100 ms up. */
  static final class Histogram {
    static final int BUCKETS = 100_001;
    final AtomicLongArray counts = new AtomicLongArray(BUCKETS);
    final AtomicLong max = new AtomicLong();

    void record(long nanos) {
      long micros = nanos / 1_000;
      counts.incrementAndGet((int) Math.min(BUCKETS - 1, micros));
      max.accumulateAndGet(nanos, Math::max);
    }

    void reset() {
      for (int i = 0; i < BUCKETS; i++) {
        counts.set(i, 0);
      }
      max.set(0);
    }

    String json() {
      long total = 0;
      long[] c = new long[BUCKETS];
      for (int i = 0; i < BUCKETS; i++) {
        c[i] = counts.get(i);
        total += c[i];
      }
      return String.format(
          Locale.ROOT,
          "{\"count\":%d,\"p50us\":%d,\"p90us\":%d,\"p99us\":%d,\"p999us\":%d,\"maxus\":%d}",
          total,
          at(c, total, 0.50),
          at(c, total, 0.90),
          at(c, total, 0.99),
          at(c, total, 0.999),
          max.get() / 1_000);
    }

    /** The upper bound of the bucket that holds the q-quantile, in µs. */
    private static long at(long[] c, long total, double q) {
      if (total == 0) {
        return -1;
      }
      long rank = (long) Math.ceil(q * total);
      long seen = 0;
      for (int i = 0; i < c.length; i++) {
        seen += c[i];
        if (seen >= rank) {
          return i + 1;
        }
      }
      return c.length;
    }
  }
}
