#include "yutang/events/customer_edits.hpp"

#include <gtest/gtest.h>

#include "yutang/base/time_zone.hpp"
#include "yutang/events/ingest.hpp"

#include "tests/support/test_store.hpp"

namespace yutang::events {
namespace {

using customers::AttributeValue;

// A merchant with an owner, a guide and a second guide; three customers from the SDK, the
// first two owned by the guide; one of them sent traits.
class CustomerEditorTest : public ::testing::Test {
  protected:
    void SetUp() override {
        db_ = testing::OpenTestStore(dir_, clock_);
        ASSERT_NE(db_, nullptr);
        staff_ = std::make_unique<staff::StaffService>(
            *db_, keys_, clock_, staff::StaffSettings{.password_hash = kMinimumPasswordHashParams});
        auto tenant =
            staff_->CreateTenant({.name = "店", .owner_email = "owner@example.com", .owner_password = "s3cret-pass-1"});
        ASSERT_TRUE(tenant.ok());
        tenant_ = tenant->id;
        const auto owner_actor = staff::Actor::System();
        auto guide = staff_->CreateStaff(tenant_, {.email = "g1@example.com", .role = staff::Role::kGuide},
                                         staff::Role::kOwner, owner_actor);
        auto other = staff_->CreateStaff(tenant_, {.email = "g2@example.com", .role = staff::Role::kGuide},
                                         staff::Role::kOwner, owner_actor);
        ASSERT_TRUE(guide.ok() && other.ok());
        guide_ = guide->account.id;
        other_guide_ = other->account.id;
        batcher_ = std::make_unique<store::WriteBatcher>(*db_);
        ingest_ = std::make_unique<Ingestor>(*batcher_, resolver_, orders_, keys_, clock_);
        records_ = std::make_unique<CustomerRecords>(*db_, resolver_, orders_, keys_, clock_);
        editor_ = std::make_unique<CustomerEditor>(*db_, resolver_, *staff_, keys_, clock_);
        ASSERT_TRUE(ingest_
                        ->IngestBatch(tenant_, R"({"batch":[
            {"type":"identify","userId":"u-1","traits":{"name":"王小明","gender":"male","vip":true,
             "points":120,"baby_birthday":"2025-06-01","address":{"city":"杭州"},"First Name":"x"}},
            {"type":"track","userId":"u-2","event":"Product Viewed","timestamp":"2026-11-20T08:00:00Z"},
            {"type":"track","userId":"u-2","event":"Product Viewed","timestamp":"2026-11-21T08:00:00Z"},
            {"type":"track","userId":"u-3","event":"Product Viewed"}]})")
                        .ok());
        for (const char* user : {"u-1", "u-2", "u-3"}) {
            auto found = records_->Search(tenant_, user);
            ASSERT_TRUE(found.ok() && found->size() == 1u) << user;
            customers_.push_back(found->front());
        }
        for (size_t i = 0; i < 2; ++i) {
            ASSERT_TRUE(
                editor_->Update(tenant_, customers_[i], {.owner = std::optional<StaffId>(guide_)}, actor_).ok());
        }
    }

    testing::TempDir dir_;
    ManualClock clock_{Timestamp::FromSeconds(1795406067)};
    KeyRing keys_ = KeyRing::Generate();
    std::unique_ptr<store::Database> db_;
    std::unique_ptr<staff::StaffService> staff_;
    customers::IdentityResolver resolver_{keys_, clock_};
    OrderStore orders_{keys_, clock_};
    std::unique_ptr<store::WriteBatcher> batcher_;
    std::unique_ptr<Ingestor> ingest_;
    std::unique_ptr<CustomerRecords> records_;
    std::unique_ptr<CustomerEditor> editor_;
    TenantId tenant_;
    StaffId guide_, other_guide_;
    std::vector<CustomerId> customers_;
    staff::Actor actor_ = staff::Actor::Staff(StaffId(1), "req", "127.0.0.1");
};

