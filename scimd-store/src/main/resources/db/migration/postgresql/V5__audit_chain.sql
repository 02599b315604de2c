-- The audit trail (docs/decisions/0009-audit-trail.md): each journal entry is chained to the one
-- before it by hash = SHA-256 over its canonical encoding and prev_hash (io.scimd.store.AuditHash),
-- computed by the writer in the entry's own transaction while it holds the tenant's clocks row.
-- Entries written before this migration get their hashes when a node next starts
-- (AuditTrail.hashUnhashed), so that one encoding, in Java, is the only one there is.
-- Nullable columns without a default: added without rewriting the table.
ALTER TABLE journal ADD COLUMN prev_hash TEXT COLLATE "C"; -- lowercase hex; 64 zeros before entry 1
ALTER TABLE journal ADD COLUMN hash TEXT COLLATE "C";      -- lowercase hex
-- Finds the entries still to hash without reading the journal; empty in steady state.
CREATE INDEX journal_unhashed ON journal (tenant, seq) WHERE hash IS NULL;

-- Signed checkpoints: an Ed25519 signature over (tenant, seq, hash, at) of a chain head. One per
-- head is enough: nodes that sign the same head race on the primary key (ON CONFLICT DO NOTHING).
CREATE TABLE audit_checkpoints (
  tenant    TEXT COLLATE "C" NOT NULL,
  seq       BIGINT NOT NULL,
  hash      TEXT   NOT NULL, -- the hash of journal entry seq
  at        BIGINT NOT NULL, -- epoch microseconds of the signature
  key_id    TEXT   NOT NULL, -- audit_keys.key_id
  signature TEXT   NOT NULL, -- base64 Ed25519 signature
  PRIMARY KEY (tenant, seq)
);

-- The public keys that signed checkpoints. The private keys never enter the database: whoever can
-- rewrite the journal could otherwise sign the rewrite too.
CREATE TABLE audit_keys (
  key_id     TEXT COLLATE "C" PRIMARY KEY, -- lowercase hex SHA-256 of the X.509 SubjectPublicKeyInfo
  public_key TEXT   NOT NULL,              -- base64 X.509 SubjectPublicKeyInfo (Ed25519)
  created    BIGINT NOT NULL
);
