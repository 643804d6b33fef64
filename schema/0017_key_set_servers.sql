-- Which key set each running server derives keys with, reported at start and on every reload
-- tick (docs/operations.md, "Rotating the borrower key set"): `keys promote` and `keys rekey`
-- refuse until every server seen lately holds what the previous step wrote.
CREATE TABLE IF NOT EXISTS key_set_servers (
  server_id        VARCHAR(96)       NOT NULL,  -- host, process and start time
  current_version  SMALLINT UNSIGNED NOT NULL,
  versions         VARCHAR(32)       NOT NULL,  -- e.g. "0,1"
  seen_at          DATETIME(6)       NOT NULL,  -- the database's clock
  PRIMARY KEY (server_id)
) ENGINE=InnoDB;

-- When each access notice was inserted, by the database's clock: a reader stays behind this,
-- not behind the inquiry's start (which a server's clock set, possibly long before the insert).
ALTER TABLE access_notices ADD COLUMN IF NOT EXISTS inserted_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6);
