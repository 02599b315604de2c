package io.scimd.store.jdbc;

import io.scimd.store.Credentials;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * Credentials in the {@code credentials} table. Only hashes are stored; a revoked or expired
 * credential is never found by its hash and not listed.
 */
final class JdbcCredentials implements Credentials {
  private final ConnRunner db;
  private final String tenant;
  private final InstantSource clock;

  JdbcCredentials(ConnRunner db, String tenant, InstantSource clock) {
    this.db = db;
    this.tenant = tenant;
    this.clock = clock;
  }

  @Override
  public Credential create(String name, String tokenHash, @Nullable Instant expires) {
    String id = UUID.randomUUID().toString();
    long created = Docs.micros(clock.instant());
    return db.inWrite(
        c -> {
          PreparedStatement ps =
              c.ps(
                  "INSERT INTO credentials (id, tenant, name, token_hash, created, expires)"
                      + " VALUES (?, ?, ?, ?, ?, ?)");
          ps.setString(1, id);
          ps.setString(2, tenant);
          ps.setString(3, name);
          ps.setString(4, tokenHash);
          ps.setLong(5, created);
          if (expires == null) {
            ps.setNull(6, Types.BIGINT);
          } else {
            ps.setLong(6, Docs.micros(expires));
          }
          ps.executeUpdate();
          return new Credential(id, name, tokenHash, Docs.instant(created), expires);
        });
  }

  @Override
  public Optional<Credential> findByTokenHash(String tokenHash) {
    long now = Docs.micros(clock.instant());
    return db.inRead(
        c -> {
          PreparedStatement ps =
              c.ps(
                  "SELECT id, name, token_hash, created, expires FROM credentials"
                      + " WHERE token_hash = ? AND tenant = ? AND revoked IS NULL"
                      + " AND (expires IS NULL OR expires > ?)");
          ps.setString(1, tokenHash);
          ps.setString(2, tenant);
          ps.setLong(3, now);
          try (ResultSet rs = ps.executeQuery()) {
            return rs.next() ? Optional.of(credential(rs)) : Optional.empty();
          }
        });
  }

  @Override
  public List<Credential> list() {
    long now = Docs.micros(clock.instant());
    return db.inRead(
        c -> {
          PreparedStatement ps =
              c.ps(
                  "SELECT id, name, token_hash, created, expires FROM credentials"
                      + " WHERE tenant = ? AND revoked IS NULL AND (expires IS NULL OR expires > ?)"
                      + " ORDER BY created, id");
          ps.setString(1, tenant);
          ps.setLong(2, now);
          List<Credential> out = new ArrayList<>();
          try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
              out.add(credential(rs));
            }
          }
          return out;
        });
  }

  @Override
  public boolean revoke(String id) {
    long now = Docs.micros(clock.instant());
    return db.inWrite(
        c -> {
          PreparedStatement ps =
              c.ps(
                  "UPDATE credentials SET revoked = ? WHERE id = ? AND tenant = ? AND revoked IS NULL");
          ps.setLong(1, now);
          ps.setString(2, id);
          ps.setString(3, tenant);
          return ps.executeUpdate() > 0;
        });
  }

  private static Credential credential(ResultSet rs) throws SQLException {
    long expires = rs.getLong(5);
    Instant exp = rs.wasNull() ? null : Docs.instant(expires);
    return new Credential(
        rs.getString(1), rs.getString(2), rs.getString(3), Docs.instant(rs.getLong(4)), exp);
  }
}
