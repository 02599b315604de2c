package io.scimd.store.jdbc;

import io.scimd.store.AuditHash;
import io.scimd.store.AuditReader;
import io.scimd.store.AuditRecord;
import io.scimd.store.AuditTrail;
import io.scimd.store.Checkpoint;
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

  private final ConnRunner db;
  private final Dialect dialect;
  private final InstantSource clock;

  JdbcAuditTrail(ConnRunner db, Dialect dialect, InstantSource clock) {
    this.db = db;
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
                PreparedStatement ps =
                    c.ps("DELETE FROM journal WHERE tenant = ? AND seq >= ? AND seq < ?");
                ps.setString(1, tenant);
                ps.setLong(2, from);
                ps.setLong(3, Math.min(seq, from + BATCH));
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
