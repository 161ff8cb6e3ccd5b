#include "yutang/imports/internal/cells.hpp"

#include <gtest/gtest.h>

namespace yutang::imports::internal {
namespace {

TEST(CleanCellTest, RemovesExportQuirks) {
    struct Case {
        std::string in;
        std::string out;
    };
    for (const Case& c : std::vector<Case>{{"=\"10000000000000001\"", "10000000000000001"},
                                           {"=\"\"", ""},
                                           {"\t6917926768823643751", "6917926768823643751"},
                                           {"\t", ""},
                                           {"-", ""},
                                           {"  交易成功 ", "交易成功"},
                                           {"-5", "-5"},
                                           {"1******6198", "1******6198"}}) {
        EXPECT_EQ(CleanCell(c.in), c.out) << c.in;
    }
    EXPECT_EQ(CleanPhone("'138"
                         "0000"
                         "1111"),
              "138"
              "0000"
              "1111");
    EXPECT_EQ(CleanPhone("#ptv8#abc#"), "#ptv8#abc#");
    EXPECT_EQ(NormalizeHeader("收货地址 "), "收货地址");
    EXPECT_EQ(NormalizeHeader("商品总价（元）"), "商品总价(元)");
}

TEST(ParseAmountCellTest, ReadsPlatformAmounts) {
    struct Case {
        std::string in;
        int64_t fen;
    };
    for (const Case& c : std::vector<Case>{{"201.12", 20112},
                                           {"0元", 0},
                                           {"499.00（系统计算中，该值仅供参考）", 49900},
                                           {"499.00(系统计算中)", 49900},
                                           {"178.8", 17880},
                                           {"0.0", 0},
                                           {"¥12", 1200},
                                           {"12.3000", 1230},
                                           {"1,234.50", 123450},
                                           {"\t9.90", 990}}) {
        auto parsed = ParseAmountCell(c.in, "总金额");
        ASSERT_TRUE(parsed.ok()) << c.in << ": " << parsed.status().ToString();
        ASSERT_TRUE(parsed->has_value()) << c.in;
        EXPECT_EQ((*parsed)->fen(), c.fen) << c.in;
    }
    for (std::string empty : {"", "-", "\t", "  "}) {
        auto parsed = ParseAmountCell(empty, "x");
        ASSERT_TRUE(parsed.ok());
        EXPECT_FALSE(parsed->has_value()) << empty;
    }
    for (std::string bad : {"十元", "12.345", "12.300000000000001", "1.2.3", "abc"}) {
        auto parsed = ParseAmountCell(bad, "总金额");
        ASSERT_FALSE(parsed.ok()) << bad;
        EXPECT_EQ(parsed.status().code(), ErrorCode::kInvalidArgument);
        EXPECT_EQ(parsed.status().field(), "总金额");
        EXPECT_EQ(parsed.status().message(), "not an amount");
    }
}

TEST(ParseDateTimeCellTest, ReadsExportAndExcelForms) {
    struct Case {
        std::string in;
        LocalDateTime out;
    };
    for (const Case& c :
         std::vector<Case>{{"2017-07-08 00:42:32", {.date = {2017, 7, 8}, .hour = 0, .minute = 42, .second = 32}},
                           {"2017/7/8 0:42", {.date = {2017, 7, 8}, .hour = 0, .minute = 42}},
                           {"2017-07-08T10:42:32.5",
                            {.date = {2017, 7, 8}, .hour = 10, .minute = 42, .second = 32, .microsecond = 500000}},
                           {"2017-07-08", {.date = {2017, 7, 8}}},
                           {"\t2017-07-08 23:59:59", {.date = {2017, 7, 8}, .hour = 23, .minute = 59, .second = 59}}}) {
        auto parsed = ParseDateTimeCell(c.in, "t");
        ASSERT_TRUE(parsed.ok()) << c.in;
        ASSERT_TRUE(parsed->has_value());
        EXPECT_EQ(**parsed, c.out) << c.in;
    }
    auto empty = ParseDateTimeCell("-", "t");
    ASSERT_TRUE(empty.ok());
    EXPECT_FALSE(empty->has_value());
    for (std::string bad : {"2017-02-30 00:00:00", "2017-07-08 24:00", "17-07-08", "2017-07-08 10", "2017.07.08",
                            "2017-07-08 10:00:00x", "yesterday", "2017-7/8 0:42"}) {
        auto parsed = ParseDateTimeCell(bad, "订单创建时间");
        ASSERT_FALSE(parsed.ok()) << bad;
        EXPECT_EQ(parsed.status().field(), "订单创建时间");
    }
}

TEST(ParseQuantityCellTest, ReadsCounts) {
    EXPECT_EQ(ParseQuantityCell("3", "n")->value(), 3);
    EXPECT_EQ(ParseQuantityCell("2.0", "n")->value(), 2);
    EXPECT_FALSE(ParseQuantityCell("-", "n")->has_value());
    for (std::string bad : {"0", "-1", "1.5", "两", "99999999999999999999"})
        EXPECT_FALSE(ParseQuantityCell(bad, "n").ok()) << bad;
}

TEST(SplitRegionTest, FindsProvinceAndCity) {
    struct Case {
        std::string address;
        std::string province;
        std::string city;
    };
    for (const Case& c : std::vector<Case>{{"浙江省 杭州市 西湖区 文三路1号(310000)", "浙江省", "杭州市"},
                                           {"广东省深圳市南山区科技园1号", "广东省", "深圳市"},
                                           {"北京市朝阳区三里屯路1号", "北京市", "北京市"},
                                           {"内蒙古自治区呼和浩特市新城区1号", "内蒙古自治区", "呼和浩特市"},
                                           {"上海", "上海", ""},
                                           {"", "", ""}}) {
        Region region = SplitRegion(c.address);
        EXPECT_EQ(region.province, c.province) << c.address;
        EXPECT_EQ(region.city, c.city) << c.address;
    }
}

}  // namespace
}  // namespace yutang::imports::internal
