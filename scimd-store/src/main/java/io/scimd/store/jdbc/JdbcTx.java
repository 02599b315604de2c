package io.scimd.store.jdbc;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scimd.core.error.ScimException;
import io.scimd.core.resource.Meta;
import io.scimd.core.schema.ResourceType;
import io.scimd.core.schema.SchemaRegistry;
import io.scimd.store.Change;
import io.scimd.store.JournalEntry;
import io.scimd.store.Load;
import io.scimd.store.Member;
import io.scimd.store.Page;
import io.scimd.store.Query;
import io.scimd.store.Scope;
import io.scimd.store.StoreTx;
import io.scimd.store.StoredResource;
import java.sql.SQLException;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The store contract over one JDBC connection inside one transaction: a reader's (writes refused)
 * or the writer's. It checks that the transaction is open and may write, then hands each call to
 * the part that does that job: {@link ResourceRows} (with {@link UniqueValues}), {@link
 * Memberships}, {@link GroupGraph}, {@link QueryRunner}, {@link Journal}. The SQL is the portable
 * subset {@link Dialect} describes; the dialect supplies the rest.
 *
 * <p>Each insert and update runs inside a savepoint ({@link Savepoints}), so a uniqueness conflict
 * the caller catches leaves the transaction as it was before the call. Those savepoints nest in the
 * caller's ({@link #inSavepoint}).
 */
final class JdbcTx implements StoreTx {
  private final Conn c;
  private final Dialect dialect;
  private final SchemaRegistry registry;
  private final String tenant;
  private final @Nullable WriteClock clock; // null for a read-only transaction
  private final Journal journal;
  private final Savepoints savepoints;
  private final UniqueValues unique;
  private final ResourceRows rows;
  private final GroupGraph graph;
  private final Memberships memberships;
  private final ChainEnds ends;
  private boolean open = true;

  JdbcTx(
      Conn c,
      Dialect dialect,
      SchemaRegistry registry,
      Scope scope,
      @Nullable WriteClock clock,
      ChainEnds ends) {
    this.c = c;
    this.dialect = dialect;
    this.registry = registry;
    this.tenant = scope.tenant();
    this.clock = clock;
    this.ends = ends;
    this.journal = new Journal(c, dialect, scope, ends);
    this.savepoints = new Savepoints(c);
    this.unique = new UniqueValues(c, tenant);
    this.rows = new ResourceRows(c, dialect, tenant, journal, savepoints, unique);
    this.graph = new GroupGraph(c, registry, tenant);
    this.memberships = new Memberships(c, dialect, registry, tenant, journal, graph);
  }

  void close() {
    open = false;
  }

  // ---------------------------------------------------------------- reads

  @Override
  public Optional<StoredResource> get(String type, String id, Load load) {
    return getRow(type, id, load, "");
  }

  @Override
  public Optional<StoredResource> getForUpdate(String type, String id, Load load) {
    writable();
    return getRow(type, id, load, dialect.forUpdate());
  }

  @Override
  public Optional<Meta> metaForUpdate(String type, String id) {
    writable();
    ResourceType rt = type(type);
    return sql(() -> rows.meta(rt, id, dialect.forUpdate()));
  }

  private Optional<StoredResource> getRow(String type, String id, Load load, String lock) {
    ResourceType rt = type(type);
    return sql(
        () -> {
          Optional<Row> row = rows.find(rt, id, lock);
          return row.isPresent() ? Optional.of(resource(rt, row.get(), load)) : Optional.empty();
        });
  }

  @Override
  public Page query(String type, Query query) {
    ResourceType rt = type(type);
    return sql(() -> new QueryRunner(this, rt, isGroup(rt)).run(query));
  }

  @Override
  public List<Member> members(String groupId) {
    return memberships.list(groupId);
  }

  @Override
  public void forEachMember(String groupId, Consumer<Member> action) {
    sql(
        () -> {
          memberships.forEachShown(groupId, action);
          return null;
        });
  }

  @Override
  public MemberPage memberPage(String groupId, long afterSeq, int limit) {
    return sql(() -> memberships.page(groupId, afterSeq, limit));
  }

  @Override
  public long memberCount(String groupId) {
    return sql(() -> memberships.count(groupId));
  }

  @Override
  public List<JournalEntry> journal(long afterSeq, int limit) {
    if (!open) {
      throw new IllegalStateException("the store transaction has ended");
    }
    return sql(() -> journal.after(afterSeq, limit));
  }

  @Override
  public long journalHead() {
    if (!open) {
      throw new IllegalStateException("the store transaction has ended");
    }
    return sql(journal::head);
  }

  // ---------------------------------------------------------------- writes

  @Override
  public StoredResource insert(String type, ObjectNode attributes) {
    WriteClock clk = writable();
    return rows.insert(type(type), attributes, clk);
  }

  @Override
  public StoredResource insert(String type, String id, ObjectNode attributes) {
    if (!StoreTx.validId(id)) {
      throw new IllegalArgumentException("invalid resource id " + ScimException.quote(id));
    }
    WriteClock clk = writable();
    return rows.insert(type(type), id, attributes, clk);
  }

  @Override
  public Updated replace(String type, String id, ObjectNode attributes) {
    WriteClock clk = writable();
    return rows.update(type(type), id, attributes, false, clk);
  }

  @Override
  public Updated patch(String type, String id, ObjectNode attributes) {
    WriteClock clk = writable();
    return rows.update(type(type), id, attributes, true, clk);
  }

