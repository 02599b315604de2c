package io.scimd.store.jdbc;

import com.fasterxml.jackson.databind.JsonNode;
import io.scimd.store.AuditHash;
import io.scimd.store.AuditPage;
import io.scimd.store.AuditQuery;
import io.scimd.store.AuditReader;
import io.scimd.store.AuditRecord;
import io.scimd.store.AuditTrail;
import io.scimd.store.Change;
import io.scimd.store.Checkpoint;
import io.scimd.store.Scope;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The audit trail in the {@code journal}, {@code audit_checkpoints} and {@code audit_keys} tables
 * (docs/decisions/0009-audit-trail.md). The journal's writer ({@link Journal}) chains each entry as
 * it appends it; this class reads the chain as stored, adds checkpoints and keys, prunes, and
 * chains entries that were written without a hash.
 */
final class JdbcAuditTrail implements AuditTrail {
  /** The most rows one transaction hashes or deletes: a writer waits at most that long for it. */
  private static final int BATCH = 10_000;

  private static final String COLUMNS =
      "tenant, seq, at, principal, principal_name, source, request_id, resource_type, resource_id, kind,"
          + " change, prev_hash, hash";

  /** The same columns of the journal aliased {@code j}. */
  private static final String J_COLUMNS =
      "j.tenant, j.seq, j.at, j.principal, j.principal_name, j.source, j.request_id,"
          + " j.resource_type, j.resource_id, j.kind, j.change, j.prev_hash, j.hash";

  /**
   * The entries that are not a group's membership changes: the condition of the {@code
   * journal_records} partial index (sqlite/V17, postgresql/V15), which a query must repeat to use
   * it.
   */
  static final String RECORD_KINDS = "kind NOT IN ('members_added', 'members_removed')";

  /** Who journals failed authentications. */
  static final Scope.Principal AUTH = Scope.Principal.system("auth");

  private final ConnRunner db;
  private final JdbcTenants.TxWriter writer;
  private final Dialect dialect;
  private final InstantSource clock;

  JdbcAuditTrail(ConnRunner db, JdbcTenants.TxWriter writer, Dialect dialect, InstantSource clock) {
    this.db = db;
    this.writer = writer;
    this.dialect = dialect;
    this.clock = clock;
  }

  @Override
  public <T> T read(Function<AuditReader, T> work) {
    return db.inRead(c -> work.apply(new Reader(c, dialect)));
  }

  @Override
  public boolean addCheckpoint(Checkpoint cp) {
    return db.inWrite(
        c -> {
          PreparedStatement ps =
              c.ps(
                  "INSERT INTO audit_checkpoints (tenant, seq, hash, at, key_id, signature) VALUES (?, ?, ?, ?, ?, ?)"
                      + " ON CONFLICT (tenant, seq) DO NOTHING");
          ps.setString(1, cp.tenant());
          ps.setLong(2, cp.seq());
          ps.setString(3, cp.hash());
          ps.setLong(4, cp.at());
          ps.setString(5, cp.keyId());
          ps.setString(6, cp.signature());
          return ps.executeUpdate() == 1;
        });
  }

  @Override
  public void addKey(String keyId, String publicKey) {
    long now = Docs.micros(clock.instant());
    db.inWrite(
        c -> {
          PreparedStatement ps =
              c.ps(
                  "INSERT INTO audit_keys (key_id, public_key, created) VALUES (?, ?, ?) ON CONFLICT (key_id) DO NOTHING");
          ps.setString(1, keyId);
          ps.setString(2, publicKey);
          ps.setLong(3, now);
          return ps.executeUpdate();
        });
  }

  @Override
  public void recordAuthFailures(
      String tenant, String requestId, List<Change.AuthFailed> failures) {
    if (failures.isEmpty()) {
      return;
    }
    writer.write(
        new Scope(tenant, AUTH, null, requestId),
        tx -> {
          long now = tx.tick();
          for (Change.AuthFailed f : failures) {
            // Each summary's entry carries its own address as the entry's source.
            tx.journalAs(new Scope(tenant, AUTH, f.source(), requestId), f, now);
          }
          return failures.size();
        });
  }

