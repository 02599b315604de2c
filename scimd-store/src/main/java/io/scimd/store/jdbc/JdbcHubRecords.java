package io.scimd.store.jdbc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.scimd.store.Change;
import io.scimd.store.HubRecords;
import io.scimd.store.HubRecords.StaleVersion;
import io.scimd.store.Scope;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * {@link HubRecords} in the tables of V14__hub.sql (SQLite) and V12__hub.sql (PostgreSQL), the same
 * SQL on both but for the claim, which skips rows another node is claiming on PostgreSQL. Target
 * definitions are written through the owning store's write transactions, so they are journaled with
 * the scope's principal; the delivery bookkeeping is short transactions of its own, each fenced by
 * the lease's owner.
 */
final class JdbcHubRecords implements HubRecords {
  private static final String TARGET_COLUMNS =
      "tenant, name, type, config, secrets, paused_reason, created, updated, version";
  private static final String CURSOR_COLUMNS =
      "tenant, target, next_seq, owner, lease_until, attempts, retry_at, last_error,"
          + " last_error_at, last_delivered_at, delivered, approved_seq";

  private final ConnRunner db;
  private final JdbcTenants.TxWriter writer;
  private final boolean skipLocked;

  JdbcHubRecords(ConnRunner db, JdbcTenants.TxWriter writer, boolean skipLocked) {
    this.db = db;
    this.writer = writer;
    this.skipLocked = skipLocked;
  }

  // ---------------------------------------------------------------- targets

  @Override
  public Optional<Target> create(
      Scope scope, String name, String type, String config, byte @Nullable [] secrets) {
    return writer.write(
        scope,
        tx ->
            JdbcTx.sql(
                () -> {
                  Conn c = tx.conn();
                  long now = tx.tick();
                  if (find(c, scope.tenant(), name).isPresent()) {
                    return Optional.<Target>empty();
                  }
                  PreparedStatement ps =
                      c.ps(
                          "INSERT INTO targets ("
                              + TARGET_COLUMNS
                              + ") VALUES (?, ?, ?, ?, ?, NULL, ?, ?, 1)");
                  ps.setString(1, scope.tenant());
                  ps.setString(2, name);
                  ps.setString(3, type);
                  ps.setString(4, config);
                  ps.setBytes(5, secrets);
                  ps.setLong(6, now);
                  ps.setLong(7, now);
                  ps.executeUpdate();
                  ObjectNode described = describe(type, config);
                  tx.journal(new Change.Created(TARGET, name, described, List.of()), now);
                  // The target's own creation is the newest entry: it receives what follows.
                  PreparedStatement head =
                      c.ps("SELECT COALESCE(MAX(seq), 0) FROM journal WHERE tenant = ?");
                  head.setString(1, scope.tenant());
                  long newest;
                  try (ResultSet rs = head.executeQuery()) {
                    rs.next();
                    newest = rs.getLong(1);
                  }
                  PreparedStatement cursor =
                      c.ps("INSERT INTO deliveries (tenant, target, next_seq) VALUES (?, ?, ?)");
                  cursor.setString(1, scope.tenant());
                  cursor.setString(2, name);
                  cursor.setLong(3, newest + 1);
                  cursor.executeUpdate();
                  return find(c, scope.tenant(), name);
                }));
  }

  @Override
  public Optional<Target> update(
      Scope scope, String name, long version, String config, byte @Nullable [] secrets) {
    return onTarget(
        scope,
        name,
        Optional.<Target>empty(),
        (tx, now, held) -> {
          Conn c = tx.conn();
          Target before = held;
          if (before.version() != version) {
            throw new StaleVersion(
                "the target '"
                    + name
                    + "' was changed meanwhile (version "
                    + before.version()
                    + ", not "
                    + version
                    + "): read it again");
          }
          PreparedStatement ps =
              c.ps(
                  "UPDATE targets SET config = ?, secrets = ?, updated = ?,"
                      + " version = version + 1 WHERE tenant = ? AND name = ?"
                      + " AND version = ?");
          ps.setString(1, config);
          ps.setBytes(2, secrets);
          ps.setLong(3, now);
          ps.setString(4, scope.tenant());
          ps.setString(5, name);
          ps.setLong(6, version);
          if (ps.executeUpdate() == 0) {
            throw new StaleVersion(
                "the target '" + name + "' was changed meanwhile: read it again");
          }
          tx.journal(
              new Change.Replaced(
                  TARGET,
                  name,
                  version + 1,
                  List.of(
                      new Change.AttributeChange(
                          "config",
                          describe(before.type(), before.config()),
                          describe(before.type(), config),
                          false))),
              now);
          return find(c, scope.tenant(), name);
        });
  }

