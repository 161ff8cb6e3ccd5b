#include "yutang/audience/internal/index_snapshot.hpp"

#include <algorithm>
#include <bit>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "yutang/base/crypto.hpp"

namespace yutang::audience::internal {

// The file:
//
//   header    "YTAIDX", u32 format (kSnapshotFormat), i64 tenant, in the clear
//   chunks    one or more of: u32 length, then `length` bytes: KeyRing::Encrypt of the body's next
//             piece (u32 key id, big-endian; 24-byte nonce; ciphertext; 16-byte tag)
//
// The body is cut into pieces of the writer's chunk size (kSnapshotChunkBytes), the last one of 1
// to that many bytes, and piece i (from 0) is sealed with the active key under the context
// "t<tenant>/audience.snapshot/<i>", with "/last" appended for the last piece (ChunkContext). The
// reader takes the chunk that ends the file as the last, so a chunk moved, dropped, repeated or
// taken from another merchant's file, a file cut at a chunk's end, and bytes appended all make a
// chunk fail to decrypt. The AEAD tags check every byte after the header; the header's own
// fields are checked against what the reader expects, and the tenant is in every context.
//
// The body, every integer little-endian (the host's order: vectors are written as they lie in
// memory):
//
//   sections  each its u32 tag (four letters) and then its fields, in this order:
//     META    str zone name, i64 built_at (µs), i64 build_time (µs), u64 version, i64 logged.horizon,
//             vec<i64> logged.seen, u32 capacity
//     LIVE    bits live
//     TAGS    u64 n, n × (i64 tag id, str group, str name); u64 n, n × (i64 tag id, bits members)
//     FACT    u32 12, 12 × bits identities; u32 5, 5 × bits consented; u32 5, 5 × bits stages
//     OWNR    vec<u32> owner_of, vec<i64> owners, u64 n, n × (i64 staff id, bits members), bits owned
//     CHAN    vec<u32> channel_of, u64 n, n × (str channel, bits members)
//     TRAI    narrow<u8> order_count, narrow<i32> net_spend, 3 × (vec<i64> at, vec<u16> day) of
//             first_order_at, last_order_at, last_seen, u32 3, 3 × vec<u8> rfm, u32 6, 6 × narrow<u8>
//             platform_orders
//     PURC    i64 purchase_total, u64 n, n × (vec<u32> offsets, vec<Purchase> items)
//     ATTR    u64 n, n × (str name, bits present, u64 k, k × (str text, bits members), vec<u32> text_of,
//             bits bool_true, bits bool_false, vec<f64> number_of, vec<i32> day_of, vec<i64> instant_of)
//     EVNT    u64 n, n × (str name, vec<u32> customers, vec<u32> offsets, vec<i64> times, vec<i64> event_ids)
//     END.
//
// vec<T>: u64 count, then the elements' bytes. str: u64 length, then the bytes. bits: u64 length,
// then the bitmap in Roaring's portable format. narrow<T>: vec<T> values, then u64 n and n × (u32
// customer, i64 value) for the values too wide for T. Hash maps are written in ascending key
// order, so that equal indexes make equal bodies (the files differ in their random nonces). The code maps (owner_codes,
// channel_codes, text_codes) are rebuilt from the lists they index. Keep in sync with IndexData (index_data.hpp); bump
// kSnapshotFormat with any change.

static_assert(std::endian::native == std::endian::little, "the snapshot is written in the host's byte order");
static_assert(std::is_trivially_copyable_v<Purchase> && sizeof(Purchase) == 16);
// A change to these counts changes the layout: bump kSnapshotFormat, then these.
static_assert(std::tuple_size_v<decltype(IndexData::identities)> == 12);
static_assert(std::tuple_size_v<decltype(IndexData::consented)> == 5);
static_assert(std::tuple_size_v<decltype(IndexData::stages)> == 5);
static_assert(std::tuple_size_v<decltype(IndexData::rfm)> == 3);
static_assert(std::tuple_size_v<decltype(IndexData::platform_orders)> == 6);
static_assert(kPurchaseBlockBits == 12);

namespace {

constexpr std::string_view kMagic = "YTAIDX";
constexpr size_t kHeaderBytes = kMagic.size() + sizeof(uint32_t) + sizeof(int64_t);
// A sealed chunk is its piece and KeyRing::Encrypt's key id, nonce and tag (44 bytes).
constexpr size_t kMaxSealedChunkBytes = kMaxSnapshotChunkBytes + 64;
// Days of date attributes lie within ±kMaxDay of 1970-01-01: far beyond the years 0000–9999 that
// ISO dates and RFC 3339 times can spell, and far from where DateOfDay's arithmetic overflows.
constexpr int64_t kMaxDay = 4'000'000;

// Asks for transparent huge pages (when the kernel gives them on request) for the whole 2 MiB
// pages within [data, data + size), memory not yet touched. A column read into fresh memory
// costs a page fault per 4 KiB page otherwise, and on a virtual machine the faults, not the
// copying, set the speed: 220 MB/s without, 330–410 MB/s with this on the columns of 2 MiB and
// more (a 269 MB file of format 1, unsealed, -O2, on the 2-core development VM); scans of the
// columns gain too.
constexpr size_t kHugePageBytes = size_t{2} << 20;
void AdviseHugePages(void* data, size_t size) {
    const auto begin = reinterpret_cast<uintptr_t>(data);
    const uintptr_t first = (begin + kHugePageBytes - 1) & ~(uintptr_t{kHugePageBytes} - 1);
    const uintptr_t last = (begin + size) & ~(uintptr_t{kHugePageBytes} - 1);
    if (first < last) ::madvise(reinterpret_cast<void*>(first), last - first, MADV_HUGEPAGE);  // a hint
}

constexpr uint32_t Tag(std::string_view four) {
    return uint32_t{static_cast<unsigned char>(four[0])} | uint32_t{static_cast<unsigned char>(four[1])} << 8 |
           uint32_t{static_cast<unsigned char>(four[2])} << 16 | uint32_t{static_cast<unsigned char>(four[3])} << 24;
}
constexpr uint32_t kMeta = Tag("META");
constexpr uint32_t kLive = Tag("LIVE");
constexpr uint32_t kTags = Tag("TAGS");
constexpr uint32_t kFacts = Tag("FACT");
constexpr uint32_t kOwners = Tag("OWNR");
constexpr uint32_t kChannels = Tag("CHAN");
constexpr uint32_t kTraits = Tag("TRAI");
constexpr uint32_t kPurchases = Tag("PURC");
constexpr uint32_t kAttributes = Tag("ATTR");
constexpr uint32_t kEvents = Tag("EVNT");
constexpr uint32_t kEnd = Tag("END.");

// "Data loss": the file is not a whole, consistent snapshot.
Status Corrupt(std::string_view what) { return Internal("corrupt audience index snapshot: " + std::string(what)); }

Status IoError(std::string_view doing, const std::filesystem::path& path, int error) {
    return Unavailable("cannot " + std::string(doing) + " the audience index snapshot",
                       path.string() + ": " + std::strerror(error));
}

class FileCloser {
  public:
    explicit FileCloser(int fd) : fd_(fd) {}
    ~FileCloser() {
        if (fd_ >= 0) ::close(fd_);
    }
    FileCloser(const FileCloser&) = delete;
    FileCloser& operator=(const FileCloser&) = delete;
    // Closes now; the error of close(2), or 0.
    int Close() {
        if (fd_ < 0) return 0;
        const int result = ::close(std::exchange(fd_, -1));
        return result == 0 ? 0 : errno;
    }

