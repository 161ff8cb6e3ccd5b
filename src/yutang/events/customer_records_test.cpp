#include "yutang/events/customer_records.hpp"

#include <cctype>
#include <regex>
#include <set>
#include <sstream>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "yutang/base/log.hpp"
#include "yutang/events/ingest.hpp"
#include "yutang/events/ingest_testing.hpp"
#include "yutang/store/migrations.hpp"

#include "tests/support/test_store.hpp"

namespace yutang::events {
namespace {

using customers::IdentityKind;

class CustomerRecordsTest : public ::testing::Test, protected IngestParts {
  protected:
    void SetUp() override {
        db_ = testing::OpenTestStore(dir_, clock_);
        ASSERT_NE(db_, nullptr);
        ASSERT_TRUE(StartIngest().ok());
        records_ = std::make_unique<CustomerRecords>(*db_, resolver_, orders_, keys_, clock_);
        // One person seen three ways, merged by alias; an order; a rejected message naming them.
        for (const char* body :
             {R"({"type":"track","anonymousId":"anon-5","event":"Product Viewed","properties":{"sku":"A1"}})",
              R"({"type":"identify","userId":"u-5","traits":{"email":"five@example.com","phone":")"
              "138"
              "5555"
              "6666"
              R"(","address":"上海市徐汇区"}})",
              R"({"type":"alias","previousId":"anon-5","userId":"u-5"})",
              R"({"type":"track","userId":"u-5","event":"Order Completed","properties":{"order_id":"O-5","total":88}})",
              R"({"type":"track","userId":"u-5"})",
              // Rejected too: one from someone whose id merely starts like theirs, one naming them
              // in its properties, and one naming them only by their phone, written another way.
              R"({"type":"track","userId":"u-50"})",
              R"({"type":"track","userId":"x-2","properties":{"contact":"FIVE@example.com"}})",
              R"({"type":"track","anonymousId":"x-1","context":{"traits":{"phone":"138 )"
              "5555 6666"
              R"("}}})"}) {
            ASSERT_TRUE(ingest_->IngestBatch(TenantId(1), std::string(R"({"batch":[)") + body + "]}").ok()) << body;
        }
        ASSERT_TRUE(ingest_->IngestSingle(TenantId(1), MessageType::kIdentify, R"({"userId":"someone-else"})").ok());
        auto found = records_->Search(TenantId(1), "138-5555-6666");
        ASSERT_TRUE(found.ok());
        ASSERT_EQ(found->size(), 1u);
        customer_ = found->front();
    }

    std::unique_ptr<CustomerRecords> records_;
    CustomerId customer_;
    staff::Actor actor_ = staff::Actor::Staff(StaffId(1), "req", "127.0.0.1");
};

TEST_F(CustomerRecordsTest, SearchFindsThePersonByAnyIdentity) {
    for (const char* q : {"u-5", "anon-5", "FIVE@example.com", "+8613855556666"}) {
        auto found = records_->Search(TenantId(1), q);
        ASSERT_TRUE(found.ok());
        ASSERT_EQ(found->size(), 1u) << q;
        EXPECT_EQ(found->front(), customer_) << q;
    }
    EXPECT_TRUE(records_->Search(TenantId(1), "nobody@example.com")->empty());
    EXPECT_EQ(records_->Search(TenantId(1), "").status().field(), "q");
}

TEST_F(CustomerRecordsTest, ListKeepsToASegmentsMembers) {
    ASSERT_TRUE(db_->Write([&](store::Session& s) {
                       return s
                           .Execute(
                               "INSERT INTO segment_members (tenant_id, segment_id, customer_id, entered_at) "
                               "VALUES (1, 7, $1, 0), (1, 8, 999, 0)",
                               {customer_.value()})
                           .status();
                   })
                    .ok());
    auto all = records_->List(TenantId(1), {});
    ASSERT_TRUE(all.ok());
    EXPECT_EQ(all->total, 2);
    auto members = records_->List(TenantId(1), {.segment_id = 7});
    ASSERT_TRUE(members.ok()) << members.status().ToString();
    ASSERT_EQ(members->items.size(), 1u);
    EXPECT_EQ(members->items[0].id, customer_);
    EXPECT_EQ(members->total, 1);
    auto none = records_->List(TenantId(1), {.segment_id = 8});
    ASSERT_TRUE(none.ok());
    EXPECT_EQ(none->total, 0) << "a member id that is not a customer of this merchant lists nothing";
}

