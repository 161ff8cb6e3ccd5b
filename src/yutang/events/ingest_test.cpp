#include "yutang/events/ingest.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <random>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "yutang/base/time_zone.hpp"
#include "yutang/events/ingest_testing.hpp"

#include "tests/support/test_store.hpp"

namespace yutang::events {
namespace {

using customers::IdentityKind;

class IngestTest : public ::testing::Test, protected IngestParts {
  protected:
    void SetUp() override {
        db_ = testing::OpenTestStore(dir_, clock_);
        ASSERT_NE(db_, nullptr);
        ASSERT_TRUE(StartIngest().ok());
    }
};

TEST_F(IngestTest, TrackResolvesTheSenderAndStoresTheEvent) {
    auto r = ingest_->IngestSingle(TenantId(1), MessageType::kTrack,
                                   R"({"userId":"u-1","event":"Order Completed","messageId":"m1",
                                       "properties":{"order_id":"A1","total":99.5}})");
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->accepted, 1u);
    EXPECT_TRUE(r->rejected.empty());
    const auto customer = Find(IdentityKind::kUserId, "u-1");
    ASSERT_TRUE(customer);
    EXPECT_EQ(Count("SELECT customer_id FROM events WHERE message_id = 'm1'"), customer->value());
    EXPECT_EQ(Count("SELECT occurred_at FROM events WHERE message_id = 'm1'"), clock_.Now().micros());
}

TEST_F(IngestTest, AResentMessageIdIsStoredOnce) {
    const std::string body = R"({"anonymousId":"a-1","event":"Viewed","messageId":"dup-1"})";
    EXPECT_EQ(ingest_->IngestSingle(TenantId(1), MessageType::kTrack, body)->accepted, 1u);
    auto again = ingest_->IngestSingle(TenantId(1), MessageType::kTrack, body);
    EXPECT_EQ(again->accepted, 0u);
    EXPECT_EQ(again->duplicates, 1u);
    auto in_batch = ingest_->IngestBatch(
        TenantId(1), R"({"batch":[{"type":"track","anonymousId":"a-1","event":"Viewed","messageId":"dup-2"},
                                  {"type":"track","anonymousId":"a-1","event":"Viewed","messageId":"dup-2"}]})");
    EXPECT_EQ(in_batch->accepted, 1u);
    EXPECT_EQ(in_batch->duplicates, 1u);
    EXPECT_EQ(Count("SELECT COUNT(*) FROM events"), 2);
}

TEST_F(IngestTest, RequestsHandedOnShareCommitsAndEachIsAnsweredOnceDurable) {
    // Twenty requests from one thread, none waited for: they share group commits.
    constexpr int kRequests = 20;
    std::mutex mutex;
    std::condition_variable all_done;
    std::vector<Result<IngestResult>> results;
    for (int i = 0; i < kRequests; ++i) {
        const std::string body = R"({"batch":[{"type":"track","userId":"u-)" + std::to_string(i % 5) +
                                 R"(","event":"Viewed","messageId":"then-)" + std::to_string(i) +
                                 R"("},{"type":"track","event":"No sender","messageId":"bad-)" + std::to_string(i) +
                                 R"("}]})";
        ingest_->IngestBatchThen(TenantId(1), body, [&](Result<IngestResult> r) {
            std::lock_guard lock(mutex);
            results.push_back(std::move(r));
            all_done.notify_all();
        });
    }
    std::unique_lock lock(mutex);
    ASSERT_TRUE(all_done.wait_for(lock, std::chrono::seconds(10), [&] { return results.size() == kRequests; }));
    for (const auto& r : results) {
        ASSERT_TRUE(r.ok()) << r.status().ToString();
        EXPECT_EQ(r->accepted, 1u);
        ASSERT_EQ(r->rejected.size(), 1u);
        EXPECT_EQ(r->rejected[0].index, 1u);
    }
    EXPECT_EQ(Count("SELECT COUNT(*) FROM events"), kRequests);
    EXPECT_EQ(Count("SELECT COUNT(*) FROM failed_events"), kRequests);
    EXPECT_EQ(Count("SELECT COUNT(*) FROM customers"), 5);
    EXPECT_LT(batcher_->committed_groups(), static_cast<uint64_t>(kRequests));
}

TEST_F(IngestTest, PastTheLimitOfPendingRequestsTheNextWaitsForRoom) {
    // With room for one request, the second is handed on only once the first is answered.
    ingest_ = std::make_unique<Ingestor>(*batcher_, resolver_, orders_, keys_, clock_,
                                         IngestSettings{.max_pending_requests = 1});
    std::atomic<int> answered{0};
    ingest_->IngestSingleThen(TenantId(1), MessageType::kTrack, R"({"userId":"u-1","event":"A","messageId":"p-1"})",
                              [&](Result<IngestResult> r) {
                                  EXPECT_TRUE(r.ok());
                                  ++answered;
                              });
    ingest_->IngestSingleThen(TenantId(1), MessageType::kTrack, R"({"userId":"u-1","event":"B","messageId":"p-2"})",
                              [&](Result<IngestResult> r) {
                                  EXPECT_TRUE(r.ok());
                                  ++answered;
                              });
    EXPECT_EQ(answered.load(), 1);  // the second call returned: the first had been answered
    batcher_->Stop();
    EXPECT_EQ(answered.load(), 2);
    EXPECT_EQ(Count("SELECT COUNT(*) FROM events"), 2);
}

