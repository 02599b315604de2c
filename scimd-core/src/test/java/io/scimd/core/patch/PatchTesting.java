package io.scimd.core.patch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scimd.core.error.ScimException;
import io.scimd.core.error.ScimType;
import io.scimd.core.schema.ResourceType;
import io.scimd.core.schema.SchemaRegistry;
import java.io.UncheckedIOException;
import java.util.List;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;

/** Shared fixtures: the built-in types and JSON written with single quotes for readability. */
final class PatchTesting {
  static final SchemaRegistry REGISTRY = SchemaRegistry.builtIn();
  static final ResourceType USER = REGISTRY.user();
  static final ResourceType GROUP = REGISTRY.group();
  static final String ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

  private static final ObjectMapper MAPPER =
      new ObjectMapper().configure(JsonParser.Feature.ALLOW_SINGLE_QUOTES, true);

  private PatchTesting() {}

  /** JSON in which strings may use single quotes, so that double quotes need no escaping. */
  static JsonNode json(String text) {
    try {
      return MAPPER.readTree(text);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  static ObjectNode obj(String text) {
    return (ObjectNode) json(text);
  }

  /** The operations of a PatchOp body given as its operation objects. */
  static List<PatchOperation> ops(String... operations) {
    return PatchRequest.parse(
        json(
            "{'schemas':['urn:ietf:params:scim:api:messages:2.0:PatchOp'],'Operations':["
                + String.join(",", operations)
                + "]}"));
  }

  static ObjectNode patch(ResourceType type, String doc, String... operations) {
    return PatchEngine.apply(type, obj(doc), ops(operations));
  }

  /** Asserts a 400 with that scimType and returns the exception for its detail. */
  static ScimException scimError(ScimType type, ThrowingCallable call) {
    ScimException e = catchThrowableOfType(ScimException.class, call);
    assertThat(e).as("expected a ScimException " + type).isNotNull();
    assertThat(e.status()).isEqualTo(400);
    assertThat(e.scimType()).isEqualTo(type);
    return e;
  }
}
