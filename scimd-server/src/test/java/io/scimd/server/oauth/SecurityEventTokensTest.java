package io.scimd.server.oauth;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import io.scimd.core.schema.SchemaRegistry;
import io.scimd.store.PoolSettings;
import io.scimd.store.Store;
import io.scimd.store.jdbc.Stores;
import java.nio.file.Path;
import java.time.InstantSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SETs are signed by the node's published key, typed secevent+jwt, and are no access tokens. */
class SecurityEventTokensTest {
  @TempDir Path dir;

  @Test
  void aSignedSet_verifiesWithThePublishedKeys_andIsRefusedAsAnAccessToken() throws Exception {
    try (Store store =
        Stores.open(
            dir.toString(),
            SchemaRegistry.builtIn(),
            InstantSource.system(),
            PoolSettings.defaults())) {
      AuthorizationServer oauth =
          new AuthorizationServer(store, OAuthSettings.DEFAULTS, dir, InstantSource.system());
      ObjectNode claims = new ObjectMapper().createObjectNode();
      claims.put("iss", "https://scimd.example/tenants/default").put("jti", "1-abc");
      claims.putObject("events").putObject("urn:ietf:params:scim:event:prov:delete");

      String set = oauth.securityEventSigner().sign(claims);

      JWSObject jws = JWSObject.parse(set);
      assertThat(jws.getHeader().getType().getType()).isEqualTo("secevent+jwt");
      assertThat(jws.getHeader().getAlgorithm().getName()).isEqualTo("ES256");
      JWKSet published = JWKSet.parse(oauth.jwks());
      ECKey key = (ECKey) published.getKeyByKeyId(jws.getHeader().getKeyID());
      assertThat(key).isNotNull();
      assertThat(jws.verify(new ECDSAVerifier(key))).isTrue();
      assertThat(jws.getPayload().toString()).isEqualTo(claims.toString());
      assertThat(oauth.verifyBearer(set)).isEmpty();
    }
  }
}
