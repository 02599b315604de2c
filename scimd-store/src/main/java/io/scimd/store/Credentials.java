package io.scimd.store;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Client credentials: bearer tokens stored only as hashes (the caller hashes; the store never sees
 * a token).
 */
public interface Credentials {

  /** A client credential as stored. */
  record Credential(
      String id, String name, String tokenHash, Instant created, @Nullable Instant expires) {}

  Credential create(String name, String tokenHash, @Nullable Instant expires);

  Optional<Credential> findByTokenHash(String tokenHash);

  List<Credential> list();

  boolean revoke(String id);
}
