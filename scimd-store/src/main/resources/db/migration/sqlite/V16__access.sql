-- The access model's applications (docs/decisions/0021-access-model.md): each tenant's definitions
-- of roles, rules and claim names, as JSON. Their history is the journal's (resource type
-- Application). Times are epoch microseconds. The same table as postgresql/V14__access.sql.
CREATE TABLE applications (
  tenant     TEXT    NOT NULL,
  name       TEXT    NOT NULL,
  definition TEXT    NOT NULL,
  created    INTEGER NOT NULL,
  updated    INTEGER NOT NULL,
  version    INTEGER NOT NULL,
  PRIMARY KEY (tenant, name)
) WITHOUT ROWID;
