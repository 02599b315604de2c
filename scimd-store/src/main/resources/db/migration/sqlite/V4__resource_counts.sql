-- The number of resources per (tenant, type), kept by triggers in the writing transaction, so
-- that totalResults of an unfiltered list is one row read, not a walk of every index entry of
-- the type (docs/benchmarks.md: the COUNT(*) was a fifth of a first page at 100,000 users).
CREATE TABLE resource_counts (
  tenant TEXT    NOT NULL,
  type   TEXT    NOT NULL,
  n      INTEGER NOT NULL CHECK (n >= 0),
  PRIMARY KEY (tenant, type)
) WITHOUT ROWID;

INSERT INTO resource_counts (tenant, type, n)
  SELECT tenant, type, COUNT(*) FROM resources GROUP BY tenant, type;

CREATE TRIGGER resources_count_insert AFTER INSERT ON resources
BEGIN
  INSERT INTO resource_counts (tenant, type, n) VALUES (NEW.tenant, NEW.type, 1)
    ON CONFLICT (tenant, type) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER resources_count_delete AFTER DELETE ON resources
BEGIN
  UPDATE resource_counts SET n = n - 1 WHERE tenant = OLD.tenant AND type = OLD.type;
END;
