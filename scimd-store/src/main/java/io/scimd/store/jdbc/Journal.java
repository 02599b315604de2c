package io.scimd.store.jdbc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scimd.core.schema.Attribute;
import io.scimd.core.schema.Mutability;
import io.scimd.core.schema.ResourceType;
import io.scimd.core.schema.Returned;
import io.scimd.core.schema.Schema;
import io.scimd.store.AuditHash;
import io.scimd.store.Change;
import io.scimd.store.JournalEntry;
import io.scimd.store.Member;
import io.scimd.store.Scope;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The change journal of one write transaction: appends each {@link Change} with the transaction's
 * {@link Scope} to the {@code journal} table, and reads a tenant's entries back in order.
 *
 * <p>An entry's {@code seq} is taken inside the writing transaction from a per-tenant counter that
 * stays locked until commit (SQLite: the single writer; PostgreSQL: the tenant's {@code clocks}
 * row, the same lock that orders {@code meta.lastModified}), so entries are numbered in commit
 * order without gaps, a rolled-back write or savepoint takes its numbers back, and a snapshot
 * always sees a prefix of the journal (docs/decisions/0007-change-journal.md).
 *
 * <p>Each entry is chained to the one before it: {@code hash} is the SHA-256 of its canonical
 * encoding with {@code prev_hash}, the hash of the entry before ({@link AuditHash}), computed as it
 * is appended, under the same per-tenant order that numbers it
 * (docs/decisions/0009-audit-trail.md).
 *
 * <p>The change is stored as JSON text, not {@code jsonb}: the audit trail hashes the exact bytes,
 * and PostgreSQL's {@code jsonb} would reorder keys. Values that are never returned or write-only
 * ({@code password}) never reach it.
 */
final class Journal {
  /** The most entries one {@link #after} call returns. */
  static final int MAX_PAGE = 1_000;

  /**
   * The seq of a tenant's last entry (the tenant its one parameter), 0 for none: a probe of the
   * primary key's end on both databases. The entries themselves rather than PostgreSQL's {@code
   * clocks} counter: the two move in the same transaction, and this works for a tenant whose clock
   * row is gone too.
   */
  static final String HEAD = "SELECT COALESCE(MAX(seq), 0) FROM journal WHERE tenant = ?";

  private final Conn c;
  private final Dialect dialect;
  private final Scope scope;
  private final ChainEnds ends;

  Journal(Conn c, Dialect dialect, Scope scope, ChainEnds ends) {
    this.c = c;
    this.dialect = dialect;
    this.scope = scope;
    this.ends = ends;
  }

