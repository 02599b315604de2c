package io.scimd.server.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scimd.core.error.ScimException;
import io.scimd.core.schema.CaseInsensitive;
import io.scimd.core.schema.ResourceType;
import io.scimd.core.schema.SchemaRegistry;
import io.scimd.store.Load;
import io.scimd.store.StoreReader;
import java.util.HashSet;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The rule every write of an Agent keeps (docs/decisions/0020-agents.md): the agent has at least
 * one owner, and each owner's {@code value} is the id of a User of the agent's tenant. Checked on
 * the document a create, replace or patch is about to store, inside the write's transaction, so a
 * refused write changes nothing (a bulk operation fails alone).
 *
 * <p>An owner the agent already had is not looked up again: when a User that owns agents is
 * deleted, its agents keep the owner entry (nothing cascades; the access model denies an agent with
 * no active owner), and such an agent must stay writable, to be deactivated or given a new owner,
 * without first being told to drop the owner it lost.
 *
 * <p>An owner's {@code value} that names a User only in another case (ids are lower-case UUIDs) is
 * rewritten to the User's id, so the stored owner matches the User as every consumer compares ids.
 */
final class AgentOwners {
  private final SchemaRegistry registry;

  AgentOwners(SchemaRegistry registry) {
    this.registry = registry;
  }

  /** Whether {@code type} is the Agent type, whose writes {@link #check} governs. */
  boolean governs(ResourceType type) {
    return registry.agent().map(a -> a.name().equalsIgnoreCase(type.name())).orElse(false);
  }

  /**
   * Checks {@code attrs} (an owner's {@code type}, canonical value {@code User}, is the validator's
   * to check), the agent as it will be stored, against the rule; {@code before} is the agent as
   * stored now, null for a new one.
   *
   * @throws ScimException 400 {@code invalidValue} naming the owner at fault, or saying that an
   *     owner is required
   */
  void check(StoreReader tx, ObjectNode attrs, @Nullable ObjectNode before) {
    JsonNode owners = CaseInsensitive.get(attrs, "owners");
    if (owners == null || !owners.isArray() || owners.isEmpty()) {
      throw ScimException.invalidValue(
          "an Agent needs at least one owner: give owners, each with the id of a User of this"
              + " tenant as its value");
    }
    Set<String> held = before == null ? Set.of() : values(before);
    String user = registry.user().name();
    for (JsonNode owner : owners) {
      JsonNode value = owner.isObject() ? CaseInsensitive.get(owner, "value") : null;
      if (value == null || !value.isTextual() || value.asText().isBlank()) {
        throw ScimException.invalidValue(
            "each owner of an Agent needs a value, the id of a User of this tenant: "
                + ScimException.quote(String.valueOf(owner)));
      }
      String id = value.asText();
      if (held.contains(id)) {
        continue;
      }
      Optional<String> found = userId(tx, user, id);
      if (found.isEmpty()) {
        throw ScimException.invalidValue(
            "owner "
                + ScimException.quote(id)
                + " is not the id of a User of this tenant: an Agent's owners must be existing"
                + " Users");
      }
      if (!found.get().equals(id)) {
        ObjectNode o = (ObjectNode) owner;
        String key = "value";
        for (String k : (Iterable<String>) o::fieldNames) {
          if (k.equalsIgnoreCase("value")) {
            key = k;
          }
        }
        o.put(key, found.get());
      }
    }
  }

  private static Optional<String> userId(StoreReader tx, String user, String id) {
    Optional<String> exact = tx.get(user, id, Load.NONE).map(r -> r.id());
    if (exact.isPresent()) {
      return exact;
    }
    String lower = id.toLowerCase(Locale.ROOT);
    return lower.equals(id) ? exact : tx.get(user, lower, Load.NONE).map(r -> r.id());
  }

  private static Set<String> values(ObjectNode doc) {
    Set<String> out = new HashSet<>();
    JsonNode owners = CaseInsensitive.get(doc, "owners");
    if (owners != null && owners.isArray()) {
      for (JsonNode o : owners) {
        JsonNode v = o.isObject() ? CaseInsensitive.get(o, "value") : null;
        if (v != null && v.isTextual()) {
          out.add(v.asText());
        }
      }
    }
    return out;
  }
}
