package io.scimd.store.jdbc;

import io.scimd.store.RateUsage;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.SortedMap;

/**
 * {@link RateUsage} in the table {@code rate_usage} (one row per client key: its total and when a
 * node last added to it), the same SQL on SQLite and PostgreSQL. Each exchange is one short write
 * transaction: one upsert per key that changed, sent as one batch, and one indexed read of the rows
 * changed lately.
 */
final class JdbcRateUsage implements RateUsage {
  // A node whose clock is behind must not move the stamp back: the others would miss the row.
  private static final String ADD =
      "INSERT INTO rate_usage (client_key, used, updated) VALUES (?, ?, ?)"
          + " ON CONFLICT (client_key) DO UPDATE SET used = rate_usage.used + excluded.used,"
          + " updated = CASE WHEN excluded.updated > rate_usage.updated"
          + " THEN excluded.updated ELSE rate_usage.updated END";

  private final ConnRunner db;

  JdbcRateUsage(ConnRunner db) {
    this.db = db;
  }

  @Override
  public Map<String, Long> exchange(SortedMap<String, Long> added, Instant now, Instant since) {
    long stamp = Docs.micros(now);
    long from = Docs.micros(since);
    return db.inWrite(
        c -> {
          if (!added.isEmpty()) {
            PreparedStatement add = c.ps(ADD);
            for (Map.Entry<String, Long> e : added.entrySet()) {
              add.setString(1, e.getKey());
              add.setLong(2, e.getValue());
              add.setLong(3, stamp);
              add.addBatch();
            }
            add.executeBatch();
          }
          PreparedStatement read =
              c.ps("SELECT client_key, used FROM rate_usage WHERE updated >= ?");
          read.setLong(1, from);
          Map<String, Long> totals = new HashMap<>();
          try (ResultSet rs = read.executeQuery()) {
            while (rs.next()) {
              totals.put(rs.getString(1), rs.getLong(2));
            }
          }
          return totals;
        });
  }

  @Override
  public int prune(Instant before) {
    long until = Docs.micros(before);
    return db.inWrite(
        c -> {
          PreparedStatement ps = c.ps("DELETE FROM rate_usage WHERE updated < ?");
          ps.setLong(1, until);
          return ps.executeUpdate();
        });
  }
}
