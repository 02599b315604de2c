-- The tenants: isolated directories in one store. Every tenant-scoped table (resources,
-- unique_values, members, resource_counts, journal, credentials) already carries the tenant in
-- its key; this table says which tenants exist. Names follow io.scimd.store.Tenants#NAME
-- ([a-z0-9-], 1 to 63 characters). The tenant of a single-tenant installation, 'default', exists
-- from here on and cannot be deleted. created is epoch microseconds.
CREATE TABLE tenants (
  name    TEXT    PRIMARY KEY,
  created INTEGER NOT NULL
) WITHOUT ROWID;

INSERT INTO tenants (name, created)
  VALUES ('default', CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER));

-- A tenant's credentials (counted when it is deleted, revoked when it is forced).
CREATE INDEX credentials_by_tenant ON credentials (tenant);
