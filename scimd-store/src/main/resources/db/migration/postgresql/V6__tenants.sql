-- The tenants: isolated directories in one store (the same table as sqlite/V8__tenants.sql). Every
-- tenant-scoped table already carries the tenant in its key; this table says which tenants exist.
-- Names follow io.scimd.store.Tenants#NAME ([a-z0-9-], 1 to 63 characters). 'default' exists from
-- here on and cannot be deleted; its clocks row comes from V1. created is epoch microseconds.
--
-- A tenant's clocks row (V1, V3) is created with the tenant and deleted with it: a write that
-- authenticated just before the deletion then finds no clock and fails instead of leaving rows in
-- a tenant that no longer exists. Re-creating a name continues its journal numbering from the
-- entries that remain (the journal is append-only; a consumer's position stays valid).
CREATE TABLE tenants (
  name    TEXT COLLATE "C" PRIMARY KEY,
  created BIGINT NOT NULL
);

INSERT INTO tenants (name, created)
  VALUES ('default', (EXTRACT(EPOCH FROM clock_timestamp()) * 1000000)::BIGINT);

CREATE INDEX credentials_by_tenant ON credentials (tenant);
