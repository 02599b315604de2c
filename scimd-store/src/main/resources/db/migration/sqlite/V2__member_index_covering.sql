-- A member's groups (a user's "groups", nesting checks, deletes) by a covering index, so that
-- SQLite never prefers the primary key (tenant, group_id, member_id) searched by tenant alone,
-- which read every membership row of the tenant for each user rendered (docs/benchmarks.md).
DROP INDEX members_by_member;
CREATE INDEX members_by_member ON members (tenant, member_id, group_id);
