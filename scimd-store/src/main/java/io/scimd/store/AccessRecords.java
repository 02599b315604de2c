package io.scimd.store;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * What the access model keeps in the store: each tenant's applications, each a JSON definition of
 * its roles, rules and claim names that the access module reads and checks. Definitions are
 * journaled in their tenant's journal like any other change (resource type {@value #APPLICATION}),
 * by the scope's principal, in the same transaction: created with the whole definition as its
 * attributes, replaced with each changed top-level field before and after, deleted with the
 * definition it had. So the journal alone says which rules held at any past instant.
 */
public interface AccessRecords {

  /** The journal's resource type of application definitions. */
  String APPLICATION = "Application";

  /** An application as stored; {@code definition} is a JSON object. */
  record Application(
      String tenant,
      String name,
      String definition,
      Instant created,
      Instant updated,
      long version) {}

  /**
   * Saves a new application.
   *
   * @return the application, or empty when the tenant has one of that name already
   */
  Optional<Application> create(Scope scope, String name, String definition);

  /**
   * Replaces an application's definition, when its version is still {@code version}.
   *
   * @return the application, or empty when there is none of that name
   * @throws IllegalStateException when it was changed meanwhile (its version is not {@code
   *     version})
   */
  Optional<Application> update(Scope scope, String name, long version, String definition);

  /** Deletes an application; false when there is none of that name. */
  boolean delete(Scope scope, String name);

  Optional<Application> application(String tenant, String name);

  /** The tenant's applications, by name. */
  List<Application> applications(String tenant);
}
