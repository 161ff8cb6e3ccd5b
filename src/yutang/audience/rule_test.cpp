#include "yutang/audience/rule.hpp"

#include <algorithm>
#include <limits>
#include <map>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace yutang::audience {
namespace {

std::string Show(const RuleResult& result) {
    if (result.ok()) return "ok: " + ToText(result.value());
    const RuleError& e = result.error();
    return e.where() + " (offset " + std::to_string(e.offset) + "): " + e.message_en + " | " + e.message_zh;
}

// ---- Every condition kind in both forms ----

struct FormCase {
    const char* text;            // as an operator might type it
    const char* canonical_text;  // ToText
    const char* json;            // ToJson
};

class TextForms : public ::testing::TestWithParam<FormCase> {};

TEST_P(TextForms, ParseToCanonicalTextAndJson) {
    const FormCase& c = GetParam();
    const RuleResult parsed = ParseRuleText(c.text);
    ASSERT_TRUE(parsed.ok()) << c.text << "\n" << Show(parsed);
    EXPECT_EQ(Validate(parsed.value()), std::nullopt);
    EXPECT_EQ(ToText(parsed.value()), c.canonical_text);
    EXPECT_EQ(ToJson(parsed.value()), c.json);

    const RuleResult from_canonical = ParseRuleText(c.canonical_text);
    ASSERT_TRUE(from_canonical.ok()) << Show(from_canonical);
    EXPECT_EQ(from_canonical.value(), parsed.value());

    const RuleResult from_json = ParseRuleJson(c.json);
    ASSERT_TRUE(from_json.ok()) << c.json << "\n" << Show(from_json);
    EXPECT_EQ(from_json.value(), parsed.value()) << ToText(from_json.value());
    EXPECT_EQ(ToJson(from_json.value()), c.json);
}

INSTANTIATE_TEST_SUITE_P(
    Rule, TextForms,
    ::testing::Values(
        // The opening example of docs/design/rules.md.
        FormCase{
            R"(order_count >= 2 within 90d and total_spend > 500 and tag = "母婴" and has wecom and consent marketing.wecom and not segment "recently messaged")",
            R"(order_count >= 2 within 90d and total_spend > 500 and tag = "母婴" and has wecom and consent marketing.wecom and not segment "recently messaged")",
            R"({"all":[{"trait":"order_count","op":">=","value":2,"within":"90d"},{"trait":"total_spend","op":">","value":500},{"tag":"母婴","op":"has"},{"has":"wecom_external_userid"},{"consent":"marketing.wecom","op":"consented"},{"not":{"segment":"recently messaged"}}]})"},
        FormCase{"everyone", "everyone", R"({"all":[]})"},
        // Tags.
        FormCase{R"(tag = "人群/宝妈")", R"(tag = "人群/宝妈")", R"({"tag":"人群/宝妈","op":"has"})"},
        FormCase{R"(tag != "已流失")", R"(tag != "已流失")", R"({"tag":"已流失","op":"has_not"})"},
        FormCase{R"(tag any of ("母婴", "美妆"))", R"(tag any of ("母婴", "美妆"))",
                 R"({"tag":["母婴","美妆"],"op":"any_of"})"},
        FormCase{R"(tag in ("母婴"))", R"(tag any of ("母婴"))", R"({"tag":["母婴"],"op":"any_of"})"},
        FormCase{R"(TAG ALL OF ("VIP","兴趣/母婴"))", R"(tag all of ("VIP", "兴趣/母婴"))",
                 R"({"tag":["VIP","兴趣/母婴"],"op":"all_of"})"},
        // Attributes: every operator and literal type.
        FormCase{R"(attr.gender = "female")", R"(attr.gender = "female")",
                 R"({"attribute":"gender","op":"=","value":"female"})"},
        FormCase{R"(attr.gender ≠ "male")", R"(attr.gender != "male")",
                 R"({"attribute":"gender","op":"!=","value":"male"})"},
        FormCase{"attr.age < 30", "attr.age < 30", R"({"attribute":"age","op":"<","value":30})"},
        FormCase{"attr.age ≤ -1", "attr.age <= -1", R"({"attribute":"age","op":"<=","value":-1})"},
        FormCase{"attr.height > 1.75", "attr.height > 1.75", R"({"attribute":"height","op":">","value":1.75})"},
        FormCase{"attr.height >= 2.0", "attr.height >= 2.0", R"({"attribute":"height","op":">=","value":2.0})"},
        FormCase{"attr.score between 1e3 and 2E+3", "attr.score between 1000.0 and 2000.0",
                 R"({"attribute":"score","op":"between","value":[1000.0,2000.0]})"},
        FormCase{R"(attr.city in ("上海", "杭州"))", R"(attr.city in ("上海", "杭州"))",
                 R"({"attribute":"city","op":"in","value":["上海","杭州"]})"},
        FormCase{R"(attr.nickname contains "宝")", R"(attr.nickname contains "宝")",
                 R"({"attribute":"nickname","op":"contains","value":"宝"})"},
        FormCase{R"(attr.email starts with "vip.")", R"(attr.email starts with "vip.")",
                 R"({"attribute":"email","op":"starts_with","value":"vip."})"},
        FormCase{"attr.baby_birthday is set", "attr.baby_birthday is set",
                 R"({"attribute":"baby_birthday","op":"is_set"})"},
        FormCase{"attr.vip = true", "attr.vip = true", R"({"attribute":"vip","op":"=","value":true})"},
        FormCase{"attr.address.city-code = 21", "attr.address.city-code = 21",
                 R"({"attribute":"address.city-code","op":"=","value":21})"},
        FormCase{"attr.firstName starts with \"王\"", "attr.firstName starts with \"王\"",
                 R"({"attribute":"firstName","op":"starts_with","value":"王"})"},
        FormCase{"attr.baby_birthday >= 2024-03-08", "attr.baby_birthday >= 2024-03-08",
                 R"({"attribute":"baby_birthday","op":">=","value":"2024-03-08","type":"date"})"},
        FormCase{"attr.credit_limit > ¥500", "attr.credit_limit > ¥500",
                 R"({"attribute":"credit_limit","op":">","value":500,"type":"money"})"},
        FormCase{"attr.balance = ￥-5.5", "attr.balance = ¥-5.50",
                 R"({"attribute":"balance","op":"=","value":-5.50,"type":"money"})"},
        FormCase{"attr.signup_at within 30d", "attr.signup_at within 30d",
                 R"({"attribute":"signup_at","op":"within","value":"30d"})"},
        FormCase{"attr.signup_at before 12h", "attr.signup_at before 12h",
                 R"({"attribute":"signup_at","op":"before","value":"12h"})"},
        FormCase{R"(attr.title = "说 \"你好\" \\ 再见")", R"(attr.title = "说 \"你好\" \\ 再见")",
                 R"({"attribute":"title","op":"=","value":"说 \"你好\" \\ 再见"})"},
        // Computed traits.
        FormCase{"total_spend > 500.5 within 365d", "total_spend > 500.50 within 365d",
                 R"({"trait":"total_spend","op":">","value":500.50,"within":"365d"})"},
        FormCase{"total_spend >= ¥99.90", "total_spend >= 99.90", R"({"trait":"total_spend","op":">=","value":99.90})"},
        FormCase{"average_order_value between 100 and 300", "average_order_value between 100 and 300",
                 R"({"trait":"average_order_value","op":"between","value":[100,300]})"},
        FormCase{"first_order_at >= 2024-01-01", "first_order_at >= 2024-01-01",
                 R"({"trait":"first_order_at","op":">=","value":"2024-01-01"})"},
        FormCase{"first_order_at within 30d", "first_order_at within 30d",
                 R"({"trait":"first_order_at","op":"within","value":"30d"})"},
        FormCase{"last_order_at before 90d", "last_order_at before 90d",
                 R"({"trait":"last_order_at","op":"before","value":"90d"})"},
        FormCase{"last_order_at is set", "last_order_at is set", R"({"trait":"last_order_at","op":"is_set"})"},
        FormCase{"days_since_last_order > 180", "days_since_last_order > 180",
                 R"({"trait":"days_since_last_order","op":">","value":180})"},
        FormCase{"days_since_last_seen <= 7", "days_since_last_seen <= 7",
                 R"({"trait":"days_since_last_seen","op":"<=","value":7})"},
        FormCase{"rfm_recency >= 4", "rfm_recency >= 4", R"({"trait":"rfm_recency","op":">=","value":4})"},
        FormCase{"rfm_frequency in (4, 5)", "rfm_frequency in (4, 5)",
                 R"({"trait":"rfm_frequency","op":"in","value":[4,5]})"},
        FormCase{"rfm_monetary = 5", "rfm_monetary = 5", R"({"trait":"rfm_monetary","op":"=","value":5})"},
        FormCase{"lifecycle_stage in (at_risk, \"churned\")", "lifecycle_stage in (at_risk, churned)",
                 R"({"trait":"lifecycle_stage","op":"in","value":["at_risk","churned"]})"},
        FormCase{"lifecycle_stage != prospect", "lifecycle_stage != prospect",
                 R"({"trait":"lifecycle_stage","op":"!=","value":"prospect"})"},
        FormCase{"orders_on.jd >= 1 within 12h", "orders_on.jd >= 1 within 12h",
                 R"({"trait":"orders_on.jd","op":">=","value":1,"within":"12h"})"},
        FormCase{
            "orders_on.taobao > 0 and orders_on.douyin = 0 and orders_on.pdd < 3 and orders_on.youzan >= 1 "
            "and orders_on.segment >= 2",
            "orders_on.taobao > 0 and orders_on.douyin = 0 and orders_on.pdd < 3 and orders_on.youzan >= 1 "
            "and orders_on.segment >= 2",
            R"({"all":[{"trait":"orders_on.taobao","op":">","value":0},{"trait":"orders_on.douyin","op":"=","value":0},{"trait":"orders_on.pdd","op":"<","value":3},{"trait":"orders_on.youzan","op":">=","value":1},{"trait":"orders_on.segment","op":">=","value":2}]})"},
        FormCase{"owner = 12", "owner = 12", R"({"trait":"owner","op":"=","value":12})"},
        FormCase{"owner = NONE", "owner = none", R"({"trait":"owner","op":"=","value":"none"})"},
        FormCase{"owner in (3, none)", "owner in (3, none)", R"({"trait":"owner","op":"in","value":[3,"none"]})"},
        FormCase{R"(source_channel starts with "douyin")", R"(source_channel starts with "douyin")",
                 R"({"trait":"source_channel","op":"starts_with","value":"douyin"})"},
        FormCase{R"(source_channel in ("package_card", "live"))", R"(source_channel in ("package_card", "live"))",
                 R"({"trait":"source_channel","op":"in","value":["package_card","live"]})"},
        // Identities and consent.
        FormCase{"has phone and has wecom_external_userid", "has phone and has wecom",
                 R"({"all":[{"has":"phone"},{"has":"wecom_external_userid"}]})"},
        FormCase{"no consent marketing.sms", "no consent marketing.sms",
                 R"({"consent":"marketing.sms","op":"not_consented"})"},
        // Events.
        FormCase{R"(event "Order Completed")", R"(event "Order Completed")", R"({"event":"Order Completed"})"},
        FormCase{R"(event "Order Completed" count >= 1 within 30d)", R"(event "Order Completed" within 30d)",
                 R"({"event":"Order Completed","within":"30d"})"},
        FormCase{
            R"(event "Order Completed" where category = "奶粉" within 90d count >= 2)",
            R"(event "Order Completed" where category = "奶粉" count >= 2 within 90d)",
            R"({"event":"Order Completed","where":{"property":"category","op":"=","value":"奶粉"},"count":{"op":">=","value":2},"within":"90d"})"},
        FormCase{
            R"(event "Product Viewed" where "商品.价格" > 99.5 count between 3 and 10 within 12h)",
            R"(event "Product Viewed" where "商品.价格" > 99.5 count between 3 and 10 within 12h)",
            R"({"event":"Product Viewed","where":{"property":"商品.价格","op":">","value":99.5},"count":{"op":"between","value":[3,10]},"within":"12h"})"},
        FormCase{R"(event "Coupon Used" where coupon_id in ("A1", "B2"))",
                 R"(event "Coupon Used" where coupon_id in ("A1", "B2"))",
                 R"({"event":"Coupon Used","where":{"property":"coupon_id","op":"in","value":["A1","B2"]}})"},
        FormCase{R"(event "Message Sent" count = 0 within 7d)", R"(event "Message Sent" count = 0 within 7d)",
                 R"({"event":"Message Sent","count":{"op":"=","value":0},"within":"7d"})"},
        FormCase{R"(event "Signed Up" first within 30d)", R"(event "Signed Up" first within 30d)",
                 R"({"event":"Signed Up","first":{"op":"within","value":"30d"}})"},
        FormCase{R"(event "Page Viewed" last before 30d)", R"(event "Page Viewed" last before 30d)",
                 R"({"event":"Page Viewed","last":{"op":"before","value":"30d"}})"},
        FormCase{
            R"(event "Order Completed" where sku contains "NF" last >= 2024-06-18)",
            R"(event "Order Completed" where sku contains "NF" last >= 2024-06-18)",
            R"({"event":"Order Completed","where":{"property":"sku","op":"contains","value":"NF"},"last":{"op":">=","value":"2024-06-18"}})"},
        // Segments.
        FormCase{"segment 12", "segment 12", R"({"segment":12})"},
        FormCase{R"(segment "高价值")", R"(segment "高价值")", R"({"segment":"高价值"})"},
        // Calendar.
        FormCase{"birthday attr.birthday this month", "birthday attr.birthday this month",
                 R"({"birthday":"birthday","op":"this_month"})"},
        FormCase{"birthday attr.birthday this week", "birthday attr.birthday this week",
                 R"({"birthday":"birthday","op":"this_week"})"},
        FormCase{"birthday attr.birthday next 7d", "birthday attr.birthday next 7d",
                 R"({"birthday":"birthday","op":"next_days","value":7})"},
        FormCase{"birthday attr.birthday next 14 days", "birthday attr.birthday next 14d",
                 R"({"birthday":"birthday","op":"next_days","value":14})"},
        FormCase{"months_since attr.baby_birthday between 6 and 12", "months_since attr.baby_birthday between 6 and 12",
                 R"({"months_since":"baby_birthday","op":"between","value":[6,12]})"},
        FormCase{"months_since attr.baby_birthday >= 24", "months_since attr.baby_birthday >= 24",
                 R"({"months_since":"baby_birthday","op":">=","value":24})"},
        // Full-width punctuation, Chinese quotes, ≥ ≤ ≠, 天/小时, case and spacing.
        FormCase{
            "（order_count ＞＝ 2 AND total_spend ＞ 500）OR tag ＝ “母婴”",
            R"((order_count >= 2 and total_spend > 500) or tag = "母婴")",
            R"({"any":[{"all":[{"trait":"order_count","op":">=","value":2},{"trait":"total_spend","op":">","value":500}]},{"tag":"母婴","op":"has"}]})"},
        FormCase{"tag any of (「宝妈」，‘孕妇’、'新客')", R"(tag any of ("宝妈", "孕妇", "新客"))",
                 R"({"tag":["宝妈","孕妇","新客"],"op":"any_of"})"},
        FormCase{
            "order_count ≥ 1 within 90天 and attr.x ！＝ 1 and last_order_at before 6小时",
            "order_count >= 1 within 90d and attr.x != 1 and last_order_at before 6h",
            R"({"all":[{"trait":"order_count","op":">=","value":1,"within":"90d"},{"attribute":"x","op":"!=","value":1},{"trait":"last_order_at","op":"before","value":"6h"}]})"},
        FormCase{"has\u3000phone\n and\thas email", "has phone and has email",
                 R"({"all":[{"has":"phone"},{"has":"email"}]})"},
        FormCase{
            "order_count == 3 or order_count <> 4", "order_count = 3 or order_count != 4",
            R"({"any":[{"trait":"order_count","op":"=","value":3},{"trait":"order_count","op":"!=","value":4}]})"}));

