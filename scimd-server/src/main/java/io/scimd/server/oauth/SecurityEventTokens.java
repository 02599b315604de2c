package io.scimd.server.oauth;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.ECKey;
import io.scimd.sync.events.SetSigner;

/**
 * Signs Security Event Tokens (RFC 8417) with the node's OAuth signing key ({@link SigningKeys}),
 * so a receiver verifies them against {@code /oauth/jwks}, the {@code jwks_uri} of the SSF
 * configuration. The header's {@code typ} is {@code secevent+jwt} (RFC 8417 §2.3), which the access
 * token check refuses ({@link AccessTokens} wants {@code at+jwt}): a SET a receiver got can never
 * be used as an access token, though the same key signed both. The payload is the claims' JSON text
 * as built, byte for byte.
 */
final class SecurityEventTokens implements SetSigner {
  static final JOSEObjectType TYPE = new JOSEObjectType("secevent+jwt");
  private static final ObjectMapper JSON = new ObjectMapper();

  private final SigningKeys keys;

  SecurityEventTokens(SigningKeys keys) {
    this.keys = keys;
  }

  @Override
  public String sign(ObjectNode claims) {
    ECKey key = keys.current();
    JWSObject jws;
    try {
      jws =
          new JWSObject(
              new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(key.getKeyID()).type(TYPE).build(),
              new Payload(JSON.writeValueAsString(claims)));
      jws.sign(new ECDSASigner(key));
    } catch (JsonProcessingException | JOSEException e) {
      throw new IllegalStateException("cannot sign a security event token", e);
    }
    return jws.serialize();
  }
}
