package io.scimd.store;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Client credentials: bearer tokens stored only as hashes (the caller hashes; the store never sees
 * a token). Each credential belongs to one tenant ({@link Tenants}) and acts only in it.
 */
public interface Credentials {

  /** A client credential as stored: its tenant is the only one its requests are scoped to. */
  record Credential(
      String id,
      String tenant,
      String name,
      String tokenHash,
      Instant created,
      @Nullable Instant expires) {}

  /**
   * Stores a credential of {@code tenant}.
   *
   * @throws IllegalArgumentException when there is no such tenant
   */
  Credential create(String tenant, String name, String tokenHash, @Nullable Instant expires);

  /**
   * {@link #create(String, String, String, Instant)} in the tenant {@value Scope#DEFAULT_TENANT}.
   */
  default Credential create(String name, String tokenHash, @Nullable Instant expires) {
    return create(Scope.DEFAULT_TENANT, name, tokenHash, expires);
  }

  /**
   * The live credential of a token hash, whatever its tenant (hashes are unique across tenants).
   */
  Optional<Credential> findByTokenHash(String tokenHash);

  /** Every live credential of every tenant, by tenant, then in creation order. */
  List<Credential> list();

  boolean revoke(String id);
}
