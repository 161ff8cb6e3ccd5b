#include "yutang/events/customer_records.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <set>

#include <simdjson.h>

#include "yutang/base/log.hpp"
#include "yutang/events/ingest.hpp"
#include "yutang/events/timeline.hpp"

namespace yutang::events {
namespace {

using customers::IdentityKind;

constexpr std::array<std::string_view, 8> kCoveredColumns = {"customer_attributes.value_cipher",
                                                             "customer_identities.value_cipher",
                                                             "customer_identities.hint",
                                                             "customer_notes.body_cipher",
                                                             "events.payload",
                                                             "failed_events.payload",
                                                             "orders.buyer_hint",
                                                             "orders.buyer_cipher"};

// Personal columns whose rows belong to no customer, so that export and erasure of a person cannot
// find them. Each is listed with how it is limited instead.
constexpr std::array<std::string_view, 1> kNotPerCustomerColumns = {
    // Rows an order import rejected: raw file rows, tied to no customer (their buyer was never
    // resolved). Deleted with their import job after its retention (events/import_jobs.hpp).
    "import_rejected_rows.row_cipher"};

constexpr std::string_view kSelectCustomer =
    "SELECT customer_id, merged_into, created_at, updated_at, owner_staff_id, source_channel, last_seen_at "
    "FROM customers WHERE tenant_id = $1 AND customer_id = $2";
constexpr std::string_view kSelectHints =
    "SELECT kind, hint, source, created_at FROM customer_identities WHERE tenant_id = $1 AND customer_id = $2";
constexpr std::array<std::string_view, 5> kLifecycleStages = {"prospect", "new", "repeat", "at_risk", "churned"};
constexpr std::string_view kSelectMergedIds =
    "SELECT customer_id FROM customers WHERE tenant_id = $1 AND merged_into = $2";
constexpr std::string_view kSelectOrders =
    "SELECT source, external_id, status, total_fen, paid_fen, refunded_fen, ordered_at, buyer_hint, buyer_cipher "
    "FROM orders WHERE tenant_id = $1 AND customer_id = $2 ORDER BY ordered_at DESC LIMIT $3";
constexpr std::string_view kDeleteIdentities =
    "DELETE FROM customer_identities WHERE tenant_id = $1 AND customer_id = $2";
constexpr std::string_view kWipeOrders =
    "UPDATE orders SET buyer_hint = '', buyer_cipher = $3 WHERE tenant_id = $1 AND customer_id = $2";
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

// A string field of a JSON object, or its text when Segment's numeric form was sent; "" otherwise.
std::string FieldText(simdjson::dom::object object, std::string_view key) {
    simdjson::dom::element value;
    if (object[key].get(value) != simdjson::SUCCESS) return {};
    std::string_view text;
    if (value.get_string().get(text) == simdjson::SUCCESS) return std::string(text);
    if (value.is_int64() || value.is_uint64()) return simdjson::to_string(value);
    return {};
}

// Whether `text` holds `value` as a whole token: not inside a longer id, number or address.
bool HoldsToken(std::string_view text, std::string_view value) {
    const auto part_of_token = [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-' || c == '.' || c == '@' ||
               c == '+';
    };
    for (size_t at = text.find(value); !value.empty() && at != std::string_view::npos; at = text.find(value, at + 1)) {
        const size_t end = at + value.size();
        if ((at == 0 || !part_of_token(text[at - 1])) && (end == text.size() || !part_of_token(text[end]))) {
            return true;
        }
    }
    return false;
}

// Whether a rejected message names the person. Failed events name no customer, so two readings
// are taken: the sender fields a message can carry (userId, anonymousId, previousId, and the email
// and phone of its traits or context.traits), each normalised as resolution normalises it and
// compared with the person's identities — so "138 5555 6666" is their +8613855556666 —, and, for
// whatever else the message holds (its properties, or a message that is not JSON at all), each of
// their values standing in it as a whole token — so "u-5" does not find "u-50".
bool NamesPerson(const std::string& payload, const std::vector<customers::StoredIdentity>& identities) {
    const std::string text = Lower(payload);
    const bool token =
        std::any_of(identities.begin(), identities.end(), [&](const customers::StoredIdentity& identity) {
            const std::string value = Lower(identity.value);
            return HoldsToken(text, value) || (identity.kind == IdentityKind::kPhone && value.starts_with("+86") &&
                                               HoldsToken(text, std::string_view(value).substr(3)));
        });
    if (token) return true;
    simdjson::dom::parser parser;
    simdjson::dom::object message;
    if (parser.parse(simdjson::padded_string(payload)).get(message) != simdjson::SUCCESS) return false;
    std::vector<customers::IdentityInput> sent;
    const std::string user_id = FieldText(message, "userId");
    const std::string anonymous_id = FieldText(message, "anonymousId");
    const std::string previous_id = FieldText(message, "previousId");
    for (const auto& [kind, value] :
         {std::pair{IdentityKind::kUserId, user_id}, std::pair{IdentityKind::kAnonymousId, anonymous_id},
          std::pair{IdentityKind::kUserId, previous_id}, std::pair{IdentityKind::kAnonymousId, previous_id}}) {
        if (!value.empty()) sent.push_back({kind, value, ""});
    }
    for (const std::string_view path : {"/traits", "/context/traits"}) {
        simdjson::dom::object traits;
        if (message.at_pointer(path).get(traits) != simdjson::SUCCESS) continue;
        if (std::string email = FieldText(traits, "email"); !email.empty()) {
            sent.push_back({IdentityKind::kEmail, email, ""});
        }
        if (std::string phone = FieldText(traits, "phone"); !phone.empty()) {
            sent.push_back({IdentityKind::kPhone, phone, ""});
        }
    }
    for (const customers::IdentityInput& input : sent) {
        auto normalized = customers::NormalizeIdentity(input);
        if (!normalized.ok() || !normalized->usable) continue;
        for (const customers::StoredIdentity& identity : identities) {
            if (identity.kind == normalized->kind && identity.value == normalized->value) return true;
        }
    }
    return false;
}

}  // namespace

CustomerRecords::CustomerRecords(store::Database& db, customers::IdentityResolver& resolver, OrderStore& orders,
                                 const KeyRing& keys, const Clock& clock)
    : db_(db), resolver_(resolver), orders_(orders), profiles_(keys, clock), keys_(keys), clock_(clock) {}

std::span<const std::string_view> CustomerRecords::CoveredColumns() { return kCoveredColumns; }

std::span<const std::string_view> CustomerRecords::NotPerCustomerColumns() { return kNotPerCustomerColumns; }

Result<std::vector<int64_t>> CustomerRecords::AllIds(store::Session& s, TenantId tenant, CustomerId canonical) {
    std::vector<int64_t> ids = {canonical.value()};
    YT_ASSIGN_OR_RETURN(auto rows, s.Query(kSelectMergedIds, {tenant.value(), canonical.value()}));
    for (const auto& row : rows) ids.push_back(row.Int(0));
    // Sorted here, not by ORDER BY customer_id: SQLite would rather walk the merchant's every
    // customer in id order than sort the few tombstones customers_merged_into finds.
    std::sort(ids.begin() + 1, ids.end());
    return ids;
}

Status CheckVisible(store::Session& s, TenantId tenant, CustomerId canonical, const Viewer& viewer) {
    if (!viewer.only_owned_by) return OkStatus();
    YT_ASSIGN_OR_RETURN(auto row, s.QueryOne(kSelectCustomer, {tenant.value(), canonical.value()}));
    if (!row || row->OptionalInt(4) != std::optional<int64_t>(viewer.only_owned_by->value())) {
        return NotFound("no such customer");
    }
    return OkStatus();
}

// The profile part of an export: owner, source, attributes, tags, notes, the consent ledger.
Status CustomerRecords::AppendProfileJson(store::Session& s, TenantId tenant, std::span<const int64_t> ids,
                                          std::string& out) {
    YT_ASSIGN_OR_RETURN(auto owner, profiles_.OwnerAndSourceOf(s, tenant, CustomerId(ids.front())));
    out += ",\"owner_staff_id\":" + (owner.owner ? std::to_string(owner.owner->value()) : std::string("null"));
    out += ",\"source_channel\":";
    AppendString(out, owner.source_channel);
    out += ",\"attributes\":{";
    YT_ASSIGN_OR_RETURN(auto attributes, profiles_.Attributes(s, tenant, ids));
    for (size_t i = 0; i < attributes.size(); ++i) {
        out += i ? "," : "";
        AppendString(out, attributes[i].name);
        out += ":{\"type\":";
        AppendString(out, customers::AttributeTypeName(attributes[i].value.type));
        out += ",\"value\":";
        AppendString(out, attributes[i].value.text);
        out += ",\"source\":";
        AppendString(out, attributes[i].source);
        out += "}";
    }
    out += "},\"tags\":[";
    YT_ASSIGN_OR_RETURN(auto tags, profiles_.CustomerTags(s, tenant, ids));
    for (size_t i = 0; i < tags.size(); ++i) {
        out += i ? "," : "";
        out += "{\"group\":";
        AppendString(out, tags[i].tag.group);
        out += ",\"name\":";
        AppendString(out, tags[i].tag.name);
        out += ",\"tagged_at\":" + std::to_string(tags[i].tagged_at.micros()) + "}";
    }
    out += "],\"notes\":[";
    YT_ASSIGN_OR_RETURN(auto notes, profiles_.Notes(s, tenant, ids));
    for (size_t i = 0; i < notes.size(); ++i) {
        out += i ? "," : "";
        out += "{\"body\":";
        AppendString(out, notes[i].body);
        out += ",\"created_at\":" + std::to_string(notes[i].created_at.micros()) + "}";
    }
    out += "],\"consent\":[";
    YT_ASSIGN_OR_RETURN(auto consent, profiles_.ConsentHistory(s, tenant, ids));
    for (size_t i = 0; i < consent.size(); ++i) {
        const auto& c = consent[i];
        out += i ? "," : "";
        out += "{\"purpose\":";
        AppendString(out, c.purpose);
        out += std::string(",\"granted\":") + (c.granted ? "true" : "false");
        out += ",\"given_at\":" + std::to_string(c.given_at.micros()) + ",\"source\":";
        AppendString(out, c.source);
        out += ",\"notice_version\":";
        AppendString(out, c.notice_version);
        out += "}";
    }
    out += "]";
    return OkStatus();
}

Result<std::vector<CustomerId>> CustomerRecords::SearchIn(store::Session& s, TenantId tenant, std::string_view query) {
    if (query.empty() || query.size() > 256) {
        return InvalidArgument("search for a phone, email, account id or name", "q");
    }
    std::vector<CustomerId> found;
    std::set<int64_t> seen;
    const auto add = [&](CustomerId id) -> Status {
        YT_ASSIGN_OR_RETURN(CustomerId canonical, resolver_.Canonical(s, tenant, id));
        if (seen.insert(canonical.value()).second) found.push_back(canonical);
        return OkStatus();
    };
    for (IdentityKind kind : customers::AllIdentityKinds()) {
        if (kind == IdentityKind::kWechatOpenId) continue;  // needs its app id
        YT_ASSIGN_OR_RETURN(auto hit, resolver_.Find(s, tenant, {kind, std::string(query), ""}));
        if (hit) YT_TRY(add(*hit));
    }
    YT_ASSIGN_OR_RETURN(auto named, profiles_.FindByName(s, tenant, query));
    for (CustomerId id : named) YT_TRY(add(id));
    return found;
}

Result<std::vector<CustomerId>> CustomerRecords::Search(TenantId tenant, std::string_view query, const Viewer& viewer) {
    std::vector<CustomerId> visible;
    YT_TRY(db_.Read([&](store::Session& s) -> Status {
        visible.clear();
        YT_ASSIGN_OR_RETURN(auto found, SearchIn(s, tenant, query));
        for (CustomerId id : found) {
            if (CheckVisible(s, tenant, id, viewer).ok()) visible.push_back(id);
        }
        return OkStatus();
    }));
    return visible;
}

Result<CustomerPage> CustomerRecords::List(TenantId tenant, const CustomerFilter& filter, const Viewer& viewer) {
    if (filter.limit < 1 || filter.limit > 200) return InvalidArgument("limit must be 1–200", "limit");
    if (filter.before < 0) return InvalidArgument("not a cursor", "before");
    if (!filter.lifecycle_stage.empty() &&
        std::find(kLifecycleStages.begin(), kLifecycleStages.end(), filter.lifecycle_stage) == kLifecycleStages.end()) {
        return InvalidArgument("lifecycle_stage is one of prospect, new, repeat, at_risk, churned", "lifecycle_stage");
    }
    // The conditions, each with its parameters; the same WHERE serves the page and the count.
    std::string where = " WHERE c.tenant_id = $1 AND c.merged_into IS NULL";
    std::vector<store::Value> params = {tenant.value()};
    const auto param = [&](store::Value v) {
        params.push_back(std::move(v));
        return "$" + std::to_string(params.size());
    };
    std::optional<StaffId> owner = filter.owner;
    if (viewer.only_owned_by) {
        if (filter.owner && filter.owner != viewer.only_owned_by) return CustomerPage{};
        if (filter.unowned) return CustomerPage{};
        owner = viewer.only_owned_by;
    }
    if (owner) where += " AND c.owner_staff_id = " + param(owner->value());
    if (filter.unowned) where += " AND c.owner_staff_id IS NULL";
    if (filter.tag_id) {
        where +=
            " AND EXISTS (SELECT 1 FROM customer_tags g WHERE g.tenant_id = c.tenant_id AND "
            "g.customer_id = c.customer_id AND g.tag_id = " +
            param(*filter.tag_id) + ")";
    }
    if (filter.segment_id) {
        // The members as of the segment's last evaluation (the audience module keeps them).
        where +=
            " AND EXISTS (SELECT 1 FROM segment_members m WHERE m.tenant_id = c.tenant_id AND "
            "m.customer_id = c.customer_id AND m.segment_id = " +
            param(*filter.segment_id) + ")";
    }
    if (!filter.platform.empty()) {
        where +=
            " AND EXISTS (SELECT 1 FROM orders o WHERE o.tenant_id = c.tenant_id AND "
            "o.customer_id = c.customer_id AND o.source = " +
            param(filter.platform) + ")";
    }
    if (!filter.lifecycle_stage.empty()) {
        where += " AND COALESCE(t.lifecycle_stage, 'prospect') = " + param(filter.lifecycle_stage);
    }
    if (!filter.source_channel.empty()) {
        // A prefix match without LIKE's wildcards: substr works the same on both dialects.
        where += " AND substr(c.source_channel, 1, " + std::to_string(filter.source_channel.size()) +
                 ") = " + param(filter.source_channel);
    }
    CustomerPage page;
    YT_TRY(db_.Read([&](store::Session& s) -> Status {
        page = CustomerPage{};
        std::string search;
        std::vector<store::Value> search_params = params;
        if (!filter.query.empty()) {
            YT_ASSIGN_OR_RETURN(auto found, SearchIn(s, tenant, filter.query));
            if (found.empty()) return OkStatus();
            search = " AND c.customer_id IN (";
            for (size_t i = 0; i < found.size(); ++i) {
                search_params.push_back(found[i].value());
                search += (i ? ", $" : "$") + std::to_string(search_params.size());
            }
            search += ")";
        }
        const std::string from =
            " FROM customers c LEFT JOIN customer_traits t ON t.tenant_id = c.tenant_id AND "
            "t.customer_id = c.customer_id" +
            where + search;
        YT_ASSIGN_OR_RETURN(auto count, s.Query("SELECT COUNT(*)" + from, search_params));
        page.total = count.rows.at(0).Int(0);
        std::vector<store::Value> page_params = search_params;
        std::string cursor;
        if (filter.before > 0) {
            page_params.push_back(filter.before);
            cursor = " AND c.customer_id < $" + std::to_string(page_params.size());
        }
        page_params.push_back(filter.limit + 1);
        YT_ASSIGN_OR_RETURN(auto rows, s.Query("SELECT c.customer_id, c.created_at, c.owner_staff_id, "
                                               "c.source_channel, c.last_seen_at, t.customer_id" +
                                                   from + cursor + " ORDER BY c.customer_id DESC LIMIT $" +
                                                   std::to_string(page_params.size()),
                                               page_params));
        for (const auto& row : rows) {
            if (static_cast<int64_t>(page.items.size()) == filter.limit) {
                page.next_before = page.items.back().id.value();
                break;
            }
            CustomerSummary item;
            item.id = CustomerId(row.Int(0));
            item.created_at = Timestamp::FromMicros(row.Int(1));
            if (auto o = row.OptionalInt(2)) item.owner = StaffId(*o);
            item.source_channel = row.Text(3);
            if (auto seen = row.OptionalInt(4)) item.last_seen_at = Timestamp::FromMicros(*seen);
            YT_ASSIGN_OR_RETURN(auto hints, s.Query(kSelectHints, {tenant.value(), item.id.value()}));
            for (const auto& h : hints) {
                auto kind = customers::ParseIdentityKind(h.Text(0), "kind");
                if (!kind.ok()) continue;
                item.identities.push_back({*kind, h.Text(1), "", h.Text(2), Timestamp::FromMicros(h.Int(3))});
            }
            customers::SortIdentities(item.identities);
            const int64_t one[] = {item.id.value()};
            YT_ASSIGN_OR_RETURN(auto tags, profiles_.CustomerTags(s, tenant, one));
            for (auto& tag : tags) item.tags.push_back(std::move(tag.tag));
            YT_ASSIGN_OR_RETURN(auto attributes, profiles_.Attributes(s, tenant, one));
            for (const auto& a : attributes) {
                if (a.name == "name") item.name = customers::MaskAttribute(a.name, a.value);
            }
            if (!row.IsNull(5)) {
                YT_ASSIGN_OR_RETURN(item.traits, orders_.Traits(s, tenant, item.id));
            }
            page.items.push_back(std::move(item));
        }
        return OkStatus();
    }));
    return page;
}

Result<CustomerProfile> CustomerRecords::Profile(TenantId tenant, CustomerId customer, const Viewer& viewer) {
    CustomerProfile profile;
    YT_TRY(db_.Read([&](store::Session& s) -> Status {
        profile = CustomerProfile{};
        YT_ASSIGN_OR_RETURN(CustomerId canonical, resolver_.Canonical(s, tenant, customer));
        YT_TRY(CheckVisible(s, tenant, canonical, viewer));
        YT_ASSIGN_OR_RETURN(auto row, s.QueryOne(kSelectCustomer, {tenant.value(), canonical.value()}));
        if (!row) return NotFound("no such customer");
        profile.id = canonical;
        profile.created_at = Timestamp::FromMicros(row->Int(2));
        profile.updated_at = Timestamp::FromMicros(row->Int(3));
        if (auto o = row->OptionalInt(4)) profile.owner = StaffId(*o);
        profile.source_channel = row->Text(5);
        if (auto seen = row->OptionalInt(6)) profile.last_seen_at = Timestamp::FromMicros(*seen);
        YT_ASSIGN_OR_RETURN(auto ids, AllIds(s, tenant, canonical));
        YT_ASSIGN_OR_RETURN(profile.attributes, profiles_.Attributes(s, tenant, ids));
        for (auto& a : profile.attributes) {
            if (customers::IsPersonalAttribute(a.name)) {
                a.value.text = customers::MaskAttribute(a.name, a.value);
            }
        }
        YT_ASSIGN_OR_RETURN(profile.tags, profiles_.CustomerTags(s, tenant, ids));
        YT_ASSIGN_OR_RETURN(profile.notes, profiles_.Notes(s, tenant, ids));
        YT_ASSIGN_OR_RETURN(profile.consent_log, profiles_.ConsentHistory(s, tenant, ids));
        profile.consent = customers::CurrentConsent(profile.consent_log);
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
            YT_ASSIGN_OR_RETURN(auto events, CustomerEvents(s, tenant, id, kProfileRows));
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

Result<RevealedCustomer> CustomerRecords::Reveal(TenantId tenant, CustomerId customer, const staff::Actor& actor,
                                                 const Viewer& viewer) {
    RevealedCustomer out;
    YT_TRY(db_.Write([&](store::Session& s) -> Status {
        out = RevealedCustomer{};
        YT_ASSIGN_OR_RETURN(CustomerId canonical, resolver_.Canonical(s, tenant, customer));
        YT_TRY(CheckVisible(s, tenant, canonical, viewer));
        YT_ASSIGN_OR_RETURN(auto identities, resolver_.Identities(s, tenant, canonical));
        for (auto& identity : identities) {
            out.identities.push_back(
                {identity.kind, identity.hint, identity.value, identity.source, identity.created_at});
        }
        YT_ASSIGN_OR_RETURN(auto ids, AllIds(s, tenant, canonical));
        YT_ASSIGN_OR_RETURN(auto attributes, profiles_.Attributes(s, tenant, ids));
        for (auto& a : attributes) {
            if (customers::IsPersonalAttribute(a.name)) out.attributes.push_back(std::move(a));
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
    const std::string event_context = EventPayloadContext(tenant);
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
        for (size_t i = 0; i < identities.size(); ++i) {
            const auto& identity = identities[i];
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
        YT_TRY(AppendProfileJson(s, tenant, ids, out));
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
            YT_ASSIGN_OR_RETURN(auto events, CustomerEvents(s, tenant, id, kExportRows));
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
            if (!NamesPerson(payload, identities)) continue;
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
    const std::string event_context = EventPayloadContext(tenant);
    const std::string buyer_context = "t" + std::to_string(tenant.value()) + "/order.buyer";
    Status status = db_.Write([&](store::Session& s) -> Status {
        YT_ASSIGN_OR_RETURN(CustomerId canonical, resolver_.Canonical(s, tenant, customer));
        YT_ASSIGN_OR_RETURN(auto ids, AllIds(s, tenant, canonical));
        YT_ASSIGN_OR_RETURN(auto identities, resolver_.Identities(s, tenant, canonical));
        // Failed events name no customer: those whose sender is one of the person's identities.
        YT_ASSIGN_OR_RETURN(auto failed, s.Query(kSelectFailed, {tenant.value()}));
        for (const auto& f : failed) {
            YT_ASSIGN_OR_RETURN(std::string payload, keys_.Decrypt(f.Text(1), event_context));
            if (NamesPerson(payload, identities)) YT_TRY(s.Execute(kDeleteFailed, {tenant.value(), f.Int(0)}));
        }
        YT_TRY(profiles_.Erase(s, tenant, ids));
        for (int64_t id : ids) {
            YT_TRY(s.Execute(kDeleteIdentities, {tenant.value(), id}));
            YT_TRY(s.Execute(kWipeOrders, {tenant.value(), id, store::Blob{keys_.Encrypt("{}", buyer_context)}}));
            YT_TRY(WipeCustomerEvents(s, tenant, id, store::Blob{keys_.Encrypt("{}", event_context)}));
        }
        return staff::AppendAudit(s, tenant, actor, clock_.Now(),
                                  {.action = "data.deleted",
                                   .target_type = "customer",
                                   .target_id = std::to_string(canonical.value()),
                                   .detail = "{\"merged_ids\":" + std::to_string(ids.size() - 1) + "}"});
    });
    YT_TRY(status);
    return OkStatus();
}

}  // namespace yutang::events
