-- Borrower protections (docs/api.md, "Borrower protections"): set and lifted by an operator on
-- the borrower's verified request (creditshare-admin borrower ...), by the borrower's internal
-- id, so a key set rotation leaves them alone. A protection placed before any credit creates the
-- borrower row.
CREATE TABLE IF NOT EXISTS borrower_protections (
  borrower_id        BIGINT UNSIGNED  NOT NULL,
  statement          VARCHAR(200)     NOT NULL DEFAULT '',  -- the borrower's own statement
  fraud_alert        TINYINT UNSIGNED NOT NULL DEFAULT 0,   -- domain::FraudAlertKind
  fraud_alert_until  DATE             NULL,                 -- its last day in force
  frozen             BOOLEAN          NOT NULL DEFAULT 0,
  notices            BOOLEAN          NOT NULL DEFAULT 0,   -- an access notice for every inquiry
  notice_reference   VARCHAR(128)     NOT NULL DEFAULT '',  -- the operator's, for delivering them
  updated_at_us      BIGINT           NOT NULL,
  PRIMARY KEY (borrower_id),
  CONSTRAINT fk_protections_borrower FOREIGN KEY (borrower_id) REFERENCES borrowers (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- One row per inquiry on a protected or subscribed borrower, written with the inquiry record;
-- an operator's delivery job reads them by id (creditshare-admin notices list --after N). No
-- contact data: the delivery job maps the reference to the borrower's contact.
CREATE TABLE IF NOT EXISTS access_notices (
  id           BIGINT UNSIGNED  NOT NULL AUTO_INCREMENT,
  borrower_id  BIGINT UNSIGNED  NOT NULL,
  reference    VARCHAR(128)     NOT NULL,
  member_type  TINYINT UNSIGNED NOT NULL,
  purpose      TINYINT UNSIGNED NOT NULL,
  refused      BOOLEAN          NOT NULL,  -- the inquiry was refused (e.g. by the freeze): an attempt
  at_us        BIGINT           NOT NULL,
  PRIMARY KEY (id),
  KEY ix_access_notices_borrower (borrower_id, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
