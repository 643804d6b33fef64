-- Audit records hashed by the transaction that writes them (docs/architecture.md, "Audit log"):
-- each pooled connection appends to a lane of its own, a hash chain whose head row it moves in
-- the same transaction, so no record is read back and rewritten afterwards and writers of
-- different connections and replicas never wait on one row. Lane 0 is the chain that the sealer
-- built until now; it keeps sealing records written unsealed (by a server of an earlier version).
CREATE TABLE IF NOT EXISTS audit_lanes (
  lane             INT UNSIGNED    NOT NULL AUTO_INCREMENT,
  seq              BIGINT UNSIGNED NOT NULL,              -- of the lane's last record; 0 when empty
  hash             BINARY(32)      NOT NULL,              -- of the lane's last record; zeros when empty
  holder           BIGINT UNSIGNED NOT NULL DEFAULT 0,    -- random token of the connection appending
  leased_until_us  BIGINT          NOT NULL DEFAULT 0,    -- renewed by every append; then free to take
  reseal_seq       BIGINT UNSIGNED NULL,                  -- as audit_chain_head's (schema 0015)
  reseal_hash      BINARY(32)      NULL,
  reseal_old_hash  BINARY(32)      NULL,
  PRIMARY KEY (lane)
) ENGINE=InnoDB;

-- Checkpoints: a record in lane 0 (method audit.checkpoint) names each lane that moved since the
-- last one with its sequence number then; its request_id is the SHA-256 of that list, so the list
-- is covered by lane 0's chain. Verify then finds a lane cut back below, or deleted after, a
-- checkpoint, which the lane's own chain cannot show.
CREATE TABLE IF NOT EXISTS audit_checkpoints (
  record_id  BIGINT UNSIGNED NOT NULL,  -- the checkpoint record in audit_log
  lane       INT UNSIGNED    NOT NULL,
  seq        BIGINT UNSIGNED NOT NULL,
  PRIMARY KEY (record_id, lane),
  KEY ix_audit_checkpoints_lane (lane, seq)
) ENGINE=InnoDB;

-- Lane 0 takes over the sealer's chain head; its lease never ends, so no connection claims it.
-- The old head table is renamed first: a server of the previous version still sealing then fails
-- instead of moving a head that was already copied. Dropped last, so a run that stops on the way
-- can be run again.
RENAME TABLE IF EXISTS audit_chain_head TO audit_chain_head_0017;
SET @saved_sql_mode = @@SESSION.sql_mode;
SET SESSION sql_mode = CONCAT(@@SESSION.sql_mode, ',NO_AUTO_VALUE_ON_ZERO');
INSERT IGNORE INTO audit_lanes (lane, seq, hash, holder, leased_until_us, reseal_seq, reseal_hash, reseal_old_hash)
  SELECT 0, seq, hash, 0, 9223372036854775807, reseal_seq, reseal_hash, reseal_old_hash FROM audit_chain_head_0017
  WHERE id = 1;
SET SESSION sql_mode = @saved_sql_mode;

-- A record's place: (lane, chain_seq). Lane records are written sealed; lane 0's unsealed ones
-- (chain_seq NULL) are found through the same index.
ALTER TABLE audit_log
  ADD COLUMN IF NOT EXISTS lane INT UNSIGNED NOT NULL DEFAULT 0,
  DROP INDEX IF EXISTS uk_audit_chain_seq,
  ADD UNIQUE KEY IF NOT EXISTS uk_audit_lane_seq (lane, chain_seq);

DROP TABLE IF EXISTS audit_chain_head_0017;