  private:
    int fd_;
};

// Writes all of `data`; the first error, if any.
Status WriteAll(int fd, const std::filesystem::path& path, const char* data, size_t n) {
    while (n > 0) {
        const ssize_t written = ::write(fd, data, n);
        if (written < 0 && errno == EINTR) continue;
        if (written <= 0) return IoError("write", path, written < 0 ? errno : ENOSPC);
        data += written;
        n -= static_cast<size_t>(written);
    }
    return OkStatus();
}

// Reads exactly `n` bytes into `to`: internal when the file ends first.
Status ReadAll(int fd, const std::filesystem::path& path, char* to, size_t n) {
    while (n > 0) {
        const ssize_t got = ::read(fd, to, n);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) return IoError("read", path, errno);
        if (got == 0) return Corrupt("truncated");  // shrunk while being read
        to += got;
        n -= static_cast<size_t>(got);
    }
    return OkStatus();
}

enum class LastChunk { kNo, kYes };

// The context chunk `index` of `tenant`'s snapshot is sealed under (the layout above). Keep in
// sync with ChunkContext in index_snapshot_test.cpp.
std::string ChunkContext(TenantId tenant, uint64_t index, LastChunk last) {
    std::string context = "t" + std::to_string(tenant.value()) + "/audience.snapshot/" + std::to_string(index);
    if (last == LastChunk::kYes) context += "/last";
    return context;
}

// ---- writing -----------------------------------------------------------------------------------

// Lays the body out in a chunk-sized buffer, and seals and writes the buffer once it is full and
// more is to come (so that the last chunk is never empty); Finish seals what is left as the last.
// The first error sticks: later writes do nothing, and Finish returns it.
class Writer {
  public:
    Writer(int fd, const std::filesystem::path& path, const KeyRing& keys, TenantId tenant, size_t chunk_bytes)
        : fd_(fd), path_(path), keys_(keys), tenant_(tenant), chunk_(chunk_bytes) {}