  @Override
  public Optional<Target> pause(Scope scope, String name, @Nullable String reason) {
    return onTarget(
        scope,
        name,
        Optional.<Target>empty(),
        (tx, now, held) -> {
          Conn c = tx.conn();
          Target before = held;
          if (java.util.Objects.equals(before.pausedReason(), reason)) {
            return Optional.of(held);
          }
          PreparedStatement ps =
              c.ps(
                  "UPDATE targets SET paused_reason = ?, updated = ?, version = version + 1"
                      + " WHERE tenant = ? AND name = ?");
          ps.setString(1, reason);
          ps.setLong(2, now);
          ps.setString(3, scope.tenant());
          ps.setString(4, name);
          ps.executeUpdate();
          tx.journal(
              new Change.Patched(
                  TARGET,
                  name,
                  before.version() + 1,
                  List.of(
                      new Change.AttributeChange(
                          "pausedReason", text(before.pausedReason()), text(reason), false))),
              now);
          return find(c, scope.tenant(), name);
        });
  }

  @Override
  public Optional<Target> approve(Scope scope, String name, long throughSeq) {
    return onTarget(
        scope,
        name,
        Optional.<Target>empty(),
        (tx, now, held) -> {
          Conn c = tx.conn();
          Target before = held;
          PreparedStatement ps =
              c.ps(
                  "UPDATE deliveries SET approved_seq = ? WHERE tenant = ? AND target = ?"
                      + " AND approved_seq < ?");
          ps.setLong(1, throughSeq);
          ps.setString(2, scope.tenant());
          ps.setString(3, name);
          ps.setLong(4, throughSeq);
          ps.executeUpdate();
          PreparedStatement resume =
              c.ps(
                  "UPDATE targets SET paused_reason = NULL, updated = ?,"
                      + " version = version + 1 WHERE tenant = ? AND name = ?");
          resume.setLong(1, now);
          resume.setString(2, scope.tenant());
          resume.setString(3, name);
          resume.executeUpdate();
          ObjectNode what = Docs.MAPPER.createObjectNode();
          what.put("approvedThrough", throughSeq);
          tx.journal(
              new Change.Patched(
                  TARGET,
                  name,
                  before.version() + 1,
                  List.of(
                      new Change.AttributeChange(
                          "pausedReason", text(before.pausedReason()), null, false),
                      new Change.AttributeChange("deletionGuard", null, what, false))),
              now);
          return find(c, scope.tenant(), name);
        });
  }

  @Override
  public Optional<Target> rewind(Scope scope, String name, long toSeq) {
    if (toSeq < 1) {
      throw new IllegalArgumentException("a journal entry number is 1 or more, not " + toSeq);
    }
    return onTarget(
        scope,
        name,
        Optional.<Target>empty(),
        (tx, now, held) -> {
          Conn c = tx.conn();
          PreparedStatement read =
              c.ps("SELECT next_seq FROM deliveries WHERE tenant = ? AND target = ?");
          read.setString(1, scope.tenant());
          read.setString(2, name);
          long from;
          try (ResultSet rs = read.executeQuery()) {
            from = rs.next() ? rs.getLong(1) : 0;
          }
          PreparedStatement move =
              c.ps(
                  "UPDATE deliveries SET next_seq = ?, owner = NULL, lease_until = NULL,"
                      + " attempts = 0, retry_at = NULL WHERE tenant = ? AND target = ?");
          move.setLong(1, toSeq);
          move.setString(2, scope.tenant());
          move.setString(3, name);
          move.executeUpdate();
          PreparedStatement touch =
              c.ps(
                  "UPDATE targets SET updated = ?, version = version + 1"
                      + " WHERE tenant = ? AND name = ?");
          touch.setLong(1, now);
          touch.setString(2, scope.tenant());
          touch.setString(3, name);
          touch.executeUpdate();
          tx.journal(
              new Change.Patched(
                  TARGET,
                  name,
                  held.version() + 1,
                  List.of(
                      new Change.AttributeChange(
                          "cursor", LongNode.valueOf(from), LongNode.valueOf(toSeq), false))),
              now);
          return find(c, scope.tenant(), name);
        });
  }

