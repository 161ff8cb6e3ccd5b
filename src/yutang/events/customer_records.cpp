#include "yutang/events/customer_records.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <set>

#include "yutang/base/log.hpp"

namespace yutang::events {
namespace {

using customers::IdentityKind;

constexpr std::array<std::string_view, 6> kCoveredColumns = {"customer_identities.value_cipher",
                                                             "customer_identities.hint",
                                                             "events.payload",
                                                             "failed_events.payload",
                                                             "orders.buyer_hint",
                                                             "orders.buyer_cipher"};

constexpr std::string_view kSelectCustomer =
    "SELECT customer_id, merged_into, created_at, updated_at FROM customers WHERE tenant_id = $1 AND customer_id = $2";
constexpr std::string_view kSelectMergedIds =
    "SELECT customer_id FROM customers WHERE tenant_id = $1 AND merged_into = $2 ORDER BY customer_id";
constexpr std::string_view kSelectOrders =
    "SELECT source, external_id, status, total_fen, paid_fen, refunded_fen, ordered_at, buyer_hint, buyer_cipher "
    "FROM orders WHERE tenant_id = $1 AND customer_id = $2 ORDER BY ordered_at DESC LIMIT $3";
constexpr std::string_view kSelectEvents =
    "SELECT type, name, occurred_at, payload FROM events WHERE tenant_id = $1 AND customer_id = $2 "
    "ORDER BY occurred_at DESC LIMIT $3";
constexpr std::string_view kDeleteIdentities =
    "DELETE FROM customer_identities WHERE tenant_id = $1 AND customer_id = $2";
constexpr std::string_view kWipeOrders =
    "UPDATE orders SET buyer_hint = '', buyer_cipher = $3 WHERE tenant_id = $1 AND customer_id = $2";
constexpr std::string_view kWipeEvents = "UPDATE events SET payload = $3 WHERE tenant_id = $1 AND customer_id = $2";
constexpr std::string_view kSelectFailed = "SELECT failed_id, payload FROM failed_events WHERE tenant_id = $1";
constexpr std::string_view kDeleteFailed = "DELETE FROM failed_events WHERE tenant_id = $1 AND failed_id = $2";

constexpr int64_t kProfileRows = 50;
constexpr int64_t kExportRows = 1'000'000;

std::string Lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
    return out;
}

void AppendString(std::string& out, std::string_view value) {
    out += '"';
    AppendJsonEscaped(out, value);
    out += '"';
}

}  // namespace

CustomerRecords::CustomerRecords(store::Database& db, customers::IdentityResolver& resolver, OrderStore& orders,
                                 const KeyRing& keys, const Clock& clock)
    : db_(db), resolver_(resolver), orders_(orders), keys_(keys), clock_(clock) {}

std::span<const std::string_view> CustomerRecords::CoveredColumns() { return kCoveredColumns; }

Result<std::vector<int64_t>> CustomerRecords::AllIds(store::Session& s, TenantId tenant, CustomerId canonical) {
    std::vector<int64_t> ids = {canonical.value()};
    YT_ASSIGN_OR_RETURN(auto rows, s.Query(kSelectMergedIds, {tenant.value(), canonical.value()}));
    for (const auto& row : rows) ids.push_back(row.Int(0));
    return ids;
}

Result<std::vector<CustomerId>> CustomerRecords::Search(TenantId tenant, std::string_view query) {
    if (query.empty() || query.size() > 256) return InvalidArgument("search for a phone, email or account id", "q");
    std::vector<CustomerId> found;
    YT_TRY(db_.Read([&](store::Session& s) -> Status {
        std::set<int64_t> seen;
        for (IdentityKind kind : customers::AllIdentityKinds()) {
            if (kind == IdentityKind::kWechatOpenId) continue;  // needs its app id
            YT_ASSIGN_OR_RETURN(auto hit, resolver_.Find(s, tenant, {kind, std::string(query), ""}));
            if (!hit) continue;
            YT_ASSIGN_OR_RETURN(CustomerId canonical, resolver_.Canonical(s, tenant, *hit));
            if (seen.insert(canonical.value()).second) found.push_back(canonical);
        }
        return OkStatus();
    }));
    return found;
}

