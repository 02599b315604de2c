-- The store's tables (see docs/decisions/0004-store-on-sqlite.md).
-- Times are epoch microseconds; folded columns hold Locale.ROOT lower case for case-insensitive match.

CREATE TABLE resources (
  seq                 INTEGER PRIMARY KEY AUTOINCREMENT, -- stable default order and cursor key
  tenant              TEXT    NOT NULL DEFAULT 'default',
  type                TEXT    NOT NULL,
  id                  TEXT    NOT NULL,
  version             INTEGER NOT NULL CHECK (version >= 1),
  created             INTEGER NOT NULL,
  last_modified       INTEGER NOT NULL,
  external_id         TEXT,
  user_name_folded    TEXT,
  display_name_folded TEXT,
  display             TEXT,
  doc                 TEXT    NOT NULL
);
CREATE UNIQUE INDEX resources_by_id ON resources (tenant, type, id);
CREATE INDEX resources_by_external_id ON resources (tenant, type, external_id);
CREATE INDEX resources_by_user_name ON resources (tenant, type, user_name_folded);
CREATE INDEX resources_by_display_name ON resources (tenant, type, display_name_folded);
CREATE INDEX resources_by_last_modified ON resources (tenant, type, last_modified, seq);
CREATE INDEX resources_by_created ON resources (tenant, type, created, seq);

-- uniqueness: server/global attributes, enforced by the primary key, never by read-then-write.
CREATE TABLE unique_values (
  tenant       TEXT NOT NULL,
  type         TEXT NOT NULL,
  attribute    TEXT NOT NULL,
  value_folded TEXT NOT NULL,
  id           TEXT NOT NULL,
  PRIMARY KEY (tenant, type, attribute, value_folded)
);
CREATE INDEX unique_values_by_id ON unique_values (tenant, type, id);

-- Group membership: one row per (group, member), indexed both ways.
CREATE TABLE members (
  tenant      TEXT    NOT NULL,
  group_id    TEXT    NOT NULL,
  member_id   TEXT    NOT NULL,
  member_type TEXT    NOT NULL,
  seq         INTEGER NOT NULL, -- insertion order within the group
  PRIMARY KEY (tenant, group_id, member_id)
);
CREATE INDEX members_by_member ON members (tenant, member_id);
CREATE INDEX members_in_order ON members (tenant, group_id, seq);

CREATE TABLE credentials (
  id         TEXT    PRIMARY KEY,
  tenant     TEXT    NOT NULL DEFAULT 'default',
  name       TEXT    NOT NULL,
  token_hash TEXT    NOT NULL UNIQUE,
  created    INTEGER NOT NULL,
  expires    INTEGER,
  revoked    INTEGER
);
