-- OAuth: the same as sqlite/V10__oauth.sql (docs/decisions/0016-oauth.md).
ALTER TABLE clients ADD COLUMN jwks TEXT;
ALTER TABLE clients ADD COLUMN jwks_uri TEXT;
ALTER TABLE clients ADD COLUMN assertion_issuer TEXT;
ALTER TABLE clients ADD COLUMN assertion_subject TEXT;

CREATE TABLE oauth_keys (
  kid     TEXT COLLATE "C" PRIMARY KEY,
  jwk     TEXT   NOT NULL,
  created BIGINT NOT NULL
);

CREATE TABLE oauth_assertions (
  client_id TEXT COLLATE "C" NOT NULL,
  jti       TEXT COLLATE "C" NOT NULL,
  expires   BIGINT NOT NULL,
  PRIMARY KEY (client_id, jti)
);
CREATE INDEX oauth_assertions_by_expiry ON oauth_assertions (expires);
