package io.scimd.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scimd.core.resource.Meta;
import io.scimd.core.resource.Projection;
import io.scimd.core.resource.ResourceJson;
import io.scimd.core.schema.ResourceType;
import io.scimd.core.schema.SchemaRegistry;
import java.time.Instant;
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
 * What does writing one full user cost on the way out: rendering the stored attributes to their
 * wire form ({@code ResourceJson.render}: schemas, id, schema order, meta), the {@code
 * attributes}/{@code excludedAttributes} projection with the {@code returned} characteristic (RFC
 * 7644 §3.4.2.5), and the Jackson write of the result to bytes? {@code writeOnly} is the Jackson
 * write alone, so each step's own share is a difference; {@code renderProjectWrite} is the whole
 * way out of a GET.
 *
 * <p>{@code baseline} is an empty benchmark: report the others as multiples of it from the same
 * run.
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
  private ObjectNode stored;
  private Meta meta;
  private String id;
  private String location;
  private ObjectWriter writer;
  private Projection defaults;
  private Projection narrow;
  private Projection excluded;

  @Setup
  public void setUp() {
    userType = SchemaRegistry.builtIn().user();
    user = Users.full(42);
    stored = Users.attributes(42, Users.userName(42));
    id = user.get("id").asText();
    meta =
        new Meta(
            "User",
            Instant.parse("2025-03-01T10:15:30.123456Z"),
            Instant.parse("2025-06-11T08:00:00.654321Z"),
            3);
    location = "http://127.0.0.1:8080/scim/v2/Users/" + id;
    writer = Users.MAPPER.writer();
    defaults = Projection.parse(null, null);
    // What an IdP asks for when it only wants to match and diff.
    narrow = Projection.parse("userName,externalId,active,emails.value", null);
    excluded =
        Projection.parse(
            null,
            "addresses,phoneNumbers,urn:ietf:params:scim:schemas:extension:enterprise:2.0:User");
    if (!narrow.apply(userType, user).has("userName")
        || narrow.apply(userType, user).has("addresses")) {
      throw new IllegalStateException(
          "the narrow projection must keep userName and drop addresses");
    }
  }

  @Benchmark
  public void baseline() {}

  @Benchmark
  public byte[] writeOnly() throws JsonProcessingException {
    return writer.writeValueAsBytes(user);
  }

  @Benchmark
  public ObjectNode render() {
    return ResourceJson.render(userType, id, meta, stored, location);
  }

  @Benchmark
  public byte[] renderProjectWrite() throws JsonProcessingException {
    return writer.writeValueAsBytes(
        defaults.apply(userType, ResourceJson.render(userType, id, meta, stored, location)));
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
