package io.scimd.bench;

import io.scimd.server.observe.Telemetry;
import java.time.InstantSource;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What does counting one request cost (issue 10: {@code /metrics} at most 2 % of throughput):
 * {@code request} records one request in the timer of its route, method, status and client, as the
 * access log does after every response, over 32 routes and 16 clients; {@code scrape} writes the
 * text exposition of that registry, which a Prometheus scraping every second asks once a second.
 * {@code baseline} is empty: compare with a request's own cost (tens of microseconds, LoadRun).
 *
 * <p>Run (after {@code ./mvnw -q -Pbench -DskipTests package}): {@code java -cp
 * scimd-server/target/scimd.jar:scimd-bench/target/benchmarks.jar org.openjdk.jmh.Main
 * InstrumentationBenchmark} (the server classes come from the shipped jar, as for {@link
 * TimedServer}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class InstrumentationBenchmark {
  private static final String[] ROUTES = new String[32];
  private static final String[] CLIENTS = new String[16];

  static {
    for (int i = 0; i < ROUTES.length; i++) {
      ROUTES[i] = "/scim/v2/Type" + i + "/{id}";
    }
    for (int i = 0; i < CLIENTS.length; i++) {
      CLIENTS[i] = "default/client-" + i;
    }
  }

  private Telemetry telemetry;
  private int n;

  @Setup
  public void setUp() {
    telemetry = Telemetry.start(InstantSource.system());
    for (String r : ROUTES) {
      for (String c : CLIENTS) {
        telemetry.request("GET", r, 200, c, 1_000_000);
      }
    }
  }

  @TearDown
  public void tearDown() {
    telemetry.close();
  }

  @Benchmark
  public void baseline() {}

  @Benchmark
  public void request() {
    int i = n++;
    telemetry.request("GET", ROUTES[i & 31], 200, CLIENTS[(i >>> 5) & 15], 250_000 + (i & 0xFFFF));
  }

  @Benchmark
  public int scrape() {
    return telemetry.scrape().length();
  }
}
