package io.scimd.sync.scim;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scimd.client.ServiceProviderConfig;
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
 * @param patch whether the target takes PATCH; without it groups (members and all) and a user's
 *     deactivation are written with PUT
 * @param filter whether the target takes {@code filter}; without it a resource is not looked up
 *     before it is created, and a create the target refuses as a duplicate (409) is matched by
 *     listing the target
 * @param bulk whether the target takes Bulk (scimd sends none: shown for the operator)
 * @param bulkMaxOperations the most operations of one Bulk request, 0 when not said
 * @param filterMaxResults the most resources one list answer holds, 0 when not said: a
 *     reconciliation asks for pages no larger
 */
public record Profile(
    String name,
    int maxMembersPerPatch,
    Set<String> singleValued,
    boolean lookupByExternalIdFirst,
    boolean replaceGroupAttributesOneByOne,
    boolean patch,
    boolean filter,
    boolean bulk,
    int bulkMaxOperations,
    int filterMaxResults) {

  public Profile {
    singleValued = Set.copyOf(singleValued);
    if (maxMembersPerPatch < 1) {
      throw new IllegalArgumentException("maxMembersPerPatch must be at least 1");
    }
  }

  private Profile(
      String name,
      int maxMembersPerPatch,
      Set<String> singleValued,
      boolean lookupByExternalIdFirst,
      boolean replaceGroupAttributesOneByOne,
      boolean bulk) {
    this(
        name,
        maxMembersPerPatch,
        singleValued,
        lookupByExternalIdFirst,
        replaceGroupAttributesOneByOne,
        true,
        true,
        bulk,
        0,
        0);
  }

  /**
   * This profile with what a target's ServiceProviderConfig says it supports: the stricter of the
   * two wins (a feature either says is unsupported is not used; the smaller of two limits holds).
   */
  public Profile with(ServiceProviderConfig spc) {
    return with(
        spc.patch(), spc.filter(), spc.bulk(), spc.bulkMaxOperations(), spc.filterMaxResults());
  }

  /** {@link #with(ServiceProviderConfig)} from the values scimd keeps of one. */
  public Profile with(
      boolean spcPatch,
      boolean spcFilter,
      boolean spcBulk,
      int spcBulkMaxOperations,
      int spcFilterMaxResults) {
    return new Profile(
        name,
        maxMembersPerPatch,
        singleValued,
        lookupByExternalIdFirst,
        replaceGroupAttributesOneByOne,
        patch && spcPatch,
        filter && spcFilter,
        bulk && spcBulk,
        smaller(bulkMaxOperations, spcBulkMaxOperations),
        smaller(filterMaxResults, spcFilterMaxResults));
  }

  /** The smaller of two limits of which 0 means none. */
  private static int smaller(int a, int b) {
    return a == 0 ? b : b == 0 ? a : Math.min(a, b);
  }

  /** How many resources a reconciliation asks for per page: 100, or less if the target says. */
  public int pageSize() {
    return filterMaxResults > 0 ? Math.min(100, filterMaxResults) : 100;
  }

  /** As a target's status shows it. */
  public ObjectNode json() {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("profile", name);
    o.put("patch", patch);
    o.put("filter", filter);
    o.put("bulk", bulk);
    if (bulkMaxOperations > 0) {
      o.put("bulkMaxOperations", bulkMaxOperations);
    }
    if (filterMaxResults > 0) {
      o.put("filterMaxResults", filterMaxResults);
    }
    o.put("maxMembersPerPatch", maxMembersPerPatch);
    var single = o.putArray("singleValued");
    singleValued.stream().sorted().forEach(single::add);
    o.put("lookupByExternalIdFirst", lookupByExternalIdFirst);
    return o;
  }

  /** Strict RFC 7644: large PATCHes (scimd's own takes 1,000 members per entry), every value. */
  public static final Profile RFC = new Profile("rfc", 1000, Set.of(), false, false, true);

  /**
   * AWS IAM Identity Center's SCIM endpoint: filters with {@code eq} only (all scimd sends), no
   * Bulk (scimd does not use it), at most 100 membership changes per PATCH, a single value of
   * {@code emails}, {@code phoneNumbers} and {@code addresses}.
   */
  public static final Profile AWS =
      new Profile("aws", 100, Set.of("emails", "phoneNumbers", "addresses"), false, true, false);

  /**
   * Entra ID as a SCIM target: it matches users on {@code externalId} (its {@code
   * onPremisesImmutableId}/{@code employeeId} link), so that is looked up first; membership changes
   * in batches of at most 100, as Entra itself sends them; single email like AWS is not required.
   */
  public static final Profile ENTRA = new Profile("entra", 100, Set.of(), true, true, false);

  public static final List<Profile> BUILT_IN = List.of(RFC, AWS, ENTRA);

  /**
   * The built-in profile of that name (case-insensitive).
   *
   * @throws IllegalArgumentException naming the profiles there are
   */
  public static Profile named(String name) {
    String n = name.toLowerCase(Locale.ROOT);
    for (Profile p : BUILT_IN) {
      if (p.name().equals(n)) {
        return p;
      }
    }
    throw new IllegalArgumentException(
        "unknown SCIM profile '" + name + "': use one of rfc, aws, entra");
  }
}
