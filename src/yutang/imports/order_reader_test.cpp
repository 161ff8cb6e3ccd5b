#include "yutang/imports/order_reader.hpp"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <gtest/gtest.h>
#include <unistd.h>

#include "yutang/base/time_zone.hpp"

#include "tests/support/export_files.hpp"
#include "tests/support/temp_dir.hpp"

namespace yutang::imports {
namespace {

using yutang::testing::kBom;
using yutang::testing::ToGbk;
using yutang::testing::WriteFile;

std::string Trimmed(std::string s) {
    while (!s.empty() && s.back() == ' ') s.pop_back();
    return s;
}

// Builds an export the way a back-end writes it: header names as given (with their trailing
// spaces), cells in header order, `="…"` cells unquoted, others quoted when `quote_all`.
class CsvBuilder {
  public:
    CsvBuilder(std::vector<std::string> headers, bool quote_all, std::string trailer = "")
        : headers_(std::move(headers)), quote_all_(quote_all), trailer_(std::move(trailer)) {
        std::vector<std::string> cells;
        for (const auto& h : headers_) cells.push_back(Quote(h));
        text_ = Join(cells) + "\r\n";
    }
    CsvBuilder& Row(const std::map<std::string, std::string>& cells) {
        std::vector<std::string> out;
        for (const auto& h : headers_) {
            auto it = cells.find(Trimmed(h));
            out.push_back(it == cells.end() ? (quote_all_ ? "\"\"" : "") : Quote(it->second));
        }
        for (const auto& [name, value] : cells) {
            bool known = false;
            for (const auto& h : headers_) known = known || Trimmed(h) == name;
            if (!known) ADD_FAILURE() << "no column " << name;
        }
        text_ += Join(out) + trailer_ + "\r\n";
        return *this;
    }
    CsvBuilder& Raw(const std::string& line) {
        text_ += line + "\r\n";
        return *this;
    }
    const std::string& text() const { return text_; }

