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
 * Credentials in the {@code credentials} table, each of one tenant. Only hashes are stored; a
 * revoked or expired credential is never found by its hash and not listed.
 */
final class JdbcCredentials implements Credentials {
  private static final String COLUMNS = "id, tenant, name, token_hash, created, expires";

  private final ConnRunner db;
  private final Dialect dialect;
  private final InstantSource clock;

  JdbcCredentials(ConnRunner db, Dialect dialect, InstantSource clock) {
    this.db = db;
    this.dialect = dialect;
    this.clock = clock;
  }

  @Override
  public Credential create(
      String tenant, String name, String tokenHash, @Nullable Instant expires) {
    String id = UUID.randomUUID().toString();
    long created = Docs.micros(clock.instant());
    return db.inWrite(
        c -> {
          // The tenant row, held against a concurrent delete of the tenant until this commits.
          PreparedStatement exists =
              c.ps("SELECT 1 FROM tenants WHERE name = ?" + dialect.forKeyShare());
          exists.setString(1, tenant);
          try (ResultSet rs = exists.executeQuery()) {
            if (!rs.next()) {
              throw new IllegalArgumentException(
                  "no tenant '"
                      + tenant
                      + "': create it first (scimd tenant create "
                      + tenant
                      + ")");
            }
          }
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
          return new Credential(id, tenant, name, tokenHash, Docs.instant(created), expires);
        });
  }

  @Override
  public Optional<Credential> findByTokenHash(String tokenHash) {
    long now = Docs.micros(clock.instant());
    return db.inRead(
        c -> {
          PreparedStatement ps =
              c.ps(
                  "SELECT "
                      + COLUMNS
                      + " FROM credentials"
                      + " WHERE token_hash = ? AND revoked IS NULL AND (expires IS NULL OR expires > ?)");
          ps.setString(1, tokenHash);
          ps.setLong(2, now);
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
                  "SELECT "
                      + COLUMNS
                      + " FROM credentials"
                      + " WHERE revoked IS NULL AND (expires IS NULL OR expires > ?)"
                      + " ORDER BY tenant, created, id");
          ps.setLong(1, now);
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
              c.ps("UPDATE credentials SET revoked = ? WHERE id = ? AND revoked IS NULL");
          ps.setLong(1, now);
          ps.setString(2, id);
          return ps.executeUpdate() > 0;
        });
  }

  private static Credential credential(ResultSet rs) throws SQLException {
    long expires = rs.getLong(6);
    Instant exp = rs.wasNull() ? null : Docs.instant(expires);
    return new Credential(
        rs.getString(1),
        rs.getString(2),
        rs.getString(3),
        rs.getString(4),
        Docs.instant(rs.getLong(5)),
        exp);
  }
}
