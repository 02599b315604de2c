package io.scimd.store.jdbc;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.scimd.store.Change;
import io.scimd.store.Credentials;
import io.scimd.store.Scope;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * Clients in the {@code clients} table and their credentials in {@code credentials}, each of one
 * tenant. Only hashes are stored; a revoked or expired credential, or one of a deleted client, is
 * never found by its hash and not listed. Every change runs in a write transaction of the client's
 * tenant ({@link JdbcTx}) and is journaled there with resource type {@value #CLIENT} or {@value
 * #CREDENTIAL}: the audit trail chains credential changes with the directory changes they enabled.
 */
final class JdbcCredentials implements Credentials {
  /** The journal's resource type for a client's changes. */
  static final String CLIENT = CLIENT_TYPE;

  /** The journal's resource type for a credential's changes. */
  static final String CREDENTIAL = CREDENTIAL_TYPE;

  private static final String CLIENT_COLUMNS =
      "k.id, k.tenant, k.name, k.scopes, k.created,"
          + " k.jwks, k.jwks_uri, k.assertion_issuer, k.assertion_subject";
  private static final String COLUMNS =
      "c.id, c.kind, c.hint, c.token_hash, c.created, c.expires, c.last_used, " + CLIENT_COLUMNS;
  private static final String FROM =
      " FROM credentials c JOIN clients k ON k.id = c.client_id"
          + " WHERE c.revoked IS NULL AND (c.expires IS NULL OR c.expires > ?)"
          + " AND k.deleted IS NULL";

  private final ConnRunner db;
  private final JdbcTenants.TxWriter writer;
  private final Dialect dialect;
  private final InstantSource clock;

  JdbcCredentials(
      ConnRunner db, JdbcTenants.TxWriter writer, Dialect dialect, InstantSource clock) {
    this.db = db;
    this.writer = writer;
    this.dialect = dialect;
    this.clock = clock;
  }

  @Override
  public Client createClient(
      Scope by, String name, Set<String> scopes, @Nullable AssertionKeys keys) {
    String id = UUID.randomUUID().toString();
    return writer.write(
        by,
        tx ->
            JdbcTx.sql(
                () -> {
                  Conn c = tx.conn();
                  String tenant = by.tenant();
                  // The tenant row, held against a concurrent delete of the tenant until commit.
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
                  long now = tx.tick();
                  if (byName(c, tenant, name).isPresent()) {
                    throw new IllegalArgumentException(
                        "the tenant '" + tenant + "' has a client named '" + name + "' already");
                  }
                  PreparedStatement ps =
                      c.ps(
                          "INSERT INTO clients (id, tenant, name, scopes, created, jwks, jwks_uri,"
                              + " assertion_issuer, assertion_subject)"
                              + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
                  ps.setString(1, id);
                  ps.setString(2, tenant);
                  ps.setString(3, name);
                  ps.setString(4, String.join(" ", new TreeSet<>(scopes)));
                  ps.setLong(5, now);
                  ps.setString(6, keys == null ? null : keys.jwks());
                  ps.setString(7, keys == null ? null : keys.jwksUri());
                  ps.setString(8, keys == null ? null : keys.issuer());
                  ps.setString(9, keys == null ? null : keys.subject());
                  ps.executeUpdate();
                  Client client = new Client(id, tenant, name, scopes, Docs.instant(now), keys);
                  tx.journal(new Change.Created(CLIENT, id, describe(client), List.of()), now);
                  return client;
                }));
  }

  @Override
  public Optional<Client> client(String tenant, String idOrName) {
    return db.inRead(
        c -> {
          PreparedStatement ps =
              c.ps(
                  "SELECT "
                      + CLIENT_COLUMNS
                      + " FROM clients k WHERE k.id = ? AND k.tenant = ? AND k.deleted IS NULL");
          ps.setString(1, idOrName);
          ps.setString(2, tenant);
          try (ResultSet rs = ps.executeQuery()) {
            if (rs.next()) {
              return Optional.of(client(rs, 1));
            }
          }
          return byName(c, tenant, idOrName);
        });
  }

  /**
   * The live client of that name; empty when there is none, or several (clients that existed before
   * there were clients were made one per credential, and may share a name).
   */
  private static Optional<Client> byName(Conn c, String tenant, String name) throws SQLException {
    PreparedStatement ps =
        c.ps(
            "SELECT "
                + CLIENT_COLUMNS
                + " FROM clients k WHERE k.tenant = ? AND k.name = ? AND k.deleted IS NULL");
    ps.setString(1, tenant);
    ps.setString(2, name);
    try (ResultSet rs = ps.executeQuery()) {
      if (!rs.next()) {
        return Optional.empty();
      }
      Client found = client(rs, 1);
      return rs.next() ? Optional.empty() : Optional.of(found);
    }
  }

  @Override
  public Optional<Client> clientById(String id) {
    return db.inRead(
        c -> {
          PreparedStatement ps =
              c.ps(
                  "SELECT "
                      + CLIENT_COLUMNS
                      + " FROM clients k WHERE k.id = ? AND k.deleted IS NULL");
          ps.setString(1, id);
          try (ResultSet rs = ps.executeQuery()) {
            return rs.next() ? Optional.of(client(rs, 1)) : Optional.<Client>empty();
          }
        });
  }

  @Override
  public List<Client> clients(String tenant) {
    return db.inRead(
        c -> {
          PreparedStatement ps =
              c.ps(
                  "SELECT "
                      + CLIENT_COLUMNS
                      + " FROM clients k WHERE k.tenant = ? AND k.deleted IS NULL"
                      + " ORDER BY k.name, k.created, k.id");
          ps.setString(1, tenant);
          List<Client> out = new ArrayList<>();
          try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
              out.add(client(rs, 1));
            }
          }
          return out;
        });
  }

  @Override
  public boolean deleteClient(Scope by, String clientId) {
    return writer.write(
        by,
        tx ->
            JdbcTx.sql(
                () -> {
                  Conn c = tx.conn();
                  long now = tx.tick();
                  Optional<Client> client = lockClient(c, by.tenant(), clientId);
                  if (client.isEmpty()) {
                    return false;
                  }
                  for (Credential cr : live(c, client.get(), now)) {
                    revoke(tx, cr.id(), now);
                  }
                  PreparedStatement ps = c.ps("UPDATE clients SET deleted = ? WHERE id = ?");
                  ps.setLong(1, now);
                  ps.setString(2, clientId);
                  ps.executeUpdate();
                  tx.journal(
                      new Change.Deleted(CLIENT, clientId, 0, describe(client.get()), List.of()),
                      now);
                  return true;
                }));
  }

  @Override
  public Credential issue(
      Scope by,
      String clientId,
      Kind kind,
      String tokenHash,
      String hint,
      @Nullable Instant expires,
      int maxLive) {
    return writer.write(
        by,
        tx ->
            JdbcTx.sql(
                () -> {
                  long now = tx.tick();
                  Client client = liveClient(tx.conn(), by.tenant(), clientId);
                  return issue(tx, client, kind, tokenHash, hint, expires, maxLive, now);
                }));
  }

  @Override
  public Rotation rotate(
      Scope by,
      String clientId,
      Kind kind,
      String tokenHash,
      String hint,
      @Nullable Instant expires,
      Instant overlapEnd,
      int maxLive) {
    return writer.write(
        by,
        tx ->
            JdbcTx.sql(
                () -> {
                  Conn c = tx.conn();
                  long now = tx.tick();
                  Client client = liveClient(c, by.tenant(), clientId);
                  List<Credential> before =
                      live(c, client, now).stream().filter(cr -> cr.kind() == kind).toList();
                  long end = Math.max(now, Docs.micros(overlapEnd));
                  List<Credential> ending = new ArrayList<>();
                  for (Credential old : before) {
                    if (old.expires() != null && Docs.micros(old.expires()) <= end) {
                      ending.add(old); // ends before the overlap would anyway
                      continue;
                    }
                    PreparedStatement ps = c.ps("UPDATE credentials SET expires = ? WHERE id = ?");
                    ps.setLong(1, end);
                    ps.setString(2, old.id());
                    ps.executeUpdate();
                    tx.journal(
                        new Change.Patched(
                            CREDENTIAL,
                            old.id(),
                            0,
                            List.of(
                                new Change.AttributeChange(
                                    "expires",
                                    old.expires() == null
                                        ? null
                                        : TextNode.valueOf(old.expires().toString()),
                                    TextNode.valueOf(Docs.instant(end).toString()),
                                    false))),
                        now);
                    ending.add(
                        new Credential(
                            old.id(),
                            old.client(),
                            old.kind(),
                            old.hint(),
                            old.tokenHash(),
                            old.created(),
                            Docs.instant(end),
                            old.lastUsed()));
                  }
                  // The ones that end count against the limit until they do: the overlap is real.
                  Credential issued =
                      issue(tx, client, kind, tokenHash, hint, expires, maxLive, now);
                  return new Rotation(issued, ending);
                }));
  }

  private Credential issue(
      JdbcTx tx,
      Client client,
      Kind kind,
      String tokenHash,
      String hint,
      @Nullable Instant expires,
      int maxLive,
      long now)
      throws SQLException {
    Conn c = tx.conn();
    long held = live(c, client, now).stream().filter(cr -> cr.kind() == kind).count();
    if (held >= maxLive) {
      throw new IllegalStateException(
          "the client '"
              + client.name()
              + "' holds "
              + held
              + " live "
              + (kind == Kind.BEARER ? "tokens" : "client secrets")
              + ", the most allowed ("
              + maxLive
              + "); revoke one first");
    }
    String id = UUID.randomUUID().toString();
    PreparedStatement ps =
        c.ps(
            "INSERT INTO credentials"
                + " (id, tenant, name, token_hash, created, expires, client_id, kind, hint)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
    ps.setString(1, id);
    ps.setString(2, client.tenant());
    ps.setString(3, client.name());
    ps.setString(4, tokenHash);
    ps.setLong(5, now);
    if (expires == null) {
      ps.setNull(6, Types.BIGINT);
    } else {
      ps.setLong(6, Docs.micros(expires));
    }
    ps.setString(7, client.id());
    ps.setString(8, kind.wire());
    ps.setString(9, hint);
    ps.executeUpdate();
    Credential issued =
        new Credential(id, client, kind, hint, tokenHash, Docs.instant(now), expires, null);
    ObjectNode attrs = Docs.MAPPER.createObjectNode();
    attrs.put("client", client.id());
    attrs.put("clientName", client.name());
    attrs.put("kind", kind.wire());
    attrs.put("hint", hint);
    if (expires != null) {
      attrs.put("expires", expires.toString());
    }
    tx.journal(new Change.Created(CREDENTIAL, id, attrs, List.of()), now);
    return issued;
  }

  @Override
  public boolean revoke(Scope by, String credentialId) {
    return writer.write(
        by,
        tx ->
            JdbcTx.sql(
                () -> {
                  long now = tx.tick();
                  PreparedStatement ps =
                      tx.conn()
                          .ps(
                              "SELECT 1 FROM credentials WHERE id = ? AND tenant = ?"
                                  + " AND revoked IS NULL AND (expires IS NULL OR expires > ?)");
                  ps.setString(1, credentialId);
                  ps.setString(2, by.tenant());
                  ps.setLong(3, now);
                  try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                      return false;
                    }
                  }
                  revoke(tx, credentialId, now);
                  return true;
                }));
  }

  private static void revoke(JdbcTx tx, String credentialId, long now) throws SQLException {
    PreparedStatement ps =
        tx.conn().ps("UPDATE credentials SET revoked = ? WHERE id = ? AND revoked IS NULL");
    ps.setLong(1, now);
    ps.setString(2, credentialId);
    ps.executeUpdate();
    tx.journal(revoked(credentialId, now), now);
  }

  private static Change revoked(String credentialId, long now) {
    return new Change.Patched(
        CREDENTIAL,
        credentialId,
        0,
        List.of(
            new Change.AttributeChange(
                "revoked", null, TextNode.valueOf(Docs.instant(now).toString()), false)));
  }

  @Override
  public List<Credential> credentials(String tenant, String clientId) {
    long now = Docs.micros(clock.instant());
    return db.inRead(
        c -> {
          PreparedStatement ps =
              c.ps(
                  "SELECT "
                      + COLUMNS
                      + FROM
                      + " AND k.tenant = ? AND k.id = ? ORDER BY c.created, c.id");
          ps.setLong(1, now);
          ps.setString(2, tenant);
          ps.setString(3, clientId);
          return credentials(ps);
        });
  }

  @Override
  public Optional<Credential> findByTokenHash(String tokenHash) {
    long now = Docs.micros(clock.instant());
    return db.inRead(
        c -> {
          PreparedStatement ps = c.ps("SELECT " + COLUMNS + FROM + " AND c.token_hash = ?");
          ps.setLong(1, now);
          ps.setString(2, tokenHash);
          List<Credential> found = credentials(ps);
          return found.isEmpty() ? Optional.empty() : Optional.of(found.get(0));
        });
  }

  @Override
  public Map<String, Lapsed> lapsed(Collection<String> tokenHashes) {
    List<String> hashes = new ArrayList<>(new LinkedHashSet<>(tokenHashes));
    Map<String, Lapsed> out = new java.util.HashMap<>();
    if (hashes.isEmpty()) {
      return out;
    }
    int chunk = 100;
    return db.inRead(
        c -> {
          // One statement text for every chunk, padded with nulls, which match nothing.
          PreparedStatement ps =
              c.ps(
                  "SELECT c.token_hash, c.id, k.tenant, k.id, k.name, c.kind, c.hint, c.expires,"
                      + " c.revoked, k.deleted FROM credentials c JOIN clients k ON k.id = c.client_id"
                      + " WHERE c.token_hash IN (?"
                      + ", ?".repeat(chunk - 1)
                      + ")");
          for (int from = 0; from < hashes.size(); from += chunk) {
            for (int i = 0; i < chunk; i++) {
              if (from + i < hashes.size()) {
                ps.setString(i + 1, hashes.get(from + i));
              } else {
                ps.setNull(i + 1, Types.VARCHAR);
              }
            }
            try (ResultSet rs = ps.executeQuery()) {
              while (rs.next()) {
                out.put(
                    rs.getString(1),
                    new Lapsed(
                        rs.getString(2),
                        rs.getString(3),
                        rs.getString(4),
                        rs.getString(5),
                        Kind.ofWire(rs.getString(6)),
                        rs.getString(7),
                        instantOrNull(rs, 8),
                        instantOrNull(rs, 9),
                        instantOrNull(rs, 10)));
              }
            }
          }
          return out;
        });
  }

  private static @Nullable Instant instantOrNull(ResultSet rs, int column) throws SQLException {
    long micros = rs.getLong(column);
    return rs.wasNull() ? null : Docs.instant(micros);
  }

  @Override
  public List<Credential> list() {
    long now = Docs.micros(clock.instant());
    return db.inRead(
        c -> {
          PreparedStatement ps =
              c.ps("SELECT " + COLUMNS + FROM + " ORDER BY k.tenant, c.created, c.id");
          ps.setLong(1, now);
          return credentials(ps);
        });
  }

  @Override
  public void touch(Map<String, Instant> lastUsedById) {
    if (lastUsedById.isEmpty()) {
      return;
    }
    db.inWrite(
        c -> {
          PreparedStatement ps =
              c.ps(
                  "UPDATE credentials SET last_used = ?"
                      + " WHERE id = ? AND (last_used IS NULL OR last_used < ?)");
          for (Map.Entry<String, Instant> e : lastUsedById.entrySet()) {
            long at = Docs.micros(e.getValue());
            ps.setLong(1, at);
            ps.setString(2, e.getKey());
            ps.setLong(3, at);
            ps.addBatch();
          }
          return ps.executeBatch().length;
        });
  }

  /**
   * Journals, in a forced tenant deletion's transaction, the revocation of each of the tenant's
   * live credentials and the deletion of each of its clients, which the caller then carries out in
   * bulk.
   */
  static void journalTenantDeleted(JdbcTx tx, String tenant, long now) throws SQLException {
    Conn c = tx.conn();
    PreparedStatement creds =
        c.ps(
            "SELECT id FROM credentials WHERE tenant = ? AND revoked IS NULL"
                + " AND (expires IS NULL OR expires > ?) ORDER BY created, id");
    creds.setString(1, tenant);
    creds.setLong(2, now);
    List<String> ids = new ArrayList<>();
    try (ResultSet rs = creds.executeQuery()) {
      while (rs.next()) {
        ids.add(rs.getString(1));
      }
    }
    for (String id : ids) {
      tx.journal(revoked(id, now), now);
    }
    PreparedStatement clients =
        c.ps(
            "SELECT "
                + CLIENT_COLUMNS
                + " FROM clients k WHERE k.tenant = ? AND k.deleted IS NULL ORDER BY k.name, k.id");
    clients.setString(1, tenant);
    List<Client> gone = new ArrayList<>();
    try (ResultSet rs = clients.executeQuery()) {
      while (rs.next()) {
        gone.add(client(rs, 1));
      }
    }
    for (Client k : gone) {
      tx.journal(new Change.Deleted(CLIENT, k.id(), 0, describe(k), List.of()), now);
    }
  }

  /** The client's live credentials of every kind, oldest first, in the caller's transaction. */
  private static List<Credential> live(Conn c, Client client, long now) throws SQLException {
    PreparedStatement ps =
        c.ps("SELECT " + COLUMNS + FROM + " AND k.id = ? ORDER BY c.created, c.id");
    ps.setLong(1, now);
    ps.setString(2, client.id());
    return credentials(ps);
  }

  /**
   * The live client of the tenant with that id, locked until the transaction ends (two rotations of
   * one client at once take turns, so neither misses the other's token when it counts).
   */
  private Optional<Client> lockClient(Conn c, String tenant, String clientId) throws SQLException {
    PreparedStatement ps =
        c.ps(
            "SELECT "
                + CLIENT_COLUMNS
                + " FROM clients k WHERE k.id = ? AND k.tenant = ? AND k.deleted IS NULL"
                + dialect.forUpdate());
    ps.setString(1, clientId);
    ps.setString(2, tenant);
    try (ResultSet rs = ps.executeQuery()) {
      return rs.next() ? Optional.of(client(rs, 1)) : Optional.empty();
    }
  }

  private Client liveClient(Conn c, String tenant, String clientId) throws SQLException {
    return lockClient(c, tenant, clientId)
        .orElseThrow(
            () ->
                new IllegalArgumentException(
                    "no client '" + clientId + "' in the tenant '" + tenant + "'"));
  }

  private static List<Credential> credentials(PreparedStatement ps) throws SQLException {
    List<Credential> out = new ArrayList<>();
    try (ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        long expires = rs.getLong(6);
        Instant exp = rs.wasNull() ? null : Docs.instant(expires);
        long used = rs.getLong(7);
        Instant lastUsed = rs.wasNull() ? null : Docs.instant(used);
        out.add(
            new Credential(
                rs.getString(1),
                client(rs, 8),
                Kind.ofWire(rs.getString(2)),
                rs.getString(3),
                rs.getString(4),
                Docs.instant(rs.getLong(5)),
                exp,
                lastUsed));
      }
    }
    return out;
  }

  private static Client client(ResultSet rs, int at) throws SQLException {
    String scopes = rs.getString(at + 3);
    Set<String> set =
        scopes.isBlank()
            ? Set.of()
            : new LinkedHashSet<>(Arrays.asList(scopes.trim().split("\\s+")));
    String jwks = rs.getString(at + 5);
    String jwksUri = rs.getString(at + 6);
    AssertionKeys keys =
        jwks == null && jwksUri == null
            ? null
            : new AssertionKeys(jwks, jwksUri, rs.getString(at + 7), rs.getString(at + 8));
    return new Client(
        rs.getString(at),
        rs.getString(at + 1),
        rs.getString(at + 2),
        set,
        Docs.instant(rs.getLong(at + 4)),
        keys);
  }

  /** A client's attributes as the journal records them. */
  private static ObjectNode describe(Client client) {
    ObjectNode attrs = Docs.MAPPER.createObjectNode();
    attrs.put("name", client.name());
    ArrayNode scopes = attrs.putArray("scopes");
    new TreeSet<>(client.scopes()).forEach(scopes::add);
    AssertionKeys keys = client.assertionKeys();
    if (keys != null) {
      // Public keys only: a JWK Set a client registers holds no secret.
      ObjectNode k = attrs.putObject("assertionKeys");
      k.put("jwks", keys.jwks());
      k.put("jwksUri", keys.jwksUri());
      k.put("issuer", keys.issuer());
      k.put("subject", keys.subject());
    }
    return attrs;
  }
}
