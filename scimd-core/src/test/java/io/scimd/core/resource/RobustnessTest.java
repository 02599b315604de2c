package io.scimd.core.resource;

import static io.scimd.core.resource.Fixtures.DEVICE;
import static io.scimd.core.resource.Fixtures.DEVICE_EXT;
import static io.scimd.core.resource.Fixtures.ENT;
import static io.scimd.core.resource.Fixtures.GROUP;
import static io.scimd.core.resource.Fixtures.USER;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scimd.core.error.ScimException;
import io.scimd.core.schema.ResourceType;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Random bodies built from the schemas' own names (in random case) and random JSON values: the
 * validator may only ever fail with a 400 ScimException, and what it accepts must render, project
 * and validate again to the same thing.
 */
class RobustnessTest {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;
  private static final List<String> NAMES =
      List.of(
          "schemas",
          "id",
          "externalId",
          "meta",
          "userName",
          "name",
          "givenName",
          "familyName",
          "displayName",
          "active",
          "password",
          "emails",
          "value",
          "type",
          "primary",
          "display",
          "groups",
          "members",
          "$ref",
          "addresses",
          "x509Certificates",
          "manager",
          "department",
          "serial",
          "ports",
          "weight",
          "boughtAt",
          "tags",
          "slot",
          "rack",
          "location",
          "site",
          ENT,
          DEVICE_EXT,
          ENT + ":department",
          "urn:",
          "unknown");
  private static final List<String> TEXTS =
      List.of(
          "",
          " ",
          "work",
          "WORK",
          "True",
          "false",
          "2011-05-13T04:42:34Z",
          "TWFu",
          "x",
          ENT,
          "urn:ietf:params:scim:schemas:core:2.0:User",
          "User");

  private final Random random = new Random(7643);

  private JsonNode value(int depth) {
    int pick = random.nextInt(depth > 2 ? 7 : 9);
    return switch (pick) {
      case 0 -> F.nullNode();
      case 1 -> F.booleanNode(random.nextBoolean());
      case 2 -> F.numberNode(random.nextInt(5) - 2);
      case 3 -> F.numberNode(random.nextDouble());
      case 4, 5, 6 -> F.textNode(TEXTS.get(random.nextInt(TEXTS.size())));
      case 7 -> {
        ArrayNode a = F.arrayNode();
        for (int i = random.nextInt(4); i > 0; i--) {
          a.add(value(depth + 1));
        }
        yield a;
      }
      default -> object(depth + 1);
    };
  }

  private ObjectNode object(int depth) {
    ObjectNode o = F.objectNode();
    for (int i = random.nextInt(6); i > 0; i--) {
      String n = NAMES.get(random.nextInt(NAMES.size()));
      o.set(random.nextBoolean() ? n : n.toUpperCase(Locale.ROOT), value(depth));
    }
    return o;
  }

  private static ObjectNode base(ResourceType type) {
    ObjectNode o = F.objectNode();
    if (type == USER) {
      o.put("userName", "u");
    } else if (type == GROUP) {
      o.put("displayName", "g");
    } else {
      o.put("serial", "s").putObject(DEVICE_EXT).put("owner", "o");
    }
    return o;
  }

  @Test
  void onlyScimExceptions_andAcceptedResultsAreFixedPoints() {
    ResourceValidator strict = new ResourceValidator(UnknownAttributePolicy.REJECT);
    ResourceValidator lenient = new ResourceValidator(UnknownAttributePolicy.IGNORE);
    Meta meta = new Meta("X", Instant.EPOCH, Instant.EPOCH, 1);
    int accepted = 0;
    for (int i = 0; i < 20_000; i++) {
      ResourceType type = List.of(USER, GROUP, DEVICE).get(i % 3);
      ResourceValidator v = i % 2 == 0 ? strict : lenient;
      JsonNode body = i % 50 == 0 ? value(0) : object(0);
      if (body instanceof ObjectNode o && random.nextInt(4) > 0) {
        o.setAll(base(type)); // mostly valid, so that the accepted path is exercised too
      }
      ObjectNode current = object(0);
      try {
        ObjectNode out =
            switch (i % 3) {
              case 0 -> v.forCreate(type, body);
              case 1 -> v.forReplace(type, current, body);
              default ->
                  v.checkPatched(type, current, body instanceof ObjectNode o ? o : F.objectNode());
            };
        accepted++;
        assertThat(out.has("id") || out.has("meta") || out.has("schemas")).isFalse();
        ObjectNode rendered = ResourceJson.render(type, "r" + i, meta, out, null);
        Projection.DEFAULT.apply(type, rendered);
        Projection.parse("userName,members.value," + ENT, "emails.type").apply(type, rendered);
        assertThat(strict.forReplace(type, out, out)).as("%s", body).isEqualTo(out);
      } catch (ScimException e) {
        assertThat(e.status()).isEqualTo(400);
        assertThat(e.scimType()).isNotNull();
        assertThat(e.error().detail()).isNotBlank();
      }
    }
    assertThat(accepted).as("accepted").isGreaterThan(2_000);
  }
}
