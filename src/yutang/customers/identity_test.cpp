#include "yutang/customers/identity.hpp"

#include <set>

#include <gtest/gtest.h>

namespace yutang::customers {
namespace {

using K = IdentityKind;

struct Case {
    K kind;
    const char* input;
    bool usable;
    const char* value;  // usable: the normalised value; else the reason
    const char* hint;
};

class NormalizeTest : public ::testing::TestWithParam<Case> {};

TEST_P(NormalizeTest, Normalizes) {
    const Case& c = GetParam();
    auto n = NormalizeIdentity({c.kind, c.input, ""});
    ASSERT_TRUE(n.ok()) << c.input << ": " << n.status().ToString();
    EXPECT_EQ(n->usable, c.usable) << c.input;
    EXPECT_EQ(c.usable ? n->value : n->refused_because, c.value) << c.input;
    EXPECT_EQ(n->hint, c.hint) << c.input;
}

INSTANTIATE_TEST_SUITE_P(
    Identity, NormalizeTest,
    ::testing::Values(
        // Mainland mobiles in the shapes exports and forms produce.
        Case{K::kPhone,
             "138"
             "1234"
             "5678",
             true, "+8613812345678", "138****5678"},
        Case{K::kPhone, "+86 138-1234-5678", true, "+8613812345678", "138****5678"},
        Case{K::kPhone, "8613812345678", true, "+8613812345678", "138****5678"},
        Case{K::kPhone,
             "0086 138"
             "1234"
             "5678",
             true, "+8613812345678", "138****5678"},
        Case{K::kPhone,
             "'138"
             "1234"
             "5678",
             true, "+8613812345678", "138****5678"},  // Taobao's leading '
        Case{K::kPhone,
             " 86-139"
             "1234"
             "5678 ",
             true, "+8613912345678", "139****5678"},
        Case{K::kPhone, "+1 (415) 555-2671", true,
             "+141"
             "5555"
             "2671",
             "****2671"},
        // What platforms export instead of a phone: never an identity.
        Case{K::kPhone, "1******6198", false, "masked", "1******6198"},          // 京东
        Case{K::kPhone, "$a1b2$c3d4$", false, "encrypted", "已加密 encrypted"},  // 抖店
        Case{K::kPhone, "##密文", false, "encrypted", "已加密 encrypted"},
        Case{K::kPhone, "#x9#y8#", false, "encrypted", "已加密 encrypted"},
        Case{K::kPhone, "", false, "placeholder", ""}, Case{K::kPhone, "0", false, "placeholder", ""},
        Case{K::kPhone, "-", false, "placeholder", ""},  // 抖店 empty cell
        Case{K::kUserId, "null", false, "placeholder", ""}, Case{K::kUserId, "NULL", false, "placeholder", ""},
        Case{K::kUserId, "-1", false, "placeholder", ""}, Case{K::kAnonymousId, "anonymous", false, "placeholder", ""},
        Case{K::kUserId, "undefined", false, "placeholder", ""},
        Case{K::kEmail, "Alice@Example.COM ", true, "alice@example.com", "a***@example.com"},
        Case{K::kEmail, "a***@example.com", false, "masked", "a***@example.com"},
        Case{K::kJdBuyer, "jd_5f3a9c", true, "jd_5f3a9c", "j***c"},
        Case{K::kTaobaoBuyer, "\t小明的店铺", true, "小明的店铺", "小***铺"}));

TEST(NormalizeIdentity, RejectsValuesOfTheWrongShape) {
    for (const char* bad : {"abc", "12345", "010-12345678", "1381234567x"}) {
        auto n = NormalizeIdentity({K::kPhone, bad, ""});
        EXPECT_EQ(n.status().code(), ErrorCode::kInvalidArgument) << bad;
        EXPECT_EQ(n.status().field(), "value");
    }
    EXPECT_EQ(NormalizeIdentity({K::kEmail, "no-at-sign", ""}).status().code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(NormalizeIdentity({K::kWechatOpenId, "o6_bmjrPTlm6", ""}).status().field(), "scope");
    EXPECT_EQ(NormalizeIdentity({K::kUserId, std::string(257, 'x'), ""}).status().code(), ErrorCode::kInvalidArgument);
}

TEST(NormalizeIdentity, OpenIdsAreScopedByApp) {
    auto a = NormalizeIdentity({K::kWechatOpenId, "o6_bmjrPTlm6", "wx1234"});
    auto b = NormalizeIdentity({K::kWechatOpenId, "o6_bmjrPTlm6", "wx9999"});
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_EQ(a->value, "wx1234:o6_bmjrPTlm6");
    EXPECT_NE(a->value, b->value);
}

TEST(IdentityKinds, NamesRoundTripAndRulesAreSane) {
    std::set<std::string_view> names;
    for (IdentityKind k : AllIdentityKinds()) {
        EXPECT_EQ(*ParseIdentityKind(IdentityKindName(k)), k);
        names.insert(IdentityKindName(k));
        EXPECT_GE(RuleFor(k).max_per_customer, 1);
    }
    EXPECT_EQ(names.size(), AllIdentityKinds().size());
    EXPECT_EQ(RuleFor(K::kUserId).max_per_customer, 1);
    EXPECT_EQ(RuleFor(K::kWechatUnionId).max_per_customer, 1);
    EXPECT_TRUE(RuleFor(K::kPhone).personal);
    EXPECT_EQ(ParseIdentityKind("qq").status().field(), "kind");
}

}  // namespace
}  // namespace yutang::customers
