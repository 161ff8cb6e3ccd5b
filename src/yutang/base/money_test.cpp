#include "yutang/base/money.hpp"

#include <limits>

#include <gtest/gtest.h>

namespace yutang {
namespace {

struct ParseCase {
    const char* text;
    int64_t fen;
};

class ParseYuanValid : public ::testing::TestWithParam<ParseCase> {};

TEST_P(ParseYuanValid, Parses) {
    auto money = ParseYuan(GetParam().text);
    ASSERT_TRUE(money.ok()) << GetParam().text << ": " << money.status().ToString();
    EXPECT_EQ(money->fen(), GetParam().fen) << GetParam().text;
}

INSTANTIATE_TEST_SUITE_P(Money, ParseYuanValid,
                         ::testing::Values(ParseCase{"12.3", 1230}, ParseCase{"1,234.50", 123450}, ParseCase{"0", 0},
                                           ParseCase{"0.01", 1}, ParseCase{"-0.01", -1}, ParseCase{"+5", 500},
                                           ParseCase{"  7.00 ", 700}, ParseCase{"1,234,567.89", 123456789},
                                           ParseCase{"999", 99900},
                                           ParseCase{"92233720368547758.07", std::numeric_limits<int64_t>::max()},
                                           ParseCase{"-92233720368547758.08", std::numeric_limits<int64_t>::min()}));

class ParseYuanInvalid : public ::testing::TestWithParam<const char*> {};

TEST_P(ParseYuanInvalid, RejectsWithInvalidArgument) {
    auto money = ParseYuan(GetParam(), "total");
    ASSERT_FALSE(money.ok()) << GetParam();
    EXPECT_EQ(money.status().code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(money.status().field(), "total");
}

INSTANTIATE_TEST_SUITE_P(Money, ParseYuanInvalid,
                         ::testing::Values("12.345", "abc", "", " ", "-", ".5", "12.", "1,23", "12,345,6", ",123",
                                           "1,2,3", "1234,567", "1.2.3", "1e3", "12.3a", "¥12", "0x10", "--1",
                                           "92233720368547758.08", "-92233720368547758.09", "100000000000000000000"));

TEST(FormatYuan, FormatsTwoDecimals) {
    EXPECT_EQ(FormatYuan(Money::FromFen(123450)), "1234.50");
    EXPECT_EQ(FormatYuan(Money::FromFen(123450), Grouping::kThousands), "1,234.50");
    EXPECT_EQ(FormatYuan(Money::FromFen(-1)), "-0.01");
    EXPECT_EQ(FormatYuan(Money::FromFen(0)), "0.00");
    EXPECT_EQ(FormatYuan(Money::FromFen(100000000), Grouping::kThousands), "1,000,000.00");
    EXPECT_EQ(FormatYuan(Money::FromFen(std::numeric_limits<int64_t>::min())), "-92233720368547758.08");
}

TEST(FormatYuan, RoundTripsThroughParse) {
    for (int64_t fen : {int64_t{0}, int64_t{1}, int64_t{-99}, int64_t{123456789}, int64_t{-100000}}) {
        for (Grouping g : {Grouping::kNone, Grouping::kThousands}) {
            auto back = ParseYuan(FormatYuan(Money::FromFen(fen), g));
            ASSERT_TRUE(back.ok());
            EXPECT_EQ(back->fen(), fen);
        }
    }
}

TEST(Money, CheckedArithmeticReportsOverflow) {
    const Money max = Money::FromFen(std::numeric_limits<int64_t>::max());
    EXPECT_EQ(max.Add(Money::FromFen(1)).status().code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(Money::FromFen(std::numeric_limits<int64_t>::min()).Subtract(Money::FromFen(1)).status().code(),
              ErrorCode::kInvalidArgument);
    EXPECT_EQ(Money::FromFen(5).Add(Money::FromFen(7))->fen(), 12);
}

}  // namespace
}  // namespace yutang
