package io.scimd.core.error;

import java.util.Locale;

/**
 * The {@code scimType} keywords of an error response (RFC 7644 §3.12, Table 9), plus the cursor
 * keywords of RFC 9865 §2.3.
 */
public enum ScimType {
  INVALID_FILTER("invalidFilter"),
  TOO_MANY("tooMany"),
  UNIQUENESS("uniqueness"),
  MUTABILITY("mutability"),
  INVALID_SYNTAX("invalidSyntax"),
  INVALID_PATH("invalidPath"),
  NO_TARGET("noTarget"),
  INVALID_VALUE("invalidValue"),
  INVALID_VERS("invalidVers"),
  SENSITIVE("sensitive"),
  INVALID_CURSOR("invalidCursor"),
  EXPIRED_CURSOR("expiredCursor");

  private final String wire;

  ScimType(String wire) {
    this.wire = wire;
  }

  /** The keyword as it appears on the wire, e.g. {@code invalidFilter}. */
  public String wire() {
    return wire;
  }

  @Override
  public String toString() {
    return wire;
  }

  public static ScimType fromWire(String keyword) {
    for (ScimType t : values()) {
      if (t.wire.equalsIgnoreCase(keyword.trim())) {
        return t;
      }
    }
    throw new IllegalArgumentException("unknown scimType: " + keyword.toLowerCase(Locale.ROOT));
  }
}
