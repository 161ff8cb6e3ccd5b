// Customers (客户): the list, profiles, edits, tags, notes, consent, reveal, export and erasure.
// Guides (导购) see and change only the customers they own.
//
//   GET    /api/v1/customers?q=&tag_id=&platform=&owner_staff_id=&unowned=&lifecycle_stage=
//                           &source_channel=&before=&limit=      customers.read
//   GET    /api/v1/customers/{customer_id}           customers.read (identities, personal attributes masked)
//   PATCH  /api/v1/customers/{customer_id}           customers.write (attributes, owner guide)
//   POST   /api/v1/customers/{customer_id}/tags      customers.write
//   POST   /api/v1/customers/{customer_id}/notes     customers.write
//   POST   /api/v1/customers/{customer_id}/consent   customers.write (audited)
//   POST   /api/v1/customers/{customer_id}/reveal    customers.read_pii (audited)
//   POST   /api/v1/customers/{customer_id}/export    customers.export (audited; PIPL art. 45)
//   DELETE /api/v1/customers/{customer_id}           customers.delete (audited; PIPL art. 47)
//   GET    /api/v1/tags                              customers.read
//   POST   /api/v1/tag-groups, POST /api/v1/tags, DELETE /api/v1/tags/{tag_id}    tags.write
#pragma once

#include "yutang/events/customer_edits.hpp"
#include "yutang/events/customer_records.hpp"
#include "yutang/http/guard.hpp"
#include "yutang/http/router.hpp"

namespace yutang::http {

// Null pointers are allowed when only registering.
struct CustomerServices {
    events::CustomerRecords* records = nullptr;
    events::CustomerEditor* editor = nullptr;
};

void AddCustomerRoutes(Router& router, const Guard& guard, const CustomerServices& services);

}  // namespace yutang::http