  @Override
  public Meta touch(String type, String id) {
    WriteClock clk = writable();
    return rows.touch(type(type), id, clk);
  }

  @Override
  public Optional<Change.Deleted> delete(String type, String id) {
    WriteClock clk = writable();
    ResourceType rt = type(type);
    // Tick before deleting: every writer then takes the clock before the rows it changes (the
    // per-type count among them), one lock order for all, so none deadlocks on PostgreSQL (0005).
    long now = clk.next();
    return sql(
        () -> {
          Optional<Change.Deleted> deleted = rows.delete(rt, id, now);
          if (deleted.isPresent()) {
            memberships.removeFromAllGroups(rt, id, now);
            memberships.deleteRowsOfGroup(id);
            unique.delete(rt, id);
          }
          return deleted;
        });
  }

  @Override
  public <T> T inSavepoint(Supplier<T> work) {
    writable();
    return savepoints.run(work::get);
  }

  @Override
  public List<Member> addMembers(String groupId, Collection<Member> members) {
    return memberships.add(groupId, members, writable());
  }

  @Override
  public List<Member> removeMembers(String groupId, Collection<String> memberIds) {
    return memberships.remove(groupId, memberIds, writable());
  }

  @Override
  public long clearMembers(String groupId) {
    return memberships.clear(groupId, writable());
  }

  @Override
  public boolean replaceMembers(String groupId, Collection<Member> wanted) {
    return memberships.replace(groupId, wanted, writable());
  }

  // ---------------------------------------------------------------- changes that are not
  // resources'

  /**
   * Ticks the write clock, as every write does before it changes anything: on PostgreSQL this takes
   * the tenant's clock row (one lock order for every writer) and fails when the tenant is gone.
   *
   * @return the time of this write, in epoch microseconds
   */
  long tick() {
    return writable().next();
  }

  /**
   * Journals a change to something that is not a SCIM resource (a client, a credential) in this
   * transaction's tenant: the same hash chain, committed or rolled back with the rest.
   */
  void journal(Change change, long now) {
    writable();
    sql(
        () -> {
          journal.append(change, now);
          return null;
        });
  }

  /**
   * Journals {@code change} in this transaction's tenant as made by {@code as} (another principal,
   * source or request than the transaction's own): one transaction journals several failed
   * authentication summaries, each with its own source address.
   */
  void journalAs(Scope as, Change change, long now) {
    writable();
    if (!as.tenant().equals(tenant)) {
      throw new IllegalArgumentException("a transaction of '" + tenant + "' journals only there");
    }
    sql(() -> new Journal(c, dialect, as, ends).append(change, now));
  }

  // ---------------------------------------------------------------- helpers used by QueryRunner

  Conn conn() {
    return c;
  }

  String tenant() {
    return tenant;
  }

  Dialect dialect() {
    return dialect;
  }

  /** Builds the resource a read returns, materialising members and groups as {@code load} asks. */
  StoredResource resource(ResourceType rt, Row row, Load load) throws SQLException {
    return resource(rt, row, load, null);
  }

  /**
   * As {@link #resource(ResourceType, Row, Load)}, with the {@code groups} of a page's resources
   * read beforehand by {@link #groupsJson(List)} ({@code null}: read them now).
   */
  StoredResource resource(
      ResourceType rt, Row row, Load load, @Nullable Map<String, ArrayNode> groups)
      throws SQLException {
    ObjectNode attrs = Docs.parse(row.doc());
    if (load.members() && isGroup(rt)) {
      ArrayNode ms = memberships.json(row.id());
      if (!ms.isEmpty()) {
        attrs.set("members", ms);
      }
    }
    if (load.groups()) {
      ArrayNode gs = (groups == null ? graph.groupsJson(List.of(row.id())) : groups).get(row.id());
      if (gs == null) {
        gs = Docs.MAPPER.createArrayNode();
      }
      if (!gs.isEmpty()) {
        attrs.set("groups", gs);
      }
    }
    Meta meta =
        new Meta(
            rt.name(),
            Docs.instant(row.created()),
            Docs.instant(row.lastModified()),
            row.version());
    return new StoredResource(row.id(), meta, attrs);
  }

  /**
   * The {@code groups} of a page's resources, as {@link GroupGraph#groupsJson(List)} reads them.
   */
  Map<String, ArrayNode> groupsJson(List<String> memberIds) throws SQLException {
    return graph.groupsJson(memberIds);
  }

  boolean isGroup(ResourceType rt) {
    return rt.name().equals(registry.group().name());
  }

  // ---------------------------------------------------------------- shared by the parts

  private ResourceType type(String type) {
    if (!open) {
      throw new IllegalStateException("the store transaction has ended");
    }
    return registry
        .resourceType(type)
        .orElseThrow(() -> new IllegalArgumentException("unknown resource type: " + type));
  }

  private WriteClock writable() {
    if (!open) {
      throw new IllegalStateException("the store transaction has ended");
    }
    if (clock == null) {
      throw new IllegalStateException("a read transaction cannot write: use Store.write");
    }
    return clock;
  }

  static ScimException notFound(ResourceType rt, String id) {
    return ScimException.notFound(rt.name() + " '" + id + "' not found");
  }

  interface SqlCall<T extends @Nullable Object> {
    T run() throws SQLException;
  }

  static <T extends @Nullable Object> T sql(SqlCall<T> call) {
    try {
      return call.run();
    } catch (SQLException e) {
      throw JdbcFailures.of(e);
    }
  }
}
