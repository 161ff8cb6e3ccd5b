// What staff change on a customer: attributes, the owner guide, tags, notes, consent — and the
// merchant's tag catalogue.
//
// Every change names the canonical customer (an id merged away leads to its customer) and is
// made in one transaction. A guide (Viewer::only_owned_by) changes only the customers they own
// and cannot hand a customer to someone else. Owner changes and consent recorded by staff are
// audited (customer.owner_changed, consent.recorded).
//
//   CustomerEditor editor(db, resolver, staff, clock);
//   YT_TRY(editor.Update(tenant, id, {.attributes = {{"vip_level", AttributeValue::String("金卡")}}}, actor));
//   YT_ASSIGN_OR_RETURN(auto tags, editor.ChangeTags(tenant, id, {{tag_id}}, {}, actor));
#pragma once

#include <functional>
#include <optional>
#include <span>
#include <vector>

#include "yutang/customers/profile.hpp"
#include "yutang/customers/resolver.hpp"
#include "yutang/events/customer_records.hpp"
#include "yutang/staff/audit.hpp"
#include "yutang/staff/staff.hpp"

namespace yutang::events {

struct CustomerUpdate {
    std::vector<customers::AttributeInput> attributes;
    // Set: change the owner guide (an inner nullopt leaves the customer with nobody).
    std::optional<std::optional<StaffId>> owner;
};

class CustomerEditor {
  public:
    CustomerEditor(store::Database& db, customers::IdentityResolver& resolver, staff::StaffService& staff,
                   const KeyRing& keys, const Clock& clock);

    // not_found for an unknown (or invisible) customer; invalid_argument (field "owner_staff_id")
    // for an owner who is not an active staff member of the merchant; permission_denied when a
    // guide changes the owner; the attribute errors of ProfileStore::SetAttributes.
    Status Update(TenantId tenant, CustomerId customer, const CustomerUpdate& update, const staff::Actor& actor,
                  const Viewer& viewer = {});
    // Adds then removes; returns the customer's tags afterwards. not_found for an unknown tag.
    Result<std::vector<customers::CustomerTag>> ChangeTags(TenantId tenant, CustomerId customer,
                                                           std::span<const int64_t> add,
                                                           std::span<const int64_t> remove, const staff::Actor& actor,
                                                           const Viewer& viewer = {});
    Result<customers::Note> AddNote(TenantId tenant, CustomerId customer, std::string_view body,
                                    const staff::Actor& actor, const Viewer& viewer = {});
    Result<customers::ConsentRecord> RecordConsent(TenantId tenant, CustomerId customer,
                                                   customers::ConsentInput consent, const staff::Actor& actor,
                                                   const Viewer& viewer = {});

    Result<std::vector<customers::TagGroup>> TagGroups(TenantId tenant);
    Result<std::vector<customers::Tag>> Tags(TenantId tenant);
    Result<customers::TagGroup> CreateTagGroup(TenantId tenant, std::string_view name, bool exclusive);
    Result<customers::Tag> CreateTag(TenantId tenant, int64_t group_id, std::string_view name);
    Status DeleteTag(TenantId tenant, int64_t tag_id);

  private:
    // Runs `work` on the canonical customer, inside one write transaction.
    Status OnCustomer(TenantId tenant, CustomerId customer, const Viewer& viewer,
                      const std::function<Status(store::Session&, CustomerId)>& work);

    store::Database& db_;
    customers::IdentityResolver& resolver_;
    staff::StaffService& staff_;
    customers::ProfileStore profiles_;
    const Clock& clock_;
};

}  // namespace yutang::events
