package io.scimd.server.service;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scimd.core.resource.Meta;
import io.scimd.store.AuditTrail;
import io.scimd.store.Change;
import io.scimd.store.Credentials;
import io.scimd.store.JournalEntry;
import io.scimd.store.Load;
import io.scimd.store.Member;
import io.scimd.store.OAuthRecords;
import io.scimd.store.Page;
import io.scimd.store.Query;
import io.scimd.store.RateUsage;
import io.scimd.store.Scope;
import io.scimd.store.Store;
import io.scimd.store.StoreReader;
import io.scimd.store.StoreTx;
import io.scimd.store.StoredResource;
import io.scimd.store.Tenants;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A real store with a recorder in front: it notes which derived attributes each read loads and
 * whether a group's member list was read, so tests can prove what the service did not read, and how
 * long the longest write transaction ran (while it holds the store's write lock).
 */
final class RecordingStore implements Store {
  final Store delegate;
  final List<String> calls = new CopyOnWriteArrayList<>();
  final AtomicLong longestWriteNanos = new AtomicLong();

  RecordingStore(Store delegate) {
    this.delegate = delegate;
  }

  boolean loadedMembers() {
    return calls.stream().anyMatch(c -> c.startsWith("members(") || c.contains("members=true"));
  }

  @Override
  public <T> T read(Scope scope, Function<StoreReader, T> work) {
    return delegate.read(scope, r -> work.apply(new Tx(r, null)));
  }

  @Override
  public <T> T write(Scope scope, Function<StoreTx, T> work) {
    return delegate.write(
        scope,
        tx -> {
          long start = System.nanoTime();
          try {
            return work.apply(new Tx(tx, tx));
          } finally {
            longestWriteNanos.accumulateAndGet(System.nanoTime() - start, Math::max);
          }
        });
  }

  @Override
  public Credentials credentials() {
    return delegate.credentials();
  }

  @Override
  public AuditTrail audit() {
    return delegate.audit();
  }

  @Override
  public OAuthRecords oauth() {
    return delegate.oauth();
  }

  @Override
  public Tenants tenants() {
    return delegate.tenants();
  }

  @Override
  public io.scimd.store.HubRecords hub() {
    return delegate.hub();
  }

  @Override
  public io.scimd.store.AccessRecords access() {
    return delegate.access();
  }

  @Override
  public RateUsage rateUsage() {
    return delegate.rateUsage();
  }

  @Override
  public boolean healthy() {
    return delegate.healthy();
  }

  @Override
  public void close() {}

  private final class Tx implements StoreTx {
    private final StoreReader r;
    private final StoreTx w;

    Tx(StoreReader r, StoreTx w) {
      this.r = r;
      this.w = w;
    }

    @Override
    public Optional<StoredResource> get(String type, String id, Load load) {
      calls.add("get(" + type + "," + load + ")");
      return r.get(type, id, load);
    }

    @Override
    public Page query(String type, Query query) {
      calls.add("query(" + type + "," + query.load() + ")");
      return r.query(type, query);
    }

    @Override
    public List<Member> members(String groupId) {
      calls.add("members(" + groupId + ")");
      return r.members(groupId);
    }

    @Override
    public void forEachMember(String groupId, Consumer<Member> action) {
      calls.add("forEachMember(" + groupId + ")");
      r.forEachMember(groupId, action);
    }

    @Override
    public MemberPage memberPage(String groupId, long afterSeq, int limit) {
      calls.add("memberPage(" + groupId + ")");
      return r.memberPage(groupId, afterSeq, limit);
    }

    @Override
    public long memberCount(String groupId) {
      calls.add("memberCount(" + groupId + ")");
      return r.memberCount(groupId);
    }

    @Override
    public List<JournalEntry> journal(long afterSeq, int limit) {
      return r.journal(afterSeq, limit);
    }

    @Override
    public long journalHead() {
      return r.journalHead();
    }

    @Override
    public Optional<StoredResource> getForUpdate(String type, String id, Load load) {
      calls.add("getForUpdate(" + type + "," + load + ")");
      return w.getForUpdate(type, id, load);
    }

    @Override
    public Optional<Meta> metaForUpdate(String type, String id) {
      calls.add("metaForUpdate(" + type + ")");
      return w.metaForUpdate(type, id);
    }

    @Override
    public StoredResource insert(String type, ObjectNode attributes) {
      return w.insert(type, attributes);
    }

    @Override
    public Updated replace(String type, String id, ObjectNode attributes) {
      calls.add("replace(" + type + ")");
      return w.replace(type, id, attributes);
    }

    @Override
    public Updated patch(String type, String id, ObjectNode attributes) {
      calls.add("patch(" + type + ")");
      return w.patch(type, id, attributes);
    }

    @Override
    public Meta touch(String type, String id) {
      calls.add("touch(" + type + ")");
      return w.touch(type, id);
    }

    @Override
    public Optional<Change.Deleted> delete(String type, String id) {
      return w.delete(type, id);
    }

    @Override
    public List<Member> addMembers(String groupId, Collection<Member> members) {
      calls.add("addMembers(" + members.size() + ")");
      return w.addMembers(groupId, members);
    }

    @Override
    public List<Member> removeMembers(String groupId, Collection<String> memberIds) {
      calls.add("removeMembers(" + memberIds.size() + ")");
      return w.removeMembers(groupId, memberIds);
    }

    @Override
    public boolean replaceMembers(String groupId, Collection<Member> wanted) {
      calls.add("replaceMembers(" + wanted.size() + ")");
      return w.replaceMembers(groupId, wanted);
    }

    @Override
    public long clearMembers(String groupId) {
      calls.add("clearMembers");
      return w.clearMembers(groupId);
    }

    @Override
    public <T> T inSavepoint(Supplier<T> work) {
      return w.inSavepoint(work);
    }
  }
}