  private:
    std::string Quote(const std::string& v) const { return testing::CsvCell(v, quote_all_); }
    static std::string Join(const std::vector<std::string>& cells) {
        std::string s;
        for (size_t i = 0; i < cells.size(); ++i) s += (i ? "," : "") + cells[i];
        return s;
    }
    std::vector<std::string> headers_;
    bool quote_all_;
    std::string trailer_;
    std::string text_;
};

Timestamp Shanghai(int y, int mo, int d, int h, int mi, int s) {
    return TimeZone::Default().FromLocal({.date = {y, mo, d}, .hour = h, .minute = mi, .second = s});
}

struct ReadAll {
    std::unique_ptr<OrderReader> reader;
    std::vector<ImportedOrder> orders;
};

ReadAll Read(const std::string& path, ReaderOptions options = {}) {
    auto opened = OrderReader::Open(path, std::move(options));
    EXPECT_TRUE(opened.ok()) << opened.status().ToString();
    ReadAll all;
    if (!opened.ok()) return all;
    all.reader = std::move(*opened);
    while (true) {
        auto next = all.reader->Next();
        EXPECT_TRUE(next.ok()) << next.status().ToString();
        if (!next.ok() || !next->has_value()) break;
        all.orders.push_back(std::move(**next));
    }
    return all;
}

// order-exports.md §淘宝: 2017 订单报表, 46 columns, trailing spaces on six names.
const std::vector<std::string> kTaobao2017 = {
    "订单编号",      "买家会员名",    "买家支付宝账号",   "买家应付货款",     "买家应付邮费",     "买家支付积分",
    "总金额",        "返点积分",      "买家实际支付金额", "买家实际支付积分", "订单状态",         "买家留言",
    "收货人姓名",    "收货地址 ",     "运送方式",         "联系电话 ",        "联系手机",         "订单创建时间",
    "订单付款时间 ", "宝贝标题 ",     "宝贝种类 ",        "物流单号 ",        "物流公司",         "订单备注",
    "宝贝总数量",    "店铺Id",        "店铺名称",         "订单关闭原因",     "卖家服务费",       "买家服务费",
    "发票抬头",      "是否手机订单",  "分阶段订单信息",   "特权订金订单id",   "是否上传合同照片", "是否上传小票",
    "是否代付",      "定金排名",      "修改后的sku",      "修改后的收货地址", "异常信息",         "天猫卡券抵扣",
    "集分宝抵扣",    "是否是O2O交易", "退款金额",         "预约门店"};

TEST(TaobaoTest, Reads2017OrderReportInGbk) {
    yutang::testing::TempDir dir;
    CsvBuilder csv(kTaobao2017, /*quote_all=*/true);
    csv.Row({{"订单编号", "=\"10000000000000001\""},
             {"买家会员名", "tb_buyer1"},
             {"买家应付货款", "189.00"},
             {"买家应付邮费", "12.12"},
             {"总金额", "201.12"},
             {"买家实际支付金额", "201.12"},
             {"订单状态", "买家已付款，等待卖家发货"},
             {"收货人姓名", "张三"},
             {"收货地址", "浙江省 杭州市 西湖区 文三路1号(310000)"},
             {"联系手机",
              "'138"
              "0000"
              "1111"},
             {"订单创建时间", "2017-07-08 00:42:32"},
             {"订单付款时间", "2017/7/8 0:45"},
             {"宝贝标题", "茶叶礼盒，茶杯"},
             {"宝贝总数量", "2"},
             {"店铺名称", "演示旗舰店"},
             {"订单关闭原因", "订单未关闭"},
             {"买家服务费", "0元"},
             {"退款金额", "0"}});
    // Unpaid: empty 订单付款时间; half-width comma status variant below.
    csv.Row({{"订单编号", "=\"10000000000000002\""},
             {"总金额", "50.00"},
             {"买家实际支付金额", "50.00"},
             {"订单状态", "等待买家付款"},
             {"订单创建时间", "2017-07-08 01:00:00"},
             {"订单付款时间", ""},
             {"联系电话", "0571-88880000"},
             {"买家服务费", "0元"}});
    csv.Row({{"订单编号", "=\"10000000000000003\""},
             {"总金额", "30"},
             {"买家实际支付金额", "30"},
             {"订单状态", "卖家已发货,等待买家确认"},
             {"订单创建时间", "2017-07-07 10:00:00"},
             {"订单付款时间", "2017-07-07 10:01:00"}});
    csv.Row({{"订单编号", "=\"10000000000000004\""},
             {"总金额", "30"},
             {"买家实际支付金额", "30"},
             {"订单状态", "交易关闭"},
             {"订单关闭原因", "退款"},
             {"退款金额", "30.00"},
             {"订单创建时间", "2017-07-07 10:00:00"},
             {"订单付款时间", "2017-07-07 10:01:00"}});
    csv.Row({{"订单编号", "=\"10000000000000005\""},
             {"总金额", "30"},
             {"买家实际支付金额", "30"},
             {"订单状态", "交易关闭"},
             {"订单关闭原因", "买家未付款"},
             {"订单创建时间", "2017-07-07 10:00:00"}});
    const std::string path = dir.File("ExportOrderList201707081200.csv");
    WriteFile(path, ToGbk(csv.text()));

    ReadAll all = Read(path);
    ASSERT_NE(all.reader, nullptr);
    EXPECT_EQ(all.reader->platform(), Platform::kTaobao);
    EXPECT_EQ(all.reader->encoding(), "GB18030");
    EXPECT_TRUE(all.reader->errors().empty());
    ASSERT_EQ(all.orders.size(), 5u);
    const ImportedOrder& o = all.orders[0];
    EXPECT_EQ(o.platform, Platform::kTaobao);
    EXPECT_EQ(o.order_id, "10000000000000001");
    EXPECT_EQ(o.status, OrderStatus::kPaid);
    EXPECT_EQ(o.raw_status, "买家已付款，等待卖家发货");
    EXPECT_EQ(o.created_at, Shanghai(2017, 7, 8, 0, 42, 32));
    ASSERT_TRUE(o.paid_at.has_value());
    EXPECT_EQ(*o.paid_at, Shanghai(2017, 7, 8, 0, 45, 0));
    EXPECT_EQ(o.total, Money::FromFen(20112));
    EXPECT_EQ(o.paid, Money::FromFen(20112));
    EXPECT_EQ(o.refunded, Money());
    EXPECT_EQ(o.buyer_account, "tb_buyer1");
    EXPECT_EQ(o.buyer_phone,
              "138"
              "0000"
              "1111");
    EXPECT_EQ(o.buyer_name, "张三");
    EXPECT_EQ(o.province, "浙江省");
    EXPECT_EQ(o.city, "杭州市");
    EXPECT_EQ(o.address, "浙江省 杭州市 西湖区 文三路1号(310000)");
    EXPECT_EQ(o.shop_name, "演示旗舰店");
    ASSERT_EQ(o.lines.size(), 1u);
    EXPECT_EQ(o.lines[0].title, "茶叶礼盒，茶杯");
    EXPECT_EQ(o.lines[0].quantity, 2);
    EXPECT_EQ(o.first_line, 2);

    EXPECT_EQ(all.orders[1].status, OrderStatus::kPendingPayment);
    EXPECT_FALSE(all.orders[1].paid_at.has_value());
    EXPECT_EQ(all.orders[1].paid, Money());  // unpaid: the column shows what was due
    EXPECT_EQ(all.orders[1].total, Money::FromFen(5000));
    EXPECT_EQ(all.orders[1].buyer_phone, "0571-88880000");  // 联系电话 when 联系手机 is empty
    EXPECT_EQ(all.orders[2].status, OrderStatus::kShipped);
    EXPECT_EQ(all.orders[2].raw_status, "卖家已发货,等待买家确认");
    EXPECT_EQ(all.orders[3].status, OrderStatus::kRefunded);
    EXPECT_EQ(all.orders[3].refunded, Money::FromFen(3000));
    EXPECT_EQ(all.orders[4].status, OrderStatus::kCancelled);
    EXPECT_EQ(all.orders[4].first_line, 6);
}

TEST(TaobaoTest, ReadsLaterReportWithReorderedColumnsAndPackedAddress) {
    yutang::testing::TempDir dir;
    // A 2025-style file: more columns, another order, 收货地址 packing name and phone.
    CsvBuilder csv({"订单编号", "买家会员名", "买家会员昵称", "支付单号", "总金额", "买家实际支付金额", "订单状态",
                    "收货地址 ", "联系手机", "虚拟号过期时间", "订单创建时间", "订单付款时间 ", "确认收货时间",
                    "打款商家金额", "店铺名称", "退款金额", "新的未知列"},
                   true);
    csv.Row({{"订单编号", "=\"2000000000000001\""},
             {"买家会员名", "t**1"},
             {"总金额", "99.9"},
             {"买家实际支付金额", "99.90"},
             {"订单状态", "交易成功"},
             {"收货地址",
              "李四，86-139"
              "0000"
              "2222，上海 上海市 浦东新区 世纪大道1号"},
             {"订单创建时间", "2025-03-01 09:00:00"},
             {"订单付款时间", "2025-03-01 09:01:00"},
             {"确认收货时间", "2025-03-05 12:00:00"},
             {"新的未知列", "x"}});
    const std::string path = dir.File("ExportOrderList.csv");
    WriteFile(path, ToGbk(csv.text()));
    ReadAll all = Read(path);
    ASSERT_EQ(all.orders.size(), 1u);
    const ImportedOrder& o = all.orders[0];
    EXPECT_EQ(o.status, OrderStatus::kCompleted);
    EXPECT_EQ(o.total, Money::FromFen(9990));
    EXPECT_EQ(o.buyer_name, "李四");
    EXPECT_EQ(o.buyer_phone,
              "139"
              "0000"
              "2222");
    EXPECT_EQ(o.address, "上海 上海市 浦东新区 世纪大道1号");
    EXPECT_EQ(o.province, "上海");
    EXPECT_EQ(o.city, "上海市");
    ASSERT_TRUE(o.completed_at.has_value());
    EXPECT_EQ(*o.completed_at, Shanghai(2025, 3, 5, 12, 0, 0));
}

TEST(TaobaoTest, ItemReportIsRefusedWithAReason) {
    yutang::testing::TempDir dir;
    // §淘宝 宝贝报表 2017: every data row ends with an extra comma.
    CsvBuilder csv({"订单编号", "标题", "价格", "购买数量", "外部系统编号", "商品属性", "套餐信息", "备注", "订单状态",
                    "商家编码"},
                   true, ",");
    csv.Row({{"订单编号", "=\"1\""}, {"标题", "茶叶"}, {"价格", "10"}, {"购买数量", "1"}, {"订单状态", "交易成功"}});
    const std::string path = dir.File("ExportOrderDetailList.csv");
    WriteFile(path, ToGbk(csv.text()));
    auto opened = OrderReader::Open(path, {});
    ASSERT_FALSE(opened.ok());
    EXPECT_EQ(opened.status().code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(opened.status().field(), "file");
    EXPECT_NE(opened.status().message().find("宝贝报表"), std::string::npos);

    auto forced = OrderReader::Open(path, {.platform = Platform::kTaobao});
    ASSERT_FALSE(forced.ok());
    EXPECT_EQ(
        forced.status().message(),
        "no 订单创建时间 column: not a Taobao 订单报表 (this is a 宝贝报表, one row per item; export the 订单报表)");
}

TEST(TaobaoTest, ReadsTheRealTmallSample) {
    const std::string path = std::string(YT_IMPORTS_TESTDATA) + "/tmall_order_report.head100.csv";
    ReadAll all = Read(path);
    ASSERT_NE(all.reader, nullptr);
    EXPECT_EQ(all.reader->platform(), Platform::kTaobao);
    EXPECT_EQ(all.reader->encoding(), "UTF-8");
    EXPECT_TRUE(all.reader->errors().empty());
    ASSERT_EQ(all.orders.size(), 100u);
    // 1,178.8,0.0,上海,2020-02-21 00:00:00,,0.0
    const ImportedOrder& first = all.orders[0];
    EXPECT_EQ(first.order_id, "1");
    EXPECT_EQ(first.total, Money::FromFen(17880));
    EXPECT_EQ(first.status, OrderStatus::kPendingPayment);
    EXPECT_EQ(first.raw_status, "");
    EXPECT_FALSE(first.paid_at.has_value());
    EXPECT_EQ(first.province, "上海");
    EXPECT_EQ(first.created_at, Shanghai(2020, 2, 21, 0, 0, 0));
    // 2,21.0,21.0,内蒙古自治区,2020-02-20 23:59:54,2020-02-21 00:00:02,0.0
    const ImportedOrder& second = all.orders[1];
    EXPECT_EQ(second.status, OrderStatus::kPaid);
    EXPECT_EQ(second.paid, Money::FromFen(2100));
    EXPECT_EQ(second.province, "内蒙古自治区");
    ASSERT_TRUE(second.paid_at.has_value());
    EXPECT_EQ(*second.paid_at, Shanghai(2020, 2, 21, 0, 0, 2));
    EXPECT_EQ(all.orders[99].first_line, 101);
    int refunded = 0;
    for (const auto& o : all.orders) refunded += o.status == OrderStatus::kRefunded;
    EXPECT_GT(refunded, 0);
    EXPECT_EQ(all.reader->bytes_read(), all.reader->bytes_total());
}

// §京东 2015 header (30 columns).
const std::vector<std::string> kJd2015 = {"订单号",
                                          "商品ID",
                                          "商品名称",
                                          "订购数量",
                                          "支付方式",
                                          "下单时间",
                                          "京东价",
                                          "订单金额",
                                          "结算金额",
                                          "余额支付",
                                          "应付金额",
                                          "订单状态",
                                          "订单类型",
                                          "下单帐号",
                                          "客户姓名",
                                          "客户地址",
                                          "联系电话",
                                          "订单备注",
                                          "发票类型",
                                          "发票抬头",
                                          "发票内容",
                                          "商家备注",
                                          "商家备注等级（等级1-5为由高到低）",
                                          "运费金额",
                                          "付款确认时间",
                                          "增值税发票",
                                          "货号",
                                          "订单完成时间",
                                          "订单来源",
                                          "订单渠道"};

TEST(JdTest, Reads2015ExportInGbkGroupingSkuRows) {
    yutang::testing::TempDir dir;
    CsvBuilder csv(kJd2015, /*quote_all=*/false, /*trailer=*/",");
    const std::map<std::string, std::string> order = {{"订单号", "50000000001"},
                                                      {"下单时间", "2015-11-11 00:01:02"},
                                                      {"订单金额", "306.00"},
                                                      {"应付金额", "306.00"},
                                                      {"订单状态", "完成"},
                                                      {"下单帐号", "jd_buyer"},
                                                      {"客户姓名", "王五"},
                                                      {"客户地址", "广东省深圳市南山区科技园1号"},
                                                      {"联系电话",
                                                       "137"
                                                       "0000"
                                                       "3333"},
                                                      {"付款确认时间", "2015-11-11 00:02:00"},
                                                      {"订单完成时间", "2015-11-15 10:00:00"}};
    auto with = [&](std::map<std::string, std::string> extra) {
        auto row = order;
        for (auto& [k, v] : extra) row[k] = v;
        return row;
    };
    csv.Row(with({{"商品ID", "1001"}, {"商品名称", "保温杯"}, {"订购数量", "2"}, {"京东价", "99.00"}}));
    csv.Row(with({{"商品ID", "1002"}, {"商品名称", "杯套, 蓝色"}, {"订购数量", "1"}, {"京东价", "108.00"}}));
    csv.Row({{"订单号", "50000000002"},
             {"商品ID", "1001"},
             {"商品名称", "保温杯"},
             {"订购数量", "1"},
             {"京东价", "99"},
             {"下单时间", "2015/11/12 8:05"},
             {"订单金额", "99"},
             {"应付金额", "99"},
             {"订单状态", "(删除)已取消"},
             {"客户地址", "北京市朝阳区三里屯路1号"}});
    csv.Row({{"订单号", "50000000003"},
             {"商品ID", "1003"},
             {"商品名称", "水壶"},
             {"订购数量", "1"},
             {"京东价", "10"},
             {"下单时间", "2015-11-12 09:00:00"},
             {"订单金额", "10"},
             {"应付金额", "10"},
             {"订单状态", "锁定"}});
    const std::string path = dir.File("jd_orders.csv");
    WriteFile(path, ToGbk(csv.text()));

    ReadAll all = Read(path);
    ASSERT_NE(all.reader, nullptr);
    EXPECT_EQ(all.reader->platform(), Platform::kJd);
    EXPECT_EQ(all.reader->encoding(), "GB18030");
    EXPECT_TRUE(all.reader->errors().empty());
    ASSERT_EQ(all.orders.size(), 3u);
    const ImportedOrder& o = all.orders[0];
    EXPECT_EQ(o.order_id, "50000000001");
    EXPECT_EQ(o.status, OrderStatus::kCompleted);
    EXPECT_EQ(o.total, Money::FromFen(30600));
    EXPECT_EQ(o.buyer_account, "jd_buyer");
    EXPECT_EQ(o.province, "广东省");
    EXPECT_EQ(o.city, "深圳市");
    ASSERT_EQ(o.lines.size(), 2u);
    EXPECT_EQ(o.lines[0].sku, "1001");
    EXPECT_EQ(o.lines[0].quantity, 2);
    EXPECT_EQ(o.lines[0].unit_price, Money::FromFen(9900));
    EXPECT_EQ(o.lines[1].title, "杯套, 蓝色");
    EXPECT_EQ(o.first_line, 2);
    ASSERT_TRUE(o.completed_at.has_value());
    EXPECT_EQ(all.orders[1].status, OrderStatus::kCancelled);
    EXPECT_EQ(all.orders[1].raw_status, "(删除)已取消");
    EXPECT_EQ(all.orders[1].created_at, Shanghai(2015, 11, 12, 8, 5, 0));
    EXPECT_EQ(all.orders[1].province, "北京市");
    EXPECT_EQ(all.orders[1].first_line, 4);
    EXPECT_EQ(all.orders[2].status, OrderStatus::kPaid);
}

TEST(JdTest, Reads2025ExportWithMaskedPhonesAndProvisionalAmounts) {
    yutang::testing::TempDir dir;
    CsvBuilder csv({"订单号",   "商品ID",   "商家SKUID",      "商品名称",     "订购数量", "下单时间",    "京东价",
                    "订单金额", "商家应收", "应付金额",       "订单状态",     "订单标签", "下单帐号",    "客户姓名",
                    "客户地址", "联系电话", "虚拟号过期时间", "付款确认时间", "门店名称", "承诺发货时间"},
                   false);
    csv.Row({{"订单号", "3000000000001"},
             {"商品ID", "100012345678"},
             {"商品名称", "坚果礼盒"},
             {"订购数量", "1"},
             {"下单时间", "2026-01-02 10:00:00"},
             {"京东价", "499.00"},
             {"订单金额", "499.00"},
             {"商家应收", "499.00（系统计算中，该值仅供参考）"},
             {"应付金额", "499.00（系统计算中，该值仅供参考）"},
             {"订单状态", "等待出库"},
             {"下单帐号", "jd_8f3a"},
             {"客户姓名", "赵*"},
             {"联系电话", "1******6198"},
             {"付款确认时间", "2026-01-02 10:00:30"}});
    const std::string path = dir.File("jd_2026.csv");
    WriteFile(path, csv.text());  // today's CSV may be UTF-8
    ReadAll all = Read(path);
    ASSERT_EQ(all.orders.size(), 1u);
    EXPECT_EQ(all.reader->encoding(), "UTF-8");
    EXPECT_EQ(all.orders[0].paid, Money::FromFen(49900));
    EXPECT_EQ(all.orders[0].buyer_phone, "1******6198");  // masked: kept as given
    EXPECT_EQ(all.orders[0].status, OrderStatus::kPaid);
}

TEST(JdTest, ABadSkuRowDropsItsWholeOrderAndIsReported) {
    yutang::testing::TempDir dir;
    CsvBuilder csv(kJd2015, false);
    csv.Row({{"订单号", "1"},
             {"商品ID", "a"},
             {"订购数量", "1"},
             {"下单时间", "2015-11-11 00:00:00"},
             {"订单金额", "5"},
             {"订单状态", "完成"}});
    csv.Row({{"订单号", "1"},
             {"商品ID", "b"},
             {"订购数量", "两"},
             {"下单时间", "2015-11-11 00:00:00"},
             {"订单金额", "5"},
             {"订单状态", "完成"}});
    csv.Row({{"订单号", "2"},
             {"商品ID", "a"},
             {"订购数量", "1"},
             {"下单时间", "2015-11-11 00:00:00"},
             {"订单金额", "5"},
             {"订单状态", "完成"}});
    const std::string path = dir.File("jd.csv");
    WriteFile(path, ToGbk(csv.text()));
    ReadAll all = Read(path);
    ASSERT_EQ(all.orders.size(), 1u);
    EXPECT_EQ(all.orders[0].order_id, "2");
    ASSERT_EQ(all.reader->errors().size(), 1u);
    EXPECT_EQ(all.reader->errors()[0].line, 3);
    EXPECT_EQ(all.reader->errors()[0].column, "订购数量");
    EXPECT_EQ(all.reader->errors()[0].reason, "not a quantity");
}

// §抖店: UTF-8 with BOM, TAB inside quoted ids, `-` for empty, ciphertext contacts.
const std::vector<std::string> kDouyin = {
    "主订单编号", "子订单编号",   "选购商品",     "商品规格",   "商品数量",     "商品ID",       "商家编码",
    "商品单价",   "订单应付金额", "运费",         "优惠总金额", "平台优惠",     "商家优惠",     "达人优惠",
    "支付方式",   "收件人",       "收件人手机号", "省",         "市",           "区",           "街道",
    "详细地址",   "买家留言",     "订单提交时间", "商家备注",   "订单完成时间", "支付完成时间", "流量来源",
    "订单状态",   "达人ID",       "达人昵称",     "售后状态",   "取消原因",     "发货时间"};

TEST(DouyinTest, ReadsSubOrderRowsWithTabsDashesAndCiphertext) {
    yutang::testing::TempDir dir;
    CsvBuilder csv(kDouyin, true);
    const std::map<std::string, std::string> base = {{"主订单编号", "\t6917926768823643751"},
                                                     {"订单提交时间", "2025-06-18 20:00:00"},
                                                     {"支付完成时间", "2025-06-18 20:00:10"},
                                                     {"订单完成时间", "-"},
                                                     {"订单状态", "已发货"},
                                                     {"收件人", "$7Kx2$AbCdEf==$"},
                                                     {"收件人手机号", "#ptv8#Zm9vYmFy==#"},
                                                     {"省", "浙江省"},
                                                     {"市", "杭州市"},
                                                     {"详细地址", "##密文"},
                                                     {"售后状态", "-"},
                                                     {"运费", "0"},
                                                     {"买家留言", "-"}};
    auto row = [&](std::map<std::string, std::string> extra) {
        auto r = base;
        for (auto& [k, v] : extra) r[k] = v;
        return r;
    };
    csv.Row(row({{"子订单编号", "\t6917926768823643752"},
                 {"选购商品", "面膜"},
                 {"商品数量", "2"},
                 {"商品ID", "\t3600000001"},
                 {"商家编码", "-"},
                 {"商品单价", "39.90"},
                 {"订单应付金额", "79.80"}}));
    csv.Row(row({{"子订单编号", "\t6917926768823643753"},
                 {"选购商品", "精华"},
                 {"商品数量", "1"},
                 {"商品ID", "\t3600000002"},
                 {"商家编码", "SKU-9"},
                 {"商品单价", "120.00"},
                 {"订单应付金额", "120.00"}}));
    csv.Row({{"主订单编号", "\t6917926768823640000"},
             {"子订单编号", "\t6917926768823640001"},
             {"选购商品", "面膜"},
             {"商品数量", "1"},
             {"商品单价", "39.90"},
             {"订单应付金额", "39.90"},
             {"订单状态", "已关闭"},
             {"售后状态", "退款成功"},
             {"订单提交时间", "2025-06-19 08:00:00"},
             {"支付完成时间", "2025-06-19 08:00:05"}});
    const std::string path = dir.File("1750000000_orders.csv");
    WriteFile(path, std::string(kBom) + csv.text());
    ReadAll all = Read(path);
    ASSERT_NE(all.reader, nullptr);
    EXPECT_EQ(all.reader->platform(), Platform::kDouyin);
    EXPECT_EQ(all.reader->encoding(), "UTF-8");
    EXPECT_TRUE(all.reader->errors().empty());
    ASSERT_EQ(all.orders.size(), 2u);
    const ImportedOrder& o = all.orders[0];
    EXPECT_EQ(o.order_id, "6917926768823643751");
    EXPECT_EQ(o.status, OrderStatus::kShipped);
    EXPECT_EQ(o.total, Money::FromFen(19980));
    EXPECT_EQ(o.paid, Money::FromFen(19980));
    EXPECT_FALSE(o.completed_at.has_value());
    EXPECT_EQ(o.buyer_phone, "#ptv8#Zm9vYmFy==#");  // ciphertext passed through for the identity layer to refuse
    EXPECT_EQ(o.buyer_name, "$7Kx2$AbCdEf==$");
    EXPECT_EQ(o.address, "##密文");
    EXPECT_EQ(o.province, "浙江省");
    ASSERT_EQ(o.lines.size(), 2u);
    EXPECT_EQ(o.lines[0].sku, "3600000001");  // 商家编码 `-` → 商品ID
    EXPECT_EQ(o.lines[1].sku, "SKU-9");
    EXPECT_EQ(o.lines[0].unit_price, Money::FromFen(3990));
    EXPECT_EQ(all.orders[1].status, OrderStatus::kRefunded);
    EXPECT_EQ(all.orders[1].refunded, Money());  // not in the export
}

TEST(PddTest, ReadsCompactExportWithLoneTabsAndFullWidthParentheses) {
    yutang::testing::TempDir dir;
    CsvBuilder csv({"商品",
                    "订单号",
                    "订单状态",
                    "商品总价（元）",
                    "邮费（元）",
                    "店铺优惠折扣（元）",
                    "平台优惠折扣（元）",
                    "多多支付立减金额（元）",
                    "用户实付金额（元）",
                    "商家实收金额（元）",
                    "商品数量（件）",
                    "发货时间",
                    "确认收货时间",
                    "商品id",
                    "商品规格",
                    "样式ID",
                    "商家编码-SKU维度",
                    "商家编码-商品维度",
                    "商家备注",
                    "售后状态",
                    "快递单号",
                    "快递公司",
                    "订单成交时间"},
                   true);
    csv.Row({{"商品", "纸巾 10包"},
             {"订单号", "250612-123456789012345"},
             {"订单状态", "已发货，待签收"},
             {"商品总价（元）", "19.80"},
             {"邮费（元）", "0.00"},
             {"用户实付金额（元）", "17.80"},
             {"商品数量（件）", "2"},
             {"发货时间", "2025-06-12 12:00:00"},
             {"确认收货时间", "\t"},
             {"样式ID", "998877"},
             {"商家编码-SKU维度", "\t"},
             {"售后状态", "无售后或售后取消"},
             {"订单成交时间", "2025-06-12 10:00:00"},
             {"商家备注", "\t"}});
    csv.Row({{"商品", "纸巾"},
             {"订单号", "250612-2"},
             {"订单状态", "已取消"},
             {"商品总价（元）", "9.90"},
             {"用户实付金额（元）", "9.90"},
             {"商品数量（件）", "1"},
             {"售后状态", "退款成功"},
             {"订单成交时间", "2025-06-12 11:00:00"}});
    csv.Row({{"商品", "纸巾"},
             {"订单号", "250612-3"},
             {"订单状态", "已收货"},
             {"商品总价（元）", "9.90"},
             {"用户实付金额（元）", "9.90"},
             {"商品数量（件）", "1"},
             {"订单成交时间", "2025-06-12 11:00:00"}});
    const std::string path = dir.File("orders_export2025-06-12-22-01-40.csv");
    WriteFile(path, std::string(kBom) + csv.text());
    ReadAll all = Read(path);
    ASSERT_NE(all.reader, nullptr);
    EXPECT_EQ(all.reader->platform(), Platform::kPdd);
    EXPECT_TRUE(all.reader->errors().empty());
    ASSERT_EQ(all.orders.size(), 3u);
    const ImportedOrder& o = all.orders[0];
    EXPECT_EQ(o.status, OrderStatus::kShipped);
    EXPECT_EQ(o.total, Money::FromFen(1980));
    EXPECT_EQ(o.paid, Money::FromFen(1780));
    EXPECT_FALSE(o.completed_at.has_value());
    EXPECT_EQ(o.buyer_phone, "");
    ASSERT_EQ(o.lines.size(), 1u);
    EXPECT_EQ(o.lines[0].sku, "998877");
    EXPECT_EQ(o.lines[0].quantity, 2);
    EXPECT_EQ(o.lines[0].unit_price, Money::FromFen(990));
    EXPECT_EQ(all.orders[1].status, OrderStatus::kRefunded);
    EXPECT_EQ(all.orders[2].status, OrderStatus::kCompleted);
}

TEST(YoutzanTest, ReadsOrderReportsOf2021And2025) {
    yutang::testing::TempDir dir;
    const std::vector<std::string> header2021 = {"订单号",
                                                 "归属店铺",
                                                 "订单类型",
                                                 "订单状态",
                                                 "推广方式",
                                                 "订单来源",
                                                 "订单创建时间",
                                                 "买家付款时间",
                                                 "交易成功时间",
                                                 "付款方式",
                                                 "外部订单号",
                                                 "支付流水号",
                                                 "商品金额合计",
                                                 "运费",
                                                 "店铺优惠合计",
                                                 "支付营销优惠",
                                                 "应收订单金额",
                                                 "订单实付金额",
                                                 "店铺优惠方式",
                                                 "全部商品名称",
                                                 "商品种类数",
                                                 "订单配送方式",
                                                 "预约同城送达时间/预约自提时间",
                                                 "收货人/提货人",
                                                 "收货人手机号/提货人手机号",
                                                 "收货人省份",
                                                 "收货人城市",
                                                 "收货人地区",
                                                 "详细收货地址/提货地址",
                                                 "买家备注",
                                                 "订单星级",
                                                 "买家姓名",
                                                 "买家是否会员",
                                                 "买家手机号",
                                                 "下单网点",
                                                 "订单退款状态",
                                                 "订单已退款金额",
                                                 "商家订单备注",
                                                 "优惠券码名称"};
    CsvBuilder csv(header2021, false);
    csv.Row({{"订单号", "E20210101000000000001"},
             {"归属店铺", "有赞小店"},
             {"订单状态", "交易完成"},
             {"订单创建时间", "2021-01-01 10:00:00"},
             {"买家付款时间", "2021-01-01 10:01:00"},
             {"交易成功时间", "2021-01-08 10:00:00"},
             {"商品金额合计", "100.00"},
             {"运费", "10.00"},
             {"应收订单金额", "105.00"},
             {"订单实付金额", "105.00"},
             {"全部商品名称", "咖啡豆"},
             {"收货人/提货人", "钱七"},
             {"收货人手机号/提货人手机号",
              "136"
              "0000"
              "4444"},
             {"收货人省份", "江苏省"},
             {"收货人城市", "南京市"},
             {"详细收货地址/提货地址", "玄武区1号"},
             {"买家姓名", "coffee_fan"},
             {"买家手机号",
              "136"
              "0000"
              "5555"},
             {"订单退款状态", "退款成功（部分退款）"},
             {"订单已退款金额", "20.00"}});
    csv.Row({{"订单号", "E2"},
             {"订单状态", "交易关闭"},
             {"订单创建时间", "2021-01-02 10:00:00"},
             {"买家付款时间", "2021-01-02 10:01:00"},
             {"应收订单金额", "50"},
             {"订单实付金额", "50"},
             {"订单退款状态", "退款成功（全额退款）"},
             {"订单已退款金额", "50"}});
    csv.Row({{"订单号", "E3"},
             {"订单状态", "待付款"},
             {"订单创建时间", "2021-01-03 10:00:00"},
             {"应收订单金额", "50"},
             {"订单实付金额", "50"}});
    const std::string path = dir.File("youzan.csv");
    WriteFile(path, csv.text());
    ReadAll all = Read(path);
    ASSERT_NE(all.reader, nullptr);
    EXPECT_EQ(all.reader->platform(), Platform::kYouzan);
    EXPECT_EQ(all.reader->encoding(), "UTF-8");
    EXPECT_TRUE(all.reader->errors().empty());
    ASSERT_EQ(all.orders.size(), 3u);
    const ImportedOrder& o = all.orders[0];
    EXPECT_EQ(o.status, OrderStatus::kCompleted);
    EXPECT_EQ(o.total, Money::FromFen(10500));
    EXPECT_EQ(o.refunded, Money::FromFen(2000));
    EXPECT_EQ(o.buyer_account, "coffee_fan");
    EXPECT_EQ(o.buyer_phone,
              "136"
              "0000"
              "5555");
    EXPECT_EQ(o.buyer_name, "钱七");
    EXPECT_EQ(o.city, "南京市");
    EXPECT_EQ(o.shop_name, "有赞小店");
    ASSERT_EQ(o.lines.size(), 1u);
    EXPECT_EQ(o.lines[0].title, "咖啡豆");
    EXPECT_EQ(all.orders[1].status, OrderStatus::kRefunded);
    EXPECT_EQ(all.orders[2].status, OrderStatus::kPendingPayment);
    EXPECT_EQ(all.orders[2].paid, Money());

    // 2025–26: 买家昵称 replaces 买家姓名, extra columns, another order.
    CsvBuilder csv2025({"订单号", "订单状态", "订单创建时间", "买家付款时间", "销售导购", "专属导购", "分销员",
                        "归属店铺", "商品金额合计", "运费", "订单实付金额", "买家昵称", "买家手机号"},
                       false);
    csv2025.Row({{"订单号", "E2025"},
                 {"订单状态", "待发货"},
                 {"订单创建时间", "2025-12-01 10:00:00"},
                 {"买家付款时间", "2025-12-01 10:00:01"},
                 {"商品金额合计", "88"},
                 {"运费", "6"},
                 {"订单实付金额", "94"},
                 {"买家昵称", "小王"},
                 {"归属店铺", "有赞小店"}});
    const std::string path2025 = dir.File("youzan2025.csv");
    WriteFile(path2025, csv2025.text());
    ReadAll later = Read(path2025);
    ASSERT_EQ(later.orders.size(), 1u);
    EXPECT_EQ(later.orders[0].total, Money::FromFen(9400));  // 商品金额合计 + 运费 without 应收订单金额
    EXPECT_EQ(later.orders[0].buyer_account, "小王");
    EXPECT_EQ(later.orders[0].status, OrderStatus::kPaid);
}

TEST(MappedTest, ReadsAnyCsvThroughAColumnMapping) {
    yutang::testing::TempDir dir;
    auto mapping = ParseColumnMapping(
        R"({"order_id":"单号","created_at":"下单时间","status":"状态","total":"金额","buyer_phone":"手机",
            "line_title":"商品","statuses":{"已付款":"paid","已完成":"completed"}})");
    ASSERT_TRUE(mapping.ok()) << mapping.status().ToString();
    WriteFile(dir.File("wx.csv"),
              "单号,其他,下单时间,状态,金额,手机,商品\n"
              "W1,x,2026-01-01 12:00:00,已付款,12.50,135"
              "0000"
              "6666,围巾\n"
              "W2,x,2026-01-01 12:00:00,退货中,1,,帽子\n");
    ReadAll all = Read(dir.File("wx.csv"), {.platform = Platform::kMapped, .mapping = *mapping});
    ASSERT_EQ(all.orders.size(), 1u);
    EXPECT_EQ(all.orders[0].platform, Platform::kMapped);
    EXPECT_EQ(all.orders[0].total, Money::FromFen(1250));
    EXPECT_EQ(all.orders[0].buyer_phone,
              "135"
              "0000"
              "6666");
    EXPECT_EQ(all.orders[0].lines.at(0).title, "围巾");
    ASSERT_EQ(all.reader->errors().size(), 1u);
    EXPECT_EQ(all.reader->errors()[0].line, 3);
    EXPECT_EQ(all.reader->errors()[0].column, "状态");
    EXPECT_EQ(all.reader->errors()[0].reason, "unknown status \"退货中\"");

    auto missing = OrderReader::Open(dir.File("wx.csv"), {.platform = Platform::kMapped});
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.status().field(), "mapping");