TEST_F(CustomerRecordsTest, ProfileIsMaskedAndRevealIsAudited) {
    auto profile = records_->Profile(TenantId(1), customer_);
    ASSERT_TRUE(profile.ok()) << profile.status().ToString();
    EXPECT_EQ(profile->identities.size(), 4u);
    for (const auto& identity : profile->identities) EXPECT_TRUE(identity.value.empty());
    EXPECT_EQ(profile->traits->order_count, 1);
    ASSERT_EQ(profile->orders.size(), 1u);
    EXPECT_EQ(profile->orders[0].total.fen(), 8800);
    EXPECT_EQ(profile->events.size(), 4u) << "events of the merged anonymous id included";
    ASSERT_EQ(profile->merged_ids.size(), 1u);
    // The merged id leads to the same profile.
    EXPECT_EQ(records_->Profile(TenantId(1), profile->merged_ids[0])->id, customer_);
    EXPECT_EQ(records_->Profile(TenantId(1), CustomerId(999)).status().code(), ErrorCode::kNotFound);

    auto revealed = records_->Reveal(TenantId(1), customer_, actor_);
    ASSERT_TRUE(revealed.ok());
    std::set<std::string> values;
    for (const auto& identity : revealed->identities) values.insert(identity.value);
    EXPECT_TRUE(values.count("+8613855556666"));
    EXPECT_EQ(Count("SELECT COUNT(*) FROM audit_log WHERE action = 'pii.viewed'"), 1);
}

TEST_F(CustomerRecordsTest, ExportHoldsEverythingAboutThePerson) {
    auto exported = records_->Export(TenantId(1), customer_, actor_);
    ASSERT_TRUE(exported.ok()) << exported.status().ToString();
    boost::system::error_code ec;
    const auto doc = boost::json::parse(*exported, ec);
    ASSERT_FALSE(ec) << *exported;
    const auto& o = doc.as_object();
    EXPECT_EQ(o.at("identities").as_array().size(), 4u);
    EXPECT_EQ(o.at("orders").as_array().size(), 1u);
    EXPECT_EQ(o.at("events").as_array().size(), 4u);
    EXPECT_EQ(o.at("failed_events").as_array().size(), 3u)
        << "the rejected messages sent as u-5, with their phone, and naming their email; not the one of u-50";
    EXPECT_EQ(exported->find("u-50"), std::string::npos);
    EXPECT_NE(exported->find("上海市徐汇区"), std::string::npos);
    EXPECT_EQ(o.at("attributes").as_object().at("address").as_object().at("value").as_string(), "上海市徐汇区")
        << "identify traits are profile attributes";
    EXPECT_EQ(o.at("source_channel").as_string(), "segment");
    EXPECT_TRUE(o.at("tags").is_array() && o.at("notes").is_array() && o.at("consent").is_array());
    EXPECT_EQ(exported->find("someone-else"), std::string::npos) << "nobody else's data";
    EXPECT_EQ(Count("SELECT COUNT(*) FROM audit_log WHERE action = 'data.exported'"), 1);
}

// Every column the schema marks "-- personal" must be covered by export and erasure.
TEST(PersonalColumns, EveryMarkedColumnIsCovered) {
    std::set<std::string> marked;
    for (const store::Migration& m : store::BuiltinMigrations()) {
        std::istringstream lines{std::string(m.sqlite_sql)};
        std::string table;
        const std::regex create(R"(CREATE TABLE (\w+))");
        const std::regex column(R"(^\s+(\w+) .*-- personal)");
        for (std::string line; std::getline(lines, line);) {
            std::smatch match;
            if (std::regex_search(line, match, create)) table = match[1];
            if (std::regex_search(line, match, column)) marked.insert(table + "." + std::string(match[1]));
        }
    }
    const auto covered_span = CustomerRecords::CoveredColumns();
    std::set<std::string> covered(covered_span.begin(), covered_span.end());
    // The explicit exceptions: personal columns tied to no customer, limited by other means
    // (each is commented where it is listed). A column is never both covered and an exception.
    for (std::string_view exception : CustomerRecords::NotPerCustomerColumns()) {
        EXPECT_TRUE(covered.insert(std::string(exception)).second) << exception << " is covered and an exception";
    }
    EXPECT_FALSE(marked.empty());
    EXPECT_EQ(marked, covered) << "a personal column is not covered by export/erase (nor a listed exception), or the "
                                  "lists are stale";
}

