// AudienceIndex::Refresh against a fresh Build, on SQLite and on PostgreSQL: what a refresh
// rewrites in place (purchase blocks, event runs, platform counts and their overflow, attribute
// columns, bitmaps) must be exactly what building from the same store gives, and what it does not
// touch must stay as it was. engine_test.cpp covers the conditions themselves.
#include "yutang/audience/index.hpp"

#include <cmath>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "yutang/audience/engine.hpp"
#include "yutang/audience/index_testing.hpp"
#include "yutang/audience/internal/index_data.hpp"
#include "yutang/audience/rule.hpp"
#include "yutang/base/crypto.hpp"

#include "tests/support/audience_rows.hpp"
#include "tests/support/postgres_server.hpp"
#include "tests/support/test_store.hpp"

namespace yutang::audience {
namespace {

using index_testing::ExpectSameIndex;
using index_testing::SlotOf;
using internal::IndexAccess;
using internal::IndexData;
using internal::kPurchaseBlock;
using Ids = std::vector<int64_t>;

using index_testing::kTenant;

class IndexTest : public index_testing::IndexStoreTest {
  protected:
    void SetUp() override { Open("yt_audience_index", "Asia/Shanghai"); }

    void Refresh(AudienceIndex& index, const Ids& ids) {
        Flush();
        std::vector<CustomerId> customers;
        for (int64_t id : ids) customers.emplace_back(id);
        const Status refreshed = index.Refresh(customers);
        ASSERT_TRUE(refreshed.ok()) << refreshed.ToString();
    }
    // Refreshed and rebuilt agree, slot by slot and on `rules`.
    void ExpectSameAsRebuilt(const AudienceIndex& refreshed, const std::vector<std::string>& rules = {}) {
        auto built = Build();
        ASSERT_NE(built, nullptr);
        ExpectSameIndex(refreshed, *built);
        for (const std::string& rule : rules) EXPECT_EQ(Members(refreshed, rule), Members(*built, rule)) << rule;
    }

