-- What the bureau sends (docs/notifications.md): a notification to the power of origin
-- for every event Arts. 70, 120 and 122 name, created in the transaction of the change
-- that causes it, and dispatches that send every pending one for a power at once. A
-- dispatch keeps the rows it sent as they were sent (`record`, JSON) and is never
-- edited; a notification changes once, from `pending` to `dispatched`; a correction is
-- a new notification naming the one it corrects.
CREATE TABLE notifications (
    id TEXT PRIMARY KEY,
    captive_id TEXT NOT NULL REFERENCES captives (id),
    power_of_origin TEXT NOT NULL,
    kind TEXT NOT NULL,
    event_id TEXT,
    event_at TEXT NOT NULL,
    created_at TEXT NOT NULL,
    due_at TEXT NOT NULL,
    state TEXT NOT NULL,
    dispatch_id TEXT,
    corrects TEXT REFERENCES notifications (id),
    note TEXT,
    created_by TEXT NOT NULL
);
CREATE INDEX notifications_pending ON notifications (state, power_of_origin, due_at);
CREATE INDEX notifications_by_captive ON notifications (captive_id, created_at);
CREATE INDEX notifications_by_dispatch ON notifications (dispatch_id);

CREATE TABLE notification_dispatches (
    id TEXT PRIMARY KEY,
    power_of_origin TEXT NOT NULL,
    via TEXT NOT NULL,
    count BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    record TEXT NOT NULL
);
CREATE INDEX notification_dispatches_by_created ON notification_dispatches (created_at, id);