TEST_F(IngestTest, IdentifyTraitsBecomeIdentitiesAndAliasMerges) {
    ASSERT_TRUE(
        ingest_->IngestSingle(TenantId(1), MessageType::kTrack, R"({"anonymousId":"anon-7","event":"Product Viewed"})")
            .ok());
    auto identify = ingest_->IngestSingle(
        TenantId(1), MessageType::kIdentify,
        R"({"userId":"u-7","traits":{"email":"Buyer@Example.com","phone":"138 1234 5678","name":"小明"}})");
    ASSERT_TRUE(identify.ok());
    const auto by_user = Find(IdentityKind::kUserId, "u-7");
    EXPECT_EQ(Find(IdentityKind::kEmail, "buyer@example.com"), by_user);
    EXPECT_EQ(Find(IdentityKind::kPhone, "+8613812345678"), by_user);
    EXPECT_NE(Find(IdentityKind::kAnonymousId, "anon-7"), by_user);

    auto alias = ingest_->IngestSingle(TenantId(1), MessageType::kAlias, R"({"previousId":"anon-7","userId":"u-7"})");
    ASSERT_TRUE(alias.ok());
    EXPECT_EQ(alias->accepted, 1u);
    EXPECT_EQ(Find(IdentityKind::kAnonymousId, "anon-7"), Find(IdentityKind::kUserId, "u-7"));
    EXPECT_EQ(Count("SELECT COUNT(*) FROM customer_merges"), 1);
    EXPECT_EQ(Count("SELECT COUNT(*) FROM customer_merges WHERE reason = 'alias' AND source = 'segment'"), 1);
}

TEST_F(IngestTest, AnAliasPreviousIdIsAnAnonymousIdOrAnEarlierUserId) {
    auto send = [&](const std::string& body) {
        auto r = ingest_->IngestSingle(TenantId(1), MessageType::kAlias, body);
        EXPECT_TRUE(r.ok()) << r.status().ToString();
        return r.ok() ? *r : IngestResult{};
    };
    // An earlier userId of another person: user_id is capped at 1, so the two stay apart, and the
    // alias is rejected with the reason and kept, not stored as an anonymousId that is not one.
    ASSERT_TRUE(ingest_->IngestSingle(TenantId(1), MessageType::kIdentify, R"({"userId":"old-8"})").ok());
    ASSERT_TRUE(ingest_->IngestSingle(TenantId(1), MessageType::kIdentify, R"({"userId":"new-8"})").ok());
    const IngestResult refused = send(R"({"previousId":"old-8","userId":"new-8"})");
    EXPECT_EQ(refused.accepted, 0u);
    ASSERT_EQ(refused.rejected.size(), 1u);
    EXPECT_EQ(refused.rejected[0].field, "previousId");
    EXPECT_NE(refused.rejected[0].reason.find("a customer has one userId"), std::string::npos)
        << refused.rejected[0].reason;
    // Nor can a userId be renamed to a new one: the old customer would hold two.
    const IngestResult renamed = send(R"({"previousId":"old-8","userId":"newer-8"})");
    EXPECT_EQ(renamed.accepted, 0u);
    ASSERT_EQ(renamed.rejected.size(), 1u);
    EXPECT_NE(renamed.rejected[0].reason.find("a customer has one userId"), std::string::npos);
    EXPECT_FALSE(Find(IdentityKind::kUserId, "newer-8"));
    EXPECT_NE(Find(IdentityKind::kUserId, "old-8"), Find(IdentityKind::kUserId, "new-8"));
    EXPECT_FALSE(Find(IdentityKind::kAnonymousId, "old-8"));
    EXPECT_EQ(Count("SELECT COUNT(*) FROM failed_events WHERE field = 'previousId'"), 2);

    // A value known as an anonymousId is one, even when it is also someone's userId.
    ASSERT_TRUE(
        ingest_->IngestSingle(TenantId(1), MessageType::kTrack, R"({"anonymousId":"old-8","event":"Viewed"})").ok());
    EXPECT_EQ(send(R"({"previousId":"old-8","userId":"new-8"})").accepted, 1u);
    EXPECT_EQ(Find(IdentityKind::kAnonymousId, "old-8"), Find(IdentityKind::kUserId, "new-8"));
    EXPECT_NE(Find(IdentityKind::kUserId, "old-8"), Find(IdentityKind::kUserId, "new-8"));

    // An anonymous visitor and a known userId: merged, as the sender says; a userId aliased to
    // itself changes nothing.
    ASSERT_TRUE(ingest_->IngestSingle(TenantId(1), MessageType::kTrack, R"({"anonymousId":"a-9","event":"V"})").ok());
    ASSERT_TRUE(ingest_->IngestSingle(TenantId(1), MessageType::kIdentify, R"({"userId":"u-9"})").ok());
    EXPECT_EQ(send(R"({"previousId":"u-9","userId":"u-9"})").accepted, 1u);
    EXPECT_EQ(send(R"({"previousId":"a-9","userId":"u-9"})").accepted, 1u);
    EXPECT_EQ(Find(IdentityKind::kAnonymousId, "a-9"), Find(IdentityKind::kUserId, "u-9"));
    // Never-seen values are new anonymousIds.
    EXPECT_EQ(send(R"({"previousId":"fresh-9","userId":"u-9"})").accepted, 1u);
    EXPECT_EQ(Find(IdentityKind::kAnonymousId, "fresh-9"), Find(IdentityKind::kUserId, "u-9"));
}

