-- Queries of the audit trail: the same indexes and table as sqlite/V13__audit_queries.sql
-- (docs/decisions/0015-audit-queries.md). V11: main has taken V8 (OAuth), V9 (identifier keys, a
-- Java migration) and V10 (rate usage).
CREATE INDEX journal_by_principal ON journal (tenant, principal, seq);
CREATE INDEX journal_by_type ON journal (tenant, resource_type, seq);

CREATE TABLE member_events (
  tenant    TEXT COLLATE "C" NOT NULL,
  member_id TEXT COLLATE "C" NOT NULL,
  seq       BIGINT NOT NULL, -- journal.seq of the entry that names it
  PRIMARY KEY (tenant, member_id, seq)
);

-- The entries already written. A change that is not valid JSON (edited behind the store's back:
-- verify reports it) indexes nothing rather than stopping the migration.
CREATE FUNCTION pg_temp.scimd_json_or_null(t TEXT) RETURNS jsonb AS $$
BEGIN
  RETURN t::jsonb;
EXCEPTION WHEN others THEN
  RETURN NULL;
END
$$ LANGUAGE plpgsql IMMUTABLE;

INSERT INTO member_events (tenant, member_id, seq)
  SELECT j.tenant, m.value ->> 'value', j.seq
    FROM (SELECT tenant, seq, pg_temp.scimd_json_or_null(change) AS doc
            FROM journal
           WHERE kind IN ('members_added', 'members_removed')) j,
         jsonb_array_elements(
           CASE WHEN jsonb_typeof(j.doc -> 'members') = 'array' THEN j.doc -> 'members'
                ELSE '[]'::jsonb END) m
   WHERE jsonb_typeof(m.value -> 'value') = 'string'
ON CONFLICT DO NOTHING;
