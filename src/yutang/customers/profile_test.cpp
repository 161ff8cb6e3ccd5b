// The profile store on SQLite and on a real PostgreSQL: attributes, tags, notes, consent,
// owner, and what a merge and an erasure do to them.
#include "yutang/customers/profile.hpp"

#include <gtest/gtest.h>

#include "yutang/customers/resolver.hpp"

#include "tests/support/postgres_server.hpp"
#include "tests/support/test_store.hpp"

namespace yutang::customers {
namespace {

const TenantId kTenant(1);

class ProfileTest : public ::testing::TestWithParam<std::string> {
  protected:
    void SetUp() override {
        db_ = testing::OpenBackendTestStore(GetParam(), dir_, "yt_profile", clock_);
        if (IsSkipped()) return;
        ASSERT_NE(db_, nullptr);
        ASSERT_TRUE(InitCrypto().ok());
        ASSERT_TRUE(
            Write([&](store::Session& s) {
                return s.Execute("INSERT INTO tenants (tenant_id, name, created_at) VALUES (1, 'a', 0)").status();
            }).ok());
    }

    Status Write(const store::Work& work) { return db_->Write(work); }

    // A new customer known by a JD account.
    CustomerId NewCustomer(std::string_view jd) {
        CustomerId id;
        EXPECT_TRUE(Write([&](store::Session& s) -> Status {
                        YT_ASSIGN_OR_RETURN(
                            auto r, resolver_.Resolve(s, kTenant, {{IdentityKind::kJdBuyer, std::string(jd), ""}},
                                                      "import:jd"));
                        id = r.customer;
                        return OkStatus();
                    }).ok());
        return id;
    }

