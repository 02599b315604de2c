package io.scimd.server.hardening;

import static io.scimd.core.schema.SchemaUrns.ENTERPRISE_USER;
import static io.scimd.core.schema.SchemaUrns.GROUP;
import static io.scimd.core.schema.SchemaUrns.USER;

import io.scimd.server.http.TestServer;

/**
 * What every hardening test aims its bad requests at: two users as Okta and Entra ID create them, a
 * group holding the first, and a device of the custom type of {@code schemas/harden}. The tests
 * then check with {@link TestServer#snapshot} that none of it changed.
 */
record Seeded(String alice, String bob, String group, String device) {
  static final String DEVICE = "urn:example:scim:schemas:Device";

  /** A server with the {@code Device} type, to seed with {@link #into}. */
  static TestServer start() {
    return TestServer.startWithSchemas("/schemas/harden");
  }

  /** Creates the users, the group and the device in {@code server} and returns their ids. */
  static Seeded into(TestServer server) {
    TestServer.Client client = server.client();
    String alice = client.create("/scim/v2/Users", oktaUser("alice")).path("id").asText();
    String bob = client.create("/scim/v2/Users", entraUser("bob")).path("id").asText();
    String group =
        client
            .create(
                "/scim/v2/Groups",
                """
                {"schemas":["%s"],"displayName":"Admins","members":[{"value":"%s"}]}"""
                    .formatted(GROUP, alice))
            .path("id")
            .asText();
    String device =
        client
            .create(
                "/scim/v2/Devices",
                """
                {"schemas":["%s"],"serialNumber":"SN-1","assetTag":"AT-1","storageGb":256,"tags":["a"]}"""
                    .formatted(DEVICE))
            .path("id")
            .asText();
    return new Seeded(alice, bob, group, device);
  }

  /** A user as Okta creates one. */
  static String oktaUser(String userName) {
    return """
        {"schemas":["%s"],"userName":"%s","name":{"givenName":"Al","familyName":"Ice"},
         "emails":[{"primary":true,"value":"%s@example.com","type":"work"}],
         "displayName":"Al Ice","locale":"en-US","externalId":"00u%s","groups":[],"password":"S3cret!pass","active":true}"""
        .formatted(USER, userName, userName, userName);
  }

  /** A user as Entra ID creates one (enterprise extension, manager left out). */
  static String entraUser(String userName) {
    return """
        {"schemas":["%s","%s"],"externalId":"e-%s","userName":"%s","active":true,
         "displayName":"Bob B","title":"Engineer",
         "emails":[{"primary":true,"type":"work","value":"%s@contoso.com"}],
         "name":{"formatted":"Bob B","familyName":"B","givenName":"Bob"},
         "phoneNumbers":[{"type":"mobile","value":"+1 555 0100"}],
         "%s":{"employeeNumber":"42","department":"R&D"}}"""
        .formatted(USER, ENTERPRISE_USER, userName, userName, userName, ENTERPRISE_USER);
  }
}