Result<CustomerProfile> CustomerRecords::Profile(TenantId tenant, CustomerId customer) {
    CustomerProfile profile;
    YT_TRY(db_.Read([&](store::Session& s) -> Status {
        YT_ASSIGN_OR_RETURN(CustomerId canonical, resolver_.Canonical(s, tenant, customer));
        YT_ASSIGN_OR_RETURN(auto row, s.QueryOne(kSelectCustomer, {tenant.value(), canonical.value()}));
        if (!row) return NotFound("no such customer");
        profile.id = canonical;
        profile.created_at = Timestamp::FromMicros(row->Int(2));
        profile.updated_at = Timestamp::FromMicros(row->Int(3));
        YT_ASSIGN_OR_RETURN(auto ids, AllIds(s, tenant, canonical));
        for (size_t i = 1; i < ids.size(); ++i) profile.merged_ids.emplace_back(ids[i]);
        YT_ASSIGN_OR_RETURN(auto identities, resolver_.Identities(s, tenant, canonical));
        for (auto& identity : identities) {
            profile.identities.push_back({identity.kind, identity.hint, "", identity.source, identity.created_at});
        }
        YT_ASSIGN_OR_RETURN(profile.traits, orders_.Traits(s, tenant, canonical));
        YT_ASSIGN_OR_RETURN(auto orders, s.Query(kSelectOrders, {tenant.value(), canonical.value(), kProfileRows}));
        for (const auto& o : orders) {
            profile.orders.push_back({o.Text(0), o.Text(1), o.Text(2), Money::FromFen(o.Int(3)),
                                      Money::FromFen(o.Int(4)), Money::FromFen(o.Int(5)),
                                      Timestamp::FromMicros(o.Int(6)), o.Text(7)});
        }
        for (int64_t id : ids) {
            YT_ASSIGN_OR_RETURN(auto events, s.Query(kSelectEvents, {tenant.value(), id, kProfileRows}));
            for (const auto& e : events) {
                profile.events.push_back({e.Text(0), e.Text(1), Timestamp::FromMicros(e.Int(2))});
            }
        }
        std::sort(profile.events.begin(), profile.events.end(),
                  [](const EventView& a, const EventView& b) { return a.occurred_at > b.occurred_at; });
        if (profile.events.size() > static_cast<size_t>(kProfileRows)) profile.events.resize(kProfileRows);
        return OkStatus();
    }));
    return profile;
}

Result<std::vector<IdentityView>> CustomerRecords::Reveal(TenantId tenant, CustomerId customer,
                                                          const staff::Actor& actor) {
    std::vector<IdentityView> out;
    YT_TRY(db_.Write([&](store::Session& s) -> Status {
        YT_ASSIGN_OR_RETURN(CustomerId canonical, resolver_.Canonical(s, tenant, customer));
        YT_ASSIGN_OR_RETURN(auto identities, resolver_.Identities(s, tenant, canonical));
        for (auto& identity : identities) {
            out.push_back({identity.kind, identity.hint, identity.value, identity.source, identity.created_at});
        }
        return staff::AppendAudit(s, tenant, actor, clock_.Now(),
                                  {.action = "pii.viewed",
                                   .target_type = "customer",
                                   .target_id = std::to_string(canonical.value()),
                                   .detail = R"({"field":"identities"})"});
    }));
    return out;
}