  @Override
  public long prune(String tenant, long seq) {
    long deleted = 0;
    while (true) {
      long n =
          db.inWrite(
              c -> {
                PreparedStatement first = c.ps("SELECT MIN(seq) FROM journal WHERE tenant = ?");
                first.setString(1, tenant);
                long from;
                try (ResultSet rs = first.executeQuery()) {
                  rs.next();
                  from = rs.getLong(1); // 0 when empty
                }
                if (from == 0 || from >= seq) { // 0: the journal is empty
                  return 0L;
                }
                long to = Math.min(seq, from + BATCH);
                forgetMembers(c, tenant, from, to);
                PreparedStatement ps =
                    c.ps("DELETE FROM journal WHERE tenant = ? AND seq >= ? AND seq < ?");
                ps.setString(1, tenant);
                ps.setLong(2, from);
                ps.setLong(3, to);
                return (long) ps.executeUpdate();
              });
      if (n == 0) {
        break;
      }
      deleted += n;
    }
    db.inWrite(
        c -> {
          PreparedStatement ps = c.ps("DELETE FROM audit_checkpoints WHERE tenant = ? AND seq < ?");
          ps.setString(1, tenant);
          ps.setLong(2, seq);
          return ps.executeUpdate();
        });
    return deleted;
  }

  /**
   * Deletes the {@code member_events} rows of the membership entries numbered {@code from} up to
   * {@code to} (exclusive), which are about to be deleted: found by their members, read from the
   * entries themselves, so that no index by number is needed on that table.
   */
  private static void forgetMembers(Conn c, String tenant, long from, long to) throws SQLException {
    PreparedStatement entries =
        c.ps(
            "SELECT seq, change FROM journal WHERE tenant = ? AND seq >= ? AND seq < ?"
                + " AND kind IN ('members_added', 'members_removed')");
    entries.setString(1, tenant);
    entries.setLong(2, from);
    entries.setLong(3, to);
    PreparedStatement delete =
        c.ps("DELETE FROM member_events WHERE tenant = ? AND member_id = ? AND seq = ?");
    int batched = 0;
    try (ResultSet rs = entries.executeQuery()) {
      while (rs.next()) {
        long seq = rs.getLong(1);
        JsonNode members;
        try {
          members = Docs.parse(rs.getString(2)).path("members");
        } catch (RuntimeException notJson) {
          continue; // never pruned: a range that does not verify is kept
        }
        for (JsonNode m : members) {
          if (m.path("value").isTextual()) {
            delete.setString(1, tenant);
            delete.setString(2, m.get("value").asText());
            delete.setLong(3, seq);
            delete.addBatch();
            batched++;
          }
        }
      }
    }
    if (batched > 0) {
      delete.executeBatch();
    }
  }

  @Override
  public long hashUnhashed() {
    List<String> tenants =
        db.inRead(
            c -> {
              List<String> out = new ArrayList<>();
              try (ResultSet rs =
                  c.ps("SELECT DISTINCT tenant FROM journal WHERE hash IS NULL ORDER BY tenant")
                      .executeQuery()) {
                while (rs.next()) {
                  out.add(rs.getString(1));
                }
              }
              return out;
            });
    long hashed = 0;
    for (String tenant : tenants) {
      while (true) {
        long n =
            db.inWrite(
                c -> {
                  String lock = dialect.lockJournal();
                  if (lock != null) {
                    PreparedStatement ps = c.ps(lock);
                    ps.setString(1, tenant);
                    ps.executeQuery().close();
                  }
                  return hashUnhashed(c, tenant, BATCH);
                });
        hashed += n;
        if (n < BATCH) {
          break;
        }
      }
    }
    return hashed;
  }

  /**
   * Chains the tenant's entries that have no hash, in order, inside the caller's transaction, which
   * keeps the tenant's other writers out: {@link Journal} calls it before appending after such an
   * entry.
   */
  static long hashUnhashed(Conn c, String tenant) throws SQLException {
    return hashUnhashed(c, tenant, Long.MAX_VALUE);
  }

