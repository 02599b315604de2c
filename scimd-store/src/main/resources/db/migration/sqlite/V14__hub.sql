-- The provisioning hub (docs/decisions/0017-hub.md): each tenant's targets, each target's leased
-- cursor in the tenant's journal, the entries it dead-lettered, and the ids its resources have on
-- it. Times are epoch microseconds. The same tables as postgresql/V12__hub.sql.
CREATE TABLE targets (
  tenant        TEXT    NOT NULL,
  name          TEXT    NOT NULL,
  type          TEXT    NOT NULL,
  config        TEXT    NOT NULL,
  secrets       BLOB,
  paused_reason TEXT,
  created       INTEGER NOT NULL,
  updated       INTEGER NOT NULL,
  version       INTEGER NOT NULL,
  PRIMARY KEY (tenant, name)
) WITHOUT ROWID;

CREATE TABLE deliveries (
  tenant            TEXT    NOT NULL,
  target            TEXT    NOT NULL,
  next_seq          INTEGER NOT NULL,
  owner             TEXT,
  lease_until       INTEGER,
  attempts          INTEGER NOT NULL DEFAULT 0,
  retry_at          INTEGER,
  last_error        TEXT,
  last_error_at     INTEGER,
  last_delivered_at INTEGER,
  delivered         INTEGER NOT NULL DEFAULT 0,
  approved_seq      INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (tenant, target)
) WITHOUT ROWID;

CREATE TABLE dead_letters (
  tenant        TEXT    NOT NULL,
  target        TEXT    NOT NULL,
  seq           INTEGER NOT NULL,
  resource_type TEXT    NOT NULL,
  resource_id   TEXT    NOT NULL,
  attempts      INTEGER NOT NULL,
  error         TEXT    NOT NULL,
  at            INTEGER NOT NULL,
  replayed      INTEGER,
  PRIMARY KEY (tenant, target, seq)
) WITHOUT ROWID;

CREATE TABLE remote_ids (
  tenant        TEXT NOT NULL,
  target        TEXT NOT NULL,
  resource_type TEXT NOT NULL,
  resource_id   TEXT NOT NULL,
  remote_id     TEXT NOT NULL,
  PRIMARY KEY (tenant, target, resource_type, resource_id)
) WITHOUT ROWID;
