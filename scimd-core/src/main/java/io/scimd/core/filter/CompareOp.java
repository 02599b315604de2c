package io.scimd.core.filter;

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
}
