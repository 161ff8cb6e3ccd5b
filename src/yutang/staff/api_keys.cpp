#include "yutang/staff/api_keys.hpp"

#include <algorithm>
#include <charconv>

#include "yutang/base/crypto.hpp"
#include "yutang/base/text.hpp"
#include "yutang/store/sequences.hpp"

namespace yutang::staff {
namespace {

constexpr std::string_view kInsertApiKey =
    "INSERT INTO api_keys (tenant_id, api_key_id, secret_hash, kind, name, display_prefix, scopes, created_by, "
    "created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
constexpr std::string_view kSelectApiKeys =
    "SELECT api_key_id, name, kind, scopes, display_prefix, created_by, created_at, last_used_at, revoked_at "
    "FROM api_keys WHERE tenant_id = $1 ORDER BY api_key_id DESC";
constexpr std::string_view kRevokeApiKey =
    "UPDATE api_keys SET revoked_at = $3 WHERE tenant_id = $1 AND api_key_id = $2 AND revoked_at IS NULL";
constexpr std::string_view kApiKeyExists = "SELECT 1 FROM api_keys WHERE tenant_id = $1 AND api_key_id = $2";
constexpr std::string_view kSelectApiKeyBySecret =
    "SELECT api_key_id, kind, scopes, last_used_at, revoked_at FROM api_keys "
    "WHERE tenant_id = $1 AND secret_hash = $2";
// Conditional, so that concurrent requests with one key write last_used_at once per interval.
constexpr std::string_view kTouchApiKey =
    "UPDATE api_keys SET last_used_at = $3 WHERE tenant_id = $1 AND api_key_id = $2 "
    "AND (last_used_at IS NULL OR last_used_at <= $4)";

constexpr size_t kMaxNameLength = 100;
constexpr size_t kSecretLength = 43;        // RandomToken(): 32 bytes, base64url without padding
constexpr size_t kDisplaySecretLength = 4;  // 24 of 256 bits: recognisable, not guessable
constexpr std::string_view kWritePrefix = "ytw_";
constexpr std::string_view kAdminPrefix = "yta_";

std::string_view TokenPrefix(ApiKeyKind kind) { return kind == ApiKeyKind::kWrite ? kWritePrefix : kAdminPrefix; }

// Same approach as session tokens: the secret has 256 bits of entropy, so an unkeyed hash is
// enough to make a stolen table useless for authenticating.

std::string JoinScopes(const std::vector<Permission>& scopes) {
    std::string joined;
    for (Permission p : scopes) {
        if (!joined.empty()) joined += ',';
        joined += PermissionName(p);
    }
    return joined;
}

// Names this binary does not know (a permission retired in a later version) are dropped: the
// key then simply lacks them, which fails closed.
std::vector<Permission> SplitScopes(std::string_view joined) {
    std::vector<Permission> scopes;
    while (!joined.empty()) {
        const size_t comma = joined.find(',');
        const std::string_view name = joined.substr(0, comma);
        if (auto p = ParsePermission(name); p.ok()) scopes.push_back(*p);
        joined = comma == std::string_view::npos ? std::string_view() : joined.substr(comma + 1);
    }
    return scopes;
}

// The scopes a key of `kind` gets for `requested`, or invalid_argument (field "scopes").
Result<std::vector<Permission>> KeyScopes(ApiKeyKind kind, std::vector<Permission> requested) {
    std::sort(requested.begin(), requested.end());
    requested.erase(std::unique(requested.begin(), requested.end()), requested.end());
    const bool has_events_write =
        std::find(requested.begin(), requested.end(), Permission::kEventsWrite) != requested.end();
    if (kind == ApiKeyKind::kWrite) {
        if (!requested.empty() && !(requested.size() == 1 && has_events_write)) {
            return InvalidArgument("a write key can only hold events.write", "scopes");
        }
        return std::vector<Permission>{Permission::kEventsWrite};
    }
    if (requested.empty()) return InvalidArgument("an admin key needs at least one scope", "scopes");
    if (has_events_write) return InvalidArgument("events.write belongs to write keys only", "scopes");
    return requested;
}

std::string AuditDetail(ApiKeyKind kind, const std::vector<Permission>& scopes) {
    // Kind and permission names come from fixed ASCII tables: nothing to escape.
    std::string detail = "{\"kind\":\"" + std::string(ApiKeyKindName(kind)) + "\",\"scopes\":[";
    for (size_t i = 0; i < scopes.size(); ++i) {
        if (i > 0) detail += ',';
        detail += "\"" + std::string(PermissionName(scopes[i])) + "\"";
    }
    return detail + "]}";
}

std::optional<Timestamp> OptionalTimestamp(const store::Row& row, size_t column) {
    if (row.IsNull(column)) return std::nullopt;
    return Timestamp::FromMicros(row.Int(column));
}

struct ParsedToken {
    ApiKeyKind kind;
    TenantId tenant;
    std::string secret_hash;
};

// "ytw_<tenant>_<secret>" / "yta_<tenant>_<secret>". Strict: a canonical decimal tenant id (no
// sign, no leading zero) and exactly a 43-character base64url secret, so that each key has one
// spelling. The secret may itself contain '_', so the tenant ends at the first '_'.
std::optional<ParsedToken> ParseToken(std::string_view token) {
    ApiKeyKind kind;
    if (token.starts_with(kWritePrefix)) {
        kind = ApiKeyKind::kWrite;
    } else if (token.starts_with(kAdminPrefix)) {
        kind = ApiKeyKind::kAdmin;
    } else {
        return std::nullopt;
    }
    token.remove_prefix(kWritePrefix.size());
    const size_t separator = token.find('_');
    if (separator == std::string_view::npos || separator == 0 || token[0] == '0') return std::nullopt;
    const std::string_view digits = token.substr(0, separator);
    if (!std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) return std::nullopt;
    int64_t tenant = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), tenant);
    if (ec != std::errc() || end != digits.data() + digits.size() || tenant <= 0) return std::nullopt;
    const std::string_view secret = token.substr(separator + 1);
    if (secret.size() != kSecretLength) return std::nullopt;
    const bool base64url = std::all_of(secret.begin(), secret.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    });
    if (!base64url) return std::nullopt;
    return ParsedToken{kind, TenantId(tenant), Blake2b256(secret)};
}

