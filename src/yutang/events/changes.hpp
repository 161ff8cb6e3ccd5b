// Who hears about committed changes to customers. The write paths of this module (ingest, order
// imports, customer edits, erasure, the daily trait refresh) tell a listener which customers a
// commit changed, after it is durable; the app wires the audience index to it, so counts and
// segments see a change as soon as it is stored instead of at the next rebuild.
//
//   class AudienceChanges : public events::CustomerChangeListener { … };   // app
//   Ingestor ingestor(writer, resolver, orders, keys, clock, {}, &changes);
//
// Listeners are called on the writer's thread: they must be quick and must not write to the
// store (queue the ids and apply them later).
#pragma once

#include <span>

#include "yutang/base/ids.hpp"

namespace yutang::events {

class CustomerChangeListener {
  public:
    virtual ~CustomerChangeListener() = default;
    // A commit changed these customers: profile, tags, consent, traits, orders, events, or
    // identities (a merge names the customer that remains; its merged ids follow from it).
    virtual void CustomersChanged(TenantId tenant, std::span<const CustomerId> customers) = 0;
    // A change too wide to list (the daily refresh re-ranked everyone): treat every customer of
    // the merchant as changed.
    virtual void MerchantChanged(TenantId tenant) = 0;
};

// Calls `listener` (null: nobody listens) with `customers`, skipping an empty list.
inline void NotifyChanged(CustomerChangeListener* listener, TenantId tenant, std::span<const CustomerId> customers) {
    if (listener != nullptr && !customers.empty()) listener->CustomersChanged(tenant, customers);
}

}  // namespace yutang::events