    testing::TempDir dir_;
    ManualClock clock_{Timestamp::FromSeconds(1795406067)};
    KeyRing keys_ = KeyRing::Generate();
    std::unique_ptr<store::Database> db_;
    IdentityResolver resolver_{keys_, clock_};
    ProfileStore profiles_{keys_, clock_};
};

TEST(AttributeValueTest, StringsThatAreDatesBecomeDates) {
    EXPECT_EQ(ClassifyString("2024-05-01").type, AttributeType::kDate);
    EXPECT_EQ(ClassifyString("2024-05-01T08:00:00+08:00"),
              (AttributeValue{AttributeType::kDateTime, "2024-05-01T00:00:00.000000Z"}));
    EXPECT_EQ(ClassifyString("2024-13-01").type, AttributeType::kString);
    EXPECT_EQ(ClassifyString("张三").type, AttributeType::kString);
    EXPECT_TRUE(ValidateAttributeName("baby_birthday", "f").ok());
    EXPECT_EQ(ValidateAttributeName("", "f").code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(ValidateAttributeName("a b", "f").code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(ValidateAttributeName(std::string(65, 'a'), "f").code(), ErrorCode::kInvalidArgument);
}

TEST(ConsentTest, TheLatestDecisionOfEachPurposeCounts) {
    const auto at = [](int64_t s) { return Timestamp::FromSeconds(s); };
    std::vector<ConsentRecord> history = {
        {1, "marketing.sms", true, at(100), at(100), "console", "v1", std::nullopt},
        {2, "marketing.sms", false, at(300), at(300), "sms_reply", "v1", std::nullopt},
        {3, "marketing.wecom", true, at(200), at(200), "wecom", "v2", std::nullopt},
        // Learnt late but decided early: given_at decides, not the order of recording.
        {4, "marketing.wecom", false, at(150), at(400), "import", "v1", std::nullopt},
    };
    const auto current = CurrentConsent(history);
    ASSERT_EQ(current.size(), 2u);
    EXPECT_EQ(current[0].purpose, "marketing.sms");
    EXPECT_FALSE(current[0].granted);
    EXPECT_EQ(current[1].purpose, "marketing.wecom");
    EXPECT_TRUE(current[1].granted);
}

TEST_P(ProfileTest, AttributesAreTypedEncryptedAndRewrittenOnlyWhenChanged) {
    const CustomerId c = NewCustomer("jd_1");
    const int64_t ids[] = {c.value()};
    ASSERT_TRUE(Write([&](store::Session& s) -> Status {
                    const std::vector<AttributeInput> set = {
                        {"name", AttributeValue::String("王 小明")},
                        {"baby_birthday", ClassifyString("2025-03-08")},
                        {"vip_points", AttributeValue{AttributeType::kNumber, "1200"}},
                    };
                    YT_ASSIGN_OR_RETURN(int n, profiles_.SetAttributes(s, kTenant, c, set, "console"));
                    EXPECT_EQ(n, 3);
                    YT_ASSIGN_OR_RETURN(n, profiles_.SetAttributes(s, kTenant, c, set, "console"));
                    EXPECT_EQ(n, 0) << "the same values again change nothing";
                    const std::vector<AttributeInput> update = {{"vip_points", std::nullopt},
                                                                {"gender", AttributeValue::String("female")}};
                    YT_ASSIGN_OR_RETURN(n, profiles_.SetAttributes(s, kTenant, c, update, "segment"));
                    EXPECT_EQ(n, 2);
                    return OkStatus();
                }).ok());
    ASSERT_TRUE(db_->Read([&](store::Session& s) -> Status {
                       YT_ASSIGN_OR_RETURN(auto attributes, profiles_.Attributes(s, kTenant, ids));
                       EXPECT_EQ(attributes.size(), 3u);
                       EXPECT_EQ(attributes[0].name, "baby_birthday");
                       EXPECT_EQ(attributes[0].value.type, AttributeType::kDate);
                       EXPECT_EQ(attributes[1].name, "gender");
                       EXPECT_EQ(attributes[1].source, "segment");
                       EXPECT_EQ(attributes[2].value.text, "王 小明");
                       // Found by name, whatever the spacing and ASCII case.
                       YT_ASSIGN_OR_RETURN(auto found, profiles_.FindByName(s, kTenant, "  王   小明 "));
                       EXPECT_EQ(found, std::vector<CustomerId>{c});
                       YT_ASSIGN_OR_RETURN(found, profiles_.FindByName(s, kTenant, "王小明"));
                       EXPECT_TRUE(found.empty());
                       YT_ASSIGN_OR_RETURN(auto rows, s.Query("SELECT value_cipher FROM customer_attributes"));
                       for (const auto& row : rows) EXPECT_EQ(row.Text(0).find("小明"), std::string::npos);
                       return OkStatus();
                   })
                    .ok());
    const std::vector<AttributeInput> bad = {{"bad name", AttributeValue::String("x")}};
    const Status refused =
        Write([&](store::Session& s) { return profiles_.SetAttributes(s, kTenant, c, bad, "console").status(); });
    EXPECT_EQ(refused.code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(refused.field(), "attributes.bad name");
}

TEST_P(ProfileTest, LastSeenMovesForwardByTheHourForOneOrManyCustomers) {
    // 70 customers: more than one query's worth. Customer i was last seen i minutes ago (the
    // first never), and is now seen again at `now`.
    const Timestamp now = clock_.Now();
    std::vector<CustomerId> customers;
    for (int i = 0; i < 70; ++i) customers.push_back(NewCustomer("jd_seen_" + std::to_string(i)));
    ASSERT_TRUE(db_->Write([&](store::Session& s) -> Status {
                       for (size_t i = 1; i < 70; ++i) {
                           YT_TRY(profiles_.MarkSeen(s, kTenant, customers[i],
                                                     now - std::chrono::minutes(static_cast<int64_t>(i))));
                       }
                       std::vector<std::pair<int64_t, Timestamp>> seen;
                       for (CustomerId c : customers) seen.emplace_back(c.value(), now);
                       return profiles_.MarkSeen(s, kTenant, seen).status();
                   })
                    .ok());
    ASSERT_TRUE(db_->Read([&](store::Session& s) -> Status {
                       for (size_t i = 0; i < 70; ++i) {
                           YT_ASSIGN_OR_RETURN(auto stored, profiles_.OwnerAndSourceOf(s, kTenant, customers[i]));
                           // Up to an hour old the stored time stays; older, it moves.
                           const Timestamp expected =
                               i == 0 || i > 60 ? now : now - std::chrono::minutes(static_cast<int64_t>(i));
                           EXPECT_EQ(stored.last_seen_at, std::optional<Timestamp>(expected)) << "customer " << i;
                       }
                       return OkStatus();
                   })
                    .ok());
}

TEST(LastSeenHintsTest, LeavesOutOnlyCustomersMarkSeenWouldNotMove) {
    const Timestamp t = Timestamp::FromSeconds(1795406067);
    const auto minutes = [](int64_t n) { return std::chrono::minutes(n); };
    LastSeenHints hints(/*capacity=*/4);
    using Seen = std::vector<std::pair<int64_t, Timestamp>>;
    const Seen first = {{1, t}, {2, t}};
    // Nothing known yet: every customer is read.
    EXPECT_EQ(hints.Unsettled(TenantId(1), first), first);
    hints.Committed(TenantId(1), first);
    // Within the hour after a stored time: left out. Past it, or another merchant's customer
    // with the same id, or a customer never marked: kept.
    const Seen later = {{1, t + minutes(59)}, {2, t + minutes(61)}, {3, t}};
    EXPECT_EQ(hints.Unsettled(TenantId(1), later), (Seen{{2, t + minutes(61)}, {3, t}}));
    EXPECT_EQ(hints.Unsettled(TenantId(2), Seen{{1, t}}), (Seen{{1, t}}));
    // An earlier time than the one known is left out (the stored time never moves back).
    EXPECT_EQ(hints.Unsettled(TenantId(1), Seen{{1, t - minutes(300)}}), Seen{});
    // Past its capacity it forgets, and reads again.
    hints.Committed(TenantId(1), Seen{{3, t}, {4, t}, {5, t}});
    EXPECT_EQ(hints.Unsettled(TenantId(1), Seen{{1, t}}), (Seen{{1, t}}));
    EXPECT_EQ(hints.Unsettled(TenantId(1), Seen{{5, t}}), Seen{});
}

TEST_P(ProfileTest, AttributeLimitsHold) {
    ProfileStore small(keys_, clock_, {.max_name_bytes = 64, .max_value_bytes = 8, .max_per_customer = 2});
    const CustomerId c = NewCustomer("jd_2");
    const std::vector<AttributeInput> too_long = {{"a", AttributeValue::String("123456789")}};
    EXPECT_EQ(
        Write([&](store::Session& s) { return small.SetAttributes(s, kTenant, c, too_long, "t").status(); }).code(),
        ErrorCode::kInvalidArgument);
    const std::vector<AttributeInput> three = {
        {"a", AttributeValue::String("1")}, {"b", AttributeValue::String("2")}, {"c", AttributeValue::String("3")}};
    EXPECT_EQ(Write([&](store::Session& s) { return small.SetAttributes(s, kTenant, c, three, "t").status(); }).code(),
              ErrorCode::kResourceExhausted);
}

TEST_P(ProfileTest, TagsLiveInGroupsAndExclusiveGroupsHoldOne) {
    const CustomerId c = NewCustomer("jd_3");
    const int64_t ids[] = {c.value()};
    Tag baby, gold, silver;
    ASSERT_TRUE(
        Write([&](store::Session& s) -> Status {
            YT_ASSIGN_OR_RETURN(baby, profiles_.EnsureTag(s, kTenant, "", "母婴"));
            EXPECT_EQ(baby.group, kDefaultTagGroup);
            YT_ASSIGN_OR_RETURN(Tag again, profiles_.EnsureTag(s, kTenant, "", " 母婴 "));
            EXPECT_EQ(again.id, baby.id);
            YT_ASSIGN_OR_RETURN(TagGroup level, profiles_.CreateTagGroup(s, kTenant, "会员等级", true));
            EXPECT_EQ(profiles_.CreateTagGroup(s, kTenant, "会员等级", false).status().code(),
                      ErrorCode::kAlreadyExists);
            YT_ASSIGN_OR_RETURN(gold, profiles_.CreateTag(s, kTenant, level.id, "金卡"));
            YT_ASSIGN_OR_RETURN(silver, profiles_.CreateTag(s, kTenant, level.id, "银卡"));
            EXPECT_EQ(profiles_.CreateTag(s, kTenant, level.id, "金卡").status().code(), ErrorCode::kAlreadyExists);
            EXPECT_EQ(profiles_.CreateTag(s, kTenant, 999, "x").status().code(), ErrorCode::kNotFound);
            YT_TRY(profiles_.AddTag(s, kTenant, c, baby.id, "console", StaffId(7)));
            YT_TRY(profiles_.AddTag(s, kTenant, c, baby.id, "console", StaffId(7)));  // no-op
            YT_TRY(profiles_.AddTag(s, kTenant, c, silver.id, "console", StaffId(7)));
            YT_TRY(profiles_.AddTag(s, kTenant, c, gold.id, "rule", std::nullopt));  // replaces 银卡
            EXPECT_EQ(profiles_.AddTag(s, kTenant, c, 999, "console", std::nullopt).code(), ErrorCode::kNotFound);
            return OkStatus();
        }).ok());
    ASSERT_TRUE(db_->Read([&](store::Session& s) -> Status {
                       YT_ASSIGN_OR_RETURN(auto held, profiles_.CustomerTags(s, kTenant, ids));
                       EXPECT_EQ(held.size(), 2u);
                       EXPECT_EQ(held[0].tag.name, "母婴");
                       EXPECT_EQ(held[0].tagged_by, std::optional<StaffId>(StaffId(7)));
                       EXPECT_EQ(held[1].tag.name, "金卡");
                       EXPECT_EQ(held[1].source, "rule");
                       YT_ASSIGN_OR_RETURN(auto tags, profiles_.Tags(s, kTenant));
                       EXPECT_EQ(tags.size(), 3u);
                       for (const Tag& t : tags) EXPECT_EQ(t.customers, t.id == silver.id ? 0 : 1) << t.name;
                       return OkStatus();
                   })
                    .ok());
    ASSERT_TRUE(Write([&](store::Session& s) -> Status {
                    YT_TRY(profiles_.DeleteTag(s, kTenant, gold.id));
                    YT_TRY(profiles_.DeleteTag(s, kTenant, gold.id));  // again: no-op
                    EXPECT_EQ(profiles_.DeleteTag(s, kTenant, 999).code(), ErrorCode::kNotFound);
                    EXPECT_EQ(profiles_.AddTag(s, kTenant, c, gold.id, "console", std::nullopt).code(),
                              ErrorCode::kNotFound);
                    YT_ASSIGN_OR_RETURN(auto tags, profiles_.Tags(s, kTenant));
                    EXPECT_EQ(tags.size(), 2u) << "deleted tags are not listed";
                    YT_ASSIGN_OR_RETURN(Tag back, profiles_.CreateTag(s, kTenant, gold.group_id, "金卡"));
                    EXPECT_EQ(back.id, gold.id) << "the name brings the same tag back";
                    YT_TRY(profiles_.RemoveTag(s, kTenant, c, baby.id));
                    YT_ASSIGN_OR_RETURN(auto held, profiles_.CustomerTags(s, kTenant, ids));
                    EXPECT_TRUE(held.empty());
                    return OkStatus();
                }).ok());
}

TEST_P(ProfileTest, NotesAreEncryptedAndNewestFirst) {
    const CustomerId c = NewCustomer("jd_4");
    const int64_t ids[] = {c.value()};
    ASSERT_TRUE(Write([&](store::Session& s) -> Status {
                    YT_TRY(profiles_.AddNote(s, kTenant, c, "宝宝 3 个月，喜欢安静", StaffId(3)).status());
                    clock_.Advance(std::chrono::seconds(5));
                    YT_TRY(profiles_.AddNote(s, kTenant, c, "已回访", StaffId(4)).status());
                    EXPECT_EQ(profiles_.AddNote(s, kTenant, c, "  ", StaffId(4)).status().field(), "body");
                    EXPECT_EQ(profiles_.AddNote(s, kTenant, c, std::string(2001, 'x'), StaffId(4)).status().code(),
                              ErrorCode::kInvalidArgument);
                    return OkStatus();
                }).ok());
    ASSERT_TRUE(db_->Read([&](store::Session& s) -> Status {
                       YT_ASSIGN_OR_RETURN(auto notes, profiles_.Notes(s, kTenant, ids));
                       EXPECT_EQ(notes.size(), 2u);
                       EXPECT_EQ(notes[0].body, "已回访");
                       EXPECT_EQ(notes[1].author, std::optional<StaffId>(StaffId(3)));
                       YT_ASSIGN_OR_RETURN(auto rows, s.Query("SELECT body_cipher FROM customer_notes"));
                       for (const auto& row : rows) EXPECT_EQ(row.Text(0).find("回访"), std::string::npos);
                       return OkStatus();
                   })
                    .ok());
}

TEST_P(ProfileTest, ConsentIsAnAppendOnlyLedger) {
    const CustomerId c = NewCustomer("jd_5");
    const int64_t ids[] = {c.value()};
    ASSERT_TRUE(
        Write([&](store::Session& s) -> Status {
            YT_TRY(profiles_
                       .RecordConsent(s, kTenant, c,
                                      {.purpose = "marketing.wecom",
                                       .granted = true,
                                       .source = "wecom",
                                       .notice_version = "2026-01",
                                       .recorded_by = StaffId(2)})
                       .status());
            clock_.Advance(std::chrono::seconds(1));
            YT_TRY(
                profiles_
                    .RecordConsent(s, kTenant, c, {.purpose = "marketing.wecom", .granted = false, .source = "wecom"})
                    .status());
            EXPECT_EQ(profiles_.RecordConsent(s, kTenant, c, {.purpose = "spam", .source = "x"}).status().field(),
                      "purpose");
            EXPECT_EQ(
                profiles_.RecordConsent(s, kTenant, c, {.purpose = "marketing.sms", .source = ""}).status().field(),
                "source");
            EXPECT_EQ(
                profiles_
                    .RecordConsent(
                        s, kTenant, c,
                        {.purpose = "marketing.sms", .given_at = clock_.Now() + std::chrono::hours(1), .source = "x"})
                    .status()
                    .field(),
                "given_at");
            return OkStatus();
        }).ok());
    ASSERT_TRUE(db_->Read([&](store::Session& s) -> Status {
                       YT_ASSIGN_OR_RETURN(auto history, profiles_.ConsentHistory(s, kTenant, ids));
                       EXPECT_EQ(history.size(), 2u);
                       const auto current = CurrentConsent(history);
                       EXPECT_EQ(current.size(), 1u);
                       EXPECT_FALSE(current.at(0).granted);
                       return OkStatus();
                   })
                    .ok());
    EXPECT_FALSE(
        Write([&](store::Session& s) { return s.Execute("UPDATE consent_records SET granted = 1").status(); }).ok());
    EXPECT_FALSE(Write([&](store::Session& s) { return s.Execute("DELETE FROM consent_records").status(); }).ok());
}

TEST_P(ProfileTest, AMergeMovesTheProfileAndTheWinnerKeepsItsOwn) {
    const CustomerId winner = NewCustomer("jd_w");
    const CustomerId loser = NewCustomer("jd_l");
    ASSERT_TRUE(Write([&](store::Session& s) -> Status {
                    YT_ASSIGN_OR_RETURN(TagGroup level, profiles_.CreateTagGroup(s, kTenant, "会员等级", true));
                    YT_ASSIGN_OR_RETURN(Tag gold, profiles_.CreateTag(s, kTenant, level.id, "金卡"));
                    YT_ASSIGN_OR_RETURN(Tag silver, profiles_.CreateTag(s, kTenant, level.id, "银卡"));
                    YT_ASSIGN_OR_RETURN(Tag baby, profiles_.EnsureTag(s, kTenant, "", "母婴"));
                    YT_TRY(profiles_.AddTag(s, kTenant, winner, gold.id, "console", std::nullopt));
                    YT_TRY(profiles_.AddTag(s, kTenant, loser, silver.id, "console", std::nullopt));
                    YT_TRY(profiles_.AddTag(s, kTenant, loser, baby.id, "console", std::nullopt));
                    const std::vector<AttributeInput> w = {{"gender", AttributeValue::String("female")}};
                    const std::vector<AttributeInput> l = {{"gender", AttributeValue::String("male")},
                                                           {"city", AttributeValue::String("杭州")}};
                    YT_TRY(profiles_.SetAttributes(s, kTenant, winner, w, "segment").status());
                    YT_TRY(profiles_.SetAttributes(s, kTenant, loser, l, "segment").status());
                    YT_TRY(profiles_.AddNote(s, kTenant, loser, "老客户", std::nullopt).status());
                    YT_TRY(profiles_.SetOwner(s, kTenant, loser, StaffId(9)));
                    YT_TRY(profiles_.MarkSeen(s, kTenant, loser, clock_.Now()));
                    YT_TRY(profiles_
                               .RecordConsent(s, kTenant, loser,
                                              {.purpose = "marketing.sms", .granted = true, .source = "import"})
                               .status());
                    // One order names both accounts: the two are one person.
                    YT_ASSIGN_OR_RETURN(auto r, resolver_.Resolve(s, kTenant,
                                                                  {{IdentityKind::kJdBuyer, "jd_w", ""},
                                                                   {IdentityKind::kJdBuyer, "jd_l", ""}},
                                                                  "import:jd"));
                    EXPECT_EQ(r.customer, winner);
                    EXPECT_EQ(r.merged, std::vector<CustomerId>{loser});
                    return OkStatus();
                }).ok());
    const int64_t ids[] = {winner.value(), loser.value()};
    ASSERT_TRUE(db_->Read([&](store::Session& s) -> Status {
                       YT_ASSIGN_OR_RETURN(auto tags, profiles_.CustomerTags(s, kTenant, ids));
                       std::vector<std::string> names;
                       for (const auto& t : tags) names.push_back(t.tag.name);
                       EXPECT_EQ(names, (std::vector<std::string>{"金卡", "母婴"})) << "银卡 lost to the winner's 金卡";
                       YT_ASSIGN_OR_RETURN(auto attributes, profiles_.Attributes(s, kTenant, ids));
                       if (attributes.size() != 2u) return Internal("expected 2 attributes");
                       EXPECT_EQ(attributes[0].name, "city");
                       EXPECT_EQ(attributes[1].value.text, "female") << "the winner's value wins";
                       YT_ASSIGN_OR_RETURN(auto notes, profiles_.Notes(s, kTenant, ids));
                       EXPECT_EQ(notes.size(), 1u);
                       EXPECT_EQ(notes.at(0).customer, winner);
                       YT_ASSIGN_OR_RETURN(auto owner, profiles_.OwnerAndSourceOf(s, kTenant, winner));
                       EXPECT_EQ(owner.owner, std::optional<StaffId>(StaffId(9)));
                       EXPECT_EQ(owner.source_channel, "import:jd");
                       EXPECT_TRUE(owner.last_seen_at.has_value());
                       YT_ASSIGN_OR_RETURN(auto consent, profiles_.ConsentHistory(s, kTenant, ids));
                       EXPECT_EQ(consent.size(), 1u) << "read through the merged id";
                       return OkStatus();
                   })
                    .ok());
}

TEST_P(ProfileTest, ErasureRemovesThePersonalPartsAndKeepsTheConsentEvidence) {
    const CustomerId c = NewCustomer("jd_6");
    const int64_t ids[] = {c.value()};
    ASSERT_TRUE(Write([&](store::Session& s) -> Status {
                    const std::vector<AttributeInput> a = {{"name", AttributeValue::String("李雷")}};
                    YT_TRY(profiles_.SetAttributes(s, kTenant, c, a, "console").status());
                    YT_ASSIGN_OR_RETURN(Tag t, profiles_.EnsureTag(s, kTenant, "", "母婴"));
                    YT_TRY(profiles_.AddTag(s, kTenant, c, t.id, "console", std::nullopt));
                    YT_TRY(profiles_.AddNote(s, kTenant, c, "note", std::nullopt).status());
                    YT_TRY(profiles_.SetOwner(s, kTenant, c, StaffId(5)));
                    YT_TRY(
                        profiles_.RecordConsent(s, kTenant, c, {.purpose = "marketing.sms", .source = "x"}).status());
                    return profiles_.Erase(s, kTenant, ids);
                }).ok());
    ASSERT_TRUE(db_->Read([&](store::Session& s) -> Status {
                       YT_ASSIGN_OR_RETURN(auto attributes, profiles_.Attributes(s, kTenant, ids));
                       EXPECT_TRUE(attributes.empty());
                       YT_ASSIGN_OR_RETURN(auto tags, profiles_.CustomerTags(s, kTenant, ids));
                       EXPECT_TRUE(tags.empty());
                       YT_ASSIGN_OR_RETURN(auto notes, profiles_.Notes(s, kTenant, ids));
                       EXPECT_TRUE(notes.empty());
                       YT_ASSIGN_OR_RETURN(auto owner, profiles_.OwnerAndSourceOf(s, kTenant, c));
                       EXPECT_FALSE(owner.owner.has_value());
                       YT_ASSIGN_OR_RETURN(auto found, profiles_.FindByName(s, kTenant, "李雷"));
                       EXPECT_TRUE(found.empty());
                       YT_ASSIGN_OR_RETURN(auto consent, profiles_.ConsentHistory(s, kTenant, ids));
                       EXPECT_EQ(consent.size(), 1u);
                       return OkStatus();
                   })
                    .ok());
}

INSTANTIATE_TEST_SUITE_P(Backends, ProfileTest, ::testing::Values("sqlite", "postgres"),
                         [](const auto& param_info) { return param_info.param; });

}  // namespace
}  // namespace yutang::customers