TEST(RuleForms, EveryIdentityKindInBothForms) {
    const std::vector<std::pair<std::string, std::string>> kinds = {{"phone", "phone"},
                                                                    {"email", "email"},
                                                                    {"wecom", "wecom_external_userid"},
                                                                    {"wechat_unionid", "wechat_unionid"},
                                                                    {"wechat_openid", "wechat_openid"},
                                                                    {"jd", "jd"},
                                                                    {"taobao", "taobao"},
                                                                    {"douyin", "douyin"},
                                                                    {"pdd", "pdd"},
                                                                    {"youzan", "youzan"},
                                                                    {"user_id", "user_id"},
                                                                    {"anonymous_id", "anonymous_id"}};
    for (const auto& [text_name, json_name] : kinds) {
        const RuleResult text = ParseRuleText("has " + text_name);
        ASSERT_TRUE(text.ok()) << text_name << ": " << Show(text);
        EXPECT_EQ(ToText(text.value()), "has " + text_name);
        EXPECT_EQ(ToJson(text.value()), R"({"has":")" + json_name + R"("})");
        const RuleResult json = ParseRuleJson(ToJson(text.value()));
        ASSERT_TRUE(json.ok()) << Show(json);
        EXPECT_EQ(json.value(), text.value());
    }
}

TEST(RuleForms, EveryConsentPurposeInBothForms) {
    for (const std::string purpose :
         {"marketing.sms", "marketing.wecom", "marketing.email", "marketing.phone", "conversation_archive"}) {
        for (const bool consented : {true, false}) {
            const std::string text = (consented ? "consent " : "no consent ") + purpose;
            const RuleResult parsed = ParseRuleText(text);
            ASSERT_TRUE(parsed.ok()) << text << ": " << Show(parsed);
            EXPECT_EQ(ToText(parsed.value()), text);
            const std::string json =
                R"({"consent":")" + purpose + R"(","op":")" + (consented ? "consented" : "not_consented") + R"("})";
            EXPECT_EQ(ToJson(parsed.value()), json);
            const RuleResult from_json = ParseRuleJson(json);
            ASSERT_TRUE(from_json.ok()) << Show(from_json);
            EXPECT_EQ(from_json.value(), parsed.value());
        }
    }
}

