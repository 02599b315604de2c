-- The change journal (docs/decisions/0007-change-journal.md): one row per change a committed write
-- made, numbered per tenant 1, 2, 3, ... in commit order across every node.
--
-- The number comes from clocks.journal_seq, incremented by the writing transaction and locked until
-- it commits (every writer already holds that row for meta.lastModified): numbers are given in
-- commit order, a rolled-back transaction gives its numbers back, and since a transaction becomes
-- visible before it releases its locks, every snapshot sees a gap-free prefix of the journal.
ALTER TABLE clocks ADD COLUMN journal_seq BIGINT NOT NULL DEFAULT 0;

CREATE TABLE journal (
  tenant         TEXT COLLATE "C" NOT NULL,
  seq            BIGINT NOT NULL,
  at             BIGINT NOT NULL, -- epoch microseconds of the write
  principal      TEXT   NOT NULL, -- kind:id, e.g. credential:<id>
  principal_name TEXT   NOT NULL,
  source         TEXT,            -- the client's address
  request_id     TEXT   NOT NULL,
  resource_type  TEXT COLLATE "C" NOT NULL,
  resource_id    TEXT COLLATE "C" NOT NULL,
  kind           TEXT   NOT NULL, -- created, replaced, patched, deleted, members_added, members_removed
  change         TEXT   NOT NULL, -- JSON text, not jsonb: the audit trail hashes these exact bytes
  PRIMARY KEY (tenant, seq)
);
-- One resource's history (the audit trail of a user, the access history of a group).
CREATE INDEX journal_by_resource ON journal (tenant, resource_type, resource_id, seq);
