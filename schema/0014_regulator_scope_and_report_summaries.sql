-- Regulator reports (docs/api.md, "Regulator reports"): each regulator sees its own jurisdiction,
-- reports read a summary built from the monthly records, and every released figure carries
-- noise charged to the regulator's privacy budget for that month.

-- 'national', a province code ('12') or a prefecture code ('1201'); NULL for lenders.
-- Regulators onboarded before this migration saw every province: that stays, written down.
ALTER TABLE members
  ADD COLUMN IF NOT EXISTS report_scope VARCHAR(8) NULL AFTER region_code,
  -- ε per data month in thousandths; NULL takes the server's --privacy-budget.
  ADD COLUMN IF NOT EXISTS privacy_budget_milli BIGINT UNSIGNED NULL AFTER report_scope;
UPDATE members SET report_scope = 'national' WHERE member_type = 4 AND report_scope IS NULL;

-- One build of one month's summary in one currency. `digest` is SHA-256 over its cells: two
-- builds of unchanged data have the same digest, so a regulator asking again is not charged again.
CREATE TABLE IF NOT EXISTS report_summaries (
  month        DATE        NOT NULL,
  currency     CHAR(3)     NOT NULL,
  digest       BINARY(32)  NOT NULL,
  built_at_us  BIGINT      NOT NULL,
  source_lines BIGINT      NOT NULL,
  PRIMARY KEY (month, currency)
) ENGINE=InnoDB;

-- The summary's cells: per prefecture (borrowers of one prefecture are nobody else's, so every
-- figure adds up across regions) and per value of one dimension (0: every line). Amounts and
-- line counts are after the per-borrower contribution bounds (domain/report_summary.h).
CREATE TABLE IF NOT EXISTS report_summary_cells (
  month              DATE              NOT NULL,
  currency           CHAR(3)           NOT NULL,
  prefecture         CHAR(4)           NOT NULL,
  dimension          TINYINT UNSIGNED  NOT NULL,
  dim_value          SMALLINT UNSIGNED NOT NULL,
  borrowers          BIGINT            NOT NULL,
  line_count         BIGINT            NOT NULL,
  credit_limit_minor BIGINT            NOT NULL,
  balance_minor      BIGINT            NOT NULL,
  overdue_minor      BIGINT            NOT NULL,
  new_lines          BIGINT            NOT NULL,
  restructured_lines BIGINT            NOT NULL,
  charged_off_minor  BIGINT            NOT NULL,
  PRIMARY KEY (month, currency, dimension, prefecture, dim_value)
) ENGINE=InnoDB;

-- What each regulator has spent of each month's budget. One row per distinct question about
-- one build: asking the same again returns the same noisy answer and costs nothing.
CREATE TABLE IF NOT EXISTS privacy_spend (
  member_id      BIGINT UNSIGNED NOT NULL,
  data_month     DATE            NOT NULL,
  request_digest BINARY(32)      NOT NULL,
  epsilon_milli  BIGINT UNSIGNED NOT NULL,
  at_us          BIGINT          NOT NULL,
  PRIMARY KEY (member_id, data_month, request_digest)
) ENGINE=InnoDB;
