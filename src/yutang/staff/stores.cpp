#include "yutang/staff/stores.hpp"

#include <algorithm>
#include <cstdint>
#include <string_view>

#include "yutang/base/text.hpp"
#include "yutang/store/sequences.hpp"

namespace yutang::staff {
namespace {

constexpr std::string_view kInsertStore =
    "INSERT INTO stores (tenant_id, store_id, name, code, city, address, active, created_at) "
    "VALUES ($1, $2, $3, $4, $5, $6, 1, $7)";
constexpr std::string_view kSelectStores =
    "SELECT store_id, name, code, city, address, active, created_at FROM stores WHERE tenant_id = $1 "
    "ORDER BY store_id";
constexpr std::string_view kSelectStore =
    "SELECT store_id, name, code, city, address, active, created_at FROM stores "
    "WHERE tenant_id = $1 AND store_id = $2";
// A no-op write that takes the row lock (PostgreSQL) before the read, so that the values the
// audit entry is computed from cannot change under a concurrent update. SQLite serialises
// writers anyway. Portable stand-in for SELECT … FOR UPDATE.
constexpr std::string_view kLockStore = "UPDATE stores SET store_id = store_id WHERE tenant_id = $1 AND store_id = $2";
constexpr std::string_view kUpdateStore =
    "UPDATE stores SET name = $3, city = $4, address = $5, active = $6 WHERE tenant_id = $1 AND store_id = $2";

constexpr size_t kMaxNameLength = 100;
constexpr size_t kMaxCodeLength = 32;
constexpr size_t kMaxCityLength = 50;
constexpr size_t kMaxAddressLength = 200;

Status CheckText(std::string_view value, size_t min_length, size_t max_length, const char* field) {
    const auto length = Utf8Length(value);
    if (!length || *length < min_length || *length > max_length) {
        std::string message = std::string(field) + " must be ";
        message += min_length == 0 ? "at most " + std::to_string(max_length)
                                   : std::to_string(min_length) + " to " + std::to_string(max_length);
        return InvalidArgument(message + " characters", field);
    }
    return OkStatus();
}

Status CheckCode(std::string_view code) {
    const bool allowed = std::all_of(code.begin(), code.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    });
    if (code.empty() || code.size() > kMaxCodeLength || !allowed) {
        return InvalidArgument("code must be 1 to 32 letters, digits, '-' or '_'", "code");
    }
    return OkStatus();
}

Store StoreFromRow(const store::Row& row) {
    return Store{.id = StoreId(row.Int(0)),
                 .name = row.Text(1),
                 .code = row.Text(2),
                 .city = row.Text(3),
                 .address = row.Text(4),
                 .active = row.Int(5) != 0,
                 .created_at = Timestamp::FromMicros(row.Int(6))};
}

Status NoSuchStore() { return NotFound("no such store"); }

}  // namespace

StoreService::StoreService(store::Database& db, const Clock& clock) : db_(db), clock_(clock) {}

Result<Store> StoreService::Create(TenantId tenant, const StoreInput& input, const Actor& actor) {
    YT_TRY(CheckText(input.name, 1, kMaxNameLength, "name"));
    YT_TRY(CheckCode(input.code));
    YT_TRY(CheckText(input.city, 0, kMaxCityLength, "city"));
    YT_TRY(CheckText(input.address, 0, kMaxAddressLength, "address"));
    Store created{.name = input.name,
                  .code = input.code,
                  .city = input.city,
                  .address = input.address,
                  .active = true,
                  .created_at = clock_.Now()};
    YT_TRY(db_.Write([&](store::Session& s) -> Status {
        YT_ASSIGN_OR_RETURN(int64_t id, store::NextId(s, tenant, "store"));
        created.id = StoreId(id);
        auto inserted = s.Execute(kInsertStore, {tenant.value(), id, created.name, created.code, created.city,
                                                 created.address, created.created_at.micros()});
        // The store id is fresh, so the only unique key this insert can hit is (tenant, code).
        if (inserted.status().code() == ErrorCode::kAlreadyExists) {
            return AlreadyExists("a store with this code exists", "code");
        }
        YT_TRY(inserted);
        // The code is [A-Za-z0-9_-]: nothing to escape.
        return AppendAudit(s, tenant, actor, created.created_at,
                           {.action = "store.created",
                            .target_type = "store",
                            .target_id = std::to_string(id),
                            .detail = "{\"code\":\"" + created.code + "\"}"});
    }));
    return created;
}

Result<std::vector<Store>> StoreService::List(TenantId tenant) {
    std::vector<Store> stores;
    YT_TRY(db_.Read([&](store::Session& s) -> Status {
        YT_ASSIGN_OR_RETURN(auto rows, s.Query(kSelectStores, {tenant.value()}));
        for (const auto& row : rows) stores.push_back(StoreFromRow(row));
        return OkStatus();
    }));
    return stores;
}

Result<Store> StoreService::Get(TenantId tenant, StoreId id) {
    std::optional<store::Row> row;
    YT_TRY(db_.Read([&](store::Session& s) -> Status {
        YT_ASSIGN_OR_RETURN(row, s.QueryOne(kSelectStore, {tenant.value(), id.value()}));
        return OkStatus();
    }));
    if (!row) return NoSuchStore();
    return StoreFromRow(*row);
}

Result<Store> StoreService::Update(TenantId tenant, StoreId id, const StoreUpdate& update, const Actor& actor) {
    if (update.name) YT_TRY(CheckText(*update.name, 1, kMaxNameLength, "name"));
    if (update.city) YT_TRY(CheckText(*update.city, 0, kMaxCityLength, "city"));
    if (update.address) YT_TRY(CheckText(*update.address, 0, kMaxAddressLength, "address"));
    const Timestamp now = clock_.Now();
    Store current;
    YT_TRY(db_.Write([&](store::Session& s) -> Status {
        YT_ASSIGN_OR_RETURN(int64_t locked, s.Execute(kLockStore, {tenant.value(), id.value()}));
        if (locked == 0) return NoSuchStore();
        YT_ASSIGN_OR_RETURN(auto row, s.QueryOne(kSelectStore, {tenant.value(), id.value()}));
        if (!row) return NoSuchStore();
        current = StoreFromRow(*row);

        std::vector<std::string_view> changed;
        auto apply = [&changed](auto& value, const auto& wanted, std::string_view field) {
            if (wanted && *wanted != value) {
                value = *wanted;
                changed.push_back(field);
            }
        };
        apply(current.name, update.name, "name");
        apply(current.city, update.city, "city");
        apply(current.address, update.address, "address");
        apply(current.active, update.active, "active");
        if (changed.empty()) return OkStatus();

        YT_TRY(s.Execute(kUpdateStore,
                         {tenant.value(), id.value(), current.name, current.city, current.address, current.active}));
        std::string detail = "{\"fields\":[";
        for (size_t i = 0; i < changed.size(); ++i) {
            if (i > 0) detail += ',';
            detail += "\"" + std::string(changed[i]) + "\"";
        }
        detail += "]}";
        return AppendAudit(s, tenant, actor, now,
                           {.action = "store.updated",
                            .target_type = "store",
                            .target_id = std::to_string(id.value()),
                            .detail = std::move(detail)});
    }));
    return current;
}

}  // namespace yutang::staff