    void Bytes(const void* data, size_t n) {
        const auto* from = static_cast<const char*>(data);
        while (n > 0) {
            if (used_ == chunk_.size()) Seal(LastChunk::kNo);
            const size_t take = std::min(n, chunk_.size() - used_);
            std::memcpy(chunk_.data() + used_, from, take);
            used_ += take;
            from += take;
            n -= take;
        }
    }
    template <typename T>
    void Value(T value) {
        static_assert(std::is_trivially_copyable_v<T>);
        Bytes(&value, sizeof value);
    }
    void U32(uint32_t value) { Value(value); }
    void U64(uint64_t value) { Value(value); }
    void I64(int64_t value) { Value(value); }
    void String(std::string_view s) {
        U64(s.size());
        Bytes(s.data(), s.size());
    }
    template <typename T>
    void Vector(const std::vector<T>& v) {
        static_assert(std::is_trivially_copyable_v<T>);
        U64(v.size());
        Bytes(v.data(), v.size() * sizeof(T));
    }
    void Bits(const Bitmap& bits) {
        const size_t n = bits.Bytes();
        U64(n);
        if (n == 0) return;
        if (used_ == chunk_.size()) Seal(LastChunk::kNo);
        if (n <= chunk_.size() - used_) {
            bits.WriteTo(chunk_.data() + used_);
            used_ += n;
            return;
        }
        std::vector<char> bytes(n);  // it spans chunks
        bits.WriteTo(bytes.data());
        Bytes(bytes.data(), n);
    }
    template <typename T>
    void Narrow(const NarrowColumn<T>& column) {
        Vector(column.values);
        std::vector<std::pair<uint32_t, int64_t>> wide(column.wide.begin(), column.wide.end());
        std::sort(wide.begin(), wide.end());
        U64(wide.size());
        for (const auto& [c, value] : wide) {
            U32(c);
            I64(value);
        }
    }

    // Seals and writes what is left as the last chunk; the first error met, if any.
    Status Finish() {
        Seal(LastChunk::kYes);
        return status_;
    }

  private:
    void Seal(LastChunk last) {
        if (status_.ok()) {
            const std::string sealed =
                keys_.Encrypt(std::string_view(chunk_.data(), used_), ChunkContext(tenant_, chunks_, last));
            const auto length = static_cast<uint32_t>(sealed.size());
            status_ = WriteAll(fd_, path_, reinterpret_cast<const char*>(&length), sizeof length);
            if (status_.ok()) status_ = WriteAll(fd_, path_, sealed.data(), sealed.size());
        }
        ++chunks_;
        used_ = 0;
    }

    int fd_;
    const std::filesystem::path& path_;
    const KeyRing& keys_;
    TenantId tenant_;
    std::vector<char> chunk_;
    size_t used_ = 0;      // bytes of chunk_ laid out
    uint64_t chunks_ = 0;  // chunks sealed
    Status status_;
};

// Bitmaps of a hash map, in ascending key order.
template <typename Map>
std::vector<std::pair<int64_t, const Bitmap*>> Sorted(const Map& map) {
    std::vector<std::pair<int64_t, const Bitmap*>> out;
    out.reserve(map.size());
    for (const auto& [key, bits] : map) out.emplace_back(key, &bits);
    std::sort(out.begin(), out.end());
    return out;
}

void WriteBody(Writer& out, const IndexData& d) {
    out.U32(kMeta);
    out.String(d.zone.name());
    out.I64(d.built_at.micros());
    out.I64(d.build_time.count());
    out.U64(d.version);
    out.I64(d.logged.horizon);
    out.Vector(d.logged.seen);
    out.U32(d.capacity);

    out.U32(kLive);
    out.Bits(d.live);

    out.U32(kTags);
    out.U64(d.tags.size());
    for (const TagInfo& tag : d.tags) {
        out.I64(tag.id);
        out.String(tag.group);
        out.String(tag.name);
    }
    const auto tag_members = Sorted(d.tag_members);
    out.U64(tag_members.size());
    for (const auto& [tag, bits] : tag_members) {
        out.I64(tag);
        out.Bits(*bits);
    }

    out.U32(kFacts);
    for (const std::span<const Bitmap> bitmaps :
         {std::span<const Bitmap>(d.identities), std::span<const Bitmap>(d.consented),
          std::span<const Bitmap>(d.stages)}) {
        out.U32(static_cast<uint32_t>(bitmaps.size()));
        for (const Bitmap& bits : bitmaps) out.Bits(bits);
    }

    out.U32(kOwners);
    out.Vector(d.owner_of);
    out.Vector(d.owners);
    const auto owner_members = Sorted(d.owner_members);
    out.U64(owner_members.size());
    for (const auto& [owner, bits] : owner_members) {
        out.I64(owner);
        out.Bits(*bits);
    }
    out.Bits(d.owned);

    out.U32(kChannels);
    out.Vector(d.channel_of);
    out.U64(d.channels.size());
    for (size_t i = 0; i < d.channels.size(); ++i) {
        out.String(d.channels[i]);
        out.Bits(d.channel_members[i]);
    }

    out.U32(kTraits);
    out.Narrow(d.order_count);
    out.Narrow(d.net_spend);
    for (const TimeColumn* column : {&d.first_order_at, &d.last_order_at, &d.last_seen}) {
        out.Vector(column->at);
        out.Vector(column->day);
    }
    out.U32(static_cast<uint32_t>(d.rfm.size()));
    for (const auto& column : d.rfm) out.Vector(column);
    out.U32(static_cast<uint32_t>(d.platform_orders.size()));
    for (const auto& column : d.platform_orders) out.Narrow(column);

    out.U32(kPurchases);
    out.I64(d.purchase_total);
    out.U64(d.purchase_blocks.size());
    for (const PurchaseBlock& block : d.purchase_blocks) {
        out.Vector(block.offsets);
        out.Vector(block.items);
    }

    out.U32(kAttributes);
    out.U64(d.attributes.size());
    for (const auto& [name, column] : d.attributes) {
        out.String(name);
        out.Bits(column.present);
        out.U64(column.texts.size());
        for (size_t i = 0; i < column.texts.size(); ++i) {
            out.String(column.texts[i]);
            out.Bits(column.text_members[i]);
        }
        out.Vector(column.text_of);
        out.Bits(column.bool_true);
        out.Bits(column.bool_false);
        out.Vector(column.number_of);
        out.Vector(column.day_of);
        out.Vector(column.instant_of);
    }

    out.U32(kEvents);
    out.U64(d.events.size());
    // Each name's blocks one after the other, as one run list (Load splits it into blocks again).
    for (const auto& [name, runs] : d.events) {
        out.String(name);
        size_t customers = 0;
        for (const EventBlock& block : runs.blocks) customers += block.customers.size();
        out.U64(customers);
        for (const EventBlock& block : runs.blocks) out.Bytes(block.customers.data(), block.customers.size() * 4);
        out.U64(customers == 0 ? 0 : customers + 1);
        uint32_t base = 0;
        for (const EventBlock& block : runs.blocks) {
            for (size_t k = 0; k < block.customers.size(); ++k) out.Value<uint32_t>(base + block.offsets[k]);
            base += static_cast<uint32_t>(block.times.size());
        }
        if (customers > 0) out.Value<uint32_t>(base);
        out.U64(base);
        for (const EventBlock& block : runs.blocks) out.Bytes(block.times.data(), block.times.size() * 8);
        size_t ids = 0;
        for (const EventBlock& block : runs.blocks) ids += block.event_ids.size();
        out.U64(ids);
        for (const EventBlock& block : runs.blocks) out.Bytes(block.event_ids.data(), block.event_ids.size() * 8);
    }
    out.U32(kEnd);
}

// ---- reading -----------------------------------------------------------------------------------

// Reads the body from the `sealed` bytes of chunks that follow the header, decrypting one chunk at
// a time. Every read is checked against the bytes left: a short file is corrupt, never read past.
class Reader {
  public:
    Reader(int fd, const std::filesystem::path& path, const KeyRing& keys, TenantId tenant, uint64_t sealed)
        : fd_(fd), path_(path), keys_(keys), tenant_(tenant), unread_(sealed) {}

