package io.scimd.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scimd.core.schema.SchemaUrns;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A Group (RFC 7643 §4.2) as its JSON. Members are changed on the server with {@link
 * Patch#addMembers}, {@link Patch#removeMembers} or {@link Patch#memberChanges}, not by replacing
 * the whole list: a large group costs the change, not its size.
 */
public record Group(ObjectNode json, @Nullable String etag) implements TypedResource {

  public Group {
    json = json.deepCopy();
  }

  @Override
  public ObjectNode json() {
    return json.deepCopy();
  }

  static Group of(ScimResource r) {
    return new Group(r.json(), r.etag());
  }

  /** A new Group named {@code displayName}. */
  public static Group of(String displayName) {
    ObjectNode o = Json.F.objectNode();
    o.putArray("schemas").add(SchemaUrns.GROUP);
    o.put("displayName", displayName);
    return new Group(o, null);
  }

  public @Nullable String displayName() {
    return Json.text(Json.path(json, "displayName"));
  }

  public @Nullable String externalId() {
    return Json.text(Json.path(json, "externalId"));
  }

  /** The ids of its members, as the server listed them (empty if it left them out). */
  public List<String> memberIds() {
    List<String> ids = new ArrayList<>();
    for (JsonNode m : Json.path(json, "members")) {
      String v = Json.text(Json.path(m, "value"));
      if (v != null) {
        ids.add(v);
      }
    }
    return ids;
  }

  /** A copy whose {@code members} are {@code memberIds}: for a new group or a full replace. */
  public Group withMembers(Collection<String> memberIds) {
    ObjectNode copy = json.deepCopy();
    ArrayNode members = copy.putArray("members");
    memberIds.forEach(id -> members.addObject().put("value", id));
    return new Group(copy, etag);
  }

  public Group withExternalId(String externalId) {
    ObjectNode copy = json.deepCopy();
    copy.put("externalId", externalId);
    return new Group(copy, etag);
  }
}
