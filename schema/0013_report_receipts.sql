-- The data-quality scorecard (docs/api.md, "Scorecard"). Every record a member reports leaves a
-- receipt: accepted ones in the report's (or the bulk chunk's) own transaction, refusals with
-- the call's audit record or the chunk's commit. Equal receipts of one call or chunk are one
-- row with their count, so a bulk chunk of a thousand records writes a handful of rows.
-- Insert-only: concurrent writers of one member never wait on each other here.
CREATE TABLE IF NOT EXISTS report_receipts (
  id         BIGINT UNSIGNED   NOT NULL AUTO_INCREMENT,
  member_id  BIGINT UNSIGNED   NOT NULL,
  day        DATE              NOT NULL,  -- business date of arrival
  outcome    TINYINT UNSIGNED  NOT NULL,  -- domain::ReceiptOutcome
  reason     VARCHAR(64)       NOT NULL,  -- of a refusal, '' when accepted
  warnings   SMALLINT UNSIGNED NOT NULL,  -- quality rules that warned, bit r for rule r
  lag_days   INT               NOT NULL,  -- arrival - as-of date of an accepted record, -1 otherwise
  records    INT UNSIGNED      NOT NULL,
  PRIMARY KEY (id),
  KEY ix_report_receipts_member_day (member_id, day)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Look-to-book reads a member's inquiries by time.
ALTER TABLE inquiries ADD KEY IF NOT EXISTS ix_inquiries_member_at (member_id, at_us);
