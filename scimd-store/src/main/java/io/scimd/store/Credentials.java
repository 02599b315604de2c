package io.scimd.store;

import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Clients and their credentials (docs/decisions/0014-clients-and-tokens.md). A client is an IdP or
 * tool that calls scimd: it belongs to one tenant, holds scopes, and has one or more credentials,
 * each a bearer token or an OAuth client secret, stored only as a hash (the caller hashes; the
 * store never sees a secret). Every change here is journaled in the client's tenant, in the same
 * transaction, by the {@link Scope}'s principal: the audit trail shows who issued, rotated and
 * revoked what.
 */
public interface Credentials {
  /** The journal's resource type of a client's changes. */
  String CLIENT_TYPE = "Client";

  /** The journal's resource type of a credential's changes. */
  String CREDENTIAL_TYPE = "Credential";

  /** What a credential is good for. */
  enum Kind {
    /** A bearer token, sent as {@code Authorization: Bearer} to the SCIM and admin endpoints. */
    BEARER,
    /** An OAuth client secret: only exchanged at the token endpoint for an access token. */
    SECRET;

    /** The stored name: {@code bearer}, {@code secret}. */
    public String wire() {
      return name().toLowerCase(Locale.ROOT);
    }

    public static Kind ofWire(String wire) {
      return valueOf(wire.toUpperCase(Locale.ROOT));
    }
  }

  /**
   * A client.
   *
   * @param id its id, also its OAuth {@code client_id}
   * @param scopes what it may do ({@code scim:read}, {@code scim:write}, per type {@code
   *     scim:read:User}, {@code admin})
   */
  record Client(
      String id,
      String tenant,
      String name,
      Set<String> scopes,
      Instant created,
      @Nullable AssertionKeys assertionKeys) {
    public Client {
      scopes = Set.copyOf(scopes);
    }
  }

  /**
   * The keys a client signs its OAuth client assertions with (RFC 7523, {@code private_key_jwt}): a
   * JWK Set inline or at a URL, and what the assertion's {@code iss} and {@code sub} must be when
   * not the client id (an IdP that signs for the app, as Entra ID's workload identity federation
   * does).
   */
  record AssertionKeys(
      @Nullable String jwks,
      @Nullable String jwksUri,
      @Nullable String issuer,
      @Nullable String subject) {
    public AssertionKeys {
      if ((jwks == null) == (jwksUri == null)) {
        throw new IllegalArgumentException("give the client's keys inline or by URL, not both");
      }
    }
  }

  /**
   * A live credential as stored, with its client.
   *
   * @param hint the first characters of the secret (its prefix and a few more), for people to tell
   *     credentials apart; never enough to use
   * @param lastUsed when it last authenticated a request, to about a minute
   */
  record Credential(
      String id,
      Client client,
      Kind kind,
      String hint,
      String tokenHash,
      Instant created,
      @Nullable Instant expires,
      @Nullable Instant lastUsed) {

    public String tenant() {
      return client.tenant();
    }
  }

  /**
   * Creates a client in {@code by}'s tenant.
   *
   * @throws IllegalArgumentException when there is no such tenant, or a live client of that name
   *     exists in it
   */
  Client createClient(
      Scope by, String name, Set<String> scopes, @Nullable AssertionKeys assertionKeys);

  /** {@link #createClient(Scope, String, Set, AssertionKeys)} without assertion keys. */
  default Client createClient(Scope by, String name, Set<String> scopes) {
    return createClient(by, name, scopes, null);
  }

  /** The live client of {@code by}'s tenant with that id, or else with that name (when one). */
  Optional<Client> client(String tenant, String idOrName);

  /** The live client with that id, whatever its tenant (client ids are unique). */
  Optional<Client> clientById(String id);

  /** The tenant's live clients, by name. */
  List<Client> clients(String tenant);

  /** Deletes a client of {@code by}'s tenant and revokes its credentials; false if none. */
  boolean deleteClient(Scope by, String clientId);

  /**
   * Stores a new credential of a live client of {@code by}'s tenant.
   *
   * @param maxLive the most live credentials of that kind the client may hold, this one included
   * @throws IllegalArgumentException when there is no such client
   * @throws IllegalStateException when the client holds {@code maxLive} live credentials already
   */
  Credential issue(
      Scope by,
      String clientId,
      Kind kind,
      String tokenHash,
      String hint,
      @Nullable Instant expires,
      int maxLive);

  /**
   * Issues a new credential ({@link #issue}) and ends the client's other live credentials of that
   * kind at {@code overlapEnd} (or keeps their earlier expiry), in one transaction: the old ones
   * keep working until the new one is deployed.
   *
   * @return the new credential, and the others with their new expiry
   */
  Rotation rotate(
      Scope by,
      String clientId,
      Kind kind,
      String tokenHash,
      String hint,
      @Nullable Instant expires,
      Instant overlapEnd,
      int maxLive);

  /** What {@link #rotate} did. */
  record Rotation(Credential issued, List<Credential> ending) {
    public Rotation {
      ending = List.copyOf(ending);
    }
  }

  /** Revokes a credential of {@code by}'s tenant at once; false when there is no live one. */
  boolean revoke(Scope by, String credentialId);

  /** The live credentials of one client of a tenant, oldest first. */
  List<Credential> credentials(String tenant, String clientId);

  /**
   * The live credential of a token hash, whatever its tenant (hashes are unique across tenants), of
   * a live client.
   */
  Optional<Credential> findByTokenHash(String tokenHash);

  /**
   * What became of the credentials of some token hashes, whether they still work or not: expired,
   * revoked, of a deleted client. For the audit of failed authentications, which names the
   * credential a failing token was. Hashes no credential has are absent.
   */
  Map<String, Lapsed> lapsed(Collection<String> tokenHashes);

  /**
   * A credential as {@link #lapsed} finds it.
   *
   * @param revoked when it was revoked; null when it was not
   * @param clientDeleted when its client was deleted; null when it was not
   */
  record Lapsed(
      String id,
      String tenant,
      String clientId,
      String clientName,
      Kind kind,
      String hint,
      @Nullable Instant expires,
      @Nullable Instant revoked,
      @Nullable Instant clientDeleted) {}

  /** Every live credential of every tenant, by tenant, then in creation order. */
  List<Credential> list();

  /**
   * Records when credentials were last used. Not journaled: it is bookkeeping, not a change anyone
   * made, and it is written at most about once a minute per credential.
   */
  void touch(Map<String, Instant> lastUsedById);
}