// The examples of docs/design/rules.md. Keep in sync.
TEST(RuleForms, DocumentedExamplesParseAndRoundTrip) {
    const char* examples[] = {
        R"(tag = "母婴" and event "Order Completed" where category = "奶粉" count >= 2 within 90d)",
        R"(last_order_at before 90d and total_spend >= 300 and consent marketing.sms)",
        R"(lifecycle_stage in (at_risk, churned) and consent marketing.sms)",
        R"(birthday attr.birthday this month and tag any of ("会员等级/金卡", "会员等级/钻石卡"))",
        R"(birthday attr.birthday next 7d)",
        R"(months_since attr.baby_birthday between 6 and 12)",
        R"(total_spend >= 2000 within 365d and not has wecom and has phone)",
        R"(order_count = 1 and first_order_at within 7d)",
        R"(source_channel starts with "douyin" and orders_on.douyin >= 1)",
        R"(owner = 12 and rfm_recency >= 4 and rfm_frequency >= 4)",
        R"(owner = none and has wecom)",
        R"(segment "复购客户" and not segment "recently messaged")",
        R"(event "Product Added" within 24h and not event "Order Completed" within 24h)",
        R"(event "Page Viewed" last < 2024-06-18)",
        R"(event "Coupon Used" where coupon_id in ("A1", "B2") count = 0 within 7d)",
        R"(event "Signed Up" first within 30d)",
        R"(source_channel starts with "import")",
        R"(not everyone)",
    };
    for (const char* example : examples) {
        const RuleResult parsed = ParseRuleText(example);
        ASSERT_TRUE(parsed.ok()) << example << "\n" << Show(parsed);
        EXPECT_EQ(ToText(parsed.value()), example);
        const RuleResult json = ParseRuleJson(ToJson(parsed.value()));
        ASSERT_TRUE(json.ok()) << Show(json);
        EXPECT_EQ(json.value(), parsed.value());
    }
}

// ---- JSON spellings that normalise ----

struct JsonCase {
    const char* json;
    const char* canonical_json;
};

class JsonForms : public ::testing::TestWithParam<JsonCase> {};

TEST_P(JsonForms, NormaliseToCanonicalJson) {
    const RuleResult parsed = ParseRuleJson(GetParam().json);
    ASSERT_TRUE(parsed.ok()) << GetParam().json << "\n" << Show(parsed);
    EXPECT_EQ(ToJson(parsed.value()), GetParam().canonical_json);
    const RuleResult again = ParseRuleJson(ToJson(parsed.value()));
    ASSERT_TRUE(again.ok()) << Show(again);
    EXPECT_EQ(again.value(), parsed.value());
}

INSTANTIATE_TEST_SUITE_P(
    Rule, JsonForms,
    ::testing::Values(
        // A group of one is its condition; groups of groups keep their shape.
        JsonCase{R"({"all":[{"has":"phone"}]})", R"({"has":"phone"})"},
        JsonCase{R"({"any":[{"all":[{"has":"phone"}]}]})", R"({"has":"phone"})"},
        JsonCase{R"({"all":[{"has":"phone"},{"all":[{"has":"email"},{"has":"jd"}]}]})",
                 R"({"all":[{"has":"phone"},{"all":[{"has":"email"},{"has":"jd"}]}]})"},
        // Defaults and aliases.
        JsonCase{R"({"tag":"母婴"})", R"({"tag":"母婴","op":"has"})"},
        JsonCase{R"({"consent":"marketing.sms"})", R"({"consent":"marketing.sms","op":"consented"})"},
        JsonCase{R"({"has":"wecom"})", R"({"has":"wecom_external_userid"})"},
        JsonCase{R"({"trait":"order_count","op":"≥","value":2})", R"({"trait":"order_count","op":">=","value":2})"},
        JsonCase{R"({"event":"X","count":{"op":">=","value":1}})", R"({"event":"X"})"},
        // Money: yuan as a number or a string, at most two decimals, stored exactly.
        JsonCase{R"({"trait":"total_spend","op":">","value":"¥1,234.5"})",
                 R"({"trait":"total_spend","op":">","value":1234.50})"},
        JsonCase{R"({"trait":"total_spend","op":">","value":0.1})", R"({"trait":"total_spend","op":">","value":0.10})"},
        JsonCase{R"({"trait":"total_spend","op":">","value":19.99})",
                 R"({"trait":"total_spend","op":">","value":19.99})"},
        JsonCase{R"({"attribute":"deposit","op":"<","value":"88.8","type":"money"})",
                 R"({"attribute":"deposit","op":"<","value":88.80,"type":"money"})"},
        // Numbers keep their kind: 2 is an integer, 2.0 and 2e0 are not.
        JsonCase{R"({"attribute":"n","op":"=","value":2e0})", R"({"attribute":"n","op":"=","value":2.0})"},
        JsonCase{R"({"attribute":"n","op":"=","value":-0})", R"({"attribute":"n","op":"=","value":0})"},
        // Strings that look like dates stay strings unless "type" says otherwise.
        JsonCase{R"({"attribute":"code","op":"=","value":"2024-01-01"})",
                 R"({"attribute":"code","op":"=","value":"2024-01-01"})"},
        JsonCase{"{ \"has\" : \"phone\" }\n", R"({"has":"phone"})"},
        JsonCase{R"({"attribute":"t","op":"=","value":"line\u2028tab"})",
                 "{\"attribute\":\"t\",\"op\":\"=\",\"value\":\"line\u2028tab\"}"}));

// ---- Precedence and nesting ----

struct PrecedenceCase {
    const char* text;
    const char* canonical_text;
    const char* json;
};

class Precedence : public ::testing::TestWithParam<PrecedenceCase> {};

TEST_P(Precedence, NotBindsTighterThanAndTighterThanOr) {
    const RuleResult parsed = ParseRuleText(GetParam().text);
    ASSERT_TRUE(parsed.ok()) << Show(parsed);
    EXPECT_EQ(ToText(parsed.value()), GetParam().canonical_text);
    EXPECT_EQ(ToJson(parsed.value()), GetParam().json);
    const RuleResult again = ParseRuleText(GetParam().canonical_text);
    ASSERT_TRUE(again.ok()) << Show(again);
    EXPECT_EQ(again.value(), parsed.value());
}

INSTANTIATE_TEST_SUITE_P(
    Rule, Precedence,
    ::testing::Values(
        PrecedenceCase{"has phone or has email and has jd", "has phone or (has email and has jd)",
                       R"({"any":[{"has":"phone"},{"all":[{"has":"email"},{"has":"jd"}]}]})"},
        PrecedenceCase{"has phone and has email or has jd", "(has phone and has email) or has jd",
                       R"({"any":[{"all":[{"has":"phone"},{"has":"email"}]},{"has":"jd"}]})"},
        PrecedenceCase{"not has phone and has email", "not has phone and has email",
                       R"({"all":[{"not":{"has":"phone"}},{"has":"email"}]})"},
        PrecedenceCase{"not (has phone and has email)", "not (has phone and has email)",
                       R"({"not":{"all":[{"has":"phone"},{"has":"email"}]}})"},
        PrecedenceCase{"not not has phone", "not not has phone", R"({"not":{"not":{"has":"phone"}}})"},
        PrecedenceCase{"((has phone))", "has phone", R"({"has":"phone"})"},
        PrecedenceCase{"(has phone or has email) and has jd", "(has phone or has email) and has jd",
                       R"({"all":[{"any":[{"has":"phone"},{"has":"email"}]},{"has":"jd"}]})"},
        // Parentheses the operator wrote around a same-operator group are kept.
        PrecedenceCase{"has phone and (has email and has jd)", "has phone and (has email and has jd)",
                       R"({"all":[{"has":"phone"},{"all":[{"has":"email"},{"has":"jd"}]}]})"},
        PrecedenceCase{"has phone or has email or has jd", "has phone or has email or has jd",
                       R"({"any":[{"has":"phone"},{"has":"email"},{"has":"jd"}]})"},
        PrecedenceCase{
            "has phone and not (has email or not has jd) or everyone",
            "(has phone and not (has email or not has jd)) or everyone",
            R"({"any":[{"all":[{"has":"phone"},{"not":{"any":[{"has":"email"},{"not":{"has":"jd"}}]}}]},{"all":[]}]})"},
        // 'and' inside between is the range, not a conjunction.
        PrecedenceCase{"order_count between 1 and 3 and has phone", "order_count between 1 and 3 and has phone",
                       R"({"all":[{"trait":"order_count","op":"between","value":[1,3]},{"has":"phone"}]})"}));

// ---- Text errors: position, what was expected, both languages ----

struct TextErrorCase {
    std::string text;
    size_t offset;
    int line;
    int column;
    const char* en;  // substring of message_en
    const char* zh;  // substring of message_zh
};

class TextErrors : public ::testing::TestWithParam<TextErrorCase> {};

