// The audience index's snapshot (internal/index_snapshot.hpp), on SQLite and on PostgreSQL: an
// index read back from its file must equal the one written, field by field and on rules, and go
// on refreshing as the built one does; a file that is missing, cut short, damaged, of another
// format or of another merchant, sealed with other keys or with its chunks moved must give its
// error code, never a crash (these run under ASan and UBSan in CI); no attribute value is in it
// in the clear. Also Bitmap's portable form.
#include "yutang/audience/internal/index_snapshot.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <unistd.h>

#include "yutang/audience/engine.hpp"
#include "yutang/audience/index.hpp"
#include "yutang/audience/index_testing.hpp"
#include "yutang/audience/internal/bitmap.hpp"
#include "yutang/audience/internal/index_data.hpp"
#include "yutang/audience/rule.hpp"
#include "yutang/base/crypto.hpp"

#include "tests/support/audience_rows.hpp"
#include "tests/support/postgres_server.hpp"
#include "tests/support/test_store.hpp"

namespace yutang::audience {
namespace {

using internal::Bitmap;
using internal::IndexAccess;
using internal::IndexData;
using internal::ReadSnapshot;
using internal::WriteSnapshot;
using Ids = std::vector<int64_t>;

using index_testing::kTenant;

std::string ReadFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void WriteFile(const std::string& path, const std::string& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

constexpr size_t kHeader = 18;  // magic, format, tenant: in the clear

// The sealed chunks that follow a snapshot file's header, without their length prefixes.
std::vector<std::string> ChunksOf(const std::string& file_bytes) {
    std::vector<std::string> chunks;
    size_t at = kHeader;
    while (at + 4 <= file_bytes.size()) {
        uint32_t length = 0;
        std::memcpy(&length, file_bytes.data() + at, 4);
        at += 4;
        chunks.push_back(file_bytes.substr(at, length));
        at += length;
    }
    EXPECT_EQ(at, file_bytes.size()) << "not a whole number of chunks";
    return chunks;
}

// A snapshot file of `header` and `chunks`, each length-prefixed.
std::string FileOf(std::string_view header, const std::vector<std::string>& chunks) {
    std::string bytes(header);
    for (const std::string& chunk : chunks) {
        const auto length = static_cast<uint32_t>(chunk.size());
        bytes.append(reinterpret_cast<const char*>(&length), 4);
        bytes += chunk;
    }
    return bytes;
}

// The context WriteSnapshot seals chunk `i` of `count` under. Keep in sync with the layout in
// internal/index_snapshot.cpp.
std::string ChunkContext(int64_t tenant, size_t i, size_t count) {
    return "t" + std::to_string(tenant) + "/audience.snapshot/" + std::to_string(i) + (i + 1 == count ? "/last" : "");
}

// The body of a snapshot file, decrypted: what tests change and seal again.
std::string Unseal(const std::string& file_bytes, const KeyRing& keys, int64_t tenant = kTenant) {
    const std::vector<std::string> chunks = ChunksOf(file_bytes);
    std::string body;
    for (size_t i = 0; i < chunks.size(); ++i) {
        const Result<std::string> piece = keys.Decrypt(chunks[i], ChunkContext(tenant, i, chunks.size()));
        EXPECT_TRUE(piece.ok()) << "chunk " << i << ": " << piece.status().ToString();
        if (piece.ok()) body += *piece;
    }
    return body;
}

// A snapshot file of `header` and `body`, sealed as WriteSnapshot seals one.
std::string Seal(std::string_view header, std::string_view body, const KeyRing& keys, int64_t tenant = kTenant,
                 size_t chunk_bytes = internal::kSnapshotChunkBytes) {
    const size_t count = std::max<size_t>(1, (body.size() + chunk_bytes - 1) / chunk_bytes);
    std::vector<std::string> chunks;
    for (size_t i = 0; i < count; ++i) {
        chunks.push_back(keys.Encrypt(body.substr(i * chunk_bytes, chunk_bytes), ChunkContext(tenant, i, count)));
    }
    return FileOf(header, chunks);
}

template <typename T>
std::vector<uint64_t> BitsOf(const std::vector<T>& values) {  // NaN == NaN, as stored
    std::vector<uint64_t> out;
    for (T v : values) {
        uint64_t bits = 0;
        std::memcpy(&bits, &v, sizeof v);
        out.push_back(bits);
    }
    return out;
}

template <typename T>
void ExpectSameNarrow(const internal::NarrowColumn<T>& a, const internal::NarrowColumn<T>& b, const char* what) {
    EXPECT_EQ(a.values, b.values) << what;
    EXPECT_EQ(a.wide, b.wide) << what;
}

// Every field a snapshot holds is equal in `a` and `b` — the very codes, orders and empty bitmaps,
// not only what they mean (ExpectSameIndex).
void ExpectSameData(const IndexData& a, const IndexData& b) {
    EXPECT_EQ(a.tenant, b.tenant);
    EXPECT_EQ(a.zone.name(), b.zone.name());
    EXPECT_EQ(a.built_at, b.built_at);
    EXPECT_EQ(a.build_time, b.build_time);
    EXPECT_EQ(a.version, b.version);
    EXPECT_EQ(a.logged, b.logged);
    EXPECT_EQ(a.capacity, b.capacity);
    EXPECT_TRUE(a.live == b.live);
    ASSERT_EQ(a.tags.size(), b.tags.size());
    for (size_t i = 0; i < a.tags.size(); ++i) {
        EXPECT_EQ(a.tags[i].id, b.tags[i].id);
        EXPECT_EQ(a.tags[i].group, b.tags[i].group);
        EXPECT_EQ(a.tags[i].name, b.tags[i].name);
    }
    EXPECT_TRUE(a.tag_members == b.tag_members);
    EXPECT_TRUE(a.identities == b.identities);
    EXPECT_TRUE(a.consented == b.consented);
    EXPECT_TRUE(a.stages == b.stages);
    EXPECT_EQ(a.owner_of, b.owner_of);
    EXPECT_EQ(a.owners, b.owners);
    EXPECT_EQ(a.owner_codes, b.owner_codes);
    EXPECT_TRUE(a.owner_members == b.owner_members);
    EXPECT_TRUE(a.owned == b.owned);
    EXPECT_EQ(a.channel_of, b.channel_of);
    EXPECT_EQ(a.channels, b.channels);
    EXPECT_EQ(a.channel_codes, b.channel_codes);
    EXPECT_TRUE(a.channel_members == b.channel_members);
    ExpectSameNarrow(a.order_count, b.order_count, "order_count");
    ExpectSameNarrow(a.net_spend, b.net_spend, "net_spend");
    for (auto column : {&IndexData::first_order_at, &IndexData::last_order_at, &IndexData::last_seen}) {
        EXPECT_EQ((a.*column).at, (b.*column).at);
        EXPECT_EQ((a.*column).day, (b.*column).day);
    }
    EXPECT_EQ(a.rfm, b.rfm);
    for (size_t p = 0; p < a.platform_orders.size(); ++p) {
        ExpectSameNarrow(a.platform_orders[p], b.platform_orders[p], "platform_orders");
    }
    EXPECT_EQ(a.purchase_total, b.purchase_total);
    ASSERT_EQ(a.purchase_blocks.size(), b.purchase_blocks.size());
    for (size_t i = 0; i < a.purchase_blocks.size(); ++i) {
        const internal::PurchaseBlock &x = a.purchase_blocks[i], &y = b.purchase_blocks[i];
        EXPECT_EQ(x.offsets, y.offsets) << "block " << i;
        ASSERT_EQ(x.items.size(), y.items.size()) << "block " << i;
        if (!x.items.empty()) {
            EXPECT_EQ(0, std::memcmp(x.items.data(), y.items.data(), x.items.size() * sizeof(internal::Purchase)));
        }
    }
    ASSERT_EQ(a.attributes.size(), b.attributes.size());
    for (const auto& [name, x] : a.attributes) {
        ASSERT_TRUE(b.attributes.contains(name)) << name;
        const internal::AttributeColumn& y = b.attributes.at(name);
        EXPECT_TRUE(x.present == y.present) << name;
        EXPECT_EQ(x.texts, y.texts) << name;
        EXPECT_EQ(x.text_codes, y.text_codes) << name;
        EXPECT_TRUE(x.text_members == y.text_members) << name;
        EXPECT_EQ(x.text_of, y.text_of) << name;
        EXPECT_TRUE(x.bool_true == y.bool_true) << name;
        EXPECT_TRUE(x.bool_false == y.bool_false) << name;
        EXPECT_EQ(BitsOf(x.number_of), BitsOf(y.number_of)) << name;
        EXPECT_EQ(x.day_of, y.day_of) << name;
        EXPECT_EQ(x.instant_of, y.instant_of) << name;
    }
    index_testing::ExpectSameEvents(a, b);
}

class IndexSnapshotTest : public index_testing::IndexStoreTest {
  protected:
    void SetUp() override {
        Open("yt_audience_snapshot", "Europe/Berlin");  // not the default: the file must name it
        file_ = dir_.File("audience.snapshot");
    }

    // Customers of every kind the index holds: owners and channels, tags, identities, consent,
    // attributes of every type, purchases on several platforms (one customer with 300 on jd,
    // spend beyond int32 both ways), events, a merged tombstone, three purchase blocks (the last
    // without purchases).
    void Populate() {
        const int64_t baby = rows_.TagId("人群", "母婴");
        const int64_t mother = rows_.TagId("人群", "孕妈");
        const int64_t milk = rows_.TagId("兴趣", "奶粉");
        rows_.TagId("兴趣", "没人有");
        const std::vector<std::string> channels = {"", "import:jd", "wecom", "小程序"};
        const std::vector<std::string> sources = {"jd", "taobao", "douyin", "pdd", "youzan", "segment", "store"};
        std::vector<int64_t> ids;
        for (int64_t id = 1; id <= 40; ++id) ids.push_back(id);
        for (int64_t id : {5000, 5001, 9000}) ids.push_back(id);
        for (int64_t id : ids) {
            const auto i = static_cast<size_t>(id);
            Customer(id, id % 4 == 0 ? std::nullopt : std::optional<int64_t>(100 + id % 3), channels[i % 4]);
            if (id % 3 == 0) rows_.Tag(id, baby);
            if (id % 5 == 0) rows_.Tag(id, mother);
            if (id % 7 == 0) rows_.Tag(id, milk);
            if (id % 2 == 0) rows_.Identity(id, "phone");
            if (id % 6 == 0) rows_.Identity(id, "email");
            if (id % 4 == 1) rows_.Consent(id, "marketing.sms", id % 8 == 1, At(2026, 3, 1 + static_cast<int>(i % 20)));
            if (id % 9 == 2) rows_.Consent(id, "marketing.wecom", true, At(2026, 2, 2));
            if (id % 3 == 1) rows_.Attribute(id, "level", "string", id % 2 == 0 ? "金卡" : "银卡");
            if (id % 4 == 2) rows_.Attribute(id, "points", "number", std::to_string(id * 37 % 500) + ".5");
            if (id % 5 == 3) rows_.Attribute(id, "vip", "boolean", id % 2 == 0 ? "true" : "false");
            if (id % 6 == 4) rows_.Attribute(id, "birthday", "date", "1990-05-" + std::to_string(10 + id % 18));
            if (id % 7 == 5)
                rows_.Attribute(id, "signed_up", "datetime", "2026-05-2" + std::to_string(id % 9) + "T23:30:00Z");
            // One name, values of several types.
            if (id % 8 == 6) rows_.Attribute(id, "mixed", id % 16 == 6 ? "number" : "string", "42");
            for (int64_t n = id % 4; n > 0; --n) {
                Order(id, sources[static_cast<size_t>(id + n) % sources.size()], 1000 * n + id,
                      At(2026, 1 + static_cast<int>(n + id) % 6, 1 + static_cast<int>(id % 28)));
            }
            if (id % 3 != 2 && id != 9000) {
                Traits(id, id % 4, 1000 * id, R"({"jd":)" + std::to_string(id % 3) + R"(,"taobao":1})",
                       id % 2 == 0 ? "new" : "repeat");
            }
            if (id % 3 == 0) rows_.Event(id, "Viewed", At(2026, 6, 1 + static_cast<int>(i % 28)), R"({"page":"a"})");
            if (id % 4 == 0) rows_.Event(id, "Viewed", At(2026, 6, 2 + static_cast<int>(i % 27)), R"({"page":"b"})");
            if (id % 5 == 0) rows_.Event(id, "Signed Up", At(2026, 5, 1), R"({"plan":"pro"})");
        }
        for (int i = 0; i < 300; ++i) Order(7, "jd", 100 + i, At(2026, 1, 1) + std::chrono::hours(i));
        Traits(7, 300, 3'000'000'000, R"({"jd":300,"douyin":2})", "at_risk");
        Traits(8, 2, -3'000'000'000, R"({"pdd":2})");
        Merge(30, 31);
        Flush();
    }

    // An IndexData as Build would start it: what the file does not hold.
    std::unique_ptr<IndexData> Fresh(int64_t tenant = kTenant) {
        auto d = std::make_unique<IndexData>();
        d->tenant = TenantId(tenant);
        d->clock = &clock_;
        d->db = db_.get();
        d->keys = &keys_;
        return d;
    }
    Status Read(const std::string& path, int64_t tenant = kTenant) {
        auto d = Fresh(tenant);
        return ReadSnapshot(path, *d);
    }
    std::unique_ptr<AudienceIndex> Load(const std::string& path) {
        auto d = Fresh();
        const Status read = ReadSnapshot(path, *d);
        EXPECT_TRUE(read.ok()) << read.ToString();
        return read.ok() ? IndexAccess::Make(std::move(d)) : nullptr;
    }
    void Write(const AudienceIndex& index, const std::string& path) {
        const Status written = WriteSnapshot(IndexAccess::Data(index), path);
        ASSERT_TRUE(written.ok()) << written.ToString();
    }

    void ExpectSameMembers(const AudienceIndex& a, const AudienceIndex& b) {
        for (std::string_view rule : kRules) EXPECT_EQ(Members(a, rule), Members(b, rule)) << rule;
    }

    static constexpr std::string_view kRules[] = {
        "everyone",
        R"(tag = "母婴" or tag = "奶粉")",
        "has phone and consent marketing.sms",
        "has email or consent marketing.wecom",
        "owner = none",
        "owner = 101",
        R"(source_channel = "wecom")",
        "orders_on.jd >= 300",
        "orders_on.jd >= 1 within 365d",
        "order_count >= 256",
        "total_spend > 20000000",
        "total_spend < 0",
        "order_count >= 2 within 180d",
        "total_spend >= 30 within 365d",
        "lifecycle_stage = prospect",
        "lifecycle_stage = at_risk",
        "rfm_recency >= 3",
        "days_since_last_seen <= 45",
        R"(event "Viewed" count >= 2)",
        R"(event "Viewed" where page = "a")",
        R"(event "Signed Up" within 90d)",
        R"(attr.level = "金卡")",
        "attr.points > 100",
        "attr.vip = true",
        "attr.birthday < 1990-05-20",
        "attr.signed_up >= 2026-05-24",
        "attr.mixed = 42",
    };

    std::string file_;
};

TEST_P(IndexSnapshotTest, ReadsBackEveryFieldAndTheSameMembers) {
    Populate();
    auto built = Build();
    ASSERT_NE(built, nullptr);
    const IndexData& b = IndexAccess::Data(*built);
    // What the test means to cover is there.
    ASSERT_FALSE(b.order_count.wide.empty());
    ASSERT_EQ(b.net_spend.wide.size(), 2u) << "beyond int32 both ways";
    ASSERT_FALSE(b.platform_orders[0].wide.empty()) << "300 orders on jd";
    ASSERT_EQ(b.purchase_blocks.size(), 3u);
    ASSERT_TRUE(b.purchase_blocks[2].offsets.empty()) << "a block without purchases";
    ASSERT_EQ(b.attributes.size(), 6u);
    ASSERT_FALSE(b.attributes.at("mixed").number_of.empty());
    ASSERT_FALSE(b.attributes.at("mixed").text_of.empty());
    ASSERT_EQ(b.events.size(), 2u);

    Write(*built, file_);
    EXPECT_FALSE(std::filesystem::exists(file_ + ".tmp." + std::to_string(::getpid())));
    auto loaded = Load(file_);
    ASSERT_NE(loaded, nullptr);
    const IndexData& d = IndexAccess::Data(*loaded);
    ExpectSameData(d, b);
    index_testing::ExpectSameIndex(*loaded, *built);
    ExpectSameMembers(*loaded, *built);
    EXPECT_EQ(loaded->time_zone().name(), "Europe/Berlin");
    EXPECT_EQ(loaded->built_at(), built->built_at());
    EXPECT_EQ(loaded->Stats().build_time, built->Stats().build_time);
    EXPECT_TRUE(d.changes.empty());

    // Written again, the loaded index makes the same body: nothing was lost or reordered.
    Write(*loaded, file_ + ".again");
    const std::string good = ReadFile(file_), again = ReadFile(file_ + ".again");
    EXPECT_EQ(again.substr(0, kHeader), good.substr(0, kHeader));
    const std::string body = Unseal(good, keys_);
    EXPECT_EQ(Unseal(again, keys_), body);
    EXPECT_NE(again, good) << "fresh nonces";

    // What the tests below seal themselves reads as WriteSnapshot's own file.
    WriteFile(file_, Seal(good.substr(0, kHeader), body, keys_));
    auto resealed = Load(file_);
    ASSERT_NE(resealed, nullptr);
    ExpectSameData(IndexAccess::Data(*resealed), b);
}

// The code maps rebuilt on reading (owners, channels, attribute texts) and the purchase blocks and
// event runs read into fresh vectors must serve Refresh as the built ones do.
TEST_P(IndexSnapshotTest, ALoadedIndexRefreshesAsTheBuiltOneDoes) {
    Populate();
    auto built = Build();
    ASSERT_NE(built, nullptr);
    Write(*built, file_);
    auto loaded = Load(file_);
    ASSERT_NE(loaded, nullptr);

    Customer(41, 101, "wecom");   // an existing owner and channel
    Customer(42, 555, "新渠道");  // new ones
    rows_.Attribute(41, "level", "string", "金卡");
    rows_.Attribute(42, "level", "string", "钻石卡");
    rows_.Attribute(3, "points", "number", "7");
    Order(3, "jd", 5000, At(2026, 6, 29));
    Order(9000, "taobao", 7000, At(2026, 6, 28));
    rows_.Event(41, "Viewed", At(2026, 6, 29), R"({"page":"c"})");
    rows_.Tag(42, 1);
    Merge(12, 13);
    Flush();
    const std::vector<CustomerId> changed = {CustomerId(3), CustomerId(12), CustomerId(41), CustomerId(42),
                                             CustomerId(9000)};
    ASSERT_TRUE(built->Refresh(changed).ok());
    const Status refreshed = loaded->Refresh(changed);
    ASSERT_TRUE(refreshed.ok()) << refreshed.ToString();
    EXPECT_EQ(loaded->version(), built->version());
    ExpectSameData(IndexAccess::Data(*loaded), IndexAccess::Data(*built));
    index_testing::ExpectSameIndex(*loaded, *built);
    ExpectSameMembers(*loaded, *built);
    auto rebuilt = Build();
    ASSERT_NE(rebuilt, nullptr);
    index_testing::ExpectSameIndex(*loaded, *rebuilt);
}

TEST_P(IndexSnapshotTest, AnEmptyMerchantsIndexRoundTrips) {
    auto built = Build();
    ASSERT_NE(built, nullptr);
    Write(*built, file_);
    auto loaded = Load(file_);
    ASSERT_NE(loaded, nullptr);
    ExpectSameData(IndexAccess::Data(*loaded), IndexAccess::Data(*built));
    EXPECT_EQ(Members(*loaded, "everyone"), Ids{});
}

TEST_P(IndexSnapshotTest, ReplacesTheFileItWrote) {
    Customer(1);
    auto first = Build();
    ASSERT_NE(first, nullptr);
    Write(*first, file_);
    Customer(2);
    auto second = Build();
    ASSERT_NE(second, nullptr);
    Write(*second, file_);
    auto loaded = Load(file_);
    ASSERT_NE(loaded, nullptr);
    EXPECT_EQ(Members(*loaded, "everyone"), (Ids{1, 2}));

    const Status nowhere = WriteSnapshot(IndexAccess::Data(*first), dir_.File("missing/dir/audience.snapshot"));
    EXPECT_EQ(nowhere.code(), ErrorCode::kUnavailable) << nowhere.ToString();
}

TEST_P(IndexSnapshotTest, AMissingFileIsNotFound) { EXPECT_EQ(Read(file_).code(), ErrorCode::kNotFound); }

TEST_P(IndexSnapshotTest, AnotherMagicFormatOrMerchantIsAFailedPrecondition) {
    Populate();
    auto built = Build();
    ASSERT_NE(built, nullptr);
    Write(*built, file_);
    const std::string good = ReadFile(file_);
    ASSERT_TRUE(Read(file_).ok());

    std::string bytes = good;
    bytes[0] = 'X';
    WriteFile(file_, bytes);
    EXPECT_EQ(Read(file_).code(), ErrorCode::kFailedPrecondition) << "magic";

    bytes = good;
    const uint32_t format = internal::kSnapshotFormat + 1;
    std::memcpy(bytes.data() + 6, &format, sizeof format);
    WriteFile(file_, bytes);
    EXPECT_EQ(Read(file_).code(), ErrorCode::kFailedPrecondition) << "format";

    WriteFile(file_, good);
    EXPECT_EQ(Read(file_, kTenant + 1).code(), ErrorCode::kFailedPrecondition) << "tenant";

    // Nor does the file open for another merchant with its header changed to name them: the
    // chunks are sealed for this one.
    bytes = good;
    const int64_t other = kTenant + 1;
    std::memcpy(bytes.data() + 10, &other, sizeof other);
    WriteFile(file_, bytes);
    EXPECT_EQ(Read(file_, other).code(), ErrorCode::kInternal) << "renamed";
}

TEST_P(IndexSnapshotTest, ATruncatedOrDamagedFileIsDataLoss) {
    Populate();
    auto built = Build();
    ASSERT_NE(built, nullptr);
    Write(*built, file_);
    const std::string good = ReadFile(file_);
    ASSERT_GT(good.size(), 10'000u);

    for (const size_t cut : {size_t{0}, size_t{5}, size_t{17}, size_t{18}, size_t{100}, good.size() / 2,
                             good.size() - 9, good.size() - 8, good.size() - 1}) {
        WriteFile(file_, good.substr(0, cut));
        EXPECT_EQ(Read(file_).code(), ErrorCode::kInternal) << "cut at " << cut;
    }
    WriteFile(file_, good + "x");
    EXPECT_EQ(Read(file_).code(), ErrorCode::kInternal) << "a byte more";

    // A bit flipped in the middle, in a column's values: only the AEAD tag can tell.
    std::string bytes = good;
    bytes[bytes.size() / 2] ^= 0x10;
    WriteFile(file_, bytes);
    EXPECT_EQ(Read(file_).code(), ErrorCode::kInternal);
    // So does a flipped tag.
    bytes = good;
    bytes[bytes.size() - 3] ^= 0x01;
    WriteFile(file_, bytes);
    EXPECT_EQ(Read(file_).code(), ErrorCode::kInternal);
}

// Every cut and every damaged byte of a small snapshot of several chunks: the header's bytes and a
// chunk's key id give failed_precondition (a key id damaged is one the key file lacks), all others
// data loss; nothing crashes. Then every cut and every damaged byte of the body, sealed again, so
// that the damage reaches the checks of the layout, which must refuse whatever would be read out of
// bounds.
TEST_P(IndexSnapshotTest, EveryCutAndEveryDamagedByteIsRefused) {
    if (GetParam() != "sqlite") GTEST_SKIP() << "the file is the same; once is enough";
    // Small ids and no purchases (a block's 4,097 offsets would make it ten times larger), so that
    // the file is small: every cut and every byte of it is tried below. AnInconsistentIndexIsDataLoss
    // breaks purchase blocks.
    for (int64_t id : {1, 2, 3, 4, 5}) Customer(id, id == 2 ? std::optional<int64_t>(7) : std::nullopt, "wecom");
    rows_.Tag(1, rows_.TagId("人群", "母婴"));
    rows_.Identity(2, "phone");
    rows_.Attribute(1, "level", "string", "金卡");
    rows_.Attribute(2, "points", "number", "12");
    rows_.Attribute(3, "birthday", "date", "1990-05-17");
    rows_.Attribute(4, "signed_up", "datetime", "2026-05-20T10:00:00Z");
    rows_.Attribute(5, "vip", "boolean", "true");
    Traits(1, 300, 3'000'000'000, R"({"jd":300})");
    rows_.Event(3, "Viewed", At(2026, 6, 3));
    auto built = Build();
    ASSERT_NE(built, nullptr);
    constexpr size_t kChunk = 700;
    ASSERT_TRUE(WriteSnapshot(IndexAccess::Data(*built), file_, kChunk).ok());
    const std::string good = ReadFile(file_);
    ASSERT_LT(good.size(), 4'000u);
    ASSERT_TRUE(Read(file_).ok());
    const std::vector<std::string> chunks = ChunksOf(good);
    ASSERT_GE(chunks.size(), 3u);
    std::vector<ErrorCode> expected(good.size(), ErrorCode::kInternal);
    std::fill_n(expected.begin(), kHeader, ErrorCode::kFailedPrecondition);
    size_t chunk_at = kHeader;
    for (const std::string& chunk : chunks) {
        std::fill_n(expected.begin() + static_cast<std::ptrdiff_t>(chunk_at + 4), 4, ErrorCode::kFailedPrecondition);
        chunk_at += 4 + chunk.size();
    }

    for (size_t cut = 0; cut < good.size(); ++cut) {
        WriteFile(file_, good.substr(0, cut));
        ASSERT_EQ(Read(file_).code(), ErrorCode::kInternal) << "cut at " << cut;
    }
    for (size_t at = 0; at < good.size(); ++at) {
        std::string bytes = good;
        bytes[at] = static_cast<char>(bytes[at] ^ 0x5a);
        WriteFile(file_, bytes);
        ASSERT_EQ(Read(file_).code(), expected[at]) << "byte " << at;
    }

    const std::string header = good.substr(0, kHeader);
    const std::string body = Unseal(good, keys_);
    ASSERT_GT(body.size(), 2 * kChunk);
    for (size_t cut = 0; cut < body.size(); ++cut) {
        WriteFile(file_, Seal(header, body.substr(0, cut), keys_, kTenant, kChunk));
        ASSERT_EQ(Read(file_).code(), ErrorCode::kInternal) << "body cut at " << cut;
    }
    WriteFile(file_, Seal(header, body + "x", keys_, kTenant, kChunk));
    EXPECT_EQ(Read(file_).code(), ErrorCode::kInternal) << "a byte more in the body";
    size_t read_anyway = 0;
    for (size_t at = 0; at < body.size(); ++at) {
        std::string changed = body;
        changed[at] = static_cast<char>(changed[at] ^ 0x5a);
        WriteFile(file_, Seal(header, changed, keys_, kTenant, kChunk));
        auto d = Fresh();
        const Status read = ReadSnapshot(file_, *d);
        if (read.ok()) {
            ++read_anyway;  // a value changed, not the layout: the index is whole
            (void)IndexAccess::Make(std::move(d))->Stats();
        } else {
            EXPECT_TRUE(read.code() == ErrorCode::kInternal || read.code() == ErrorCode::kFailedPrecondition)
                << "body byte " << at << ": " << read.ToString();
        }
    }
    EXPECT_GT(read_anyway, 0u);
}

// A file sealed with the right keys but whose index is inconsistent (as WriteSnapshot would write
// an inconsistent IndexData) is refused: each case breaks one thing the engine indexes by.
TEST_P(IndexSnapshotTest, AnInconsistentIndexIsDataLoss) {
    if (GetParam() != "sqlite") GTEST_SKIP() << "no store involved; once is enough";
    Populate();
    auto built = Build();
    ASSERT_NE(built, nullptr);
    Write(*built, file_);
    struct Case {
        std::string name;
        std::function<void(IndexData&)> breaks;
    };
    const std::vector<Case> cases = {
        {"a short column", [](IndexData& d) { d.last_seen.at.pop_back(); }},
        {"a short column of days", [](IndexData& d) { d.first_order_at.day.pop_back(); }},
        {"a long RFM column", [](IndexData& d) { d.rfm[2].push_back(0); }},
        {"a live id beyond capacity", [](IndexData& d) { d.live.Add(d.capacity); }},
        {"a tag member beyond capacity", [](IndexData& d) { d.tag_members.begin()->second.Add(d.capacity + 9); }},
        {"a stage member beyond capacity", [](IndexData& d) { d.stages[4].Add(1u << 31); }},
        {"an owner code beyond the owners",
         [](IndexData& d) { d.owner_of[1] = static_cast<uint32_t>(d.owners.size() + 1); }},
        {"a channel code beyond the channels", [](IndexData& d) { d.channel_of[2] = 99; }},
        {"a repeated channel", [](IndexData& d) { d.channels[1] = d.channels[0]; }},
        {"a wide count without its value", [](IndexData& d) { d.order_count.wide.clear(); }},
        {"a wide value of a narrow slot", [](IndexData& d) { d.net_spend.wide[3] = 1; }},
        {"a wide value beyond capacity", [](IndexData& d) { d.platform_orders[1].wide[d.capacity] = 300; }},
        {"too few purchase blocks", [](IndexData& d) { d.purchase_blocks.pop_back(); }},
        {"a purchase block's offsets past its items", [](IndexData& d) { d.purchase_blocks[0].items.pop_back(); }},
        {"descending purchase offsets", [](IndexData& d) { d.purchase_blocks[0].offsets[8] = 10'000; }},
        {"a short purchase block", [](IndexData& d) { d.purchase_blocks[0].offsets.pop_back(); }},
        {"an attribute text code beyond its texts", [](IndexData& d) { d.attributes.at("level").text_of[1] = 3; }},
        {"a short number column", [](IndexData& d) { d.attributes.at("points").number_of.pop_back(); }},
        {"a day DateOfDay cannot take", [](IndexData& d) { d.attributes.at("birthday").day_of[4] = 2'000'000'000; }},
        {"a present id beyond capacity", [](IndexData& d) { d.attributes.at("vip").present.Add(d.capacity); }},
        {"an event customer beyond capacity",
         [](IndexData& d) { d.events.at("Viewed").blocks.back().customers.back() = d.capacity; }},
        {"event customers out of order",
         [](IndexData& d) {
             auto& c = d.events.at("Viewed").blocks[0].customers;
             std::swap(c[0], c[1]);
         }},
        {"an empty event run",
         [](IndexData& d) {
             auto& runs = d.events.at("Signed Up").blocks[0];
             runs.offsets[1] = runs.offsets[0];
         }},
        {"event times without ids", [](IndexData& d) { d.events.at("Signed Up").blocks[0].event_ids.pop_back(); }},
    };
    for (const Case& c : cases) {
        auto d = Fresh();
        ASSERT_TRUE(ReadSnapshot(file_, *d).ok());
        c.breaks(*d);
        const std::string broken = dir_.File("broken.snapshot");
        ASSERT_TRUE(WriteSnapshot(*d, broken).ok()) << c.name;
        EXPECT_EQ(Read(broken).code(), ErrorCode::kInternal) << c.name;
    }
}

// Personal information is encrypted at rest: no attribute value, and no tag, channel, attribute
// or event name, is in the file in the clear (while each is in the body, so that this can fail).
TEST_P(IndexSnapshotTest, HoldsNothingInTheClear) {
    if (GetParam() != "sqlite") GTEST_SKIP() << "the file is the same; once is enough";
    Populate();
    rows_.Attribute(3, "city", "string", "Zhangjiakou-Xuanhua");
    auto built = Build();
    ASSERT_NE(built, nullptr);
    Write(*built, file_);
    const std::string bytes = ReadFile(file_);
    const std::string body = Unseal(bytes, keys_);
    for (const std::string_view text : {"Zhangjiakou-Xuanhua", "金卡", "银卡", "母婴", "小程序", "import:jd",
                                        "birthday", "Signed Up", "Europe/Berlin"}) {
        EXPECT_NE(body.find(text), std::string::npos) << text << " is not in the body";
        EXPECT_EQ(bytes.find(text), std::string::npos) << text << " is in the file in the clear";
    }
}

// Sealed with one key ring, the file opens with no other: another ring's key 1 fails to decrypt
// (data loss: the reader cannot tell it from damage), a key the ring lacks is a failed
// precondition, as are missing keys.
TEST_P(IndexSnapshotTest, OpensOnlyWithItsKeys) {
    if (GetParam() != "sqlite") GTEST_SKIP() << "no store involved; once is enough";
    Populate();
    auto built = Build();
    ASSERT_NE(built, nullptr);
    Write(*built, file_);

    const KeyRing other = KeyRing::Generate();
    auto d = Fresh();
    d->keys = &other;
    EXPECT_EQ(ReadSnapshot(file_, *d).code(), ErrorCode::kInternal) << "another ring";
    d = Fresh();
    d->keys = nullptr;
    EXPECT_EQ(ReadSnapshot(file_, *d).code(), ErrorCode::kFailedPrecondition) << "no ring";

    // Sealed with a ring's newer key (id 2), which keys_ lacks.
    KeyRing rotated = KeyRing::Generate();
    ASSERT_EQ(rotated.RotateFieldKey(), 2u);
    d = Fresh();
    ASSERT_TRUE(ReadSnapshot(file_, *d).ok());
    d->keys = &rotated;
    ASSERT_TRUE(WriteSnapshot(*d, file_).ok());
    EXPECT_EQ(Read(file_).code(), ErrorCode::kFailedPrecondition) << "a key the ring lacks";
    auto again = Fresh();
    again->keys = &rotated;
    EXPECT_TRUE(ReadSnapshot(file_, *again).ok());

    const std::string unwritten = dir_.File("unwritten.snapshot");
    EXPECT_EQ(WriteSnapshot(*d, unwritten, 0).code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(WriteSnapshot(*d, unwritten, internal::kMaxSnapshotChunkBytes + 1).code(), ErrorCode::kInvalidArgument);
    d->keys = nullptr;
    EXPECT_EQ(WriteSnapshot(*d, unwritten).code(), ErrorCode::kFailedPrecondition);
    EXPECT_FALSE(std::filesystem::exists(unwritten));
    EXPECT_FALSE(std::filesystem::exists(unwritten + ".tmp." + std::to_string(::getpid())));
}

// Any chunk size reads back the same, and the chunks are bound to their place and to the end of
// the file: moved, dropped or repeated, they fail to decrypt.
TEST_P(IndexSnapshotTest, ChunksMovedDroppedOrRepeatedAreRefused) {
    if (GetParam() != "sqlite") GTEST_SKIP() << "no store involved; once is enough";
    Populate();
    auto built = Build();
    ASSERT_NE(built, nullptr);
    Write(*built, file_);
    const std::string body = Unseal(ReadFile(file_), keys_);
    ASSERT_GT(body.size(), 10'000u);
    // Small chunks (bitmaps and columns across several), and around the body's size: a last chunk
    // of one byte, one chunk exactly full, one chunk with room to spare.
    for (const size_t chunk : {size_t{64}, size_t{1000}, body.size() - 1, body.size(), body.size() + 1}) {
        ASSERT_TRUE(WriteSnapshot(IndexAccess::Data(*built), file_, chunk).ok()) << chunk;
        const std::string good = ReadFile(file_);
        EXPECT_EQ(ChunksOf(good).size(), (body.size() + chunk - 1) / chunk) << chunk;
        EXPECT_EQ(Unseal(good, keys_), body) << chunk;
        auto loaded = Load(file_);
        ASSERT_NE(loaded, nullptr) << chunk;
        ExpectSameData(IndexAccess::Data(*loaded), IndexAccess::Data(*built));
    }

    ASSERT_TRUE(WriteSnapshot(IndexAccess::Data(*built), file_, 1000).ok());
    const std::string good = ReadFile(file_);
    const std::string header = good.substr(0, kHeader);
    const std::vector<std::string> chunks = ChunksOf(good);
    ASSERT_GE(chunks.size(), 4u);
    using Chunks = std::vector<std::string>;
    struct Case {
        std::string name;
        std::function<void(Chunks&)> change;
    };
    const std::vector<Case> cases = {
        {"the first two swapped", [](Chunks& c) { std::swap(c[0], c[1]); }},
        {"two in the middle swapped", [](Chunks& c) { std::swap(c[1], c[2]); }},
        {"the last two swapped", [](Chunks& c) { std::swap(c[c.size() - 2], c.back()); }},
        {"the first dropped", [](Chunks& c) { c.erase(c.begin()); }},
        {"one in the middle dropped", [](Chunks& c) { c.erase(c.begin() + 2); }},
        {"the last dropped", [](Chunks& c) { c.pop_back(); }},
        {"all but the first dropped", [](Chunks& c) { c.resize(1); }},
        {"all dropped", [](Chunks& c) { c.clear(); }},
        {"one repeated", [](Chunks& c) { c.insert(c.begin() + 1, c[1]); }},
        {"the last repeated", [](Chunks& c) { c.push_back(c.back()); }},
        {"the first repeated at the end", [](Chunks& c) { c.push_back(c.front()); }},
        {"one in place of the next", [](Chunks& c) { c[2] = c[1]; }},
    };
    WriteFile(file_, FileOf(header, chunks));
    ASSERT_TRUE(Read(file_).ok());
    for (const Case& c : cases) {
        Chunks changed = chunks;
        c.change(changed);
        WriteFile(file_, FileOf(header, changed));
        EXPECT_EQ(Read(file_).code(), ErrorCode::kInternal) << c.name;
    }
}

INSTANTIATE_TEST_SUITE_P(Backends, IndexSnapshotTest, ::testing::Values("sqlite", "postgres"),
                         [](const auto& param_info) { return param_info.param; });

// ---- Bitmap's portable form -------------------------------------------------------------------

std::string Serialised(const Bitmap& bits) {
    std::string bytes(bits.Bytes(), '\0');
    bits.WriteTo(bytes.data());
    return bytes;
}

TEST(IndexSnapshotBitmap, ReadsBackWhatItWrote) {
    std::vector<Bitmap> bitmaps;
    bitmaps.emplace_back();                                   // empty
    bitmaps.push_back(Bitmap::Of(std::vector<uint32_t>{7}));  // one array
    bitmaps.push_back(Bitmap::Range(0, 50'000));              // a bitset
    Bitmap runs = Bitmap::Range(10, 200'000);                 // runs, and 4 or more containers
    runs.Optimize();
    bitmaps.push_back(runs);
    Bitmap few_runs = Bitmap::Range(1, 30'000);  // runs, fewer than 4 containers: no offsets
    few_runs.Optimize();
    bitmaps.push_back(few_runs);
    Bitmap mixed;
    for (uint32_t i = 0; i < 400'000; i += (i % 3 == 0 ? 1u : 5u)) mixed.Add(i);
    mixed.AddMany(std::vector<uint32_t>{4'000'000'000u, 4'000'000'001u});
    mixed |= Bitmap::Range(1'000'000, 1'100'000);
    mixed.Optimize();
    bitmaps.push_back(mixed);
    for (const Bitmap& bits : bitmaps) {
        const std::string bytes = Serialised(bits);
        const std::optional<Bitmap> read = Bitmap::ReadFrom(bytes);
        ASSERT_TRUE(read.has_value()) << bits.Cardinality();
        EXPECT_TRUE(*read == bits);
        EXPECT_FALSE(Bitmap::ReadFrom(bytes + "x").has_value()) << "a byte more";
        for (size_t cut = 0; cut < std::min<size_t>(bytes.size(), 600); ++cut) {
            EXPECT_FALSE(Bitmap::ReadFrom(std::string_view(bytes).substr(0, cut)).has_value()) << cut;
        }
    }
}

TEST(IndexSnapshotBitmap, RefusesWhatCRoaringWouldTakeAsItIs) {
    // cookie 12346 (no runs), one container: key 0, cardinality 3, offset 16, values.
    const auto array = [](std::vector<uint16_t> values, uint16_t cardinality_less_one) {
        std::string bytes(16, '\0');
        const uint32_t cookie = 12346, count = 1, offset = 16;
        std::memcpy(bytes.data(), &cookie, 4);
        std::memcpy(bytes.data() + 4, &count, 4);
        std::memcpy(bytes.data() + 10, &cardinality_less_one, 2);
        std::memcpy(bytes.data() + 12, &offset, 4);
        for (uint16_t v : values) bytes.append(reinterpret_cast<const char*>(&v), 2);
        return bytes;
    };
    ASSERT_TRUE(Bitmap::ReadFrom(array({1, 5, 9}, 2)).has_value());
    EXPECT_FALSE(Bitmap::ReadFrom(array({5, 1, 9}, 2)).has_value()) << "unsorted";
    EXPECT_FALSE(Bitmap::ReadFrom(array({1, 5, 5}, 2)).has_value()) << "repeated";
    EXPECT_FALSE(Bitmap::ReadFrom(array({1, 5, 9}, 3)).has_value()) << "cardinality past the values";

    // A run container: cookie 12347 with one container, its run flag, key 0, cardinality, a run.
    const auto run = [](uint16_t start, uint16_t length_less_one, uint16_t cardinality_less_one) {
        std::string bytes(4 + 1 + 4, '\0');
        const uint32_t cookie = 12347;  // (1 - 1) << 16 containers
        std::memcpy(bytes.data(), &cookie, 4);
        bytes[4] = 1;
        std::memcpy(bytes.data() + 7, &cardinality_less_one, 2);
        const uint16_t n = 1;
        bytes.append(reinterpret_cast<const char*>(&n), 2);
        bytes.append(reinterpret_cast<const char*>(&start), 2);
        bytes.append(reinterpret_cast<const char*>(&length_less_one), 2);
        return bytes;
    };
    const std::optional<Bitmap> good = Bitmap::ReadFrom(run(100, 9, 9));
    ASSERT_TRUE(good.has_value());
    EXPECT_EQ(good->Cardinality(), 10u);
    EXPECT_FALSE(Bitmap::ReadFrom(run(65'530, 9, 9)).has_value()) << "past its chunk";
    EXPECT_FALSE(Bitmap::ReadFrom(run(100, 9, 3)).has_value()) << "another cardinality";

    // A bitset whose header says another cardinality than its bits.
    Bitmap dense;  // every other id: no runs, too many for an array
    for (uint32_t i = 0; i < 20'000; i += 2) dense.Add(i);
    std::string bytes = Serialised(dense);
    ASSERT_EQ(bytes.size(), 8u + 8u + 8192u);
    bytes[16] = static_cast<char>(bytes[16] & 0xfe);
    EXPECT_FALSE(Bitmap::ReadFrom(bytes).has_value());
}

}  // namespace
}  // namespace yutang::audience
