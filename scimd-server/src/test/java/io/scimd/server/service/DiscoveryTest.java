package io.scimd.server.service;

import static org.assertj.core.api.Assertions.assertThat;

import io.scimd.core.error.ScimException;
import io.scimd.core.schema.SchemaUrns;
import org.junit.jupiter.api.Test;

/** The discovery endpoints (RFC 7644 §4) and /Me (§3.11), as the service answers them. */
class DiscoveryTest extends ServiceFixture {

  @Test
  void serviceProviderConfig_publishesTheConfiguredLimits() {
    ScimResponse r = service.serviceProviderConfig(BASE, null);
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.body().at("/filter/maxResults").asInt())
        .isEqualTo(ServiceConfig.DEFAULTS.maxPageSize());
    assertThat(r.body().at("/bulk/maxOperations").asInt())
        .isEqualTo(ServiceConfig.DEFAULTS.bulkMaxOperations());
    assertThat(r.body().at("/meta/location").asText()).isEqualTo(BASE + "/ServiceProviderConfig");
  }

  @Test
  void resourceTypesAndSchemas_answerListResponsesAndOneByName() {
    assertThat(service.resourceTypes(null, BASE, null).body().at("/schemas/0").asText())
        .isEqualTo(SchemaUrns.LIST_RESPONSE);
    assertThat(service.resourceTypes("User", BASE, null).body().get("name").asText())
        .isEqualTo("User");
    assertThat(service.schemas(SchemaUrns.USER, BASE, null).body().get("id").asText())
        .isEqualTo(SchemaUrns.USER);
  }

  @Test
  void discovery_withFilter_is403() {
    for (ScimException e :
        new ScimException[] {
          error(() -> service.serviceProviderConfig(BASE, "")),
          error(() -> service.resourceTypes(null, BASE, "name eq \"User\"")),
          error(() -> service.schemas(SchemaUrns.USER, BASE, "id pr"))
        }) {
      assertThat(e.status()).isEqualTo(403);
      assertThat(e.scimType()).isNull();
    }
  }

  @Test
  void unknownSchemaOrType_withFilter_is404() {
    assertThat(error(() -> service.schemas("urn:x", BASE, "id pr")).status()).isEqualTo(404);
    assertThat(error(() -> service.resourceTypes("Printer", BASE, "id pr")).status())
        .isEqualTo(404);
  }

  @Test
  void me_is501() {
    ScimException e = error(() -> service.me());
    assertThat(e.status()).isEqualTo(501);
    assertThat(e.scimType()).isNull();
    assertThat(e.error().detail()).contains("RFC 7644 §3.11");
  }
}