// A request's senders are resolved as a batch and its events inserted together: a stream of
// messages sent in batches of every size must leave the store as the same messages sent one per
// request do, merges, aliases, orders, traits and duplicates included.
TEST_F(IngestTest, ABatchStoresWhatItsMessagesWouldOneAtATime) {
    ASSERT_TRUE(
        db_->Write([](store::Session& s) {
               return s.Execute("INSERT INTO tenants (tenant_id, name, created_at) VALUES (2, 'b', 0)").status();
           })
            .ok());
    std::mt19937 random(20261124);
    const auto pick = [&](int n) { return static_cast<int>(random() % static_cast<unsigned>(n)); };
    std::vector<std::string> messages;
    for (int i = 0; i < 500; ++i) {
        boost::json::object m;
        // A repeat of an earlier message now and then: stored once either way.
        if (i > 10 && pick(25) == 0) {
            messages.push_back(messages[static_cast<size_t>(pick(i))]);
            continue;
        }
        m["messageId"] = "m" + std::to_string(i);
        m["timestamp"] = "2026-11-2" + std::to_string(1 + pick(3)) + "T0" + std::to_string(pick(10)) + ":00:00Z";
        const std::string user = "u" + std::to_string(pick(40));
        const std::string device = "d" + std::to_string(pick(70));
        const int kind = pick(10);
        if (kind == 0) {
            m["type"] = "alias";
            m["previousId"] = pick(3) == 0 ? "u" + std::to_string(pick(40)) : device;
            m["userId"] = user;
        } else if (kind <= 2) {
            m["type"] = "identify";
            if (pick(2) == 0) m["userId"] = user;
            if (pick(2) == 0 || !m.contains("userId")) m["anonymousId"] = device;
            boost::json::object traits{{"plan", pick(2) == 0 ? "pro" : "free"}, {"visits", pick(100)}};
            if (pick(2) == 0) traits["email"] = "p" + std::to_string(pick(50)) + "@example.com";
            if (pick(4) == 0) traits["phone"] = "1381234" + std::to_string(1000 + pick(30));
            m["traits"] = std::move(traits);
        } else {
            m["type"] = pick(4) == 0 ? "page" : "track";
            if (pick(3) != 0) m["userId"] = user;
            if (pick(2) == 0 || !m.contains("userId")) m["anonymousId"] = device;
            if (m["type"] == "page") {
                m["name"] = "首页";
            } else if (pick(3) == 0) {
                static constexpr const char* kOrderEvents[] = {"Order Completed", "Order Refunded", "Order Cancelled"};
                m["event"] = kOrderEvents[pick(3)];
                m["properties"] = {{"order_id", "o" + std::to_string(pick(60))}, {"total", 10 + pick(90)}};
            } else {
                m["event"] = "Product Viewed";
            }
        }
        messages.push_back(boost::json::serialize(m));
    }

    const auto send = [&](TenantId tenant, size_t from, size_t n) {
        std::string body = R"({"batch":[)";
        for (size_t k = from; k < from + n; ++k) body += (k > from ? "," : "") + messages[k];
        auto r = ingest_->IngestBatch(tenant, body + "]}");
        EXPECT_TRUE(r.ok()) << r.status().ToString();
        return r.ok() ? std::array<size_t, 3>{r->accepted, r->duplicates, r->rejected.size()} : std::array<size_t, 3>{};
    };
    std::array<size_t, 3> one_by_one{}, batched{};
    for (size_t i = 0; i < messages.size(); ++i) {
        clock_.Advance(std::chrono::seconds(1));
        const auto r = send(TenantId(1), i, 1);
        for (size_t k = 0; k < 3; ++k) one_by_one[k] += r[k];
    }
    clock_.Advance(std::chrono::seconds(1));
    for (size_t from = 0; from < messages.size();) {
        const size_t n = std::min<size_t>(messages.size() - from, 1 + random() % 80);
        const auto r = send(TenantId(2), from, n);
        for (size_t k = 0; k < 3; ++k) batched[k] += r[k];
        from += n;
    }
    EXPECT_EQ(batched, one_by_one) << "accepted, duplicates, rejected";
    EXPECT_GT(one_by_one[1], 0u);
    EXPECT_GT(one_by_one[2], 0u) << "some aliases should be refused";

    // Times differ between the two runs (each request its own second): compared are what
    // happened and to whom, not when it was stored.
    std::map<int64_t, std::map<int64_t, int64_t>> seen;  // tenant → live customer → last seen
    const auto state = [&](store::Session& s, TenantId tenant) -> Result<std::vector<std::string>> {
        std::vector<std::string> out;
        const auto rows = [&](std::string_view sql) { return s.Query(sql, {tenant.value()}); };
        YT_ASSIGN_OR_RETURN(auto customers, rows("SELECT customer_id, merged_into, source_channel, last_seen_at "
                                                 "FROM customers WHERE tenant_id = $1 ORDER BY customer_id"));
        for (const auto& row : customers) {
            // Last-seen times are kept to the hour (a later time within the hour of the stored
            // one is not written), so which time of that hour is kept depends on how the
            // messages were grouped: a live customer's must agree to within the hour.
            std::string line = "customer " + std::to_string(row.Int(0)) + "→" +
                               std::to_string(row.OptionalInt(1).value_or(0)) + " " + row.Text(2) + ":";
            if (!row.OptionalInt(1)) seen[tenant.value()][row.Int(0)] = row.OptionalInt(3).value_or(0);
            YT_ASSIGN_OR_RETURN(auto ids, resolver_.Identities(s, tenant, CustomerId(row.Int(0))));
            std::vector<std::string> values;
            for (const auto& id : ids) values.push_back(std::string(IdentityKindName(id.kind)) + "=" + id.value);
            std::sort(values.begin(), values.end());
            for (const auto& value : values) line += " " + value;
            out.push_back(line);
        }
        YT_ASSIGN_OR_RETURN(auto merges, rows("SELECT winner_id, loser_id, reason, detail FROM customer_merges "
                                              "WHERE tenant_id = $1 ORDER BY merge_id"));
        for (const auto& row : merges) {
            out.push_back("merge " + std::to_string(row.Int(0)) + "⇐" + std::to_string(row.Int(1)) + " " + row.Text(2) +
                          row.Text(3));
        }
        YT_ASSIGN_OR_RETURN(auto events, rows("SELECT message_id, type, name, customer_id, occurred_at FROM events "
                                              "WHERE tenant_id = $1 ORDER BY message_id"));
        for (const auto& row : events) {
            out.push_back("event " + row.Text(0) + " " + row.Text(1) + " " + row.Text(2) + " by " +
                          std::to_string(row.OptionalInt(3).value_or(0)) + " at " + std::to_string(row.Int(4)));
        }
        YT_ASSIGN_OR_RETURN(auto orders, rows("SELECT external_id, customer_id, status, total_fen, refunded_fen "
                                              "FROM orders WHERE tenant_id = $1 ORDER BY external_id"));
        for (const auto& row : orders) {
            out.push_back("order " + row.Text(0) + " by " + std::to_string(row.OptionalInt(1).value_or(0)) + " " +
                          row.Text(2) + " " + std::to_string(row.Int(3)) + " " + std::to_string(row.Int(4)));
        }
        YT_ASSIGN_OR_RETURN(auto traits, rows("SELECT customer_id, order_count, total_spend_fen, refunded_fen "
                                              "FROM customer_traits WHERE tenant_id = $1 ORDER BY customer_id"));
        for (const auto& row : traits) {
            out.push_back("traits " + std::to_string(row.Int(0)) + " " + std::to_string(row.Int(1)) + " " +
                          std::to_string(row.Int(2)) + " " + std::to_string(row.Int(3)));
        }
        YT_ASSIGN_OR_RETURN(auto attributes, rows("SELECT customer_id, name, type FROM customer_attributes "
                                                  "WHERE tenant_id = $1 ORDER BY customer_id, name"));
        for (const auto& row : attributes) {
            out.push_back("attribute " + std::to_string(row.Int(0)) + " " + row.Text(1) + " " + row.Text(2));
        }
        YT_ASSIGN_OR_RETURN(auto failed, rows("SELECT reason, field FROM failed_events WHERE tenant_id = $1 "
                                              "ORDER BY failed_id"));
        for (const auto& row : failed) out.push_back("failed " + row.Text(0) + " " + row.Text(1));
        YT_ASSIGN_OR_RETURN(auto next, rows("SELECT next_id FROM id_sequences WHERE tenant_id = $1 AND "
                                            "kind = 'customer'"));
        out.push_back("next customer " + std::to_string(next.empty() ? 0 : next.rows[0].Int(0)));
        return out;
    };
    ASSERT_TRUE(db_->Read([&](store::Session& s) -> Status {
                       YT_ASSIGN_OR_RETURN(auto one, state(s, TenantId(1)));
                       YT_ASSIGN_OR_RETURN(auto many, state(s, TenantId(2)));
                       EXPECT_EQ(many.size(), one.size());
                       int shown = 0;  // the first differences, rather than both whole states
                       for (size_t i = 0; i < std::min(one.size(), many.size()) && shown < 5; ++i) {
                           if (one[i] != many[i]) {
                               ADD_FAILURE() << "one at a time: " << one[i] << "\nbatched:      " << many[i];
                               ++shown;
                           }
                       }
                       const auto count = [&](std::string_view prefix) {
                           return std::count_if(one.begin(), one.end(),
                                                [&](const std::string& line) { return line.starts_with(prefix); });
                       };
                       EXPECT_GT(count("merge "), 5) << "the stream should exercise merges";
                       EXPECT_EQ(seen[1].size(), seen[2].size());
                       for (const auto& [customer, at] : seen[1]) {
                           EXPECT_NEAR(static_cast<double>(seen[2][customer]), static_cast<double>(at), 3600e6)
                               << "customer " << customer << " last seen";
                           EXPECT_GT(at, 0) << "customer " << customer << " was never seen";
                       }
                       EXPECT_GT(count("order "), 20);
                       EXPECT_GT(count("attribute "), 20);
                       return OkStatus();
                   })
                    .ok());
}