TEST_F(CustomerEditorTest, IdentifyTraitsBecomeTypedAttributesShownMasked) {
    auto profile = records_->Profile(tenant_, customers_[0]);
    ASSERT_TRUE(profile.ok());
    std::map<std::string, customers::AttributeValue> by_name;
    for (const auto& a : profile->attributes) by_name[a.name] = a.value;
    EXPECT_EQ(by_name.size(), 6u) << "email/phone are identities; 'First Name' is not an attribute name";
    EXPECT_EQ(by_name["name"].text, "王**");
    EXPECT_EQ(by_name["gender"].text, "male");
    EXPECT_EQ(by_name["vip"], (AttributeValue{customers::AttributeType::kBoolean, "true"}));
    EXPECT_EQ(by_name["points"], (AttributeValue{customers::AttributeType::kNumber, "120"}));
    EXPECT_EQ(by_name["baby_birthday"].type, customers::AttributeType::kDate);
    EXPECT_EQ(by_name["address"].text, "***");
    EXPECT_EQ(profile->source_channel, "segment");

    auto revealed = records_->Reveal(tenant_, customers_[0], actor_);
    ASSERT_TRUE(revealed.ok());
    bool name_seen = false;
    for (const auto& a : revealed->attributes) name_seen |= a.name == "name" && a.value.text == "王小明";
    EXPECT_TRUE(name_seen);
    // Found by name.
    auto found = records_->Search(tenant_, "王小明");
    ASSERT_TRUE(found.ok());
    EXPECT_EQ(*found, std::vector<CustomerId>{customers_[0]});
}

TEST_F(CustomerEditorTest, LastSeenIsTheLatestEvent) {
    auto profile = records_->Profile(tenant_, customers_[1]);
    ASSERT_TRUE(profile.ok());
    ASSERT_TRUE(profile->last_seen_at.has_value());
    EXPECT_EQ(FormatRfc3339(*profile->last_seen_at), "2026-11-21T08:00:00.000000Z");
}

TEST_F(CustomerEditorTest, GuidesSeeAndChangeOnlyTheirOwnCustomers) {
    const Viewer guide{guide_}, other{other_guide_};
    auto mine = records_->List(tenant_, {}, guide);
    ASSERT_TRUE(mine.ok());
    EXPECT_EQ(mine->total, 2);
    auto theirs = records_->List(tenant_, {}, other);
    ASSERT_TRUE(theirs.ok());
    EXPECT_EQ(theirs->total, 0);
    EXPECT_EQ(records_->Profile(tenant_, customers_[0], other).status().code(), ErrorCode::kNotFound);
    EXPECT_EQ(records_->Reveal(tenant_, customers_[0], actor_, other).status().code(), ErrorCode::kNotFound);
    EXPECT_TRUE(records_->Search(tenant_, "u-1", other)->empty());
    EXPECT_EQ(editor_->AddNote(tenant_, customers_[0], "hi", actor_, other).status().code(), ErrorCode::kNotFound);
    EXPECT_TRUE(editor_->AddNote(tenant_, customers_[0], "回访过", actor_, guide).ok());
    EXPECT_EQ(
        editor_->Update(tenant_, customers_[0], {.owner = std::optional<StaffId>(other_guide_)}, actor_, guide).code(),
        ErrorCode::kPermissionDenied);
}

TEST_F(CustomerEditorTest, OwnerChangesAreCheckedAndAudited) {
    EXPECT_EQ(editor_->Update(tenant_, customers_[2], {.owner = std::optional<StaffId>(StaffId(999))}, actor_).field(),
              "owner_staff_id");
    ASSERT_TRUE(editor_->Update(tenant_, customers_[2], {.owner = std::optional<StaffId>(other_guide_)}, actor_).ok());
    ASSERT_TRUE(editor_->Update(tenant_, customers_[2], {.owner = std::optional<StaffId>()}, actor_).ok());
    auto page = staff::ListAudit(*db_, tenant_, {});
    ASSERT_TRUE(page.ok());
    int changes = 0;
    for (const auto& e : page->entries) changes += e.action == "customer.owner_changed";
    EXPECT_EQ(changes, 4) << "two in SetUp, two here";
    auto unowned = records_->List(tenant_, {.unowned = true});
    ASSERT_TRUE(unowned.ok());
    EXPECT_EQ(unowned->total, 1);
}

