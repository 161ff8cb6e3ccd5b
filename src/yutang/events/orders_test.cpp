#include "yutang/events/orders.hpp"

#include <algorithm>
#include <random>
#include <span>

#include <gtest/gtest.h>

#include "tests/support/test_store.hpp"

namespace yutang::events {
namespace {

class OrdersTest : public ::testing::Test {
  protected:
    void SetUp() override {
        db_ = testing::OpenTestStore(dir_, clock_);
        ASSERT_NE(db_, nullptr);
        ASSERT_TRUE(db_->Write([](store::Session& s) {
                           return s.ExecuteScript(
                               "INSERT INTO tenants (tenant_id, name, created_at) VALUES (1, 'a', 0);"
                               "INSERT INTO customers (tenant_id, customer_id, created_at, updated_at) VALUES "
                               "(1, 1, 0, 0), (1, 2, 0, 0)");
                       })
                        .ok());
    }
    OrderInput Order(const std::string& id, int64_t fen, const std::string& status = "completed") {
        return OrderInput{.source = "jd",
                          .external_id = id,
                          .customer = CustomerId(1),
                          .status = status,
                          .raw_status = "完成",
                          .total = Money::FromFen(fen),
                          .paid = Money::FromFen(status == "pending_payment" ? 0 : fen),
                          .ordered_at = Timestamp::FromSeconds(1700000000 + fen),
                          .lines = {{"A1", "奶粉", 2, Money::FromFen(fen / 2)}},
                          .buyer_hint = "138****5678",
                          .buyer_details = R"({"phone":")"
                                           "138"
                                           "1234"
                                           "5678"
                                           R"("})"};
    }
    Result<UpsertOutcome> Upsert(const OrderInput& order) {
        Result<UpsertOutcome> out = Internal("not run");
        const Status s = db_->Write([&](store::Session& session) -> Status {
            out = orders_.Upsert(session, TenantId(1), order);
            return out.status();
        });
        if (!s.ok()) return s;
        return out;
    }
    std::optional<CustomerTraits> Traits(int64_t customer) {
        std::optional<CustomerTraits> out;
        EXPECT_TRUE(db_->Read([&](store::Session& s) -> Status {
                           YT_ASSIGN_OR_RETURN(out, orders_.Traits(s, TenantId(1), CustomerId(customer)));
                           return OkStatus();
                       })
                        .ok());
        return out;
    }

    testing::TempDir dir_;
    ManualClock clock_{Timestamp::FromSeconds(1795406067)};
    KeyRing keys_ = KeyRing::Generate();
    std::unique_ptr<store::Database> db_;
    OrderStore orders_{keys_, clock_};
};

TEST_F(OrdersTest, UpsertCreatesUpdatesAndIsIdempotent) {
    EXPECT_EQ(*Upsert(Order("J1", 19900)), UpsertOutcome::kCreated);
    EXPECT_EQ(*Upsert(Order("J1", 19900)), UpsertOutcome::kUnchanged);
    EXPECT_EQ(*Upsert(Order("J1", 19900, "refunded")), UpsertOutcome::kUpdated);
    EXPECT_EQ(Traits(1)->order_count, 1);
}

TEST_F(OrdersTest, TraitsFollowEveryChange) {
    ASSERT_TRUE(Upsert(Order("J1", 10000)).ok());
    ASSERT_TRUE(Upsert(Order("J2", 30000)).ok());
    ASSERT_TRUE(Upsert(Order("J3", 5000, "pending_payment")).ok());  // not a purchase
    auto traits = Traits(1);
    ASSERT_TRUE(traits);
    EXPECT_EQ(traits->order_count, 2);
    EXPECT_EQ(traits->total_spend.fen(), 40000);
    EXPECT_EQ(traits->average_order_value().fen(), 20000);
    EXPECT_EQ(traits->first_order_at->seconds(), 1700010000);
    EXPECT_EQ(traits->last_order_at->seconds(), 1700030000);
    EXPECT_EQ(traits->platform_counts, R"({"jd":2})");

    OrderInput refunded = Order("J2", 30000, "refunded");
    refunded.refunded = Money::FromFen(30000);
    ASSERT_TRUE(Upsert(refunded).ok());
    EXPECT_EQ(Traits(1)->refunded.fen(), 30000);
    ASSERT_TRUE(Upsert(Order("J1", 10000, "cancelled")).ok());
    EXPECT_EQ(Traits(1)->order_count, 1);
}

TEST_F(OrdersTest, AKnownBuyerIsNeverForgottenAndMergesMoveOrders) {
    ASSERT_TRUE(Upsert(Order("J1", 10000)).ok());
    OrderInput anonymous = Order("J1", 10000);
    anonymous.customer.reset();
    anonymous.raw_status = "完成 again";
    ASSERT_TRUE(Upsert(anonymous).ok());
    EXPECT_EQ(Traits(1)->order_count, 1) << "the order still belongs to customer 1";

    OrderInput other = Order("J9", 7000);
    other.customer = CustomerId(2);
    ASSERT_TRUE(Upsert(other).ok());
    const CustomerId losers[] = {CustomerId(2)};
    ASSERT_TRUE(
        db_->Write([&](store::Session& s) { return orders_.Reassign(s, TenantId(1), CustomerId(1), losers); }).ok());
    EXPECT_EQ(Traits(1)->order_count, 2);
    EXPECT_FALSE(Traits(2));
}

