-- Line lifecycle (monthly history, restructurings, collections, charge-off, settlement),
-- recorded inquiries, reservations of in-flight approvals, disputes, and negative-information
-- retention markers.

ALTER TABLE credit_lines
  ADD COLUMN public_id CHAR(20) NULL AFTER id,
  ADD COLUMN scheduled_payment_minor BIGINT NOT NULL DEFAULT 0,
  ADD COLUMN actual_payment_minor BIGINT NOT NULL DEFAULT 0,
  ADD COLUMN first_delinquency_date DATE NULL,
  ADD COLUMN classification TINYINT UNSIGNED NOT NULL DEFAULT 0,
  ADD COLUMN maturity_date DATE NULL,
  ADD COLUMN collections_stage TINYINT UNSIGNED NOT NULL DEFAULT 0,
  ADD COLUMN charged_off_amount_minor BIGINT NOT NULL DEFAULT 0,
  ADD COLUMN charged_off_date DATE NULL,
  ADD COLUMN settlement_type TINYINT UNSIGNED NOT NULL DEFAULT 0,
  ADD COLUMN restructure_count INT UNSIGNED NOT NULL DEFAULT 0,
  ADD COLUMN last_restructure_date DATE NULL,
  -- The as-of date on which the line's last negative episode (delinquency, collections,
  -- charge-off) ended; NULL while one is going on or none ever was. Retention runs from here.
  ADD COLUMN negative_ended_date DATE NULL,
  ADD COLUMN ever_negative TINYINT(1) NOT NULL DEFAULT 0,
  ADD COLUMN deleted_at DATETIME(6) NULL;  -- removed by a dispute resolution

-- Lines reported before this migration get an opaque public id too.
UPDATE credit_lines SET public_id = LEFT(SHA2(CONCAT(id, '/', RAND(), '/', NOW(6)), 256), 20) WHERE public_id IS NULL;

ALTER TABLE credit_lines
  MODIFY public_id CHAR(20) NOT NULL,
  ADD UNIQUE KEY uk_credit_lines_public_id (public_id);

-- One record per line and month, derived from the monthly reports; a later report about the
-- same month replaces it (marked corrected when it re-reports a date already covered).
CREATE TABLE credit_line_months (
  line_id                    BIGINT UNSIGNED NOT NULL,
  month                      DATE            NOT NULL,  -- first day of the month
  status_code                CHAR(1)         NOT NULL,  -- N, 1..7, C, G, D, Z, *
  outstanding_balance_minor  BIGINT          NOT NULL,
  days_past_due              INT             NOT NULL,
  overdue_amount_minor       BIGINT          NOT NULL,
  scheduled_payment_minor    BIGINT          NOT NULL,
  actual_payment_minor       BIGINT          NOT NULL,
  as_of_date                 DATE            NOT NULL,
  corrected                  TINYINT(1)      NOT NULL DEFAULT 0,
  recorded_at                DATETIME(6)     NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  PRIMARY KEY (line_id, month),
  CONSTRAINT fk_months_line FOREIGN KEY (line_id) REFERENCES credit_lines (id)
) ENGINE=InnoDB;

CREATE TABLE credit_line_restructurings (
  id                           BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  line_id                      BIGINT UNSIGNED NOT NULL,
  restructure_date             DATE            NOT NULL,
  reason                       VARCHAR(255)    NOT NULL,
  concessions                  VARCHAR(128)    NOT NULL,  -- comma-separated Concession values
  new_maturity_date            DATE            NULL,
  new_scheduled_payment_minor  BIGINT          NOT NULL,
  new_interest_rate_bps        INT             NOT NULL,
  principal_forgiven_minor     BIGINT          NOT NULL,
  recorded_at                  DATETIME(6)     NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  PRIMARY KEY (id),
  KEY ix_restructurings_line (line_id),
  CONSTRAINT fk_restructurings_line FOREIGN KEY (line_id) REFERENCES credit_lines (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Every borrower query. borrower_key is the HMAC (a query never creates a borrower row).
CREATE TABLE inquiries (
  id                 BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  borrower_key       BINARY(32)      NOT NULL,
  member_id          BIGINT UNSIGNED NOT NULL,
  purpose            TINYINT UNSIGNED NOT NULL,
  consent_reference  VARCHAR(128)    NOT NULL,
  method             VARCHAR(32)     NOT NULL,
  at_us              BIGINT          NOT NULL,
  PRIMARY KEY (id),
  KEY ix_inquiries_borrower_at (borrower_key, at_us),
  KEY ix_inquiries_member (member_id, id),
  CONSTRAINT fk_inquiries_member FOREIGN KEY (member_id) REFERENCES members (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- In-flight approvals. Active while status = 1 and expires_at_us is in the future.
CREATE TABLE reservations (
  id                 BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  public_id          CHAR(20)        NOT NULL,
  member_id          BIGINT UNSIGNED NOT NULL,
  borrower_id        BIGINT UNSIGNED NOT NULL,
  product_type       TINYINT UNSIGNED NOT NULL,
  currency           CHAR(3)         NOT NULL,
  amount_minor       BIGINT          NOT NULL,
  account_reference  VARCHAR(64)     NOT NULL DEFAULT '',
  status             TINYINT UNSIGNED NOT NULL,  -- 1 active, 2 consumed by a report, 3 released
  created_at_us      BIGINT          NOT NULL,
  expires_at_us      BIGINT          NOT NULL,
  ended_at_us        BIGINT          NULL,
  PRIMARY KEY (id),
  UNIQUE KEY uk_reservations_public_id (public_id),
  KEY ix_reservations_borrower (borrower_id, status, expires_at_us),
  KEY ix_reservations_member_account (member_id, account_reference, status),
  KEY ix_reservations_status_expiry (status, expires_at_us),
  CONSTRAINT fk_reservations_member FOREIGN KEY (member_id) REFERENCES members (id),
  CONSTRAINT fk_reservations_borrower FOREIGN KEY (borrower_id) REFERENCES borrowers (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE disputes (
  id                  BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  public_id           CHAR(20)        NOT NULL,
  line_id             BIGINT UNSIGNED NOT NULL,
  filed_by_member_id  BIGINT UNSIGNED NOT NULL,
  reason              VARCHAR(500)    NOT NULL,
  status              TINYINT UNSIGNED NOT NULL,  -- DisputeStatus: 1 open, 2 confirmed, 3 corrected, 4 deleted
  filed_at_us         BIGINT          NOT NULL,
  due_at_us           BIGINT          NOT NULL,  -- filed + 20 days
  resolved_at_us      BIGINT          NULL,
  resolution_note     VARCHAR(500)    NOT NULL DEFAULT '',
  PRIMARY KEY (id),
  UNIQUE KEY uk_disputes_public_id (public_id),
  KEY ix_disputes_line (line_id, status),
  KEY ix_disputes_status_due (status, due_at_us),
  CONSTRAINT fk_disputes_line FOREIGN KEY (line_id) REFERENCES credit_lines (id),
  CONSTRAINT fk_disputes_member FOREIGN KEY (filed_by_member_id) REFERENCES members (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