  /**
   * Appends one change made at {@code micros} (the write's clock tick), chained to the entry before
   * it: its hash is computed here, in the write's transaction. When this store appended the
   * tenant's last entry itself ({@link ChainEnds}), one statement numbers, chains and inserts the
   * entry ({@link Dialect#appendJournal}), as before the chain; otherwise, or when that statement
   * finds the journal ending elsewhere, the numbering query returns the number and the hash to
   * chain to ({@link Dialect#nextJournalEntry}) and a second statement inserts the entry.
   */
  long append(Change change, long micros) throws SQLException {
    String tenant = scope.tenant();
    Entry entry = new Entry(change, micros, Docs.write(toJson(change)));
    ChainEnds.End end = ends.get(tenant);
    if (end != null) {
      long seq = end.seq() + 1;
      String hash = entry.hash(seq, end.hash());
      PreparedStatement ps = c.ps(dialect.appendJournal());
      ps.setString(1, tenant);
      ps.setLong(2, end.seq());
      ps.setString(3, end.hash());
      entry.bind(ps, 4);
      ps.setString(13, hash);
      if (ps.executeUpdate() == 1) {
        ends.put(tenant, new ChainEnds.End(seq, hash));
        return seq;
      }
    }
    long seq;
    @Nullable String prev;
    PreparedStatement next = c.ps(dialect.nextJournalEntry());
    next.setString(1, tenant);
    try (ResultSet rs = next.executeQuery()) {
      if (!rs.next()) {
        throw new IllegalStateException("no journal counter for tenant '" + tenant + "'");
      }
      seq = rs.getLong(1);
      prev = rs.getString(2);
    }
    if (prev == null) {
      prev = seq == 1 ? AuditHash.GENESIS : chainEnd(seq);
    }
    String hash = entry.hash(seq, prev);
    PreparedStatement ps =
        c.ps(
            "INSERT INTO journal (tenant, seq, at, principal, principal_name, source, request_id,"
                + " resource_type, resource_id, kind, change, prev_hash, hash)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    ps.setString(1, tenant);
    ps.setLong(2, seq);
    entry.bind(ps, 3);
    ps.setString(12, prev);
    ps.setString(13, hash);
    ps.executeUpdate();
    ends.put(tenant, new ChainEnds.End(seq, hash));
    return seq;
  }

  /** The fields of one entry that both append paths bind and hash the same way. */
  private final class Entry {
    private final Change change;
    private final long micros;
    private final String json;

    Entry(Change change, long micros, String json) {
      this.change = change;
      this.micros = micros;
      this.json = json;
    }

    String hash(long seq, String prev) {
      return AuditHash.entry(
          scope.tenant(),
          seq,
          micros,
          scope.principal().toString(),
          scope.principal().name(),
          scope.source(),
          scope.requestId(),
          change.resourceType(),
          change.resourceId(),
          change.kind().wire(),
          json,
          prev);
    }

    /**
     * Binds at, principal, principal_name, source, request_id, type, id, kind, change from {@code
     * at}.
     */
    void bind(PreparedStatement ps, int at) throws SQLException {
      ps.setLong(at, micros);
      ps.setString(at + 1, scope.principal().toString());
      ps.setString(at + 2, scope.principal().name());
      ps.setString(at + 3, scope.source());
      ps.setString(at + 4, scope.requestId());
      ps.setString(at + 5, change.resourceType());
      ps.setString(at + 6, change.resourceId());
      ps.setString(at + 7, change.kind().wire());
      ps.setString(at + 8, json);
    }
  }

  /**
   * The hash entry {@code seq} chains to when the entry before it has none: that entry was written
   * before the audit trail existed or by an older node during an upgrade, so the unhashed entries
   * are hashed first, here, in order; or it is not there at all (removed behind the store's back),
   * and the new entry chains to the newest entry that is, leaving the gap for {@code scimd audit
   * verify} to report. A write is never refused for the state of the chain.
   */
  private String chainEnd(long seq) throws SQLException {
    JdbcAuditTrail.hashUnhashed(c, scope.tenant());
    PreparedStatement ps =
        c.ps("SELECT hash FROM journal WHERE tenant = ? AND seq < ? ORDER BY seq DESC LIMIT 1");
    ps.setString(1, scope.tenant());
    ps.setLong(2, seq);
    try (ResultSet rs = ps.executeQuery()) {
      String hash = rs.next() ? rs.getString(1) : null;
      return hash == null ? AuditHash.GENESIS : hash;
    }
  }

  /**
   * Appends a membership change, split into entries of at most {@link
   * Change#MAX_MEMBERS_PER_ENTRY}, and indexes each entry under each of its members in {@code
   * member_events}: a member's history (the groups it joined and left) is then an index lookup, not
   * a search through every group's entries (docs/decisions/0015-audit-queries.md).
   */
  void appendMembers(
      String groupType,
      String groupId,
      List<Member> members,
      boolean added,
      boolean memberDeleted,
      long micros)
      throws SQLException {
    for (int from = 0; from < members.size(); from += Change.MAX_MEMBERS_PER_ENTRY) {
      List<Member> chunk =
          members.subList(from, Math.min(members.size(), from + Change.MAX_MEMBERS_PER_ENTRY));
      long seq =
          append(
              added
                  ? new Change.MembersAdded(groupType, groupId, chunk)
                  : new Change.MembersRemoved(groupType, groupId, chunk, memberDeleted),
              micros);
      PreparedStatement ps =
          c.ps(
              "INSERT INTO member_events (tenant, member_id, seq) VALUES (?, ?, ?)"
                  + " ON CONFLICT (tenant, member_id, seq) DO NOTHING");
      for (Member m : chunk) {
        ps.setString(1, scope.tenant());
        ps.setString(2, m.value());
        ps.setLong(3, seq);
        ps.addBatch();
      }
      ps.executeBatch();
    }
  }

  /** The seq of the tenant's last entry this transaction sees, 0 for none ({@link #HEAD}). */
  long head() throws SQLException {
    return head(c, scope.tenant());
  }

  static long head(Conn c, String tenant) throws SQLException {
    PreparedStatement ps = c.ps(HEAD);
    ps.setString(1, tenant);
    try (ResultSet rs = ps.executeQuery()) {
      return rs.next() ? rs.getLong(1) : 0;
    }
  }

  /**
   * The tenant's entries with {@code seq > after}, in order, at most {@code limit} (capped at
   * {@link #MAX_PAGE}).
   */
  List<JournalEntry> after(long after, int limit) throws SQLException {
    int n = Math.max(0, Math.min(limit, MAX_PAGE));
    List<JournalEntry> out = new ArrayList<>(Math.min(n, 64));
    if (n == 0) {
      return out;
    }
    PreparedStatement ps =
        c.ps(
            "SELECT seq, at, principal, principal_name, source, request_id, resource_type, resource_id,"
                + " kind, change FROM journal WHERE tenant = ? AND seq > ? ORDER BY seq LIMIT ?");
    ps.setString(1, scope.tenant());
    ps.setLong(2, after);
    ps.setInt(3, n);
    try (ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        String json = rs.getString(10);
        Change change =
            fromJson(
                Change.Kind.ofWire(rs.getString(9)),
                rs.getString(7),
                rs.getString(8),
                Docs.parse(json));
        out.add(
            new JournalEntry(
                scope.tenant(),
                rs.getLong(1),
                Docs.instant(rs.getLong(2)),
                rs.getString(3),
                rs.getString(4),
                rs.getString(5),
                rs.getString(6),
                change,
                json));
      }
    }
    return out;
  }