  @Override
  public boolean delete(Scope scope, String name) {
    return onTarget(
        scope,
        name,
        false,
        (tx, now, held) -> {
          Conn c = tx.conn();
          for (String table :
              List.of("deliveries", "dead_letters", "remote_ids", "target_notes", "targets")) {
            PreparedStatement ps =
                c.ps(
                    "DELETE FROM "
                        + table
                        + " WHERE tenant = ? AND "
                        + (table.equals("targets") ? "name" : "target")
                        + " = ?");
            ps.setString(1, scope.tenant());
            ps.setString(2, name);
            ps.executeUpdate();
          }
          Target gone = held;
          tx.journal(
              new Change.Deleted(
                  TARGET, name, gone.version(), describe(gone.type(), gone.config()), List.of()),
              now);
          return true;
        });
  }

  /** A journaled change to one held target: its transaction, the write's time, the target. */
  private interface TargetWork<T> {
    T apply(JdbcTx tx, long now, Target held) throws SQLException;
  }

  /**
   * Runs {@code work} on the scope's tenant's target {@code name} in one write transaction (so its
   * journal entry commits with it); {@code missing} when there is no such target.
   */
  private <T> T onTarget(Scope scope, String name, T missing, TargetWork<T> work) {
    return writer.write(
        scope,
        tx ->
            JdbcTx.sql(
                () -> {
                  long now = tx.tick();
                  Optional<Target> held = find(tx.conn(), scope.tenant(), name);
                  return held.isEmpty() ? missing : work.apply(tx, now, held.get());
                }));
  }

  @Override
  public Optional<Target> target(String tenant, String name) {
    return db.inRead(c -> find(c, tenant, name));
  }

  @Override
  public List<Target> targets(String tenant) {
    return db.inRead(
        c -> {
          PreparedStatement ps =
              c.ps("SELECT " + TARGET_COLUMNS + " FROM targets WHERE tenant = ? ORDER BY name");
          ps.setString(1, tenant);
          return targets(ps);
        });
  }

  @Override
  public List<Target> allTargets() {
    return db.inRead(
        c -> targets(c.ps("SELECT " + TARGET_COLUMNS + " FROM targets ORDER BY tenant, name")));
  }

  private static Optional<Target> find(Conn c, String tenant, String name) throws SQLException {
    PreparedStatement ps =
        c.ps("SELECT " + TARGET_COLUMNS + " FROM targets WHERE tenant = ? AND name = ?");
    ps.setString(1, tenant);
    ps.setString(2, name);
    List<Target> found = targets(ps);
    return found.isEmpty() ? Optional.empty() : Optional.of(found.get(0));
  }

