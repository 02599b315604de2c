package io.scimd.bench;

import io.scimd.core.schema.Precis;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What does comparing a userName as a PRECIS identifier cost (docs/decisions/0013), next to the
 * {@code toLowerCase} it replaced? Every write of a user computes the key and the check once, and
 * every {@code userName eq} filter keys its operand. {@code asciiKey}/{@code asciiCheck} are the
 * common case (an email; printable ASCII takes a fast path), {@code unicodeKey}/{@code
 * unicodeCheck} a name with accents, which goes through ICU's NFKC_Casefold and the IdentifierClass
 * derivation.
 *
 * <p>Run: {@code java -jar scimd-bench/target/benchmarks.jar IdentifierKeyBenchmark}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class IdentifierKeyBenchmark {
  private final String ascii = "Barbara.Jensen@Example.com";
  private final String unicode = "Jos\u00e9.Garc\u00eda-M\u00fcller@Example.com";

  @Benchmark
  public String lowerCase() {
    return ascii.toLowerCase(Locale.ROOT);
  }

  @Benchmark
  public String asciiKey() {
    return Precis.key(ascii);
  }

  @Benchmark
  public Object asciiCheck() {
    return Precis.problem(ascii);
  }

  @Benchmark
  public String unicodeKey() {
    return Precis.key(unicode);
  }

  @Benchmark
  public Object unicodeCheck() {
    return Precis.problem(unicode);
  }
}