  // ---------------------------------------------------------------- what a write changed

  /** A created resource as the journal records it: sensitive attributes named, not shown. */
  static Change.Created created(ResourceType rt, String id, ObjectNode doc) {
    List<String> redacted = new ArrayList<>();
    return new Change.Created(rt.name(), id, redact(rt, doc, redacted), redacted);
  }

  static Change.Deleted deleted(ResourceType rt, String id, long version, ObjectNode doc) {
    List<String> redacted = new ArrayList<>();
    return new Change.Deleted(rt.name(), id, version, redact(rt, doc, redacted), redacted);
  }

  /**
   * The attributes whose values differ between two stored documents, top-level attributes by name
   * and an extension's attributes one by one under its URN ({@code
   * urn:...:enterprise:2.0:User:manager}). Names compare case-insensitively (RFC 7643 §2.1).
   */
  static List<Change.AttributeChange> diff(ResourceType rt, ObjectNode before, ObjectNode after) {
    List<Change.AttributeChange> out = new ArrayList<>();
    Map<String, Map.Entry<String, JsonNode>> b = byFoldedName(before);
    Map<String, Map.Entry<String, JsonNode>> a = byFoldedName(after);
    Map<String, String> names = new LinkedHashMap<>();
    b.forEach((k, e) -> names.put(k, e.getKey()));
    a.forEach((k, e) -> names.put(k, e.getKey()));
    for (Map.Entry<String, String> name : names.entrySet()) {
      JsonNode bv = value(b.get(name.getKey()));
      JsonNode av = value(a.get(name.getKey()));
      Optional<Schema> extension =
          name.getValue().startsWith("urn:")
              ? rt.extension(name.getValue()).map(x -> x.schema())
              : Optional.empty();
      if (extension.isPresent() && (bv == null || bv.isObject()) && (av == null || av.isObject())) {
        diffExtension(extension.get(), (ObjectNode) bv, (ObjectNode) av, out);
        continue;
      }
      if (!equal(bv, av)) {
        boolean secret =
            rt.schema().attribute(name.getValue()).map(Journal::sensitive).orElse(false);
        out.add(change(name.getValue(), bv, av, secret));
      }
    }
    return out;
  }