// Last-seen times are written once per customer at the end of a request: a customer merged
// later in the same request hands its time to the winner, as a merge does between requests.
TEST_F(IngestTest, ACustomerMergedInARequestHandsItsLastSeenToTheWinner) {
    auto r = ingest_->IngestBatch(TenantId(1), R"({"batch":[
        {"type":"track","userId":"u-1","event":"Viewed","timestamp":"2026-11-20T08:00:00Z"},
        {"type":"track","anonymousId":"d-1","event":"Viewed","timestamp":"2026-11-20T12:00:00Z"},
        {"type":"identify","userId":"u-1","anonymousId":"d-1","timestamp":"2026-11-20T07:00:00Z"}]})");
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->accepted, 3u);
    const auto customer = Find(IdentityKind::kUserId, "u-1");
    ASSERT_TRUE(customer);
    EXPECT_EQ(Find(IdentityKind::kAnonymousId, "d-1"), customer);
    EXPECT_EQ(Count("SELECT last_seen_at FROM customers WHERE customer_id = " + std::to_string(customer->value())),
              ParseRfc3339("2026-11-20T12:00:00Z")->micros());
}

TEST_F(IngestTest, LastSeenMovesOnceAnHourHasPassedWhateverTheProcessRemembers) {
    const auto seen_at = [&](const char* at) {
        const std::string body =
            std::string(R"({"type":"track","userId":"u-7","event":"Viewed","timestamp":")") + at + R"("})";
        ASSERT_TRUE(ingest_->IngestSingle(TenantId(1), MessageType::kTrack, body).ok());
    };
    const auto last_seen = [&] {
        return Count("SELECT last_seen_at FROM customers WHERE customer_id = " +
                     std::to_string(Find(IdentityKind::kUserId, "u-7")->value()));
    };
    seen_at("2026-11-20T08:00:00Z");
    EXPECT_EQ(last_seen(), ParseRfc3339("2026-11-20T08:00:00Z")->micros());
    seen_at("2026-11-20T08:50:00Z");  // within the hour: left as it is
    EXPECT_EQ(last_seen(), ParseRfc3339("2026-11-20T08:00:00Z")->micros());
    seen_at("2026-11-20T09:10:00Z");  // past it: moves
    EXPECT_EQ(last_seen(), ParseRfc3339("2026-11-20T09:10:00Z")->micros());
    seen_at("2026-11-20T07:00:00Z");  // never back
    EXPECT_EQ(last_seen(), ParseRfc3339("2026-11-20T09:10:00Z")->micros());
}

TEST_F(IngestTest, InvalidMessagesAreRejectedKeptAsideAndTheRestGoIn) {
    auto r = ingest_->IngestBatch(TenantId(1), R"({"batch":[
        {"type":"track","userId":"u-1","event":"Ok"},
        {"type":"track","userId":"u-1"},
        {"type":"track","event":"No one"},
        {"type":"launch","userId":"u-1"},
        {"type":"page","userId":"u-1","timestamp":"yesterday"},
        {"type":"group","userId":"u-1"},
        {"type":"alias","userId":"u-1"},
        "not an object",
        {"type":"screen","anonymousId":"a-9","name":"Home"}]})");
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->accepted, 2u);
    ASSERT_EQ(r->rejected.size(), 7u);
    const std::vector<std::pair<size_t, std::string>> expected = {
        {1, "event"}, {2, "userId"}, {3, "type"}, {4, "timestamp"}, {5, "groupId"}, {6, "previousId"}, {7, "batch"}};
    for (size_t i = 0; i < expected.size(); ++i) {
        EXPECT_EQ(r->rejected[i].index, expected[i].first);
        EXPECT_EQ(r->rejected[i].field, expected[i].second) << r->rejected[i].reason;
    }
    EXPECT_EQ(Count("SELECT COUNT(*) FROM failed_events"), 7);
    EXPECT_EQ(Count("SELECT COUNT(*) FROM events"), 2);
}

