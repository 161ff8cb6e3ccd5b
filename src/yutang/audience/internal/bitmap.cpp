#include "yutang/audience/internal/bitmap.hpp"

#include <bit>
#include <cstdlib>
#include <cstring>

namespace yutang::audience::internal {
namespace {

constexpr uint32_t kNoRunCookie = 12346;    // portable format without run containers
constexpr uint32_t kRunCookie = 12347;      // low 16 bits of the cookie of a format with run containers
constexpr uint32_t kNoOffsetThreshold = 4;  // with run containers, fewer containers have no offset header
constexpr uint32_t kArrayMax = 4096;        // larger containers are bitsets

template <typename T>
void Append(std::vector<char>& out, const T& value) {
    const size_t at = out.size();
    out.resize(at + sizeof(T));
    std::memcpy(out.data() + at, &value, sizeof(T));
}

// Reads little-endian integers at positions already checked to lie within the bytes.
uint16_t U16At(std::span<const char> bytes, size_t at) {
    uint16_t value;
    std::memcpy(&value, bytes.data() + at, sizeof value);
    return value;
}
uint32_t U32At(std::span<const char> bytes, size_t at) {
    uint32_t value;
    std::memcpy(&value, bytes.data() + at, sizeof value);
    return value;
}

// Whether `bytes` are exactly one bitmap in the portable format, as CRoaring writes it
// (RoaringFormatSpec): a cookie (and a container count), a run flag per container when there are
// run containers, (key, cardinality - 1) per container, each container's offset (but with run
// containers and fewer than kNoOffsetThreshold of them), then the containers — runs as a count
// and (start, length - 1) pairs, up to kArrayMax values as an array, more as 2^16 bits.
bool IsPortableBitmap(std::span<const char> bytes) {
    const size_t size = bytes.size();
    if (size < 4) return false;
    const uint32_t cookie = U32At(bytes, 0);
    size_t at = 4;
    size_t count = 0;
    bool runs = false;
    if ((cookie & 0xffff) == kRunCookie) {
        runs = true;
        count = size_t{cookie >> 16} + 1;
    } else if (cookie == kNoRunCookie) {
        if (size < 8) return false;
        count = U32At(bytes, 4);
        at = 8;
        if (count > size_t{1} << 16) return false;
    } else {
        return false;
    }
    const size_t run_flags = at;
    if (runs) at += (count + 7) / 8;
    const size_t keys = at;
    at += count * 4;
    const bool has_offsets = !runs || count >= kNoOffsetThreshold;
    const size_t offsets = at;
    if (has_offsets) at += count * 4;
    if (at > size) return false;
    int32_t previous_key = -1;
    for (size_t i = 0; i < count; ++i) {
        const uint16_t key = U16At(bytes, keys + i * 4);
        const uint32_t cardinality = uint32_t{U16At(bytes, keys + i * 4 + 2)} + 1;
        if (int32_t{key} <= previous_key) return false;
        previous_key = key;
        if (has_offsets && U32At(bytes, offsets + i * 4) != at) return false;
        const bool run =
            runs && ((uint32_t{static_cast<unsigned char>(bytes[run_flags + i / 8])} >> (i % 8)) & 1u) != 0;
        if (run) {
            if (size - at < 2) return false;
            const size_t n = U16At(bytes, at);
            at += 2;
            if (n == 0 || (size - at) / 4 < n) return false;
            uint32_t total = 0;
            int32_t last = -1;  // the last value the runs so far cover
            for (size_t r = 0; r < n; ++r, at += 4) {
                const uint16_t start = U16At(bytes, at);
                const uint32_t end = uint32_t{start} + U16At(bytes, at + 2);
                if (int32_t{start} <= last || end > 0xffff) return false;
                total += end - start + 1;
                last = static_cast<int32_t>(end);
            }
            if (total != cardinality) return false;
        } else if (cardinality <= kArrayMax) {
            if ((size - at) / 2 < cardinality) return false;
            int32_t previous = -1;
            for (uint32_t k = 0; k < cardinality; ++k, at += 2) {
                const uint16_t value = U16At(bytes, at);
                if (int32_t{value} <= previous) return false;
                previous = value;
            }
        } else {
            constexpr size_t kBitsetBytes = BitmapBuilder::kChunkWords * sizeof(uint64_t);
            if (size - at < kBitsetBytes) return false;
            uint32_t ones = 0;
            for (size_t w = 0; w < BitmapBuilder::kChunkWords; ++w, at += 8) {
                uint64_t word;
                std::memcpy(&word, bytes.data() + at, sizeof word);
                ones += static_cast<uint32_t>(std::popcount(word));
            }
            if (ones != cardinality) return false;
        }
    }
    return at == size;
}

}  // namespace

std::optional<Bitmap> Bitmap::ReadFrom(std::span<const char> bytes) {
    if (!IsPortableBitmap(bytes)) return std::nullopt;
    roaring_bitmap_t* r = roaring_bitmap_portable_deserialize_safe(bytes.data(), bytes.size());
    if (r == nullptr) return std::nullopt;
    return Bitmap(r);
}

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