Status Rejected() { return Unauthenticated("invalid API key"); }

}  // namespace

std::string_view ApiKeyKindName(ApiKeyKind kind) { return kind == ApiKeyKind::kWrite ? "write" : "admin"; }

Result<ApiKeyKind> ParseApiKeyKind(std::string_view name, std::string_view field) {
    if (name == "write") return ApiKeyKind::kWrite;
    if (name == "admin") return ApiKeyKind::kAdmin;
    return InvalidArgument("kind must be write or admin", std::string(field));
}

ApiKeyService::ApiKeyService(store::Database& db, const Clock& clock, ApiKeySettings settings)
    : db_(db), clock_(clock), settings_(settings) {}

Result<CreatedApiKey> ApiKeyService::Create(TenantId tenant, const NewApiKey& request, const Actor& actor) {
    const auto name_length = Utf8Length(request.name);
    if (!name_length || *name_length == 0 || *name_length > kMaxNameLength) {
        return InvalidArgument("name must be 1 to 100 characters", "name");
    }
    YT_ASSIGN_OR_RETURN(std::vector<Permission> scopes, KeyScopes(request.kind, request.scopes));

    const std::string secret = RandomToken();
    const std::string prefix = std::string(TokenPrefix(request.kind)) + std::to_string(tenant.value()) + "_";
    CreatedApiKey created{ApiKey{.name = request.name,
                                 .kind = request.kind,
                                 .scopes = std::move(scopes),
                                 .display_prefix = prefix + secret.substr(0, kDisplaySecretLength),
                                 .created_by = actor.id,
                                 .created_at = clock_.Now()},
                          prefix + secret};
    ApiKey& key = created.key;
    YT_TRY(db_.Write([&](store::Session& s) -> Status {
        YT_ASSIGN_OR_RETURN(key.id, store::NextId(s, tenant, "api_key"));
        YT_TRY(s.Execute(kInsertApiKey,
                         {tenant.value(), key.id, store::Blob{Blake2b256(secret)}, ApiKeyKindName(key.kind), key.name,
                          key.display_prefix, JoinScopes(key.scopes), key.created_by, key.created_at.micros()}));
        return AppendAudit(s, tenant, actor, key.created_at,
                           {.action = "apikey.created",
                            .target_type = "api_key",
                            .target_id = std::to_string(key.id),
                            .detail = AuditDetail(key.kind, key.scopes)});
    }));
    return created;
}

