package io.scimd.store.jdbc;

import io.scimd.store.OAuthRecords;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;

/** {@link OAuthRecords} in the tables {@code oauth_keys} and {@code oauth_assertions}. */
final class JdbcOAuthRecords implements OAuthRecords {
  private final ConnRunner db;
  private final InstantSource clock;

  JdbcOAuthRecords(ConnRunner db, InstantSource clock) {
    this.db = db;
    this.clock = clock;
  }

  @Override
  public void publishKey(String kid, String publicJwk, Instant created) {
    db.inWrite(
        c -> {
          PreparedStatement ps =
              c.ps(
                  "INSERT INTO oauth_keys (kid, jwk, created) VALUES (?, ?, ?)"
                      + " ON CONFLICT (kid) DO NOTHING");
          ps.setString(1, kid);
          ps.setString(2, publicJwk);
          ps.setLong(3, Docs.micros(created));
          return ps.executeUpdate();
        });
  }

  @Override
  public List<PublishedKey> keys(Instant createdAfter) {
    return db.inRead(
        c -> {
          PreparedStatement ps =
              c.ps(
                  "SELECT kid, jwk, created FROM oauth_keys WHERE created > ? ORDER BY created, kid");
          ps.setLong(1, Docs.micros(createdAfter));
          List<PublishedKey> out = new ArrayList<>();
          try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
              out.add(
                  new PublishedKey(rs.getString(1), rs.getString(2), Docs.instant(rs.getLong(3))));
            }
          }
          return out;
        });
  }

  @Override
  public void pruneKeys(Instant createdBefore) {
    db.inWrite(
        c -> {
          PreparedStatement ps = c.ps("DELETE FROM oauth_keys WHERE created < ?");
          ps.setLong(1, Docs.micros(createdBefore));
          return ps.executeUpdate();
        });
  }

  @Override
  public boolean firstUse(String clientId, String jti, Instant expires) {
    long now = Docs.micros(clock.instant());
    return db.inWrite(
        c -> {
          PreparedStatement prune = c.ps("DELETE FROM oauth_assertions WHERE expires < ?");
          prune.setLong(1, now);
          prune.executeUpdate();
          PreparedStatement ps =
              c.ps(
                  "INSERT INTO oauth_assertions (client_id, jti, expires) VALUES (?, ?, ?)"
                      + " ON CONFLICT (client_id, jti) DO NOTHING");
          ps.setString(1, clientId);
          ps.setString(2, jti);
          ps.setLong(3, Docs.micros(expires));
          return ps.executeUpdate() == 1;
        });
  }
}
