package io.scimd.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scimd.core.patch.PatchEngine;
import io.scimd.core.patch.PatchOperation;
import io.scimd.core.patch.PatchRequest;
import io.scimd.core.schema.ResourceType;
import io.scimd.core.schema.SchemaRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
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
 * What does the core charge for one user PATCH as Microsoft Entra ID sends it (capitalised ops, a
 * boolean as a string, a value-filter path that creates the work email, the manager as a bare id,
 * several attributes at once): reading the PatchOp body, and applying its operations to a realistic
 * user? Excludes HTTP, JSON text parsing and the store.
 *
 * <p>{@code baseline} is an empty benchmark: report the others as multiples of it from the same
 * run.
 *
 * <p>Run: {@code java -jar scimd-bench/target/benchmarks.jar PatchBenchmark}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class PatchBenchmark {
  static final String ENTRA_PATCH =
      """
      {"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
       "Operations":[
        {"op":"Replace","path":"active","value":"False"},
        {"op":"Replace","path":"displayName","value":"Ada Lovelace-Byron"},
        {"op":"Replace","path":"name.familyName","value":"Lovelace-Byron"},
        {"op":"Add","path":"emails[type eq \\"work\\"].value","value":"ada.byron@contoso.example"},
        {"op":"Replace","path":"phoneNumbers[type eq \\"mobile\\"].value","value":"+1 206 555 0199"},
        {"op":"Add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
         "value":"2819c223-7f76-453a-919d-413861904646"},
        {"op":"Replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
         "value":"Analytical Engines"},
        {"op":"Add","value":{"title":"Principal Engineer","preferredLanguage":"en-GB"}}
       ]}
      """;

  private ResourceType userType;
  private ObjectNode user;
  private JsonNode body;
  private List<PatchOperation> ops;

  @Setup
  public void setUp() {
    userType = SchemaRegistry.builtIn().user();
    user = Users.attributes(42, Users.userName(42));
    try {
      body = Users.MAPPER.readTree(ENTRA_PATCH);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    ops = PatchRequest.parse(body);
    ObjectNode patched = PatchEngine.apply(userType, user, ops);
    if (patched.path("active").asBoolean(true) || user.equals(patched)) {
      throw new IllegalStateException("the PATCH must apply to the fixture user: " + patched);
    }
  }

  @Benchmark
  public void baseline() {}

  @Benchmark
  public List<PatchOperation> parse() {
    return PatchRequest.parse(body);
  }

  @Benchmark
  public ObjectNode apply() {
    return PatchEngine.apply(userType, user, ops);
  }

  @Benchmark
  public ObjectNode parseAndApply() {
    return PatchEngine.apply(userType, user, PatchRequest.parse(body));
  }
}
