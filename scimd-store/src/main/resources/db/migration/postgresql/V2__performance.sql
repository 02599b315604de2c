-- PostgreSQL's side of SQLite's V2-V4 (docs/benchmarks.md, docs/decisions/0005-store-on-postgresql.md):
-- one migration here, as the PostgreSQL store shipped after them.

-- A member's groups (a user's "groups", nesting checks, deletes) read from the index alone: the
-- recursive query probes (tenant, member_id) and needs group_id, which the old index lacked.
DROP INDEX members_by_member;
CREATE INDEX members_by_member ON members (tenant, member_id, group_id);

-- The default list order (creation order, seq) of one type: a page is the first LIMIT entries
-- after a cursor's seq (or after OFFSET entries), not a sort of every resource of the type.
CREATE INDEX resources_in_order ON resources (tenant, type, seq);

-- The number of resources per (tenant, type), so that totalResults of an unfiltered list is one
-- row read: COUNT(*) of 1,000,000 users is a parallel index-only scan of 60-110 ms on 2 cores,
-- paid by every list page and every cursor page. The row is updated in the writing transaction,
-- so it is locked until commit like the clocks row, which every such writer has already locked
-- (a tick comes before its insert or delete): it adds no wait and no deadlock (0005).
CREATE TABLE resource_counts (
  tenant TEXT COLLATE "C" NOT NULL,
  type   TEXT COLLATE "C" NOT NULL,
  n      BIGINT NOT NULL CHECK (n >= 0),
  PRIMARY KEY (tenant, type)
);

INSERT INTO resource_counts (tenant, type, n)
  SELECT tenant, type, COUNT(*) FROM resources GROUP BY tenant, type;

-- Statement triggers over the transition tables: one counter update per statement and type, so
-- a multi-row INSERT or a COPY costs one update, not one per row.
CREATE FUNCTION resources_count_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO resource_counts (tenant, type, n)
    SELECT tenant, type, COUNT(*) FROM inserted GROUP BY tenant, type
    ON CONFLICT (tenant, type) DO UPDATE SET n = resource_counts.n + EXCLUDED.n;
  RETURN NULL;
END $$;

CREATE FUNCTION resources_count_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE resource_counts c SET n = c.n - d.n
    FROM (SELECT tenant, type, COUNT(*) AS n FROM deleted GROUP BY tenant, type) d
    WHERE c.tenant = d.tenant AND c.type = d.type;
  RETURN NULL;
END $$;

CREATE TRIGGER resources_count_insert AFTER INSERT ON resources
  REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION resources_count_insert();
CREATE TRIGGER resources_count_delete AFTER DELETE ON resources
  REFERENCING OLD TABLE AS deleted FOR EACH STATEMENT EXECUTE FUNCTION resources_count_delete();

-- TRUNCATE fires no delete trigger: empty the counts with the table.
CREATE FUNCTION resources_count_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM resource_counts;
  RETURN NULL;
END $$;

CREATE TRIGGER resources_count_truncate AFTER TRUNCATE ON resources
  FOR EACH STATEMENT EXECUTE FUNCTION resources_count_truncate();
