-- The latest change to any captive, read by the dashboard to know whether its summary of
-- the registry is still current (Store::registry_version).
CREATE INDEX captives_by_updated_at ON captives (updated_at);
