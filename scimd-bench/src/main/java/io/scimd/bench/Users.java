package io.scimd.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scimd.core.schema.SchemaUrns;
import java.util.Locale;
import java.util.UUID;

/**
 * Realistic users as an Entra ID tenant provisions them: name, two emails, two phone numbers, a
 * work address, the enterprise extension with a manager. Deterministic in the index, so a benchmark
 * and the load harness can name an existing user without keeping a list of them.
 */
final class Users {
  static final ObjectMapper MAPPER = new ObjectMapper();

  private static final String[] GIVEN = {
    "Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Ken", "Radia", "Leslie"
  };
  private static final String[] FAMILY = {
    "Lovelace",
    "Hopper",
    "Turing",
    "Dijkstra",
    "Liskov",
    "Knuth",
    "Allen",
    "Thompson",
    "Perlman",
    "Lamport"
  };

  private Users() {}

  /** The userName of the {@code i}-th seeded user. */
  static String userName(long i) {
    return String.format(Locale.ROOT, "user%07d@contoso.example", i);
  }

  /** A stable externalId (an Entra object id is a GUID) for the {@code i}-th user. */
  static String externalId(long i) {
    return UUID.nameUUIDFromBytes(("user-" + i).getBytes(java.nio.charset.StandardCharsets.UTF_8))
        .toString();
  }

  /**
   * The {@code i}-th user's attributes in canonical form, as the validator would produce them and
   * the store keeps them: no {@code id}, {@code meta} or {@code schemas}.
   */
  static ObjectNode attributes(long i, String userName) {
    String given = GIVEN[(int) (i % GIVEN.length)];
    String family = FAMILY[(int) ((i / GIVEN.length) % FAMILY.length)];
    ObjectNode u = MAPPER.createObjectNode();
    u.put("userName", userName);
    u.put("externalId", externalId(i));
    ObjectNode name = u.putObject("name");
    name.put("formatted", given + " " + family);
    name.put("familyName", family);
    name.put("givenName", given);
    u.put("displayName", given + " " + family);
    u.put("title", "Software Engineer");
    u.put("userType", "Employee");
    u.put("preferredLanguage", "en-US");
    u.put("locale", "en-US");
    u.put("timezone", "America/Los_Angeles");
    u.put("active", true);
    ArrayNode emails = u.putArray("emails");
    emails.addObject().put("value", userName).put("type", "work").put("primary", true);
    emails
        .addObject()
        .put("value", given.toLowerCase(Locale.ROOT) + "." + i + "@home.example")
        .put("type", "home");
    ArrayNode phones = u.putArray("phoneNumbers");
    phones
        .addObject()
        .put("value", "+1 425 555 " + String.format(Locale.ROOT, "%04d", i % 10000))
        .put("type", "work");
    phones.addObject().put("value", "+1 206 555 0100").put("type", "mobile");
    ArrayNode addresses = u.putArray("addresses");
    addresses
        .addObject()
        .put("type", "work")
        .put("streetAddress", "1 Microsoft Way")
        .put("locality", "Redmond")
        .put("region", "WA")
        .put("postalCode", "98052")
        .put("country", "US")
        .put("primary", true);
    ObjectNode ent = u.putObject(SchemaUrns.ENTERPRISE_USER);
    ent.put("employeeNumber", Long.toString(100000 + i));
    ent.put("costCenter", "4130");
    ent.put("organization", "Contoso");
    ent.put("division", "R&D");
    ent.put("department", "Platform");
    ent.putObject("manager").put("value", externalId(i / 10));
    return u;
  }

  /**
   * The {@code i}-th user as a store returns it and a response carries it: attributes plus {@code
   * schemas}, {@code id} and {@code meta}.
   */
  static ObjectNode full(long i) {
    ObjectNode u = MAPPER.createObjectNode();
    u.putArray("schemas").add(SchemaUrns.USER).add(SchemaUrns.ENTERPRISE_USER);
    u.put(
        "id",
        UUID.nameUUIDFromBytes(("id-" + i).getBytes(java.nio.charset.StandardCharsets.UTF_8))
            .toString());
    u.setAll(attributes(i, userName(i)));
    ObjectNode meta = u.putObject("meta");
    meta.put("resourceType", "User");
    meta.put("created", "2025-03-01T10:15:30.123456Z");
    meta.put("lastModified", "2025-06-11T08:00:00.654321Z");
    meta.put("version", "W/\"3\"");
    meta.put("location", "http://127.0.0.1:8080/scim/v2/Users/" + u.get("id").asText());
    return u;
  }

  /** The body of a POST /Users for a new user, with {@code schemas}. */
  static ObjectNode createBody(long i, String userName) {
    ObjectNode u = MAPPER.createObjectNode();
    u.putArray("schemas").add(SchemaUrns.USER).add(SchemaUrns.ENTERPRISE_USER);
    u.setAll(attributes(i, userName));
    // The manager is a seeded user's id in real life; an unknown one is just a string here.
    return u;
  }
}