TEST_F(CustomerEditorTest, TagsFilterTheListAndConsentIsRecorded) {
    auto group = editor_->CreateTagGroup(tenant_, "人群", false);
    ASSERT_TRUE(group.ok());
    auto baby = editor_->CreateTag(tenant_, group->id, "母婴");
    ASSERT_TRUE(baby.ok());
    const int64_t add[] = {baby->id};
    auto tags = editor_->ChangeTags(tenant_, customers_[1], add, {}, actor_);
    ASSERT_TRUE(tags.ok());
    ASSERT_EQ(tags->size(), 1u);
    EXPECT_EQ(tags->front().tagged_by, std::optional<StaffId>(StaffId(1)));
    EXPECT_EQ(editor_->ChangeTags(tenant_, customers_[1], std::span<const int64_t>({int64_t{999}}), {}, actor_)
                  .status()
                  .code(),
              ErrorCode::kNotFound);
    auto tagged = records_->List(tenant_, {.tag_id = baby->id});
    ASSERT_TRUE(tagged.ok());
    ASSERT_EQ(tagged->items.size(), 1u);
    EXPECT_EQ(tagged->items[0].id, customers_[1]);
    EXPECT_EQ(tagged->items[0].tags.at(0).name, "母婴");
    auto catalogue = editor_->Tags(tenant_);
    ASSERT_TRUE(catalogue.ok());
    EXPECT_EQ(catalogue->at(0).customers, 1);

    auto consent = editor_->RecordConsent(
        tenant_, customers_[1], {.purpose = "marketing.wecom", .granted = true, .notice_version = "v3"}, actor_);
    ASSERT_TRUE(consent.ok());
    EXPECT_EQ(consent->source, "console");
    EXPECT_EQ(consent->recorded_by, std::optional<StaffId>(StaffId(1)));
    auto profile = records_->Profile(tenant_, customers_[1]);
    ASSERT_TRUE(profile.ok());
    ASSERT_EQ(profile->consent.size(), 1u);
    EXPECT_TRUE(profile->consent[0].granted);
    EXPECT_EQ(profile->tags.size(), 1u);
}

TEST_F(CustomerEditorTest, TheListPagesNewestFirstAndFilters) {
    auto first = records_->List(tenant_, {.limit = 2});
    ASSERT_TRUE(first.ok());
    EXPECT_EQ(first->total, 3);
    ASSERT_EQ(first->items.size(), 2u);
    EXPECT_EQ(first->items[0].id, customers_[2]);
    EXPECT_EQ(first->next_before, customers_[1].value());
    auto second = records_->List(tenant_, {.before = first->next_before, .limit = 2});
    ASSERT_TRUE(second.ok());
    ASSERT_EQ(second->items.size(), 1u);
    EXPECT_EQ(second->items[0].id, customers_[0]);
    EXPECT_EQ(second->items[0].name, "王**");
    EXPECT_EQ(second->next_before, 0);

    EXPECT_EQ(records_->List(tenant_, {.lifecycle_stage = "prospect"})->total, 3);
    EXPECT_EQ(records_->List(tenant_, {.lifecycle_stage = "repeat"})->total, 0);
    EXPECT_EQ(records_->List(tenant_, {.lifecycle_stage = "vip"}).status().field(), "lifecycle_stage");
    EXPECT_EQ(records_->List(tenant_, {.source_channel = "seg"})->total, 3);
    EXPECT_EQ(records_->List(tenant_, {.source_channel = "import"})->total, 0);
    EXPECT_EQ(records_->List(tenant_, {.query = "u-2"})->total, 1);
    EXPECT_EQ(records_->List(tenant_, {.query = "nobody"})->total, 0);
    EXPECT_EQ(records_->List(tenant_, {.platform = "jd"})->total, 0);
    EXPECT_EQ(records_->List(tenant_, {.limit = 0}).status().field(), "limit");
}

}  // namespace
}  // namespace yutang::events
