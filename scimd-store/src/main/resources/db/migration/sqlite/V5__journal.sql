-- The change journal (docs/decisions/0007-change-journal.md): one row per change a committed write
-- made, numbered per tenant 1, 2, 3, ... in commit order. The single writer numbers entries
-- MAX(seq) + 1 inside its transaction, so a rollback leaves no gap. change is JSON text.
CREATE TABLE journal (
  tenant         TEXT    NOT NULL,
  seq            INTEGER NOT NULL,
  at             INTEGER NOT NULL, -- epoch microseconds of the write
  principal      TEXT    NOT NULL, -- kind:id, e.g. credential:<id>
  principal_name TEXT    NOT NULL,
  source         TEXT,             -- the client's address
  request_id     TEXT    NOT NULL,
  resource_type  TEXT    NOT NULL,
  resource_id    TEXT    NOT NULL,
  kind           TEXT    NOT NULL, -- created, replaced, patched, deleted, members_added, members_removed
  change         TEXT    NOT NULL,
  PRIMARY KEY (tenant, seq)
) WITHOUT ROWID;
-- One resource's history (the audit trail of a user, the access history of a group).
CREATE INDEX journal_by_resource ON journal (tenant, resource_type, resource_id, seq);