TEST_F(OrdersTest, RejectsBadInputAndEncryptsTheBuyer) {
    EXPECT_EQ(Upsert(Order("", 100)).status().field(), "order_id");
    EXPECT_EQ(Upsert(Order("J1", 100, "lost")).status().field(), "status");
    EXPECT_EQ(Upsert(Order("J1", -1)).status().field(), "total");
    ASSERT_TRUE(Upsert(Order("J1", 100)).ok());
    ASSERT_TRUE(db_->Read([](store::Session& s) -> Status {
                       YT_ASSIGN_OR_RETURN(auto row, s.QueryOne("SELECT buyer_cipher, lines FROM orders"));
                       EXPECT_EQ(row->Text(0).find("138"
                                                   "1234"
                                                   "5678"),
                                 std::string::npos);
                       EXPECT_EQ(row->Text(1), R"([{"sku":"A1","title":"奶粉","quantity":2,"unit_price_fen":50}])");
                       return OkStatus();
                   })
                    .ok());
}

// A random stream of creations, repeats and changes (orders listed twice in one batch, moved
// between customers, left without a buyer, cancelled) upserted one at a time for one merchant
// and in batches for another: the same outcomes, orders and traits.
TEST_F(OrdersTest, BatchesUpsertAsOneAtATime) {
    ASSERT_TRUE(db_->Write([](store::Session& s) {
                       return s.ExecuteScript(
                           "INSERT INTO tenants (tenant_id, name, created_at) VALUES (2, 'b', 0);"
                           "INSERT INTO customers (tenant_id, customer_id, created_at, updated_at) VALUES "
                           "(2, 1, 0, 0), (2, 2, 0, 0), (1, 3, 0, 0), (2, 3, 0, 0)");
                   })
                    .ok());
    std::mt19937 random(7);
    const char* statuses[] = {"completed", "paid", "cancelled", "refunded", "pending_payment"};
    std::vector<OrderInput> stream;
    for (int i = 0; i < 500; ++i) {
        OrderInput order = Order("J" + std::to_string(random() % 80), 1000 * static_cast<int64_t>(1 + random() % 4),
                                 statuses[random() % 5]);
        if (random() % 3 == 0) order.source = "taobao";
        const auto who = random() % 4;
        if (who == 3) {
            order.customer.reset();
        } else {
            order.customer = CustomerId(static_cast<int64_t>(who) + 1);
        }
        stream.push_back(std::move(order));
    }
    std::vector<UpsertOutcome> expected, got;
    for (const OrderInput& order : stream) {
        ASSERT_TRUE(db_->Write([&](store::Session& s) -> Status {
                           YT_ASSIGN_OR_RETURN(auto outcome, orders_.Upsert(s, TenantId(1), order));
                           expected.push_back(outcome);
                           return OkStatus();
                       })
                        .ok());
    }
    for (size_t from = 0; from < stream.size();) {
        const size_t n = std::min<size_t>(stream.size() - from, 1 + random() % 90);
        ASSERT_TRUE(db_->Write([&](store::Session& s) -> Status {
                           YT_ASSIGN_OR_RETURN(auto outcomes,
                                               orders_.UpsertBatch(s, TenantId(2), std::span(stream).subspan(from, n)));
                           got.insert(got.end(), outcomes.begin(), outcomes.end());
                           return OkStatus();
                       })
                        .ok());
        from += n;
    }
    EXPECT_EQ(got, expected);
    EXPECT_GT(std::count(got.begin(), got.end(), UpsertOutcome::kUnchanged), 0);
    EXPECT_GT(std::count(got.begin(), got.end(), UpsertOutcome::kUpdated), 0);
    ASSERT_TRUE(db_->Read([](store::Session& s) -> Status {
                       const auto state = [&](int64_t tenant) -> Result<std::vector<std::string>> {
                           std::vector<std::string> out;
                           YT_ASSIGN_OR_RETURN(
                               auto orders,
                               s.Query("SELECT order_id, source, external_id, customer_id, status, total_fen, lines "
                                       "FROM orders WHERE tenant_id = $1 ORDER BY order_id",
                                       {tenant}));
                           for (const auto& row : orders) {
                               out.push_back(std::to_string(row.Int(0)) + row.Text(1) + row.Text(2) + "/" +
                                             std::to_string(row.OptionalInt(3).value_or(0)) + row.Text(4) +
                                             std::to_string(row.Int(5)) + row.Text(6));
                           }
                           YT_ASSIGN_OR_RETURN(auto traits,
                                               s.Query("SELECT customer_id, order_count, total_spend_fen, "
                                                       "refunded_fen, first_order_at, last_order_at, "
                                                       "platform_counts, lifecycle_stage FROM customer_traits "
                                                       "WHERE tenant_id = $1 ORDER BY customer_id",
                                                       {tenant}));
                           for (const auto& row : traits) {
                               std::string line = "traits";
                               for (size_t c = 0; c < 8; ++c) line += " " + row.Text(c);
                               out.push_back(line);
                           }
                           YT_ASSIGN_OR_RETURN(auto next, s.QueryOne("SELECT next_id FROM id_sequences WHERE "
                                                                     "tenant_id = $1 AND kind = 'order'",
                                                                     {tenant}));
                           out.push_back("next " + std::to_string(next->Int(0)));
                           return out;
                       };
                       YT_ASSIGN_OR_RETURN(auto one, state(1));
                       YT_ASSIGN_OR_RETURN(auto batched, state(2));
                       EXPECT_EQ(one, batched);
                       EXPECT_GT(one.size(), 80u);
                       return OkStatus();
                   })
                    .ok());
}

}  // namespace
}  // namespace yutang::events
