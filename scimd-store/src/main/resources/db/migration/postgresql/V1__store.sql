-- The store's tables on PostgreSQL: the same tables and columns as db/migration/sqlite/V1__store.sql
-- (see docs/decisions/0005-store-on-postgresql.md). Times are epoch microseconds; folded columns
-- hold Locale.ROOT lower case. Text columns that are compared or sorted use COLLATE "C" (code point
-- order, as Java and SQLite's BINARY compare), whatever the database's default collation is.

CREATE TABLE resources (
  seq                 BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, -- stable default order and cursor key
  tenant              TEXT COLLATE "C" NOT NULL DEFAULT 'default',
  type                TEXT COLLATE "C" NOT NULL,
  id                  TEXT COLLATE "C" NOT NULL,
  version             BIGINT NOT NULL CHECK (version >= 1),
  created             BIGINT NOT NULL,
  last_modified       BIGINT NOT NULL,
  external_id         TEXT COLLATE "C",
  user_name_folded    TEXT COLLATE "C",
  display_name_folded TEXT COLLATE "C",
  display             TEXT,
  doc                 JSONB  NOT NULL
);
CREATE UNIQUE INDEX resources_by_id ON resources (tenant, type, id);
CREATE INDEX resources_by_external_id ON resources (tenant, type, external_id);
CREATE INDEX resources_by_user_name ON resources (tenant, type, user_name_folded);
CREATE INDEX resources_by_display_name ON resources (tenant, type, display_name_folded);
CREATE INDEX resources_by_last_modified ON resources (tenant, type, last_modified, seq);
CREATE INDEX resources_by_created ON resources (tenant, type, created, seq);

-- uniqueness: server/global attributes, enforced by the primary key, never by read-then-write:
-- a second node inserting the same value waits for the first's commit, then fails (409).
CREATE TABLE unique_values (
  tenant       TEXT COLLATE "C" NOT NULL,
  type         TEXT COLLATE "C" NOT NULL,
  attribute    TEXT COLLATE "C" NOT NULL,
  value_folded TEXT COLLATE "C" NOT NULL,
  id           TEXT COLLATE "C" NOT NULL,
  PRIMARY KEY (tenant, type, attribute, value_folded)
);
CREATE INDEX unique_values_by_id ON unique_values (tenant, type, id);

-- Group membership: one row per (group, member), indexed both ways. seq comes from one sequence:
-- insertion order within a group without reading the group (no MAX(seq) race between nodes).
CREATE TABLE members (
  tenant      TEXT COLLATE "C" NOT NULL,
  group_id    TEXT COLLATE "C" NOT NULL,
  member_id   TEXT COLLATE "C" NOT NULL,
  member_type TEXT COLLATE "C" NOT NULL,
  seq         BIGINT GENERATED ALWAYS AS IDENTITY, -- insertion order within the group
  PRIMARY KEY (tenant, group_id, member_id)
);
CREATE INDEX members_by_member ON members (tenant, member_id);
CREATE INDEX members_in_order ON members (tenant, group_id, seq);

CREATE TABLE credentials (
  id         TEXT COLLATE "C" PRIMARY KEY,
  tenant     TEXT COLLATE "C" NOT NULL DEFAULT 'default',
  name       TEXT    NOT NULL,
  token_hash TEXT COLLATE "C" NOT NULL UNIQUE,
  created    BIGINT  NOT NULL,
  expires    BIGINT,
  revoked    BIGINT
);

-- The write clock of each tenant (PostgreSQL only: SQLite's one writer keeps it in memory). Every
-- write takes micros = GREATEST(micros + 1, its node's clock) under this row's lock, held until
-- commit: meta.lastModified is then strictly increasing in commit order across all nodes, so a
-- delta sync on "meta.lastModified gt T" never misses a change committed after it read T.
CREATE TABLE clocks (
  tenant TEXT COLLATE "C" PRIMARY KEY,
  micros BIGINT NOT NULL
);
INSERT INTO clocks (tenant, micros) VALUES ('default', 0);