    static std::vector<std::pair<int64_t, int64_t>> Purchases(const AudienceIndex& index, uint32_t c) {
        return SlotOf(IndexAccess::Data(index), c).purchases;
    }
};

TEST_P(IndexTest, RefreshRewritesOnlyTheChangedCustomersRunsOfAPurchaseBlock) {
    // 1–6 share the first block; 5000 is alone in the second; 9000 in the third, without purchases.
    for (int64_t id : {1, 2, 3, 4, 5, 6, 5000, 9000}) Customer(id);
    Order(1, "jd", 1000, At(2026, 6, 1));
    Order(1, "taobao", 2000, At(2026, 6, 2));
    Order(2, "jd", 3000, At(2026, 5, 1));
    Order(3, "douyin", 4000, At(2026, 4, 1));
    const int64_t lost = Order(4, "pdd", 5000, At(2026, 6, 20));
    Order(5, "jd", 6000, At(2026, 6, 25));
    const int64_t alone = Order(5000, "youzan", 7000, At(2026, 6, 26));
    auto index = Build();
    ASSERT_NE(index, nullptr);
    const auto before = [&](uint32_t c) { return Purchases(*index, c); };
    const auto one = before(1), two = before(2), five = before(5);
    ASSERT_EQ(one.size(), 2u);
    ASSERT_EQ(IndexAccess::Data(*index).purchase_blocks.size(), 3u);
    EXPECT_TRUE(IndexAccess::Data(*index).purchase_blocks[2].offsets.empty()) << "a block without purchases";

    // 3 gains an older and a newer purchase, 4 loses its only one, 6 buys for the first time;
    // 5000's block loses its only purchase; 9000 makes the empty third block hold one.
    Order(3, "jd", 100, At(2026, 1, 1));
    Order(3, "other", 200, At(2026, 6, 29));
    CancelOrder(lost);
    Order(6, "taobao", -50, At(2026, 6, 28));  // more refunded than paid: a negative net amount
    CancelOrder(alone);
    Order(9000, "segment", 900, At(2026, 6, 30));
    Refresh(*index, {6, 3, 4, 5000, 9000, 3});

    const IndexData& d = IndexAccess::Data(*index);
    EXPECT_EQ(before(1), one) << "an unchanged customer in a rewritten block";
    EXPECT_EQ(before(2), two);
    EXPECT_EQ(before(5), five);
    ASSERT_EQ(d.PurchasesOf(3).size(), 3u);
    EXPECT_EQ(d.PurchasesOf(3)[0].net_fen(), 100);
    EXPECT_EQ(d.PurchasesOf(3)[2].platform(), -1) << "not a platform with an orders_on trait";
    EXPECT_TRUE(d.PurchasesOf(4).empty());
    ASSERT_EQ(d.PurchasesOf(6).size(), 1u);
    EXPECT_EQ(d.PurchasesOf(6)[0].net_fen(), -50);
    EXPECT_EQ(d.PurchasesOf(6)[0].platform(), 1);
    EXPECT_TRUE(d.purchase_blocks[1].offsets.empty()) << "a block left without purchases is released";
    EXPECT_TRUE(d.purchase_blocks[1].items.empty());
    EXPECT_EQ(d.PurchasesOf(9000).size(), 1u);
    EXPECT_EQ(d.purchase_total, 9);
    ExpectSameAsRebuilt(*index, {"total_spend >= 1 within 30d", "order_count >= 2 within 365d",
                                 "orders_on.jd >= 1 within 365d", "total_spend < 0 within 7d"});

    // Customers whose purchases keep their number are written in place, the block not copied.
    const internal::Purchase* items = d.purchase_blocks[0].items.data();
    Queue("UPDATE orders SET paid_fen = 2500 WHERE tenant_id = $1 AND customer_id = 2", {kTenant});
    Refresh(*index, {1, 2});
    EXPECT_EQ(d.purchase_blocks[0].items.data(), items);
    EXPECT_EQ(before(1), one);
    ASSERT_EQ(d.PurchasesOf(2).size(), 1u);
    EXPECT_EQ(d.PurchasesOf(2)[0].net_fen(), 2500);
    ExpectSameAsRebuilt(*index, {"total_spend >= 2500 within 365d"});
}

TEST_P(IndexTest, PurchasesOfATombstoneMoveToItsCanonicalCustomer) {
    for (int64_t id = 1; id <= 6; ++id) Customer(id);
    const int64_t baby = TagId("人群", "母婴");
    Order(1, "jd", 1000, At(2026, 6, 1));
    Order(2, "taobao", 2000, At(2026, 6, 2));
    Order(3, "jd", 3000, At(2026, 6, 3));
    Order(4, "douyin", 4000, At(2026, 6, 4));
    Tag(1, baby);
    Attribute(1, "city", "string", "杭州");
    Attribute(2, "city", "string", "上海");
    Attribute(4, "level", "number", "3");
    Event(1, "Viewed", At(2026, 6, 10));
    Consent(1, "marketing.sms", true, At(2026, 6, 1));
    auto index = Build();
    ASSERT_NE(index, nullptr);

    // 1 is merged into 2: its orders, tag, attribute and consent count for 2 (2's own city wins).
    Merge(1, 2);
    Traits(2, 2, 3000, R"({"jd":1,"taobao":1})", "active");
    Refresh(*index, {1});  // naming the tombstone brings its canonical customer
    EXPECT_TRUE(Purchases(*index, 1).empty());
    EXPECT_EQ(Purchases(*index, 2).size(), 2u);
    EXPECT_EQ(Members(*index, "everyone"), (Ids{2, 3, 4, 5, 6}));
    EXPECT_EQ(Members(*index, R"(attr.city = "上海")"), (Ids{2}));
    EXPECT_EQ(Members(*index, "consent marketing.sms"), (Ids{2}));
    ExpectSameAsRebuilt(*index, {"orders_on.jd >= 1 within 365d", R"(tag = "母婴")", R"(event "Viewed" count >= 1)",
                                 "total_spend >= 3000 within 365d"});

    // 5 is merged into 4, then 4 into 3 by an older store that did not re-point 5: naming only 5
    // follows the chain to 3, which brings every id merged into it, directly or not.
    Merge(5, 4);
    Merge(4, 3);
    Order(5, "pdd", 500, At(2026, 6, 5));
    Refresh(*index, {5});
    EXPECT_EQ(Purchases(*index, 3).size(), 3u) << "3's own, 4's and 5's";
    EXPECT_TRUE(Purchases(*index, 4).empty());
    EXPECT_TRUE(Purchases(*index, 5).empty());
    EXPECT_EQ(Members(*index, "attr.level = 3"), (Ids{3}));
    ExpectSameAsRebuilt(*index, {"everyone", "attr.level is set", "total_spend >= 1 within 365d"});

    // Naming only the canonical customer re-reads the ids merged into it.
    Order(1, "jd", 700, At(2026, 6, 6));
    Order(5, "jd", 800, At(2026, 6, 7));
    Refresh(*index, {2, 3});
    EXPECT_EQ(Purchases(*index, 2).size(), 3u);
    EXPECT_EQ(Purchases(*index, 3).size(), 4u);
    ExpectSameAsRebuilt(*index, {"orders_on.jd >= 2 within 365d"});

    // A tombstone whose chain leads to no live customer (here, a loop) counts for nobody.
    Merge(6, 6);
    Event(6, "Viewed", At(2026, 6, 8));
    Refresh(*index, {6});
    EXPECT_EQ(Members(*index, "everyone"), (Ids{2, 3}));
    ExpectSameAsRebuilt(*index, {R"(event "Viewed" within 30d)"});
}

TEST_P(IndexTest, PlatformCountsFrom255OnAreReadThroughTheOverflow) {
    for (int64_t id = 1; id <= 4; ++id) Customer(id);
    Traits(1, 1200, 100, R"({"jd":1000,"taobao":254,"douyin":255})");
    Traits(2, 300, 100, R"({"jd":300})");
    Traits(3, 3, 100, R"({"jd":3})");
    auto index = Build();
    ASSERT_NE(index, nullptr);
    {
        const IndexData& d = IndexAccess::Data(*index);
        EXPECT_EQ(d.platform_orders[0].values[1], internal::NarrowColumn<uint8_t>::kWide);
        EXPECT_EQ(d.PlatformOrders(0, 1), 1000);
        EXPECT_EQ(d.PlatformOrders(1, 1), 254);
        EXPECT_EQ(d.PlatformOrders(2, 1), 255);
        EXPECT_EQ(d.PlatformOrders(0, 2), 300);
        EXPECT_EQ(d.platform_orders[0].wide.size(), 2u);
        EXPECT_EQ(d.platform_orders[1].wide.size(), 0u);
        EXPECT_EQ(d.platform_orders[2].wide.size(), 1u);
    }
    EXPECT_EQ(Members(*index, "orders_on.jd >= 300"), (Ids{1, 2}));
    EXPECT_EQ(Members(*index, "orders_on.jd = 300"), (Ids{2}));
    EXPECT_EQ(Members(*index, "orders_on.douyin >= 255"), (Ids{1}));
    EXPECT_EQ(Members(*index, "order_count > 1000"), (Ids{1}));

    // 1 falls under 255 on jd, 3 climbs over it, 2 loses its traits row.
    Traits(1, 1200, 100, R"({"jd":7,"taobao":254,"douyin":255})");
    Traits(3, 600, 100, R"({"jd":512})");
    Queue("DELETE FROM customer_traits WHERE tenant_id = $1 AND customer_id = 2", {kTenant});
    Refresh(*index, {1, 2, 3});
    const IndexData& d = IndexAccess::Data(*index);
    EXPECT_EQ(d.PlatformOrders(0, 1), 7);
    EXPECT_EQ(d.PlatformOrders(0, 2), 0);
    EXPECT_EQ(d.PlatformOrders(0, 3), 512);
    EXPECT_EQ(d.platform_orders[0].wide.size(), 1u) << "the entries of counts under 255 are gone";
    EXPECT_EQ(Members(*index, "orders_on.jd >= 300"), (Ids{3}));
    ExpectSameAsRebuilt(*index, {"orders_on.jd >= 300", "orders_on.douyin = 255", "orders_on.taobao = 254",
                                 R"(lifecycle_stage = prospect)"});
}

TEST_P(IndexTest, DatesHoldOnlyTheDayAndDatetimesTheInstantToo) {
    for (int64_t id = 1; id <= 4; ++id) Customer(id);
    Attribute(1, "baby_birthday", "date", "2025-12-31");
    Attribute(2, "baby_birthday", "date", "2026-06-30");
    Attribute(3, "signed_up", "datetime", "2026-06-29T16:30:00Z");  // 00:30 on 30 June in Shanghai
    auto index = Build();
    ASSERT_NE(index, nullptr);
    {
        const IndexData& d = IndexAccess::Data(*index);
        const auto& dates = d.attributes.at("baby_birthday");
        EXPECT_TRUE(dates.instant_of.empty()) << "dates keep no instants";
        EXPECT_EQ(dates.day_of[1], DayNumber({2025, 12, 31}));
        const auto& times = d.attributes.at("signed_up");
        EXPECT_EQ(times.day_of[3], DayNumber({2026, 6, 30}));
        EXPECT_EQ(times.instant_of[3], zone_.FromLocal({.date = {2026, 6, 30}, .hour = 0, .minute = 30}).micros());
    }
    EXPECT_EQ(Members(*index, "attr.baby_birthday < 2026-01-01"), (Ids{1}));
    EXPECT_EQ(Members(*index, "attr.baby_birthday within 1d"), (Ids{2}));
    EXPECT_EQ(Members(*index, "attr.signed_up = 2026-06-30"), (Ids{3}));

    // 2's birthday becomes a datetime, 3's sign-up a date, 4 gets a date.
    Attribute(2, "baby_birthday", "datetime", "2026-06-29T15:00:00Z");  // 23:00 on 29 June in Shanghai
    Attribute(3, "signed_up", "date", "2026-06-01");
    Attribute(4, "signed_up", "date", "2026-06-30");
    Refresh(*index, {2, 3, 4});
    const IndexData& d = IndexAccess::Data(*index);
    const auto& dates = d.attributes.at("baby_birthday");
    ASSERT_EQ(dates.instant_of.size(), d.capacity) << "the first datetime allocates the instants";
    EXPECT_EQ(dates.instant_of[1], internal::kNoTime);
    EXPECT_EQ(dates.day_of[2], DayNumber({2026, 6, 29}));
    const auto& times = d.attributes.at("signed_up");
    EXPECT_EQ(times.instant_of[3], internal::kNoTime) << "a date now: no instant";
    EXPECT_EQ(times.day_of[3], DayNumber({2026, 6, 1}));
    EXPECT_EQ(Members(*index, "attr.baby_birthday within 1d"), (Ids{}));
    EXPECT_EQ(Members(*index, "attr.baby_birthday within 2d"), (Ids{2}));
    EXPECT_EQ(Members(*index, "attr.signed_up within 1d"), (Ids{4}));
    ExpectSameAsRebuilt(*index, {"attr.baby_birthday < 2026-06-30", "attr.signed_up >= 2026-06-01",
                                 "months_since attr.baby_birthday between 0 and 6", "birthday attr.signed_up next 7d"});
}

TEST_P(IndexTest, EventRunsOfNamesNoRefreshedCustomerHoldsStayAsTheyWere) {
    for (int64_t id = 1; id <= 5; ++id) Customer(id);
    Event(1, "Viewed", At(2026, 6, 1), R"({"page":"a"})");
    Event(2, "Viewed", At(2026, 6, 2), R"({"page":"b"})");
    const int64_t pro = Event(3, "Signed Up", At(2026, 6, 3), R"({"plan":"pro"})");
    const int64_t gone = Event(1, "Shared", At(2026, 6, 4));
    const int64_t basic = Event(4, "Signed Up", At(2026, 6, 5), R"({"plan":"basic"})");
    auto index = Build();
    ASSERT_NE(index, nullptr);
    EXPECT_EQ(Members(*index, R"(event "Signed Up" where plan = "pro")"), (Ids{3}));
    EXPECT_EQ(Members(*index, R"(event "Viewed" where page = "a")"), (Ids{1}));
    const IndexData& d = IndexAccess::Data(*index);
    const int64_t* signed_up = d.events.at("Signed Up").blocks[0].times.data();
    ASSERT_EQ(d.properties.size(), 2u);
    const internal::PropertyColumn* viewed_page = d.properties.at({"Viewed", "page"}).get();

    // 1 views again and its only "Shared" goes; 5 starts with "Liked". 3 is re-read too, but its
    // "Signed Up" did not change: those runs stay. The property columns are patched, not read
    // again: the new event's value comes from its payload, the others' from where they were.
    Event(1, "Viewed", At(2026, 6, 20), R"({"page":"c"})");
    DeleteEvent(gone);
    Event(5, "Liked", At(2026, 6, 21));
    Refresh(*index, {1, 5, 3});
    EXPECT_EQ(d.events.at("Signed Up").blocks[0].times.data(), signed_up) << "not rebuilt";
    EXPECT_TRUE(d.properties.contains({"Signed Up", "plan"}));
    ASSERT_TRUE(d.properties.contains({"Viewed", "page"})) << "patched with the runs it parallels";
    EXPECT_EQ(d.properties.at({"Viewed", "page"}).get(), viewed_page) << "the same column";
    EXPECT_FALSE(d.events.contains("Shared")) << "a name nobody holds any more";
    EXPECT_EQ(d.events.at("Viewed").blocks[0].customers, (std::vector<uint32_t>{1, 2}));
    EXPECT_EQ(Members(*index, R"(event "Viewed" where page = "c")"), (Ids{1}));
    EXPECT_EQ(Members(*index, R"(event "Viewed" where page = "a")"), (Ids{1}));
    EXPECT_EQ(Members(*index, R"(event "Signed Up" where plan = "pro")"), (Ids{3}));
    ExpectSameAsRebuilt(*index, {R"(event "Viewed" count >= 2)", R"(event "Liked" count = 1)", R"(event "Shared")",
                                 R"(event "Signed Up" where plan = "basic")", R"(event "Viewed" where page = "b")"});

    // 4's "Signed Up" is replaced by another: as many occurrences, so written in place, and the
    // column takes the new event's value.
    DeleteEvent(basic);
    Event(4, "Signed Up", At(2026, 6, 22), R"({"plan":"team"})");
    Refresh(*index, {4});
    EXPECT_EQ(d.events.at("Signed Up").blocks[0].times.data(), signed_up) << "written in place";
    EXPECT_TRUE(d.properties.contains({"Signed Up", "plan"}));
    EXPECT_EQ(Members(*index, R"(event "Signed Up" where plan = "team" within 10d)"), (Ids{4}));
    EXPECT_EQ(Members(*index, R"(event "Signed Up" where plan = "basic")"), (Ids{}));
    ExpectSameAsRebuilt(*index, {R"(event "Signed Up" where plan = "basic")", R"(event "Signed Up" within 10d)",
                                 R"(event "Signed Up" where plan = "team")"});

    // Erasure wipes a payload but keeps the event (customer_records.cpp): the same runs, and
    // the column follows the payload.
    Queue("UPDATE events SET payload = $3 WHERE tenant_id = $1 AND event_id = $2",
          {kTenant, pro,
           store::Blob{keys_.Encrypt(R"({"type":"track","event":"Signed Up","properties":{}})",
                                     "t" + std::to_string(kTenant) + "/event")}});
    Refresh(*index, {3});
    EXPECT_EQ(d.events.at("Signed Up").blocks[0].times.data(), signed_up) << "the runs did not change";
    EXPECT_EQ(Members(*index, R"(event "Signed Up" where plan = "pro")"), (Ids{}));
    EXPECT_EQ(Members(*index, R"(event "Signed Up" where plan is set)"), (Ids{4}));
    ExpectSameAsRebuilt(*index, {R"(event "Signed Up" where plan is set)"});
}

// Event runs are kept in blocks of customer ids: a refresh copies only the blocks of the
// customers it read, and the property columns follow, block by block, whatever moves — a new
// event, a merge that brings a tombstone's events to its winner, a block emptied, a block added.
TEST_P(IndexTest, EventRunsOfOtherBlocksStayAsTheyWere) {
    const int64_t in1 = internal::kEventBlock + 5, in2 = 2 * internal::kEventBlock + 7;
    for (int64_t id : {int64_t{1}, int64_t{2}, in1, in1 + 1, in2}) Customer(id);
    Event(1, "Viewed", At(2026, 6, 1), R"({"page":"a","n":1})");
    Event(2, "Viewed", At(2026, 6, 2), R"({"page":"b","n":2})");
    Event(in1, "Viewed", At(2026, 6, 3), R"({"page":"a","n":3})");
    Event(in1 + 1, "Viewed", At(2026, 6, 4), R"({"page":"c","n":4.5})");
    const int64_t last = Event(in2, "Viewed", At(2026, 6, 5), R"({"page":"b","vip":true})");
    auto index = Build();
    ASSERT_NE(index, nullptr);
    const IndexData& d = IndexAccess::Data(*index);
    const internal::EventRuns& viewed = d.events.at("Viewed");
    ASSERT_EQ(viewed.blocks.size(), 3u);
    EXPECT_EQ(Members(*index, R"(event "Viewed" where page = "a")"), (Ids{1, in1}));
    EXPECT_EQ(Members(*index, R"(event "Viewed" where n >= 2)"), (Ids{2, in1, in1 + 1}));
    EXPECT_EQ(Members(*index, R"(event "Viewed" where vip = true)"), (Ids{in2}));
    const int64_t* block0 = viewed.blocks[0].times.data();
    const int64_t* block2 = viewed.blocks[2].times.data();

    // A second view for in1: only block 1 is copied.
    Event(in1, "Viewed", At(2026, 6, 10), R"({"page":"b","n":10})");
    Refresh(*index, {in1});
    EXPECT_EQ(viewed.blocks[0].times.data(), block0);
    EXPECT_EQ(viewed.blocks[2].times.data(), block2);
    EXPECT_EQ(Members(*index, R"(event "Viewed" where page = "b")"), (Ids{2, in1, in2}));
    ExpectSameAsRebuilt(*index, {R"(event "Viewed" where n >= 10)", R"(event "Viewed" where page = "a" count = 1)"});

    // in1 + 1 is merged into 1: its view (and its values) move to block 0; the last block
    // empties and goes; a new customer far out opens a block of its own.
    const int64_t far = 4 * internal::kEventBlock + 1;
    Customer(far);
    MergeAndRepoint(in1 + 1, 1);
    DeleteEvent(last);
    Event(far, "Viewed", At(2026, 6, 12), R"({"page":"d","vip":false})");
    Refresh(*index, {in1 + 1, in2, far});
    EXPECT_EQ(viewed.blocks.size(), 5u);
    EXPECT_TRUE(viewed.blocks[2].empty());
    EXPECT_EQ(Members(*index, R"(event "Viewed" where page = "c")"), (Ids{1}));
    EXPECT_EQ(Members(*index, R"(event "Viewed" where vip is set)"), (Ids{far}));
    EXPECT_EQ(d.properties.size(), 3u) << "every column patched, none read again";
    ExpectSameAsRebuilt(*index, {R"(event "Viewed" where n > 4)", R"(event "Viewed" where vip = false)",
                                 R"(event "Viewed" where page = "d")", R"(event "Viewed" count = 2)"});

    // A restart from a snapshot splits the runs into the same blocks.
    const std::string file = dir_.File("events.snapshot");
    ASSERT_TRUE(index->Save(file).ok());
    auto loaded = AudienceIndex::Load(*db_, keys_, TenantId(kTenant), clock_, file);
    ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
    ExpectSameIndex(**loaded, *index);
}

// A tag removed from a customer is applied from the change log without a re-read, unless the
// customer has tombstones: a store older than merges that move tags may hold the same tag on one
// of them, which still counts for the customer.
TEST_P(IndexTest, ATagRemovedFromACustomerWithTombstonesIsReRead) {
    for (int64_t id = 1; id <= 3; ++id) Customer(id);
    const int64_t tag = TagId("人群", "母婴");
    Tag(1, tag);
    Tag(2, tag);
    Tag(3, tag);
    Merge(2, 1);  // 2's tag row stays on the tombstone
    auto index = Build();
    ASSERT_NE(index, nullptr);
    EXPECT_EQ(Members(*index, R"(tag = "母婴")"), (Ids{1, 3}));

    Queue("DELETE FROM customer_tags WHERE tenant_id = $1 AND customer_id IN (1, 3)", {kTenant});
    Flush();
    auto caught_up = index->CatchUp(1000);
    ASSERT_TRUE(caught_up.ok()) << caught_up.status().ToString();
    EXPECT_EQ(caught_up->customers, 1u) << "1, re-read";
    EXPECT_EQ(caught_up->applied, 1u) << "3, from its delta";
    EXPECT_EQ(Members(*index, R"(tag = "母婴")"), (Ids{1})) << "still held through 2";
    ExpectSameAsRebuilt(*index, {R"(tag = "母婴")"});
}

TEST_P(IndexTest, ChangedSinceListsWhomTheLaterRefreshesReRead) {
    for (int64_t id = 1; id <= 4; ++id) Customer(id);
    auto index = Build();
    ASSERT_NE(index, nullptr);
    const auto ids = [](const std::optional<CustomerSet>& set) {
        Ids out;
        if (set) {
            for (CustomerId id : set->ToVector()) out.push_back(id.value());
        }
        return out;
    };
    EXPECT_EQ(index->version(), 0u);
    ASSERT_TRUE(index->ChangedSince(0).has_value());
    EXPECT_TRUE(index->ChangedSince(0)->empty());
    EXPECT_FALSE(index->ChangedSince(1).has_value()) << "not a version of this index yet";

    Refresh(*index, {2});
    Refresh(*index, {99});  // nobody: no new version
    Merge(4, 3);
    Refresh(*index, {4});
    EXPECT_EQ(index->version(), 2u);
    EXPECT_EQ(ids(index->ChangedSince(0)), (Ids{2, 3, 4}));
    EXPECT_EQ(ids(index->ChangedSince(1)), (Ids{3, 4})) << "the merge's canonical customer and its tombstone";
    EXPECT_TRUE(index->ChangedSince(2)->empty());

    for (int i = 0; i < 64; ++i) Refresh(*index, {1});
    EXPECT_FALSE(index->ChangedSince(0).has_value()) << "older than the last 64 refreshes";
    EXPECT_EQ(ids(index->ChangedSince(3)), (Ids{1}));
}

// A refresh tells which facets of whom it found changed: each customer below changes in one way
// (and 3 not at all), and only the facets that changed name them.
TEST_P(IndexTest, ChangedSinceByFacetNamesOnlyWhatChanged) {
    const int64_t tag = TagId("人群", "母婴");
    for (int64_t id = 1; id <= 12; ++id) {
        if (id != 5) Customer(id, std::nullopt, "import:jd");
    }
    Order(2, "jd", 5000, At(2026, 5, 1));
    Traits(2, 1, 5000, R"({"jd":1})");
    Attribute(4, "points", "number", "10");
    Event(8, "Viewed", At(2026, 6, 1));
    auto index = Build();
    ASSERT_NE(index, nullptr);
    const auto ids = [&](Facets facets) {
        Ids out;
        if (const auto set = index->ChangedSince(0, facets)) {
            for (CustomerId id : set->ToVector()) out.push_back(id.value());
        }
        return out;
    };

    Tag(1, tag);                                        // 1: a tag
    Order(2, "jd", 7000, At(2026, 6, 20));              // 2: a purchase and its traits
    Traits(2, 2, 12000, R"({"jd":2})", "repeat");       //
    Attribute(4, "level", "string", "金卡");            // 4: an attribute value
    Customer(5);                                        // 5: new, with nothing
    Merge(6, 7);                                        // 6: merged into 7
    Event(8, "Viewed", At(2026, 6, 2));                 // 8: an event
    Consent(9, "marketing.sms", true, At(2026, 6, 3));  // 9: consent
    Identity(10, "phone");                              // 10: an identity
    Queue("UPDATE customers SET owner_staff_id = 42 WHERE tenant_id = $1 AND customer_id = 11", {kTenant});
    Queue("UPDATE customers SET last_seen_at = $2 WHERE tenant_id = $1 AND customer_id = 12",
          {kTenant, At(2026, 6, 29).micros()});
    Refresh(*index, {1, 2, 3, 4, 5, 6, 8, 9, 10, 11, 12});

    EXPECT_EQ(ids(kAllFacets), (Ids{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12})) << "everyone re-read";
    EXPECT_EQ(ids(kFacetTags), (Ids{1}));
    EXPECT_EQ(ids(kFacetTraits), (Ids{2, 5, 6}))
        << "5 became a prospect (no traits row), the tombstone 6 stopped being one";
    EXPECT_EQ(ids(kFacetPurchases), (Ids{2}));
    EXPECT_EQ(ids(kFacetAttributes), (Ids{4}));
    EXPECT_EQ(ids(kFacetLive), (Ids{5, 6})) << "a new customer, a tombstone";
    EXPECT_EQ(ids(kFacetEvents), (Ids{8}));
    EXPECT_EQ(ids(kFacetConsent), (Ids{9}));
    EXPECT_EQ(ids(kFacetIdentities), (Ids{10}));
    EXPECT_EQ(ids(kFacetProfile), (Ids{6, 11})) << "a tombstone holds no channel; 5 has none either";
    EXPECT_EQ(ids(kFacetLastSeen), (Ids{5, 6, 12}));
    EXPECT_EQ(ids(kFacetTags | kFacetConsent), (Ids{1, 9}));

    // What a segment re-tests: the customers changed in what its rule reads.
    const auto facets = [](std::string_view text) { return FacetsOf(ParseRuleText(text).value()); };
    EXPECT_EQ(facets(R"(tag = "母婴")"), kFacetLive | kFacetTags);
    EXPECT_EQ(facets("order_count >= 2 within 90d or owner = none"), kFacetLive | kFacetPurchases | kFacetProfile);
    EXPECT_EQ(facets(R"(not (attr.points > 1 and event "Viewed" within 7d))"),
              kFacetLive | kFacetAttributes | kFacetEvents);
    EXPECT_EQ(facets("days_since_last_seen > 30 and lifecycle_stage = new"),
              kFacetLive | kFacetLastSeen | kFacetTraits);
    EXPECT_EQ(facets(R"(segment "回购" and has phone)"), kAllFacets);
}

// Enough customers for every way a refresh reads: lists padded to 16, lists of 500, runs of
// consecutive ids, merge chains; the whole index must then equal a fresh build.
TEST_P(IndexTest, ARandomBatchRefreshesToWhatABuildReads) {
    constexpr int64_t kCustomers = 8300;  // three purchase blocks
    std::mt19937_64 rng(7);
    const auto pick = [&](int64_t n) { return static_cast<int64_t>(rng() % static_cast<uint64_t>(n)); };
    const std::vector<int64_t> tags = {TagId("人群", "母婴"), TagId("人群", "孕妈"), TagId("兴趣", "奶粉")};
    const std::vector<std::string> sources = {"jd", "taobao", "douyin", "pdd", "youzan", "segment", "store"};
    const auto populate = [&](int64_t id) {
        if (pick(3) == 0) Tag(id, tags[static_cast<size_t>(pick(3))]);
        if (pick(2) == 0) Identity(id, "phone");
        if (pick(4) == 0) Consent(id, "marketing.sms", pick(2) == 0, At(2026, 1, 1 + static_cast<int>(pick(28))));
        for (int64_t n = pick(4) - 1; n > 0; --n) {
            Order(id, sources[static_cast<size_t>(pick(7))], 100 + pick(10000),
                  At(2026, 1 + static_cast<int>(pick(6)), 1 + static_cast<int>(pick(28))));
        }
        if (pick(3) == 0) Traits(id, 1 + pick(400), pick(100000), R"({"jd":)" + std::to_string(pick(400)) + "}");
        if (pick(4) == 0)
            Attribute(id, "birthday", pick(2) == 0 ? "date" : "datetime",
                      pick(2) == 0 ? "1990-05-17" : "2026-06-29T16:30:00Z");
        if (pick(5) == 0) Attribute(id, "points", "number", std::to_string(pick(5000)));
        if (pick(6) == 0) {
            Event(id, pick(2) == 0 ? "Viewed" : "Liked", At(2026, 6, 1 + static_cast<int>(pick(29))),
                  R"({"page":")" + std::string(1, static_cast<char>('a' + pick(3))) + R"(","n":)" +
                      std::to_string(pick(4)) + "}");
        }
    };
    for (int64_t id = 1; id <= kCustomers; ++id) {
        Customer(id, pick(5) == 0 ? std::optional<int64_t>(1 + pick(3)) : std::nullopt,
                 pick(2) == 0 ? "import:jd" : "");
        populate(id);
    }
    std::vector<bool> merged(kCustomers + 101, false);
    const auto merge = [&]() -> std::pair<int64_t, int64_t> {
        const int64_t loser = 1 + pick(kCustomers), winner = 1 + pick(kCustomers);
        if (loser == winner || merged[static_cast<size_t>(loser)] || merged[static_cast<size_t>(winner)]) return {};
        MergeAndRepoint(loser, winner);
        merged[static_cast<size_t>(loser)] = true;
        return {loser, winner};
    };
    for (int i = 0; i < 200; ++i) merge();
    auto index = Build();
    ASSERT_NE(index, nullptr);
    // A second index is told nothing: it finds whom to re-read in the store's change log.
    auto logged = Build();
    ASSERT_NE(logged, nullptr);
    // Property columns made before the changes are patched by them, not read again.
    const std::vector<std::string> property_rules = {R"(event "Viewed" where page = "a")",
                                                     R"(event "Liked" where n >= 2 count >= 1 within 30d)"};
    for (const std::string& rule : property_rules) {
        Members(*index, rule);
        Members(*logged, rule);
    }

    // Changes: 1 200 scattered customers, a run of 100 new ones at the end, some merges.
    Ids changed;
    for (int i = 0; i < 1200; ++i) {
        const int64_t id = 1 + pick(kCustomers);
        changed.push_back(id);
        if (pick(3) == 0) {
            Queue("DELETE FROM customer_tags WHERE tenant_id = $1 AND customer_id = $2", {kTenant, id});
            Queue("DELETE FROM orders WHERE tenant_id = $1 AND customer_id = $2", {kTenant, id});
            Queue("DELETE FROM events WHERE tenant_id = $1 AND customer_id = $2", {kTenant, id});
        }
        populate(id);
    }
    // (in event blocks of their own, past the first)
    for (int64_t id = kCustomers + 2 * internal::kEventBlock + 1; id <= kCustomers + 2 * internal::kEventBlock + 100;
         ++id) {
        Customer(id, std::nullopt, "wecom");
        populate(id);
        changed.push_back(id);
    }
    for (int i = 0; i < 40; ++i) {
        const auto [loser, winner] = merge();
        if (loser != 0) changed.push_back(pick(2) == 0 ? loser : winner);
    }
    // Tags and last-seen times alone, which the log hands over as deltas: tags added, removed
    // (held or not) and added again; last seen moved, also to none and to before the last order;
    // tombstones among them.
    for (int i = 0; i < 600; ++i) {
        const int64_t id = 1 + pick(kCustomers);
        changed.push_back(id);
        for (int64_t n = 1 + pick(3); n > 0; --n) {
            const int64_t tag = tags[static_cast<size_t>(pick(3))];
            if (pick(2) == 0) {
                Tag(id, tag);
            } else {
                Queue("DELETE FROM customer_tags WHERE tenant_id = $1 AND customer_id = $2 AND tag_id = $3",
                      {kTenant, id, tag});
            }
        }
        if (pick(2) == 0) {
            const int64_t when = pick(3);
            const std::optional<int64_t> seen =
                when == 0 ? std::nullopt
                          : std::optional<int64_t>(when == 1 ? At(2026, 6, 1 + static_cast<int>(pick(29))).micros()
                                                             : At(2025, 1, 1).micros());
            Queue("UPDATE customers SET last_seen_at = $3, updated_at = 1 WHERE tenant_id = $1 AND customer_id = $2",
                  {kTenant, id, seen});
        }
    }
    Refresh(*index, changed);
    const std::vector<std::string> rules = {"everyone",
                                            R"(tag = "母婴")",
                                            "has phone and consent marketing.sms",
                                            "orders_on.jd >= 1 within 90d",
                                            "orders_on.jd >= 300",
                                            "owner = none",
                                            R"(event "Viewed" within 14d)",
                                            "attr.points > 2500",
                                            "attr.birthday = 2026-06-30",
                                            "days_since_last_seen <= 10",
                                            R"(tag all of ("母婴", "孕妈") and not tag = "奶粉")",
                                            property_rules[0],
                                            property_rules[1]};
    ExpectSameAsRebuilt(*index, rules);
    EXPECT_EQ(IndexAccess::Data(*index).properties.size(), 2u) << "patched, not dropped";
    auto caught_up = logged->CatchUp(100'000);
    ASSERT_TRUE(caught_up.ok()) << caught_up.status().ToString();
    EXPECT_FALSE(caught_up->restart);
    EXPECT_GE(caught_up->customers, 1000u);
    EXPECT_GE(caught_up->applied, 100u) << "customers whose tags or last-seen time alone changed";
    ExpectSameAsRebuilt(*logged, rules);
    EXPECT_EQ(IndexAccess::Data(*logged).properties.size(), 2u) << "patched, not dropped";
    auto again = logged->CatchUp(100'000);
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again->customers, 0u) << "nothing written since";
}

// Day windows are answered from window tallies (internal/window_tally.hpp) made on first use and
// patched by refreshes. Whatever happens to the purchases — changes, purchases dated after now,
// days turning, an evaluation at an earlier "now" than a tally was checked at, tallies dropped
// for newer ones — a window's members must be what each customer's own purchases say.
TEST_P(IndexTest, DayWindowsFromTalliesAgreeWithEachCustomersPurchases) {
    constexpr int64_t kCustomers = 9000;  // three purchase blocks
    std::mt19937_64 rng(11);
    const auto pick = [&](int64_t n) { return static_cast<int64_t>(rng() % static_cast<uint64_t>(n)); };
    const std::vector<std::string> sources = {"jd", "taobao", "douyin", "store"};
    const auto buy = [&](int64_t id, int64_t n, int month_from) {
        for (; n > 0; --n) {
            Order(id, sources[static_cast<size_t>(pick(4))], 100 + pick(20000),
                  At(2026, month_from + static_cast<int>(pick(7 - month_from)), 1 + static_cast<int>(pick(28)),
                     static_cast<int>(pick(24))));
        }
    };
    for (int64_t id = 1; id <= kCustomers; ++id) {
        Customer(id);
        // One in 30 buys 6 to 15 times: counts past the tallies' count steps (kCountSteps).
        buy(id, pick(30) == 0 ? 6 + pick(10) : pick(5) - 1, 1);
        if (pick(10) == 0) Identity(id, "phone");  // a few candidates among many buyers
    }
    auto index = Build();
    ASSERT_NE(index, nullptr);

    struct Case {
        std::string text;
        int32_t days;
        int platform;  // into kPlatforms, -1 = all
        bool (*test)(int64_t count, int64_t fen);
        bool phone = false;  // only customers with a phone number
    };
    const std::vector<Case> cases = {
        {"order_count >= 2 within 90d", 90, -1, [](int64_t n, int64_t) { return n >= 2; }},
        {"total_spend >= 150 within 30d", 30, -1, [](int64_t, int64_t fen) { return fen >= 15000; }},
        {"orders_on.jd >= 1 within 120d", 120, 0, [](int64_t n, int64_t) { return n >= 1; }},
        {"average_order_value > 80 within 60d", 60, -1, [](int64_t n, int64_t fen) { return n > 0 && fen > 8000 * n; }},
        {"order_count = 0 within 10d", 10, -1, [](int64_t n, int64_t) { return n == 0; }},
        {"not total_spend between 50 and 300 within 150d", 150, -1,
         [](int64_t, int64_t fen) { return fen < 5000 || fen > 30000; }},
        {"order_count < 3 within 200d", 200, -1, [](int64_t n, int64_t) { return n < 3; }},
        {"order_count >= 1 within 365d", 365, -1, [](int64_t n, int64_t) { return n >= 1; }},
        {"has phone and order_count >= 2 within 90d", 90, -1, [](int64_t n, int64_t) { return n >= 2; }, true},
        {"has phone and total_spend < 150 within 30d", 30, -1, [](int64_t, int64_t fen) { return fen < 15000; }, true},
        {"order_count >= 9 within 200d", 200, -1, [](int64_t n, int64_t) { return n >= 9; }},
        {"order_count between 3 and 10 within 365d", 365, -1, [](int64_t n, int64_t) { return n >= 3 && n <= 10; }},
        {"order_count in (2, 8, 12) within 200d", 200, -1,
         [](int64_t n, int64_t) { return n == 2 || n == 8 || n == 12; }},
        {"has phone and order_count > 9 within 365d", 365, -1, [](int64_t n, int64_t) { return n > 9; }, true},
    };
    const auto expect_members = [&](Timestamp now, const std::string& when) {
        const IndexData& d = IndexAccess::Data(*index);
        const int32_t today = DayNumber(zone_.ToLocal(now).date);
        for (const Case& k : cases) {
            const int64_t start = zone_.StartOfDay(DateOfDay(today - (k.days - 1))).micros();
            Ids expected;
            d.live.ForEach([&](uint32_t c) {
                int64_t count = 0, fen = 0;
                for (const internal::Purchase& p : d.PurchasesOf(c)) {
                    if (p.at < start || p.at > now.micros() || (k.platform >= 0 && p.platform() != k.platform))
                        continue;
                    ++count;
                    fen += p.net_fen();
                }
                const bool phone = d.identities[static_cast<size_t>(IdentityKind::kPhone)].Contains(c);
                if (k.test(count, fen) && (phone || !k.phone)) expected.push_back(c);
            });
            EXPECT_EQ(Members(*index, k.text, now), expected) << k.text << " " << when;
        }
    };
    const Timestamp first = clock_.Now();
    expect_members(first, "when built");
    EXPECT_EQ(IndexAccess::Data(*index).tallies.size(), internal::kKeptTallies) << "one per window, the oldest dropped";

    // Purchases replaced, some dated two days ahead (a shop's clock), new customers.
    Ids changed;
    for (int i = 0; i < 400; ++i) {
        const int64_t id = 1 + pick(kCustomers);
        changed.push_back(id);
        if (pick(2) == 0) Queue("DELETE FROM orders WHERE tenant_id = $1 AND customer_id = $2", {kTenant, id});
        buy(id, pick(3), 5);
        if (pick(4) == 0) Order(id, "jd", 5000 + pick(20000), first + std::chrono::hours(48 + pick(24)));
        if (pick(4) == 0) Order(id, "taobao", 5000 + pick(20000), first - std::chrono::minutes(1 + pick(50)));
    }
    for (int64_t id = kCustomers + 1; id <= kCustomers + 50; ++id) {
        Customer(id);
        buy(id, 1 + pick(3), 4);
        changed.push_back(id);
    }
    Refresh(*index, changed);
    bool late = false;
    for (const auto& tally : IndexAccess::Data(*index).tallies) late = late || !tally->late.Empty();
    EXPECT_TRUE(late) << "purchases after now are searched, not tallied";
    expect_members(first, "after a refresh");
    expect_members(first + std::chrono::hours(2), "two hours later");
    expect_members(first - std::chrono::hours(1), "at an earlier now than the tallies were checked at");
    expect_members(first - std::chrono::hours(30), "the day before");
    clock_.Advance(std::chrono::hours(24 * 3));
    expect_members(clock_.Now(), "three days later, past the purchases dated ahead");
    ExpectSameAsRebuilt(*index, {"order_count >= 2 within 90d", "orders_on.jd >= 1 within 120d"});
}

INSTANTIATE_TEST_SUITE_P(Backends, IndexTest, ::testing::Values("sqlite", "postgres"),
                         [](const auto& param_info) { return param_info.param; });

}  // namespace
}  // namespace yutang::audience