  private static long hashUnhashed(Conn c, String tenant, long max) throws SQLException {
    long done = 0;
    long lastSeq = -1;
    String lastHash = AuditHash.GENESIS;
    while (done < max) {
      PreparedStatement page =
          c.ps(
              "SELECT "
                  + COLUMNS
                  + " FROM journal WHERE tenant = ? AND hash IS NULL ORDER BY seq LIMIT ?");
      page.setString(1, tenant);
      page.setLong(2, Math.min(500, max - done));
      List<AuditRecord> rows = new ArrayList<>();
      try (ResultSet rs = page.executeQuery()) {
        while (rs.next()) {
          rows.add(record(rs));
        }
      }
      if (rows.isEmpty()) {
        break;
      }
      PreparedStatement update =
          c.ps("UPDATE journal SET prev_hash = ?, hash = ? WHERE tenant = ? AND seq = ?");
      for (AuditRecord r : rows) {
        String prev = r.seq() == lastSeq + 1 ? lastHash : hashBefore(c, tenant, r.seq());
        String hash = AuditHash.entry(r, prev);
        update.setString(1, prev);
        update.setString(2, hash);
        update.setString(3, tenant);
        update.setLong(4, r.seq());
        update.executeUpdate();
        lastSeq = r.seq();
        lastHash = hash;
        done++;
      }
    }
    return done;
  }

  /**
   * The hash of the newest entry before {@code seq}; {@link AuditHash#GENESIS} when there is none.
   */
  private static String hashBefore(Conn c, String tenant, long seq) throws SQLException {
    PreparedStatement ps =
        c.ps("SELECT hash FROM journal WHERE tenant = ? AND seq < ? ORDER BY seq DESC LIMIT 1");
    ps.setString(1, tenant);
    ps.setLong(2, seq);
    try (ResultSet rs = ps.executeQuery()) {
      String hash = rs.next() ? rs.getString(1) : null;
      return hash == null ? AuditHash.GENESIS : hash;
    }
  }

  private static AuditRecord record(ResultSet rs) throws SQLException {
    return new AuditRecord(
        rs.getString(1),
        rs.getLong(2),
        rs.getLong(3),
        rs.getString(4),
        rs.getString(5),
        rs.getString(6),
        rs.getString(7),
        rs.getString(8),
        rs.getString(9),
        rs.getString(10),
        rs.getString(11),
        rs.getString(12),
        rs.getString(13));
  }

  private static Checkpoint checkpoint(ResultSet rs) throws SQLException {
    return new Checkpoint(
        rs.getString(1),
        rs.getLong(2),
        rs.getString(3),
        rs.getLong(4),
        rs.getString(5),
        rs.getString(6));
  }

  /**
   * One source of candidate entries: a range of one index, {@code where} over {@code from} (the
   * journal aliased {@code j}, joined or not), numbered by the column {@code seq}.
   */
  private record Arm(String from, String where, String seq, List<Object> params) {
    static Arm journal(String where, @Nullable Object... params) {
      return over("journal j", where, params);
    }

    /** An arm over {@code from}: the journal aliased {@code j} as the dialect names one index. */
    static Arm over(String from, String where, @Nullable Object... params) {
      List<Object> ps = new ArrayList<>();
      for (Object p : params) {
        ps.add(java.util.Objects.requireNonNull(p));
      }
      return new Arm(from, where, "j.seq", ps);
    }
  }

  /** The reads of one snapshot. */
  private record Reader(Conn c, Dialect dialect) implements AuditReader {
    @Override
    public List<String> tenants() {
      // A loose index scan: one primary-key probe per tenant, however long each journal is.
      return JdbcTx.sql(
          () -> {
            List<String> out = new ArrayList<>();
            try (ResultSet rs =
                c.ps(
                        "WITH RECURSIVE t(tenant) AS (SELECT MIN(tenant) FROM journal UNION ALL"
                            + " SELECT (SELECT MIN(j.tenant) FROM journal j WHERE j.tenant > t.tenant) FROM t"
                            + " WHERE t.tenant IS NOT NULL)"
                            + " SELECT tenant FROM t WHERE tenant IS NOT NULL"
                            + " UNION SELECT tenant FROM audit_checkpoints ORDER BY 1")
                    .executeQuery()) {
              while (rs.next()) {
                out.add(rs.getString(1));
              }
            }
            return out;
          });
    }

