package io.scimd.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.scimd.core.schema.SchemaRegistry;
import io.scimd.server.clients.Tokens;
import io.scimd.store.Credentials;
import io.scimd.store.Scope;
import io.scimd.store.Store;
import io.scimd.store.jdbc.Stores;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Set;
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

  static final Scope SYSTEM = Scope.system(Scope.DEFAULT_TENANT, "test");

  /** The store's credentials, counting the lookups by hash that reach them. */
  static final class CountingCredentials {
    final AtomicInteger lookups = new AtomicInteger();
    final Credentials proxy;

    CountingCredentials(Credentials delegate) {
      this.proxy =
          (Credentials)
              Proxy.newProxyInstance(
                  Credentials.class.getClassLoader(),
                  new Class<?>[] {Credentials.class},
                  (self, method, args) -> {
                    if (method.getName().equals("findByTokenHash")) {
                      lookups.incrementAndGet();
                    }
                    try {
                      return method.invoke(delegate, args);
                    } catch (InvocationTargetException e) {
                      throw e.getCause();
                    }
                  });
    }
  }

  /** A client named {@code name} with one bearer token of that hash. */
  Credentials.Credential create(String name, String hash, @Nullable Instant expires) {
    Credentials cr = store.credentials();
    Credentials.Client c = cr.createClient(SYSTEM, name, Set.of("scim:read"));
    return cr.issue(SYSTEM, c.id(), Credentials.Kind.BEARER, hash, "hint", expires, 3);
  }

  @BeforeEach
  void open() {
    store = Stores.sqlite(dir, SchemaRegistry.builtIn(), clock);
    counting = new CountingCredentials(store.credentials());
    verified = new VerifiedTokens(counting.proxy, clock, nanos::get);
  }

  @AfterEach
  void close() {
    store.close();
  }

  @Test
  void aTokenUsedAgainWithinTheTtl_isLookedUpOnce() {
    create("okta", Tokens.hash("token-a"), null);

    for (int i = 0; i < 100; i++) {
      assertThat(verified.find(Tokens.hash("token-a"))).isPresent();
      nanos.addAndGet(1_000_000L); // 100 requests over 0.1 s
    }

    assertThat(counting.lookups).hasValue(1);
  }

  @Test
  void aRevokedToken_isRefusedOnceTheTtlHasPassedSinceItsLastLookup() {
    String id = create("okta", Tokens.hash("token-a"), null).id();
    assertThat(verified.find(Tokens.hash("token-a"))).isPresent();

    store.credentials().revoke(SYSTEM, id);
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
    create("okta", Tokens.hash("token-a"), now.get().plusSeconds(60));
    assertThat(verified.find(Tokens.hash("token-a"))).isPresent();

    now.set(now.get().plusSeconds(60));

    assertThat(verified.find(Tokens.hash("token-a"))).isEmpty();
    assertThat(counting.lookups)
        .as("expiry needs no lookup: the cached credential carries it")
        .hasValue(1);
  }

  @Test
  void anUnknownToken_isLookedUpEveryTime_andNeverCached() {
    create("okta", Tokens.hash("token-a"), null);

    assertThat(verified.find(Tokens.hash("wrong"))).isEmpty();
    assertThat(verified.find(Tokens.hash("wrong"))).isEmpty();

    assertThat(counting.lookups).hasValue(2);
  }

  @Test
  void aLookup_recordsTheLastUse_atMostOnceAMinute() throws Exception {
    create("okta", Tokens.hash("token-a"), null);
    assertThat(verified.find(Tokens.hash("token-a"))).isPresent();
    Instant first = now.get();
    awaitLastUse(first);

    now.set(first.plusSeconds(30));
    nanos.addAndGet(VerifiedTokens.TTL_NANOS);
    assertThat(verified.find(Tokens.hash("token-a"))).isPresent();
    Thread.sleep(200);
    assertThat(store.credentials().list().get(0).lastUsed())
        .as("within the minute")
        .isEqualTo(first);

    now.set(first.plusSeconds(61));
    nanos.addAndGet(VerifiedTokens.TTL_NANOS);
    assertThat(verified.find(Tokens.hash("token-a"))).isPresent();
    awaitLastUse(first.plusSeconds(61));
  }

  private void awaitLastUse(Instant expected) throws InterruptedException {
    for (int i = 0; i < 100; i++) {
      if (expected.equals(store.credentials().list().get(0).lastUsed())) {
        return;
      }
      Thread.sleep(20);
    }
    assertThat(store.credentials().list().get(0).lastUsed()).isEqualTo(expected);
  }

  @Test
  void aTokenCreatedAfterAMiss_isAcceptedAtOnce() {
    assertThat(verified.find(Tokens.hash("token-b"))).isEmpty();

    create("late", Tokens.hash("token-b"), null);

    assertThat(verified.find(Tokens.hash("token-b"))).isPresent();
  }
}
