package io.scimd.server.hub;

import io.scimd.store.AccessRecords;
import io.scimd.store.AuditTrail;
import io.scimd.store.Credentials;
import io.scimd.store.HubRecords;
import io.scimd.store.OAuthRecords;
import io.scimd.store.RateUsage;
import io.scimd.store.Scope;
import io.scimd.store.Store;
import io.scimd.store.StoreReader;
import io.scimd.store.StoreTx;
import io.scimd.store.Tenants;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A store that tells the delivery workers after each write that committed: the change it journaled
 * then reaches the targets within milliseconds on the node that took it, instead of at the next
 * poll. Only the SCIM service writes through it; it never closes the store it wraps.
 */
public final class WakingStore implements Store {
  private final Store store;
  private final Runnable wake;

  public WakingStore(Store store, Runnable wake) {
    this.store = store;
    this.wake = wake;
  }

  @Override
  public <T> T read(Scope scope, Function<StoreReader, T> work) {
    return store.read(scope, work);
  }

  @Override
  public void reading(Scope scope, Consumer<StoreReader> work) {
    store.reading(scope, work);
  }

  @Override
  public <T> T write(Scope scope, Function<StoreTx, T> work) {
    T done = store.write(scope, work);
    wake.run(); // only after the commit: a rolled back write threw above
    return done;
  }

  @Override
  public long journalHead(String tenant) {
    return store.journalHead(tenant);
  }

  @Override
  public Credentials credentials() {
    return store.credentials();
  }

  @Override
  public AuditTrail audit() {
    return store.audit();
  }

  @Override
  public OAuthRecords oauth() {
    return store.oauth();
  }

  @Override
  public Tenants tenants() {
    return store.tenants();
  }

  @Override
  public HubRecords hub() {
    return store.hub();
  }

  @Override
  public AccessRecords access() {
    return store.access();
  }

  @Override
  public RateUsage rateUsage() {
    return store.rateUsage();
  }

  @Override
  public boolean healthy() {
    return store.healthy();
  }

  /** Does nothing: the server closes the store it wraps, once. */
  @Override
  public void close() {}
}