    @Override
    public List<AuditRecord> records(String tenant, long afterSeq, int limit) {
      int n = Math.max(0, Math.min(limit, Journal.MAX_PAGE));
      return JdbcTx.sql(
          () -> {
            List<AuditRecord> out = new ArrayList<>(Math.min(n, 64));
            if (n == 0) {
              return out;
            }
            PreparedStatement ps =
                c.ps(
                    "SELECT "
                        + COLUMNS
                        + " FROM journal WHERE tenant = ? AND seq > ? ORDER BY seq LIMIT ?");
            ps.setString(1, tenant);
            ps.setLong(2, afterSeq);
            ps.setInt(3, n);
            try (ResultSet rs = ps.executeQuery()) {
              while (rs.next()) {
                out.add(record(rs));
              }
            }
            return out;
          });
    }

    @Override
    public AuditPage search(String tenant, AuditQuery q) {
      return JdbcTx.sql(
          () -> {
            long lo = q.afterSeq(); // exclusive
            long hi = Long.MAX_VALUE; // inclusive
            if (q.since() != null) {
              lo = Math.max(lo, lastBefore(tenant, Docs.micros(q.since())));
            }
            if (q.until() != null) {
              hi = lastBefore(tenant, Docs.micros(q.until()));
            }
            if (lo >= hi) {
              return new AuditPage(List.of(), null);
            }
            // The narrowest index that answers a condition gives the candidates; the conditions it
            // does not answer filter them.
            List<Arm> arms = new ArrayList<>();
            List<String> filters = new ArrayList<>();
            List<Object> filterParams = new ArrayList<>();
            boolean byType = false;
            boolean byPrincipal = false;
            if (q.resourceId() != null) {
              arms.add(
                  Arm.over(
                      dialect.journal("journal_by_resource"),
                      "j.tenant = ? AND j.resource_type = ? AND j.resource_id = ?",
                      tenant,
                      q.resourceType(),
                      q.resourceId()));
              byType = true;
            } else if (!q.principals().isEmpty()) {
              for (String p : q.principals()) {
                arms.add(
                    Arm.over(
                        dialect.journal("journal_by_principal"),
                        "j.tenant = ? AND j.principal = ?",
                        tenant,
                        p));
              }
              byPrincipal = true;
            } else if (q.resourceType() != null) {
              arms.add(
                  Arm.over(
                      dialect.journal("journal_by_type"),
                      "j.tenant = ? AND j.resource_type = ?",
                      tenant,
                      q.resourceType()));
              byType = true;
            } else {
              arms.add(Arm.journal("j.tenant = ?", tenant));
            }
            if (!byType && q.resourceType() != null) {
              filters.add("j.resource_type = ?");
              filterParams.add(q.resourceType());
            }
            if (!byPrincipal && !q.principals().isEmpty()) {
              filters.add(
                  "j.principal IN ("
                      + String.join(", ", q.principals().stream().map(p -> "?").toList())
                      + ")");
              filterParams.addAll(q.principals());
            }
            if (q.kind() != null) {
              filters.add("j.kind = ?");
              filterParams.add(q.kind());
            }
            long upTo = hi;
            if (!filters.isEmpty()) {
              // Examine at most MAX_EXAMINED candidates: the number of the last one bounds the
              // page.
              OptionalLong bound = nthCandidate(arms, lo, hi, AuditQuery.MAX_EXAMINED);
              if (bound.isPresent()) {
                upTo = bound.getAsLong();
              }
            }
            List<AuditRecord> found =
                candidates(arms, lo, upTo, filters, filterParams, q.limit() + 1);
            if (found.size() > q.limit()) {
              List<AuditRecord> page = found.subList(0, q.limit());
              return new AuditPage(page, page.get(page.size() - 1).seq());
            }
            return new AuditPage(found, upTo < hi ? upTo : null);
          });
    }

    @Override
    public AuditPage history(
        String tenant, String resourceType, String resourceId, long afterSeq, int limit) {
      return history(
          Arm.over(
              dialect.journal("journal_by_resource"),
              "j.tenant = ? AND j.resource_type = ? AND j.resource_id = ?",
              tenant,
              resourceType,
              resourceId),
          tenant,
          resourceId,
          afterSeq,
          limit);
    }

    @Override
    public AuditPage lifecycle(
        String tenant, String resourceType, String resourceId, long afterSeq, int limit) {
      // The condition on kind is the journal_records index's own, word for word: so both databases
      // read that partial index, which has no membership entries, instead of skipping a large
      // group's members entry by entry.
      return history(
          new Arm(
              dialect.journal("journal_records"),
              "j.tenant = ? AND j.resource_type = ? AND j.resource_id = ? AND "
                  + RECORD_KINDS.replace("kind", "j.kind"),
              "j.seq",
              List.of(tenant, resourceType, resourceId)),
          tenant,
          resourceId,
          afterSeq,
          limit);
    }

