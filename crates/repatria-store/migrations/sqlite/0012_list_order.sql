-- The orders lists are read in a page at a time (keyset paging: `key > position ORDER BY
-- key`): oldest first for tracing requests, media requests and imports, best score first
-- (and by id among equal scores) for the links of one state.
CREATE INDEX tracing_requests_by_created ON tracing_requests (created_at, id);
CREATE INDEX media_requests_by_created ON media_requests (created_at, id);
CREATE INDEX list_imports_by_created ON list_imports (created_at, id);
DROP INDEX match_links_by_state;
CREATE INDEX match_links_by_state_score ON match_links (state, score DESC, id);
