-- The access model's applications (docs/decisions/0021-access-model.md): each tenant's definitions
-- of roles, rules and claim names, as JSON. Their history is the journal's (resource type
-- Application). Times are epoch microseconds. The same table as sqlite/V16__access.sql.
CREATE TABLE applications (
  tenant     TEXT COLLATE "C" NOT NULL,
  name       TEXT COLLATE "C" NOT NULL,
  definition TEXT   NOT NULL,
  created    BIGINT NOT NULL,
  updated    BIGINT NOT NULL,
  version    BIGINT NOT NULL,
  PRIMARY KEY (tenant, name)
);
