-- Clients: the same tables as sqlite/V9__clients.sql (docs/decisions/0014-clients-and-tokens.md).
CREATE TABLE clients (
  id      TEXT COLLATE "C" PRIMARY KEY,
  tenant  TEXT COLLATE "C" NOT NULL,
  name    TEXT   NOT NULL,
  scopes  TEXT   NOT NULL,
  created BIGINT NOT NULL,
  deleted BIGINT
);
CREATE INDEX clients_by_tenant ON clients (tenant, name);

ALTER TABLE credentials ADD COLUMN client_id TEXT COLLATE "C";
ALTER TABLE credentials ADD COLUMN kind TEXT NOT NULL DEFAULT 'bearer';
ALTER TABLE credentials ADD COLUMN hint TEXT NOT NULL DEFAULT '';
ALTER TABLE credentials ADD COLUMN last_used BIGINT;

INSERT INTO clients (id, tenant, name, scopes, created, deleted)
  SELECT id, tenant, name,
         CASE WHEN name = 'bootstrap' THEN 'scim:read scim:write admin' ELSE 'scim:read scim:write' END,
         created, revoked
    FROM credentials;
UPDATE credentials SET client_id = id;
CREATE INDEX credentials_by_client ON credentials (client_id);