    auto bad_header = ParseColumnMapping(R"({"order_id":"编号","created_at":"时间"})");
    ASSERT_TRUE(bad_header.ok());
    auto unfit = OrderReader::Open(dir.File("wx.csv"), {.platform = Platform::kMapped, .mapping = *bad_header});
    ASSERT_FALSE(unfit.ok());
    EXPECT_EQ(unfit.status().message(), "no 编号 column: the mapping does not fit this file");
}

TEST(MappedTest, MappingErrorsNameTheKey) {
    struct Case {
        std::string json;
        std::string field;
    };
    for (const Case& c :
         std::vector<Case>{{"[]", "mapping"},
                           {"not json", "mapping"},
                           {R"({"order_id":"a"})", "created_at"},
                           {R"({"order_id":"a","created_at":"b","colour":"c"})", "colour"},
                           {R"({"order_id":"a","created_at":""})", "created_at"},
                           {R"({"order_id":"a","created_at":"b","statuses":{"x":"lost"}})", "statuses"}}) {
        auto parsed = ParseColumnMapping(c.json);
        ASSERT_FALSE(parsed.ok()) << c.json;
        EXPECT_EQ(parsed.status().code(), ErrorCode::kInvalidArgument);
        EXPECT_EQ(parsed.status().field(), c.field) << c.json;
    }
}

TEST(RowErrorTest, BadRowsAreReportedWithLineAndColumnWhileGoodRowsComeThrough) {
    yutang::testing::TempDir dir;
    CsvBuilder csv(kTaobao2017, true);
    auto good = [](std::string id) {
        return std::map<std::string, std::string>{{"订单编号", "=\"" + id + "\""},
                                                  {"总金额", "10"},
                                                  {"买家实际支付金额", "10"},
                                                  {"订单状态", "交易成功"},
                                                  {"订单创建时间", "2017-07-08 00:42:32"},
                                                  {"订单付款时间", "2017-07-08 00:43:00"}};
    };
    csv.Row(good("1"));
    auto bad_amount = good("2");
    bad_amount["总金额"] = "十元";
    csv.Row(bad_amount);
    auto bad_date = good("3");
    bad_date["订单创建时间"] = "2017-13-40 25:00";
    csv.Row(bad_date);
    auto unknown_status = good("4");
    unknown_status["订单状态"] = "火星发货中";
    csv.Row(unknown_status);
    auto no_id = good("");
    no_id["订单编号"] = "=\"\"";
    csv.Row(no_id);
    auto excel_id = good("6.91792676882364E+18");
    csv.Row(excel_id);
    auto multiline = good("6");
    multiline["收货地址"] = "浙江省 杭州市\n第二行";
    csv.Row(multiline);
    auto bad_after_multiline = good("7");
    bad_after_multiline["订单付款时间"] = "yesterday";
    csv.Row(bad_after_multiline);
    csv.Row(good("8"));
    const std::string path = dir.File("bad.csv");
    WriteFile(path, ToGbk(csv.text()));

    ReadAll all = Read(path);
    ASSERT_EQ(all.orders.size(), 3u);
    EXPECT_EQ(all.orders[0].order_id, "1");
    EXPECT_EQ(all.orders[1].order_id, "6");
    EXPECT_EQ(all.orders[1].address, "浙江省 杭州市\n第二行");
    EXPECT_EQ(all.orders[2].order_id, "8");
    EXPECT_EQ(all.orders[2].first_line, 11);
    const auto& errors = all.reader->errors();
    ASSERT_EQ(errors.size(), 6u);
    struct Expected {
        int64_t line;
        std::string column;
        std::string reason;
    };
    const std::vector<Expected> expected = {
        {3, "总金额", "not an amount"},
        {4, "订单创建时间", "not a date and time"},
        {5, "订单状态", "unknown status \"火星发货中\""},
        {6, "订单编号", "empty order id"},
        {7, "订单编号", "order id in scientific notation: the file was re-saved by Excel"},
        {10, "订单付款时间", "not a date and time"}};
    for (size_t i = 0; i < expected.size(); ++i) {
        EXPECT_EQ(errors[i].line, expected[i].line) << i;
        EXPECT_EQ(errors[i].column, expected[i].column) << i;
        EXPECT_EQ(errors[i].reason, expected[i].reason) << i;
    }
    EXPECT_TRUE(errors[0].raw_row.starts_with("=\"2\",")) << errors[0].raw_row;
    EXPECT_NE(errors[0].raw_row.find("十元"), std::string::npos);  // decoded from GBK
    // The header in the same form, so that rejected rows can be written under it.
    EXPECT_TRUE(all.reader->header_row().starts_with("\"订单编号\",")) << all.reader->header_row();
}

TEST(RowErrorTest, UndecodableBytesAreReportedForTheirRowOnly) {
    yutang::testing::TempDir dir;
    std::string text = ToGbk("订单号,商品ID,下单时间,订单状态,下单帐号\n1,2,2015-01-01 00:00:00,完成,a\n");
    text += "2,2,2015-01-01 00:00:00," + ToGbk("完成") + ",\x80\xFF\n";  // not GBK
    text += ToGbk("3,2,2015-01-01 00:00:00,完成,c\n");
    WriteFile(dir.File("jd.csv"), text);
    ReadAll all = Read(dir.File("jd.csv"));
    ASSERT_EQ(all.orders.size(), 2u);
    EXPECT_EQ(all.orders[1].order_id, "3");
    ASSERT_EQ(all.reader->errors().size(), 1u);
    EXPECT_EQ(all.reader->errors()[0].line, 3);
    EXPECT_EQ(all.reader->errors()[0].column, "");
    EXPECT_EQ(all.reader->errors()[0].reason, "the row is not readable text");
}

TEST(OpenTest, RefusesWhatIsNotAKnownExport) {
    yutang::testing::TempDir dir;
    auto missing = OrderReader::Open(dir.File("nope.csv"), {});
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.status().code(), ErrorCode::kNotFound);