    /** The entries of {@code own} and the membership entries naming the resource, merged. */
    private AuditPage history(Arm own, String tenant, String resourceId, long afterSeq, int limit) {
      if (limit < 1 || limit > AuditQuery.MAX_LIMIT) {
        throw new IllegalArgumentException("limit must be between 1 and " + AuditQuery.MAX_LIMIT);
      }
      return JdbcTx.sql(
          () -> {
            List<Arm> arms =
                List.of(
                    own,
                    new Arm(
                        "member_events m JOIN journal j ON j.tenant = m.tenant AND j.seq = m.seq",
                        "m.tenant = ? AND m.member_id = ?",
                        "m.seq",
                        List.of(tenant, resourceId)));
            List<AuditRecord> found =
                candidates(arms, afterSeq, Long.MAX_VALUE, List.of(), List.of(), limit + 1);
            if (found.size() > limit) {
              List<AuditRecord> page = found.subList(0, limit);
              return new AuditPage(page, page.get(page.size() - 1).seq());
            }
            return new AuditPage(found, null);
          });
    }

    /**
     * The number after which the tenant's entries are at or after {@code at} (0 when all are): a
     * binary search of the entry numbers, one primary-key probe per step. It relies on what the
     * export does: a tenant's entries are numbered in commit order, and the write clock ticks in
     * commit order, so their times never go back along the journal.
     */
    private long lastBefore(String tenant, long at) throws SQLException {
      PreparedStatement newest =
          c.ps("SELECT seq FROM journal WHERE tenant = ? ORDER BY seq DESC LIMIT 1");
      newest.setString(1, tenant);
      long hi;
      try (ResultSet rs = newest.executeQuery()) {
        if (!rs.next()) {
          return 0;
        }
        hi = rs.getLong(1);
      }
      PreparedStatement probe =
          c.ps("SELECT seq, at FROM journal WHERE tenant = ? AND seq > ? ORDER BY seq LIMIT 1");
      // Every entry numbered lo or less is older than at; the answer is at least lo, at most hi.
      long lo = 0;
      while (lo < hi) {
        long mid = lo + (hi - lo) / 2;
        probe.setString(1, tenant);
        probe.setLong(2, mid);
        try (ResultSet rs = probe.executeQuery()) {
          if (rs.next() && rs.getLong(2) < at) {
            lo = rs.getLong(1);
          } else {
            hi = mid;
          }
        }
      }
      return lo;
    }

    /**
     * The number of the {@code n}-th candidate numbered in {@code (lo, hi]}, in order; empty when
     * there are fewer.
     */
    private OptionalLong nthCandidate(List<Arm> arms, long lo, long hi, int n) throws SQLException {
      List<Object> params = new ArrayList<>();
      String sql = union(arms, lo, hi, "j.seq", List.of(), List.of(), n, params) + " OFFSET ?";
      // union() ends in "LIMIT ?": take one row from the n-th on.
      params.set(params.size() - 1, 1);
      params.add(n - 1);
      PreparedStatement ps = c.ps(sql);
      bind(ps, params);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? OptionalLong.of(rs.getLong(1)) : OptionalLong.empty();
      }
    }

