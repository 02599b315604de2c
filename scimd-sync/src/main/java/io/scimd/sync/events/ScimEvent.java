package io.scimd.sync.events;

import java.util.Optional;

/**
 * The events scimd transmits: the provisioning events of RFC 9967 §2.4, spelled exactly as
 * registered (§7.4), and CAEP 1.0's {@code session-revoked}. Each change of a {@code create},
 * {@code patch} or {@code put} comes in two variants: {@code full} carries the values ({@code
 * data}), {@code notice} only the names of the changed attributes ({@code attributes}), for a
 * receiver that must not see the values and reads the resource itself. {@code session-revoked}
 * tells a receiver that keeps sessions (a gateway, an application) to end those of a user or agent
 * that was deactivated or deleted: what the access model denies from that instant.
 */
public enum ScimEvent {
  CREATE_FULL("urn:ietf:params:scim:event:prov:create:full"),
  CREATE_NOTICE("urn:ietf:params:scim:event:prov:create:notice"),
  PATCH_FULL("urn:ietf:params:scim:event:prov:patch:full"),
  PATCH_NOTICE("urn:ietf:params:scim:event:prov:patch:notice"),
  PUT_FULL("urn:ietf:params:scim:event:prov:put:full"),
  PUT_NOTICE("urn:ietf:params:scim:event:prov:put:notice"),
  DELETE("urn:ietf:params:scim:event:prov:delete"),
  ACTIVATE("urn:ietf:params:scim:event:prov:activate"),
  DEACTIVATE("urn:ietf:params:scim:event:prov:deactivate"),
  SESSION_REVOKED("https://schemas.openid.net/secevent/caep/event-type/session-revoked"),
  ACCESS_CHANGED("urn:scimd:secevent:access:changed");

  private final String uri;

  ScimEvent(String uri) {
    this.uri = uri;
  }

  /** The registered event type URI, the key of the SET's {@code events} claim. */
  public String uri() {
    return uri;
  }

  /** The event a URI names; empty for any other (URIs compare exactly, as registered). */
  public static Optional<ScimEvent> ofUri(String uri) {
    for (ScimEvent e : values()) {
      if (e.uri.equals(uri)) {
        return Optional.of(e);
      }
    }
    return Optional.empty();
  }
}
