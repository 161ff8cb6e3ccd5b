#include "yutang/audience/customer_set.hpp"

#include <limits>

#include "yutang/audience/internal/bitmap.hpp"

namespace yutang::audience {

using internal::Bitmap;

CustomerSet::CustomerSet() : bits_(std::make_unique<Bitmap>()) {}
CustomerSet::~CustomerSet() = default;
CustomerSet::CustomerSet(const CustomerSet& other) : bits_(std::make_unique<Bitmap>(*other.bits_)) {}
CustomerSet::CustomerSet(CustomerSet&& other) noexcept : bits_(std::make_unique<Bitmap>()) {
    std::swap(bits_, other.bits_);
}
CustomerSet& CustomerSet::operator=(const CustomerSet& other) {
    if (this != &other) *bits_ = *other.bits_;
    return *this;
}
CustomerSet& CustomerSet::operator=(CustomerSet&& other) noexcept {
    std::swap(bits_, other.bits_);
    return *this;
}

CustomerSet CustomerSet::Of(std::span<const CustomerId> customers) {
    CustomerSet set;
    std::vector<uint32_t> ids;
    ids.reserve(customers.size());
    for (CustomerId c : customers) {
        if (c.valid() && c.value() <= std::numeric_limits<uint32_t>::max())
            ids.push_back(static_cast<uint32_t>(c.value()));
    }
    set.bits_->AddMany(ids);
    return set;
}

int64_t CustomerSet::size() const { return static_cast<int64_t>(bits_->Cardinality()); }

bool CustomerSet::contains(CustomerId customer) const {
    return customer.valid() && customer.value() <= std::numeric_limits<uint32_t>::max() &&
           bits_->Contains(static_cast<uint32_t>(customer.value()));
}

std::vector<CustomerId> CustomerSet::First(size_t n) const {
    std::vector<CustomerId> out;
    for (uint32_t id : bits_->First(n)) out.emplace_back(id);
    return out;
}

std::vector<CustomerId> CustomerSet::ToVector() const {
    std::vector<CustomerId> out;
    out.reserve(static_cast<size_t>(bits_->Cardinality()));
    bits_->ForEach([&](uint32_t id) { out.emplace_back(id); });
    return out;
}

bool operator==(const CustomerSet& a, const CustomerSet& b) { return *a.bits_ == *b.bits_; }

CustomerSet operator|(const CustomerSet& a, const CustomerSet& b) {
    CustomerSet out;
    *out.bits_ = *a.bits_ | *b.bits_;
    return out;
}
CustomerSet operator&(const CustomerSet& a, const CustomerSet& b) {
    CustomerSet out;
    *out.bits_ = *a.bits_ & *b.bits_;
    return out;
}
CustomerSet operator-(const CustomerSet& a, const CustomerSet& b) {
    CustomerSet out;
    *out.bits_ = *a.bits_ - *b.bits_;
    return out;
}

}  // namespace yutang::audience
