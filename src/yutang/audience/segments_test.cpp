// Saved segments: create in both rule forms, references and cycles, evaluation recording entries,
// exits and sizes, soft delete, and membership turning at the merchant's midnight (Asia/Shanghai),
// not UTC midnight.
#include "yutang/audience/segments.hpp"

#include <gtest/gtest.h>

#include "yutang/base/crypto.hpp"

#include "tests/support/test_store.hpp"

namespace yutang::audience {
namespace {

const TenantId kShop(1);

class SegmentsTest : public ::testing::Test {
  protected:
    void SetUp() override {
        db_ = testing::OpenTestStore(dir_, clock_);
        ASSERT_NE(db_, nullptr);
        // 23:59:00 on 30 June in Shanghai is 15:59:00 UTC: the local day turns first.
        clock_.Set(Local(2026, 6, 30, 23, 59, 0));
        Run("INSERT INTO tenants (tenant_id, name, time_zone, created_at) VALUES ($1, '分层测试店', 'Asia/Shanghai', "
            "0)",
            {kShop.value()});
        Run("INSERT INTO tag_groups (tenant_id, group_id, name, exclusive, created_at) VALUES ($1, 1, '人群', 0, 0)",
            {kShop.value()});
        Run("INSERT INTO tags (tenant_id, tag_id, group_id, name, created_at) VALUES ($1, 1, 1, '母婴', 0)",
            {kShop.value()});
        audiences_ = std::make_unique<AudienceService>(*db_, keys_, clock_,
                                                       AudienceSettings{.max_index_age = std::chrono::seconds(60)});
        segments_ = std::make_unique<SegmentService>(*db_, *audiences_, clock_);
    }

    Timestamp Local(int y, int mo, int d, int h, int mi, int s) const {
        return zone_.FromLocal({.date = {y, mo, d}, .hour = h, .minute = mi, .second = s});
    }

    void Run(std::string_view sql, std::initializer_list<store::Value> params) {
        const std::vector<store::Value> values(params);
        ASSERT_TRUE(db_->Write([&](store::Session& s) { return s.Execute(sql, values).status(); }).ok()) << sql;
    }
    int64_t Scalar(std::string_view sql) {
        int64_t n = -1;
        EXPECT_TRUE(db_->Read([&](store::Session& s) -> Status {
                           YT_ASSIGN_OR_RETURN(auto row, s.QueryOne(sql));
                           n = row ? row->Int(0) : -1;
                           return OkStatus();
                       })
                        .ok());
        return n;
    }
    void AddCustomer(int64_t id) {
        Run("INSERT INTO customers (tenant_id, customer_id, created_at, updated_at) VALUES ($1, $2, 0, 0)",
            {kShop.value(), id});
    }
    void TagBaby(int64_t customer) {
        Run("INSERT INTO customer_tags (tenant_id, customer_id, tag_id, source, tagged_at) VALUES ($1, $2, 1, 't', 0)",
            {kShop.value(), customer});
    }
    void UntagBaby(int64_t customer) {
        Run("DELETE FROM customer_tags WHERE tenant_id = $1 AND customer_id = $2", {kShop.value(), customer});
    }
    // Moves the clock. Writes need no reporting: the index catches up with the store's change log
    // before each evaluation; past 60 s it is old enough for RebuildAged.
    void Later(std::chrono::microseconds by) { clock_.Advance(by); }

    static Rule Text(std::string_view text) {
        RuleResult parsed = ParseRuleText(text);
        EXPECT_TRUE(parsed.ok()) << text;
        return parsed.ok() ? std::move(parsed).value() : Rule::Of(Everyone{});
    }

    std::vector<int64_t> MemberIds(SegmentId segment) {
        std::vector<int64_t> ids;
        auto all = segments_->AllMembers(kShop, segment);
        EXPECT_TRUE(all.ok()) << all.status().ToString();
        if (all.ok()) {
            for (const SegmentMember& m : *all) ids.push_back(m.customer.value());
        }
        return ids;
    }