// The personal columns the migrations mark, as "table.column", without the listed exceptions.
std::vector<std::pair<std::string, std::string>> MarkedPerCustomerColumns() {
    std::set<std::pair<std::string, std::string>> marked;
    const std::regex create(R"(CREATE TABLE (\w+))");
    const std::regex column(R"(^\s+(\w+) .*-- personal)");
    for (const store::Migration& m : store::BuiltinMigrations()) {
        std::istringstream lines{std::string(m.sqlite_sql)};
        std::string table;
        for (std::string line; std::getline(lines, line);) {
            std::smatch match;
            if (std::regex_search(line, match, create)) table = match[1];
            if (std::regex_search(line, match, column)) marked.emplace(table, match[1]);
        }
    }
    for (std::string_view exception : CustomerRecords::NotPerCustomerColumns()) {
        const size_t dot = exception.find('.');
        marked.erase({std::string(exception.substr(0, dot)), std::string(exception.substr(dot + 1))});
    }
    return {marked.begin(), marked.end()};
}

// Whether `text` holds `token` (ASCII case ignored) with no letter, digit, '-' or '_' around it:
// "u-5" is not in "u-50".
bool HoldsToken(std::string_view text, std::string_view token) {
    auto lower = [](std::string_view v) {
        std::string out(v);
        for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        return out;
    };
    const std::string hay = lower(text), needle = lower(token);
    auto word = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_'; };
    for (size_t at = hay.find(needle); at != std::string::npos; at = hay.find(needle, at + 1)) {
        const bool open = at == 0 || !word(hay[at - 1]);
        const size_t end = at + needle.size();
        if (open && (end == hay.size() || !word(hay[end]))) return true;
    }
    return false;
}

// Every column the schema marks personal, exercised: the fixture puts something of the person in
// it, export shows it, and erasure leaves nothing of the person in it, whichever table it is in. A
// new personal column fails here until the fixture, Export and Erase all cover it.
TEST_F(CustomerRecordsTest, ExportShowsAndEraseWipesThePersonInEveryPersonalColumn) {
    // What only this person is: their ids, contacts (as stored and as they were typed), the
    // address they gave, a guide's note and an order's buyer details.
    const std::vector<std::string> person = {"u-5",
                                             "anon-5",
                                             "five@example.com",
                                             "+86"
                                             "138"
                                             "5555"
                                             "6666",
                                             "138"
                                             "5555"
                                             "6666",
                                             "138 5555 6666",
                                             "上海市徐汇区",
                                             "宝宝湿疹回访",
                                             "钱五收",
                                             "漕溪北路5号"};
    customers::ProfileStore profiles(keys_, clock_);
    ASSERT_TRUE(db_->Write([&](store::Session& s) -> Status {
                       YT_TRY(profiles.AddNote(s, TenantId(1), customer_, "电话：宝宝湿疹回访", StaffId(1)).status());
                       return orders_
                           .Upsert(s, TenantId(1),
                                   {.source = "jd",
                                    .external_id = "J-5",
                                    .customer = customer_,
                                    .status = "paid",
                                    .raw_status = "等待出库",
                                    .total = Money::FromFen(1000),
                                    .paid = Money::FromFen(1000),
                                    .ordered_at = clock_.Now(),
                                    .buyer_hint = "钱*",
                                    .buyer_details = R"({"name":"钱五收","address":"漕溪北路5号"})"})
                           .status();
                   })
                    .ok());

    // A stored value as text: decrypted under whichever context sealed it, or as it is.
    std::vector<std::string> contexts = {"t1/event", "t1/order.buyer", "t1/customer.attribute", "t1/customer.note"};
    for (IdentityKind kind : customers::AllIdentityKinds())
        contexts.push_back("t1/identity." + std::string(customers::IdentityKindName(kind)));
    auto plain = [&](const store::Row& row) -> std::string {
        if (row.Text(1) != "blob") return row.Text(0);
        for (const auto& context : contexts) {
            if (auto text = keys_.Decrypt(row.Text(0), context); text.ok()) return *text;
        }
        ADD_FAILURE() << "a sealed value under no known context";
        return "";
    };
    std::string ids_sql;
    ASSERT_TRUE(db_->Read([&](store::Session& s) -> Status {
                       YT_ASSIGN_OR_RETURN(auto rows,
                                           s.Query("SELECT customer_id FROM customers WHERE customer_id = $1 OR "
                                                   "merged_into = $1",
                                                   {customer_.value()}));
                       for (const auto& row : rows)
                           ids_sql += (ids_sql.empty() ? "" : ",") + std::to_string(row.Int(0));
                       return OkStatus();
                   })
                    .ok());
    // Each column's values as text, and whether the row is the person's: by its customer_id when
    // the table has one, else (failed events) by holding one of the person's values.
    struct Value {
        std::string text;
        bool theirs = false;
        bool sealed = false;  // an encrypted value, not a masked hint
    };
    auto read = [&](const std::string& table, const std::string& column) {
        std::vector<Value> values;
        EXPECT_TRUE(
            db_->Read([&](store::Session& s) -> Status {
                   YT_ASSIGN_OR_RETURN(auto has_customer, s.QueryOne("SELECT COUNT(*) FROM pragma_table_info('" +
                                                                     table + "') WHERE name = 'customer_id'"));
                   const bool by_customer = has_customer->Int(0) > 0;
                   YT_ASSIGN_OR_RETURN(
                       auto rows, s.Query("SELECT " + column + ", typeof(" + column + "), " +
                                          (by_customer ? "customer_id IN (" + ids_sql + ")" : "0") + " FROM " + table));
                   for (const auto& row : rows) {
                       Value v{plain(row), row.Int(2) != 0, row.Text(1) == "blob"};
                       for (const auto& token : person) v.theirs = v.theirs || HoldsToken(v.text, token);
                       values.push_back(std::move(v));
                   }
                   return OkStatus();
               })
                .ok());
        return values;
    };

    const auto columns = MarkedPerCustomerColumns();
    ASSERT_FALSE(columns.empty());
    auto exported = records_->Export(TenantId(1), customer_, actor_);
    ASSERT_TRUE(exported.ok()) << exported.status().ToString();
    for (const auto& [table, column] : columns) {
        const std::string name = table + "." + column;
        size_t theirs = 0;
        for (const Value& v : read(table, column)) {
            if (!v.theirs || v.text.empty() || v.text == "{}") continue;
            ++theirs;
            // A sealed value is in the export whole, as it is or as a JSON string; a masked hint
            // shows no whole value (the value it masks is exported with its row).
            if (v.sealed) {
                std::string as_string;
                AppendJsonEscaped(as_string, v.text);
                EXPECT_TRUE(exported->find(v.text) != std::string::npos ||
                            exported->find(as_string) != std::string::npos)
                    << name << ": " << v.text;
            }
        }
        EXPECT_GT(theirs, 0u) << name << ": the fixture puts nothing of the person in it; give them a value there";
    }

    ASSERT_TRUE(records_->Erase(TenantId(1), customer_, actor_).ok());
    bool others_kept = false;
    for (const auto& [table, column] : columns) {
        const std::string name = table + "." + column;
        for (const Value& v : read(table, column)) {
            others_kept = others_kept || HoldsToken(v.text, "someone-else");
            if (!v.theirs) continue;
            EXPECT_TRUE(v.text.empty() || v.text == "{}") << name << " still holds \"" << v.text << "\"";
        }
    }
    EXPECT_TRUE(others_kept) << "erasure took someone else's data too";
}

