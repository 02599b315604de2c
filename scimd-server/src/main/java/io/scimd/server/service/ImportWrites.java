package io.scimd.server.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scimd.core.error.ScimException;
import io.scimd.core.resource.ResourceValidator;
import io.scimd.core.resource.UnknownAttributePolicy;
import io.scimd.core.schema.ResourceType;
import io.scimd.core.schema.SchemaRegistry;
import io.scimd.store.StoreReader;
import org.jspecify.annotations.Nullable;

/**
 * The rules a SCIM write checks, for {@code scimd import}: the schema ({@link ResourceValidator},
 * unknown attributes refused) and the agent owner rule ({@link AgentOwners}), so that an import
 * stores nothing the SCIM API would have refused. A {@code password} is refused: exports never hold
 * one (it is writeOnly), and a clear password in a file must not be imported unhashed.
 */
public final class ImportWrites {
  private final SchemaRegistry registry;
  private final ResourceValidator validator = new ResourceValidator(UnknownAttributePolicy.REJECT);
  private final AgentOwners owners;

  public ImportWrites(SchemaRegistry registry) {
    this.registry = registry;
    this.owners = new AgentOwners(registry);
  }

  /**
   * The attributes to store for a new resource: {@code body} validated as a POST's.
   *
   * @throws ScimException 400 naming every problem
   */
  public ObjectNode forCreate(ResourceType type, JsonNode body) {
    refusePassword(body);
    return validator.forCreate(type, body);
  }

  /**
   * The attributes to store when {@code body} replaces {@code current}, validated as a PUT's.
   *
   * @throws ScimException 400 naming every problem
   */
  public ObjectNode forReplace(ResourceType type, ObjectNode current, JsonNode body) {
    refusePassword(body);
    return validator.forReplace(type, current, body);
  }

  /**
   * Checks the agent owner rule on the attributes about to be stored (nothing for other types).
   *
   * @throws ScimException 400 naming the owner that is no User of the tenant
   */
  public void checkOwners(
      StoreReader tx, ResourceType type, ObjectNode attrs, @Nullable ObjectNode before) {
    if (owners.governs(type)) {
      owners.check(tx, attrs, before);
    }
  }

  public boolean isGroup(ResourceType type) {
    return MemberOps.isGroup(registry, type);
  }

  private static void refusePassword(JsonNode body) {
    if (body.isObject() && body.has(Passwords.ATTRIBUTE)) {
      throw ScimException.invalidValue(
          "password: passwords are not imported (an export never holds one); set it through the"
              + " SCIM API");
    }
  }
}