Result<std::string> CustomerRecords::Export(TenantId tenant, CustomerId customer, const staff::Actor& actor) {
    const std::string event_context = "t" + std::to_string(tenant.value()) + "/event";
    const std::string buyer_context = "t" + std::to_string(tenant.value()) + "/order.buyer";
    std::string out;
    YT_TRY(db_.Write([&](store::Session& s) -> Status {
        out.clear();
        YT_ASSIGN_OR_RETURN(CustomerId canonical, resolver_.Canonical(s, tenant, customer));
        YT_ASSIGN_OR_RETURN(auto ids, AllIds(s, tenant, canonical));
        out = "{\"customer_id\":" + std::to_string(canonical.value()) + ",\"merged_ids\":[";
        for (size_t i = 1; i < ids.size(); ++i) out += (i > 1 ? "," : "") + std::to_string(ids[i]);
        out += "],\"identities\":[";
        YT_ASSIGN_OR_RETURN(auto identities, resolver_.Identities(s, tenant, canonical));
        std::vector<std::string> values;
        for (size_t i = 0; i < identities.size(); ++i) {
            const auto& identity = identities[i];
            values.push_back(Lower(identity.value));
            out += (i ? "," : "");
            out += "{\"kind\":";
            AppendString(out, customers::IdentityKindName(identity.kind));
            out += ",\"value\":";
            AppendString(out, identity.value);
            out += ",\"source\":";
            AppendString(out, identity.source);
            out += ",\"created_at\":" + std::to_string(identity.created_at.micros()) + "}";
        }
        out += "],\"traits\":";
        YT_ASSIGN_OR_RETURN(auto traits, orders_.Traits(s, tenant, canonical));
        if (traits) {
            out += "{\"order_count\":" + std::to_string(traits->order_count) +
                   ",\"total_spend_fen\":" + std::to_string(traits->total_spend.fen()) +
                   ",\"refunded_fen\":" + std::to_string(traits->refunded.fen()) +
                   ",\"platform_counts\":" + traits->platform_counts + "}";
        } else {
            out += "null";
        }
        out += ",\"orders\":[";
        YT_ASSIGN_OR_RETURN(auto orders, s.Query(kSelectOrders, {tenant.value(), canonical.value(), kExportRows}));
        bool first = true;
        for (const auto& o : orders) {
            YT_ASSIGN_OR_RETURN(std::string buyer, keys_.Decrypt(o.Text(8), buyer_context));
            out += first ? "" : ",";
            first = false;
            out += "{\"source\":";
            AppendString(out, o.Text(0));
            out += ",\"order_id\":";
            AppendString(out, o.Text(1));
            out += ",\"status\":";
            AppendString(out, o.Text(2));
            out += ",\"total_fen\":" + std::to_string(o.Int(3)) + ",\"ordered_at\":" + std::to_string(o.Int(6)) +
                   ",\"buyer\":" + (buyer.empty() ? std::string("{}") : buyer) + "}";
        }
        out += "],\"events\":[";
        first = true;
        for (int64_t id : ids) {
            YT_ASSIGN_OR_RETURN(auto events, s.Query(kSelectEvents, {tenant.value(), id, kExportRows}));
            for (const auto& e : events) {
                YT_ASSIGN_OR_RETURN(std::string payload, keys_.Decrypt(e.Text(3), event_context));
                out += first ? "" : ",";
                first = false;
                out += "{\"type\":";
                AppendString(out, e.Text(0));
                out += ",\"name\":";
                AppendString(out, e.Text(1));
                out += ",\"occurred_at\":" + std::to_string(e.Int(2)) + ",\"message\":" + payload + "}";
            }
        }
        out += "],\"failed_events\":[";
        YT_ASSIGN_OR_RETURN(auto failed, s.Query(kSelectFailed, {tenant.value()}));
        first = true;
        for (const auto& f : failed) {
            YT_ASSIGN_OR_RETURN(std::string payload, keys_.Decrypt(f.Text(1), event_context));
            const std::string lower = Lower(payload);
            if (std::none_of(values.begin(), values.end(),
                             [&](const std::string& v) { return !v.empty() && lower.find(v) != std::string::npos; })) {
                continue;
            }
            out += first ? "" : ",";
            first = false;
            out += "{\"message\":";
            AppendString(out, payload);
            out += "}";
        }
        out += "]}";
        return staff::AppendAudit(
            s, tenant, actor, clock_.Now(),
            {.action = "data.exported", .target_type = "customer", .target_id = std::to_string(canonical.value())});
    }));
    return out;
}

Status CustomerRecords::Erase(TenantId tenant, CustomerId customer, const staff::Actor& actor) {
    const std::string event_context = "t" + std::to_string(tenant.value()) + "/event";
    const std::string buyer_context = "t" + std::to_string(tenant.value()) + "/order.buyer";
    return db_.Write([&](store::Session& s) -> Status {
        YT_ASSIGN_OR_RETURN(CustomerId canonical, resolver_.Canonical(s, tenant, customer));
        YT_ASSIGN_OR_RETURN(auto ids, AllIds(s, tenant, canonical));
        YT_ASSIGN_OR_RETURN(auto identities, resolver_.Identities(s, tenant, canonical));
        std::vector<std::string> values;
        for (const auto& identity : identities) values.push_back(Lower(identity.value));
        // Failed events name no customer: those whose text contains one of the person's
        // identity values are theirs.
        YT_ASSIGN_OR_RETURN(auto failed, s.Query(kSelectFailed, {tenant.value()}));
        for (const auto& f : failed) {
            YT_ASSIGN_OR_RETURN(std::string payload, keys_.Decrypt(f.Text(1), event_context));
            const std::string lower = Lower(payload);
            if (std::any_of(values.begin(), values.end(),
                            [&](const std::string& v) { return !v.empty() && lower.find(v) != std::string::npos; })) {
                YT_TRY(s.Execute(kDeleteFailed, {tenant.value(), f.Int(0)}));
            }
        }
        for (int64_t id : ids) {
            YT_TRY(s.Execute(kDeleteIdentities, {tenant.value(), id}));
            YT_TRY(s.Execute(kWipeOrders, {tenant.value(), id, store::Blob{keys_.Encrypt("{}", buyer_context)}}));
            YT_TRY(s.Execute(kWipeEvents, {tenant.value(), id, store::Blob{keys_.Encrypt("{}", event_context)}}));
        }
        return staff::AppendAudit(s, tenant, actor, clock_.Now(),
                                  {.action = "data.deleted",
                                   .target_type = "customer",
                                   .target_id = std::to_string(canonical.value()),
                                   .detail = "{\"merged_ids\":" + std::to_string(ids.size() - 1) + "}"});
    });
}

}  // namespace yutang::events
