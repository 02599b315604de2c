package io.scimd.core.resource;

import static io.scimd.core.resource.Fixtures.anyJson;
import static io.scimd.core.resource.Fixtures.error;
import static io.scimd.core.resource.Fixtures.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scimd.core.error.ScimException;
import io.scimd.core.error.ScimType;
import io.scimd.core.patch.PatchEngine;
import io.scimd.core.patch.PatchOperation;
import io.scimd.core.patch.PatchRequest;
import io.scimd.core.schema.Attribute;
import io.scimd.core.schema.AttributeType;
import io.scimd.core.schema.ResourceType;
import io.scimd.core.schema.Schema;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A value gets the same answer whether it arrives in a POST body or as a PATCH value: both go
 * through {@link io.scimd.core.schema.Values}. The rows are the values on which the PATCH engine
 * and the validator used to disagree, and the forgiving forms real IdPs send.
 */
class ValueRulesAgreementTest {
  private static final ResourceType THING =
      new ResourceType(
          "Thing",
          "/Things",
          "",
          new Schema(
              "urn:example:scim:Thing",
              "Thing",
              "",
              List.of(
                  Attribute.builder("flag").type(AttributeType.BOOLEAN).build(),
                  Attribute.builder("count").type(AttributeType.INTEGER).build(),
                  Attribute.builder("ratio").type(AttributeType.DECIMAL).build(),
                  Attribute.builder("since").type(AttributeType.DATE_TIME).build(),
                  Attribute.builder("blob").type(AttributeType.BINARY).build())),
          List.of());

  private final ResourceValidator validator = new ResourceValidator(UnknownAttributePolicy.REJECT);

  /** Each row: attribute, JSON value, the stored canonical JSON or "-" when it is rejected. */
  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        // Entra sends booleans as strings in PATCH; POST takes them the same way.
        "flag   | '\"False\"'                   | false",
        // PATCH used to take spaces around it, POST did not.
        "flag   | '\" TRUE \"'                  | true",
        "flag   | '\"yes\"'                     | -",
        // 3.0 is the integer 3 on both paths.
        "count  | 3.0                           | 3",
        // Overflowing to an infinite double: POST used to fail inside BigDecimal.
        "count  | 1e400                         | -",
        // Stored as Infinity, which JSON cannot carry back: POST and PATCH used to accept it.
        "ratio  | 1e400                         | -",
        // Seconds are required (RFC 7643 §2.3.5): PATCH used to accept this, POST did not.
        "since  | '\"2011-05-13T04:42Z\"'       | -",
        "since  | '\"2011-05-13T04:42:34+02:00\"' | '\"2011-05-13T04:42:34+02:00\"'",
        // Binary is base64 (RFC 7643 §2.3.6): PATCH used to accept any text, POST did not.
        "blob   | '\"not base64!\"'             | -",
        "blob   | '\"aGVsbG8=\"'                | '\"aGVsbG8=\"'",
      })
  void postAndPatch_giveTheSameAnswer(String attribute, String value, String stored) {
    ObjectNode post = json("{\"" + attribute + "\": " + value + "}");
    List<PatchOperation> patch =
        PatchRequest.parse(
            json(
                "{\"schemas\": [\"urn:ietf:params:scim:api:messages:2.0:PatchOp\"],"
                    + " \"Operations\": [{\"op\": \"add\", \"path\": \""
                    + attribute
                    + "\", \"value\": "
                    + value
                    + "}]}"));
    if (stored.equals("-")) {
      ScimException byPost = error(() -> validator.forCreate(THING, post));
      ScimException byPatch = error(() -> PatchEngine.apply(THING, json("{}"), patch));
      assertThat(byPost.status()).isEqualTo(400);
      assertThat(byPost.scimType()).isEqualTo(ScimType.INVALID_VALUE);
      assertThat(byPatch.status()).isEqualTo(400);
      assertThat(byPatch.scimType()).isEqualTo(ScimType.INVALID_VALUE);
      assertThat(byPatch.error().detail()).contains(byPost.error().detail());
    } else {
      JsonNode expected = anyJson(stored);
      assertThat(validator.forCreate(THING, post).get(attribute)).isEqualTo(expected);
      ObjectNode patched = PatchEngine.apply(THING, json("{}"), patch);
      assertThat(patched.get(attribute)).isEqualTo(expected);
      assertThat(validator.checkPatched(THING, json("{}"), patched).get(attribute))
          .isEqualTo(expected);
    }
  }
}
