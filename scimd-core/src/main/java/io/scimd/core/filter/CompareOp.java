package io.scimd.core.filter;

import java.util.Optional;

/** The comparison operators of RFC 7644 §3.4.2.2, each with its wire token. */
public enum CompareOp {
  EQ("eq"),
  NE("ne"),
  CO("co"),
  SW("sw"),
  EW("ew"),
  GT("gt"),
  GE("ge"),
  LT("lt"),
  LE("le");

  private final String token;

  CompareOp(String token) {
    this.token = token;
  }

  public String token() {
    return token;
  }

  /** The operator for a token in any case ({@code eq}, {@code EQ}). */
  public static Optional<CompareOp> fromToken(String token) {
    for (CompareOp op : values()) {
      if (op.token.equalsIgnoreCase(token)) {
        return Optional.of(op);
      }
    }
    return Optional.empty();
  }

  /** True for gt, ge, lt, le: the operators that order values. */
  public boolean isOrdering() {
    return this == GT || this == GE || this == LT || this == LE;
  }
}
