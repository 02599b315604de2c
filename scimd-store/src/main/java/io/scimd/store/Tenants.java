package io.scimd.store;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The tenants of a store: isolated directories, each with its own resources, unique values,
 * memberships, journal and credentials. A {@link Scope} names the tenant every read and write is
 * confined to; this interface creates, lists and deletes them. The tenant {@value
 * Scope#DEFAULT_TENANT} always exists: it is the directory of a single-tenant installation.
 */
public interface Tenants {

  /**
   * A tenant name: 1 to 63 of {@code a-z}, {@code 0-9} and {@code -}, neither starting nor ending
   * with {@code -} (a DNS label in lower case). Safe as a URL path segment without escaping ({@code
   * /tenants/{name}/scim/v2}), in a file name and in a log line.
   */
  Pattern NAME = Pattern.compile("[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?");

  /**
   * One tenant.
   *
   * @param resources how many resources it holds
   * @param credentials how many live (not revoked, not expired) credentials belong to it
   */
  record Tenant(String name, Instant created, long resources, long credentials) {}

  /**
   * {@code name} when it is a valid tenant name.
   *
   * @throws IllegalArgumentException naming the rule otherwise
   */
  static String checkName(String name) {
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "invalid tenant name '"
              + (name.length() > 70 ? name.substring(0, 70) + "..." : name)
              + "': use 1 to 63 lower-case letters, digits and '-', not starting or ending with '-'");
    }
    return name;
  }

  /**
   * Creates an empty tenant.
   *
   * @return the new tenant, or empty when a tenant of that name exists already
   * @throws IllegalArgumentException for an invalid name ({@link #NAME})
   */
  Optional<Tenant> create(String name);

  /** Every tenant, by name. */
  List<Tenant> list();

  Optional<Tenant> find(String name);

  /**
   * Deletes a tenant. Unless {@code force}, only an empty one: no resources, no live credentials.
   * With {@code force}, its resources are deleted first, each journaled as a deletion by the
   * principal {@code system:tenant-delete} in the tenant's journal, and its credentials revoked,
   * all in one transaction. The journal itself stays (it is append-only): a tenant created again
   * under the same name continues its numbering.
   *
   * @throws IllegalArgumentException for {@value Scope#DEFAULT_TENANT} or an invalid name
   * @throws IllegalStateException when the tenant holds resources of a type the store's schema
   *     registry does not know (nothing is deleted: open the store with the schemas the server
   *     uses)
   */
  Deletion delete(String name, boolean force);

  /** What {@link #delete} did. */
  sealed interface Deletion {
    /** The tenant is gone, with the resources and credentials it still held. */
    record Deleted(long resources, long credentials) implements Deletion {}

    /** There was no such tenant. */
    record NotFound() implements Deletion {}

    /** Not deleted: it still holds these, and {@code force} was not given. */
    record NotEmpty(long resources, long credentials) implements Deletion {}
  }
}
