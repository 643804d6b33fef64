-- Borrower queries flag lines under dispute. An EXISTS subquery into disputes per line cost
-- about a tenth of that statement; each line now carries the flag, set and cleared in the same
-- transaction as the dispute is filed and resolved (a line has at most one open dispute).
ALTER TABLE credit_lines ADD COLUMN disputed BOOLEAN NOT NULL DEFAULT 0;

UPDATE credit_lines l SET l.disputed = EXISTS (SELECT 1 FROM disputes d WHERE d.line_id = l.id AND d.status = 1);
