-- A member's display as the client sent it (RFC 7643 §2.4: display is immutable, not readOnly).
-- NULL when the client sent none: the member's own display is then read through the join.
-- A nullable column without a default: PostgreSQL adds it without rewriting the table.
ALTER TABLE members ADD COLUMN display TEXT;
