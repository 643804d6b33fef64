-- Reciprocity (docs/api.md, "Reciprocity"): a member must have reported within the policy's
-- window to make application inquiries. Every line report records its member's business day
-- here, in the report's transaction; one row per member and day, so the latest is a key lookup.
CREATE TABLE IF NOT EXISTS member_report_days (
  member_id BIGINT UNSIGNED NOT NULL,
  day       DATE            NOT NULL,
  PRIMARY KEY (member_id, day)
) ENGINE=InnoDB;

-- Members that reported before this table: the day of their latest line change (the session's
-- time zone, at most a day off the business date).
INSERT IGNORE INTO member_report_days (member_id, day)
  SELECT member_id, DATE(MAX(updated_at)) FROM credit_lines GROUP BY member_id;

-- An operator may exempt a member (creditshare-admin member reciprocity CODE --exempt).
ALTER TABLE members ADD COLUMN IF NOT EXISTS reciprocity_exempt BOOLEAN NOT NULL DEFAULT 0;
