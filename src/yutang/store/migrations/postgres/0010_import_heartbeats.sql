-- When the node running or holding an import job last showed it was alive. Another node fails
-- the jobs of a node that stopped for good (its spool dir, and the upload in it, went with it),
-- instead of leaving them "running" forever.
-- Keep in sync with ../sqlite/0010_import_heartbeats.sql.
ALTER TABLE import_jobs ADD COLUMN heartbeat_at BIGINT;
