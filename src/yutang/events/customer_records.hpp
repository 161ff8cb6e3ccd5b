// What Yutang holds about one customer: find them, show them (masked), reveal, export, erase.
//
// A customer is the canonical id plus every id merged into it (tombstones). Identity values are
// shown masked; the full values need customers.read_pii and each reveal is audited. Export
// returns everything held about the person as JSON (PIPL art. 45) and erasure removes their
// personal information (PIPL art. 47): identities are deleted, event payloads and the buyer
// details of orders are wiped, matching failed events are deleted; orders and events stay,
// pseudonymised, so the merchant's numbers do not change. Both are audited.
// The columns holding personal information are marked "-- personal" in the migrations;
// CoveredColumns() lists what export and erasure cover, and a test compares the two.
//
//   CustomerRecords records(db, resolver, orders, keys, clock);
//   YT_ASSIGN_OR_RETURN(auto found, records.Search(tenant, "138 1234 5678"));
//   YT_ASSIGN_OR_RETURN(CustomerProfile p, records.Profile(tenant, found.front()));
//   YT_ASSIGN_OR_RETURN(std::string json, records.Export(tenant, p.id, actor));
//   YT_TRY(records.Erase(tenant, p.id, actor));
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "yutang/customers/resolver.hpp"
#include "yutang/events/orders.hpp"
#include "yutang/staff/audit.hpp"

namespace yutang::events {

struct IdentityView {
    customers::IdentityKind kind;
    std::string hint;   // masked
    std::string value;  // only from Reveal
    std::string source;
    Timestamp created_at;
};

struct OrderView {
    std::string source;
    std::string external_id;
    std::string status;
    Money total;
    Money paid;
    Money refunded;
    Timestamp ordered_at;
    std::string buyer_hint;
};

struct EventView {
    std::string type;
    std::string name;
    Timestamp occurred_at;
};

struct CustomerProfile {
    CustomerId id;                       // canonical
    std::vector<CustomerId> merged_ids;  // ids merged into it
    Timestamp created_at;
    Timestamp updated_at;
    std::vector<IdentityView> identities;
    std::optional<CustomerTraits> traits;
    std::vector<OrderView> orders;  // newest first, at most 50
    std::vector<EventView> events;  // newest first, at most 50
};

class CustomerRecords {
  public:
    CustomerRecords(store::Database& db, customers::IdentityResolver& resolver, OrderStore& orders, const KeyRing& keys,
                    const Clock& clock);

    // Customers one of whose identities equals `query` once normalised as any kind (phone,
    // email, user id, platform buyer id, unionid …). invalid_argument (field "q") when empty.
    Result<std::vector<CustomerId>> Search(TenantId tenant, std::string_view query);
    // The customer an id leads to (following a merge); not_found for an unknown id.
    Result<CustomerProfile> Profile(TenantId tenant, CustomerId customer);
    // Full identity values; audits pii.viewed.
    Result<std::vector<IdentityView>> Reveal(TenantId tenant, CustomerId customer, const staff::Actor& actor);
    // Everything held about the person, as a JSON document; audits data.exported.
    Result<std::string> Export(TenantId tenant, CustomerId customer, const staff::Actor& actor);
    // Erases the person's personal information (see above); audits data.deleted.
    Status Erase(TenantId tenant, CustomerId customer, const staff::Actor& actor);

    // "table.column" of every personal column that Export and Erase cover.
    static std::span<const std::string_view> CoveredColumns();

  private:
    Result<std::vector<int64_t>> AllIds(store::Session& s, TenantId tenant, CustomerId canonical);

    store::Database& db_;
    customers::IdentityResolver& resolver_;
    OrderStore& orders_;
    const KeyRing& keys_;
    const Clock& clock_;
};

}  // namespace yutang::events