    // No fewer than the body's bytes not yet taken: the rest of the chunk at hand, and the bytes of
    // the chunks not yet read, whose pieces are shorter. Counts are checked against it, so that
    // nothing larger than the file is allocated.
    uint64_t Remaining() const { return (chunk_.size() - taken_) + unread_; }
    // Whether the whole body has been taken: every chunk read, the last one whole.
    bool AtEnd() const { return chunks_ > 0 && unread_ == 0 && taken_ == chunk_.size(); }

    Status Bytes(void* out, size_t n) {
        if (n > Remaining()) return Corrupt("truncated");
        auto* to = static_cast<char*>(out);
        while (n > 0) {
            if (taken_ == chunk_.size()) YT_TRY(Next());
            const size_t take = std::min(n, chunk_.size() - taken_);
            std::memcpy(to, chunk_.data() + taken_, take);
            taken_ += take;
            to += take;
            n -= take;
        }
        return OkStatus();
    }
    template <typename T>
    Status Value(T& value) {
        static_assert(std::is_trivially_copyable_v<T>);
        return Bytes(&value, sizeof value);
    }
    Status Expect(uint32_t tag) {
        uint32_t found = 0;
        YT_TRY(Value(found));
        if (found != tag) return Corrupt("a section is missing");
        return OkStatus();
    }
    // A count of items of at least `item_bytes` each.
    Status Count(uint64_t& n, size_t item_bytes) {
        YT_TRY(Value(n));
        if (n > Remaining() / item_bytes) return Corrupt("a count runs past the end");
        return OkStatus();
    }
    Status String(std::string& s) {
        uint64_t n = 0;
        YT_TRY(Count(n, 1));
        s.resize(n);
        return Bytes(s.data(), n);
    }
    template <typename T>
    Status Vector(std::vector<T>& v) {
        static_assert(std::is_trivially_copyable_v<T>);
        uint64_t n = 0;
        YT_TRY(Count(n, sizeof(T)));
        v.clear();
        if (n * sizeof(T) >= kHugePageBytes) {
            v.reserve(n);
            AdviseHugePages(v.data(), n * sizeof(T));
        }
        v.resize(n);
        return Bytes(v.data(), n * sizeof(T));
    }
    Status Bits(Bitmap& bits) {
        uint64_t n = 0;
        YT_TRY(Count(n, 1));
        if (n > 0 && taken_ == chunk_.size()) YT_TRY(Next());
        std::optional<Bitmap> read;
        if (n <= chunk_.size() - taken_) {
            read = Bitmap::ReadFrom(std::span<const char>(chunk_.data() + taken_, n));
            taken_ += n;
        } else {
            std::vector<char> bytes(n);  // it spans chunks
            YT_TRY(Bytes(bytes.data(), n));
            read = Bitmap::ReadFrom(bytes);
        }
        if (!read) return Corrupt("a bitmap is malformed");
        bits = std::move(*read);
        return OkStatus();
    }
    template <typename T>
    Status Narrow(NarrowColumn<T>& column) {
        YT_TRY(Vector(column.values));
        uint64_t n = 0;
        YT_TRY(Count(n, sizeof(uint32_t) + sizeof(int64_t)));
        column.wide.clear();
        column.wide.reserve(n);
        for (uint64_t i = 0; i < n; ++i) {
            uint32_t c = 0;
            int64_t value = 0;
            YT_TRY(Value(c));
            YT_TRY(Value(value));
            if (!column.wide.emplace(c, value).second) return Corrupt("a wide value is repeated");
        }
        return OkStatus();
    }

