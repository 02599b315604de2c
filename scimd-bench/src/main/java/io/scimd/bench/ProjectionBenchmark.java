package io.scimd.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scimd.core.resource.Projection;
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
 * What does writing one full user cost on the way out: the {@code attributes}/{@code
 * excludedAttributes} projection with the {@code returned} characteristic (RFC 7644 §3.4.2.5), and
 * the Jackson write of the result to bytes? {@code writeOnly} is the Jackson write alone, so the
 * projection's own share is the difference.
 *
 * <p>{@code baseline} is an empty benchmark: report the others as multiples of it from the same run.
 *
 * <p>Run: {@code java -jar scimd-bench/target/benchmarks.jar ProjectionBenchmark}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class ProjectionBenchmark {
  private ResourceType userType;
  private ObjectNode user;
  private ObjectWriter writer;
  private Projection defaults;
  private Projection narrow;
  private Projection excluded;

  @Setup
  public void setUp() {
    userType = SchemaRegistry.builtIn().user();
    user = Users.full(42);
    writer = Users.MAPPER.writer();
    defaults = Projection.parse(null, null);
    // What an IdP asks for when it only wants to match and diff.
    narrow = Projection.parse("userName,externalId,active,emails.value", null);
    excluded = Projection.parse(null, "addresses,phoneNumbers,urn:ietf:params:scim:schemas:extension:enterprise:2.0:User");
    if (!narrow.apply(userType, user).has("userName") || narrow.apply(userType, user).has("addresses")) {
      throw new IllegalStateException("the narrow projection must keep userName and drop addresses");
    }
  }

  @Benchmark
  public void baseline() {}

  @Benchmark
  public byte[] writeOnly() throws JsonProcessingException {
    return writer.writeValueAsBytes(user);
  }

  @Benchmark
  public ObjectNode projectDefault() {
    return defaults.apply(userType, user);
  }

  @Benchmark
  public byte[] projectDefaultAndWrite() throws JsonProcessingException {
    return writer.writeValueAsBytes(defaults.apply(userType, user));
  }

  @Benchmark
  public byte[] projectAttributesAndWrite() throws JsonProcessingException {
    return writer.writeValueAsBytes(narrow.apply(userType, user));
  }

  @Benchmark
  public byte[] projectExcludedAndWrite() throws JsonProcessingException {
    return writer.writeValueAsBytes(excluded.apply(userType, user));
  }
}