TEST_F(IngestTest, RequestsRefusedWholeAreKeptAmongFailedEventsWithTheirReason) {
    struct Refused {
        std::string body;
        bool batch;
        ErrorCode code;
        std::string field;
    };
    const std::string big_batch = R"({"batch":[{"type":"track","userId":"u-1","event":"Big","properties":{"x":")" +
                                  std::string(600 * 1024, 'x') + "\"}}]}";
    const std::string big_single =
        R"({"userId":"u-1","event":"Big","properties":{"x":")" + std::string(33 * 1024, 'x') + "\"}}";
    const std::vector<Refused> refused = {
        {big_batch, true, ErrorCode::kInvalidArgument, "body"},
        {big_single, false, ErrorCode::kInvalidArgument, "body"},
        {R"({"batch":[{"type":"track")", true, ErrorCode::kInvalidArgument, "body"},
        {R"(["not","an","object"])", false, ErrorCode::kInvalidArgument, "body"},
        {R"({"batch":{}})", true, ErrorCode::kInvalidArgument, "batch"},
        {R"({"sentAt":"soon","batch":[{"type":"track","userId":"u-1","event":"E"}]})", true,
         ErrorCode::kInvalidArgument, "sentAt"},
    };
    for (size_t i = 0; i < refused.size(); ++i) {
        const Refused& r = refused[i];
        auto result = r.batch ? ingest_->IngestBatch(TenantId(1), r.body)
                              : ingest_->IngestSingle(TenantId(1), MessageType::kTrack, r.body);
        ASSERT_FALSE(result.ok()) << i;
        EXPECT_EQ(result.status().code(), r.code) << i;
        EXPECT_EQ(Count("SELECT COUNT(*) FROM failed_events"), static_cast<int64_t>(i + 1)) << i;
        ASSERT_TRUE(db_->Read([&](store::Session& s) -> Status {
                           YT_ASSIGN_OR_RETURN(auto row, s.QueryOne("SELECT reason, field, payload FROM failed_events "
                                                                    "ORDER BY failed_id DESC LIMIT 1"));
                           EXPECT_EQ(row->Text(1), r.field) << i;
                           EXPECT_NE(row->Text(0).find(result.status().message()), std::string::npos)
                               << i << ": " << row->Text(0);
                           YT_ASSIGN_OR_RETURN(std::string payload, keys_.Decrypt(row->Text(2), "t1/event"));
                           const size_t limit = ingest_->settings().max_message_bytes;
                           if (r.batch) {
                               // Many people's messages: only the size is kept.
                               EXPECT_EQ(payload, "{\"bytes\":" + std::to_string(r.body.size()) + "}") << i;
                           } else if (r.body.size() > limit) {
                               EXPECT_EQ(payload, r.body.substr(0, limit)) << i;
                               EXPECT_NE(row->Text(0).find("the first 32768 of " + std::to_string(r.body.size()) +
                                                           " bytes are kept"),
                                         std::string::npos)
                                   << row->Text(0);
                           } else {
                               EXPECT_EQ(payload, r.body) << i;
                           }
                           return OkStatus();
                       })
                        .ok());
    }
    EXPECT_EQ(Count("SELECT COUNT(*) FROM events"), 0);
    EXPECT_EQ(Count("SELECT COUNT(*) FROM customers"), 0);

    // Only refusals are kept: a status of another kind passes through and writes nothing.
    EXPECT_EQ(ingest_->KeepRefused(TenantId(1), Unavailable("down"), "{}", Ingestor::RefusedBody::kMessage).code(),
              ErrorCode::kUnavailable);
    EXPECT_EQ(Count("SELECT COUNT(*) FROM failed_events"), static_cast<int64_t>(refused.size()));
}