  private static void diffExtension(
      Schema ext,
      @Nullable ObjectNode before,
      @Nullable ObjectNode after,
      List<Change.AttributeChange> out) {
    Map<String, Map.Entry<String, JsonNode>> b = before == null ? Map.of() : byFoldedName(before);
    Map<String, Map.Entry<String, JsonNode>> a = after == null ? Map.of() : byFoldedName(after);
    Map<String, String> names = new LinkedHashMap<>();
    b.forEach((k, e) -> names.put(k, e.getKey()));
    a.forEach((k, e) -> names.put(k, e.getKey()));
    for (Map.Entry<String, String> name : names.entrySet()) {
      JsonNode bv = value(b.get(name.getKey()));
      JsonNode av = value(a.get(name.getKey()));
      if (!equal(bv, av)) {
        Optional<Attribute> attr = ext.attribute(name.getValue());
        String canonical = attr.map(Attribute::name).orElse(name.getValue());
        out.add(
            change(ext.id() + ":" + canonical, bv, av, attr.map(Journal::sensitive).orElse(false)));
      }
    }
  }

  private static Change.AttributeChange change(
      String path, @Nullable JsonNode before, @Nullable JsonNode after, boolean secret) {
    return secret
        ? new Change.AttributeChange(path, null, null, true)
        : new Change.AttributeChange(path, before, after, false);
  }

  /**
   * Whether an attribute's value must never be recorded: RFC 7643 §2.2 {@code returned: never} or
   * writeOnly.
   */
  private static boolean sensitive(Attribute a) {
    return a.returned() == Returned.NEVER || a.mutability() == Mutability.WRITE_ONLY;
  }

  /** A copy of {@code doc} without sensitive attributes, whose names go to {@code redacted}. */
  private static ObjectNode redact(ResourceType rt, ObjectNode doc, List<String> redacted) {
    ObjectNode copy = doc.deepCopy();
    for (Schema s : rt.allSchemas()) {
      boolean core = s == rt.schema();
      JsonNode holder = core ? copy : Docs.field(copy, s.id());
      if (!(holder instanceof ObjectNode h)) {
        continue;
      }
      for (Attribute a : s.attributes()) {
        if (!sensitive(a)) {
          continue;
        }
        List<String> drop = new ArrayList<>();
        h.fieldNames()
            .forEachRemaining(
                n -> {
                  if (n.equalsIgnoreCase(a.name())) {
                    drop.add(n);
                  }
                });
        if (!drop.isEmpty()) {
          h.remove(drop);
          redacted.add(core ? a.name() : s.id() + ":" + a.name());
        }
      }
    }
    return copy;
  }