    WriteFile(dir.File("book.xlsx"), std::string("PK\x03\x04", 4) + "rest");
    auto xlsx = OrderReader::Open(dir.File("book.xlsx"), {});
    ASSERT_FALSE(xlsx.ok());
    EXPECT_EQ(xlsx.status().code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(xlsx.status().message(), "the file is not a readable XLSX workbook");

    WriteFile(dir.File("encrypted.xlsx"), std::string("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8) + "rest");
    auto encrypted = OrderReader::Open(dir.File("encrypted.xlsx"), {});
    ASSERT_FALSE(encrypted.ok());
    EXPECT_EQ(encrypted.status().code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(encrypted.status().field(), "file");

    WriteFile(dir.File("empty.csv"), "");
    auto empty = OrderReader::Open(dir.File("empty.csv"), {});
    ASSERT_FALSE(empty.ok());
    EXPECT_EQ(empty.status().message(), "the file is empty: no header row");

    WriteFile(dir.File("other.csv"), "名称,数量\n茶,1\n");
    auto other = OrderReader::Open(dir.File("other.csv"), {});
    ASSERT_FALSE(other.ok());
    EXPECT_EQ(other.status().code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(other.status().field(), "file");

    WriteFile(dir.File("jd.csv"), ToGbk("订单号,商品ID,下单时间,订单状态\n1,2,2015-01-01 00:00:00,完成\n"));
    auto not_taobao = OrderReader::Open(dir.File("jd.csv"), {.platform = Platform::kTaobao});
    ASSERT_FALSE(not_taobao.ok());
    EXPECT_EQ(not_taobao.status().message(), "no 订单编号 column: not a Taobao 订单报表");

    auto zone = OrderReader::Open(dir.File("jd.csv"), {.time_zone = "Mars/Olympus"});
    ASSERT_FALSE(zone.ok());
    EXPECT_EQ(zone.status().field(), "time_zone");
}

TEST(PlatformTest, NamesRoundTrip) {
    for (Platform p :
         {Platform::kJd, Platform::kTaobao, Platform::kDouyin, Platform::kPdd, Platform::kYouzan, Platform::kMapped}) {
        auto parsed = ParsePlatform(PlatformName(p));
        ASSERT_TRUE(parsed.ok());
        EXPECT_EQ(*parsed, p);
    }
    auto bad = ParsePlatform("tmall", "source");
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.status().field(), "source");
    EXPECT_EQ(OrderStatusName(OrderStatus::kPendingPayment), "pending_payment");
}

size_t ResidentBytes() {
    std::ifstream statm("/proc/self/statm");
    size_t pages = 0;
    size_t resident = 0;
    statm >> pages >> resident;
    return resident * static_cast<size_t>(::sysconf(_SC_PAGESIZE));
}

TEST(StreamingTest, A200kRowFileIsReadInBoundedMemory) {
    yutang::testing::TempDir dir;
    const std::string path = dir.File("big.csv");
    constexpr int kRows = 200'000;
    {
        std::ofstream out(path, std::ios::binary);
        out << ToGbk(
            "\"订单号\",\"商品ID\",\"商品名称\",\"订购数量\",\"下单时间\",\"京东价\",\"订单金额\",\"应付金额\","
            "\"订单状态\",\"下单帐号\",\"客户地址\"\r\n");
        const std::string title = ToGbk("\"不锈钢保温杯 500ml, 蓝色\"");
        const std::string status = ToGbk("等待确认收货");
        const std::string address = ToGbk("广东省深圳市南山区科技园路");
        for (int i = 0; i < kRows; ++i) {
            const int order = 100000 + i / 2;  // two SKU rows per order
            out << order << ',' << (i % 2 ? 1002 : 1001) << ',' << title
                << ",1,2026-01-02 10:00:00,99.00,198.00,198.00," << status << ",buyer" << order << ',' << address << i
                << "\r\n";
        }
    }
    const uint64_t size = std::filesystem::file_size(path);
    const size_t rss_before = ResidentBytes();
    auto opened = OrderReader::Open(path, {});
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    OrderReader& reader = **opened;
    EXPECT_EQ(reader.bytes_total(), size);
    size_t orders = 0;
    size_t lines = 0;
    uint64_t half_way_read = 0;
    const auto start = std::chrono::steady_clock::now();
    while (true) {
        auto next = reader.Next();
        ASSERT_TRUE(next.ok()) << next.status().ToString();
        if (!next->has_value()) break;
        ++orders;
        lines += (*next)->lines.size();
        if (orders == kRows / 4) half_way_read = reader.bytes_read();
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("[ info ] %d rows, %.1f MB, %.2f s, %.0f rows/s (this build)\n", kRows, static_cast<double>(size) / 1e6,
                seconds, kRows / seconds);
    EXPECT_EQ(orders, static_cast<size_t>(kRows / 2));
    EXPECT_EQ(lines, static_cast<size_t>(kRows));
    EXPECT_TRUE(reader.errors().empty());
    EXPECT_EQ(reader.bytes_read(), size);
    // Progress is incremental: half-way through the orders, about half the file was read.
    EXPECT_GT(half_way_read, size / 2 - 2 * 64 * 1024);
    EXPECT_LT(half_way_read, size / 2 + 2 * 64 * 1024);
    // The text buffer stays near one 64 KiB chunk while the file is ~20 MB.
    EXPECT_LT(reader.peak_buffer_bytes(), 512u * 1024u);
#if !defined(__SANITIZE_ADDRESS__)
    // ASan's quarantine keeps freed memory resident, so the RSS bound is checked without it.
    EXPECT_LT(ResidentBytes(), rss_before + 16u * 1024u * 1024u);
#else
    (void)rss_before;
#endif
}

}  // namespace
}  // namespace yutang::imports