  private:
    // Reads and decrypts the next chunk in place of the one at hand, which has all been taken.
    Status Next() {
        uint32_t length = 0;
        if (unread_ < sizeof length) return Corrupt("truncated");
        YT_TRY(In(reinterpret_cast<char*>(&length), sizeof length));
        if (length > unread_) return Corrupt("truncated");
        if (length > kMaxSealedChunkBytes) return Corrupt("a chunk is longer than any written");
        sealed_.resize(length);
        YT_TRY(In(sealed_.data(), length));
        const LastChunk last = unread_ == 0 ? LastChunk::kYes : LastChunk::kNo;
        Result<std::string> plain = keys_.Decrypt(sealed_, ChunkContext(tenant_, chunks_, last));
        if (!plain.ok()) {
            if (plain.status().code() == ErrorCode::kFailedPrecondition) {
                return FailedPrecondition(
                    "the audience index snapshot is sealed with a key that is not in the key file");
            }
            return Corrupt("chunk " + std::to_string(chunks_) + " is damaged or not sealed with this store's keys");
        }
        chunk_ = std::move(*plain);
        taken_ = 0;
        ++chunks_;
        return OkStatus();
    }
    // The next `n` (≤ unread_) bytes of the file.
    Status In(char* to, size_t n) {
        unread_ -= n;
        return ReadAll(fd_, path_, to, n);
    }

