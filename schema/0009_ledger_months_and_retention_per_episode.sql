-- Retention per negative episode (the domain ledger, server/domain/ledger.h).
-- Monthly records keep the facts the rules read: the line's status, its collections stage and
-- charge-off amount on the record's as-of date (records written before this migration have
-- status 0, "not kept"). credit_lines.ledger_months is the line's copy of its records as the
-- ledger reads them, and retention_review_on the next day on which the purge has work on the
-- line. After these statements the migration runner computes both for every stored line from
-- its monthly records with the domain's rules (storage/ledger_backfill.cc).
ALTER TABLE credit_line_months
  ADD COLUMN IF NOT EXISTS line_status TINYINT UNSIGNED NOT NULL DEFAULT 0,
  ADD COLUMN IF NOT EXISTS collections_stage TINYINT UNSIGNED NOT NULL DEFAULT 0,
  ADD COLUMN IF NOT EXISTS charged_off_amount_minor BIGINT NOT NULL DEFAULT 0;

ALTER TABLE credit_lines
  ADD COLUMN IF NOT EXISTS ledger_months MEDIUMTEXT NULL,
  ADD COLUMN IF NOT EXISTS retention_review_on DATE NULL,
  ADD KEY IF NOT EXISTS ix_credit_lines_retention_review (retention_review_on);
