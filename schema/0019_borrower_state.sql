-- A borrower's current state in their own row (docs/architecture.md, "Borrower state"): the rows
-- a borrower query shows from credit_lines, reservations and borrower_protections, encoded by
-- the server (storage/borrower_state.h). An exposure then reads one row by key beside its
-- inquiry counts instead of joining the three tables.
--
-- NULL means "not built": every change to those tables clears it in the same transaction,
-- through the triggers below, whoever makes the change (any server version, creditshare-admin,
-- an operator's SQL). A reader that finds NULL reads the tables instead and asks for a rebuild;
-- a rebuild writes the state under the borrower row's lock, which each trigger also takes and
-- keeps to the end of its transaction (even when the state is NULL already), so a state is never
-- older than the rows it was built from. Each trigger's WHERE names the row by id alone: under
-- READ COMMITTED (the server's sessions) InnoDB unlocks at once a row that fails the condition.
ALTER TABLE borrowers ADD COLUMN IF NOT EXISTS state MEDIUMBLOB NULL;

CREATE OR REPLACE TRIGGER tr_credit_lines_state_ins AFTER INSERT ON credit_lines FOR EACH ROW UPDATE borrowers SET state = NULL WHERE id = NEW.borrower_id;
CREATE OR REPLACE TRIGGER tr_credit_lines_state_upd AFTER UPDATE ON credit_lines FOR EACH ROW UPDATE borrowers SET state = NULL WHERE id IN (OLD.borrower_id, NEW.borrower_id);
CREATE OR REPLACE TRIGGER tr_credit_lines_state_del AFTER DELETE ON credit_lines FOR EACH ROW UPDATE borrowers SET state = NULL WHERE id = OLD.borrower_id;
CREATE OR REPLACE TRIGGER tr_reservations_state_ins AFTER INSERT ON reservations FOR EACH ROW UPDATE borrowers SET state = NULL WHERE id = NEW.borrower_id;
CREATE OR REPLACE TRIGGER tr_reservations_state_upd AFTER UPDATE ON reservations FOR EACH ROW UPDATE borrowers SET state = NULL WHERE id IN (OLD.borrower_id, NEW.borrower_id);
CREATE OR REPLACE TRIGGER tr_reservations_state_del AFTER DELETE ON reservations FOR EACH ROW UPDATE borrowers SET state = NULL WHERE id = OLD.borrower_id;
CREATE OR REPLACE TRIGGER tr_protections_state_ins AFTER INSERT ON borrower_protections FOR EACH ROW UPDATE borrowers SET state = NULL WHERE id = NEW.borrower_id;
CREATE OR REPLACE TRIGGER tr_protections_state_upd AFTER UPDATE ON borrower_protections FOR EACH ROW UPDATE borrowers SET state = NULL WHERE id IN (OLD.borrower_id, NEW.borrower_id);
CREATE OR REPLACE TRIGGER tr_protections_state_del AFTER DELETE ON borrower_protections FOR EACH ROW UPDATE borrowers SET state = NULL WHERE id = OLD.borrower_id;
