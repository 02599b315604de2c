package io.scimd.server.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scimd.store.AuditRecord;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * A journal entry as OCSF events, following OCSF schema 1.3.0 (https://schema.ocsf.io/1.3.0/), in
 * the Identity &amp; Access Management category (3):
 *
 * <ul>
 *   <li>Account Change (3001) for a User created (Create), deleted (Delete), {@code active} set
 *       (Enable/Disable), {@code password} changed (Password Change, its value never recorded), or
 *       any other attribute changed (Other, named "Update");
 *   <li>User Access Management (3005) for values of a User's {@code roles} or {@code entitlements}
 *       added (Assign Privileges) or removed (Revoke Privileges);
 *   <li>Group Management (3006) for a Group created (Create) or deleted (Delete), members added
 *       (Add User) or removed (Remove User), one event per member, or attributes changed (Other,
 *       "Update");
 *   <li>Entity Management (3004) for resources of other types (Create, Update, Delete);
 *   <li>Authentication (3002) for failed authentications, counted ({@code auth_failed}): activity
 *       Logon, status Failure with the reason as {@code status_detail}, {@code count} with {@code
 *       start_time} and {@code end_time} the first and last failure, the address as {@code
 *       src_endpoint.ip}, and as {@code user} the client whose credential the token was, when it
 *       was one.
 * </ul>
 *
 * <p>One entry may give several events (a PATCH that disables a user and renames them). Each event
 * has the base attributes (time in epoch milliseconds, class, category, activity, type_uid,
 * severity Informational, status Success, message), {@code metadata} (OCSF version, product, {@code
 * uid} {@code tenant:seq}, the request id as {@code correlation_uid}), the {@code actor} (the
 * client that made the change: its principal and name), {@code src_endpoint.ip} when the change
 * came over the network, and under {@code unmapped.scimd} the entry's tenant, number, kind, hash
 * and the change itself with each attribute's value before and after.
 */
final class Ocsf {
  /** The OCSF schema version the events follow. */
  static final String VERSION = "1.3.0";

  private static final JsonNodeFactory F = JsonNodeFactory.instance;
  private static final int CATEGORY_IAM = 3;
  private static final int ACCOUNT_CHANGE = 3001;
  private static final int ENTITY_MANAGEMENT = 3004;
  private static final int USER_ACCESS = 3005;
  private static final int GROUP_MANAGEMENT = 3006;
  private static final int AUTHENTICATION = 3002;
  private static final int OAUTH2 = 6; // auth_protocol_id: a bearer token is RFC 6750's, OAuth 2.0
  private static final int OTHER = 99;

  private final String productVersion;

  /** Events that name scimd {@code productVersion} as their product. */
  Ocsf(String productVersion) {
    this.productVersion = productVersion;
  }

  /** The OCSF events of one journal entry, {@code change} being its parsed change JSON. */
  List<ObjectNode> events(AuditRecord r, ObjectNode change) {
    List<ObjectNode> out = new ArrayList<>();
    String type = r.resourceType();
    boolean user = type.equals("User");
    boolean group = type.equals("Group");
    switch (r.kind()) {
      case "created" -> {
        if (user) {
          out.add(account(r, change, 1, "Create", userName(change.path("attributes"))));
        } else if (group) {
          out.add(group(r, change, 6, "Create", displayName(change.path("attributes"))));
        } else {
          out.add(entity(r, change, 1, "Create"));
        }
      }
      case "deleted" -> {
        if (user) {
          out.add(account(r, change, 6, "Delete", userName(change.path("attributes"))));
        } else if (group) {
          out.add(group(r, change, 5, "Delete", displayName(change.path("attributes"))));
        } else {
          out.add(entity(r, change, 4, "Delete"));
        }
      }
      case "replaced", "patched" -> {
        if (user) {
          userUpdate(r, change, out);
        } else if (group) {
          out.add(group(r, change, OTHER, "Update", after(change, "displayName")));
        } else {
          out.add(entity(r, change, 3, "Update"));
        }
      }
      case "members_added", "members_removed" -> {
        boolean added = r.kind().equals("members_added");
        for (JsonNode m : change.path("members")) {
          // Each event carries its own member only: an entry of 1,000 members is 1,000 events.
          ObjectNode one = F.objectNode();
          one.putArray("members").add(m);
          if (change.has("memberDeleted")) {
            one.set("memberDeleted", change.get("memberDeleted"));
          }
          ObjectNode e = group(r, one, added ? 3 : 4, added ? "Add User" : "Remove User", null);
          ObjectNode u = e.putObject("user");
          u.put("uid", m.path("value").asText());
          if (m.hasNonNull("display")) {
            u.put("name", m.get("display").asText());
          }
          if (m.hasNonNull("type") && !m.get("type").asText().equals("User")) {
            u.put("type", m.get("type").asText()); // a nested group is a member too
          }
          e.put(
              "message",
              (added
                      ? "member " + m.path("value").asText() + " added to "
                      : "member " + m.path("value").asText() + " removed from ")
                  + type
                  + " "
                  + r.resourceId());
          out.add(e);
        }
      }
      case "auth_failed" -> out.add(authFailed(r, change));
      default -> out.add(entity(r, change, 0, "Unknown"));
    }
    return out;
  }

  /**
   * A User's PUT or PATCH: Enable/Disable for {@code active}, Password Change for {@code password},
   * Assign/Revoke Privileges for {@code roles}/{@code entitlements}, Update for the rest.
   */
  private void userUpdate(AuditRecord r, ObjectNode change, List<ObjectNode> out) {
    String name = after(change, "userName");
    List<String> other = new ArrayList<>();
    Set<String> assigned = new LinkedHashSet<>();
    Set<String> revoked = new LinkedHashSet<>();
    for (JsonNode a : change.path("attributes")) {
      String path = a.path("path").asText();
      String attr = path.toLowerCase(Locale.ROOT);
      if (attr.equals("active") && a.has("after") && a.get("after").isBoolean()) {
        boolean on = a.get("after").asBoolean();
        out.add(account(r, change, on ? 2 : 5, on ? "Enable" : "Disable", name));
      } else if (attr.equals("password")) {
        out.add(account(r, change, 3, "Password Change", name));
      } else if (attr.equals("roles") || attr.equals("entitlements")) {
        Set<String> before = values(a.get("before"));
        Set<String> after = values(a.get("after"));
        for (String v : after) {
          if (!before.contains(v)) {
            assigned.add(attr + ":" + v);
          }
        }
        for (String v : before) {
          if (!after.contains(v)) {
            revoked.add(attr + ":" + v);
          }
        }
      } else {
        other.add(path);
      }
    }
    if (!assigned.isEmpty()) {
      out.add(access(r, change, 1, "Assign Privileges", name, assigned));
    }
    if (!revoked.isEmpty()) {
      out.add(access(r, change, 2, "Revoke Privileges", name, revoked));
    }
    if (!other.isEmpty() || out.isEmpty()) {
      out.add(account(r, change, OTHER, "Update", name));
    }
  }

  private ObjectNode account(
      AuditRecord r, ObjectNode change, int activity, String name, @Nullable String userName) {
    ObjectNode e = base(r, change, ACCOUNT_CHANGE, "Account Change", activity, name);
    ObjectNode u = e.putObject("user");
    u.put("uid", r.resourceId());
    if (userName != null) {
      u.put("name", userName);
    }
    e.put(
        "message",
        "User "
            + (userName != null ? userName : r.resourceId())
            + ": "
            + name.toLowerCase(Locale.ROOT));
    return e;
  }

  private ObjectNode access(
      AuditRecord r,
      ObjectNode change,
      int activity,
      String name,
      @Nullable String userName,
      Set<String> privileges) {
    ObjectNode e = base(r, change, USER_ACCESS, "User Access Management", activity, name);
    ObjectNode u = e.putObject("user");
    u.put("uid", r.resourceId());
    if (userName != null) {
      u.put("name", userName);
    }
    ArrayNode p = e.putArray("privileges");
    privileges.forEach(p::add);
    e.put(
        "message",
        "User "
            + (userName != null ? userName : r.resourceId())
            + ": "
            + name.toLowerCase(Locale.ROOT)
            + " "
            + privileges);
    return e;
  }

  private ObjectNode group(
      AuditRecord r, ObjectNode change, int activity, String name, @Nullable String displayName) {
    ObjectNode e = base(r, change, GROUP_MANAGEMENT, "Group Management", activity, name);
    ObjectNode g = e.putObject("group");
    g.put("uid", r.resourceId());
    if (displayName != null) {
      g.put("name", displayName);
    }
    e.put(
        "message",
        "Group "
            + (displayName != null ? displayName : r.resourceId())
            + ": "
            + name.toLowerCase(Locale.ROOT));
    return e;
  }

  /**
   * Failed authentications counted in a window: one Authentication Logon event with status Failure,
   * {@code count} of them between {@code start_time} and {@code end_time}. The actor is whoever
   * presented the token, so the base event's actor (the node that journaled the summary) is left
   * out; {@code user} is the client whose credential it was, or an unknown user.
   */
  private ObjectNode authFailed(AuditRecord r, ObjectNode change) {
    ObjectNode e = base(r, change, AUTHENTICATION, "Authentication", 1, "Logon");
    e.remove("actor");
    long count = change.path("count").asLong();
    long first = millis(change.path("first").asText(), r.at() / 1_000);
    long last = millis(change.path("last").asText(), r.at() / 1_000);
    e.put("time", last);
    e.put("start_time", first);
    e.put("end_time", last);
    e.put("count", count);
    e.put("severity_id", 2);
    e.put("severity", "Low");
    e.put("status_id", 2);
    e.put("status", "Failure");
    String reason = change.path("reason").asText();
    e.put("status_detail", reason);
    e.put("auth_protocol_id", OAUTH2);
    e.put("auth_protocol", "OAUTH 2.0");
    ObjectNode user = e.putObject("user");
    JsonNode client = change.path("client");
    if (client.isObject()) {
      user.put("uid", "client:" + client.path("id").asText());
      user.put("name", client.path("name").asText());
      user.put("type_id", OTHER);
      user.put("type", "Other");
    } else {
      user.put("type_id", 0);
      user.put("type", "Unknown");
    }
    e.putObject("service").put("name", "scimd");
    String from = r.source() != null ? r.source() : "other addresses";
    e.put(
        "message",
        count
            + " failed authentication"
            + (count == 1 ? "" : "s")
            + " from "
            + from
            + " ("
            + reason.replace('_', ' ')
            + (client.isObject() ? ", client " + client.path("name").asText() : "")
            + ")");
    return e;
  }

  private static long millis(String instant, long fallback) {
    try {
      return java.time.Instant.parse(instant).toEpochMilli();
    } catch (java.time.format.DateTimeParseException e) {
      return fallback; // a tampered entry: its own time
    }
  }

  private ObjectNode entity(AuditRecord r, ObjectNode change, int activity, String name) {
    ObjectNode e = base(r, change, ENTITY_MANAGEMENT, "Entity Management", activity, name);
    ObjectNode entity = e.putObject("entity");
    entity.put("uid", r.resourceId());
    entity.put("type", r.resourceType());
    e.put(
        "message", r.resourceType() + " " + r.resourceId() + ": " + name.toLowerCase(Locale.ROOT));
    return e;
  }

  /** The attributes every event has, in the order OCSF's documentation lists them. */
  private ObjectNode base(
      AuditRecord r,
      ObjectNode change,
      int classUid,
      String className,
      int activity,
      String activityName) {
    ObjectNode e = F.objectNode();
    e.put("time", Math.floorDiv(r.at(), 1_000L)); // OCSF timestamp_t: epoch milliseconds
    e.put("category_uid", CATEGORY_IAM);
    e.put("category_name", "Identity & Access Management");
    e.put("class_uid", classUid);
    e.put("class_name", className);
    e.put("activity_id", activity);
    e.put("activity_name", activityName);
    e.put("type_uid", (long) classUid * 100 + activity);
    e.put("type_name", className + ": " + activityName);
    e.put("severity_id", 1);
    e.put("severity", "Informational");
    e.put("status_id", 1);
    e.put("status", "Success");
    ObjectNode meta = e.putObject("metadata");
    meta.put("version", VERSION);
    ObjectNode product = meta.putObject("product");
    product.put("name", "scimd");
    product.put("vendor_name", "scimd");
    product.put("version", productVersion);
    meta.put("uid", r.tenant() + ":" + r.seq());
    meta.put("correlation_uid", r.requestId());
    meta.put("log_name", "journal");
    meta.put("sequence", r.seq());
    ObjectNode actor = e.putObject("actor");
    ObjectNode who = actor.putObject("user");
    who.put("uid", r.principal());
    who.put("name", r.principalName());
    boolean system = r.principal().startsWith("system:");
    who.put("type_id", system ? 3 : OTHER);
    who.put("type", system ? "System" : "Other");
    actor.put("app_name", r.principalName());
    if (r.source() != null) {
      e.putObject("src_endpoint").put("ip", r.source());
    }
    ObjectNode scimd = e.putObject("unmapped").putObject("scimd");
    scimd.put("tenant", r.tenant());
    scimd.put("seq", r.seq());
    scimd.put("resource_type", r.resourceType());
    scimd.put("kind", r.kind());
    scimd.set("change", change);
    if (r.hash() != null) {
      scimd.put("hash", r.hash());
    }
    return e;
  }

  private static @Nullable String userName(JsonNode attributes) {
    return text(attributes, "userName");
  }

  private static @Nullable String displayName(JsonNode attributes) {
    return text(attributes, "displayName");
  }

  /** The value after the change of a top-level string attribute that changed, named in any case. */
  private static @Nullable String after(ObjectNode change, String attribute) {
    for (JsonNode a : change.path("attributes")) {
      if (a.path("path").asText().equalsIgnoreCase(attribute) && a.path("after").isTextual()) {
        return a.get("after").asText();
      }
    }
    return null;
  }

  private static @Nullable String text(JsonNode node, String name) {
    var it = node.properties().iterator();
    while (it.hasNext()) {
      var e = it.next();
      if (e.getKey().equalsIgnoreCase(name) && e.getValue().isTextual()) {
        return e.getValue().asText();
      }
    }
    return null;
  }

  /**
   * The values of a multi-valued attribute ({@code roles}): each one's {@code value}, else its
   * text.
   */
  private static Set<String> values(@Nullable JsonNode n) {
    Set<String> out = new LinkedHashSet<>();
    if (n == null) {
      return out;
    }
    for (JsonNode v : n.isArray() ? n : F.arrayNode().add(n)) {
      out.add(v.isObject() ? v.path("value").asText() : v.asText());
    }
    return out;
  }
}
