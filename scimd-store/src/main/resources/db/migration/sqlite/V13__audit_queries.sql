-- Queries of the audit trail (docs/decisions/0015-audit-queries.md). V13: main has taken V10
-- (OAuth), V11 (identifier keys, a Java migration) and V12 (rate usage).
--
-- What one client did, in order: the principal is 'client:<id>', or 'credential:<id>' for entries
-- written before clients existed (V9 kept the ids), so a query looks both up, each a range of this
-- index.
CREATE INDEX journal_by_principal ON journal (tenant, principal, seq);
-- Every entry of one resource type in order (Group, Client, AuthFailure...). journal_by_resource
-- orders a type's entries by resource id first, so it cannot page a whole type by seq.
CREATE INDEX journal_by_type ON journal (tenant, resource_type, seq);
-- A time range needs no index: a tenant's entries are numbered in the order of their time, so the
-- store finds the first and last number of a range by a binary search of the primary key.

-- The membership entries (members_added, members_removed) under each member they name: the groups
-- a user joined and left are then an index lookup, where searching the members inside every group's
-- entries would read the tenant's whole membership history. Written by the journal's writer in the
-- entry's own transaction; pruned with the entries. member_id is the member's resource id.
CREATE TABLE member_events (
  tenant    TEXT    NOT NULL,
  member_id TEXT    NOT NULL,
  seq       INTEGER NOT NULL, -- journal.seq of the entry that names it
  PRIMARY KEY (tenant, member_id, seq)
) WITHOUT ROWID;

-- The entries already written. A change that is not valid JSON (edited behind the store's back:
-- verify reports it) indexes nothing rather than stopping the migration.
INSERT OR IGNORE INTO member_events (tenant, member_id, seq)
  SELECT j.tenant, CASE WHEN m.type = 'object' THEN json_extract(m.value, '$.value') END, j.seq
    FROM journal j,
         json_each(CASE WHEN json_valid(j.change) THEN j.change ELSE '{}' END, '$.members') m
   WHERE j.kind IN ('members_added', 'members_removed')
     AND CASE WHEN m.type = 'object' THEN json_type(m.value, '$.value') END = 'text';
