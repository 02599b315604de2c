package io.scimd.core.schema;

import static io.scimd.core.schema.AttributeType.BINARY;
import static io.scimd.core.schema.AttributeType.BOOLEAN;
import static io.scimd.core.schema.AttributeType.COMPLEX;
import static io.scimd.core.schema.AttributeType.REFERENCE;

import java.util.ArrayList;
import java.util.List;

/**
 * The schemas and resource types of RFC 7643 §8.7: User, Group and the Enterprise User extension,
 * with the characteristics the RFC gives them. Where the RFC's text and its §8.7 JSON disagree we
 * follow the text (Group {@code displayName} is required, RFC 7643 §4.2). Beside them, the Agent of
 * draft-wzdk-scim-agent-resource-00 (docs/decisions/0020-agents.md).
 */
final class BuiltInSchemas {
  private BuiltInSchemas() {}

  static Schema user() {
    List<Attribute> a = new ArrayList<>();
    a.add(
        Attribute.builder("userName")
            .required(true)
            .uniqueness(Uniqueness.SERVER)
            .description(
                "Unique identifier for the User, typically used by the user to directly"
                    + " authenticate to the service provider.")
            .build());
    a.add(
        complex(
            "name",
            false,
            "The components of the user's real name.",
            str("formatted"),
            str("familyName"),
            str("givenName"),
            str("middleName"),
            str("honorificPrefix"),
            str("honorificSuffix")));
    a.add(str("displayName"));
    a.add(str("nickName"));
    a.add(ref("profileUrl", "external"));
    a.add(str("title"));
    a.add(str("userType"));
    a.add(str("preferredLanguage"));
    a.add(str("locale"));
    a.add(str("timezone"));
    a.add(Attribute.builder("active").type(BOOLEAN).build());
    a.add(
        Attribute.builder("password")
            .mutability(Mutability.WRITE_ONLY)
            .returned(Returned.NEVER)
            .description("The User's cleartext password, write-only.")
            .build());
    a.add(multi("emails", List.of("work", "home", "other"), str("value")));
    a.add(
        multi(
            "phoneNumbers",
            List.of("work", "home", "mobile", "fax", "pager", "other"),
            str("value")));
    a.add(
        multi(
            "ims",
            List.of("aim", "gtalk", "icq", "xmpp", "msn", "skype", "qq", "yahoo"),
            str("value")));
    a.add(multi("photos", List.of("photo", "thumbnail"), ref("value", "external")));
    a.add(
        Attribute.builder("addresses")
            .type(COMPLEX)
            .multiValued(true)
            .subAttributes(
                List.of(
                    str("formatted"),
                    str("streetAddress"),
                    str("locality"),
                    str("region"),
                    str("postalCode"),
                    str("country"),
                    Attribute.builder("type")
                        .canonicalValues(List.of("work", "home", "other"))
                        .build(),
                    Attribute.builder("primary").type(BOOLEAN).build()))
            .build());
    a.add(
        Attribute.builder("groups")
            .type(COMPLEX)
            .multiValued(true)
            .mutability(Mutability.READ_ONLY)
            .description("The groups the user belongs to, direct or through nested groups.")
            .subAttributes(
                List.of(
                    readOnly(str("value")),
                    readOnly(ref("$ref", "User", "Group")),
                    readOnly(str("display")),
                    readOnly(
                        Attribute.builder("type")
                            .canonicalValues(List.of("direct", "indirect"))
                            .build())))
            .build());
    a.add(multi("entitlements", List.of(), str("value")));
    a.add(multi("roles", List.of(), str("value")));
    a.add(multi("x509Certificates", List.of(), Attribute.builder("value").type(BINARY).build()));
    return new Schema(SchemaUrns.USER, "User", "User Account", a);
  }

  static Schema group() {
    List<Attribute> a = new ArrayList<>();
    a.add(
        Attribute.builder("displayName")
            .required(true)
            .description("A human-readable name for the Group.")
            .build());
    a.add(
        Attribute.builder("members")
            .type(COMPLEX)
            .multiValued(true)
            .description("A list of members of the Group.")
            .subAttributes(
                List.of(
                    Attribute.builder("value").mutability(Mutability.IMMUTABLE).build(),
                    Attribute.builder("$ref")
                        .type(REFERENCE)
                        .referenceTypes(List.of("User", "Group"))
                        .mutability(Mutability.IMMUTABLE)
                        .build(),
                    Attribute.builder("type")
                        .canonicalValues(List.of("User", "Group"))
                        .mutability(Mutability.IMMUTABLE)
                        .build(),
                    // RFC 7643 §2.4: display is immutable, not readOnly; a client's is kept.
                    Attribute.builder("display").mutability(Mutability.IMMUTABLE).build()))
            .build());
    return new Schema(SchemaUrns.GROUP, "Group", "Group", a);
  }