    int fd_;
    const std::filesystem::path& path_;
    const KeyRing& keys_;
    TenantId tenant_;
    uint64_t unread_;      // bytes of the file not yet read
    std::string sealed_;   // the chunk being decrypted
    std::string chunk_;    // the chunk at hand, decrypted
    size_t taken_ = 0;     // bytes of chunk_ taken
    uint64_t chunks_ = 0;  // chunks read
};

Status CheckRuns(const EventBlock& runs, uint32_t capacity);
EventRuns SplitRuns(const EventBlock& all);

Status ReadBody(Reader& in, IndexData& d, std::string& zone) {
    YT_TRY(in.Expect(kMeta));
    YT_TRY(in.String(zone));
    int64_t built_at = 0, build_time = 0;
    YT_TRY(in.Value(built_at));
    YT_TRY(in.Value(build_time));
    d.built_at = Timestamp::FromMicros(built_at);
    d.current_at.store(built_at, std::memory_order_release);  // at least; the loader catches up next
    d.build_time = std::chrono::microseconds(build_time);
    YT_TRY(in.Value(d.version));
    YT_TRY(in.Value(d.logged.horizon));
    YT_TRY(in.Vector(d.logged.seen));
    YT_TRY(in.Value(d.capacity));

    YT_TRY(in.Expect(kLive));
    YT_TRY(in.Bits(d.live));

    YT_TRY(in.Expect(kTags));
    uint64_t n = 0;
    YT_TRY(in.Count(n, 3 * sizeof(uint64_t)));
    d.tags.clear();
    for (uint64_t i = 0; i < n; ++i) {
        TagInfo& tag = d.tags.emplace_back();
        YT_TRY(in.Value(tag.id));
        YT_TRY(in.String(tag.group));
        YT_TRY(in.String(tag.name));
    }
    YT_TRY(in.Count(n, 2 * sizeof(uint64_t)));
    d.tag_members.clear();
    for (uint64_t i = 0; i < n; ++i) {
        int64_t tag = 0;
        YT_TRY(in.Value(tag));
        auto [it, inserted] = d.tag_members.try_emplace(tag);
        if (!inserted) return Corrupt("a tag is repeated");
        YT_TRY(in.Bits(it->second));
    }

    YT_TRY(in.Expect(kFacts));
    for (const std::span<Bitmap> bitmaps :
         {std::span<Bitmap>(d.identities), std::span<Bitmap>(d.consented), std::span<Bitmap>(d.stages)}) {
        uint32_t count = 0;
        YT_TRY(in.Value(count));
        if (count != bitmaps.size()) return Corrupt("a list of bitmaps has another length");
        for (Bitmap& bits : bitmaps) YT_TRY(in.Bits(bits));
    }

    YT_TRY(in.Expect(kOwners));
    YT_TRY(in.Vector(d.owner_of));
    YT_TRY(in.Vector(d.owners));
    d.owner_codes.clear();
    for (size_t i = 0; i < d.owners.size(); ++i) {
        if (!d.owner_codes.emplace(d.owners[i], static_cast<uint32_t>(i)).second)
            return Corrupt("an owner is repeated");
    }
    YT_TRY(in.Count(n, 2 * sizeof(uint64_t)));
    d.owner_members.clear();
    for (uint64_t i = 0; i < n; ++i) {
        int64_t owner = 0;
        YT_TRY(in.Value(owner));
        auto [it, inserted] = d.owner_members.try_emplace(owner);
        if (!inserted) return Corrupt("an owner is repeated");
        YT_TRY(in.Bits(it->second));
    }
    YT_TRY(in.Bits(d.owned));

    YT_TRY(in.Expect(kChannels));
    YT_TRY(in.Vector(d.channel_of));
    YT_TRY(in.Count(n, 2 * sizeof(uint64_t)));
    d.channels.clear();
    d.channel_codes.clear();
    d.channel_members.clear();
    for (uint64_t i = 0; i < n; ++i) {
        std::string& channel = d.channels.emplace_back();
        YT_TRY(in.String(channel));
        if (!d.channel_codes.emplace(channel, static_cast<uint32_t>(i)).second) return Corrupt("a channel is repeated");
        YT_TRY(in.Bits(d.channel_members.emplace_back()));
    }

    YT_TRY(in.Expect(kTraits));
    YT_TRY(in.Narrow(d.order_count));
    YT_TRY(in.Narrow(d.net_spend));
    for (TimeColumn* column : {&d.first_order_at, &d.last_order_at, &d.last_seen}) {
        YT_TRY(in.Vector(column->at));
        YT_TRY(in.Vector(column->day));
    }
    uint32_t count = 0;
    YT_TRY(in.Value(count));
    if (count != d.rfm.size()) return Corrupt("the RFM columns are of another number");
    for (auto& column : d.rfm) YT_TRY(in.Vector(column));
    YT_TRY(in.Value(count));
    if (count != d.platform_orders.size()) return Corrupt("the platform columns are of another number");
    for (auto& column : d.platform_orders) YT_TRY(in.Narrow(column));

    YT_TRY(in.Expect(kPurchases));
    YT_TRY(in.Value(d.purchase_total));
    YT_TRY(in.Count(n, 2 * sizeof(uint64_t)));
    d.purchase_blocks.clear();
    d.purchase_blocks.resize(n);
    for (PurchaseBlock& block : d.purchase_blocks) {
        YT_TRY(in.Vector(block.offsets));
        YT_TRY(in.Vector(block.items));
    }

    YT_TRY(in.Expect(kAttributes));
    YT_TRY(in.Count(n, 11 * sizeof(uint64_t)));
    d.attributes.clear();
    std::string name;
    for (uint64_t i = 0; i < n; ++i) {
        YT_TRY(in.String(name));
        auto [it, inserted] = d.attributes.try_emplace(name);
        if (!inserted) return Corrupt("an attribute is repeated");
        AttributeColumn& column = it->second;
        YT_TRY(in.Bits(column.present));
        uint64_t texts = 0;
        YT_TRY(in.Count(texts, 2 * sizeof(uint64_t)));
        for (uint64_t k = 0; k < texts; ++k) {
            std::string& text = column.texts.emplace_back();
            YT_TRY(in.String(text));
            if (!column.text_codes.emplace(text, static_cast<uint32_t>(k)).second) {
                return Corrupt("an attribute value is repeated");
            }
            YT_TRY(in.Bits(column.text_members.emplace_back()));
        }
        YT_TRY(in.Vector(column.text_of));
        YT_TRY(in.Bits(column.bool_true));
        YT_TRY(in.Bits(column.bool_false));
        YT_TRY(in.Vector(column.number_of));
        YT_TRY(in.Vector(column.day_of));
        YT_TRY(in.Vector(column.instant_of));
    }

    YT_TRY(in.Expect(kEvents));
    YT_TRY(in.Count(n, 5 * sizeof(uint64_t)));
    d.events.clear();
    for (uint64_t i = 0; i < n; ++i) {
        YT_TRY(in.String(name));
        auto [it, inserted] = d.events.try_emplace(name);
        if (!inserted) return Corrupt("an event name is repeated");
        EventBlock all;
        YT_TRY(in.Vector(all.customers));
        YT_TRY(in.Vector(all.offsets));
        YT_TRY(in.Vector(all.times));
        YT_TRY(in.Vector(all.event_ids));
        YT_TRY(CheckRuns(all, d.capacity));
        it->second = SplitRuns(all);
    }
    return in.Expect(kEnd);
}

// ---- checking what was read --------------------------------------------------------------------
// What the engine and Refresh index by must hold, so that no file, however made, has them read
// out of bounds: every column has a slot per customer id, every bitmap holds only ids below
// capacity, every code and offset points into what it indexes.

bool Within(const Bitmap& bits, uint32_t capacity) { return bits.Empty() || bits.Maximum() < capacity; }

// Every code is 0 (none) or a position in a list of `size` + 1.
bool CodesWithin(const std::vector<uint32_t>& codes, size_t size) {
    return std::all_of(codes.begin(), codes.end(), [size](uint32_t code) { return code <= size; });
}

// Offsets into `size` items: from 0, ascending (strictly: no empty run), ending at `size`.
bool OffsetsValid(const std::vector<uint32_t>& offsets, size_t size, bool strictly) {
    if (offsets.empty() || offsets.front() != 0 || offsets.back() != size) return false;
    for (size_t i = 1; i < offsets.size(); ++i) {
        if (offsets[i] < offsets[i - 1] || (strictly && offsets[i] == offsets[i - 1])) return false;
    }
    return true;
}

// One event name's runs as written: customers ascending, below the capacity, a run each.
Status CheckRuns(const EventBlock& runs, uint32_t capacity) {
    bool valid = runs.event_ids.size() == runs.times.size();
    if (runs.customers.empty()) {
        valid = valid && runs.offsets.empty() && runs.times.empty();
    } else {
        valid = valid && runs.offsets.size() == runs.customers.size() + 1 &&
                OffsetsValid(runs.offsets, runs.times.size(), true) && runs.customers.back() < capacity &&
                std::adjacent_find(runs.customers.begin(), runs.customers.end(),
                                   [](uint32_t a, uint32_t b) { return a >= b; }) == runs.customers.end();
    }
    return valid ? OkStatus() : Corrupt("an event's runs are inconsistent");
}

// Checked runs split into the index's blocks.
EventRuns SplitRuns(const EventBlock& all) {
    EventRuns runs;
    if (all.customers.empty()) return runs;
    runs.blocks.resize((all.customers.back() >> kEventBlockBits) + 1);
    for (size_t i = 0; i < all.customers.size();) {
        const uint32_t b = all.customers[i] >> kEventBlockBits;
        size_t end = i;
        while (end < all.customers.size() && all.customers[end] >> kEventBlockBits == b) ++end;
        EventBlock& block = runs.blocks[b];
        const uint32_t first = all.offsets[i], last = all.offsets[end];
        block.customers.assign(all.customers.begin() + static_cast<ptrdiff_t>(i),
                               all.customers.begin() + static_cast<ptrdiff_t>(end));
        for (size_t k = i; k <= end; ++k) block.offsets.push_back(all.offsets[k] - first);
        block.times.assign(all.times.begin() + first, all.times.begin() + last);
        block.event_ids.assign(all.event_ids.begin() + first, all.event_ids.begin() + last);
        i = end;
    }
    return runs;
}

template <typename T>
bool NarrowValid(const NarrowColumn<T>& column, uint32_t capacity) {
    if (column.values.size() != capacity) return false;
    const auto wide = static_cast<size_t>(std::count(column.values.begin(), column.values.end(), column.kWide));
    if (wide != column.wide.size()) return false;
    return std::all_of(column.wide.begin(), column.wide.end(), [&](const auto& entry) {
        return entry.first < capacity && column.values[entry.first] == column.kWide;
    });
}

Status Check(const IndexData& d) {
    const uint32_t capacity = d.capacity;
    const auto column = [capacity](const auto& v) { return v.size() == capacity; };
    const auto optional_column = [capacity](const auto& v) { return v.empty() || v.size() == capacity; };
    const auto times = [&](const TimeColumn& t) { return column(t.at) && column(t.day); };
    if (!column(d.owner_of) || !column(d.channel_of) || !times(d.first_order_at) || !times(d.last_order_at) ||
        !times(d.last_seen) || !std::all_of(d.rfm.begin(), d.rfm.end(), column)) {
        return Corrupt("a column is not as long as the capacity");
    }
    if (!NarrowValid(d.order_count, capacity) || !NarrowValid(d.net_spend, capacity) ||
        !std::all_of(d.platform_orders.begin(), d.platform_orders.end(),
                     [capacity](const auto& c) { return NarrowValid(c, capacity); })) {
        return Corrupt("a narrow column is inconsistent");
    }

    bool bits = Within(d.live, capacity) && Within(d.owned, capacity);
    for (const auto& [tag, members] : d.tag_members) bits = bits && Within(members, capacity);
    for (const Bitmap& b : d.identities) bits = bits && Within(b, capacity);
    for (const Bitmap& b : d.consented) bits = bits && Within(b, capacity);
    for (const Bitmap& b : d.stages) bits = bits && Within(b, capacity);
    for (const auto& [owner, members] : d.owner_members) bits = bits && Within(members, capacity);
    for (const Bitmap& b : d.channel_members) bits = bits && Within(b, capacity);
    if (!bits) return Corrupt("a bitmap holds an id beyond the capacity");
    if (!CodesWithin(d.owner_of, d.owners.size()) || !CodesWithin(d.channel_of, d.channels.size())) {
        return Corrupt("an owner or channel code is out of range");
    }

    if (d.purchase_blocks.size() != (size_t{capacity} + kPurchaseBlock - 1) >> kPurchaseBlockBits) {
        return Corrupt("the purchase blocks do not cover the capacity");
    }
    for (const PurchaseBlock& block : d.purchase_blocks) {
        const bool valid = block.offsets.empty() ? block.items.empty()
                                                 : block.offsets.size() == kPurchaseBlock + 1 &&
                                                       OffsetsValid(block.offsets, block.items.size(), false);
        if (!valid) return Corrupt("a purchase block's offsets are inconsistent");
    }

    for (const auto& [name, a] : d.attributes) {
        bool valid = Within(a.present, capacity) && Within(a.bool_true, capacity) && Within(a.bool_false, capacity);
        for (const Bitmap& b : a.text_members) valid = valid && Within(b, capacity);
        valid = valid && optional_column(a.text_of) && CodesWithin(a.text_of, a.texts.size()) &&
                optional_column(a.number_of) && optional_column(a.day_of) && optional_column(a.instant_of);
        valid = valid && std::all_of(a.day_of.begin(), a.day_of.end(),
                                     [](int32_t day) { return day == kNoDay || (day >= -kMaxDay && day <= kMaxDay); });
        if (!valid) return Corrupt("an attribute column is inconsistent");
    }

    // The event runs were checked as they were read (ReadBody).
    return OkStatus();
}

}  // namespace

