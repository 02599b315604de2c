package io.scimd.sync.events;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Signs the claims of a Security Event Token into its compact JWS ({@code typ: secevent+jwt}, RFC
 * 8417 §2.3). The server's implementation signs with the node's OAuth signing key, whose public
 * half is published at the transmitter's {@code jwks_uri}; the keys stay in the server, the sinks
 * get this function.
 */
@FunctionalInterface
public interface SetSigner {
  /** The media type of a SET, and (without {@code application/}) its JWS {@code typ}. */
  String MEDIA_TYPE = "application/secevent+jwt";

  String sign(ObjectNode claims);
}
