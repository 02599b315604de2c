package io.scimd.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scimd.core.schema.SchemaUrns;
import org.jspecify.annotations.Nullable;

/**
 * A User (RFC 7643 §4.1) as its JSON, with accessors for the attributes most callers read and
 * withers for those they set. Immutable: a wither returns a changed copy. Anything else is in
 * {@link #json()}.
 */
public record User(ObjectNode json, @Nullable String etag) implements TypedResource {

  public User {
    json = json.deepCopy();
  }

  @Override
  public ObjectNode json() {
    return json.deepCopy();
  }

  static User of(ScimResource r) {
    return new User(r.json(), r.etag());
  }

  /** A new User with {@code userName}, its only required attribute. */
  public static User of(String userName) {
    ObjectNode o = Json.F.objectNode();
    o.putArray("schemas").add(SchemaUrns.USER);
    o.put("userName", userName);
    return new User(o, null);
  }

  public @Nullable String userName() {
    return Json.text(Json.path(json, "userName"));
  }

  public @Nullable String displayName() {
    return Json.text(Json.path(json, "displayName"));
  }

  public @Nullable String externalId() {
    return Json.text(Json.path(json, "externalId"));
  }

  /** {@code active}; a server that leaves it out means an active user (RFC 7643 §4.1.1). */
  public boolean active() {
    return Json.bool(Json.path(json, "active"), true);
  }

  /** The primary email's value, else the first one's, else null. */
  public @Nullable String email() {
    String first = null;
    for (JsonNode e : Json.path(json, "emails")) {
      String v = Json.text(Json.path(e, "value"));
      if (v != null && Json.bool(Json.path(e, "primary"), false)) {
        return v;
      }
      first = first == null ? v : first;
    }
    return first;
  }

  public User withDisplayName(String displayName) {
    return with("displayName", Json.F.textNode(displayName));
  }

  public User withExternalId(String externalId) {
    return with("externalId", Json.F.textNode(externalId));
  }

  public User withActive(boolean active) {
    return with("active", Json.F.booleanNode(active));
  }

  /** {@code name.givenName} and {@code name.familyName}. */
  public User withName(String givenName, String familyName) {
    ObjectNode name = Json.F.objectNode().put("givenName", givenName).put("familyName", familyName);
    return with("name", name);
  }

  /** Replaces the emails with one primary work email. */
  public User withEmail(String email) {
    ArrayNode emails = Json.F.arrayNode();
    emails.addObject().put("value", email).put("type", "work").put("primary", true);
    return with("emails", emails);
  }

  private User with(String attribute, JsonNode value) {
    ObjectNode copy = json.deepCopy();
    copy.set(attribute, value);
    return new User(copy, etag);
  }
}
