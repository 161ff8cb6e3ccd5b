// Generated from src/yutang/http/openapi.json by openapi-typescript — do not edit.
// Regenerate with `npm run gen:api` (in web/) after the server's API changes;
// `npm run lint` fails while this file and the document disagree.

export interface paths {
    "/healthz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Liveness probe
         * @description 200 while the process can answer HTTP. Checks no dependencies (see /readyz).
         */
        get: operations["getHealth"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/readyz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Readiness probe
         * @description 200 when the server can serve traffic (store reachable, indices loaded); 503 otherwise.
         */
        get: operations["getReadiness"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/metrics": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Prometheus metrics
         * @description Prometheus text exposition format 0.0.4: yutang_http_requests_total, yutang_http_request_duration_seconds, yutang_http_in_flight_requests, yutang_build_info.
         */
        get: operations["getMetrics"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/openapi.json": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** This API's OpenAPI 3 document */
        get: operations["getOpenApi"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/auth/login": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Log in with email and password
         * @description Checks the password (argon2id) and opens a session. The session token is set as the yt_session cookie (HttpOnly, SameSite=Strict); it ends after 2 hours without requests, 12 hours after login, at logout, or when the account is disabled. The response lists the role's permissions, by which the console shows and hides features.
         */
        post: operations["login"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/auth/logout": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * End the current session
         * @description Ends the session at once, server-side, and clears the cookie. Succeeds also without a session.
         */
        post: operations["logout"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/me": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The signed-in staff member (or API key) and merchant
         * @description Any signed-in staff member or API key. For staff: staff and the role's permissions; for an API key: api_key_id and the key's scopes as permissions (no staff).
         */
        get: operations["getMe"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/staff": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * 员工列表 List the merchant's staff
         * @description Needs staff.read (owner, admin, operator, analyst, auditor; or an admin API key with this scope). Emails are masked; see revealStaffEmail.
         */
        get: operations["listStaff"];
        put?: never;
        /**
         * 添加员工 Add a staff member
         * @description Needs staff.write (owner, admin; or an admin API key with this scope). Adds (invites) a staff member to the caller's merchant; the inviter hands the password over. Only an owner may add owners or admins (403); an admin API key acts as an admin. Without password one is generated and returned once in the response: it is never stored in clear and cannot be shown again. An email the merchant already has answers 409 already_exists (field email). Audited: staff.created.
         */
        post: operations["createStaff"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/staff/{staff_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * 员工详情 One staff member
         * @description Needs staff.read (owner, admin, operator, analyst, auditor; or an admin API key with this scope). The email is masked.
         */
        get: operations["getStaff"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        /**
         * 修改员工 Change a staff member's role, name or active state
         * @description Needs staff.write (owner, admin; or an admin API key with this scope). Only the fields sent change. Only an owner may change an owner's or admin's account, or make someone owner or admin (403); an admin API key acts as an admin. The last active owner cannot be demoted or disabled (409 failed_precondition). Disabling (active=false) ends every session of the account at once. Audited: staff.role_changed, staff.disabled, staff.enabled, staff.renamed.
         */
        patch: operations["updateStaff"];
        trace?: never;
    };
    "/api/v1/staff/{staff_id}/reveal-email": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * 查看完整邮箱 Show a staff member's full email
         * @description Needs staff.write (owner, admin; or an admin API key with this scope). Returns the unmasked email. Every view is audited (pii.viewed), hence POST. No request body.
         */
        post: operations["revealStaffEmail"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/roles": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * 角色与权限 Roles and their permissions
         * @description Needs staff.read (owner, admin, operator, analyst, auditor; or an admin API key with this scope). Every role with the permissions it holds (the table in docs/security.md). No role holds events.write: it belongs to write keys only.
         */
        get: operations["listRoles"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/stores": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * 门店列表 List stores
         * @description Needs stores.read (every role; or an admin API key with this scope). The merchant's stores by id, inactive ones included.
         */
        get: operations["listStores"];
        put?: never;
        /**
         * 添加门店 Add a store
         * @description Needs stores.write (owner, admin; or an admin API key with this scope). code is unique within the merchant and cannot change later: a taken code answers 409 already_exists (field code). Audited: store.created.
         */
        post: operations["createStore"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/stores/{store_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * 门店详情 One store
         * @description Needs stores.read (every role; or an admin API key with this scope).
         */
        get: operations["getStore"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        /**
         * 修改门店 Change a store
         * @description Needs stores.write (owner, admin; or an admin API key with this scope). Only the fields sent change; code cannot change (other systems key on it). Stores are deactivated (active=false), never deleted. Audited: store.updated with the names of the changed fields (an update that changes nothing writes nothing).
         */
        patch: operations["updateStore"];
        trace?: never;
    };
    "/api/v1/api-keys": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * API 密钥列表 List API keys
         * @description Needs apikeys.read (owner, admin; or an admin API key with this scope). Newest first, revoked keys included. Secrets are never shown; prefix identifies a key.
         */
        get: operations["listApiKeys"];
        put?: never;
        /**
         * 创建 API 密钥 Create an API key (shown once)
         * @description Needs apikeys.write (owner, admin; or an admin API key with this scope). kind write (ytw_…) may only send tracking events: scopes empty or ["events.write"]. kind admin (yta_…) carries at least one console scope, never events.write. The full key is returned once, in token: only its hash is stored and it cannot be shown again. Audited: apikey.created.
         */
        post: operations["createApiKey"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/api-keys/{key_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /**
         * 吊销 API 密钥 Revoke an API key
         * @description Needs apikeys.write (owner, admin; or an admin API key with this scope). The key stops authenticating at once; it stays listed with revoked_at. Revoking an already revoked key also answers 204, without a second audit entry. Audited: apikey.revoked.
         */
        delete: operations["revokeApiKey"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/audit-log": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * 审计日志 Page through the audit log
         * @description Needs audit.read (owner, admin, auditor; or an admin API key with this scope). Newest first. Entries hold ids and masked values, never personal data. Pass next_cursor as cursor for the next page; next_cursor is null on the last page. A non-integer actor_id, from, to or cursor, or a limit outside 1 to 200, answers 400.
         */
        get: operations["listAuditLog"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/imports": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The merchant's imports, newest first
         * @description Needs customers.read. Jobs are kept 30 days after they end, then deleted with their rejected rows. Entries carry no rejections list (see getImport).
         */
        get: operations["listImports"];
        put?: never;
        /**
         * 订单导入 Import a platform's order export
         * @description Needs imports.write (owner, admin, operator). The body is the file exactly as downloaded from 京东, 淘宝/天猫, 抖店, 拼多多 or 有赞 (CSV in GBK or UTF-8, or XLSX), sent raw with any Content-Type (a browser can fetch() with the File as the body). It is written to the server's spool dir (mode 0600) and deleted when the job ends; the import runs in the background, one job at a time per server, and the response says where to poll. Bodies over max_import_bytes (default 200 MiB, config max_import_bytes / YUTANG_MAX_IMPORT_BYTES) answer 413 from Content-Length before anything is read; credentials and the permission are checked before the body is read too. Importing the same file again changes nothing (orders are upserted by platform and order id). Audited as import.created.
         */
        post: operations["createImport"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/imports/{import_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * An import's status, progress and report
         * @description Needs customers.read. Poll until status is succeeded or failed (progress is updated about twice a second while running). The report carries the first rejected rows (line, column, reason — never the row's content). A job that a restart interrupted is failed with code aborted: import the file again, importing twice changes nothing.
         */
        get: operations["getImport"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/imports/{import_id}/rejected": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The rows an import rejected, as CSV
         * @description Needs customers.export: the rows hold buyers' personal data. CSV for Excel: UTF-8 with a BOM, CRLF; columns 行号 line, 原因 reason (prefixed with the column it is about), then the row's own fields under the export's header — fix them and import the file again. Only for succeeded jobs (409 while queued or running, or when the job failed). Audited as data.exported (target_type import).
         */
        get: operations["getImportRejectedRows"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/track": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Record an action (Segment track)
         * @description Needs events.write (a write key). The call returns after the accepted messages are durable (group commit). Rejected messages, and a request refused whole with 400 (not JSON, over 32 KB a message or 500 KB a batch, no batch array, a bad sentAt), are kept among the merchant's failed events for 30 days with the reason: a message as sent (its first 32 KB), a batch refused whole only by its size. A body over the server's limit (max_body_bytes) is refused with 413 before it is read, and not kept.
         */
        post: operations["ingestTrack"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/identify": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Tie a user to their traits (Segment identify)
         * @description Needs events.write (a write key). The call returns after the accepted messages are durable (group commit). Rejected messages, and a request refused whole with 400 (not JSON, over 32 KB a message or 500 KB a batch, no batch array, a bad sentAt), are kept among the merchant's failed events for 30 days with the reason: a message as sent (its first 32 KB), a batch refused whole only by its size. A body over the server's limit (max_body_bytes) is refused with 413 before it is read, and not kept.
         */
        post: operations["ingestIdentify"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/alias": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Merge two ids of one person (Segment alias)
         * @description Needs events.write (a write key). The call returns after the accepted messages are durable (group commit). Rejected messages, and a request refused whole with 400 (not JSON, over 32 KB a message or 500 KB a batch, no batch array, a bad sentAt), are kept among the merchant's failed events for 30 days with the reason: a message as sent (its first 32 KB), a batch refused whole only by its size. A body over the server's limit (max_body_bytes) is refused with 413 before it is read, and not kept.
         */
        post: operations["ingestAlias"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/group": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Associate a user with a group (Segment group)
         * @description Needs events.write (a write key). The call returns after the accepted messages are durable (group commit). Rejected messages, and a request refused whole with 400 (not JSON, over 32 KB a message or 500 KB a batch, no batch array, a bad sentAt), are kept among the merchant's failed events for 30 days with the reason: a message as sent (its first 32 KB), a batch refused whole only by its size. A body over the server's limit (max_body_bytes) is refused with 413 before it is read, and not kept.
         */
        post: operations["ingestGroup"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/page": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Record a page view (Segment page)
         * @description Needs events.write (a write key). The call returns after the accepted messages are durable (group commit). Rejected messages, and a request refused whole with 400 (not JSON, over 32 KB a message or 500 KB a batch, no batch array, a bad sentAt), are kept among the merchant's failed events for 30 days with the reason: a message as sent (its first 32 KB), a batch refused whole only by its size. A body over the server's limit (max_body_bytes) is refused with 413 before it is read, and not kept.
         */
        post: operations["ingestPage"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/screen": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Record a screen view (Segment screen)
         * @description Needs events.write (a write key). The call returns after the accepted messages are durable (group commit). Rejected messages, and a request refused whole with 400 (not JSON, over 32 KB a message or 500 KB a batch, no batch array, a bad sentAt), are kept among the merchant's failed events for 30 days with the reason: a message as sent (its first 32 KB), a batch refused whole only by its size. A body over the server's limit (max_body_bytes) is refused with 413 before it is read, and not kept.
         */
        post: operations["ingestScreen"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/batch": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Send many messages at once (Segment batch)
         * @description Up to 2,500 messages and 500 KB; each carries its own type. Needs events.write (a write key). The call returns after the accepted messages are durable (group commit). Rejected messages, and a request refused whole with 400 (not JSON, over 32 KB a message or 500 KB a batch, no batch array, a bad sentAt), are kept among the merchant's failed events for 30 days with the reason: a message as sent (its first 32 KB), a batch refused whole only by its size. A body over the server's limit (max_body_bytes) is refused with 413 before it is read, and not kept.
         */
        post: operations["ingestBatch"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/failed-events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * 失败事件 Tracking messages that were refused, newest first
         * @description Needs apikeys.read (owner, admin; or an admin API key with this scope): for whoever connects senders and needs to see what the tracking API refused and why. Each item says when, why and which field ("body" for a request refused whole); never the message itself, which is someone's personal data (getFailedEvent). Failed events are kept 30 days. Pass next_cursor as cursor for the next page; next_cursor is null on the last page. A non-integer cursor, or a limit outside 1 to 200, answers 400.
         */
        get: operations["listFailedEvents"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/failed-events/summary": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * 失败事件概览 Refused tracking messages per day and per reason
         * @description Needs apikeys.read. The last `days` days up to today, in the merchant's time zone: a count for every day (zeros included, oldest first) and the 20 most frequent reasons with the field they name and when each last happened. Reasons and fields that differ only in their numbers ("malformed JSON at offset 25" and "… offset 31"; products[0] and products[1]) count as one, shown as the latest. A days outside 1 to 31 answers 400.
         */
        get: operations["getFailedEventSummary"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/failed-events/{failed_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * One refused tracking message as it was sent
         * @description Needs customers.export: the message is someone's personal data. The payload is the message as sent, minified; for a single message over 32 KB its first 32 KB (the reason says so); for a batch refused whole only {"bytes":N}, since a batch may hold many people's messages. Audited as data.exported (target_type failed_event); answered with Cache-Control: no-store.
         */
        get: operations["getFailedEvent"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/customers": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List and find customers (filters, cursor paging)
         * @description Needs customers.read. Newest first. q matches, normalised, every identity kind (phone in any format, email in any case, user id, platform buyer ids, unionid) and the exact full name. Guides see only the customers they own. Identities and names are masked.
         */
        get: operations["listCustomers"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/customers/{customer_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * A customer's profile
         * @description Needs customers.read. Identities and personal attributes masked; attributes, tags, notes, consent (current and ledger), owner guide, source channel, computed traits (lifecycle, RFM); latest orders and events (of every id merged into the customer).
         */
        get: operations["getCustomer"];
        put?: never;
        post?: never;
        /**
         * Erase the person's personal information (PIPL art. 47)
         * @description Needs customers.delete (owner, admin). Deletes identities, wipes event payloads and orders' buyer details, deletes failed events that name the person; orders and events stay, pseudonymised, so numbers do not change. Audited as data.deleted.
         */
        delete: operations["eraseCustomer"];
        options?: never;
        head?: never;
        /**
         * Change attributes and the owner guide
         * @description Needs customers.write. Merge-patch semantics: attributes listed are set (strings that are ISO dates become dates) or, with null, removed; others stay. owner_staff_id sets the guide (null: nobody; audited customer.owner_changed); guides cannot change it. Returns the profile.
         */
        patch: operations["updateCustomer"];
        trace?: never;
    };
    "/api/v1/customers/{customer_id}/reveal": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Full identity values and personal attributes (audited)
         * @description Needs customers.read_pii (owner, admin). Audited as pii.viewed.
         */
        post: operations["revealCustomer"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/customers/{customer_id}/export": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Everything held about the person (PIPL art. 45)
         * @description Needs customers.export. A JSON document: identities (full values), traits, orders with buyer details, events with their messages, failed events that name the person. Audited as data.exported.
         */
        post: operations["exportCustomer"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/customers/{customer_id}/tags": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Add and remove tags
         * @description Needs customers.write. Adds, then removes. In an exclusive group a new tag replaces the customer's other tag of the group. Returns the customer's tags.
         */
        post: operations["changeCustomerTags"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/customers/{customer_id}/notes": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Add a note
         * @description Needs customers.write. 1–2,000 characters, stored encrypted.
         */
        post: operations["addCustomerNote"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/customers/{customer_id}/consent": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Record a consent decision (audited)
         * @description Needs customers.write. Appends to the consent ledger (never changed); the latest decision of a purpose (by given_at) is the current one. Audited as consent.recorded.
         */
        post: operations["recordCustomerConsent"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/tags": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Tag groups with their tags and counts
         * @description Needs customers.read.
         */
        get: operations["listTags"];
        put?: never;
        /**
         * Create a tag in a group
         * @description Needs tags.write (owner, admin, operator). Names are 1–64 characters, unique in their group; creating a deleted tag's name again brings that tag back.
         */
        post: operations["createTag"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/tag-groups": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Create a tag group
         * @description Needs tags.write (owner, admin, operator).
         */
        post: operations["createTagGroup"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/tags/{tag_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /**
         * Delete a tag (and remove it from every customer)
         * @description Needs tags.write (owner, admin, operator). Removes the tag from every customer; the tag id stays reserved (saved rules may name it) and deleting it again answers 204.
         */
        delete: operations["deleteTag"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/audience/preview": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Count the customers a rule holds, with a sample
         * @description Needs customers.read; guides (导购) count only the customers they own. Give the rule in its JSON form (`rule`) or its text form (`text`), not both. Counted on the merchant's in-memory index (loaded from its saved copy or built on first use, rebuilt aside when older than the server's audience_index_max_age, a day by default), first brought up to date with every change committed before the request, by this server or any other process; `as_of` says when it was brought up to date, `index_built_at` when it was built. A rule that does not parse is 400 with `message` (English) and `message_zh` (Chinese), both prefixed by where: `offset`, `line` and `column` for text, `pointer` for JSON. A segment condition names a saved segment by id or name (an unknown one is 400) and is answered by evaluating that segment's rule on the same index.
         */
        post: operations["previewAudience"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/segments": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Saved segments with their sizes
         * @description Needs customers.read. Live segments by id; sizes are null for guides.
         */
        get: operations["listSegments"];
        put?: never;
        /**
         * Save a segment (rule in JSON or text form) and evaluate it
         * @description Needs segments.write. Give the rule as `rule` (JSON form) or `text`, not both. The segment is evaluated at once; afterwards every minute (membership changes are recorded with their time, see getSegmentHistory). A rule that does not parse is 400 located as in previewAudience; a segment condition names another live segment by id or name (stored by id) and a chain that leads back to this segment is 400. A name already used by a live segment is 409.
         */
        post: operations["createSegment"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/segments/{segment_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * One saved segment
         * @description Needs customers.read.
         */
        get: operations["getSegment"];
        put?: never;
        post?: never;
        /**
         * Delete a segment (its id is never reused)
         * @description Needs segments.write. The name is free again; the members are removed without exit records. Deleting a deleted segment again is 204. 409 (failed_precondition) while another live segment's rule refers to it.
         */
        delete: operations["deleteSegment"];
        options?: never;
        head?: never;
        /**
         * Rename a segment or change its rule
         * @description Needs segments.write. Fields left out are unchanged; a changed rule is evaluated at once. A rule that does not parse is 400 located as in previewAudience; a segment condition names another live segment by id or name (stored by id) and a chain that leads back to this segment is 400.
         */
        patch: operations["updateSegment"];
        trace?: never;
    };
    "/api/v1/segments/{segment_id}/members": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * A segment's members, newest id first, identities masked
         * @description Needs customers.read; guides see only the customers they own. Members as of the segment's last evaluation.
         */
        get: operations["listSegmentMembers"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/segments/{segment_id}/history": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * A segment's size over time and its latest entries and exits
         * @description Needs customers.read. Sizes: one per evaluation that changed the size and at least one per merchant-local day (the latest 400), ascending. Changes: the latest 100 entries and exits, newest first. Guides get no sizes and only their own customers' changes.
         */
        get: operations["getSegmentHistory"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/segments/{segment_id}/export": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * A segment's members as CSV or XLSX, identities masked (audited)
         * @description Needs customers.export; audited as data.exported with target type segment (detail: the format). Columns 客户ID customer_id, 进入时间 entered_at (RFC 3339, UTC), 身份 identities (kind:hint; …), named so in a header row, in both formats. CSV: UTF-8 with a byte order mark, CRLF. XLSX: one sheet, customer_id as a number, text as inline strings; a segment with more members than a sheet holds (1,048,575) answers 400 (field format). Guides export only their own customers. The members are read in one consistent view and written as they are read, and the body is sent with a Content-Length once the file is complete. `yutang segment export` writes the same files.
         */
        get: operations["exportSegment"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/merchant": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        /**
         * 商户设置 Rename the merchant or change its time zone (audited)
         * @description Needs settings.write (owner, admin). Only the fields sent change. The time zone is the merchant's calendar: report days, segment calendar conditions and the daily trait refresh follow it. GET /api/v1/me shows the current settings. Audited: merchant.updated (an update that changes nothing writes nothing).
         */
        patch: operations["updateMerchant"];
        trace?: never;
    };
    "/api/v1/overview": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * 数据看板 The pool, its growth and sales per local day
         * @description Needs insight.read. Figures for the last `days` local days of the merchant up to and including today, with the previous period of the same length for comparison. Aggregated in the store per quarter hour and assigned to the merchant's local days, so a day is the merchant's day, not UTC's.
         */
        get: operations["getOverview"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        /**
         * @example {
         *       "error": {
         *         "code": "invalid_argument",
         *         "message": "email is required",
         *         "field": "email"
         *       }
         *     }
         */
        Error: {
            error: {
                /**
                 * @description Canonical error code. HTTP statuses: invalid_argument 400, unauthenticated 401, permission_denied 403, not_found 404, already_exists 409, aborted 409, failed_precondition 409, resource_exhausted 429, internal 500, unavailable 503, deadline_exceeded 504.
                 * @enum {string}
                 */
                code: "invalid_argument" | "not_found" | "already_exists" | "failed_precondition" | "aborted" | "permission_denied" | "unauthenticated" | "resource_exhausted" | "unavailable" | "deadline_exceeded" | "internal";
                /** @description Human-readable, safe to show; never contains personal data. */
                message: string;
                /** @description The request field the error is about (e.g. "email", "address.city", "body"); absent when none. */
                field?: string;
                /** @description The message in Chinese, where the error has one (audience rules). */
                message_zh?: string;
                /** @description Rule text errors: the byte offset of the problem. */
                offset?: number;
                /** @description Rule text errors: the 1-based line. */
                line?: number;
                /** @description Rule text errors: the 1-based column, in characters. */
                column?: number;
                /** @description JSON rule errors: an RFC 6901 pointer into the rule (e.g. /all/1/value). */
                pointer?: string;
            };
        };
        HealthStatus: {
            /** @enum {string} */
            status: "ok";
        };
        ReadyStatus: {
            /** @enum {string} */
            status: "ready";
        };
        /** @description Same as Staff; kept for older clients. */
        StaffSummary: components["schemas"]["Staff"];
        TenantSummary: {
            /** Format: int64 */
            id: number;
            /** @example 演示旗舰店 */
            name: string;
            /** @example Asia/Shanghai */
            time_zone: string;
            /** @example CNY */
            currency: string;
        };
        LoginRequest: {
            /** Format: email */
            email: string;
            /** Format: password */
            password: string;
            /**
             * Format: int64
             * @description Which merchant to log in to when the email has accounts at several; default: the first one whose password matches.
             */
            merchant_id?: number;
        };
        LoginResponse: {
            staff: components["schemas"]["Staff"];
            tenant: components["schemas"]["TenantSummary"];
            /** @description What the staff member's role may do. */
            permissions: components["schemas"]["Permission"][];
            /**
             * Format: int64
             * @description Absolute end of the session, UTC microseconds since the epoch.
             */
            expires_at: number;
        };
        /** @description Either staff (a signed-in staff member) or api_key_id (an API key) is present. */
        Me: {
            /** @description Absent for an API key. */
            staff?: components["schemas"]["Staff"];
            /**
             * Format: int64
             * @description Present only for an API key.
             */
            api_key_id?: number;
            tenant: components["schemas"]["TenantSummary"];
            /** @description The role's permissions, or the key's scopes. */
            permissions: components["schemas"]["Permission"][];
        };
        /**
         * @description A permission name. Roles hold them (see listRoles); admin API keys hold their scopes; events.write belongs to write keys only.
         * @enum {string}
         */
        Permission: "staff.read" | "staff.write" | "stores.read" | "stores.write" | "apikeys.read" | "apikeys.write" | "audit.read" | "settings.write" | "customers.read" | "customers.write" | "customers.read_pii" | "customers.export" | "customers.delete" | "tags.write" | "imports.write" | "insight.read" | "events.write" | "segments.write";
        /** @enum {string} */
        Role: "owner" | "admin" | "operator" | "guide" | "analyst" | "auditor";
        Staff: {
            /** Format: int64 */
            id: number;
            /** @description Masked, e.g. d***@yutang.local */
            email: string;
            display_name: string;
            role: components["schemas"]["Role"];
            /** @description false: disabled, cannot sign in */
            active: boolean;
            /**
             * Format: int64
             * @description UTC microseconds since the epoch.
             */
            created_at: number;
        };
        StaffList: {
            items: components["schemas"]["Staff"][];
        };
        CreateStaffRequest: {
            /**
             * Format: email
             * @description Trimmed and lower-cased; unique within the merchant.
             */
            email: string;
            /** @description Default: the email's local part. */
            display_name?: string | null;
            /**
             * @description Default guide. Only an owner may add owners or admins.
             * @default guide
             */
            role: components["schemas"]["Role"] | null;
            /**
             * Format: password
             * @description 8 to 128 characters, not one of the commonest passwords. Omitted: one is generated and returned once.
             */
            password?: string | null;
        };
        CreatedStaff: {
            staff: components["schemas"]["Staff"];
            /**
             * Format: password
             * @description The generated password, present only when the request had none. Shown once.
             */
            password?: string;
        };
        /** @description Only the fields sent (and not null) change. */
        UpdateStaffRequest: {
            /** @description Only an owner may make someone owner or admin. */
            role?: components["schemas"]["Role"] | null;
            display_name?: string | null;
            /** @description false disables the account and ends its sessions. */
            active?: boolean | null;
        };
        StaffEmail: {
            /** Format: email */
            email: string;
        };
        RoleList: {
            items: {
                role: components["schemas"]["Role"];
                permissions: components["schemas"]["Permission"][];
            }[];
        };
        Store: {
            /** Format: int64 */
            id: number;
            /** @example 静安寺店 */
            name: string;
            /**
             * @description The merchant's own code (POS, ERP); unique within the merchant, never changes.
             * @example SH-001
             */
            code: string;
            /** @example 上海 */
            city: string;
            /** @example 南京西路 1 号 */
            address: string;
            active: boolean;
            /**
             * Format: int64
             * @description UTC microseconds since the epoch.
             */
            created_at: number;
        };
        StoreList: {
            items: components["schemas"]["Store"][];
        };
        CreateStoreRequest: {
            name: string;
            /** @example SH-001 */
            code: string;
            city?: string | null;
            address?: string | null;
        };
        /** @description Only the fields sent (and not null) change; code cannot change. */
        UpdateStoreRequest: {
            name?: string | null;
            city?: string | null;
            address?: string | null;
            /** @description false deactivates the store. */
            active?: boolean | null;
        };
        ApiKey: {
            /** Format: int64 */
            id: number;
            /** @example ERP sync */
            name: string;
            /** @enum {string} */
            kind: "write" | "admin";
            scopes: components["schemas"]["Permission"][];
            /**
             * @description Enough to recognise the key; not the key.
             * @example yta_1_Ab3d
             */
            prefix: string;
            /**
             * Format: int64
             * @description The id of the staff member (or API key) that created it.
             */
            created_by: number;
            /**
             * Format: int64
             * @description UTC microseconds since the epoch.
             */
            created_at: number;
            /**
             * Format: int64
             * @description UTC microseconds; updated at most once a minute; null if never used.
             */
            last_used_at: number | null;
            /**
             * Format: int64
             * @description UTC microseconds; null while the key is valid.
             */
            revoked_at: number | null;
        };
        ApiKeyList: {
            items: components["schemas"]["ApiKey"][];
        };
        CreateApiKeyRequest: {
            name: string;
            /** @enum {string} */
            kind: "write" | "admin";
            /** @description Write keys: empty or ["events.write"]. Admin keys: at least one, never events.write. */
            scopes?: components["schemas"]["Permission"][] | null;
        };
        CreatedApiKey: {
            api_key: components["schemas"]["ApiKey"];
            /** @description The full key, yt<w|a>_<tenant_id>_<secret>. Shown once; never stored or logged. */
            token: string;
        };
        AuditEntry: {
            /** Format: int64 */
            id: number;
            /**
             * Format: int64
             * @description UTC microseconds since the epoch.
             */
            at: number;
            /** @enum {string} */
            actor_type: "staff" | "api_key" | "system" | "anonymous";
            /**
             * Format: int64
             * @description Staff id or API key id; 0 for system and anonymous.
             */
            actor_id: number;
            /**
             * @description auth.login, auth.login_failed, staff.created, staff.role_changed, staff.disabled, staff.enabled, staff.renamed, apikey.created, apikey.revoked, store.created, store.updated, pii.viewed, data.exported, data.deleted
             * @example staff.role_changed
             */
            action: string;
            /** @example staff */
            target_type: string;
            /** @example 7 */
            target_id: string;
            request_id: string;
            client_address: string;
            /** @description Action-specific, without personal data, e.g. {"from":"guide","to":"operator"}. */
            detail: Record<string, never>;
        };
        AuditPage: {
            items: components["schemas"]["AuditEntry"][];
            /** @description Pass as cursor for the next page; null on the last page. */
            next_cursor: string | null;
        };
        ImportJob: {
            /** Format: int64 */
            id: number;
            /** @enum {string} */
            status: "queued" | "running" | "succeeded" | "failed";
            filename: string;
            /** @description As asked: auto, jd, taobao, douyin, pdd, youzan or mapped */
            platform: string;
            /**
             * Format: int64
             * @description UTC microseconds
             */
            created_at: number;
            /** Format: int64 */
            started_at: number | null;
            /** Format: int64 */
            finished_at: number | null;
            progress: {
                /** Format: int64 */
                bytes_read: number;
                /**
                 * Format: int64
                 * @description The file's size (XLSX: of its inflated sheet, once reading began)
                 */
                bytes_total: number;
                /** Format: int64 */
                orders_read: number;
                /** Format: int64 */
                rows_rejected: number;
            };
            /** @description Once the job has ended; for a failed job, what the batches before the failure committed. */
            report: {
                /** @description The platform recognised ("" when the file could not be read) */
                platform: string;
                /** @example GB18030 */
                encoding: string;
                /** Format: int64 */
                orders_read: number;
                /** Format: int64 */
                orders_created: number;
                /** Format: int64 */
                orders_updated: number;
                /** Format: int64 */
                orders_unchanged: number;
                /** Format: int64 */
                customers_created: number;
                /** Format: int64 */
                customers_matched: number;
                /**
                 * Format: int64
                 * @description Orders with no usable buyer identity (e.g. masked phones only): stored, not linked
                 */
                orders_unidentified: number;
                /** Format: int64 */
                rows_rejected: number;
                /** @description getImport only: the first rejected rows, in file order */
                rejections?: {
                    /** Format: int64 */
                    line: number;
                    column: string;
                    reason: string;
                }[];
            } | null;
            /** @description Why a failed job failed */
            error: {
                code: string;
                message: string;
                field?: string;
            } | null;
            links: {
                self: string;
                /** @description When rows were rejected */
                rejected?: string;
            };
        };
        ImportJobList: {
            items: components["schemas"]["ImportJob"][];
        };
        /** @description A message as Segment's HTTP Tracking API defines it (https://segment.com/docs/connections/sources/catalog/libraries/server/http-api/). userId or anonymousId is required (alias: previousId and userId); track needs event; group needs groupId. timestamp/originalTimestamp and sentAt (ISO 8601) correct the device's clock: timestamp = receivedAt − (sentAt − originalTimestamp). messageId deduplicates re-sends per merchant. properties, traits, context and integrations are kept (encrypted). identify traits.email and traits.phone become identities of the customer. Segment e-commerce v2 events make orders (source "segment", keyed by properties.order_id): Order Completed (paid, with total or revenue and products), Order Updated, Order Cancelled, and Order Refunded, which never changes what was ordered: a total below what is left to refund (or, without a total, the products' value) is one partial refund, added to what the order has had refunded (a re-sent event is a duplicate by its messageId); without either, or reaching what was paid, the order is refunded in full. */
        SegmentMessage: {
            /**
             * @description Required inside a batch.
             * @enum {string}
             */
            type?: "track" | "identify" | "alias" | "group" | "page" | "screen";
            messageId?: string;
            userId?: string;
            anonymousId?: string;
            /** @description alias: what identified the person before. Taken as an anonymousId when known as one, else as a userId when known as one, else as a new anonymousId. A customer has one userId, so an alias from one userId to another (two people, or a rename) is rejected with the reason. */
            previousId?: string;
            groupId?: string;
            event?: string;
            name?: string;
            /** Format: date-time */
            timestamp?: string;
            /** Format: date-time */
            originalTimestamp?: string;
            /** Format: date-time */
            sentAt?: string;
            properties?: Record<string, never>;
            traits?: Record<string, never>;
            context?: Record<string, never>;
            integrations?: Record<string, never>;
        } & {
            [key: string]: unknown;
        };
        SegmentBatch: {
            batch: components["schemas"]["SegmentMessage"][];
            /** Format: date-time */
            sentAt?: string;
            /** @description Applies to every message of the batch that has no context of its own, and is kept with it. */
            context?: Record<string, never>;
            /** @description Applies to every message of the batch that has no integrations of its own, and is kept with it. */
            integrations?: Record<string, never>;
        };
        IngestResult: {
            /** @description Always true for a 200: the accepted messages are durable. */
            success: boolean;
            accepted: number;
            /** @description Messages whose messageId was already stored: accepted, no effect. */
            duplicates: number;
            /** @description Messages that were not accepted; each is kept in failed_events with the reason. */
            rejected: {
                index: number;
                reason: string;
                field?: string;
            }[];
        };
        CustomerIdentity: {
            /** @enum {string} */
            kind: "user_id" | "wechat_unionid" | "phone" | "wecom_external_userid" | "email" | "jd" | "taobao" | "douyin" | "pdd" | "youzan" | "wechat_openid" | "anonymous_id";
            /** @description Masked value, e.g. 138****5678 */
            hint: string;
            /** @description Full value: only from POST …/reveal */
            value?: string;
            source: string;
            /** Format: int64 */
            created_at: number;
        };
        CustomerTraits: {
            order_count?: number;
            /** Format: int64 */
            total_spend_fen?: number;
            /** Format: int64 */
            refunded_fen?: number;
            /** Format: int64 */
            average_order_value_fen?: number;
            /** Format: int64 */
            first_order_at?: number | null;
            /** Format: int64 */
            last_order_at?: number | null;
            platform_counts?: {
                [key: string]: number;
            };
            /**
             * @description 潜客/新客/复购/沉睡(>180 days)/流失(>365 days), from purchases and days since the last one
             * @enum {string}
             */
            lifecycle_stage?: "prospect" | "new" | "repeat" | "at_risk" | "churned";
            /** @description Scores 1–5 by quintile within the merchant, refreshed once per local day; null until the first refresh */
            rfm?: {
                recency?: number;
                frequency?: number;
                monetary?: number;
            } | null;
        } | null;
        CustomerSummary: {
            /** Format: int64 */
            id: number;
            /** @description Masked (王**) */
            name?: string;
            identities: components["schemas"]["CustomerIdentity"][];
            tags?: components["schemas"]["Tag"][];
            traits: components["schemas"]["CustomerTraits"];
            /**
             * Format: int64
             * @description The guide (导购) who looks after the customer
             */
            owner_staff_id?: number | null;
            /** @description Where the customer first came from: segment, import:jd, import:taobao … */
            source_channel?: string;
            /**
             * Format: int64
             * @description The latest event or order (µs since the epoch)
             */
            last_seen_at?: number | null;
            /** @enum {string} */
            lifecycle_stage?: "prospect" | "new" | "repeat" | "at_risk" | "churned";
            /** Format: int64 */
            created_at?: number;
        };
        CustomerList: {
            items: components["schemas"]["CustomerSummary"][];
            /** @description Customers matching the filters */
            total: number;
            /**
             * Format: int64
             * @description Pass as before= for the next page; null at the end
             */
            next_before?: number | null;
        };
        CustomerProfile: {
            /**
             * Format: int64
             * @description The canonical id (a merged id leads here)
             */
            id: number;
            merged_ids: number[];
            /** Format: int64 */
            created_at?: number;
            /** Format: int64 */
            updated_at?: number;
            identities: components["schemas"]["CustomerIdentity"][];
            traits: components["schemas"]["CustomerTraits"];
            /** @description Newest first, at most 50 */
            orders: {
                source?: string;
                order_id?: string;
                /** @enum {string} */
                status?: "pending_payment" | "paid" | "shipped" | "completed" | "cancelled" | "refunded";
                /** Format: int64 */
                total_fen?: number;
                /** Format: int64 */
                paid_fen?: number;
                /** Format: int64 */
                refunded_fen?: number;
                /** Format: int64 */
                ordered_at?: number;
                buyer_hint?: string;
            }[];
            /** @description Newest first, at most 50 */
            events: {
                type?: string;
                name?: string;
                /** Format: int64 */
                occurred_at?: number;
            }[];
            /**
             * Format: int64
             * @description The guide (导购) who looks after the customer
             */
            owner_staff_id?: number | null;
            /** @description Where the customer first came from: segment, import:jd, import:taobao … */
            source_channel?: string;
            /**
             * Format: int64
             * @description The latest event or order (µs since the epoch)
             */
            last_seen_at?: number | null;
            /** @enum {string} */
            lifecycle_stage?: "prospect" | "new" | "repeat" | "at_risk" | "churned";
            attributes?: components["schemas"]["Attributes"];
            tags?: components["schemas"]["CustomerTag"][];
            /** @description Newest first */
            notes?: components["schemas"]["Note"][];
            /** @description The current decision per purpose */
            consent?: components["schemas"]["ConsentRecord"][];
            /** @description Every record of the ledger, oldest first */
            consent_log?: components["schemas"]["ConsentRecord"][];
        };
        Tag: {
            /** Format: int64 */
            id?: number;
            /** Format: int64 */
            group_id?: number;
            group?: string;
            name?: string;
        };
        CustomerTag: components["schemas"]["Tag"] & {
            source?: string;
            /** Format: int64 */
            tagged_by?: number | null;
            /** Format: int64 */
            tagged_at?: number;
        };
        CustomerTagList: {
            items: components["schemas"]["CustomerTag"][];
        };
        AttributeValue: {
            /** @enum {string} */
            type?: "string" | "number" | "boolean" | "date" | "datetime" | "json";
            /** @description The value as JSON of its type; personal attributes (name, birthday, address …) masked except from reveal */
            value?: unknown;
            source?: string;
            /** Format: int64 */
            updated_at?: number;
        };
        /** @description By attribute name */
        Attributes: {
            [key: string]: components["schemas"]["AttributeValue"];
        };
        Note: {
            /** Format: int64 */
            id?: number;
            /** Format: int64 */
            author_staff_id?: number | null;
            body?: string;
            /** Format: int64 */
            created_at?: number;
        };
        ConsentRecord: {
            /** Format: int64 */
            id?: number;
            /** @enum {string} */
            purpose?: "marketing.sms" | "marketing.wecom" | "marketing.email" | "marketing.phone" | "conversation_archive";
            granted?: boolean;
            /** Format: int64 */
            given_at?: number;
            /** Format: int64 */
            recorded_at?: number;
            source?: string;
            notice_version?: string;
            /** Format: int64 */
            recorded_by?: number | null;
        };
        RevealedCustomer: {
            items: components["schemas"]["CustomerIdentity"][];
            attributes?: components["schemas"]["Attributes"];
        };
        TagGroupList: {
            items: {
                /** Format: int64 */
                id?: number;
                name?: string;
                /** @description A customer holds at most one tag of the group (会员等级 …) */
                exclusive?: boolean;
                tags?: {
                    /** Format: int64 */
                    id?: number;
                    name?: string;
                    customers?: number;
                }[];
            }[];
        };
        /** @description A rule in the JSON form: one subject key per node ({"all":[…]}, {"any":[…]}, {"not":{…}}, {"tag":…}, {"trait":…}, {"event":…} …). See docs/design/rules.md. */
        AudienceRule: {
            [key: string]: unknown;
        };
        Segment: {
            /** Format: int64 */
            id: number;
            name: string;
            rule: components["schemas"]["AudienceRule"];
            /** @description The canonical text form; segment conditions name segments by id */
            text: string;
            /**
             * Format: int64
             * @description Members as of evaluated_at; null for guides (导购)
             */
            size: number | null;
            /**
             * Format: int64
             * @description Staff id; null when made with an API key
             */
            created_by: number | null;
            /**
             * Format: int64
             * @description UTC µs
             */
            created_at: number;
            /**
             * Format: int64
             * @description UTC µs
             */
            updated_at: number;
            /**
             * Format: int64
             * @description When the members were last computed (UTC µs)
             */
            evaluated_at: number | null;
        };
        OverviewShare: {
            key: string;
            /** Format: int64 */
            customers: number;
            /** Format: int64 */
            orders?: number;
            /** Format: int64 */
            gmv_fen?: number;
        };
        Overview: {
            /**
             * Format: int64
             * @description When the figures were read (UTC µs)
             */
            as_of: number;
            /** @description The merchant's zone: days are its local days */
            time_zone: string;
            days: number;
            /**
             * Format: int64
             * @description The pool now (merged-away ids not counted)
             */
            customers: number;
            /**
             * Format: int64
             * @description First seen in the period: created here or first ordered, whichever was earlier
             */
            new_customers: number;
            /**
             * Format: int64
             * @description Customers with at least one paid order, ever
             */
            buyers: number;
            /**
             * Format: int64
             * @description … with two or more
             */
            repeat_buyers: number;
            /** @description repeat_buyers / buyers (0 without buyers) */
            repurchase_rate: number;
            /**
             * Format: int64
             * @description Paid orders placed in the period (unpaid and cancelled ones are not sales)
             */
            orders: number;
            /**
             * Format: int64
             * @description Their paid amount in fen
             */
            gmv_fen: number;
            /** @description The same number of days just before the period */
            previous: {
                /** Format: int64 */
                new_customers: number;
                /** Format: int64 */
                orders: number;
                /** Format: int64 */
                gmv_fen: number;
            };
            /** @description One entry per local day, oldest first */
            daily: {
                /** Format: date */
                date: string;
                /** Format: int64 */
                new_customers: number;
                /**
                 * Format: int64
                 * @description Customers first seen by the end of the day
                 */
                pool_size: number;
                /** Format: int64 */
                orders: number;
                /**
                 * Format: int64
                 * @description Distinct customers behind the day's orders
                 */
                buyers: number;
                /** Format: int64 */
                gmv_fen: number;
                /**
                 * Format: int64
                 * @description Refunded so far on orders placed that day
                 */
                refunded_fen: number;
            }[];
            /** @description Sales in the period by order source (jd, taobao, douyin, pdd, youzan, segment …), most GMV first; customers = distinct buyers */
            by_platform: components["schemas"]["OverviewShare"][];
            /** @description The pool by source channel (import:jd, segment …; unknown when not recorded), largest first */
            by_channel: components["schemas"]["OverviewShare"][];
            /** @description The pool by lifecycle stage: prospect, new, repeat, at_risk, churned */
            by_lifecycle: components["schemas"]["OverviewShare"][];
        };
        FailedEvent: {
            /** Format: int64 */
            id: number;
            /**
             * Format: int64
             * @description When it arrived, UTC microseconds since the epoch.
             */
            received_at: number;
            /** @example event is required for track */
            reason: string;
            /**
             * @description The field the reason is about (userId, properties.total, previousId …); body for a request refused whole.
             * @example event
             */
            field: string;
        };
        FailedEventWithPayload: components["schemas"]["FailedEvent"] & {
            /** @description The message as sent (see the operation). */
            payload: string;
        };
        FailedEventPage: {
            items: components["schemas"]["FailedEvent"][];
            /** @description Pass as cursor for the next page; null on the last page. */
            next_cursor: string | null;
        };
        FailedEventSummary: {
            /**
             * Format: int64
             * @description Failed events in the window.
             */
            total: number;
            days: {
                /**
                 * Format: date
                 * @example 2026-11-24
                 */
                date: string;
                /** Format: int64 */
                count: number;
            }[];
            reasons: {
                reason: string;
                field: string;
                /** Format: int64 */
                count: number;
                /**
                 * Format: int64
                 * @description UTC microseconds since the epoch.
                 */
                last_at: number;
            }[];
        };
    };
    responses: {
        /** @description invalid_argument: malformed JSON, a missing or wrong-typed field */
        BadRequest: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description not_found */
        NotFound: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description unavailable: not ready, or a dependency is down */
        Unavailable: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description unauthenticated: not logged in, wrong credentials, the session has ended, or the API key is invalid or revoked */
        Unauthenticated: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description permission_denied — the role or key lacks the permission, or a cookie-authenticated write failed the CSRF checks */
        Forbidden: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description already_exists or failed_precondition: the request conflicts with the current state (taken email or code, last owner) */
        Conflict: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
    };
    parameters: never;
    requestBodies: never;
    headers: {
        /** @description The request's id: the client's X-Request-Id when it is 1-64 characters of [A-Za-z0-9._-], otherwise generated by the server. Quote it when reporting a problem. */
        "X-Request-Id": string;
    };
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    getHealth: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The process is alive */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HealthStatus"];
                };
            };
        };
    };
    getReadiness: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Ready */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ReadyStatus"];
                };
            };
            503: components["responses"]["Unavailable"];
        };
    };
    getMetrics: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Metrics in Prometheus text format */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/plain; version=0.0.4; charset=utf-8": string;
                };
            };
            503: components["responses"]["Unavailable"];
        };
    };
    getOpenApi: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The OpenAPI document */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": Record<string, never>;
                };
            };
        };
    };
    login: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["LoginRequest"];
            };
        };
        responses: {
            /** @description Logged in */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    /** @description yt_session=<token>; Path=/; Max-Age=43200; HttpOnly; SameSite=Strict */
                    "Set-Cookie"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["LoginResponse"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
        };
    };
    logout: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Logged out */
            204: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    getMe: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The current staff member or API key */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Me"];
                };
            };
            401: components["responses"]["Unauthenticated"];
        };
    };
    listStaff: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The merchant's staff */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["StaffList"];
                };
            };
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
        };
    };
    createStaff: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CreateStaffRequest"];
            };
        };
        responses: {
            /** @description Created; password is present only when it was generated */
            201: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CreatedStaff"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            409: components["responses"]["Conflict"];
        };
    };
    getStaff: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Staff id. A malformed id, or the id of another merchant's staff, answers 404. */
                staff_id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The staff member */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Staff"];
                };
            };
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
        };
    };
    updateStaff: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Staff id. A malformed id, or the id of another merchant's staff, answers 404. */
                staff_id: number;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["UpdateStaffRequest"];
            };
        };
        responses: {
            /** @description The staff member as it now is */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Staff"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
        };
    };
    revealStaffEmail: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Staff id. A malformed id, or the id of another merchant's staff, answers 404. */
                staff_id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The full email */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["StaffEmail"];
                };
            };
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
        };
    };
    listRoles: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The roles */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RoleList"];
                };
            };
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
        };
    };
    listStores: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The merchant's stores */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["StoreList"];
                };
            };
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
        };
    };
    createStore: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CreateStoreRequest"];
            };
        };
        responses: {
            /** @description Created */
            201: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Store"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            409: components["responses"]["Conflict"];
        };
    };
    getStore: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Store id. A malformed id, or the id of another merchant's store, answers 404. */
                store_id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The store */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Store"];
                };
            };
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
        };
    };
    updateStore: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Store id. A malformed id, or the id of another merchant's store, answers 404. */
                store_id: number;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["UpdateStoreRequest"];
            };
        };
        responses: {
            /** @description The store as it now is */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Store"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
        };
    };
    listApiKeys: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The merchant's API keys */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiKeyList"];
                };
            };
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
        };
    };
    createApiKey: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CreateApiKeyRequest"];
            };
        };
        responses: {
            /** @description Created; token is shown only here */
            201: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CreatedApiKey"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
        };
    };
    revokeApiKey: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description API key id. A malformed id, or the id of another merchant's api key, answers 404. */
                key_id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Revoked */
            204: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content?: never;
            };
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
        };
    };
    listAuditLog: {
        parameters: {
            query?: {
                /** @description An exact action (staff.created) or a prefix ending in '.' (staff.). */
                action?: string;
                /** @description staff, api_key, system or anonymous. */
                actor_type?: string;
                /** @description The staff id or API key id that acted. */
                actor_id?: number;
                /** @description Entries at or after this time (inclusive), UTC microseconds since the epoch. */
                from?: number;
                /** @description Entries before this time (exclusive), UTC microseconds since the epoch. */
                to?: number;
                /** @description The previous page's next_cursor. */
                cursor?: string;
                /** @description Entries per page. */
                limit?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description One page of entries */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AuditPage"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
        };
    };
    listImports: {
        parameters: {
            query?: {
                /** @description How many jobs. */
                limit?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The jobs */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ImportJobList"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
        };
    };
    createImport: {
        parameters: {
            query?: {
                /** @description auto (recognised from the header), jd, taobao, douyin, pdd, youzan, or mapped (any CSV/XLSX with a column mapping). */
                platform?: "auto" | "jd" | "taobao" | "douyin" | "pdd" | "youzan" | "mapped";
                /** @description The file's name, shown in listings (reduced to its base name, at most 200 bytes). */
                filename?: string;
                /** @description With platform=mapped only (required then): the column mapping as JSON, URL-encoded. Keys order_id and created_at are required; status needs statuses. Example: {"order_id":"单号","created_at":"下单时间","total":"金额"}. */
                mapping?: string;
            };
            header?: {
                /** @description 1 to 255 visible ASCII characters. The same key again (for the same merchant, while the first job is kept) returns the first job instead of starting another, with Idempotent-Replayed: true. */
                "Idempotency-Key"?: string;
            };
            path?: never;
            cookie?: never;
        };
        /** @description The export file, raw. */
        requestBody: {
            content: {
                "application/octet-stream": string;
                "text/csv": string;
            };
        };
        responses: {
            /** @description Queued (or, for a repeated Idempotency-Key, the first job in its current state) */
            202: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    /** @description The job: /api/v1/imports/{import_id} */
                    Location?: string;
                    /** @description true when the Idempotency-Key named an earlier job */
                    "Idempotent-Replayed"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ImportJob"];
                };
            };
            /** @description invalid_argument: empty body (field body), unknown platform, missing or malformed mapping, mapping without platform=mapped, bad filename or Idempotency-Key */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            /** @description Body over max_import_bytes */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            503: components["responses"]["Unavailable"];
        };
    };
    getImport: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description An import id. Another merchant's id answers 404. */
                import_id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The job */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ImportJob"];
                };
            };
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
        };
    };
    getImportRejectedRows: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description An import id. Another merchant's id answers 404. */
                import_id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The rejected rows (Content-Disposition: attachment; Cache-Control: no-store) */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "text/csv": string;
                };
            };
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
        };
    };
    ingestTrack: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["SegmentMessage"];
            };
        };
        responses: {
            /** @description Accepted (see rejected for messages that were not) */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["IngestResult"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            /** @description Body over the server's limit */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description resource_exhausted: message over 32 KB or batch over 500 KB */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            503: components["responses"]["Unavailable"];
        };
    };
    ingestIdentify: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["SegmentMessage"];
            };
        };
        responses: {
            /** @description Accepted (see rejected for messages that were not) */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["IngestResult"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            /** @description Body over the server's limit */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description resource_exhausted: message over 32 KB or batch over 500 KB */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            503: components["responses"]["Unavailable"];
        };
    };
    ingestAlias: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["SegmentMessage"];
            };
        };
        responses: {
            /** @description Accepted (see rejected for messages that were not) */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["IngestResult"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            /** @description Body over the server's limit */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description resource_exhausted: message over 32 KB or batch over 500 KB */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            503: components["responses"]["Unavailable"];
        };
    };
    ingestGroup: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["SegmentMessage"];
            };
        };
        responses: {
            /** @description Accepted (see rejected for messages that were not) */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["IngestResult"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            /** @description Body over the server's limit */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description resource_exhausted: message over 32 KB or batch over 500 KB */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            503: components["responses"]["Unavailable"];
        };
    };
    ingestPage: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["SegmentMessage"];
            };
        };
        responses: {
            /** @description Accepted (see rejected for messages that were not) */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["IngestResult"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            /** @description Body over the server's limit */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description resource_exhausted: message over 32 KB or batch over 500 KB */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            503: components["responses"]["Unavailable"];
        };
    };
    ingestScreen: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["SegmentMessage"];
            };
        };
        responses: {
            /** @description Accepted (see rejected for messages that were not) */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["IngestResult"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            /** @description Body over the server's limit */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description resource_exhausted: message over 32 KB or batch over 500 KB */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            503: components["responses"]["Unavailable"];
        };
    };
    ingestBatch: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["SegmentBatch"];
            };
        };
        responses: {
            /** @description Accepted (see rejected for messages that were not) */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["IngestResult"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            /** @description Body over the server's limit */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description resource_exhausted: message over 32 KB or batch over 500 KB */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            503: components["responses"]["Unavailable"];
        };
    };
    listFailedEvents: {
        parameters: {
            query?: {
                /** @description The previous page's next_cursor. */
                cursor?: string;
                /** @description Failed events per page. */
                limit?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description One page of failed events */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["FailedEventPage"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
        };
    };
    getFailedEventSummary: {
        parameters: {
            query?: {
                /** @description How many days, today included. */
                days?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The summary */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["FailedEventSummary"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
        };
    };
    getFailedEvent: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description A failed event id. Another merchant's id answers 404. */
                failed_id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The failed event with its payload */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["FailedEventWithPayload"];
                };
            };
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
        };
    };
    listCustomers: {
        parameters: {
            query?: {
                /** @description Phone, email, account id or full name */
                q?: string;
                /** @description Holds this tag */
                tag_id?: number;
                /** @description A member of this saved segment (as of its last evaluation) */
                segment_id?: number;
                /** @description Has an order from this source (jd, taobao, douyin, pdd, youzan, segment, mapped) */
                platform?: string;
                /** @description Owned by this guide */
                owner_staff_id?: number;
                /** @description true: owned by nobody */
                unowned?: boolean;
                /** @description prospect, new, repeat, at_risk or churned */
                lifecycle_stage?: string;
                /** @description Starts with (import matches import:jd) */
                source_channel?: string;
                /** @description Cursor: the next_before of the previous page */
                before?: number;
                /** @description 1–200, default 50 */
                limit?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of customers */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CustomerList"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
        };
    };
    getCustomer: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description A customer id; a merged id leads to the customer it became. Another merchant's id answers 404. */
                customer_id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The profile */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CustomerProfile"];
                };
            };
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
        };
    };
    eraseCustomer: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description A customer id; a merged id leads to the customer it became. Another merchant's id answers 404. */
                customer_id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Erased */
            204: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content?: never;
            };
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
        };
    };
    updateCustomer: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description A customer id; a merged id leads to the customer it became. Another merchant's id (or, for a guide, a customer they do not own) answers 404. */
                customer_id: number;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /**
                     * @example {
                     *       "gender": "female",
                     *       "baby_birthday": "2025-06-01",
                     *       "vip": true
                     *     }
                     */
                    attributes?: {
                        [key: string]: unknown;
                    };
                    /** Format: int64 */
                    owner_staff_id?: number | null;
                };
            };
        };
        responses: {
            /** @description The profile */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CustomerProfile"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
        };
    };
    revealCustomer: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description A customer id; a merged id leads to the customer it became. Another merchant's id answers 404. */
                customer_id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Identities with full values */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RevealedCustomer"];
                };
            };
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
        };
    };
    exportCustomer: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description A customer id; a merged id leads to the customer it became. Another merchant's id answers 404. */
                customer_id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The export (Content-Disposition: attachment) */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": Record<string, never>;
                };
            };
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
        };
    };
    changeCustomerTags: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description A customer id; a merged id leads to the customer it became. Another merchant's id (or, for a guide, a customer they do not own) answers 404. */
                customer_id: number;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    add?: number[];
                    remove?: number[];
                };
            };
        };
        responses: {
            /** @description The customer's tags */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CustomerTagList"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
        };
    };
    addCustomerNote: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description A customer id; a merged id leads to the customer it became. Another merchant's id (or, for a guide, a customer they do not own) answers 404. */
                customer_id: number;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    body: string;
                };
            };
        };
        responses: {
            /** @description The note */
            201: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Note"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
        };
    };
    recordCustomerConsent: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description A customer id; a merged id leads to the customer it became. Another merchant's id (or, for a guide, a customer they do not own) answers 404. */
                customer_id: number;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @enum {string} */
                    purpose: "marketing.sms" | "marketing.wecom" | "marketing.email" | "marketing.phone" | "conversation_archive";
                    granted: boolean;
                    /**
                     * Format: date-time
                     * @description When the customer decided; default now; not in the future
                     */
                    given_at?: string;
                    /** @description Default console */
                    source?: string;
                    notice_version?: string;
                };
            };
        };
        responses: {
            /** @description The record */
            201: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ConsentRecord"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
        };
    };
    listTags: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Tag groups */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TagGroupList"];
                };
            };
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
        };
    };
    createTag: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** Format: int64 */
                    group_id: number;
                    name: string;
                };
            };
        };
        responses: {
            /** @description The tag */
            201: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Tag"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            409: components["responses"]["Conflict"];
        };
    };
    createTagGroup: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    name: string;
                    /** @default false */
                    exclusive?: boolean;
                };
            };
        };
        responses: {
            /** @description The group */
            201: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Format: int64 */
                        id?: number;
                        name?: string;
                        exclusive?: boolean;
                    };
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            409: components["responses"]["Conflict"];
        };
    };
    deleteTag: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                tag_id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Deleted */
            204: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content?: never;
            };
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
        };
    };
    previewAudience: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    rule?: components["schemas"]["AudienceRule"];
                    /** @description The text form, e.g. order_count >= 2 within 90d and tag = "母婴" and has wecom */
                    text?: string;
                };
            };
        };
        responses: {
            /** @description The count, a sample and the rule in canonical forms */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /**
                         * Format: int64
                         * @description Customers the rule holds (tombstones of merges never count)
                         */
                        count: number;
                        /** @description The 20 smallest member ids, ascending */
                        sample: number[];
                        /** @description Time spent evaluating the rule (not building the index) */
                        took_ms: number;
                        /**
                         * Format: int64
                         * @description The count holds every change committed before this instant: when the index last caught up with the store (UTC µs)
                         */
                        as_of: number;
                        /**
                         * Format: int64
                         * @description When the merchant's in-memory index was built from the store (UTC µs); indexes are rebuilt aside once older than audience_index_max_age
                         */
                        index_built_at: number;
                        rule: components["schemas"]["AudienceRule"];
                        /** @description The canonical text form */
                        text: string;
                        /** @description The sample with each customer's identities, masked (138****0000) */
                        sample_members: {
                            /** Format: int64 */
                            customer_id: number;
                            identities: {
                                kind: string;
                                hint: string;
                            }[];
                        }[];
                    };
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
        };
    };
    listSegments: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The segments */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        items: components["schemas"]["Segment"][];
                    };
                };
            };
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
        };
    };
    createSegment: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @description Unique among the merchant's live segments */
                    name: string;
                    rule?: components["schemas"]["AudienceRule"];
                    /** @description The text form, e.g. tag = "母婴" and not segment "近期已触达" */
                    text?: string;
                };
            };
        };
        responses: {
            /** @description The saved segment */
            201: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Segment"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            409: components["responses"]["Conflict"];
        };
    };
    getSegment: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Segment id. A malformed id, or the id of another merchant's segment or a deleted one, answers 404. */
                segment_id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The segment */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Segment"];
                };
            };
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
        };
    };
    deleteSegment: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Segment id. A malformed id, or the id of another merchant's segment or a deleted one, answers 404. */
                segment_id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Deleted */
            204: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content?: never;
            };
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
        };
    };
    updateSegment: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Segment id. A malformed id, or the id of another merchant's segment or a deleted one, answers 404. */
                segment_id: number;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @description Unique among the merchant's live segments */
                    name?: string;
                    rule?: components["schemas"]["AudienceRule"];
                    /** @description The text form, e.g. tag = "母婴" and not segment "近期已触达" */
                    text?: string;
                };
            };
        };
        responses: {
            /** @description The segment */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Segment"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
        };
    };
    listSegmentMembers: {
        parameters: {
            query?: {
                /** @description Cursor: ids below this one (next_before of the previous page) */
                before?: number;
                /** @description 1–1000, default 50 */
                limit?: number;
            };
            header?: never;
            path: {
                /** @description Segment id. A malformed id, or the id of another merchant's segment or a deleted one, answers 404. */
                segment_id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of members */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        items: {
                            /** Format: int64 */
                            customer_id: number;
                            /**
                             * Format: int64
                             * @description When the customer last entered (UTC µs)
                             */
                            entered_at: number;
                            identities: {
                                kind: string;
                                /** @description Masked */
                                hint: string;
                            }[];
                        }[];
                        /**
                         * Format: int64
                         * @description null on the last page
                         */
                        next_before: number | null;
                    };
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
        };
    };
    getSegmentHistory: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Segment id. A malformed id, or the id of another merchant's segment or a deleted one, answers 404. */
                segment_id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The history */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        sizes: {
                            /** Format: int64 */
                            at: number;
                            /** Format: int64 */
                            size: number;
                        }[];
                        changes: {
                            /** Format: int64 */
                            id: number;
                            /** Format: int64 */
                            customer_id: number;
                            /** @enum {string} */
                            kind: "enter" | "exit";
                            /** Format: int64 */
                            at: number;
                        }[];
                    };
                };
            };
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
        };
    };
    exportSegment: {
        parameters: {
            query?: {
                /** @description csv (default) or xlsx (an Excel workbook). Anything else answers 400. */
                format?: "csv" | "xlsx";
            };
            header?: never;
            path: {
                /** @description Segment id. A malformed id, or the id of another merchant's segment or a deleted one, answers 404. */
                segment_id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The CSV or the workbook (Content-Disposition: attachment; filename segment-<id>.csv or .xlsx) */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "text/csv": string;
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": string;
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
        };
    };
    updateMerchant: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    name?: string;
                    /**
                     * @description An IANA zone such as Asia/Shanghai
                     * @example Asia/Shanghai
                     */
                    time_zone?: string;
                };
            };
        };
        responses: {
            /** @description The merchant as it now is */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TenantSummary"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            409: components["responses"]["Conflict"];
        };
    };
    getOverview: {
        parameters: {
            query?: {
                /** @description The period in days */
                days?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The figures */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Overview"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
        };
    };
}
