-- Import jobs started over HTTP (POST /api/v1/imports): progress, report, rejected rows.
-- Keep in sync with ../sqlite/0007_import_jobs.sql: same tables, columns and keys.
-- Columns marked "-- personal" hold personal information: export and erasure must cover them,
-- or they are listed, with the reason, in CustomerRecords::NotPerCustomerColumns() (a test checks it).

-- One row per uploaded order export. The file itself is never stored here: it waits in
-- <data>/spool/ (mode 0600) until its job ends, then it is deleted.
-- status: queued, running, succeeded, failed. platform: as asked (auto, jd, taobao …);
-- detected_platform and encoding: what the reader found. node: the spool dir (process) that
-- holds the file and runs the job, so that a restart fails only its own interrupted jobs.
-- idempotency_key: the client's Idempotency-Key; the same key twice returns the first job.
-- header_row: the export's header (column names), for the rejected-rows download.
-- error_*: why a failed job failed (client-safe message, never personal data).
-- Deleted with its rejected rows a retention period after it finished (events/import_jobs.hpp).
CREATE TABLE import_jobs (
    tenant_id BIGINT NOT NULL REFERENCES tenants (tenant_id),
    import_id BIGINT NOT NULL,
    status TEXT NOT NULL,
    filename TEXT NOT NULL,
    platform TEXT NOT NULL,
    idempotency_key TEXT,
    node TEXT NOT NULL,
    actor_type TEXT NOT NULL,
    actor_id BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    started_at BIGINT,
    finished_at BIGINT,
    bytes_read BIGINT NOT NULL,
    bytes_total BIGINT NOT NULL,
    detected_platform TEXT NOT NULL,
    encoding TEXT NOT NULL,
    header_row TEXT NOT NULL,
    orders_read BIGINT NOT NULL,
    orders_created BIGINT NOT NULL,
    orders_updated BIGINT NOT NULL,
    orders_unchanged BIGINT NOT NULL,
    customers_created BIGINT NOT NULL,
    customers_matched BIGINT NOT NULL,
    orders_unidentified BIGINT NOT NULL,
    rows_rejected BIGINT NOT NULL,
    error_code TEXT NOT NULL,
    error_message TEXT NOT NULL,
    error_field TEXT NOT NULL,
    PRIMARY KEY (tenant_id, import_id)
);
CREATE UNIQUE INDEX import_jobs_idempotency ON import_jobs (tenant_id, idempotency_key);

-- The rows an import rejected, in file order (seq), for the merchant to download, fix and import
-- again. line, column_name and reason hold no personal data; row_cipher is the row as it was in
-- the file (buyers' names, phones, addresses), encrypted. The rows are tied to no customer, so
-- erasure cannot find them: they go with their job after the retention period.
CREATE TABLE import_rejected_rows (
    tenant_id BIGINT NOT NULL,
    import_id BIGINT NOT NULL,
    seq BIGINT NOT NULL,
    line BIGINT NOT NULL,
    column_name TEXT NOT NULL,
    reason TEXT NOT NULL,
    row_cipher BYTEA NOT NULL,  -- personal
    PRIMARY KEY (tenant_id, import_id, seq),
    FOREIGN KEY (tenant_id, import_id) REFERENCES import_jobs (tenant_id, import_id)
);