  /**
   * The Agent core schema: an AI agent's identity (draft-wzdk-scim-agent-resource-00, which
   * consolidates draft-abbey-scim-agent-extension-00 and draft-wahl-scim-agent-schema-01). {@code
   * agentUserName} identifies it like a User's {@code userName}: required, unique in the tenant,
   * compared as an identifier. {@code owners} name the Users answerable for it; that an agent has
   * at least one, each an existing User, is the server's rule, not the schema's.
   */
  static Schema agent() {
    List<Attribute> a = new ArrayList<>();
    a.add(
        Attribute.builder("agentUserName")
            .required(true)
            .uniqueness(Uniqueness.SERVER)
            .description(
                "Unique identifier for the Agent, typically used by the agent to authenticate"
                    + " to the service provider.")
            .build());
    a.add(str("displayName"));
    a.add(str("description"));
    a.add(
        Attribute.builder("active")
            .type(BOOLEAN)
            .description("The agent's administrative status: false when it is suspended.")
            .build());
    a.add(
        Attribute.builder("agentType")
            .description("The kind of agent; no canonical values, the provider's own.")
            .build());
    a.add(
        Attribute.builder("subject")
            .caseExact(true)
            .description(
                "The sub claim with which the agent's tokens from an OpenID provider name it.")
            .build());
    a.add(
        Attribute.builder("owners")
            .type(COMPLEX)
            .multiValued(true)
            .description("The Users answerable for this Agent.")
            .subAttributes(
                List.of(
                    Attribute.builder("value")
                        .required(true)
                        .description("The id of a User that owns this Agent.")
                        .build(),
                    ref("$ref", "User"),
                    str("display"),
                    Attribute.builder("type").canonicalValues(List.of("User")).build()))
            .build());
    a.add(multi("roles", List.of(), str("value")));
    a.add(multi("entitlements", List.of(), str("value")));
    a.add(multi("x509Certificates", List.of(), Attribute.builder("value").type(BINARY).build()));
    return new Schema(SchemaUrns.AGENT, "Agent", "Agent", a);
  }

  static Schema enterpriseUser() {
    List<Attribute> a = new ArrayList<>();
    a.add(str("employeeNumber"));
    a.add(str("costCenter"));
    a.add(str("organization"));
    a.add(str("division"));
    a.add(str("department"));
    a.add(
        complex(
            "manager",
            false,
            "The User's manager.",
            str("value"),
            ref("$ref", "User"),
            readOnly(str("displayName"))));
    return new Schema(SchemaUrns.ENTERPRISE_USER, "EnterpriseUser", "Enterprise User", a);
  }

  static ResourceType userType(Schema user, Schema enterprise) {
    return new ResourceType(
        "User", "/Users", "User Account", user, List.of(new SchemaExtension(enterprise, false)));
  }

  static ResourceType groupType(Schema group) {
    return new ResourceType("Group", "/Groups", "Group", group, List.of());
  }

  static ResourceType agentType(Schema agent) {
    return new ResourceType("Agent", "/Agents", "Agent identities", agent, List.of());
  }

  private static Attribute str(String name) {
    return Attribute.builder(name).build();
  }

  private static Attribute ref(String name, String... types) {
    return Attribute.builder(name).type(REFERENCE).referenceTypes(List.of(types)).build();
  }

  private static Attribute readOnly(Attribute a) {
    return Attribute.builder(a.name())
        .type(a.type())
        .canonicalValues(a.canonicalValues())
        .referenceTypes(a.referenceTypes())
        .mutability(Mutability.READ_ONLY)
        .build();
  }

  private static Attribute complex(
      String name, boolean multi, String description, Attribute... subs) {
    return Attribute.builder(name)
        .type(COMPLEX)
        .multiValued(multi)
        .description(description)
        .subAttributes(List.of(subs))
        .build();
  }

  /** A multi-valued attribute of the usual shape: value, display, type, primary. */
  private static Attribute multi(String name, List<String> types, Attribute value) {
    return Attribute.builder(name)
        .type(COMPLEX)
        .multiValued(true)
        .subAttributes(
            List.of(
                value,
                str("display"),
                Attribute.builder("type").canonicalValues(types).build(),
                Attribute.builder("primary").type(BOOLEAN).build()))
        .build();
  }
}
