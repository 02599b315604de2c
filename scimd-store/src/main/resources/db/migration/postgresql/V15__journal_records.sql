-- Access history (issue 9 §5): a group's own entries other than its membership changes, in order,
-- so replaying what a group was named and which groups it was in at a past instant reads a few
-- entries, not every member a large group ever gained or lost (100,000 PATCHes of one member each
-- are 100,000 entries of that group). A partial index: membership entries, the bulk of a busy
-- journal, are not in it. Queries repeat its condition word for word (JdbcAuditTrail.RECORD_KINDS).
-- The same index as sqlite/V17__journal_records.sql.
CREATE INDEX journal_records ON journal (tenant, resource_type, resource_id, seq)
  WHERE kind NOT IN ('members_added', 'members_removed');