Result<std::vector<ApiKey>> ApiKeyService::List(TenantId tenant) {
    std::vector<ApiKey> keys;
    YT_TRY(db_.Read([&](store::Session& s) -> Status {
        YT_ASSIGN_OR_RETURN(auto rows, s.Query(kSelectApiKeys, {tenant.value()}));
        for (const auto& row : rows) {
            YT_ASSIGN_OR_RETURN(ApiKeyKind kind, ParseApiKeyKind(row.Text(2)));
            keys.push_back(ApiKey{.id = row.Int(0),
                                  .name = row.Text(1),
                                  .kind = kind,
                                  .scopes = SplitScopes(row.Text(3)),
                                  .display_prefix = row.Text(4),
                                  .created_by = row.Int(5),
                                  .created_at = Timestamp::FromMicros(row.Int(6)),
                                  .last_used_at = OptionalTimestamp(row, 7),
                                  .revoked_at = OptionalTimestamp(row, 8)});
        }
        return OkStatus();
    }));
    return keys;
}

Status ApiKeyService::Revoke(TenantId tenant, int64_t key_id, const Actor& actor) {
    const Timestamp now = clock_.Now();
    return db_.Write([&](store::Session& s) -> Status {
        // The conditional UPDATE decides, atomically, which of two concurrent revokes audits.
        YT_ASSIGN_OR_RETURN(int64_t revoked, s.Execute(kRevokeApiKey, {tenant.value(), key_id, now.micros()}));
        if (revoked == 0) {
            YT_ASSIGN_OR_RETURN(auto exists, s.QueryOne(kApiKeyExists, {tenant.value(), key_id}));
            if (!exists) return NotFound("no such API key");
            return OkStatus();  // already revoked
        }
        return AppendAudit(s, tenant, actor, now,
                           {.action = "apikey.revoked", .target_type = "api_key", .target_id = std::to_string(key_id)});
    });
}

Result<Principal> ApiKeyService::Authenticate(std::string_view token) {
    const auto parsed = ParseToken(token);
    if (!parsed) return Rejected();
    std::optional<store::Row> row;
    YT_TRY(db_.Read([&](store::Session& s) -> Status {
        YT_ASSIGN_OR_RETURN(
            row, s.QueryOne(kSelectApiKeyBySecret, {parsed->tenant.value(), store::Blob{parsed->secret_hash}}));
        return OkStatus();
    }));
    // A token whose prefix names the other kind is not this key's spelling: rejected too.
    if (!row || !row->IsNull(4) || row->Text(1) != ApiKeyKindName(parsed->kind)) return Rejected();
    const int64_t key_id = row->Int(0);
    const Timestamp now = clock_.Now();
    const std::optional<Timestamp> last_used = OptionalTimestamp(*row, 3);
    if (!last_used || now - *last_used >= settings_.touch_interval) {
        const Timestamp due = now - settings_.touch_interval;
        YT_TRY(db_.Write([&](store::Session& s) {
            return s.Execute(kTouchApiKey, {parsed->tenant.value(), key_id, now.micros(), due.micros()}).status();
        }));
    }
    Principal principal;
    principal.kind = Principal::Kind::kApiKey;
    principal.tenant = parsed->tenant;
    principal.api_key_id = key_id;
    principal.scopes = SplitScopes(row->Text(2));
    return principal;
}

}  // namespace yutang::staff
