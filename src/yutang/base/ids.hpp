// Strong id types: a TenantId cannot be passed where a CustomerId is expected.
//
// Ids are dense per tenant (1, 2, 3 …) so that bitmaps over them stay compact; 0 means "none".
//
//   TenantId tenant{7};
//   CustomerId customer{42};
//   Lookup(tenant, customer);        // Lookup(customer, tenant) does not compile.
//   int64_t raw = customer.value();
#pragma once

#include <compare>
#include <cstdint>
#include <functional>

namespace yutang {

template <typename Tag>
class Id {
  public:
    constexpr Id() = default;
    constexpr explicit Id(int64_t value) : value_(value) {}
    constexpr int64_t value() const { return value_; }
    constexpr bool valid() const { return value_ > 0; }
    constexpr auto operator<=>(const Id&) const = default;

  private:
    int64_t value_ = 0;
};

using TenantId = Id<struct TenantIdTag>;
using StaffId = Id<struct StaffIdTag>;
using StoreId = Id<struct StoreIdTag>;
using CustomerId = Id<struct CustomerIdTag>;

}  // namespace yutang

template <typename Tag>
struct std::hash<yutang::Id<Tag>> {
    size_t operator()(const yutang::Id<Tag>& id) const noexcept { return std::hash<int64_t>{}(id.value()); }
};
