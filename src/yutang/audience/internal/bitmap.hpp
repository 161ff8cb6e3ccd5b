// A set of 32-bit customer ids as a Roaring bitmap (CRoaring's C API), owned RAII-style.
//
// The audience index and engine use only this small interface, so that another bitmap kernel
// (a SIMD build of CRoaring, or another library) can be swapped in where profiling shows it
// matters (Debian's libroaring is built without SIMD). Private to the audience module: the C
// header stays out of public headers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include <roaring/roaring.h>

namespace yutang::audience::internal {

class Bitmap {
  public:
    Bitmap() : r_(roaring_bitmap_create()) {}
    Bitmap(const Bitmap& other) : r_(roaring_bitmap_copy(other.r_)) {}
    Bitmap(Bitmap&& other) noexcept : r_(std::exchange(other.r_, nullptr)) {}
    Bitmap& operator=(const Bitmap& other) {
        if (this != &other) {
            Bitmap copy(other);
            std::swap(r_, copy.r_);
        }
        return *this;
    }
    Bitmap& operator=(Bitmap&& other) noexcept {
        std::swap(r_, other.r_);
        return *this;
    }
    ~Bitmap() {
        if (r_ != nullptr) roaring_bitmap_free(r_);
    }

    // [low, high).
    static Bitmap Range(uint64_t low, uint64_t high) {
        Bitmap b;
        if (low < high) roaring_bitmap_add_range(b.r_, low, high);
        return b;
    }
    // Any order, duplicates allowed.
    static Bitmap Of(std::span<const uint32_t> ids) {
        Bitmap b;
        b.AddMany(ids);
        return b;
    }

    void Add(uint32_t id) { roaring_bitmap_add(r_, id); }
    void AddMany(std::span<const uint32_t> ids) {
        if (!ids.empty()) roaring_bitmap_add_many(r_, ids.size(), ids.data());
    }
    void Remove(uint32_t id) { roaring_bitmap_remove(r_, id); }
    // Removes [low, high).
    void RemoveRange(uint64_t low, uint64_t high) {
        if (low < high) roaring_bitmap_remove_range(r_, low, high);
    }
    void Clear() { roaring_bitmap_clear(r_); }
    bool Contains(uint32_t id) const { return roaring_bitmap_contains(r_, id); }
    uint64_t Cardinality() const { return roaring_bitmap_get_cardinality(r_); }
    bool Empty() const { return roaring_bitmap_is_empty(r_); }
    // The smallest and largest ids; not for an empty set.
    uint32_t Minimum() const { return roaring_bitmap_minimum(r_); }
    uint32_t Maximum() const { return roaring_bitmap_maximum(r_); }
    // The id of rank `rank` (0 = the smallest); `rank` < Cardinality().
    uint32_t Select(uint32_t rank) const {
        uint32_t id = 0;
        roaring_bitmap_select(r_, rank, &id);
        return id;
    }

    Bitmap& operator&=(const Bitmap& other) {
        roaring_bitmap_and_inplace(r_, other.r_);
        return *this;
    }
    Bitmap& operator|=(const Bitmap& other) {
        roaring_bitmap_or_inplace(r_, other.r_);
        return *this;
    }
    Bitmap& operator-=(const Bitmap& other) {
        roaring_bitmap_andnot_inplace(r_, other.r_);
        return *this;
    }
    friend Bitmap operator&(const Bitmap& a, const Bitmap& b) { return Bitmap(roaring_bitmap_and(a.r_, b.r_)); }
    friend Bitmap operator|(const Bitmap& a, const Bitmap& b) { return Bitmap(roaring_bitmap_or(a.r_, b.r_)); }
    friend Bitmap operator-(const Bitmap& a, const Bitmap& b) { return Bitmap(roaring_bitmap_andnot(a.r_, b.r_)); }
    friend Bitmap operator^(const Bitmap& a, const Bitmap& b) { return Bitmap(roaring_bitmap_xor(a.r_, b.r_)); }
    friend bool operator==(const Bitmap& a, const Bitmap& b) { return roaring_bitmap_equals(a.r_, b.r_); }

    // Calls f(id) for every id in increasing order.
    template <typename F>
    void ForEach(F&& f) const {
        roaring_uint32_iterator_t it;
        roaring_init_iterator(r_, &it);
        while (it.has_value) {
            f(it.current_value);
            roaring_advance_uint32_iterator(&it);
        }
    }
    // The `n` smallest ids.
    std::vector<uint32_t> First(size_t n) const {
        std::vector<uint32_t> out;
        roaring_uint32_iterator_t it;
        roaring_init_iterator(r_, &it);
        while (it.has_value && out.size() < n) {
            out.push_back(it.current_value);
            roaring_advance_uint32_iterator(&it);
        }
        return out;
    }
    std::vector<uint32_t> ToVector() const {
        std::vector<uint32_t> out(static_cast<size_t>(Cardinality()));
        if (!out.empty()) roaring_bitmap_to_uint32_array(r_, out.data());
        return out;
    }

    // Compresses runs and releases spare capacity; call after bulk loading.
    void Optimize() {
        roaring_bitmap_run_optimize(r_);
        roaring_bitmap_shrink_to_fit(r_);
    }
    // Memory held (the portable serialised size, a close estimate of the in-memory size).
    size_t Bytes() const { return roaring_bitmap_portable_size_in_bytes(r_); }
    // Writes the portable serialised form (github.com/RoaringBitmap/RoaringFormatSpec), Bytes()
    // long, to `out`.
    void WriteTo(char* out) const { roaring_bitmap_portable_serialize(r_, out); }
    // The bitmap whose portable serialised form is exactly `bytes`; std::nullopt when they are
    // not one. Safe on any bytes: the layout is checked in full (lengths, ascending keys and
    // values, runs within their chunk, cardinalities) before CRoaring reads it, since its "safe"
    // reader checks only the lengths and would take, say, an unsorted array as it is.
    static std::optional<Bitmap> ReadFrom(std::span<const char> bytes);

  private:
    friend class BitmapBuilder;
    explicit Bitmap(roaring_bitmap_t* r) : r_(r) {}
    roaring_bitmap_t* r_;  // null only after being moved from
};

// Builds a bitmap from ids produced in increasing order, a 2^16-id chunk at a time, either as a
// chunk's bit words (a column scan) or as sorted ids (a filter over candidates). Much faster
// than adding ids one by one: the chunks are laid out in CRoaring's portable serialised format
// (docs: RoaringFormatSpec) and read back in one call, so each becomes one memcpy.
class BitmapBuilder {
  public:
    static constexpr size_t kChunkWords = 1024;  // 2^16 bits

    // The chunk `key` (ids key·2^16 …) as bits; chunks must come in increasing key order.
    void AddWords(uint16_t key, const uint64_t* words);
    // Ids in increasing order, each greater than every id added before.
    void AddSorted(std::span<const uint32_t> ids);
    Bitmap Done();

  private:
    void Flush();
    void AddArray(uint16_t key, std::span<const uint16_t> low);
    struct Container {
        uint16_t key;
        uint32_t cardinality;
        size_t offset;  // into data_
    };
    std::vector<Container> containers_;
    std::vector<char> data_;
    // AddSorted's pending chunk.
    int32_t pending_key_ = -1;
    std::vector<uint16_t> pending_;
};

}  // namespace yutang::audience::internal
