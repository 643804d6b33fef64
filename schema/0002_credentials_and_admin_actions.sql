-- Client certificates issued to members, so that authentication can refuse a revoked or
-- unregistered certificate even while it still chains to the CA; and the operators' actions.

CREATE TABLE credentials (
  id                  BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  member_id           BIGINT UNSIGNED NOT NULL,
  serial_hex          VARCHAR(64)     NOT NULL,
  fingerprint_sha256  CHAR(64)        NOT NULL,  -- lower-case hex of SHA-256 over the DER certificate
  not_after           DATETIME        NOT NULL,  -- UTC
  issued_at           DATETIME(6)     NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  issued_by           VARCHAR(128)    NOT NULL,
  revoked_at          DATETIME(6)     NULL,
  revoked_by          VARCHAR(128)    NULL,
  revoke_reason       VARCHAR(255)    NULL,
  PRIMARY KEY (id),
  UNIQUE KEY uk_credentials_fingerprint (fingerprint_sha256),
  UNIQUE KEY uk_credentials_serial (serial_hex),
  KEY ix_credentials_member (member_id),
  CONSTRAINT fk_credentials_member FOREIGN KEY (member_id) REFERENCES members (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Who did what through creditshare-admin, written in the same transaction as the change.
CREATE TABLE admin_actions (
  id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  at          DATETIME(6)     NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  actor       VARCHAR(128)    NOT NULL,
  action      VARCHAR(64)     NOT NULL,
  target      VARCHAR(128)    NOT NULL,
  detail      VARCHAR(1024)   NOT NULL,
  PRIMARY KEY (id),
  KEY ix_admin_actions_at (at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