  private static Map<String, Map.Entry<String, JsonNode>> byFoldedName(ObjectNode n) {
    Map<String, Map.Entry<String, JsonNode>> out = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> e : n.properties()) {
      out.put(e.getKey().toLowerCase(Locale.ROOT), e);
    }
    return out;
  }

  private static @Nullable JsonNode value(Map.@Nullable Entry<String, JsonNode> e) {
    return e == null || e.getValue().isNull() ? null : e.getValue();
  }

  private static boolean equal(@Nullable JsonNode a, @Nullable JsonNode b) {
    return a == null ? b == null : a.equals(b);
  }

  // ---------------------------------------------------------------- JSON form

  /**
   * The stored form of a change. The resource type, id and kind are columns of their own; the JSON
   * holds the rest, keys in a fixed order so that equal changes are equal text.
   */
  static ObjectNode toJson(Change change) {
    ObjectNode o = Docs.MAPPER.createObjectNode();
    switch (change) {
      case Change.Created c -> {
        o.set("attributes", c.attributes());
        redactedJson(o, c.redacted());
      }
      case Change.Replaced r -> {
        o.put("version", r.version());
        attributesJson(o, r.attributes());
      }
      case Change.Patched p -> {
        o.put("version", p.version());
        attributesJson(o, p.attributes());
      }
      case Change.Deleted d -> {
        o.put("version", d.version());
        o.set("attributes", d.attributes());
        redactedJson(o, d.redacted());
      }
      case Change.MembersAdded m -> membersJson(o, m.members());
      case Change.MembersRemoved m -> {
        membersJson(o, m.members());
        if (m.memberDeleted()) {
          o.put("memberDeleted", true);
        }
      }
      case Change.AuthFailed f -> {
        o.put("reason", f.reason().wire());
        o.put("count", f.count());
        o.put("first", f.first().toString());
        o.put("last", f.last().toString());
        o.put("node", f.node());
        Change.AuthFailed.Credential k = f.credential();
        if (k != null) {
          ObjectNode client = o.putObject("client");
          client.put("id", k.clientId());
          client.put("name", k.clientName());
          ObjectNode credential = o.putObject("credential");
          credential.put("id", k.id());
          credential.put("hint", k.hint());
        }
      }
    }
    return o;
  }

  static Change fromJson(Change.Kind kind, String type, String id, ObjectNode o) {
    return switch (kind) {
      case CREATED -> new Change.Created(type, id, (ObjectNode) o.get("attributes"), redactedOf(o));
      case REPLACED -> new Change.Replaced(type, id, o.path("version").asLong(), attributesOf(o));
      case PATCHED -> new Change.Patched(type, id, o.path("version").asLong(), attributesOf(o));
      case DELETED ->
          new Change.Deleted(
              type,
              id,
              o.path("version").asLong(),
              (ObjectNode) o.get("attributes"),
              redactedOf(o));
      case MEMBERS_ADDED -> new Change.MembersAdded(type, id, membersOf(o));
      case MEMBERS_REMOVED ->
          new Change.MembersRemoved(
              type, id, membersOf(o), o.path("memberDeleted").asBoolean(false));
      case AUTH_FAILED ->
          new Change.AuthFailed(
              id.equals(Change.AuthFailed.OTHER_SOURCES) ? null : id,
              Change.AuthFailed.Reason.ofWire(o.path("reason").asText()),
              o.path("count").asLong(),
              java.time.Instant.parse(o.path("first").asText()),
              java.time.Instant.parse(o.path("last").asText()),
              o.path("node").asText(),
              o.hasNonNull("credential")
                  ? new Change.AuthFailed.Credential(
                      o.path("credential").path("id").asText(),
                      o.path("credential").path("hint").asText(),
                      o.path("client").path("id").asText(),
                      o.path("client").path("name").asText())
                  : null);
    };
  }

  private static void redactedJson(ObjectNode o, List<String> redacted) {
    if (!redacted.isEmpty()) {
      ArrayNode r = o.putArray("redacted");
      redacted.forEach(r::add);
    }
  }

  private static List<String> redactedOf(ObjectNode o) {
    List<String> out = new ArrayList<>();
    o.path("redacted").forEach(n -> out.add(n.asText()));
    return out;
  }

  private static void attributesJson(ObjectNode o, List<Change.AttributeChange> changes) {
    ArrayNode arr = o.putArray("attributes");
    for (Change.AttributeChange c : changes) {
      ObjectNode a = arr.addObject();
      a.put("path", c.path());
      if (c.redacted()) {
        a.put("redacted", true);
      } else {
        if (c.before() != null) {
          a.set("before", c.before());
        }
        if (c.after() != null) {
          a.set("after", c.after());
        }
      }
    }
  }

  private static List<Change.AttributeChange> attributesOf(ObjectNode o) {
    List<Change.AttributeChange> out = new ArrayList<>();
    for (JsonNode a : o.path("attributes")) {
      boolean redacted = a.path("redacted").asBoolean(false);
      out.add(
          new Change.AttributeChange(
              a.path("path").asText(), a.get("before"), a.get("after"), redacted));
    }
    return out;
  }

  private static void membersJson(ObjectNode o, List<Member> members) {
    ArrayNode arr = o.putArray("members");
    for (Member m : members) {
      ObjectNode n = arr.addObject();
      n.put("value", m.value());
      if (m.type() != null) {
        n.put("type", m.type());
      }
      if (m.display() != null) {
        n.put("display", m.display());
      }
    }
  }

  private static List<Member> membersOf(ObjectNode o) {
    List<Member> out = new ArrayList<>();
    for (JsonNode m : o.path("members")) {
      out.add(
          new Member(
              m.path("value").asText(),
              m.hasNonNull("type") ? m.get("type").asText() : null,
              m.hasNonNull("display") ? m.get("display").asText() : null));
    }
    return out;
  }
}
