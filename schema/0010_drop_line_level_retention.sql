-- Retention is per episode now (0009): the one date per line and the packed codes without
-- as-of dates go.
ALTER TABLE credit_lines
  DROP COLUMN IF EXISTS month_statuses,
  DROP COLUMN IF EXISTS ever_negative,
  DROP COLUMN IF EXISTS negative_ended_date;
