package io.scimd.sync.scim;

import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * What a SCIM target supports, so that scimd sends only what it takes: built in for the services
 * whose limits are known, chosen by a target's {@code profile} setting.
 *
 * @param name the setting's value
 * @param maxMembersPerPatch at most this many membership changes go in one PATCH
 * @param singleValued multi-valued attributes of which the target keeps one value (the primary one,
 *     else the first)
 * @param lookupByExternalIdFirst look a resource up by {@code externalId} before its {@code
 *     userName}/{@code displayName}: the services that match on it themselves
 * @param replaceGroupAttributesOneByOne one {@code replace} per attribute with a {@code path},
 *     rather than one path-less {@code replace} of an object (AWS takes only the former)
 */
public record Profile(
    String name,
    int maxMembersPerPatch,
    Set<String> singleValued,
    boolean lookupByExternalIdFirst,
    boolean replaceGroupAttributesOneByOne) {

  public Profile {
    singleValued = Set.copyOf(singleValued);
    if (maxMembersPerPatch < 1) {
      throw new IllegalArgumentException("maxMembersPerPatch must be at least 1");
    }
  }

  /** Strict RFC 7644: large PATCHes (scimd's own takes 1,000 members per entry), every value. */
  public static final Profile RFC = new Profile("rfc", 1000, Set.of(), false, false);

  /**
   * AWS IAM Identity Center's SCIM endpoint: filters with {@code eq} only (all scimd sends), no
   * Bulk (scimd does not use it), at most 100 membership changes per PATCH, a single value of
   * {@code emails}, {@code phoneNumbers} and {@code addresses}.
   */
  public static final Profile AWS =
      new Profile("aws", 100, Set.of("emails", "phoneNumbers", "addresses"), false, true);

  /**
   * Entra ID as a SCIM target: it matches users on {@code externalId} (its {@code
   * onPremisesImmutableId}/{@code employeeId} link), so that is looked up first; membership changes
   * in batches of at most 100, as Entra itself sends them; single email like AWS is not required.
   */
  public static final Profile ENTRA = new Profile("entra", 100, Set.of(), true, true);

  public static final List<Profile> BUILT_IN = List.of(RFC, AWS, ENTRA);

  /**
   * The built-in profile of that name (case-insensitive).
   *
   * @throws IllegalArgumentException naming the profiles there are
   */
  public static Profile named(String name) {
    String n = name.toLowerCase(Locale.ROOT);
    for (Profile p : BUILT_IN) {
      if (p.name.equals(n)) {
        return p;
      }
    }
    throw new IllegalArgumentException(
        "unknown SCIM profile '" + name + "': use one of rfc, aws, entra");
  }
}
