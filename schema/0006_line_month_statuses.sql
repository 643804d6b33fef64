-- Borrower queries return every line's monthly status history. Assembling it from
-- credit_line_months took a grouped subquery per line on the service's hottest path (about
-- half of that statement's cost), so each line now carries its history packed: "YYYYMMc" per
-- month, oldest first, c the status code ('#' for none). The service rewrites it from
-- credit_line_months in the same transaction as every change to those records.
ALTER TABLE credit_lines ADD COLUMN month_statuses TEXT NULL;

SET SESSION group_concat_max_len = 1048576;

UPDATE credit_lines l SET l.month_statuses = (
  SELECT GROUP_CONCAT(DATE_FORMAT(mo.month, '%Y%m'), IF(mo.status_code = '', '#', LEFT(mo.status_code, 1))
                      ORDER BY mo.month SEPARATOR '')
  FROM credit_line_months mo WHERE mo.line_id = l.id);
