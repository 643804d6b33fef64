-- Borrower key set rotation (docs/operations.md, "Rotating the borrower key set"). Every stored
-- value derived from the key set carries the version it was derived under, so the re-keying
-- job knows which values to convert and lookups during a rotation try both versions.
-- Values stored before this migration are version 0: the plain HMAC.
ALTER TABLE borrowers ADD COLUMN IF NOT EXISTS key_version SMALLINT UNSIGNED NOT NULL DEFAULT 0;
ALTER TABLE inquiries ADD COLUMN IF NOT EXISTS key_version SMALLINT UNSIGNED NOT NULL DEFAULT 0;
ALTER TABLE audit_log ADD COLUMN IF NOT EXISTS key_version SMALLINT UNSIGNED NOT NULL DEFAULT 0;
ALTER TABLE idempotency_keys ADD COLUMN IF NOT EXISTS key_version SMALLINT UNSIGNED NOT NULL DEFAULT 0;

-- Which versions stored data may be under. A server refuses a key set that lacks an in-use
-- version (its borrowers would be orphaned and then created twice); the re-keying job marks the
-- version it emptied as retired, after which the key can be destroyed.
CREATE TABLE IF NOT EXISTS key_versions (
  version     SMALLINT UNSIGNED NOT NULL,
  state       TINYINT UNSIGNED  NOT NULL,  -- storage::KeyVersionState
  changed_at  DATETIME(6)       NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  PRIMARY KEY (version)
) ENGINE=InnoDB;
INSERT IGNORE INTO key_versions (version, state) VALUES (0, 1);

-- Re-sealing the audit chain after its records' borrower keys are re-keyed: records up to
-- reseal_seq are chained anew up to reseal_hash; the next record's prev_hash is still the old
-- hash of record reseal_seq (reseal_old_hash). NULL when no re-seal runs.
ALTER TABLE audit_chain_head
  ADD COLUMN IF NOT EXISTS reseal_seq      BIGINT UNSIGNED NULL,
  ADD COLUMN IF NOT EXISTS reseal_hash     BINARY(32)      NULL,
  ADD COLUMN IF NOT EXISTS reseal_old_hash BINARY(32)      NULL;

-- New borrowers created while a rotation runs, under their form of the newer version
-- (storage/borrower_keys.h): rows only serialise creators; emptied when the re-keying ends.
CREATE TABLE IF NOT EXISTS borrower_claims (
  claim_key BINARY(32) NOT NULL,
  PRIMARY KEY (claim_key)
) ENGINE=InnoDB;
