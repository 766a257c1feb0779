-- PostgreSQL's 0006 makes the audit tables refuse TRUNCATE. SQLite has no TRUNCATE (its
-- "DELETE FROM" without WHERE fires the row triggers of 0001, which refuse it), so there
-- is nothing to do here; this file keeps the two backends' migration numbers aligned.
SELECT 1;
