-- One record per call (accepted or refused) and per operator action. Records are inserted
-- unsealed, in the transaction of the change they describe when there is one; a sealer then
-- chains them: hash = SHA-256(prev_hash || canonical encoding), in chain_seq order.

CREATE TABLE audit_log (
  id                 BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  at_us              BIGINT          NOT NULL,              -- microseconds since the Unix epoch, UTC
  principal          VARCHAR(128)    NOT NULL,              -- member code, operator, or '-' when unknown
  cert_fingerprint   CHAR(64)        NOT NULL DEFAULT '',   -- presented client certificate, if any
  method             VARCHAR(64)     NOT NULL,
  purpose            TINYINT UNSIGNED NOT NULL DEFAULT 0,
  consent_reference  VARCHAR(128)    NOT NULL DEFAULT '',
  borrower_key       VARBINARY(32)   NOT NULL DEFAULT '',   -- HMAC borrower key, never a raw ID
  result_code        TINYINT UNSIGNED NOT NULL,             -- gRPC status code
  request_id         VARCHAR(128)    NOT NULL,
  latency_us         BIGINT          NOT NULL,
  chain_seq          BIGINT UNSIGNED NULL,
  prev_hash          BINARY(32)      NULL,
  hash               BINARY(32)      NULL,
  PRIMARY KEY (id),
  UNIQUE KEY uk_audit_chain_seq (chain_seq),
  KEY ix_audit_principal_at (principal, at_us),
  KEY ix_audit_borrower_at (borrower_key, at_us),
  KEY ix_audit_at (at_us)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- The end of the chain; its row lock makes sealers on several replicas take turns.
CREATE TABLE audit_chain_head (
  id    TINYINT UNSIGNED NOT NULL,
  seq   BIGINT UNSIGNED  NOT NULL,
  hash  BINARY(32)       NOT NULL,
  PRIMARY KEY (id)
) ENGINE=InnoDB;

INSERT INTO audit_chain_head (id, seq, hash) VALUES (1, 0, UNHEX(REPEAT('00', 32)));