TEST_F(IngestTest, FailedEventsAreDeletedAfterTheirRetention) {
    auto fail = [&](const std::string& event_id) {
        ASSERT_TRUE(
            ingest_->IngestSingle(TenantId(1), MessageType::kTrack, R"({"anonymousId":")" + event_id + "\"}").ok());
    };
    ASSERT_TRUE(
        db_->Write([](store::Session& s) {
               return s.Execute("INSERT INTO tenants (tenant_id, name, created_at) VALUES (2, 'b', 0)").status();
           })
            .ok());
    fail("old-1");
    fail("old-2");
    ASSERT_TRUE(ingest_->IngestSingle(TenantId(2), MessageType::kTrack, R"({"anonymousId":"old-3"})").ok());
    clock_.Advance(std::chrono::hours(24 * 30) - std::chrono::seconds(1));
    fail("new-1");
    EXPECT_EQ(*ingest_->DeleteExpiredFailures(), 0) << "30 days are not over yet";
    clock_.Advance(std::chrono::seconds(2));
    EXPECT_EQ(*ingest_->DeleteExpiredFailures(), 3) << "every merchant's";
    EXPECT_EQ(Count("SELECT COUNT(*) FROM failed_events"), 1);
    EXPECT_EQ(Count("SELECT COUNT(*) FROM failed_events WHERE tenant_id = 1"), 1);
    EXPECT_EQ(*ingest_->DeleteExpiredFailures(), 0);
}

TEST_F(IngestTest, ClockSkewIsCorrectedWithSentAt) {
    // The device's clock is 1 hour fast: it says the event happened at 05:00 and was sent at
    // 05:10; we received it at 03:54:27, so it happened 10 minutes before that.
    auto r = ingest_->IngestBatch(TenantId(1), R"({"sentAt":"2026-11-23T05:10:00Z","batch":[
        {"type":"track","userId":"u-1","event":"Skewed","messageId":"s1","timestamp":"2026-11-23T05:00:00Z"}]})");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(Count("SELECT occurred_at FROM events WHERE message_id = 's1'"),
              (clock_.Now() - std::chrono::minutes(10)).micros());
    ASSERT_TRUE(ingest_
                    ->IngestSingle(TenantId(1), MessageType::kTrack,
                                   R"({"userId":"u-1","event":"No sentAt","messageId":"s2",
                                          "timestamp":"2026-11-20T00:00:00+08:00"})")
                    .ok());
    EXPECT_EQ(Count("SELECT occurred_at FROM events WHERE message_id = 's2'"),
              ParseRfc3339("2026-11-19T16:00:00Z")->micros());
}

