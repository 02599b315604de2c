package io.scimd.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scimd.core.filter.Filter;
import io.scimd.core.filter.FilterEvaluator;
import io.scimd.core.filter.FilterParser;
import io.scimd.core.schema.ResourceType;
import io.scimd.core.schema.SchemaRegistry;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * How much does a filter cost before the store sees it: parsing the {@code userName eq} filter that
 * Entra ID and Okta send before every create, parsing a complex filter, and evaluating each against
 * a realistic user (the in-memory evaluator decides whatever the store cannot push down to SQL)?
 *
 * <p>{@code baseline} is an empty benchmark: report the others as multiples of it from the same
 * run.
 *
 * <p>Run: {@code java -jar scimd-bench/target/benchmarks.jar FilterBenchmark}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class FilterBenchmark {
  /**
   * What Entra ID sends before creating a user (and, with a random name, as its keep-alive probe).
   */
  static final String TYPICAL = "userName eq \"user0000042@contoso.example\"";

  /**
   * Every construct at once: case-insensitive operators, {@code or} under {@code and}, a value path
   * with its own {@code and}, {@code not}, a URN-qualified extension path and a dateTime ordering.
   */
  static final String COMPLEX =
      "(userName sw \"user00000\" OR emails[type eq \"work\" and value co \"@contoso.example\"])"
          + " and not (active eq false)"
          + " and urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq \"Platform\""
          + " and meta.lastModified gt \"2025-01-01T00:00:00Z\"";

  private ResourceType userType;
  private ObjectNode user;
  private Filter typical;
  private Filter complex;

  @Setup
  public void setUp() {
    userType = SchemaRegistry.builtIn().user();
    user = Users.full(42);
    typical = FilterParser.parse(TYPICAL);
    complex = FilterParser.parse(COMPLEX);
    // A benchmark of an evaluator that answers wrongly measures nothing.
    if (!FilterEvaluator.matches(typical, user, userType)
        || !FilterEvaluator.matches(complex, user, userType)) {
      throw new IllegalStateException("both filters must match the fixture user");
    }
  }

  @Benchmark
  public void baseline() {}

  @Benchmark
  public Filter parseTypical() {
    return FilterParser.parse(TYPICAL);
  }

  @Benchmark
  public Filter parseComplex() {
    return FilterParser.parse(COMPLEX);
  }

  @Benchmark
  public boolean evaluateTypical() {
    return FilterEvaluator.matches(typical, user, userType);
  }

  @Benchmark
  public boolean evaluateComplex() {
    return FilterEvaluator.matches(complex, user, userType);
  }
}