TEST_F(CustomerRecordsTest, EraseRemovesPersonalDataAndKeepsTheNumbers) {
    ASSERT_TRUE(records_->Erase(TenantId(1), customer_, actor_).ok());
    EXPECT_EQ(
        Count("SELECT COUNT(*) FROM customer_identities WHERE customer_id = " + std::to_string(customer_.value())), 0);
    EXPECT_EQ(Count("SELECT COUNT(*) FROM orders"), 1) << "orders stay, pseudonymised";
    EXPECT_EQ(Count("SELECT order_count FROM customer_traits"), 1);
    EXPECT_EQ(Count("SELECT COUNT(*) FROM failed_events"), 1) << "u-50's rejected message is not theirs";
    EXPECT_EQ(Count("SELECT COUNT(*) FROM customer_attributes"), 0);
    EXPECT_EQ(Count("SELECT COUNT(*) FROM audit_log WHERE action = 'data.deleted'"), 1);
    // Nothing personal is left in any marked column.
    ASSERT_TRUE(db_->Read([&](store::Session& s) -> Status {
                       YT_ASSIGN_OR_RETURN(auto events,
                                           s.Query("SELECT payload FROM events WHERE customer_id IS NOT NULL "
                                                   "AND customer_id <> (SELECT customer_id FROM "
                                                   "customer_identities LIMIT 1)"));
                       for (const auto& row : events) EXPECT_EQ(*keys_.Decrypt(row.Text(0), "t1/event"), "{}");
                       YT_ASSIGN_OR_RETURN(auto orders, s.Query("SELECT buyer_hint, buyer_cipher FROM orders"));
                       for (const auto& row : orders) {
                           EXPECT_EQ(row.Text(0), "");
                           EXPECT_EQ(*keys_.Decrypt(row.Text(1), "t1/order.buyer"), "{}");
                       }
                       return OkStatus();
                   })
                    .ok());
    EXPECT_TRUE(records_
                    ->Search(TenantId(1),
                             "138"
                             "5555"
                             "6666")
                    ->empty());
    EXPECT_EQ(records_->Search(TenantId(1), "someone-else")->size(), 1u) << "others are untouched";
}

}  // namespace
}  // namespace yutang::events