TEST_F(IngestTest, PayloadsAreEncryptedAndLimitsHold) {
    ASSERT_TRUE(ingest_
                    ->IngestSingle(TenantId(1), MessageType::kIdentify,
                                   R"({"userId":"u-2","traits":{"phone":")"
                                   "139"
                                   "1234"
                                   "5678"
                                   R"(","address":"上海市"}})")
                    .ok());
    ASSERT_TRUE(db_->Read([](store::Session& s) -> Status {
                       YT_ASSIGN_OR_RETURN(auto rows, s.Query("SELECT payload FROM events"));
                       for (const auto& row : rows) {
                           EXPECT_EQ(row.Text(0).find("139"
                                                      "1234"
                                                      "5678"),
                                     std::string::npos);
                           EXPECT_EQ(row.Text(0).find("上海"), std::string::npos);
                       }
                       return OkStatus();
                   })
                    .ok());
    const std::string big =
        R"({"userId":"u-1","event":"Big","properties":{"x":")" + std::string(33 * 1024, 'x') + "\"}}";
    EXPECT_EQ(ingest_->IngestSingle(TenantId(1), MessageType::kTrack, big).status().code(),
              ErrorCode::kInvalidArgument);
    EXPECT_EQ(ingest_->IngestBatch(TenantId(1), R"({"batch":{}})").status().field(), "batch");
}

TEST_F(IngestTest, EcommerceEventsBecomeOrdersAndTraits) {
    auto completed =
        ingest_->IngestSingle(TenantId(1), MessageType::kTrack, R"({"userId":"u-9","event":"Order Completed",
        "properties":{"order_id":"S-1","total":199.9,"currency":"CNY",
                      "products":[{"sku":"A1","name":"奶粉","price":99.95,"quantity":2}]}})");
    ASSERT_TRUE(completed.ok()) << completed.status().ToString();
    ASSERT_EQ(completed->rejected.size(), 0u) << completed->rejected[0].reason;
    EXPECT_EQ(Count("SELECT total_fen FROM orders WHERE external_id = 'S-1'"), 19990);
    EXPECT_EQ(Count("SELECT order_count FROM customer_traits"), 1);
    EXPECT_EQ(Count("SELECT total_spend_fen FROM customer_traits"), 19990);
    // A re-sent event with a new messageId changes nothing; a refund naming only the order works.
    ASSERT_TRUE(ingest_
                    ->IngestSingle(TenantId(1), MessageType::kTrack, R"({"userId":"u-9","event":"Order Completed",
        "properties":{"order_id":"S-1","total":199.9,"products":[{"sku":"A1","name":"奶粉","price":99.95,"quantity":2}]}})")
                    .ok());
    EXPECT_EQ(Count("SELECT COUNT(*) FROM orders"), 1);
    ASSERT_TRUE(ingest_
                    ->IngestSingle(TenantId(1), MessageType::kTrack,
                                   R"({"userId":"u-9","event":"Order Refunded","properties":{"order_id":"S-1"}})")
                    .ok());
    EXPECT_EQ(Count("SELECT status = 'refunded' FROM orders WHERE external_id = 'S-1'"), 1);
    EXPECT_EQ(Count("SELECT refunded_fen FROM customer_traits"), 19990);

    auto bad = ingest_->IngestBatch(TenantId(1), R"({"batch":[
        {"type":"track","userId":"u-9","event":"Order Completed","properties":{"total":5}},
        {"type":"track","userId":"u-9","event":"Order Completed","properties":{"order_id":"S-2","total":1.234}}]})");
    ASSERT_TRUE(bad.ok());
    ASSERT_EQ(bad->rejected.size(), 2u);
    EXPECT_EQ(bad->rejected[0].field, "properties.order_id");
    EXPECT_EQ(bad->rejected[1].field, "properties.total");
}

TEST_F(IngestTest, BatchContextAndIntegrationsApplyToMessagesWithoutTheirOwn) {
    auto result = ingest_->IngestBatch(TenantId(1), R"({"context":{"ip":"10.0.0.1","library":{"name":"batcher"}},
        "integrations":{"All":false},
        "batch":[{"type":"track","messageId":"b-1","userId":"u-1","event":"A"},
                 {"type":"track","messageId":"b-2","userId":"u-1","event":"B","context":{"ip":"10.0.0.2"}},
                 {"type":"track","messageId":"b-3","userId":"u-1"},
                 {}]})");
    ASSERT_TRUE(result.ok()) << result.status().ToString();
    EXPECT_EQ(result->accepted, 2u);
    EXPECT_EQ(Count("SELECT COUNT(*) FROM failed_events"), 2);
    const auto payload = [&](const std::string& sql) {
        std::string text;
        EXPECT_TRUE(db_->Read([&](store::Session& s) -> Status {
                           YT_ASSIGN_OR_RETURN(auto row, s.QueryOne(sql));
                           YT_ASSIGN_OR_RETURN(text, keys_.Decrypt(row->Text(0), "t1/event"));
                           return OkStatus();
                       })
                        .ok());
        return boost::json::parse(text).as_object();
    };
    const auto first = payload("SELECT payload FROM events WHERE message_id = 'b-1'");
    EXPECT_EQ(first.at("context").at("ip").as_string(), "10.0.0.1");
    EXPECT_EQ(first.at("integrations").at("All").as_bool(), false);
    const auto second = payload("SELECT payload FROM events WHERE message_id = 'b-2'");
    EXPECT_EQ(second.at("context").at("ip").as_string(), "10.0.0.2") << "a message's own context wins";
    EXPECT_EQ(second.at("integrations").at("All").as_bool(), false);
    const auto rejected = payload("SELECT payload FROM failed_events ORDER BY failed_id LIMIT 1");
    EXPECT_EQ(rejected.at("context").at("library").at("name").as_string(), "batcher")
        << "a rejected message is kept with what applied to it";
    EXPECT_EQ(payload("SELECT payload FROM failed_events ORDER BY failed_id DESC LIMIT 1").at("integrations").at("All"),
              false)
        << "an empty entry too";

    // A message that the batch's context would take past 32 KB is refused, kept as sent.
    const std::string big_context = R"({"note":")" + std::string(30 * 1024, 'x') + R"("})";
    auto big = ingest_->IngestBatch(TenantId(1), R"({"context":)" + big_context + R"(,"batch":[
        {"type":"track","messageId":"b-4","userId":"u-1","event":"C","properties":{"pad":")" +
                                                     std::string(3 * 1024, 'y') + R"("}},
        {"type":"track","messageId":"b-5","userId":"u-1","event":"D"}]})");
    ASSERT_TRUE(big.ok()) << big.status().ToString();
    ASSERT_EQ(big->rejected.size(), 1u);
    EXPECT_EQ(big->rejected[0].index, 0u);
    EXPECT_EQ(big->rejected[0].field, "context");
    EXPECT_EQ(big->accepted, 1u);
}

