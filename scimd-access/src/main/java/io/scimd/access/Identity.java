package io.scimd.access;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * A subject of decisions as a {@link Directory} finds it: a user or an agent, its attributes,
 * whether it is active, and the groups it is in (directly or through nested groups).
 */
public record Identity(
    Kind kind, String id, ObjectNode attributes, boolean active, List<Membership> groups) {

  public Identity {
    groups = List.copyOf(groups);
  }

  /** The kinds of subject, as AuthZEN's {@code subject.type} names them. */
  public enum Kind {
    USER("User"),
    AGENT("Agent");

    private final String resourceType;

    Kind(String resourceType) {
      this.resourceType = resourceType;
    }

    /** The SCIM resource type: {@code User}, {@code Agent}. */
    public String resourceType() {
      return resourceType;
    }

    /** {@code user}, {@code agent}. */
    public String wire() {
      return name().toLowerCase(Locale.ROOT);
    }

    /**
     * @throws AccessException 400 for a type that is neither
     */
    public static Kind ofWire(String type) {
      return switch (type.toLowerCase(Locale.ROOT)) {
        case "user" -> USER;
        case "agent" -> AGENT;
        default ->
            throw AccessException.invalid(
                "subject.type: '" + type + "' is not a subject scimd knows (user or agent)");
      };
    }
  }

  /** One group the subject is in: directly, or through a nested group. */
  public record Membership(String groupId, String display, boolean direct) {}

  /** Whether a resource's {@code active} says so: absent means active, as RFC 7643 implies. */
  static boolean activeOf(ObjectNode attributes) {
    JsonNode a = attributes.get("active");
    return a == null || a.isNull() || a.asBoolean(true);
  }

  /** The groups a store read lists in a resource's {@code groups} attribute. */
  static List<Membership> groupsOf(ObjectNode attributes) {
    List<Membership> out = new ArrayList<>();
    for (JsonNode g : attributes.path("groups")) {
      out.add(
          new Membership(
              g.path("value").asText(),
              g.path("display").asText(g.path("value").asText()),
              !"indirect".equals(g.path("type").asText())));
    }
    return out;
  }

  /** The display name a person would recognise: displayName, else userName or name, else id. */
  public String display() {
    for (String f : List.of("displayName", "userName", "agentUserName")) {
      JsonNode v = attributes.get(f);
      if (v != null && v.isTextual() && !v.asText().isBlank()) {
        return v.asText();
      }
    }
    return id;
  }

  /** The primary email, else the first; null when none. */
  public @Nullable String email() {
    String first = null;
    for (JsonNode e : attributes.path("emails")) {
      String v = e.path("value").asText(null);
      if (v != null && e.path("primary").asBoolean(false)) {
        return v;
      }
      if (first == null) {
        first = v;
      }
    }
    return first;
  }

  /** The ids of the users its {@code owners} name (an agent's). */
  public List<String> owners() {
    List<String> out = new ArrayList<>();
    for (JsonNode o : attributes.path("owners")) {
      String v = o.path("value").asText("");
      if (!v.isEmpty()) {
        out.add(v);
      }
    }
    return out;
  }
}
