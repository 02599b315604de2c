package io.scimd.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.scimd.core.schema.SchemaRegistry;
import io.scimd.store.Credentials;
import io.scimd.store.Store;
import io.scimd.store.jdbc.Stores;
import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The verified-credential cache over a real SQLite store, with a fake ticker and clock: how many
 * lookups reach the store, and when a revoked or expired credential stops being accepted.
 */
class VerifiedTokensTest {
  @TempDir Path dir;
  Store store;
  final AtomicLong nanos = new AtomicLong(1_000_000_000L);
  final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-12-01T10:00:00Z"));
  final InstantSource clock = () -> now.get();
  CountingCredentials counting;
  VerifiedTokens verified;

  /** The store's credentials, counting the lookups that reach them. */
  static final class CountingCredentials implements Credentials {
    final Credentials delegate;
    final AtomicInteger lookups = new AtomicInteger();

    CountingCredentials(Credentials delegate) {
      this.delegate = delegate;
    }

    @Override
    public Credential create(
        String tenant, String name, String tokenHash, @Nullable Instant expires) {
      return delegate.create(tenant, name, tokenHash, expires);
    }

    @Override
    public Optional<Credential> findByTokenHash(String tokenHash) {
      lookups.incrementAndGet();
      return delegate.findByTokenHash(tokenHash);
    }

    @Override
    public List<Credential> list() {
      return delegate.list();
    }

    @Override
    public boolean revoke(String id) {
      return delegate.revoke(id);
    }
  }

  @BeforeEach
  void open() {
    store = Stores.sqlite(dir, SchemaRegistry.builtIn(), clock);
    counting = new CountingCredentials(store.credentials());
    verified = new VerifiedTokens(counting, clock, nanos::get);
  }

  @AfterEach
  void close() {
    store.close();
  }

  @Test
  void aTokenUsedAgainWithinTheTtl_isLookedUpOnce() {
    store.credentials().create("okta", Tokens.hash("token-a"), null);

    for (int i = 0; i < 100; i++) {
      assertThat(verified.find(Tokens.hash("token-a"))).isPresent();
      nanos.addAndGet(1_000_000L); // 100 requests over 0.1 s
    }

    assertThat(counting.lookups).hasValue(1);
  }

  @Test
  void aRevokedToken_isRefusedOnceTheTtlHasPassedSinceItsLastLookup() {
    String id = store.credentials().create("okta", Tokens.hash("token-a"), null).id();
    assertThat(verified.find(Tokens.hash("token-a"))).isPresent();

    store.credentials().revoke(id);
    nanos.addAndGet(VerifiedTokens.TTL_NANOS - 1);
    assertThat(verified.find(Tokens.hash("token-a")))
        .as("still within the TTL of the lookup")
        .isPresent();
    nanos.addAndGet(1);

    assertThat(verified.find(Tokens.hash("token-a"))).isEmpty();
    assertThat(verified.find(Tokens.hash("token-a"))).as("a refused token stays refused").isEmpty();
    assertThat(counting.lookups).hasValue(3);
  }

  @Test
  void anExpiringToken_isRefusedAtItsExpiry_evenWhileCached() {
    store.credentials().create("okta", Tokens.hash("token-a"), now.get().plusSeconds(60));
    assertThat(verified.find(Tokens.hash("token-a"))).isPresent();

    now.set(now.get().plusSeconds(60));

    assertThat(verified.find(Tokens.hash("token-a"))).isEmpty();
    assertThat(counting.lookups)
        .as("expiry needs no lookup: the cached credential carries it")
        .hasValue(1);
  }

  @Test
  void anUnknownToken_isLookedUpEveryTime_andNeverCached() {
    store.credentials().create("okta", Tokens.hash("token-a"), null);

    assertThat(verified.find(Tokens.hash("wrong"))).isEmpty();
    assertThat(verified.find(Tokens.hash("wrong"))).isEmpty();

    assertThat(counting.lookups).hasValue(2);
  }

  @Test
  void aTokenCreatedAfterAMiss_isAcceptedAtOnce() {
    assertThat(verified.find(Tokens.hash("token-b"))).isEmpty();

    store.credentials().create("late", Tokens.hash("token-b"), null);

    assertThat(verified.find(Tokens.hash("token-b"))).isPresent();
  }
}