  private static List<Target> targets(PreparedStatement ps) throws SQLException {
    List<Target> out = new ArrayList<>();
    try (ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        out.add(
            new Target(
                rs.getString(1),
                rs.getString(2),
                rs.getString(3),
                rs.getString(4),
                rs.getBytes(5),
                rs.getString(6),
                Docs.instant(rs.getLong(7)),
                Docs.instant(rs.getLong(8)),
                rs.getLong(9)));
      }
    }
    return out;
  }

  /** What the journal records of a target: its type and config, never its secrets. */
  private static ObjectNode describe(String type, String config) {
    ObjectNode out = Docs.MAPPER.createObjectNode();
    out.put("type", type);
    out.set("config", Docs.parse(config));
    return out;
  }

  private static @Nullable JsonNode text(@Nullable String s) {
    return s == null ? null : TextNode.valueOf(s);
  }

  // ---------------------------------------------------------------- cursors and leases

  @Override
  public Optional<Cursor> cursor(String tenant, String target) {
    return db.inRead(
        c -> {
          PreparedStatement ps =
              c.ps("SELECT " + CURSOR_COLUMNS + " FROM deliveries WHERE tenant = ? AND target = ?");
          ps.setString(1, tenant);
          ps.setString(2, target);
          List<Cursor> found = cursors(ps);
          return found.isEmpty() ? Optional.empty() : Optional.of(found.get(0));
        });
  }

  @Override
  public List<Cursor> claim(
      String owner, Instant now, Instant until, int max, Collection<String> types) {
    if (types.isEmpty() || max <= 0) {
      return List.of();
    }
    String typeList = String.join(", ", java.util.Collections.nCopies(types.size(), "?"));
    // The free leases, then those taken, in one statement: on PostgreSQL a row another node is
    // claiming at this moment is skipped, not waited for.
    String sql =
        "UPDATE deliveries SET owner = ?, lease_until = ? WHERE (tenant, target) IN ("
            + "SELECT d.tenant, d.target FROM deliveries d WHERE (d.owner IS NULL OR d.lease_until"
            + " < ?) AND EXISTS (SELECT 1 FROM targets t WHERE t.tenant = d.tenant AND t.name ="
            + " d.target AND t.paused_reason IS NULL AND t.type IN ("
            + typeList
            + ")) ORDER BY d.tenant, d.target LIMIT ?"
            + (skipLocked ? " FOR UPDATE SKIP LOCKED" : "")
            + ") RETURNING "
            + CURSOR_COLUMNS;
    return db.inWrite(
        c -> {
          PreparedStatement ps = c.ps(sql);
          int i = 1;
          ps.setString(i++, owner);
          ps.setLong(i++, Docs.micros(until));
          ps.setLong(i++, Docs.micros(now));
          for (String type : types) {
            ps.setString(i++, type);
          }
          ps.setInt(i, max);
          return cursors(ps);
        });
  }

  @Override
  public boolean acknowledge(String tenant, String target, long nextSeq, Instant now) {
    return db.inWrite(
        c -> {
          PreparedStatement ps =
              c.ps(
                  "UPDATE deliveries SET delivered = delivered + (? - next_seq), next_seq = ?,"
                      + " last_delivered_at = ? WHERE tenant = ? AND target = ? AND next_seq < ?");
          ps.setLong(1, nextSeq);
          ps.setLong(2, nextSeq);
          ps.setLong(3, Docs.micros(now));
          ps.setString(4, tenant);
          ps.setString(5, target);
          ps.setLong(6, nextSeq);
          return ps.executeUpdate() == 1;
        });
  }

  @Override
  public boolean record(Step step) {
    return db.inWrite(
        c -> {
          PreparedStatement ps =
              c.ps(
                  "UPDATE deliveries SET next_seq = ?, delivered = delivered + ?, attempts = ?,"
                      + " retry_at = ?, lease_until = ?,"
                      + " last_error = COALESCE(?, last_error),"
                      + " last_error_at = CASE WHEN ? IS NULL THEN last_error_at ELSE ? END,"
                      + " last_delivered_at = CASE WHEN ? > 0 THEN ? ELSE last_delivered_at END"
                      + " WHERE tenant = ? AND target = ? AND owner = ?");
          long now = Docs.micros(step.now());
          int i = 1;
          ps.setLong(i++, step.nextSeq());
          ps.setLong(i++, step.delivered());
          ps.setInt(i++, step.attempts());
          setMicros(ps, i++, step.retryAt());
          ps.setLong(i++, Docs.micros(step.until()));
          ps.setString(i++, step.error());
          ps.setString(i++, step.error());
          ps.setLong(i++, now);
          ps.setLong(i++, step.delivered());
          ps.setLong(i++, now);
          ps.setString(i++, step.tenant());
          ps.setString(i++, step.target());
          ps.setString(i, step.owner());
          if (ps.executeUpdate() == 0) {
            return false;
          }
          if (!step.deadLetters().isEmpty()) {
            PreparedStatement dl =
                c.ps(
                    "INSERT INTO dead_letters (tenant, target, seq, resource_type, resource_id,"
                        + " attempts, error, at, replayed) VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL)"
                        + " ON CONFLICT (tenant, target, seq) DO UPDATE SET attempts ="
                        + " excluded.attempts, error = excluded.error, at = excluded.at,"
                        + " replayed = NULL");
            for (DeadLetter d : step.deadLetters()) {
              dl.setString(1, d.tenant());
              dl.setString(2, d.target());
              dl.setLong(3, d.seq());
              dl.setString(4, d.resourceType());
              dl.setString(5, d.resourceId());
              dl.setInt(6, d.attempts());
              dl.setString(7, d.error());
              dl.setLong(8, Docs.micros(d.at()));
              dl.addBatch();
            }
            dl.executeBatch();
          }
          return true;
        });
  }

  @Override
  public void release(String tenant, String target, String owner) {
    db.inWrite(
        c -> {
          PreparedStatement ps =
              c.ps(
                  "UPDATE deliveries SET owner = NULL, lease_until = NULL"
                      + " WHERE tenant = ? AND target = ? AND owner = ?");
          ps.setString(1, tenant);
          ps.setString(2, target);
          ps.setString(3, owner);
          return ps.executeUpdate();
        });
  }

  private static List<Cursor> cursors(PreparedStatement ps) throws SQLException {
    List<Cursor> out = new ArrayList<>();
    try (ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        out.add(
            new Cursor(
                rs.getString(1),
                rs.getString(2),
                rs.getLong(3),
                rs.getString(4),
                instantOrNull(rs, 5),
                rs.getInt(6),
                instantOrNull(rs, 7),
                rs.getString(8),
                instantOrNull(rs, 9),
                instantOrNull(rs, 10),
                rs.getLong(11),
                rs.getLong(12)));
      }
    }
    return out;
  }

  // ---------------------------------------------------------------- dead letters

  @Override
  public List<DeadLetter> deadLetters(String tenant, String target, long afterSeq, int limit) {
    return db.inRead(
        c -> {
          PreparedStatement ps =
              c.ps(
                  "SELECT tenant, target, seq, resource_type, resource_id, attempts, error, at,"
                      + " replayed FROM dead_letters WHERE tenant = ? AND target = ? AND seq > ?"
                      + " ORDER BY seq LIMIT ?");
          ps.setString(1, tenant);
          ps.setString(2, target);
          ps.setLong(3, afterSeq);
          ps.setInt(4, Math.max(1, Math.min(limit, 1000)));
          return deadLetters(ps);
        });
  }

  @Override
  public long deadLetterCount(String tenant, String target) {
    return db.inRead(
        c -> {
          PreparedStatement ps =
              c.ps("SELECT COUNT(*) FROM dead_letters WHERE tenant = ? AND target = ?");
          ps.setString(1, tenant);
          ps.setString(2, target);
          try (ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
          }
        });
  }

  @Override
  public int replay(Scope scope, String target, @Nullable Long seq) {
    return onTarget(
        scope,
        target,
        0,
        (tx, now, held) -> {
          Conn c = tx.conn();
          PreparedStatement ps =
              c.ps(
                  "UPDATE dead_letters SET replayed = ? WHERE tenant = ? AND target = ?"
                      + " AND replayed IS NULL"
                      + (seq == null ? "" : " AND seq = ?"));
          ps.setLong(1, now);
          ps.setString(2, scope.tenant());
          ps.setString(3, target);
          if (seq != null) {
            ps.setLong(4, seq);
          }
          int n = ps.executeUpdate();
          if (n > 0) {
            ObjectNode what = Docs.MAPPER.createObjectNode();
            what.put("deadLetters", n);
            if (seq != null) {
              what.put("seq", seq);
            }
            tx.journal(
                new Change.Patched(
                    TARGET,
                    target,
                    held.version(),
                    List.of(new Change.AttributeChange("replay", null, what, false))),
                now);
          }
          return n;
        });
  }

  @Override
  public List<DeadLetter> replays(String tenant, String target, int limit) {
    return db.inRead(
        c -> {
          PreparedStatement ps =
              c.ps(
                  "SELECT tenant, target, seq, resource_type, resource_id, attempts, error, at,"
                      + " replayed FROM dead_letters WHERE tenant = ? AND target = ?"
                      + " AND replayed IS NOT NULL ORDER BY seq LIMIT ?");
          ps.setString(1, tenant);
          ps.setString(2, target);
          ps.setInt(3, Math.max(1, Math.min(limit, 1000)));
          return deadLetters(ps);
        });
  }

  @Override
  public void replayed(String tenant, String target, long seq) {
    db.inWrite(
        c -> {
          PreparedStatement ps =
              c.ps("DELETE FROM dead_letters WHERE tenant = ? AND target = ? AND seq = ?");
          ps.setString(1, tenant);
          ps.setString(2, target);
          ps.setLong(3, seq);
          return ps.executeUpdate();
        });
  }

  private static List<DeadLetter> deadLetters(PreparedStatement ps) throws SQLException {
    List<DeadLetter> out = new ArrayList<>();
    try (ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        out.add(
            new DeadLetter(
                rs.getString(1),
                rs.getString(2),
                rs.getLong(3),
                rs.getString(4),
                rs.getString(5),
                rs.getInt(6),
                rs.getString(7),
                Docs.instant(rs.getLong(8)),
                instantOrNull(rs, 9)));
      }
    }
    return out;
  }

  // ---------------------------------------------------------------- remote ids

  @Override
  public Optional<String> remoteId(
      String tenant, String target, String resourceType, String resourceId) {
    return db.inRead(
        c -> {
          PreparedStatement ps =
              c.ps(
                  "SELECT remote_id FROM remote_ids WHERE tenant = ? AND target = ?"
                      + " AND resource_type = ? AND resource_id = ?");
          ps.setString(1, tenant);
          ps.setString(2, target);
          ps.setString(3, resourceType);
          ps.setString(4, resourceId);
          try (ResultSet rs = ps.executeQuery()) {
            return rs.next() ? Optional.of(rs.getString(1)) : Optional.<String>empty();
          }
        });
  }

  @Override
  public void remoteId(
      String tenant,
      String target,
      String resourceType,
      String resourceId,
      @Nullable String remoteId) {
    db.inWrite(
        c -> {
          PreparedStatement ps;
          if (remoteId == null) {
            ps =
                c.ps(
                    "DELETE FROM remote_ids WHERE tenant = ? AND target = ? AND resource_type = ?"
                        + " AND resource_id = ?");
          } else {
            ps =
                c.ps(
                    "INSERT INTO remote_ids (tenant, target, resource_type, resource_id,"
                        + " remote_id) VALUES (?, ?, ?, ?, ?) ON CONFLICT (tenant, target,"
                        + " resource_type, resource_id) DO UPDATE SET remote_id ="
                        + " excluded.remote_id");
            ps.setString(5, remoteId);
          }
          ps.setString(1, tenant);
          ps.setString(2, target);
          ps.setString(3, resourceType);
          ps.setString(4, resourceId);
          return ps.executeUpdate();
        });
  }

  // ---------------------------------------------------------------- notes

  @Override
  public Optional<Note> note(String tenant, String target, String kind) {
    return db.inRead(
        c -> {
          PreparedStatement ps =
              c.ps(
                  "SELECT at, body FROM target_notes WHERE tenant = ? AND target = ? AND kind = ?");
          ps.setString(1, tenant);
          ps.setString(2, target);
          ps.setString(3, kind);
          try (ResultSet rs = ps.executeQuery()) {
            return rs.next()
                ? Optional.of(
                    new Note(tenant, target, kind, Docs.instant(rs.getLong(1)), rs.getString(2)))
                : Optional.<Note>empty();
          }
        });
  }

  @Override
  public boolean replaceNote(
      String tenant,
      String target,
      String kind,
      @Nullable Instant expectedAt,
      Instant at,
      String body) {
    return db.inWrite(
        c -> {
          PreparedStatement ps;
          if (expectedAt == null) {
            ps = insertNote(c, tenant, target, kind, at, body, "DO NOTHING");
          } else {
            ps =
                c.ps(
                    "UPDATE target_notes SET at = ?, body = ? WHERE tenant = ? AND target = ?"
                        + " AND kind = ? AND at = ?");
            ps.setLong(1, Docs.micros(at));
            ps.setString(2, body);
            ps.setString(3, tenant);
            ps.setString(4, target);
            ps.setString(5, kind);
            ps.setLong(6, Docs.micros(expectedAt));
          }
          return ps.executeUpdate() == 1;
        });
  }

  @Override
  public void putNote(String tenant, String target, String kind, Instant at, String body) {
    db.inWrite(
        c -> {
          return insertNote(
                  c,
                  tenant,
                  target,
                  kind,
                  at,
                  body,
                  "(tenant, target, kind) DO UPDATE SET at = excluded.at, body = excluded.body")
              .executeUpdate();
        });
  }

  /**
   * A note's insert, {@code ON CONFLICT onConflict}; the target must still exist: a note never
   * outlives it.
   */
  private static PreparedStatement insertNote(
      Conn c, String tenant, String target, String kind, Instant at, String body, String onConflict)
      throws SQLException {
    PreparedStatement ps =
        c.ps(
            "INSERT INTO target_notes (tenant, target, kind, at, body)"
                + " SELECT ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM targets"
                + " WHERE tenant = ? AND name = ?) ON CONFLICT "
                + onConflict);
    ps.setString(1, tenant);
    ps.setString(2, target);
    ps.setString(3, kind);
    ps.setLong(4, Docs.micros(at));
    ps.setString(5, body);
    ps.setString(6, tenant);
    ps.setString(7, target);
    return ps;
  }

  // ---------------------------------------------------------------- helpers

  private static @Nullable Instant instantOrNull(ResultSet rs, int column) throws SQLException {
    long v = rs.getLong(column);
    return rs.wasNull() ? null : Docs.instant(v);
  }

  private static void setMicros(PreparedStatement ps, int i, @Nullable Instant t)
      throws SQLException {
    if (t == null) {
      ps.setNull(i, java.sql.Types.BIGINT);
    } else {
      ps.setLong(i, Docs.micros(t));
    }
  }
}
