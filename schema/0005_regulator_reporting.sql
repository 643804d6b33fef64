-- Regulator reports aggregate the monthly records of one month: they need each month's limit
-- and classification, and an index to find a month's records without scanning every line.

ALTER TABLE credit_line_months
  ADD COLUMN credit_limit_minor BIGINT NOT NULL DEFAULT 0 AFTER status_code,
  ADD COLUMN classification TINYINT UNSIGNED NOT NULL DEFAULT 0 AFTER credit_limit_minor,
  ADD KEY ix_months_month (month, line_id);

-- Records written before this migration take the line's current values.
UPDATE credit_line_months m JOIN credit_lines l ON l.id = m.line_id
  SET m.credit_limit_minor = l.credit_limit_minor, m.classification = l.classification;
