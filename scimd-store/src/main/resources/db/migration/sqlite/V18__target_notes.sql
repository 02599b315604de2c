-- What the hub learns about a target beside its delivery (docs/decisions/0028-hub-more.md): the
-- last scheduled reconciliation (kind 'reconcile', `at` its start, claimed by compare-and-set so
-- that one node runs each due time) and the capabilities read from its ServiceProviderConfig
-- (kind 'capabilities'). Times are epoch microseconds. The same table as
-- postgresql/V16__target_notes.sql.
CREATE TABLE target_notes (
  tenant TEXT    NOT NULL,
  target TEXT    NOT NULL,
  kind   TEXT    NOT NULL,
  at     INTEGER NOT NULL,
  body   TEXT    NOT NULL,
  PRIMARY KEY (tenant, target, kind)
) WITHOUT ROWID;
