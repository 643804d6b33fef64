-- Members, borrowers (keyed hashes only), credit lines and idempotency records.
-- Every table is InnoDB; amounts are BIGINT minor units; dates are the lender's business dates.

CREATE TABLE members (
  id            BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  code          VARCHAR(64)     NOT NULL,  -- also the CN of the member's client certificates
  name          VARCHAR(255)    NOT NULL,
  member_type   TINYINT UNSIGNED NOT NULL, -- 1 bank, 2 consumer finance, 3 micro-lender, 4 regulator
  region_code   CHAR(6)         NOT NULL,
  status        TINYINT UNSIGNED NOT NULL DEFAULT 1,  -- 1 active, 2 suspended
  created_at    DATETIME(6)     NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  updated_at    DATETIME(6)     NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
  PRIMARY KEY (id),
  UNIQUE KEY uk_members_code (code)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- One row per person. borrower_key = HMAC-SHA256(key, normalised resident ID); the raw ID is
-- never stored. Region and birth year are kept as coarse attributes for regulator aggregates.
CREATE TABLE borrowers (
  id            BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  borrower_key  BINARY(32)      NOT NULL,
  region_code   CHAR(6)         NOT NULL,
  birth_year    SMALLINT UNSIGNED NOT NULL,
  created_at    DATETIME(6)     NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  PRIMARY KEY (id),
  UNIQUE KEY uk_borrowers_key (borrower_key),
  KEY ix_borrowers_region (region_code)
) ENGINE=InnoDB;

CREATE TABLE credit_lines (
  id                         BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  member_id                  BIGINT UNSIGNED NOT NULL,
  account_reference          VARCHAR(64)     NOT NULL,
  borrower_id                BIGINT UNSIGNED NOT NULL,
  product_type               TINYINT UNSIGNED NOT NULL,
  currency                   CHAR(3)         NOT NULL,
  credit_limit_minor         BIGINT          NOT NULL,
  outstanding_balance_minor  BIGINT          NOT NULL,
  opened_date                DATE            NOT NULL,
  status                     TINYINT UNSIGNED NOT NULL,
  days_past_due              INT             NOT NULL,
  overdue_amount_minor       BIGINT          NOT NULL,
  as_of_date                 DATE            NOT NULL,
  version                    INT UNSIGNED    NOT NULL,  -- reports applied so far
  created_at                 DATETIME(6)     NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  updated_at                 DATETIME(6)     NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  PRIMARY KEY (id),
  UNIQUE KEY uk_credit_lines_member_account (member_id, account_reference),
  KEY ix_credit_lines_borrower (borrower_id),
  CONSTRAINT fk_credit_lines_member FOREIGN KEY (member_id) REFERENCES members (id),
  CONSTRAINT fk_credit_lines_borrower FOREIGN KEY (borrower_id) REFERENCES borrowers (id),
  CONSTRAINT ck_credit_lines_amounts CHECK (credit_limit_minor >= 0 AND outstanding_balance_minor >= 0
                                            AND overdue_amount_minor >= 0 AND days_past_due >= 0)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- First outcome of each write request, so a replay returns it and changes nothing.
-- request_fingerprint is a keyed HMAC of the request (which may hold a resident ID).
CREATE TABLE idempotency_keys (
  member_id            BIGINT UNSIGNED NOT NULL,
  request_id           VARCHAR(128)    NOT NULL,
  method               VARCHAR(64)     NOT NULL,
  request_fingerprint  BINARY(32)      NOT NULL,
  response             VARBINARY(1024) NOT NULL,
  created_at           DATETIME(6)     NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  PRIMARY KEY (member_id, request_id),
  KEY ix_idempotency_created (created_at),
  CONSTRAINT fk_idempotency_member FOREIGN KEY (member_id) REFERENCES members (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
