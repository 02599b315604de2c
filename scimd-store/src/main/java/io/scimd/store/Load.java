package io.scimd.store;

/**
 * Which derived, potentially large attributes a read materialises: a group's {@code members} (from
 * the membership table) and a user's {@code groups} (direct and nested). Loading neither is the
 * cheap default; {@code excludedAttributes=members} must never pay for them.
 */
public record Load(boolean members, boolean groups) {
  public static final Load NONE = new Load(false, false);
  public static final Load ALL = new Load(true, true);
}
