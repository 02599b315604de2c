-- The provisioning hub (docs/decisions/0017-hub.md): each tenant's targets, each target's leased
-- cursor in the tenant's journal, the entries it dead-lettered, and the ids its resources have on
-- it. Times are epoch microseconds. The same tables as sqlite/V14__hub.sql.
CREATE TABLE targets (
  tenant        TEXT COLLATE "C" NOT NULL,
  name          TEXT COLLATE "C" NOT NULL,
  type          TEXT   NOT NULL,
  config        TEXT   NOT NULL,
  secrets       BYTEA,
  paused_reason TEXT,
  created       BIGINT NOT NULL,
  updated       BIGINT NOT NULL,
  version       BIGINT NOT NULL,
  PRIMARY KEY (tenant, name)
);

CREATE TABLE deliveries (
  tenant            TEXT COLLATE "C" NOT NULL,
  target            TEXT COLLATE "C" NOT NULL,
  next_seq          BIGINT NOT NULL,
  owner             TEXT,
  lease_until       BIGINT,
  attempts          INTEGER NOT NULL DEFAULT 0,
  retry_at          BIGINT,
  last_error        TEXT,
  last_error_at     BIGINT,
  last_delivered_at BIGINT,
  delivered         BIGINT NOT NULL DEFAULT 0,
  approved_seq      BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (tenant, target)
);

CREATE TABLE dead_letters (
  tenant        TEXT COLLATE "C" NOT NULL,
  target        TEXT COLLATE "C" NOT NULL,
  seq           BIGINT  NOT NULL,
  resource_type TEXT    NOT NULL,
  resource_id   TEXT    NOT NULL,
  attempts      INTEGER NOT NULL,
  error         TEXT    NOT NULL,
  at            BIGINT  NOT NULL,
  replayed      BIGINT,
  PRIMARY KEY (tenant, target, seq)
);

CREATE TABLE remote_ids (
  tenant        TEXT COLLATE "C" NOT NULL,
  target        TEXT COLLATE "C" NOT NULL,
  resource_type TEXT COLLATE "C" NOT NULL,
  resource_id   TEXT COLLATE "C" NOT NULL,
  remote_id     TEXT NOT NULL,
  PRIMARY KEY (tenant, target, resource_type, resource_id)
);
