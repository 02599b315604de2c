-- OAuth (docs/decisions/0016-oauth.md). A client may authenticate at /oauth/token with a signed
-- client assertion (RFC 7523, private_key_jwt), checked against its keys: a JWK Set given inline
-- (jwks) or by URL (jwks_uri, e.g. an IdP tenant's published keys). assertion_issuer and
-- assertion_subject are what the assertion's iss and sub must be when not the client id (workload
-- identity federation: the IdP signs for the app).
ALTER TABLE clients ADD COLUMN jwks TEXT;
ALTER TABLE clients ADD COLUMN jwks_uri TEXT;
ALTER TABLE clients ADD COLUMN assertion_issuer TEXT;
ALTER TABLE clients ADD COLUMN assertion_subject TEXT;

-- The public keys that sign scimd's access tokens: each node signs with a private key of its own,
-- kept in its data directory, and publishes the public half here, so every node verifies every
-- node's tokens and /oauth/jwks lists them all. created is epoch microseconds.
CREATE TABLE oauth_keys (
  kid     TEXT    PRIMARY KEY,
  jwk     TEXT    NOT NULL,
  created INTEGER NOT NULL
) WITHOUT ROWID;

-- Client assertions already used, until they expire: an assertion is good once (RFC 7523 §3).
CREATE TABLE oauth_assertions (
  client_id TEXT    NOT NULL,
  jti       TEXT    NOT NULL,
  expires   INTEGER NOT NULL,
  PRIMARY KEY (client_id, jti)
) WITHOUT ROWID;
CREATE INDEX oauth_assertions_by_expiry ON oauth_assertions (expires);