// ---- the two functions -------------------------------------------------------------------------

Status WriteSnapshot(const IndexData& data, const std::filesystem::path& file, size_t chunk_bytes) {
    if (data.keys == nullptr) return FailedPrecondition("no keys to seal the audience index snapshot with");
    if (chunk_bytes == 0 || chunk_bytes > kMaxSnapshotChunkBytes) {
        return InvalidArgument("the audience index snapshot's chunk size is out of range");
    }
    // Named per process: a CLI run beside the server may save the same merchant's index.
    std::filesystem::path temp = file;
    temp += ".tmp." + std::to_string(::getpid());
    const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return IoError("create", temp, errno);
    FileCloser closer(fd);
    const auto fail = [&](Status status) {
        closer.Close();
        ::unlink(temp.c_str());
        return status;
    };

    char header[kHeaderBytes];
    const int64_t tenant = data.tenant.value();
    std::memcpy(header, kMagic.data(), kMagic.size());
    std::memcpy(header + kMagic.size(), &kSnapshotFormat, sizeof kSnapshotFormat);
    std::memcpy(header + kMagic.size() + sizeof kSnapshotFormat, &tenant, sizeof tenant);
    if (Status written = WriteAll(fd, temp, header, sizeof header); !written.ok()) return fail(written);
    Writer out(fd, temp, *data.keys, data.tenant, chunk_bytes);
    WriteBody(out, data);
    if (Status written = out.Finish(); !written.ok()) return fail(written);
    // A failed fsync leaves the temporary file unrenamed, so the old snapshot stays: no need to
    // stop the process as the store must.
    if (::fsync(fd) != 0) return fail(IoError("sync", temp, errno));
    if (const int error = closer.Close(); error != 0) return fail(IoError("close", temp, error));
    if (::rename(temp.c_str(), file.c_str()) != 0) return fail(IoError("rename", file, errno));

    // The rename is durable once the directory is synced.
    const std::filesystem::path dir = file.has_parent_path() ? file.parent_path() : std::filesystem::path(".");
    const int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir_fd < 0) return IoError("sync the directory of", file, errno);
    FileCloser dir_closer(dir_fd);
    if (::fsync(dir_fd) != 0) return IoError("sync the directory of", file, errno);
    return OkStatus();
}

