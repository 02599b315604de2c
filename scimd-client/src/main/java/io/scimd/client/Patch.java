package io.scimd.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.scimd.core.error.ScimException;
import io.scimd.core.patch.PatchPath;
import io.scimd.core.schema.SchemaUrns;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A PatchOp message (RFC 7644 §3.5.2): an ordered list of {@code add}, {@code replace} and {@code
 * remove} operations. Paths are checked by scimd-core's PATCH path parser when added, so a typo
 * fails here rather than as the server's 400. Immutable; build with {@link #builder()}, or use the
 * member helpers for groups.
 */
public final class Patch {
  private final List<ObjectNode> operations;

  private Patch(List<ObjectNode> operations) {
    if (operations.isEmpty()) {
      throw new IllegalStateException("a PATCH needs at least one operation (RFC 7644 §3.5.2)");
    }
    this.operations = List.copyOf(operations);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** How many operations it holds. */
  public int size() {
    return operations.size();
  }

  /** The PatchOp body to send. */
  public ObjectNode toJson() {
    ObjectNode o = Json.F.objectNode();
    o.putArray("schemas").add(SchemaUrns.PATCH_OP);
    ArrayNode ops = o.putArray("Operations");
    operations.forEach(op -> ops.add(op.deepCopy()));
    return o;
  }

  @Override
  public String toString() {
    return toJson().toString();
  }

  /** {@code add members} with the ids of {@code memberIds}, in one operation. */
  public static Patch addMembers(Collection<String> memberIds) {
    return builder().addMembers(memberIds).build();
  }

  /** One {@code remove members[value eq "id"]} per id (the RFC's form; RFC 7644 §3.5.2.2). */
  public static Patch removeMembers(Collection<String> memberIds) {
    return builder().removeMembers(memberIds).build();
  }

  /**
   * The member changes of a group as PATCHes of at most {@code maxChangesPerPatch} member changes
   * each, additions first: some servers cap one PATCH (AWS IAM Identity Center takes at most 100
   * membership changes). Sending them in order gives the same group as one big PATCH would. Empty
   * when there is nothing to change.
   */
  public static List<Patch> memberChanges(
      Collection<String> add, Collection<String> remove, int maxChangesPerPatch) {
    if (maxChangesPerPatch < 1) {
      throw new IllegalArgumentException(
          "a PATCH holds at least one change, not " + maxChangesPerPatch);
    }
    List<Patch> out = new ArrayList<>();
    Builder b = builder();
    List<String> pendingAdds = new ArrayList<>();
    int changes = 0;
    for (String id : add) {
      pendingAdds.add(id);
      if (++changes == maxChangesPerPatch) {
        out.add(b.addMembers(pendingAdds).build());
        b = builder();
        pendingAdds.clear();
        changes = 0;
      }
    }
    if (!pendingAdds.isEmpty()) {
      b.addMembers(pendingAdds);
    }
    for (String id : remove) {
      b.removeMembers(List.of(id));
      if (++changes == maxChangesPerPatch) {
        out.add(b.build());
        b = builder();
        changes = 0;
      }
    }
    if (changes > 0) {
      out.add(b.build());
    }
    return List.copyOf(out);
  }

  /** Builds a {@link Patch}; operations keep the order they were added in. */
  public static final class Builder {
    private final List<ObjectNode> operations = new ArrayList<>();

    private Builder() {}

    /** {@code add} {@code value} at {@code path}. */
    public Builder add(String path, JsonNode value) {
      return op("add", path, value);
    }

    public Builder add(String path, String value) {
      return op("add", path, TextNode.valueOf(value));
    }

    /** {@code add} without a path: each key of {@code value} is an attribute to add. */
    public Builder add(ObjectNode value) {
      return op("add", null, value);
    }

    /** {@code replace} the value at {@code path} with {@code value}. */
    public Builder replace(String path, JsonNode value) {
      return op("replace", path, value);
    }

    public Builder replace(String path, String value) {
      return op("replace", path, TextNode.valueOf(value));
    }

    public Builder replace(String path, boolean value) {
      return op("replace", path, Json.F.booleanNode(value));
    }

    /** {@code replace} without a path: each key of {@code value} is an attribute to replace. */
    public Builder replace(ObjectNode value) {
      return op("replace", null, value);
    }

    /** {@code remove} what {@code path} names (RFC 7644 §3.5.2.2: remove needs a path). */
    public Builder remove(String path) {
      return op("remove", path, null);
    }

    /**
     * {@code remove} with a {@code value}: the values to take out of a multi-valued attribute, as
     * Entra sends {@code remove members [{"value":"id"}]}. Not in the RFC; some servers take it.
     */
    public Builder remove(String path, JsonNode value) {
      return op("remove", path, value);
    }

    /** {@code add members [{"value": id}, ...]}; nothing when {@code memberIds} is empty. */
    public Builder addMembers(Collection<String> memberIds) {
      if (memberIds.isEmpty()) {
        return this;
      }
      ArrayNode values = Json.F.arrayNode();
      memberIds.forEach(id -> values.addObject().put("value", id));
      return op("add", "members", values);
    }

    /** {@code remove members[value eq "id"]} for each id, the id escaped as a filter value. */
    public Builder removeMembers(Collection<String> memberIds) {
      for (String id : memberIds) {
        op("remove", "members[" + Filters.eq("value", id) + "]", null);
      }
      return this;
    }

    public Patch build() {
      return new Patch(operations);
    }

    private Builder op(String op, @Nullable String path, @Nullable JsonNode value) {
      ObjectNode o = Json.F.objectNode();
      o.put("op", op);
      if (path != null) {
        try {
          PatchPath.parse(path);
        } catch (ScimException e) {
          throw new IllegalArgumentException(e.getMessage(), e);
        }
        o.put("path", path);
      }
      if (value != null) {
        o.set("value", value.deepCopy());
      }
      operations.add(o);
      return this;
    }
  }
}