    testing::TempDir dir_;
    ManualClock clock_;
    TimeZone zone_ = TimeZone::Default();
    KeyRing keys_ = KeyRing::Generate();
    std::unique_ptr<store::Database> db_;
    std::unique_ptr<AudienceService> audiences_;
    std::unique_ptr<SegmentService> segments_;
};

TEST_F(SegmentsTest, CreateFromTextOrJsonEvaluatesAndRecordsEntries) {
    for (int64_t id = 1; id <= 3; ++id) AddCustomer(id);
    TagBaby(1);
    TagBaby(3);

    auto by_text = segments_->Create(kShop, "母婴人群", Text(R"(tag = "母婴")"), StaffId(7));
    ASSERT_TRUE(by_text.ok()) << by_text.status().ToString();
    EXPECT_EQ(by_text->size, 2);
    EXPECT_EQ(by_text->created_by, StaffId(7));
    EXPECT_EQ(by_text->evaluated_at, clock_.Now());
    EXPECT_EQ(MemberIds(by_text->id), (std::vector<int64_t>{1, 3}));

    RuleResult json = ParseRuleJson(R"({"not":{"tag":"母婴","op":"has"}})");
    ASSERT_TRUE(json.ok());
    auto by_json = segments_->Create(kShop, "非母婴", json.value(), std::nullopt);
    ASSERT_TRUE(by_json.ok()) << by_json.status().ToString();
    EXPECT_EQ(MemberIds(by_json->id), (std::vector<int64_t>{2}));
    EXPECT_NE(by_json->id, by_text->id);

    auto history = segments_->History(kShop, by_text->id);
    ASSERT_TRUE(history.ok());
    ASSERT_EQ(history->changes.size(), 2u);
    EXPECT_TRUE(history->changes[0].entered);
    EXPECT_EQ(history->changes[0].at, clock_.Now());
    ASSERT_EQ(history->sizes.size(), 1u);
    EXPECT_EQ(history->sizes[0].size, 2);

    auto list = segments_->List(kShop);
    ASSERT_TRUE(list.ok());
    ASSERT_EQ(list->size(), 2u);
    EXPECT_EQ((*list)[0].name, "母婴人群");
    EXPECT_EQ(ToText((*list)[0].rule), R"(tag = "母婴")");
}

TEST_F(SegmentsTest, NamesAreUniqueAmongLiveSegmentsAndValidated) {
    AddCustomer(1);
    ASSERT_TRUE(segments_->Create(kShop, "全部", Text("everyone"), std::nullopt).ok());
    auto again = segments_->Create(kShop, "全部", Text("has wecom"), std::nullopt);
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.status().code(), ErrorCode::kAlreadyExists);
    EXPECT_EQ(again.status().field(), "name");
    auto empty = segments_->Create(kShop, "", Text("everyone"), std::nullopt);
    ASSERT_FALSE(empty.ok());
    EXPECT_EQ(empty.status().code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(empty.status().field(), "name");
    auto unknown = segments_->Create(kShop, "引用", Text(R"(segment "不存在")"), std::nullopt);
    ASSERT_FALSE(unknown.ok());
    EXPECT_EQ(unknown.status().code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(unknown.status().field(), "rule");
}

TEST_F(SegmentsTest, ReferencesAreStoredByIdEvaluatedAndCyclesRejected) {
    for (int64_t id = 1; id <= 3; ++id) AddCustomer(id);
    TagBaby(2);
    auto baby = segments_->Create(kShop, "母婴", Text(R"(tag = "母婴")"), std::nullopt);
    ASSERT_TRUE(baby.ok());
    auto others = segments_->Create(kShop, "其他", Text(R"(not segment "母婴")"), std::nullopt);
    ASSERT_TRUE(others.ok()) << others.status().ToString();
    EXPECT_EQ(ToText(others->rule), "not segment " + std::to_string(baby->id.value()));
    EXPECT_EQ(MemberIds(others->id), (std::vector<int64_t>{1, 3}));

    // A rename does not break the reference.
    ASSERT_TRUE(segments_->Update(kShop, baby->id, "宝妈", std::nullopt).ok());
    auto count = segments_->Count(kShop, Text(R"(segment "其他" and not segment "宝妈")"));
    ASSERT_TRUE(count.ok()) << count.status().ToString();
    EXPECT_EQ(count->count, 2);

    auto cycle = segments_->Update(kShop, baby->id, std::nullopt, Text(R"(segment "其他")"));
    ASSERT_FALSE(cycle.ok());
    EXPECT_EQ(cycle.status().code(), ErrorCode::kInvalidArgument);
    auto self = segments_->Update(kShop, baby->id, std::nullopt, Text("segment " + std::to_string(baby->id.value())));
    ASSERT_FALSE(self.ok());
    EXPECT_EQ(self.status().code(), ErrorCode::kInvalidArgument);

    // Referred to: not deletable until the referrer goes.
    Status referred = segments_->Delete(kShop, baby->id);
    EXPECT_EQ(referred.code(), ErrorCode::kFailedPrecondition);
    ASSERT_TRUE(segments_->Delete(kShop, others->id).ok());
    ASSERT_TRUE(segments_->Delete(kShop, baby->id).ok());
    EXPECT_EQ(segments_->Get(kShop, baby->id).status().code(), ErrorCode::kNotFound);
    EXPECT_TRUE(segments_->Delete(kShop, baby->id).ok()) << "deleting again changes nothing";
    EXPECT_EQ(segments_->Delete(kShop, SegmentId(99)).code(), ErrorCode::kNotFound);
    EXPECT_EQ(Scalar("SELECT COUNT(*) FROM segment_members"), 0);
    // The name is free again; the id is not reused.
    auto again = segments_->Create(kShop, "其他", Text("everyone"), std::nullopt);
    ASSERT_TRUE(again.ok());
    EXPECT_GT(again->id.value(), others->id.value());
    auto list = segments_->List(kShop);
    ASSERT_TRUE(list.ok());
    EXPECT_EQ(list->size(), 1u);
}

TEST_F(SegmentsTest, ChangesInTheDataRecordExitsAndEntriesWithTheirTimes) {
    for (int64_t id = 1; id <= 3; ++id) AddCustomer(id);
    TagBaby(1);
    TagBaby(2);
    const Timestamp created = clock_.Now();
    auto baby = segments_->Create(kShop, "母婴", Text(R"(tag = "母婴")"), std::nullopt);
    ASSERT_TRUE(baby.ok());

    UntagBaby(2);
    TagBaby(3);
    Later(std::chrono::minutes(2));  // 00:01 on 1 July: a new local day
    const Timestamp changed = clock_.Now();
    auto evaluated = segments_->Evaluate(kShop, baby->id);
    ASSERT_TRUE(evaluated.ok()) << evaluated.status().ToString();
    EXPECT_EQ(evaluated->size, 2);
    EXPECT_EQ(evaluated->entered, 1);
    EXPECT_EQ(evaluated->exited, 1);
    EXPECT_EQ(MemberIds(baby->id), (std::vector<int64_t>{1, 3}));

    auto history = segments_->History(kShop, baby->id);
    ASSERT_TRUE(history.ok());
    ASSERT_EQ(history->changes.size(), 4u);
    // The latest first: the exit of 2 and the entry of 3 at `changed`, then the first entries.
    EXPECT_EQ(history->changes[0].customer, CustomerId(3));
    EXPECT_TRUE(history->changes[0].entered);
    EXPECT_EQ(history->changes[0].at, changed);
    EXPECT_EQ(history->changes[1].customer, CustomerId(2));
    EXPECT_FALSE(history->changes[1].entered);
    EXPECT_EQ(history->changes[1].at, changed);
    EXPECT_EQ(history->changes[3].at, created);
    // Same size, but a new local day: one size row per day at least.
    ASSERT_EQ(history->sizes.size(), 2u);
    EXPECT_EQ(history->sizes[1].at, changed);

    // Same size on the same day: no new size row; nothing changed, nothing recorded.
    Later(std::chrono::minutes(2));
    auto quiet = segments_->Evaluate(kShop, baby->id);
    ASSERT_TRUE(quiet.ok());
    EXPECT_EQ(quiet->entered + quiet->exited, 0);
    EXPECT_EQ(Scalar("SELECT COUNT(*) FROM segment_sizes"), 2);
    EXPECT_EQ(Scalar("SELECT COUNT(*) FROM segment_changes"), 4);

    // A changed size is recorded the same day.
    UntagBaby(1);
    Later(std::chrono::minutes(2));
    auto smaller = segments_->EvaluateDue();
    ASSERT_TRUE(smaller.ok());
    EXPECT_EQ(*smaller, 1);
    EXPECT_EQ(Scalar("SELECT size FROM segment_sizes ORDER BY at DESC LIMIT 1"), 1);

    // segment_changes is append-only.
    EXPECT_FALSE(db_->Write([](store::Session& s) { return s.Execute("DELETE FROM segment_changes").status(); }).ok());
}

TEST_F(SegmentsTest, MembersArePagedByDescendingCustomerIdAndFilteredByGuide) {
    for (int64_t id = 1; id <= 5; ++id) AddCustomer(id);
    Run("UPDATE customers SET owner_staff_id = 9 WHERE tenant_id = $1 AND customer_id IN (2, 5)", {kShop.value()});
    auto all = segments_->Create(kShop, "全部", Text("everyone"), std::nullopt);
    ASSERT_TRUE(all.ok());
    auto first = segments_->Members(kShop, all->id, std::nullopt, 2);
    ASSERT_TRUE(first.ok());
    ASSERT_EQ(first->members.size(), 2u);
    EXPECT_EQ(first->members[0].customer, CustomerId(5));
    EXPECT_EQ(first->next, CustomerId(4));
    auto second = segments_->Members(kShop, all->id, first->next, 3);
    ASSERT_TRUE(second.ok());
    ASSERT_EQ(second->members.size(), 3u);
    EXPECT_EQ(second->members[2].customer, CustomerId(1));
    EXPECT_FALSE(second->next.has_value());
    auto guide = segments_->Members(kShop, all->id, std::nullopt, 10, StaffId(9));
    ASSERT_TRUE(guide.ok());
    ASSERT_EQ(guide->members.size(), 2u);
    EXPECT_EQ(guide->members[1].customer, CustomerId(2));
    EXPECT_EQ(segments_->Members(kShop, all->id, std::nullopt, 0).status().field(), "limit");

    // Each member's identity hints come with the page, by kind then age; a member without any has none.
    const auto identity = [&](int64_t customer, const char* kind, const char* hint, int64_t at) {
        Run("INSERT INTO customer_identities (tenant_id, kind, value_index, value_cipher, hint, customer_id, source, "
            "created_at) VALUES ($1, $2, $3, $4, $5, $6, 't', $7)",
            {kShop.value(), kind, store::Blob{std::string(hint) + kind}, store::Blob{"x"}, hint, customer, at});
    };
    identity(4, "phone", "139****0002", 20);
    identity(4, "email", "a***@example.com", 30);
    identity(4, "phone", "138****0001", 10);
    identity(3, "jd", "j***1", 5);
    const auto hints = [](const SegmentMember& m) {
        std::string out;
        for (const auto& h : m.identities) out += h.kind + ":" + h.hint + " ";
        return out;
    };
    auto page = segments_->Members(kShop, all->id, std::nullopt, 3);
    ASSERT_TRUE(page.ok());
    ASSERT_EQ(page->members.size(), 3u);
    EXPECT_EQ(hints(page->members[0]), "");
    EXPECT_EQ(hints(page->members[1]), "email:a***@example.com phone:138****0001 phone:139****0002 ");
    EXPECT_EQ(hints(page->members[2]), "jd:j***1 ");
    EXPECT_EQ(page->next, CustomerId(3));
    auto everyone = segments_->AllMembers(kShop, all->id);
    ASSERT_TRUE(everyone.ok());
    ASSERT_EQ(everyone->size(), 5u);
    EXPECT_EQ(hints((*everyone)[3]), "email:a***@example.com phone:138****0001 phone:139****0002 ");
    EXPECT_EQ(hints((*everyone)[0]), "");
}

// An export is read a page at a time, in one view of the members: what changes while it runs is
// not in it, and a member is neither missed nor written twice at the edge of a page.
TEST_F(SegmentsTest, ExportsPageByPageInOneViewWhateverChangesMeanwhile) {
    constexpr int64_t kMembers = 2 * SegmentService::kExportPageMembers + 500;
    Run("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $2) "
        "INSERT INTO customers (tenant_id, customer_id, owner_staff_id, created_at, updated_at) "
        "SELECT $1, i, CASE WHEN i % 3 = 0 THEN 9 END, 0, 0 FROM n",
        {kShop.value(), kMembers + 100});
    Run("INSERT INTO customer_tags (tenant_id, customer_id, tag_id, source, tagged_at) "
        "SELECT tenant_id, customer_id, 1, 't', 0 FROM customers WHERE tenant_id = $1 AND customer_id <= $2",
        {kShop.value(), kMembers});
    auto baby = segments_->Create(kShop, "母婴", Text(R"(tag = "母婴")"), std::nullopt);
    ASSERT_TRUE(baby.ok()) << baby.status().ToString();
    ASSERT_EQ(baby->size, kMembers);

    int records = 0;
    auto record = [&](store::Session&, Timestamp) {
        ++records;
        return OkStatus();
    };
    std::vector<size_t> pages;
    std::vector<int64_t> ids;
    auto exported = segments_->ExportMembers(
        kShop, baby->id, std::nullopt, record, [&](std::span<const SegmentMember> page, int64_t total) -> Status {
            EXPECT_EQ(total, kMembers);
            pages.push_back(page.size());
            for (const SegmentMember& m : page) ids.push_back(m.customer.value());
            if (pages.size() == 1) {
                // Meanwhile the last 500 leave, 100 others enter, and the segment is re-evaluated.
                Later(std::chrono::minutes(2));
                Run("DELETE FROM customer_tags WHERE tenant_id = $1 AND customer_id > $2",
                    {kShop.value(), kMembers - 500});
                Run("INSERT INTO customer_tags (tenant_id, customer_id, tag_id, source, tagged_at) "
                    "SELECT tenant_id, customer_id, 1, 't', 0 FROM customers WHERE tenant_id = $1 AND customer_id > $2",
                    {kShop.value(), kMembers});
                auto evaluated = segments_->Evaluate(kShop, baby->id);
                EXPECT_TRUE(evaluated.ok()) << evaluated.status().ToString();
                if (evaluated.ok()) {
                    EXPECT_EQ(evaluated->size, kMembers - 400);
                }
            }
            return OkStatus();
        });
    ASSERT_TRUE(exported.ok()) << exported.status().ToString();
    EXPECT_EQ(*exported, kMembers);
    EXPECT_EQ(records, 1);
    EXPECT_EQ(pages, (std::vector<size_t>{2000, 2000, 500}));
    std::vector<int64_t> expected(static_cast<size_t>(kMembers));
    for (size_t i = 0; i < expected.size(); ++i) expected[i] = static_cast<int64_t>(i) + 1;
    EXPECT_EQ(ids, expected);
    // The next export sees the evaluation.
    EXPECT_EQ(MemberIds(baby->id).size(), static_cast<size_t>(kMembers - 400));

    // A guide's share: its own customers only, counted as such.
    std::vector<int64_t> guide_ids;
    auto guide = segments_->ExportMembers(kShop, baby->id, StaffId(9), record,
                                          [&](std::span<const SegmentMember> page, int64_t total) -> Status {
                                              EXPECT_EQ(total, (kMembers - 400) / 3);
                                              for (const SegmentMember& m : page) {
                                                  EXPECT_EQ(m.customer.value() % 3, 0);
                                                  guide_ids.push_back(m.customer.value());
                                              }
                                              return OkStatus();
                                          });
    ASSERT_TRUE(guide.ok()) << guide.status().ToString();
    EXPECT_EQ(*guide, (kMembers - 400) / 3);
    EXPECT_EQ(guide_ids.size(), static_cast<size_t>((kMembers - 400) / 3));

    // An error of the receiver stops the export and is returned; an empty segment is one empty page.
    auto stopped = segments_->ExportMembers(
        kShop, baby->id, std::nullopt, record,
        [](std::span<const SegmentMember>, int64_t) -> Status { return Unavailable("disk full"); });
    EXPECT_EQ(stopped.status().code(), ErrorCode::kUnavailable);
    auto none = segments_->Create(kShop, "无人", Text(R"(not tag = "母婴" and tag = "母婴")"), std::nullopt);
    ASSERT_TRUE(none.ok()) << none.status().ToString();
    int calls = 0;
    auto empty = segments_->ExportMembers(kShop, none->id, std::nullopt, record,
                                          [&](std::span<const SegmentMember> page, int64_t total) -> Status {
                                              ++calls;
                                              EXPECT_TRUE(page.empty());
                                              EXPECT_EQ(total, 0);
                                              return OkStatus();
                                          });
    ASSERT_TRUE(empty.ok());
    EXPECT_EQ(*empty, 0);
    EXPECT_EQ(calls, 1);
    EXPECT_EQ(segments_
                  ->ExportMembers(kShop, SegmentId(999), std::nullopt, record,
                                  [](std::span<const SegmentMember>, int64_t) { return OkStatus(); })
                  .status()
                  .code(),
              ErrorCode::kNotFound);
    EXPECT_EQ(records, 4) << "not recorded for an unknown segment";
}

// Membership that depends on the local date moves at Shanghai midnight (16:00 UTC), found by the
// minute-by-minute EvaluateDue, without any day-boundary special case.
TEST_F(SegmentsTest, CalendarAndWindowSegmentsTurnAtLocalMidnight) {
    AddCustomer(1);
    AddCustomer(2);
    Run("INSERT INTO customer_attributes (tenant_id, customer_id, name, type, value_cipher, source, updated_at) "
        "VALUES ($1, 2, 'birthday', 'date', $2, 't', 0)",
        {kShop.value(), store::Blob{keys_.Encrypt("1990-07-15", "t1/customer.attribute")}});
    Run("INSERT INTO customer_traits (tenant_id, customer_id, order_count, total_spend_fen, refunded_fen, "
        "first_order_at, last_order_at, platform_counts, updated_at) VALUES ($1, 1, 1, 100, 0, $2, $2, '{}', 0)",
        {kShop.value(), Local(2026, 6, 30, 10, 0, 0).micros()});
    auto today = segments_->Create(kShop, "今日下单", Text("days_since_last_order = 0"), std::nullopt);
    auto birthday = segments_->Create(kShop, "本月生日", Text("birthday attr.birthday this month"), std::nullopt);
    ASSERT_TRUE(today.ok()) << today.status().ToString();
    ASSERT_TRUE(birthday.ok()) << birthday.status().ToString();
    EXPECT_EQ(MemberIds(today->id), (std::vector<int64_t>{1}));
    EXPECT_EQ(MemberIds(birthday->id), (std::vector<int64_t>{}));

    clock_.Set(Local(2026, 6, 30, 23, 59, 59));
    ASSERT_TRUE(segments_->EvaluateDue().ok());
    EXPECT_EQ(MemberIds(today->id), (std::vector<int64_t>{1}));
    EXPECT_EQ(MemberIds(birthday->id), (std::vector<int64_t>{}));

    // The first minute of 1 July in Shanghai; still 30 June in UTC.
    const Timestamp midnight = Local(2026, 7, 1, 0, 0, 30);
    clock_.Set(midnight);
    ASSERT_TRUE(segments_->EvaluateDue().ok());
    EXPECT_EQ(MemberIds(today->id), (std::vector<int64_t>{}));
    EXPECT_EQ(MemberIds(birthday->id), (std::vector<int64_t>{2}));
    auto history = segments_->History(kShop, birthday->id);
    ASSERT_TRUE(history.ok());
    ASSERT_EQ(history->changes.size(), 1u);
    EXPECT_TRUE(history->changes[0].entered);
    EXPECT_EQ(history->changes[0].at, midnight);
    auto exits = segments_->History(kShop, today->id);
    ASSERT_TRUE(exits.ok());
    ASSERT_EQ(exits->changes.size(), 2u);
    EXPECT_FALSE(exits->changes[0].entered);
    EXPECT_EQ(exits->changes[0].at, midnight);
}

// The members a segment service wrote are remembered with the index version they came from: the
// next evaluation re-tests only the customers changed since, and what it writes matches a full
// evaluation. A daily rule is evaluated whole when the merchant's day turns, on the same index.
TEST_F(SegmentsTest, ChangedCustomersAreRetestedAloneAndDaysTurnOnTheSameIndex) {
    AudienceService audiences(*db_, keys_, clock_, AudienceSettings{.max_index_age = std::chrono::hours(1)});
    SegmentService segments(*db_, audiences, clock_);
    for (int64_t id = 1; id <= 6; ++id) AddCustomer(id);
    TagBaby(1);
    TagBaby(3);
    Run("INSERT INTO customer_traits (tenant_id, customer_id, order_count, total_spend_fen, refunded_fen, "
        "first_order_at, last_order_at, platform_counts, updated_at) VALUES ($1, 5, 1, 100, 0, $2, $2, '{}', 0)",
        {kShop.value(), Local(2026, 6, 30, 10, 0, 0).micros()});
    auto baby = segments.Create(kShop, "母婴人群", Text(R"(tag = "母婴")"), std::nullopt);
    auto today = segments.Create(kShop, "今日下单", Text("days_since_last_order = 0"), std::nullopt);
    ASSERT_TRUE(baby.ok()) << baby.status().ToString();
    ASSERT_TRUE(today.ok()) << today.status().ToString();
    EXPECT_EQ(MemberIds(baby->id), (std::vector<int64_t>{1, 3}));
    EXPECT_EQ(MemberIds(today->id), (std::vector<int64_t>{5}));

    // Nothing changed: nothing entered or left.
    auto same = segments.Evaluate(kShop, baby->id);
    ASSERT_TRUE(same.ok()) << same.status().ToString();
    EXPECT_EQ(same->size, 2);
    EXPECT_EQ(same->entered + same->exited, 0);

    TagBaby(2);
    UntagBaby(3);
    clock_.Advance(std::chrono::seconds(10));
    auto moved = segments.Evaluate(kShop, baby->id);
    ASSERT_TRUE(moved.ok()) << moved.status().ToString();
    EXPECT_EQ(moved->entered, 1);
    EXPECT_EQ(moved->exited, 1);
    EXPECT_EQ(MemberIds(baby->id), (std::vector<int64_t>{1, 2}));
    auto history = segments.History(kShop, baby->id);
    ASSERT_TRUE(history.ok());
    ASSERT_GE(history->changes.size(), 2u);
    EXPECT_EQ(history->changes[0].customer, CustomerId(2));
    EXPECT_TRUE(history->changes[0].entered);
    EXPECT_EQ(history->changes[1].customer, CustomerId(3));
    EXPECT_FALSE(history->changes[1].entered);

    // The same day on the same index: the daily segment keeps its member.
    clock_.Set(Local(2026, 6, 30, 23, 59, 50));
    auto before = segments.Evaluate(kShop, today->id);
    ASSERT_TRUE(before.ok()) << before.status().ToString();
    EXPECT_EQ(MemberIds(today->id), (std::vector<int64_t>{5}));
    // Past the merchant's midnight, with nobody changed: the whole rule is evaluated again.
    clock_.Set(Local(2026, 7, 1, 0, 0, 10));
    auto after = segments.Evaluate(kShop, today->id);
    ASSERT_TRUE(after.ok()) << after.status().ToString();
    EXPECT_EQ(after->exited, 1);
    EXPECT_EQ(MemberIds(today->id), (std::vector<int64_t>{}));

    // A service that knows nothing diffs against the stored members and finds them current but
    // for customer 4, tagged since.
    TagBaby(4);
    SegmentService fresh(*db_, audiences, clock_);
    auto full = fresh.Evaluate(kShop, baby->id);
    ASSERT_TRUE(full.ok()) << full.status().ToString();
    EXPECT_EQ(full->entered, 1);  // customer 4
    EXPECT_EQ(full->exited, 0);
    EXPECT_EQ(MemberIds(baby->id), (std::vector<int64_t>{1, 2, 4}));
}

}  // namespace
}  // namespace yutang::audience
