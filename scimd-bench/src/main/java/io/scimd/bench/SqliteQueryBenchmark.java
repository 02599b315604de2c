package io.scimd.bench;

import com.fasterxml.jackson.databind.node.TextNode;
import io.scimd.core.filter.CompareOp;
import io.scimd.core.filter.Filter;
import io.scimd.store.Load;
import io.scimd.store.Page;
import io.scimd.store.Query;
import io.scimd.store.Store;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Do the list queries identity providers send stay index lookups on a SQLite store with 100,000
 * users: {@code userName eq} of a random existing user (Entra ID and Okta before every create), the
 * same for a name that does not exist (Entra's keep-alive probe), the first page of 100 with its
 * total (Okta's import), a deep page at startIndex 50,001, and {@code meta.lastModified gt} a
 * recent instant (delta sync, about 100 hits)?
 *
 * <p>The store is seeded once per fork in {@code @Setup} through the store API (about as long as
 * the store takes to insert {@code users} rows); lookups cycle through 4,096 names drawn with a
 * fixed seed, so every run asks the same questions. {@code baseline} is an empty benchmark.
 *
 * <p>Run: {@code java -jar scimd-bench/target/benchmarks.jar SqliteQueryBenchmark} (smaller: {@code
 * ... SqliteQueryBenchmark -p users=10000})
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class SqliteQueryBenchmark {
  private static final io.scimd.store.Scope AS_BENCH =
      io.scimd.store.Scope.system(io.scimd.store.Scope.DEFAULT_TENANT, "bench");

  private static final int LOOKUPS = 4_096; // a power of two: the index wraps with a mask
  private static final long SEED = 20250611L;

  @Param("100000")
  public int users;

  private Path dir;
  private Store store;
  private Filter[] existing;
  private Filter[] missing;
  private Filter recent;
  private int next;

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    dir = Files.createTempDirectory("scimd-jmh-");
    store = BenchStore.open(dir);
    Seeder.Seeded seeded = Seeder.users(store, users);
    Random random = new Random(SEED);
    existing = new Filter[LOOKUPS];
    missing = new Filter[LOOKUPS];
    for (int i = 0; i < LOOKUPS; i++) {
      existing[i] =
          Filter.eq(
              "userName", Users.userName(random.nextInt(users)).toUpperCase(java.util.Locale.ROOT));
      missing[i] =
          Filter.eq(
              "userName", "probe-" + Long.toHexString(random.nextLong()) + "@contoso.example");
    }
    recent =
        Filter.compare(
            "meta.lastModified",
            CompareOp.GT,
            TextNode.valueOf(seeded.markLastModified().toString()));
    // Wrong answers would make fast numbers meaningless.
    check(
        query(existing[0], 100).totalResults() == 1,
        "userName eq must find exactly one user (case-insensitively)");
    check(query(missing[0], 100).totalResults() == 0, "a missing userName must find nobody");
    check(
        store.read(AS_BENCH, r -> r.query("User", Query.all(100))).totalResults() == users,
        "the total must be every user");
    long hits = query(recent, 100).totalResults();
    check(
        hits >= 100 && hits <= users,
        "meta.lastModified gt must match about the last 100 users, got " + hits);
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    store.close();
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (UncheckedIOException e) {
      // Best effort: a temp dir left behind is not a benchmark failure.
    }
  }

  @Benchmark
  public void baseline() {}

  @Benchmark
  public Page userNameEq() {
    return query(existing[next++ & (LOOKUPS - 1)], 100);
  }

  @Benchmark
  public Page userNameEqMiss() {
    return query(missing[next++ & (LOOKUPS - 1)], 100);
  }

  @Benchmark
  public Page firstPageOf100() {
    return store.read(AS_BENCH, r -> r.query("User", Query.all(100)));
  }

  @Benchmark
  public Page deepPageOf100() {
    return store.read(
        AS_BENCH, r -> r.query("User", new Query(null, null, users / 2 + 1, 100, null, Load.NONE)));
  }

  @Benchmark
  public Page lastModifiedGt() {
    return query(recent, 100);
  }

  private Page query(Filter filter, int count) {
    return store.read(
        AS_BENCH, r -> r.query("User", new Query(filter, null, 1, count, null, Load.NONE)));
  }

  private static void check(boolean ok, String what) {
    if (!ok) {
      throw new IllegalStateException(what);
    }
  }
}
