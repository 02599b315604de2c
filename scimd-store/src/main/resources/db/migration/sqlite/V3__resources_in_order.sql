-- The default list order (creation order, seq): a page is read in index order and OFFSET skips
-- index entries, instead of sorting every resource of the type for each page; COUNT(*) reads
-- the narrowest index (docs/benchmarks.md).
CREATE INDEX resources_in_order ON resources (tenant, type, seq);