Status ReadSnapshot(const std::filesystem::path& file, IndexData& data) {
    const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) return NotFound("no audience index snapshot");
        return IoError("open", file, errno);
    }
    FileCloser closer(fd);
    struct stat st {};
    if (::fstat(fd, &st) != 0) return IoError("read", file, errno);
    const auto size = static_cast<uint64_t>(st.st_size);
    if (size < kHeaderBytes) return Corrupt("truncated").WithDetail(file.string());
    ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);  // a hint: larger read-ahead

    char header[kHeaderBytes];
    if (Status read = ReadAll(fd, file, header, sizeof header); !read.ok()) return read.WithDetail(file.string());
    uint32_t format = 0;
    int64_t tenant = 0;
    std::memcpy(&format, header + kMagic.size(), sizeof format);
    std::memcpy(&tenant, header + kMagic.size() + sizeof format, sizeof tenant);
    if (std::string_view(header, kMagic.size()) != kMagic) {
        return FailedPrecondition("not an audience index snapshot").WithDetail(file.string());
    }
    if (format != kSnapshotFormat) {
        return FailedPrecondition("the audience index snapshot is of another format version")
            .WithDetail(file.string() + ": format " + std::to_string(format) + ", this build reads " +
                        std::to_string(kSnapshotFormat));
    }
    if (tenant != data.tenant.value()) {
        return FailedPrecondition("the audience index snapshot is of another merchant")
            .WithDetail(file.string() + ": tenant " + std::to_string(tenant));
    }
    if (data.keys == nullptr) return FailedPrecondition("no keys to open the audience index snapshot with");

    Reader in(fd, file, *data.keys, data.tenant, size - kHeaderBytes);
    std::string zone;
    const auto read = [&]() -> Status {
        YT_TRY(ReadBody(in, data, zone));
        if (!in.AtEnd()) return Corrupt("bytes after the last section");
        return Check(data);
    };
    if (Status status = read(); !status.ok()) return status.WithDetail(file.string());

    auto loaded_zone = TimeZone::Load(zone);
    if (!loaded_zone.ok()) {
        return FailedPrecondition("the audience index snapshot's time zone is not known")
            .WithDetail(file.string() + ": " + zone);
    }
    data.zone = std::move(*loaded_zone);
    data.changes.clear();
    {
        std::lock_guard lock(data.tallies_mutex);
        data.tallies.clear();
        data.tally_uses = 0;
    }
    std::lock_guard lock(data.properties_mutex);
    data.properties.clear();
    return OkStatus();
}

std::unique_ptr<AudienceIndex> IndexAccess::Make(std::unique_ptr<IndexData> data) {
    return std::unique_ptr<AudienceIndex>(new AudienceIndex(std::move(data)));
}

}  // namespace yutang::audience::internal
