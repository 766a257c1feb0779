-- Media-access requests (GC III Art. 13): the request, its decision and visits, as one
-- JSON document per request, like captives.
CREATE TABLE media_requests (
    id TEXT PRIMARY KEY,
    journalist TEXT NOT NULL,
    created_at TEXT NOT NULL,
    record TEXT NOT NULL
);
CREATE INDEX media_requests_by_journalist ON media_requests (journalist);