TEST_P(TextErrors, NameThePositionAndWhatWasExpected) {
    const TextErrorCase& c = GetParam();
    const RuleResult parsed = ParseRuleText(c.text);
    ASSERT_FALSE(parsed.ok()) << c.text << " parsed as " << ToText(parsed.value());
    const RuleError& error = parsed.error();
    EXPECT_EQ(error.offset, c.offset) << c.text << "\n" << Show(parsed);
    EXPECT_EQ(error.line, c.line) << c.text << "\n" << Show(parsed);
    EXPECT_EQ(error.column, c.column) << c.text << "\n" << Show(parsed);
    EXPECT_NE(error.message_en.find(c.en), std::string::npos) << c.text << "\n" << Show(parsed);
    EXPECT_NE(error.message_zh.find(c.zh), std::string::npos) << c.text << "\n" << Show(parsed);
    EXPECT_TRUE(error.pointer.empty());
    const Status status = error.ToStatus();
    EXPECT_EQ(status.code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(status.field(), "rule");
    EXPECT_EQ(status.message(), error.where() + ": " + error.message_en);
}

INSTANTIATE_TEST_SUITE_P(
    Rule, TextErrors,
    ::testing::Values(
        TextErrorCase{"", 0, 1, 1, "expected a condition, found the end of the rule", "此处应为一个条件"},
        TextErrorCase{"order_count >= ", 15, 1, 16, "expected a whole number ≥ 0 after '>=', found the end",
                      "'>=' 后面应为不小于 0 的整数"},
        TextErrorCase{"order_count >= 2 and", 20, 1, 21, "expected a condition", "此处应为一个条件"},
        TextErrorCase{"has phone and or has email", 14, 1, 15, "expected a condition, found 'or'",
                      "此处应为一个条件，实际为 'or'"},
        TextErrorCase{"order_cnt > 2", 0, 1, 1, "unknown condition 'order_cnt'; did you mean 'order_count'?",
                      "未知的条件 'order_cnt'；是否想写 'order_count'？"},
        TextErrorCase{"gender = \"f\"", 0, 1, 1, "attributes are written attr.gender", "属性请写作 attr.gender"},
        TextErrorCase{"母婴", 0, 1, 1, "e.g. tag = \"母婴\"", "如 tag = \"母婴\""},
        TextErrorCase{"\"母婴\"", 0, 1, 1, "to match a tag write tag = \"母婴\"", "匹配标签请写 tag = \"母婴\""},
        TextErrorCase{"tag = 母婴", 6, 1, 7, "tag names go in quotes: tag = \"母婴\"", "标签名需加引号"},
        TextErrorCase{"attr.city = 上海", 12, 1, 13, "text goes in quotes, e.g. \"上海\"", "文本需加引号"},
        TextErrorCase{"rfm_recency = 7", 14, 1, 15, "rfm_recency takes an RFM score from 1 to 5, not 7",
                      "1 到 5 的 RFM 评分"},
        TextErrorCase{"rfm_monetary in (1, 0)", 20, 1, 21, "RFM score from 1 to 5, not 0", "RFM 评分"},
        TextErrorCase{"total_spend > 12.345", 14, 1, 15, "not an amount in yuan with at most two decimals",
                      "最多两位小数"},
        TextErrorCase{"total_spend between 500 and 100", 20, 1, 21, "'between' needs low ≤ high", "下限不能大于上限"},
        TextErrorCase{"total_spend > -1", 14, 1, 15, "cannot be compared to a negative amount", "不能与负数金额比较"},
        TextErrorCase{"lifecycle_stage > new", 16, 1, 17, "'>' cannot be used with lifecycle_stage (use =, !=, in)",
                      "lifecycle_stage 不能使用 '>'"},
        TextErrorCase{"lifecycle_stage = dormant", 18, 1, 19, "a lifecycle stage: prospect, new, repeat",
                      "生命周期阶段"},
        TextErrorCase{"order_count is set", 12, 1, 13, "'is set' cannot be used with order_count", "不能使用 'is set'"},
        TextErrorCase{"order_count >= 2 within 0d", 24, 1, 25, "a window is 1d to 3650d or 1h to 87600h",
                      "时间窗口为 1d 到 3650d"},
        TextErrorCase{"order_count >= 2 within 3651d", 24, 1, 25, "a window is 1d to 3650d", "时间窗口"},
        TextErrorCase{"days_since_last_order > 30 within 90d", 34, 1, 35, "take a window, not days_since_last_order",
                      "可以加时间窗口"},
        TextErrorCase{"order_count >= 2 within", 23, 1, 24, "expected a window such as 90d or 12h after 'within'",
                      "'within' 后面应为时间窗口"},
        TextErrorCase{"order_count > 2.5", 14, 1, 15, "expected a whole number ≥ 0 after '>'", "不小于 0 的整数"},
        TextErrorCase{"order_count > 99999999999999999999", 14, 1, 15, "not a whole number in range", "有效范围"},
        TextErrorCase{"owner = -3", 8, 1, 9, "takes a staff id or none", "员工 id 或 none"},
        TextErrorCase{"has fax", 4, 1, 5, "expected an identity: phone, email, wecom", "身份类型"},
        TextErrorCase{"consent marketing.fax", 8, 1, 9, "expected a purpose: marketing.sms", "授权用途"},
        TextErrorCase{"no phone", 3, 1, 4, "expected 'consent' after 'no'", "'no' 后面应为'consent'"},
        TextErrorCase{"event Login", 6, 1, 7, "expected an event name in quotes", "带引号的事件名"},
        TextErrorCase{"event \"X\" count >= 1 last within 3d", 21, 1, 22, "one of count, first and last",
                      "只能有 count、first、last 之一"},
        TextErrorCase{"event \"X\" last within 3d within 5d", 32, 1, 33, "a window applies to event counts",
                      "时间窗口只用于事件次数"},
        TextErrorCase{"event \"X\" first >= 2", 19, 1, 20, "a date such as 2024-03-08", "日期"},
        TextErrorCase{"event \"X\" where = 1", 16, 1, 17, "expected a property name after 'where'", "属性名"},
        TextErrorCase{"event \"X\" where p contains 3", 27, 1, 28, "'contains' on property p takes text in quotes",
                      "带引号的文本"},
        TextErrorCase{"event \"\"", 6, 1, 7, "an event name cannot be empty", "事件名不能为空"},
        TextErrorCase{"segment 0", 8, 1, 9, "segment ids are positive", "分群 id 必须是正整数"},
        TextErrorCase{"segment", 7, 1, 8, "expected a segment id or a name in quotes after 'segment'", "分群"},
        TextErrorCase{"birthday attr.birthday next 400d", 28, 1, 29, "'next' takes 1 to 366 days", "1 到 366"},
        TextErrorCase{"birthday attr.birthday next 12h", 28, 1, 29, "a number of days such as 7d", "天数"},
        TextErrorCase{"birthday attr.birthday today", 23, 1, 24, "this month, this week or next 7d", "this month"},
        TextErrorCase{"birthday birthday this month", 9, 1, 10, "a date attribute such as attr.birthday", "日期属性"},
        TextErrorCase{"months_since attr.baby_birthday between 12 and 6", 40, 1, 41, "low ≤ high", "下限"},
        TextErrorCase{"months_since attr.baby_birthday >= 1201", 35, 1, 36, "months from 0 to 1200", "整月数"},
        TextErrorCase{"attr. = 1", 0, 1, 1, "an attribute name is 1 to 64 letters, digits", "属性名为 1 到 64 个"},
        TextErrorCase{"attr.x = 2024-02-30", 9, 1, 10, "not a date between 1900-01-01 and 2200-12-31", "有效日期"},
        TextErrorCase{"attr.x = 2024-2-3", 9, 1, 10, "dates are written YYYY-MM-DD", "日期写作 YYYY-MM-DD"},
        TextErrorCase{"attr.x = 12ab", 11, 1, 12, "unexpected 'a' after the number '12'", "数字 '12' 后面出现了 'a'"},
        TextErrorCase{"attr.x = 1.", 11, 1, 12, "expected digits after '.'", "'.' 后面应为数字"},
        TextErrorCase{"attr.x = ¥", 9, 1, 10, "expected an amount after '¥'", "'¥' 后面应为金额"},
        TextErrorCase{"attr.x = \"open", 9, 1, 10, "this text has no closing quote", "缺少右引号"},
        TextErrorCase{"attr.x = “open\"", 9, 1, 10, "this text has no closing quote", "缺少右引号"},
        TextErrorCase{"attr.x in ()", 11, 1, 12, "after '('", "'(' 后面应为"},
        TextErrorCase{"attr.x in (1, 2", 15, 1, 16, "expected ',' or ')', found the end", "',' 或 ')'"},
        TextErrorCase{"attr.x in (1, \"a\")", 14, 1, 15, "all values of 'in' must have the same type", "同一类型"},
        TextErrorCase{"attr.x between 1 or 2", 17, 1, 18, "expected 'and' and the upper bound after '1'",
                      "'and' 和上限"},
        TextErrorCase{"attr.x starts \"a\"", 14, 1, 15, "expected 'with' after 'starts'", "'with'"},
        TextErrorCase{"attr.x is \"a\"", 10, 1, 11, "expected 'set' after 'is'", "'set'"},
        TextErrorCase{"attr.x ~ 1", 7, 1, 8, "unexpected character '~'", "无法识别的字符 '~'"},
        TextErrorCase{"attr.x ! 1", 7, 1, 8, "write != for \"not equal\"", "不等于请写 !="},
        TextErrorCase{"attr.x", 6, 1, 7,
                      "expected an operator (=, !=, <, <=, >, >=, between, in, contains, starts "
                      "with, is set, within, before) after 'attr.x'",
                      "运算符"},
        TextErrorCase{"attr.x = \"\"", 9, 1, 10, "a text value cannot be empty", "文本值不能为空"},
        TextErrorCase{"attr.x = 1 2", 11, 1, 12, "expected 'and', 'or' or the end of the rule, found '2'",
                      "'and'、'or' 或规则结尾"},
        TextErrorCase{"has phone has email", 10, 1, 11, "expected 'and', 'or' or the end of the rule, found 'has'",
                      "实际为 'has'"},
        TextErrorCase{"has phone 或 has email", 10, 1, 11, "write 'or' for 或", "「或」请写作 'or'"},
        TextErrorCase{"(has phone or has email", 23, 1, 24, "')' to close the '(' at 1:1", "与 1:1 处 '(' 配对的 ')'"},
        TextErrorCase{"has phone)", 9, 1, 10, "expected 'and', 'or' or the end of the rule, found ')'", "规则结尾"},
        // Columns count characters; lines count '\n'.
        TextErrorCase{"tag = “母婴” and 或", 23, 1, 16, "write 'or' for 或", "「或」请写作 'or'"},
        TextErrorCase{"has phone\n  and order_count > x", 30, 2, 21, "expected a whole number ≥ 0 after '>', found 'x'",
                      "'>' 后面应为不小于 0 的整数，实际为 'x'"},
        TextErrorCase{"has phone and\r\n\r\n", 17, 3, 1, "found the end of the rule", "规则结尾"},
        TextErrorCase{std::string("has phone and has \xFF"), 18, 1, 19, "not valid UTF-8", "UTF-8"},
        TextErrorCase{std::string("attr.x = \"a\xC0\xAF\""), 11, 1, 12, "not valid UTF-8", "UTF-8"}));

// ---- JSON errors: malformed JSON by offset, everything else by JSON pointer ----

struct JsonErrorCase {
    const char* json;
    const char* pointer;  // nullptr: a syntax error at `offset`
    size_t offset;
    const char* en;
    const char* zh;
};

class JsonErrors : public ::testing::TestWithParam<JsonErrorCase> {};

TEST_P(JsonErrors, NameThePointerOrOffset) {
    const JsonErrorCase& c = GetParam();
    const RuleResult parsed = ParseRuleJson(c.json);
    ASSERT_FALSE(parsed.ok()) << c.json << " parsed as " << ToJson(parsed.value());
    const RuleError& error = parsed.error();
    if (c.pointer == nullptr) {
        EXPECT_TRUE(error.pointer.empty()) << Show(parsed);
        EXPECT_EQ(error.offset, c.offset) << Show(parsed);
        EXPECT_GE(error.line, 1);
    } else {
        EXPECT_EQ(error.pointer, c.pointer) << c.json << "\n" << Show(parsed);
        EXPECT_EQ(error.line, 0);
    }
    EXPECT_NE(error.message_en.find(c.en), std::string::npos) << c.json << "\n" << Show(parsed);
    EXPECT_NE(error.message_zh.find(c.zh), std::string::npos) << c.json << "\n" << Show(parsed);
}

INSTANTIATE_TEST_SUITE_P(
    Rule, JsonErrors,
    ::testing::Values(
        JsonErrorCase{"{", nullptr, 1, "malformed JSON at byte 1", "JSON 不完整"},
        JsonErrorCase{R"({"has":"phone",})", nullptr, 15, "malformed JSON at byte 15", "JSON 格式错误"},
        JsonErrorCase{R"({"has":"phone"} x)", nullptr, 16, "malformed JSON at byte 16", "多余内容"},
        JsonErrorCase{"[]", "", 0, "expected a condition", "条件对象"},
        JsonErrorCase{"{}", "", 0, "an object with one of all, any, not, tag", "此处应为一个条件"},
        JsonErrorCase{R"({"all":[1]})", "/all/0", 0, "expected a condition", "条件对象"},
        JsonErrorCase{R"({"all":{"has":"phone"}})", "/all", 0, "'all' takes a list of conditions", "条件列表"},
        JsonErrorCase{R"({"any":[]})", "/any", 0, "'any' needs at least one condition", "至少需要一个条件"},
        JsonErrorCase{R"({"trait":"order_cnt","op":">","value":1})", "/trait", 0, "did you mean 'order_count'?",
                      "是否想写 'order_count'"},
        JsonErrorCase{R"({"trait":"order_count","op":">","value":1.5})", "/value", 0, "expected a whole number",
                      "此处应为整数"},
        JsonErrorCase{R"({"trait":"order_count","op":">","value":"2"})", "/value", 0, "expected a whole number",
                      "整数"},
        JsonErrorCase{R"({"trait":"order_count","op":">"})", "/value", 0, "'value' is required", "缺少 'value'"},
        JsonErrorCase{R"({"trait":"order_count","value":2})", "/op", 0, "this field is required", "缺少此字段"},
        JsonErrorCase{R"({"trait":"order_count","op":"~","value":2})", "/op", 0, "unknown operator '~'",
                      "未知的运算符"},
        JsonErrorCase{R"({"trait":"order_count","op":">","value":1,"extra":1})", "/extra", 0,
                      "unknown field 'extra' (expected trait, op, value, within)", "未知字段 'extra'"},
        JsonErrorCase{R"({"has":"phone","a/b~c":1})", "/a~1b~0c", 0, "unknown field 'a/b~c'", "未知字段"},
        JsonErrorCase{R"({"tag":"a","tag":"b"})", "/tag", 0, "field 'tag' is given twice", "重复出现"},
        JsonErrorCase{R"({"tag":"a","trait":"order_count"})", "/trait", 0, "found both 'tag' and 'trait'",
                      "同时出现了 'tag' 和 'trait'"},
        JsonErrorCase{R"({"tag":["a","b"]})", "/op", 0, "'op' is required with a list of tags", "any_of 或 all_of"},
        JsonErrorCase{R"({"tag":["a","b"],"op":"has"})", "/tag", 0, "'has' takes one tag as a string", "只带一个标签"},
        JsonErrorCase{R"({"tag":"a//b","op":"has"})", "/tag", 0, "one '/' between two non-empty parts", "最多一个 '/'"},
        JsonErrorCase{R"({"tag":["ok"," padded"],"op":"all_of"})", "/tag/1", 0, "cannot begin or end with a space",
                      "首尾不能有空格"},
        JsonErrorCase{R"({"trait":"rfm_monetary","op":"in","value":[1,6]})", "/value/1", 0,
                      "RFM score from 1 to 5, not 6", "RFM 评分"},
        JsonErrorCase{R"({"all":[{"has":"phone"},{"not":{"trait":"total_spend","op":"between","value":[5,1]}}]})",
                      "/all/1/not/value", 0, "'between' needs low ≤ high", "下限不能大于上限"},
        JsonErrorCase{R"({"trait":"total_spend","op":"between","value":[5]})", "/value", 0,
                      "'between' takes two values", "两个值"},
        JsonErrorCase{R"({"trait":"total_spend","op":">","value":[5]})", "/value", 0, "takes one value, not a list",
                      "只带一个值"},
        JsonErrorCase{R"({"trait":"total_spend","op":">","value":12.345})", "/value", 0,
                      "amount in yuan with at most two decimals", "最多两位小数"},
        JsonErrorCase{R"({"trait":"total_spend","op":">","value":1e3})", "/value", 0, "at most two decimals",
                      "最多两位小数"},
        JsonErrorCase{R"({"trait":"order_count","op":">=","value":2,"within":"90"})", "/within", 0,
                      "expected a window such as \"90d\"", "时间窗口"},
        JsonErrorCase{R"({"trait":"order_count","op":">=","value":2,"within":"0h"})", "/within", 0,
                      "a window is 1d to 3650d or 1h to 87600h", "时间窗口为"},
        JsonErrorCase{R"({"trait":"last_order_at","op":"within","value":30})", "/value", 0,
                      "expected a duration such as \"30d\"", "时长"},
        JsonErrorCase{R"({"trait":"owner","op":"=","value":"nobody"})", "/value", 0, "a staff id or \"none\"",
                      "员工 id"},
        JsonErrorCase{R"({"attribute":"a","op":"=","value":"2024-01-01","type":"datetime"})", "/type", 0,
                      "'type' is \"date\" or \"money\"", "'type' 为"},
        JsonErrorCase{R"({"attribute":"a","op":"=","value":"2024-1-1","type":"date"})", "/value", 0,
                      "expected a date \"YYYY-MM-DD\"", "日期"},
        JsonErrorCase{R"({"attribute":"a","op":"=","value":null})", "/value", 0, "a string, a number or true/false",
                      "字符串、数字或 true/false"},
        JsonErrorCase{R"({"attribute":"a","op":"=","value":1e400})", "/value", 0, "number out of range", "超出范围"},
        JsonErrorCase{R"({"attribute":"a","op":"=","value":99999999999999999999})", "/value", 0, "integer out of range",
                      "整数超出范围"},
        JsonErrorCase{R"({"attribute":"a","op":"is_set","value":1})", "/value", 0, "'is_set' takes no value", "不带值"},
        JsonErrorCase{R"({"attribute":"a b","op":"is_set"})", "/attribute", 0, "an attribute name is 1 to 64",
                      "属性名为"},
        JsonErrorCase{R"({"attribute":"a","op":"=","value":"x\u0000y"})", "/value", 0, "control characters",
                      "控制字符"},
        JsonErrorCase{R"({"event":"X","where":{"property":"p","op":"contains","value":3}})", "/where/value", 0,
                      "'contains' on property p takes text in quotes", "带引号的文本"},
        JsonErrorCase{R"({"event":"X","where":{"property":"p","op":"=","value":1,"value":2}})", "/where/value", 0,
                      "given twice", "重复出现"},
        JsonErrorCase{R"({"event":"X","first":{"op":">=","value":2}})", "/first/value", 0,
                      "expected a date \"YYYY-MM-DD\"", "日期"},
        JsonErrorCase{R"({"event":"X","count":{"op":">=","value":2},"last":{"op":"within","value":"3d"}})", "/last", 0,
                      "one of count, first and last", "之一"},
        JsonErrorCase{R"({"event":"X","count":{"op":"is_set"}})", "/count/op", 0,
                      "'is set' cannot be used with the event count", "不能使用 'is set'"},
        JsonErrorCase{R"({"event":"X","last":{"op":"before","value":"3d"},"within":"7d"})", "/within", 0,
                      "a window applies to event counts", "时间窗口只用于事件次数"},
        JsonErrorCase{R"({"event":7})", "/event", 0, "expected a string", "此处应为字符串"},
        JsonErrorCase{R"({"segment":-1})", "/segment", 0, "segment ids are positive", "正整数"},
        JsonErrorCase{R"({"segment":1.5})", "/segment", 0, "expected a segment id or name", "分群 id 或名称"},
        JsonErrorCase{R"({"birthday":"birthday","op":"next_days","value":0})", "/value", 0, "1 to 366 days",
                      "1 到 366"},
        JsonErrorCase{R"({"birthday":"birthday","op":"this_month","value":3})", "/value", 0,
                      "'this_month' takes no value", "不带值"},
        JsonErrorCase{R"({"birthday":"birthday","op":"today"})", "/op", 0, "this_month, this_week or next_days",
                      "this_month、this_week 或 next_days"},
        JsonErrorCase{R"({"months_since":"baby_birthday","op":"<","value":-1})", "/value", 0, "not -1", "不能是 -1"},
        JsonErrorCase{R"({"consent":"marketing.fax"})", "/consent", 0, "unknown consent purpose", "未知的授权用途"},
        JsonErrorCase{R"({"consent":"marketing.sms","op":"granted"})", "/op", 0, "consented or not_consented",
                      "consented 或 not_consented"},
        JsonErrorCase{R"({"has":"fax"})", "/has", 0, "unknown identity 'fax'", "未知的身份类型"}));

// ---- Validation of rules built in code ----

Rule Phone() { return Rule::Of(IdentityCondition{.kind = IdentityKind::kPhone}); }

Rule TraitRule(Trait trait, Op op, std::vector<Value> values) {
    return Rule::Of(TraitCondition{.trait = trait, .test = {.op = op, .values = std::move(values)}});
}

TEST(RuleValidate, AcceptsAValidRule) {
    const Rule rule = Rule::All({Phone(), Rule::Not(TraitRule(Trait::kRfmRecency, Op::kGe, {int64_t{4}}))});
    EXPECT_EQ(Validate(rule), std::nullopt);
}

struct ValidateCase {
    const char* name;
    Rule rule;
    const char* pointer;
    const char* en;
};

TEST(RuleValidate, NamesTheProblemByPointer) {
    std::vector<ValidateCase> cases = {
        {"group of one", Rule::All({Phone()}), "/all", "a group needs at least two conditions"},
        {"empty any", Rule::Any({}), "/any", "a group needs at least two conditions"},
        {"not without child", Rule{.kind = Rule::Kind::kNot}, "/not", "'not' takes exactly one condition"},
        {"rfm out of range", Rule::All({Phone(), TraitRule(Trait::kRfmRecency, Op::kEq, {int64_t{0}})}), "/all/1/value",
         "RFM score from 1 to 5"},
        {"money given as integer", TraitRule(Trait::kTotalSpend, Op::kGt, {int64_t{500}}), "/value", "amount in yuan"},
        {"between reversed", TraitRule(Trait::kOrderCount, Op::kBetween, {int64_t{5}, int64_t{2}}), "/value",
         "low ≤ high"},
        {"window on a non-order trait",
         Rule::Of(TraitCondition{.trait = Trait::kDaysSinceLastSeen,
                                 .test = {.op = Op::kLt, .values = {int64_t{3}}},
                                 .window = Duration{.amount = 7}}),
         "/within", "take a window"},
        {"negative window",
         Rule::Of(TraitCondition{.trait = Trait::kOrderCount,
                                 .test = {.op = Op::kGt, .values = {int64_t{3}}},
                                 .window = Duration{.amount = -7}}),
         "/within", "a window is 1d to 3650d"},
        {"two tags for has", Rule::Of(TagCondition{.op = TagOp::kHas, .tags = {"a", "b"}}), "/tag", "takes one tag"},
        {"bad attribute name", Rule::Of(AttributeCondition{.attribute = "a b", .test = {.op = Op::kIsSet}}),
         "/attribute", "an attribute name"},
        {"is set with a value",
         Rule::Of(AttributeCondition{.attribute = "a", .test = {.op = Op::kIsSet, .values = {true}}}), "/value",
         "'is set' takes no value"},
        {"first with a window",
         Rule::Of(EventCondition{.event = "X",
                                 .measure = EventMeasure::kFirst,
                                 .test = {.op = Op::kWithin, .values = {Duration{.amount = 3}}},
                                 .window = Duration{.amount = 3}}),
         "/within", "a window applies to event counts"},
        {"property filter",
         Rule::Of(EventCondition{
             .event = "X",
             .where = PropertyFilter{.property = "p", .test = {.op = Op::kStartsWith, .values = {int64_t{1}}}}}),
         "/where/value", "takes text in quotes"},
        {"birthday days on this_month",
         Rule::Of(BirthdayCondition{.attribute = "b", .period = BirthdayPeriod::kThisMonth, .days = 3}), "/value",
         "takes no value"},
        {"segment zero", Rule::Of(SegmentCondition{.segment = SegmentId()}), "/segment", "segment ids are positive"},
        {"nan",
         Rule::Of(AttributeCondition{.attribute = "a",
                                     .test = {.op = Op::kEq, .values = {std::numeric_limits<double>::quiet_NaN()}}}),
         "/value", "finite"},
        {"staff for an attribute",
         Rule::Of(AttributeCondition{.attribute = "a", .test = {.op = Op::kEq, .values = {StaffId(3)}}}), "/value",
         "'=' on attr.a takes"},
    };
    for (const ValidateCase& c : cases) {
        const auto error = Validate(c.rule);
        ASSERT_TRUE(error.has_value()) << c.name;
        EXPECT_EQ(error->pointer, c.pointer) << c.name << ": " << error->message_en;
        EXPECT_NE(error->message_en.find(c.en), std::string::npos) << c.name << ": " << error->message_en;
        EXPECT_FALSE(error->message_zh.empty()) << c.name;
        EXPECT_EQ(error->line, 0) << c.name;
    }
}

// ---- Limits ----

std::string NestedText(int levels) {  // not not … has phone: `levels` levels deep
    std::string text;
    for (int i = 1; i < levels; ++i) text += "not ";
    return text + "has phone";
}

std::string NestedJson(int levels) {
    std::string json = R"({"has":"phone"})";
    for (int i = 1; i < levels; ++i) json = R"({"any":[{"has":"email"},)" + json + "]}";
    return json;
}

TEST(RuleLimits, DepthIsAtMost32) {
    EXPECT_TRUE(ParseRuleText(NestedText(kMaxRuleDepth)).ok());
    const RuleResult too_deep = ParseRuleText(NestedText(kMaxRuleDepth + 1));
    ASSERT_FALSE(too_deep.ok());
    EXPECT_EQ(too_deep.error().offset, 0u);  // the outermost 'not' is 33 levels deep
    EXPECT_NE(too_deep.error().message_en.find("deeper than 32 levels"), std::string::npos) << Show(too_deep);
    EXPECT_NE(too_deep.error().message_zh.find("嵌套超过 32 层"), std::string::npos);

    std::string parens = "has email";
    for (int i = 0; i < kMaxRuleDepth; ++i) parens = "has phone and (" + parens + ")";
    const RuleResult deep_parens = ParseRuleText(parens);
    ASSERT_FALSE(deep_parens.ok());
    EXPECT_NE(deep_parens.error().message_en.find("deeper than 32"), std::string::npos) << Show(deep_parens);
    // Parentheses alone never run the parser out of stack.
    const RuleResult many_parens = ParseRuleText(std::string(100000, '('));
    ASSERT_FALSE(many_parens.ok());

    const RuleResult json_ok = ParseRuleJson(NestedJson(kMaxRuleDepth));
    ASSERT_TRUE(json_ok.ok()) << Show(json_ok);
    EXPECT_EQ(ParseRuleJson(ToJson(json_ok.value())).value(), json_ok.value());
    const RuleResult json_deep = ParseRuleJson(NestedJson(kMaxRuleDepth + 1));
    ASSERT_FALSE(json_deep.ok());
    EXPECT_NE(json_deep.error().message_en.find("deeper than 32"), std::string::npos) << Show(json_deep);
    EXPECT_EQ(json_deep.error().pointer.substr(0, 14), "/any/1/any/1/a");
    const RuleResult json_very_deep = ParseRuleJson(std::string(100000, '[') + std::string(100000, ']'));
    ASSERT_FALSE(json_very_deep.ok());
    EXPECT_NE(json_very_deep.error().message_en.find("nested too deeply"), std::string::npos) << Show(json_very_deep);

    Rule rule = Phone();
    for (int i = 1; i <= kMaxRuleDepth; ++i) rule = Rule::Not(rule);
    const auto error = Validate(rule);
    ASSERT_TRUE(error.has_value());
    EXPECT_EQ(
        error->pointer, "/not" + [] {
            std::string p;
            for (int i = 1; i < kMaxRuleDepth; ++i) p += "/not";
            return p;
        }());
}

TEST(RuleLimits, AtMost1000Conditions) {
    auto text_with = [](int n) {
        std::string text = "has phone";
        for (int i = 1; i < n; ++i) text += " or has phone";
        return text;
    };
    EXPECT_TRUE(ParseRuleText(text_with(kMaxRuleConditions)).ok());
    const RuleResult too_many = ParseRuleText(text_with(kMaxRuleConditions + 1));
    ASSERT_FALSE(too_many.ok());
    EXPECT_EQ(too_many.error().offset, 9u + 13u * static_cast<size_t>(kMaxRuleConditions - 1) + 4u);
    EXPECT_NE(too_many.error().message_en.find("more than 1000 conditions"), std::string::npos) << Show(too_many);

    std::string json = R"({"any":[{"all":[]})";
    for (int i = 1; i <= kMaxRuleConditions; ++i) json += R"(,{"has":"phone"})";
    json += "]}";
    const RuleResult json_many = ParseRuleJson(json);
    ASSERT_FALSE(json_many.ok());
    EXPECT_EQ(json_many.error().pointer, "/any/1000");
    EXPECT_NE(json_many.error().message_zh.find("条件超过 1000 个"), std::string::npos);
}

TEST(RuleLimits, InputSize) {
    const RuleResult text = ParseRuleText(std::string(kMaxRuleTextBytes + 1, ' '));
    ASSERT_FALSE(text.ok());
    EXPECT_EQ(text.error().offset, kMaxRuleTextBytes);
    EXPECT_NE(text.error().message_en.find("longer than 65536 bytes"), std::string::npos);
    const RuleResult json = ParseRuleJson(std::string(kMaxRuleJsonBytes + 1, ' '));
    ASSERT_FALSE(json.ok());
    EXPECT_NE(json.error().message_en.find("longer than 262144 bytes"), std::string::npos);

    std::string list = "attr.x in (1";
    for (size_t i = 1; i <= kMaxListValues; ++i) list += ", 1";
    const RuleResult long_list = ParseRuleText(list + ")");
    ASSERT_FALSE(long_list.ok());
    EXPECT_NE(long_list.error().message_en.find("at most 1000 values"), std::string::npos) << Show(long_list);
}

// ---- Segment cycles ----

class FakeSegments {
  public:
    void Add(int64_t id, std::string name, std::string_view text) {
        const RuleResult parsed = ParseRuleText(text);
        ASSERT_TRUE(parsed.ok()) << Show(parsed);
        segments_[id] = ResolvedSegment{.id = SegmentId(id), .name = std::move(name), .rule = parsed.value()};
    }

    SegmentResolver Resolver() {
        return [this](const SegmentRef& ref) -> Result<ResolvedSegment> {
            ++resolved_;
            for (const auto& [id, segment] : segments_) {
                if (const auto* by_id = std::get_if<SegmentId>(&ref); by_id && *by_id == segment.id) return segment;
                if (const auto* by_name = std::get_if<std::string>(&ref); by_name && *by_name == segment.name) {
                    return segment;
                }
            }
            return NotFound("segment not found");
        };
    }

    int resolved() const { return resolved_; }
    const Rule& rule(int64_t id) { return segments_.at(id).rule; }

  private:
    std::map<int64_t, ResolvedSegment> segments_;
    int resolved_ = 0;
};

TEST(RuleSegments, ReferencedSegmentsInOrderOnce) {
    const RuleResult parsed = ParseRuleText(R"(segment 3 and (segment "a" or not segment 3) and segment 4)");
    ASSERT_TRUE(parsed.ok());
    const std::vector<SegmentRef> expected = {SegmentId(3), std::string("a"), SegmentId(4)};
    EXPECT_EQ(ReferencedSegments(parsed.value()), expected);
}

TEST(RuleSegments, RejectsACycleThroughOtherSegments) {
    FakeSegments segments;
    segments.Add(1, "复购", R"(order_count >= 2 and segment "沉睡")");
    segments.Add(2, "沉睡", R"(last_order_at before 90d and not segment 3)");
    segments.Add(3, "回流", R"(has phone or segment "复购")");
    const Status status = CheckCycles(segments.rule(1), SegmentId(1), segments.Resolver());
    EXPECT_EQ(status.code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(status.field(), "/all/1/segment");
    EXPECT_EQ(status.message(), "the segment refers back to itself: 1 → 2 '沉睡' → 3 '回流' → 1");
}

TEST(RuleSegments, RejectsReferringToItselfByName) {
    FakeSegments segments;
    segments.Add(5, "高价值", R"(total_spend > 2000)");
    const RuleResult edited = ParseRuleText(R"(total_spend > 2000 or segment "高价值")");
    ASSERT_TRUE(edited.ok());
    const Status status = CheckCycles(edited.value(), SegmentId(5), segments.Resolver());
    EXPECT_EQ(status.code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(status.field(), "/any/1/segment");
}

TEST(RuleSegments, AcceptsSharedReferencesAndResolvesEachOnce) {
    FakeSegments segments;
    segments.Add(2, "b", "segment 4 and has phone");
    segments.Add(3, "c", "segment 4 or has email");
    segments.Add(4, "d", "has wecom");
    const RuleResult rule = ParseRuleText(R"(segment 2 and segment "c" and segment 4 and segment "c")");
    ASSERT_TRUE(rule.ok());
    EXPECT_TRUE(CheckCycles(rule.value(), SegmentId(), segments.Resolver()).ok());
    EXPECT_EQ(segments.resolved(), 3);
}

TEST(RuleSegments, FindsACycleNotThroughTheNewSegment) {
    FakeSegments segments;
    segments.Add(2, "b", "segment 3");
    segments.Add(3, "c", "segment 2");
    const RuleResult rule = ParseRuleText("segment 2");
    ASSERT_TRUE(rule.ok());
    const Status status = CheckCycles(rule.value(), SegmentId(), segments.Resolver());
    EXPECT_EQ(status.code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(status.message(), "the segment refers back to itself: 2 'b' → 3 'c' → 2 'b'");
}

TEST(RuleSegments, PassesResolverErrorsThrough) {
    FakeSegments segments;
    const RuleResult rule = ParseRuleText(R"(segment "gone")");
    ASSERT_TRUE(rule.ok());
    EXPECT_EQ(CheckCycles(rule.value(), SegmentId(1), segments.Resolver()).code(), ErrorCode::kNotFound);
}

TEST(RuleSegments, LimitsChainDepth) {
    FakeSegments segments;
    for (int64_t id = 2; id <= 40; ++id)
        segments.Add(id, "s" + std::to_string(id), "segment " + std::to_string(id + 1));
    segments.Add(41, "last", "has phone");
    const RuleResult rule = ParseRuleText("segment 2");
    ASSERT_TRUE(rule.ok());
    const Status status = CheckCycles(rule.value(), SegmentId(1), segments.Resolver());
    EXPECT_EQ(status.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(status.message().find("more than 32 levels deep"), std::string::npos) << status.ToString();
}

// ---- Property test: random rules survive both forms ----

class RuleGenerator {
  public:
    explicit RuleGenerator(uint32_t seed) : random_(seed) {}

    Rule Make(int depth = 1) {
        if (depth >= 6 || Pick(2) == 0) return Rule::Of(Leaf());
        switch (Pick(3)) {
            case 0:
                return Rule::Not(Make(depth + 1));
            default: {
                std::vector<Rule> children;
                const int n = 2 + Pick(3);
                for (int i = 0; i < n; ++i) children.push_back(Make(depth + 1));
                return Pick(2) == 0 ? Rule::All(std::move(children)) : Rule::Any(std::move(children));
            }
        }
    }

  private:
    int Pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(random_); }
    int64_t Between(int64_t low, int64_t high) { return std::uniform_int_distribution<int64_t>(low, high)(random_); }

    std::string Text() {
        static const std::vector<std::string> kTexts = {
            "母婴",  "a\"b",      "back\\slash", "and",      "with space", "😀 emoji",    "人群/宝妈", "“quoted”", "x",
            "ORDER", "奶粉 900g", "'single'",    "tab-free", "0",          "2024-01-01", "none",      "¥5"};
        return kTexts[static_cast<size_t>(Pick(static_cast<int>(kTexts.size())))];
    }
    std::string Name() {
        static const std::vector<std::string> kNames = {"gender", "baby_birthday", "_x1",        "City", "a",
                                                        "1st",    "address.city",  "first-name", "x.-"};
        return kNames[static_cast<size_t>(Pick(static_cast<int>(kNames.size())))];
    }
    LocalDate Date() {
        return LocalDate{.year = static_cast<int>(Between(1900, 2200)),
                         .month = static_cast<int>(Between(1, 12)),
                         .day = static_cast<int>(Between(1, 28))};
    }
    Duration Window() {
        return Pick(2) == 0 ? Duration{.amount = Between(1, kMaxWindowDays), .unit = TimeUnit::kDays}
                            : Duration{.amount = Between(1, kMaxWindowHours), .unit = TimeUnit::kHours};
    }
    Money Yuan(bool allow_negative) {
        const int64_t fen = Pick(4) == 0 ? Between(0, 100) * 100 : Between(0, int64_t{1} << 50);
        return Money::FromFen(allow_negative && Pick(3) == 0 ? -fen : fen);
    }
    double Double() {
        static const std::vector<double> kSpecial = {0.5, -0.0, 1e300, -2.5e-10, 5e-324, 1.7976931348623157e308,
                                                     0.1, 100.0};
        if (Pick(3) == 0) return kSpecial[static_cast<size_t>(Pick(static_cast<int>(kSpecial.size())))];
        return std::uniform_real_distribution<double>(-1e6, 1e6)(random_);
    }

    // A scalar for attributes and properties, of family `family` (0 … 5).
    Value Scalar(int family, bool ordered) {
        switch (family) {
            case 0:
                return Pick(2) == 0 ? Value(Between(-1000000, 1000000)) : Value(Double());
            case 1:
                return Yuan(true);
            case 2:
                return Date();
            case 3:
                return ordered ? Value(Between(0, 9)) : Value(Pick(2) == 0);
            default:
                return ordered ? Value(Double()) : Value(Text());
        }
    }

    Comparison AnyComparison() {
        const int family = Pick(5);
        switch (Pick(10)) {
            case 0:
                return {.op = Op::kIsSet};
            case 1:
                return {.op = Pick(2) == 0 ? Op::kWithin : Op::kBefore, .values = {Window()}};
            case 2:
                return {.op = Pick(2) == 0 ? Op::kContains : Op::kStartsWith, .values = {Text()}};
            case 3: {
                Comparison c{.op = Op::kIn};
                const int n = 1 + Pick(3);
                for (int i = 0; i < n; ++i) c.values.push_back(Scalar(family, false));
                return c;
            }
            case 4: {
                if (family == 0) {
                    const int64_t low = Between(-100, 100);
                    return {.op = Op::kBetween, .values = {low, low + Between(0, 100)}};
                }
                const LocalDate low = Date();
                const int high_year = std::min(low.year + 1, 2200);
                return {.op = Op::kBetween, .values = {low, LocalDate{.year = high_year, .month = 12, .day = 31}}};
            }
            case 5:
            case 6: {
                const Op ops[] = {Op::kLt, Op::kLe, Op::kGt, Op::kGe};
                return {.op = ops[Pick(4)], .values = {Scalar(family % 3, true)}};
            }
            default:
                return {.op = Pick(2) == 0 ? Op::kEq : Op::kNe, .values = {Scalar(family, false)}};
        }
    }

    Comparison IntegerComparison(int64_t low, int64_t high, bool allow_in) {
        switch (Pick(allow_in ? 4 : 3)) {
            case 0: {
                const int64_t a = Between(low, high);
                return {.op = Op::kBetween, .values = {a, Between(a, high)}};
            }
            case 1:
                return {.op = Pick(2) == 0 ? Op::kEq : Op::kNe, .values = {Between(low, high)}};
            case 2: {
                const Op ops[] = {Op::kLt, Op::kLe, Op::kGt, Op::kGe};
                return {.op = ops[Pick(4)], .values = {Between(low, high)}};
            }
            default: {
                Comparison c{.op = Op::kIn};
                const int n = 1 + Pick(4);
                for (int i = 0; i < n; ++i) c.values.push_back(Between(low, high));
                return c;
            }
        }
    }

    Comparison TimeComparison() {
        switch (Pick(4)) {
            case 0:
                return {.op = Pick(2) == 0 ? Op::kWithin : Op::kBefore, .values = {Window()}};
            case 1: {
                const LocalDate low = Date();
                return {.op = Op::kBetween, .values = {low, low}};
            }
            default: {
                const Op ops[] = {Op::kEq, Op::kNe, Op::kLt, Op::kLe, Op::kGt, Op::kGe};
                return {.op = ops[Pick(6)], .values = {Date()}};
            }
        }
    }

    Condition TraitLeaf() {
        static const Trait kAll[] = {Trait::kOrderCount,        Trait::kTotalSpend,      Trait::kAverageOrderValue,
                                     Trait::kFirstOrderAt,      Trait::kLastOrderAt,     Trait::kDaysSinceLastOrder,
                                     Trait::kDaysSinceLastSeen, Trait::kRfmRecency,      Trait::kRfmFrequency,
                                     Trait::kRfmMonetary,       Trait::kLifecycleStage,  Trait::kOrdersOnJd,
                                     Trait::kOrdersOnTaobao,    Trait::kOrdersOnDouyin,  Trait::kOrdersOnPdd,
                                     Trait::kOrdersOnYouzan,    Trait::kOrdersOnSegment, Trait::kOwner,
                                     Trait::kSourceChannel};
        const Trait trait = kAll[Pick(static_cast<int>(std::size(kAll)))];
        TraitCondition c{.trait = trait};
        switch (trait) {
            case Trait::kTotalSpend:
            case Trait::kAverageOrderValue:
                if (Pick(2) == 0) {
                    const Money low = Yuan(false);
                    c.test = {.op = Op::kBetween, .values = {low, Money::FromFen(low.fen() + Between(0, 100000))}};
                } else {
                    const Op ops[] = {Op::kEq, Op::kNe, Op::kLt, Op::kLe, Op::kGt, Op::kGe};
                    c.test = {.op = ops[Pick(6)], .values = {Yuan(false)}};
                }
                break;
            case Trait::kFirstOrderAt:
            case Trait::kLastOrderAt:
                c.test = Pick(5) == 0 ? Comparison{.op = Op::kIsSet} : TimeComparison();
                break;
            case Trait::kRfmRecency:
            case Trait::kRfmFrequency:
            case Trait::kRfmMonetary:
                c.test = IntegerComparison(1, 5, true);
                break;
            case Trait::kLifecycleStage: {
                static const char* kStages[] = {"prospect", "new", "repeat", "at_risk", "churned"};
                c.test = {.op = Pick(2) == 0 ? Op::kEq : Op::kIn, .values = {std::string(kStages[Pick(5)])}};
                if (c.test.op == Op::kIn) c.test.values.push_back(std::string(kStages[Pick(5)]));
                break;
            }
            case Trait::kOwner:
                c.test = {.op = Pick(2) == 0 ? Op::kNe : Op::kIn, .values = {StaffId(Between(0, 50))}};
                if (c.test.op == Op::kIn) c.test.values.push_back(StaffId());
                break;
            case Trait::kSourceChannel:
                c.test = Pick(3) == 0 ? Comparison{.op = Op::kIsSet}
                                      : Comparison{.op = Pick(2) == 0 ? Op::kStartsWith : Op::kEq, .values = {Text()}};
                break;
            default:
                c.test = IntegerComparison(0, 1000000, true);
                break;
        }
        if (IsWindowed(trait) && Pick(2) == 0) c.window = Window();
        return c;
    }

    static bool IsWindowed(Trait trait) {
        return trait == Trait::kOrderCount || trait == Trait::kTotalSpend || trait == Trait::kAverageOrderValue ||
               (trait >= Trait::kOrdersOnJd && trait <= Trait::kOrdersOnSegment);
    }

    Condition Leaf() {
        switch (Pick(11)) {
            case 0:
                return Everyone{};
            case 1: {
                TagCondition c{.op = static_cast<TagOp>(Pick(4))};
                const int n = c.op == TagOp::kHas || c.op == TagOp::kHasNot ? 1 : 1 + Pick(3);
                for (int i = 0; i < n; ++i) c.tags.push_back(Text());
                return c;
            }
            case 2:
                return AttributeCondition{.attribute = Name(), .test = AnyComparison()};
            case 3:
            case 4:
                return TraitLeaf();
            case 5:
                return IdentityCondition{.kind = static_cast<IdentityKind>(Pick(12))};
            case 6:
                return ConsentCondition{.purpose = static_cast<ConsentPurpose>(Pick(5)), .consented = Pick(2) == 0};
            case 7: {
                EventCondition c{.event = Text()};
                if (Pick(2) == 0) {
                    c.where = PropertyFilter{.property = Pick(2) == 0 ? Name() : Text(), .test = AnyComparison()};
                }
                switch (Pick(3)) {
                    case 0:
                        c.measure = EventMeasure::kCount;
                        c.test = IntegerComparison(0, 100, true);
                        if (Pick(2) == 0) c.window = Window();
                        break;
                    default:
                        c.measure = Pick(2) == 0 ? EventMeasure::kFirst : EventMeasure::kLast;
                        c.test = TimeComparison();
                        break;
                }
                return c;
            }
            case 8:
                return SegmentCondition{.segment = Pick(2) == 0 ? SegmentRef(SegmentId(Between(1, 1000)))
                                                                : SegmentRef(Text())};
            case 9: {
                BirthdayCondition c{.attribute = Name(), .period = static_cast<BirthdayPeriod>(Pick(3))};
                if (c.period == BirthdayPeriod::kNextDays) c.days = Between(1, 366);
                return c;
            }
            default:
                return MonthsSinceCondition{.attribute = Name(), .test = IntegerComparison(0, 1200, true)};
        }
    }

    std::mt19937 random_;
};

TEST(RuleProperty, RandomRulesRoundTripThroughBothForms) {
    RuleGenerator generator(20240618);
    for (int i = 0; i < 2000; ++i) {
        const Rule rule = generator.Make();
        const auto problem = Validate(rule);
        ASSERT_EQ(problem, std::nullopt) << i << ": " << problem->where() << " " << problem->message_en << "\n"
                                         << ToJson(rule);

        const std::string text = ToText(rule);
        const RuleResult from_text = ParseRuleText(text);
        ASSERT_TRUE(from_text.ok()) << i << ": " << text << "\n" << Show(from_text);
        ASSERT_EQ(from_text.value(), rule) << i << ": " << text << "\n" << ToText(from_text.value());
        ASSERT_EQ(ToText(from_text.value()), text);

        const std::string json = ToJson(rule);
        const RuleResult from_json = ParseRuleJson(json);
        ASSERT_TRUE(from_json.ok()) << i << ": " << json << "\n" << Show(from_json);
        ASSERT_EQ(from_json.value(), rule) << i << ": " << json;
        ASSERT_EQ(ToJson(from_json.value()), json);

        // text → rule → JSON → rule
        const RuleResult via_json = ParseRuleJson(ToJson(from_text.value()));
        ASSERT_TRUE(via_json.ok()) << Show(via_json);
        ASSERT_EQ(via_json.value(), rule);
    }
}

}  // namespace
}  // namespace yutang::audience
