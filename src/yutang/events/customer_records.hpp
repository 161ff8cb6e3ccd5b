// What Yutang holds about one customer: find them, show them (masked), reveal, export, erase.
//
// A customer is the canonical id plus every id merged into it (tombstones). Identity values are
// shown masked; the full values need customers.read_pii and each reveal is audited. Export
// returns everything held about the person as JSON (PIPL art. 45) and erasure removes their
// personal information (PIPL art. 47): identities are deleted, event payloads and the buyer
// details of orders are wiped, matching failed events are deleted; orders and events stay,
// pseudonymised, so the merchant's numbers do not change. Both are audited.
// The columns holding personal information are marked "-- personal" in the migrations;
// CoveredColumns() lists what export and erasure cover; one test compares the two lists, another
// puts the person in every marked column and checks that export shows and erasure wipes each.
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

#include "yutang/customers/profile.hpp"
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
    std::optional<StaffId> owner;
    std::string source_channel;
    std::optional<Timestamp> last_seen_at;
    std::vector<IdentityView> identities;
    std::vector<customers::Attribute> attributes;  // personal ones masked (MaskAttribute)
    std::vector<customers::CustomerTag> tags;
    std::vector<customers::Note> notes;                 // newest first
    std::vector<customers::ConsentRecord> consent;      // current state per purpose
    std::vector<customers::ConsentRecord> consent_log;  // every record, oldest first
    std::optional<CustomerTraits> traits;
    std::vector<OrderView> orders;  // newest first, at most 50
    std::vector<EventView> events;  // newest first, at most 50
};

struct RevealedCustomer {
    std::vector<IdentityView> identities;          // with values
    std::vector<customers::Attribute> attributes;  // the personal ones, unmasked
};

// Who is looking. A guide (导购) sees only the customers they own; to anyone else a customer
// outside their view does not exist (not_found), so ids reveal nothing.
struct Viewer {
    std::optional<StaffId> only_owned_by;
};

// ok when `viewer` may see the (canonical) customer; not_found otherwise. Runs in the caller's
// transaction.
Status CheckVisible(store::Session& session, TenantId tenant, CustomerId canonical, const Viewer& viewer);

// One row of the customer list.
struct CustomerSummary {
    CustomerId id;
    Timestamp created_at;
    std::optional<StaffId> owner;
    std::string source_channel;
    std::optional<Timestamp> last_seen_at;
    std::string name;  // masked
    std::vector<IdentityView> identities;
    std::vector<customers::Tag> tags;
    std::optional<CustomerTraits> traits;
};

// Filters of the customer list; all given ones must hold.
struct CustomerFilter {
    std::string query;                  // phone, email, account id or full name (exact match)
    std::optional<int64_t> tag_id;      // holds the tag
    std::optional<int64_t> segment_id;  // a member of the saved segment (as last evaluated)
    std::string platform;               // has an order from this source ("jd", "taobao", "segment" …)
    std::optional<StaffId> owner;       // owned by
    bool unowned = false;               // owned by nobody
    std::string lifecycle_stage;        // "prospect", "new", "repeat", "at_risk", "churned"
    std::string source_channel;         // starts with ("import" matches "import:jd")
    int64_t before = 0;                 // cursor: ids below this one (newest first); 0 = from the newest
    int64_t limit = 50;                 // 1–200
};

struct CustomerPage {
    std::vector<CustomerSummary> items;
    int64_t total = 0;        // customers matching the filter
    int64_t next_before = 0;  // the cursor of the next page; 0 = no more
};

class CustomerRecords {
  public:
    CustomerRecords(store::Database& db, customers::IdentityResolver& resolver, OrderStore& orders, const KeyRing& keys,
                    const Clock& clock);

    // Customers one of whose identities equals `query` once normalised as any kind (phone,
    // email, user id, platform buyer id, unionid …), or whose name is `query`.
    // invalid_argument (field "q") when empty.
    Result<std::vector<CustomerId>> Search(TenantId tenant, std::string_view query, const Viewer& viewer = {});
    // Customers matching `filter`, newest first, a page at a time. invalid_argument (field) for
    // a bad filter value.
    Result<CustomerPage> List(TenantId tenant, const CustomerFilter& filter, const Viewer& viewer = {});
    // The customer an id leads to (following a merge); not_found for an unknown id.
    Result<CustomerProfile> Profile(TenantId tenant, CustomerId customer, const Viewer& viewer = {});
    // Full identity values and personal attributes; audits pii.viewed.
    Result<RevealedCustomer> Reveal(TenantId tenant, CustomerId customer, const staff::Actor& actor,
                                    const Viewer& viewer = {});
    // Everything held about the person, as a JSON document; audits data.exported.
    Result<std::string> Export(TenantId tenant, CustomerId customer, const staff::Actor& actor);
    // Erases the person's personal information (see above); audits data.deleted.
    Status Erase(TenantId tenant, CustomerId customer, const staff::Actor& actor);

    // "table.column" of every personal column that Export and Erase cover.
    static std::span<const std::string_view> CoveredColumns();
    // "table.column" of the personal columns that belong to no customer, which Export and Erase
    // therefore cannot cover; each is limited otherwise (see the list in customer_records.cpp).
    static std::span<const std::string_view> NotPerCustomerColumns();

  private:
    Result<std::vector<int64_t>> AllIds(store::Session& s, TenantId tenant, CustomerId canonical);
    Result<std::vector<CustomerId>> SearchIn(store::Session& s, TenantId tenant, std::string_view query);
    Status AppendProfileJson(store::Session& s, TenantId tenant, std::span<const int64_t> ids, std::string& out);

    store::Database& db_;
    customers::IdentityResolver& resolver_;
    OrderStore& orders_;
    customers::ProfileStore profiles_;
    const KeyRing& keys_;
    const Clock& clock_;
};

}  // namespace yutang::events
