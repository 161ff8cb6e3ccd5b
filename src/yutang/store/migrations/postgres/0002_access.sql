-- Stores (门店), API keys and the audit log.
-- Keep in sync with ../sqlite/0002_access.sql: same tables, columns and keys.

CREATE TABLE stores (
    tenant_id BIGINT NOT NULL REFERENCES tenants (tenant_id),
    store_id BIGINT NOT NULL,
    name TEXT NOT NULL,
    code TEXT NOT NULL,
    city TEXT NOT NULL DEFAULT '',
    address TEXT NOT NULL DEFAULT '',
    active BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, store_id)
);
CREATE UNIQUE INDEX stores_code ON stores (tenant_id, code);

-- Only a hash of each key's secret is stored; the full key is shown once, at creation.
CREATE TABLE api_keys (
    tenant_id BIGINT NOT NULL REFERENCES tenants (tenant_id),
    api_key_id BIGINT NOT NULL,
    secret_hash BYTEA NOT NULL,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    display_prefix TEXT NOT NULL,
    scopes TEXT NOT NULL,
    created_by BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    last_used_at BIGINT,
    revoked_at BIGINT,
    PRIMARY KEY (tenant_id, api_key_id)
);
CREATE UNIQUE INDEX api_keys_secret ON api_keys (tenant_id, secret_hash);

-- Append-only: the store refuses UPDATE and DELETE (triggers below), and no code path issues them.
CREATE TABLE audit_log (
    tenant_id BIGINT NOT NULL,
    audit_id BIGINT NOT NULL,
    at BIGINT NOT NULL,
    actor_type TEXT NOT NULL,
    actor_id BIGINT NOT NULL,
    action TEXT NOT NULL,
    target_type TEXT NOT NULL,
    target_id TEXT NOT NULL,
    request_id TEXT NOT NULL,
    client_address TEXT NOT NULL,
    detail TEXT NOT NULL,
    PRIMARY KEY (tenant_id, audit_id)
);
CREATE INDEX audit_log_action ON audit_log (tenant_id, action, audit_id);

CREATE FUNCTION audit_log_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
-- Row triggers do not fire on TRUNCATE.
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
