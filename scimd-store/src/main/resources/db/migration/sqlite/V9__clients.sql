-- Clients: an IdP or tool that calls scimd, in one tenant, with scopes and one or more secrets
-- (docs/decisions/0014-clients-and-tokens.md). A credential row is one secret of one client: a
-- bearer token (kind 'bearer') or an OAuth client secret (kind 'secret', only good at
-- /oauth/token). A deleted client is kept (deleted set) so that journal entries naming it keep a
-- name; its credentials are revoked with it. scopes is space-separated (scim:read, scim:write,
-- scim:read:<ResourceType>, scim:write:<ResourceType>, admin). Times are epoch microseconds.
CREATE TABLE clients (
  id      TEXT    PRIMARY KEY,
  tenant  TEXT    NOT NULL,
  name    TEXT    NOT NULL,
  scopes  TEXT    NOT NULL,
  created INTEGER NOT NULL,
  deleted INTEGER
) WITHOUT ROWID;
CREATE INDEX clients_by_tenant ON clients (tenant, name);

ALTER TABLE credentials ADD COLUMN client_id TEXT;
ALTER TABLE credentials ADD COLUMN kind TEXT NOT NULL DEFAULT 'bearer';
ALTER TABLE credentials ADD COLUMN hint TEXT NOT NULL DEFAULT '';
ALTER TABLE credentials ADD COLUMN last_used INTEGER;

-- Every credential of before becomes a client of its own, with the access it had: all of SCIM;
-- the bootstrap credential also administers the tenant.
INSERT INTO clients (id, tenant, name, scopes, created, deleted)
  SELECT id, tenant, name,
         CASE WHEN name = 'bootstrap' THEN 'scim:read scim:write admin' ELSE 'scim:read scim:write' END,
         created, revoked
    FROM credentials;
UPDATE credentials SET client_id = id;
CREATE INDEX credentials_by_client ON credentials (client_id);
