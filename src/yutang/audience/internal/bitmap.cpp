#include "yutang/audience/internal/bitmap.hpp"

#include <bit>
#include <cstdlib>
#include <cstring>

namespace yutang::audience::internal {
namespace {

constexpr uint32_t kNoRunCookie = 12346;  // portable format without run containers
constexpr uint32_t kArrayMax = 4096;      // larger containers are bitsets

template <typename T>
void Append(std::vector<char>& out, const T& value) {
    const size_t at = out.size();
    out.resize(at + sizeof(T));
    std::memcpy(out.data() + at, &value, sizeof(T));
}

}  // namespace

void BitmapBuilder::AddArray(uint16_t key, std::span<const uint16_t> low) {
    if (low.empty()) return;
    containers_.push_back({key, static_cast<uint32_t>(low.size()), data_.size()});
    const size_t at = data_.size();
    data_.resize(at + low.size_bytes());
    std::memcpy(data_.data() + at, low.data(), low.size_bytes());
}

void BitmapBuilder::AddWords(uint16_t key, const uint64_t* words) {
    Flush();
    uint32_t cardinality = 0;
    for (size_t i = 0; i < kChunkWords; ++i) cardinality += static_cast<uint32_t>(std::popcount(words[i]));
    if (cardinality == 0) return;
    if (cardinality > kArrayMax) {
        containers_.push_back({key, cardinality, data_.size()});
        const size_t at = data_.size();
        data_.resize(at + kChunkWords * sizeof(uint64_t));
        std::memcpy(data_.data() + at, words, kChunkWords * sizeof(uint64_t));
        return;
    }
    pending_.clear();
    for (size_t i = 0; i < kChunkWords; ++i) {
        for (uint64_t w = words[i]; w != 0; w &= w - 1) {
            pending_.push_back(static_cast<uint16_t>(i * 64 + static_cast<size_t>(std::countr_zero(w))));
        }
    }
    AddArray(key, pending_);
    pending_.clear();
}

void BitmapBuilder::AddSorted(std::span<const uint32_t> ids) {
    for (uint32_t id : ids) {
        const auto key = static_cast<int32_t>(id >> 16);
        if (key != pending_key_) {
            Flush();
            pending_key_ = key;
        }
        pending_.push_back(static_cast<uint16_t>(id & 0xffff));
    }
}

void BitmapBuilder::Flush() {
    if (pending_key_ < 0) return;
    const auto key = static_cast<uint16_t>(pending_key_);
    pending_key_ = -1;
    if (pending_.size() <= kArrayMax) {
        AddArray(key, pending_);
    } else {
        uint64_t words[kChunkWords] = {};
        for (uint16_t low : pending_) words[low >> 6] |= uint64_t{1} << (low & 63);
        pending_.clear();
        AddWords(key, words);
    }
    pending_.clear();
}

Bitmap BitmapBuilder::Done() {
    Flush();
    if (containers_.empty()) return Bitmap();
    // cookie, count, (key, cardinality - 1) per container, an offset per container, containers.
    const size_t header = 8 + containers_.size() * 8;
    std::vector<char> buffer;
    buffer.reserve(header + data_.size());
    Append(buffer, kNoRunCookie);
    Append(buffer, static_cast<uint32_t>(containers_.size()));
    for (const Container& c : containers_) {
        Append(buffer, c.key);
        Append(buffer, static_cast<uint16_t>(c.cardinality - 1));
    }
    for (const Container& c : containers_) Append(buffer, static_cast<uint32_t>(header + c.offset));
    buffer.insert(buffer.end(), data_.begin(), data_.end());
    roaring_bitmap_t* r = roaring_bitmap_portable_deserialize_safe(buffer.data(), buffer.size());
    // Only a malformed layout above (a bug, never data) is refused: failing loudly beats a wrong count.
    if (r == nullptr) std::abort();
    containers_.clear();
    data_.clear();
    return Bitmap(r);
}

}  // namespace yutang::audience::internal
