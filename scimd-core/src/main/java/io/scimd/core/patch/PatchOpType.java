package io.scimd.core.patch;

import io.scimd.core.error.ScimException;

/** The PATCH operations of RFC 7644 §3.5.2. */
public enum PatchOpType {
  ADD("add"),
  REMOVE("remove"),
  REPLACE("replace");

  private final String wire;

  PatchOpType(String wire) {
    this.wire = wire;
  }

  public String wire() {
    return wire;
  }

  /** Any case: Entra sends {@code Add}, {@code Replace}, {@code Remove}. */
  public static PatchOpType fromWire(String s) {
    for (PatchOpType t : values()) {
      if (t.wire.equalsIgnoreCase(s.trim())) {
        return t;
      }
    }
    throw ScimException.invalidSyntax(
        "PATCH \"op\" must be \"add\", \"remove\" or \"replace\", not \"" + s + "\"");
  }
}
