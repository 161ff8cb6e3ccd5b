// Customers (客户): search, profile, reveal, export and erasure.
//
//   GET    /api/v1/customers?q=…                     customers.read
//   GET    /api/v1/customers/{customer_id}           customers.read (identities masked)
//   POST   /api/v1/customers/{customer_id}/reveal    customers.read_pii (audited)
//   POST   /api/v1/customers/{customer_id}/export    customers.export (audited; PIPL art. 45)
//   DELETE /api/v1/customers/{customer_id}           customers.delete (audited; PIPL art. 47)
#pragma once

#include "yutang/events/customer_records.hpp"
#include "yutang/http/guard.hpp"
#include "yutang/http/router.hpp"

namespace yutang::http {

// `records` may be null when only registering.
void AddCustomerRoutes(Router& router, const Guard& guard, events::CustomerRecords* records);

}  // namespace yutang::http