TEST_F(IngestTest, RefundsAndCancellationsAdjustWithoutRewritingTheOrder) {
    int sent = 0;
    const auto send = [&](const std::string& event, const std::string& properties, std::string message_id = "") {
        if (message_id.empty()) message_id = "m-" + std::to_string(++sent);
        auto result = ingest_->IngestSingle(TenantId(1), MessageType::kTrack,
                                            R"({"userId":"u-8","messageId":")" + message_id + R"(","event":")" + event +
                                                R"(","properties":)" + properties + "}");
        ASSERT_TRUE(result.ok()) << result.status().ToString();
        ASSERT_TRUE(result->rejected.empty()) << result->rejected[0].reason;
    };
    const auto order = [&](const std::string& id, const std::string& column) {
        return Count("SELECT " + column + " FROM orders WHERE external_id = '" + id + "'");
    };
    const auto traits = [&](const std::string& column) {
        return Count("SELECT " + column +
                     " FROM customer_traits WHERE customer_id = (SELECT customer_id FROM orders WHERE external_id = "
                     "'S-3')");
    };
    send("Order Completed", R"({"order_id":"S-3","total":100,"products":[{"sku":"B1","price":50,"quantity":2}]})");
    // A partial refund: the order keeps its total, lines and status; the refund is recorded.
    send("Order Refunded", R"({"order_id":"S-3","total":30})", "refund-1");
    EXPECT_EQ(order("S-3", "total_fen"), 10000);
    EXPECT_EQ(order("S-3", "refunded_fen"), 3000);
    EXPECT_EQ(order("S-3", "status = 'paid'"), 1);
    EXPECT_EQ(order("S-3", "lines LIKE '%B1%'"), 1);
    EXPECT_EQ(traits("refunded_fen"), 3000);
    // Re-sent, it is a duplicate.
    send("Order Refunded", R"({"order_id":"S-3","total":30})", "refund-1");
    EXPECT_EQ(order("S-3", "refunded_fen"), 3000);
    // Each further refund adds: without a total, the products refunded say how much.
    send("Order Refunded", R"({"order_id":"S-3","products":[{"sku":"B1","price":20,"quantity":2}]})");
    EXPECT_EQ(order("S-3", "refunded_fen"), 7000);
    EXPECT_EQ(order("S-3", "lines LIKE '%\"quantity\":2%'"), 1) << "the order's own lines stay";
    send("Order Refunded", R"({"order_id":"S-3","total":10})");
    EXPECT_EQ(order("S-3", "refunded_fen"), 8000);
    EXPECT_EQ(order("S-3", "status = 'paid'"), 1);
    // Reaching what was paid: refunded in full, never beyond.
    send("Order Refunded", R"({"order_id":"S-3","total":500})");
    EXPECT_EQ(order("S-3", "status = 'refunded'"), 1);
    EXPECT_EQ(order("S-3", "refunded_fen"), 10000);
    EXPECT_EQ(order("S-3", "total_fen"), 10000);
    EXPECT_EQ(traits("refunded_fen"), 10000);
    EXPECT_EQ(traits("order_count"), 1) << "a refunded order was still bought";

    // Orders known only by their refund: of the refunded amount, refunded in full.
    send("Order Refunded", R"({"order_id":"S-4","total":12})");
    EXPECT_EQ(order("S-4", "total_fen"), 1200);
    EXPECT_EQ(order("S-4", "paid_fen"), 1200);
    EXPECT_EQ(order("S-4", "refunded_fen"), 1200);
    EXPECT_EQ(order("S-4", "status = 'refunded'"), 1);
    send("Order Refunded", R"({"order_id":"S-6","products":[{"sku":"C1","price":5,"quantity":3}]})");
    EXPECT_EQ(order("S-6", "total_fen"), 1500);
    EXPECT_EQ(order("S-6", "refunded_fen"), 1500);

    // A cancelled order stops counting as a purchase.
    send("Order Completed", R"({"order_id":"S-5","total":50})");
    EXPECT_EQ(traits("order_count"), 4);
    send("Order Cancelled", R"({"order_id":"S-5"})");
    EXPECT_EQ(order("S-5", "status = 'cancelled'"), 1);
    EXPECT_EQ(traits("order_count"), 3);
}

}  // namespace
}  // namespace yutang::events
