-- The audit log's tables refuse TRUNCATE. Row triggers (0001) refuse UPDATE and DELETE,
-- but TRUNCATE fires no row trigger: without this, one statement could empty the log and
-- its head, and a new chain could be started from scratch. (A signed checkpoint held by
-- a witness detects that too; this stops the casual or mistaken case at the database.)
CREATE FUNCTION audit_no_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log cannot be truncated';
END;
$$;
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
FOR EACH STATEMENT EXECUTE FUNCTION audit_no_truncate();
CREATE TRIGGER audit_head_no_truncate BEFORE TRUNCATE ON audit_head
FOR EACH STATEMENT EXECUTE FUNCTION audit_no_truncate();
