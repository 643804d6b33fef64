-- Post-loan monitoring: alerts to the members that lend to a borrower when it takes on credit or
-- falls behind elsewhere (docs/api.md, AlertService).
--
-- A change writes its alerts into alert_outbox in its own transaction. A sequencer (in every
-- replica; the alert_sequence row lock lets one run at a time) moves committed outbox rows into
-- alerts under the next sequence numbers, in one transaction. A sequence number is a recipient's
-- cursor: it only grows, and a reader that sees an alert sees every alert sequenced before it.

-- Columns shared by both tables. account_references and reservation_ids are the recipient's own,
-- separated by single spaces (both are printable tokens without spaces).
CREATE TABLE IF NOT EXISTS alert_outbox (
  id                     BIGINT UNSIGNED  NOT NULL AUTO_INCREMENT,
  public_id              CHAR(20)         NOT NULL,
  recipient_member_id    BIGINT UNSIGNED  NOT NULL,
  kind                   TINYINT UNSIGNED NOT NULL,
  severity               TINYINT UNSIGNED NOT NULL,
  occurred_at_us         BIGINT           NOT NULL,
  lender_type            TINYINT UNSIGNED NOT NULL,
  lender_ordinal         INT              NOT NULL,
  account_references     VARCHAR(1100)    NOT NULL,
  reservation_ids        VARCHAR(400)     NOT NULL,
  product_type           TINYINT UNSIGNED NOT NULL,
  currency               CHAR(3)          NOT NULL,
  amount_minor           BIGINT           NOT NULL,
  balance_minor          BIGINT           NOT NULL,
  overdue_minor          BIGINT           NOT NULL,
  days_past_due          INT              NOT NULL,
  previous_days_past_due INT              NOT NULL,
  purpose                TINYINT UNSIGNED NOT NULL,
  collections_stage      TINYINT UNSIGNED NOT NULL,
  event_date             DATE             NULL,
  expires_at_us          BIGINT           NOT NULL,
  PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS alerts (
  sequence               BIGINT UNSIGNED  NOT NULL,
  public_id              CHAR(20)         NOT NULL,
  recipient_member_id    BIGINT UNSIGNED  NOT NULL,
  kind                   TINYINT UNSIGNED NOT NULL,
  severity               TINYINT UNSIGNED NOT NULL,
  occurred_at_us         BIGINT           NOT NULL,
  lender_type            TINYINT UNSIGNED NOT NULL,
  lender_ordinal         INT              NOT NULL,
  account_references     VARCHAR(1100)    NOT NULL,
  reservation_ids        VARCHAR(400)     NOT NULL,
  product_type           TINYINT UNSIGNED NOT NULL,
  currency               CHAR(3)          NOT NULL,
  amount_minor           BIGINT           NOT NULL,
  balance_minor          BIGINT           NOT NULL,
  overdue_minor          BIGINT           NOT NULL,
  days_past_due          INT              NOT NULL,
  previous_days_past_due INT              NOT NULL,
  purpose                TINYINT UNSIGNED NOT NULL,
  collections_stage      TINYINT UNSIGNED NOT NULL,
  event_date             DATE             NULL,
  expires_at_us          BIGINT           NOT NULL,
  sequenced_at_us        BIGINT           NOT NULL,
  PRIMARY KEY (sequence),
  UNIQUE KEY uk_alerts_public_id (public_id),
  KEY ix_alerts_recipient (recipient_member_id, sequence),
  KEY ix_alerts_occurred (occurred_at_us)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS alert_sequence (
  id            TINYINT UNSIGNED NOT NULL,
  last_sequence BIGINT UNSIGNED  NOT NULL,
  PRIMARY KEY (id)
) ENGINE=InnoDB;
INSERT IGNORE INTO alert_sequence (id, last_sequence) VALUES (1, 0);

-- The kinds a member wants (bit 1 << kind); NULL: the default set (every kind).
ALTER TABLE members ADD COLUMN IF NOT EXISTS alert_kinds INT UNSIGNED NULL;
