-- Client rate limits held by the nodes on one database together (docs/decisions/0012-limits.md):
-- per client key (today the credential id), how many requests every node together admitted under
-- it (used, a total that only grows) and when a node last added to it (updated, epoch
-- microseconds of that node's clock). Each node adds what it admitted a few times a second and
-- reads the rows changed lately; rows no node added to for an hour are deleted. The same table as
-- sqlite/V12__rate_usage.sql.
CREATE TABLE rate_usage (
  client_key TEXT COLLATE "C" PRIMARY KEY,
  used       BIGINT NOT NULL,
  updated    BIGINT NOT NULL
);

CREATE INDEX rate_usage_by_updated ON rate_usage (updated);
