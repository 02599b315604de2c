-- What the hub learns about a target beside its delivery (docs/decisions/0028-hub-more.md): the
-- last scheduled reconciliation (kind 'reconcile', `at` its start, claimed by compare-and-set so
-- that one node runs each due time) and the capabilities read from its ServiceProviderConfig
-- (kind 'capabilities'). Times are epoch microseconds. The same table as
-- sqlite/V18__target_notes.sql.
CREATE TABLE target_notes (
  tenant TEXT COLLATE "C" NOT NULL,
  target TEXT COLLATE "C" NOT NULL,
  kind   TEXT COLLATE "C" NOT NULL,
  at     BIGINT NOT NULL,
  body   TEXT   NOT NULL,
  PRIMARY KEY (tenant, target, kind)
);
