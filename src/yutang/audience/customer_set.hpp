// A set of customers of one merchant: a segment's members, the result of evaluating a rule.
//
// Compact (a compressed bitmap over the dense customer ids) and cheap to combine; the bitmap
// library stays out of this header.
//
//   CustomerSet vip = CustomerSet::Of(ids);
//   vip.size();                        // how many
//   vip.contains(CustomerId(42));
//   vip.First(20);                     // the 20 smallest ids, for a sample
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "yutang/base/ids.hpp"

namespace yutang::audience {

namespace internal {
class Bitmap;
struct IndexAccess;
}  // namespace internal

// A value type; not thread-safe for concurrent writes, safe to read from several threads.
class CustomerSet {
  public:
    CustomerSet();
    ~CustomerSet();
    CustomerSet(const CustomerSet& other);
    CustomerSet(CustomerSet&& other) noexcept;
    CustomerSet& operator=(const CustomerSet& other);
    CustomerSet& operator=(CustomerSet&& other) noexcept;

    // Ids outside 1 … 2^32-1 are ignored (customer ids are dense per merchant).
    static CustomerSet Of(std::span<const CustomerId> customers);

    int64_t size() const;
    bool empty() const { return size() == 0; }
    bool contains(CustomerId customer) const;
    // The `n` smallest ids, ascending.
    std::vector<CustomerId> First(size_t n) const;
    // Every id, ascending.
    std::vector<CustomerId> ToVector() const;

    friend bool operator==(const CustomerSet& a, const CustomerSet& b);
    friend CustomerSet operator|(const CustomerSet& a, const CustomerSet& b);  // in either
    friend CustomerSet operator&(const CustomerSet& a, const CustomerSet& b);  // in both
    friend CustomerSet operator-(const CustomerSet& a, const CustomerSet& b);  // in a, not in b

  private:
    friend struct internal::IndexAccess;
    std::unique_ptr<internal::Bitmap> bits_;
};

}  // namespace yutang::audience