    /** The first {@code limit} entries numbered in {@code (lo, hi]} that pass {@code filters}. */
    private List<AuditRecord> candidates(
        List<Arm> arms,
        long lo,
        long hi,
        List<String> filters,
        List<Object> filterParams,
        int limit)
        throws SQLException {
      List<Object> params = new ArrayList<>();
      String sql = union(arms, lo, hi, J_COLUMNS, filters, filterParams, limit, params);
      PreparedStatement ps = c.ps(sql);
      bind(ps, params);
      List<AuditRecord> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(record(rs));
        }
      }
      return out;
    }

    /**
     * One statement over every arm, in order of number, at most {@code limit} rows: an arm alone is
     * one range of its index; several are each limited, then merged ({@code UNION ALL} of
     * subqueries, which both databases read as ordered ranges).
     */
    private static String union(
        List<Arm> arms,
        long lo,
        long hi,
        String columns,
        List<String> filters,
        List<Object> filterParams,
        int limit,
        List<Object> params) {
      List<String> selects = new ArrayList<>();
      for (Arm arm : arms) {
        StringBuilder sql =
            new StringBuilder("SELECT ")
                .append(columns)
                .append(" FROM ")
                .append(arm.from())
                .append(" WHERE ")
                .append(arm.where())
                .append(" AND ")
                .append(arm.seq())
                .append(" > ? AND ")
                .append(arm.seq())
                .append(" <= ?");
        params.addAll(arm.params());
        params.add(lo);
        params.add(hi);
        for (String f : filters) {
          sql.append(" AND ").append(f);
        }
        params.addAll(filterParams);
        sql.append(" ORDER BY ").append(arm.seq()).append(" LIMIT ?");
        params.add(limit);
        selects.add(sql.toString());
      }
      if (selects.size() == 1) {
        return selects.get(0);
      }
      StringBuilder sql = new StringBuilder();
      for (int i = 0; i < selects.size(); i++) {
        if (i > 0) {
          sql.append(" UNION ALL ");
        }
        sql.append("SELECT * FROM (").append(selects.get(i)).append(") a").append(i);
      }
      params.add(limit);
      return sql.append(" ORDER BY seq LIMIT ?").toString();
    }

    private static void bind(PreparedStatement ps, List<Object> params) throws SQLException {
      for (int i = 0; i < params.size(); i++) {
        Object p = params.get(i);
        if (p instanceof String str) {
          ps.setString(i + 1, str);
        } else if (p instanceof Integer n) {
          ps.setInt(i + 1, n);
        } else {
          ps.setLong(i + 1, (Long) p);
        }
      }
    }

    @Override
    public Optional<AuditRecord> head(String tenant) {
      return JdbcTx.sql(
          () -> {
            PreparedStatement ps =
                c.ps(
                    "SELECT "
                        + COLUMNS
                        + " FROM journal WHERE tenant = ? ORDER BY seq DESC LIMIT 1");
            ps.setString(1, tenant);
            try (ResultSet rs = ps.executeQuery()) {
              return rs.next() ? Optional.of(record(rs)) : Optional.empty();
            }
          });
    }

    @Override
    public List<Checkpoint> checkpoints(String tenant) {
      return JdbcTx.sql(
          () -> {
            PreparedStatement ps =
                c.ps(
                    "SELECT tenant, seq, hash, at, key_id, signature FROM audit_checkpoints WHERE tenant = ?"
                        + " ORDER BY seq");
            ps.setString(1, tenant);
            List<Checkpoint> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
              while (rs.next()) {
                out.add(checkpoint(rs));
              }
            }
            return out;
          });
    }

    @Override
    public Optional<Checkpoint> latestCheckpoint(String tenant) {
      return JdbcTx.sql(
          () -> {
            PreparedStatement ps =
                c.ps(
                    "SELECT tenant, seq, hash, at, key_id, signature FROM audit_checkpoints WHERE tenant = ?"
                        + " ORDER BY seq DESC LIMIT 1");
            ps.setString(1, tenant);
            try (ResultSet rs = ps.executeQuery()) {
              return rs.next() ? Optional.of(checkpoint(rs)) : Optional.empty();
            }
          });
    }

    @Override
    public OptionalLong counter(String tenant) {
      String sql = dialect.journalCounter();
      if (sql == null) {
        return OptionalLong.empty();
      }
      return JdbcTx.sql(
          () -> {
            PreparedStatement ps = c.ps(sql);
            ps.setString(1, tenant);
            try (ResultSet rs = ps.executeQuery()) {
              return rs.next() ? OptionalLong.of(rs.getLong(1)) : OptionalLong.empty();
            }
          });
    }

    @Override
    public Map<String, String> keys() {
      return JdbcTx.sql(
          () -> {
            Map<String, String> out = new LinkedHashMap<>();
            try (ResultSet rs =
                c.ps("SELECT key_id, public_key FROM audit_keys ORDER BY created, key_id")
                    .executeQuery()) {
              while (rs.next()) {
                out.put(rs.getString(1), rs.getString(2));
              }
            }
            return out;
          });
    }
  }
}
