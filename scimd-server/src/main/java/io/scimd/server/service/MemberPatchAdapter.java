package io.scimd.server.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scimd.core.error.ScimException;
import io.scimd.core.patch.PatchOpType;
import io.scimd.core.patch.PatchOperation;
import io.scimd.core.patch.PatchPath;
import io.scimd.core.path.AttrPath;
import io.scimd.core.schema.ResourceType;
import io.scimd.store.Member;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Separates a Group PATCH's {@code members} operations (RFC 7644 §3.5.2) from the ones on the
 * stored document, so that membership is changed in the membership table at O(change).
 */
final class MemberPatchAdapter {
  private static final String MEMBERS = "members";

  private MemberPatchAdapter() {}

  static MemberOps.Split split(ResourceType type, List<PatchOperation> ops) {
    List<PatchOperation> doc = new ArrayList<>();
    List<MemberOps.Change> changes = new ArrayList<>();
    for (PatchOperation op : ops) {
      PatchPath path = op.path();
      if (path == null) {
        splitPathless(type, op, doc, changes);
      } else if (isMembers(type, path.attribute())) {
        membersOp(op, path, changes);
      } else {
        doc.add(op);
      }
    }
    return new MemberOps.Split(List.copyOf(doc), List.copyOf(changes));
  }

  private static boolean isMembers(ResourceType type, AttrPath a) {
    return a.attribute().equals(MEMBERS)
        && (a.schema() == null || a.schema().equalsIgnoreCase(type.schema().id()));
  }

  private static void membersOp(PatchOperation op, PatchPath path, List<MemberOps.Change> changes) {
    if (path.attribute().subAttribute() != null || path.subAttribute() != null) {
      throw ScimException.mutability(
          "a member's sub-attributes cannot be patched (value, type and $ref are immutable, display is"
              + " readOnly): remove the member and add it again");
    }
    switch (op.op()) {
      case ADD -> {
        List<Member> m = members(op.value());
        if (!m.isEmpty()) {
          changes.add(new MemberOps.Change.Add(m));
        }
      }
      case REMOVE -> {
        if (path.valueFilter() != null) {
          changes.add(new MemberOps.Change.RemoveWhere(path.valueFilter()));
        } else if (op.value() == null || op.value().isNull()) {
          changes.add(new MemberOps.Change.Clear());
        } else {
          // Entra: {"op":"Remove","path":"members","value":[{"value":"id"}]} removes those members.
          List<String> ids = new ArrayList<>();
          for (Member m : members(op.value())) {
            ids.add(m.value());
          }
          changes.add(new MemberOps.Change.Remove(ids));
        }
      }
      case REPLACE -> {
        if (path.valueFilter() != null) {
          changes.add(new MemberOps.Change.RemoveWhere(path.valueFilter()));
        } else {
          changes.add(new MemberOps.Change.Clear());
        }
        List<Member> m = members(op.value());
        if (!m.isEmpty()) {
          changes.add(new MemberOps.Change.Add(m));
        }
      }
    }
  }

  private static void splitPathless(
      ResourceType type, PatchOperation op, List<PatchOperation> doc, List<MemberOps.Change> changes) {
    JsonNode value = op.value();
    if (value == null || !value.isObject()) {
      doc.add(op);
      return;
    }
    ObjectNode rest = ScimService.JSON.objectNode();
    JsonNode members = null;
    boolean found = false;
    for (Map.Entry<String, JsonNode> e : value.properties()) {
      String key = e.getKey();
      boolean isMembers;
      try {
        isMembers = isMembers(type, AttrPath.parse(key));
      } catch (ScimException notAPath) {
        isMembers = false;
      }
      if (isMembers) {
        members = e.getValue();
        found = true;
      } else {
        rest.set(key, e.getValue());
      }
    }
    if (!found) {
      doc.add(op);
      return;
    }
    if (!rest.isEmpty()) {
      doc.add(new PatchOperation(op.op(), null, rest));
    }
    if (op.op() == PatchOpType.REPLACE) {
      changes.add(new MemberOps.Change.Clear());
    }
    List<Member> m = members(members);
    if (!m.isEmpty()) {
      changes.add(new MemberOps.Change.Add(m));
    }
  }

  private static List<Member> members(JsonNode value) {
    List<Member> out = new ArrayList<>();
    if (value == null || value.isNull()) {
      return out;
    }
    if (value.isArray()) {
      for (JsonNode m : value) {
        out.add(MemberOps.toMember(m));
      }
    } else {
      out.add(MemberOps.toMember(value));
    }
    return out;
  }
}
