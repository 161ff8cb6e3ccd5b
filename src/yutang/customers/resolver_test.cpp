// Identity resolution as a table: each case is a sequence of resolutions with what each must
// give. Customers are named A, B, C … in the order they are created. Runs on SQLite and on a
// real PostgreSQL.
#include "yutang/customers/resolver.hpp"

#include <algorithm>
#include <iterator>
#include <map>
#include <random>

#include <gtest/gtest.h>

#include "tests/support/postgres_server.hpp"
#include "tests/support/test_store.hpp"

namespace yutang::customers {
namespace {

using K = IdentityKind;

struct Step {
    std::vector<IdentityInput> inputs;
    std::string customer;  // "A" …, or "" for not identified
    bool created = false;
    std::vector<std::string> merged;   // customers merged into it by this step
    std::vector<std::string> skipped;  // "kind:reason"
};

struct Case {
    std::string name;
    std::vector<Step> steps;
};

const IdentityInput kPhone1{K::kPhone,
                            "138"
                            "1234"
                            "5678",
                            ""};
const IdentityInput kPhone1Formatted{K::kPhone, "+86 138-1234-5678", ""};
const IdentityInput kPhone2{K::kPhone,
                            "139"
                            "1234"
                            "5678",
                            ""};
const IdentityInput kPhone3{K::kPhone,
                            "137"
                            "1234"
                            "5678",
                            ""};
const IdentityInput kPhone4{K::kPhone,
                            "136"
                            "1234"
                            "5678",
                            ""};
const IdentityInput kMaskedPhone{K::kPhone, "1******6198", ""};
const IdentityInput kEmail{K::kEmail, "buyer@example.com", ""};
const IdentityInput kJd{K::kJdBuyer, "jd_5f3a9c", ""};
const IdentityInput kTaobao{K::kTaobaoBuyer, "小明的店铺", ""};
const IdentityInput kDouyinCipher{K::kDouyinBuyer, "$a1$b2$", ""};
const IdentityInput kUser1{K::kUserId, "u-1001", ""};
const IdentityInput kUser2{K::kUserId, "u-2002", ""};
const IdentityInput kAnon{K::kAnonymousId, "3f2c-anon", ""};
const IdentityInput kNullUser{K::kUserId, "null", ""};
const IdentityInput kOpenIdApp1{K::kWechatOpenId, "o6_bmjrPTlm6", "wx_app1"};
const IdentityInput kOpenIdApp2{K::kWechatOpenId, "o6_bmjrPTlm6", "wx_app2"};

std::vector<Case> Cases() {
    return {
        {"new identity creates a customer", {{{kPhone1}, "A", true}}},
        {"the same identity finds the same customer", {{{kPhone1}, "A", true}, {{kPhone1}, "A"}}},
        {"phones match whatever their format", {{{kPhone1}, "A", true}, {{kPhone1Formatted}, "A"}}},
        {"new identities attach to the known customer", {{{kPhone1}, "A", true}, {{kPhone1, kJd}, "A"}, {{kJd}, "A"}}},
        {"one event carrying two customers' identities merges them into the oldest",
         {{{kPhone1}, "A", true}, {{kJd}, "B", true}, {{kJd, kPhone1}, "A", false, {"B"}}, {{kJd}, "A"}}},
        {"three-way merge",
         {{{kPhone1}, "A", true},
          {{kEmail}, "B", true},
          {{kJd}, "C", true},
          {{kJd, kEmail, kPhone1}, "A", false, {"B", "C"}}}},
        {"two different user ids are two people: no merge",
         {{{kUser1, kPhone1}, "A", true},
          {{kUser2, kJd}, "B", true},
          {{kPhone1, kJd}, "A", false, {}, {"jd:merge_refused"}},
          {{kJd}, "B"}}},
        {"when two people cannot be merged, the message is the one its strongest identity names",
         {{{kUser1, kAnon}, "A", true},
          {{kUser2}, "B", true},
          {{kAnon, kUser2}, "B", false, {}, {"anonymous_id:merge_refused"}},
          {{kAnon, kUser2, kEmail}, "B", false, {}, {"anonymous_id:merge_refused"}},
          {{kEmail}, "B"}}},
        {"a second user id is not attached to a customer who has one",
         {{{kUser1, kPhone1}, "A", true},
          {{kPhone1, kUser2}, "A", false, {}, {"user_id:limit"}},
          {{kUser2}, "B", true}}},
        {"a fourth phone is one too many",
         {{{kUser1, kPhone1, kPhone2, kPhone3}, "A", true}, {{kUser1, kPhone4}, "A", false, {}, {"phone:limit"}}}},
        {"a merge that would pass a limit is refused",
         {{{kPhone1, kPhone2}, "A", true},
          {{kPhone3, kPhone4}, "B", true},
          {{kPhone1, kPhone3}, "A", false, {}, {"phone:merge_refused"}}}},
        {"masked values are hints, never identities",
         {{{kMaskedPhone}, "", false, {}, {"phone:masked"}},
          {{kMaskedPhone, kJd}, "A", true, {}, {"phone:masked"}},
          {{kMaskedPhone}, "", false, {}, {"phone:masked"}}}},
        {"a masked phone does not join two buyers who share it",
         {{{kMaskedPhone, kJd}, "A", true, {}, {"phone:masked"}},
          {{kMaskedPhone, kTaobao}, "B", true, {}, {"phone:masked"}}}},
        {"encrypted values are refused", {{{kDouyinCipher}, "", false, {}, {"douyin:encrypted"}}}},
        {"placeholders are refused", {{{kNullUser}, "", false, {}, {"user_id:placeholder"}}}},
        {"invalid values are skipped, the rest still resolve",
         {{{IdentityInput{K::kPhone, "not-a-phone", ""}, kJd}, "A", true, {}, {"phone:invalid"}}}},
        {"openids are per app", {{{kOpenIdApp1}, "A", true}, {{kOpenIdApp2}, "B", true}, {{kOpenIdApp1}, "A"}}},
    };
}

class ResolverTest : public ::testing::TestWithParam<std::string> {
  protected:
    void SetUp() override {
        db_ = testing::OpenBackendTestStore(GetParam(), dir_, "yt_resolver", clock_);
        if (IsSkipped()) return;
        ASSERT_NE(db_, nullptr);
        ASSERT_TRUE(InitCrypto().ok());
        ASSERT_TRUE(db_->Write([&](store::Session& s) {
                           return s
                               .Execute(
                                   "INSERT INTO tenants (tenant_id, name, created_at) VALUES (1, 'a', 0), "
                                   "(2, 'b', 0)")
                               .status();
                       })
                        .ok());
    }

    void RunCase(const Case& c, bool one_batch);

    Result<std::vector<Resolution>> ResolveBatch(TenantId tenant,
                                                 const std::vector<std::vector<IdentityInput>>& people) {
        Result<std::vector<Resolution>> out = Internal("not run");
        Status s = db_->Write([&](store::Session& session) -> Status {
            std::vector<PreparedIdentities> prepared;
            for (const auto& person : people) prepared.push_back(resolver_.Prepare(tenant, person));
            out = resolver_.ResolveBatch(session, tenant, prepared, "test");
            return out.status();
        });
        if (!s.ok()) return s;
        return out;
    }

    Result<Resolution> Resolve(TenantId tenant, const std::vector<IdentityInput>& inputs) {
        Result<Resolution> out = Internal("not run");
        Status s = db_->Write([&](store::Session& session) -> Status {
            out = resolver_.Resolve(session, tenant, inputs, "test");
            return out.status();
        });
        if (!s.ok()) return s;
        return out;
    }

    testing::TempDir dir_;
    ManualClock clock_{Timestamp::FromSeconds(1795406067)};
    KeyRing keys_ = KeyRing::Generate();
    std::unique_ptr<store::Database> db_;
    IdentityResolver resolver_{keys_, clock_};
};

// Runs a case's steps one Resolve at a time, or all in one ResolveBatch, in a merchant of its
// own, and checks what each step gave.
void ResolverTest::RunCase(const Case& c, bool one_batch) {
    SCOPED_TRACE(c.name);
    static int64_t next_tenant = 10;
    const TenantId tenant(next_tenant++);
    ASSERT_TRUE(db_->Write([&](store::Session& s) {
                       return s
                           .Execute("INSERT INTO tenants (tenant_id, name, created_at) VALUES ($1, $2, 0)",
                                    {tenant.value(), "case" + std::to_string(tenant.value())})
                           .status();
                   })
                    .ok());
    std::vector<std::vector<IdentityInput>> inputs;
    for (const Step& step : c.steps) inputs.push_back(step.inputs);
    std::vector<Resolution> results;
    if (one_batch) {
        auto batch = ResolveBatch(tenant, inputs);
        ASSERT_TRUE(batch.ok()) << batch.status().ToString();
        results = std::move(*batch);
    } else {
        for (const auto& step_inputs : inputs) {
            auto r = Resolve(tenant, step_inputs);
            ASSERT_TRUE(r.ok()) << r.status().ToString();
            results.push_back(std::move(*r));
        }
    }
    ASSERT_EQ(results.size(), c.steps.size());
    std::map<std::string, int64_t> names;   // label → id
    std::map<int64_t, std::string> labels;  // id → label
    for (size_t i = 0; i < c.steps.size(); ++i) {
        const Step& step = c.steps[i];
        const Resolution& r = results[i];
        SCOPED_TRACE("step " + std::to_string(i + 1));
        if (step.customer.empty()) {
            EXPECT_FALSE(r.identified());
        } else {
            ASSERT_TRUE(r.identified());
            if (step.created) {
                EXPECT_FALSE(names.count(step.customer)) << "label reused";
                names[step.customer] = r.customer.value();
                labels[r.customer.value()] = step.customer;
            }
            EXPECT_EQ(labels[r.customer.value()], step.customer);
        }
        EXPECT_EQ(r.created, step.created);
        std::vector<std::string> merged;
        for (CustomerId m : r.merged) merged.push_back(labels[m.value()]);
        EXPECT_EQ(merged, step.merged);
        std::vector<std::string> skipped;
        for (const auto& s : r.skipped) skipped.push_back(std::string(IdentityKindName(s.kind)) + ":" + s.reason);
        EXPECT_EQ(skipped, step.skipped);
    }
}

TEST_P(ResolverTest, Table) {
    for (const Case& c : Cases()) RunCase(c, false);
}

TEST_P(ResolverTest, TableInOneBatch) {
    for (const Case& c : Cases()) RunCase(c, true);
}

// A random stream of people, resolved one at a time for one merchant and in batches of random
// sizes for another, leaves both with the same customers, tombstones, identities and merges, and
// every step with the same outcome.
TEST_P(ResolverTest, BatchesResolveAsOneAtATime) {
    std::vector<IdentityInput> pool = {kPhone1, kPhone2, kPhone3, kPhone4,     kEmail,      kJd,          kTaobao,
                                       kUser1,  kUser2,  kAnon,   kOpenIdApp1, kOpenIdApp2, kMaskedPhone, kNullUser};
    for (int i = 0; i < 40; ++i) {
        pool.push_back({K::kJdBuyer, "jd_" + std::to_string(i), ""});
        pool.push_back({K::kEmail, "b" + std::to_string(i) + "@example.com", ""});
        pool.push_back({K::kAnonymousId, "anon-" + std::to_string(i), ""});
    }
    std::mt19937 random(20261123);
    std::vector<std::vector<IdentityInput>> people;
    for (int i = 0; i < 600; ++i) {
        std::vector<IdentityInput> person;
        const int n = std::uniform_int_distribution<int>(0, 2)(random);
        for (int k = 0; k < n; ++k) person.push_back(pool[random() % pool.size()]);
        people.push_back(std::move(person));
    }
    const TenantId one(1), batched(2);
    std::vector<Resolution> expected, got;
    for (const auto& person : people) {
        auto r = Resolve(one, person);
        ASSERT_TRUE(r.ok()) << r.status().ToString();
        expected.push_back(std::move(*r));
    }
    for (size_t from = 0; from < people.size();) {
        const size_t n = std::min<size_t>(people.size() - from, 1 + random() % 60);
        auto r = ResolveBatch(batched, {people.begin() + static_cast<std::ptrdiff_t>(from),
                                        people.begin() + static_cast<std::ptrdiff_t>(from + n)});
        ASSERT_TRUE(r.ok()) << r.status().ToString();
        std::move(r->begin(), r->end(), std::back_inserter(got));
        from += n;
    }
    ASSERT_EQ(got.size(), expected.size());
    size_t merges = 0;
    for (size_t i = 0; i < got.size(); ++i) {
        SCOPED_TRACE("person " + std::to_string(i));
        EXPECT_EQ(got[i].customer, expected[i].customer);
        EXPECT_EQ(got[i].created, expected[i].created);
        EXPECT_EQ(got[i].merged, expected[i].merged);
        EXPECT_EQ(got[i].changed, expected[i].changed);
        ASSERT_EQ(got[i].skipped.size(), expected[i].skipped.size());
        for (size_t k = 0; k < got[i].skipped.size(); ++k) {
            EXPECT_EQ(got[i].skipped[k].kind, expected[i].skipped[k].kind);
            EXPECT_EQ(got[i].skipped[k].reason, expected[i].skipped[k].reason);
        }
        merges += got[i].merged.size();
    }
    EXPECT_GT(merges, 0u) << "the stream should exercise merges";
    ASSERT_TRUE(
        db_->Read([&](store::Session& s) -> Status {
               const auto state = [&](TenantId tenant) -> Result<std::vector<std::string>> {
                   std::vector<std::string> out;
                   YT_ASSIGN_OR_RETURN(auto customers, s.Query("SELECT customer_id, merged_into FROM customers WHERE "
                                                               "tenant_id = $1 ORDER BY customer_id",
                                                               {tenant.value()}));
                   for (const auto& row : customers) {
                       std::string line =
                           std::to_string(row.Int(0)) + "→" + std::to_string(row.OptionalInt(1).value_or(0)) + ":";
                       YT_ASSIGN_OR_RETURN(auto ids, resolver_.Identities(s, tenant, CustomerId(row.Int(0))));
                       // Sorted: identities of one kind made at the same instant come in blind-index order,
                       // which differs between merchants.
                       std::vector<std::string> values;
                       for (const auto& id : ids) values.push_back(id.value);
                       std::sort(values.begin(), values.end());
                       for (const auto& value : values) line += " " + value;
                       out.push_back(line);
                   }
                   YT_ASSIGN_OR_RETURN(auto merge_rows, s.Query("SELECT winner_id, loser_id, detail FROM "
                                                                "customer_merges WHERE tenant_id = $1 ORDER BY "
                                                                "merge_id",
                                                                {tenant.value()}));
                   for (const auto& row : merge_rows) {
                       out.push_back(std::to_string(row.Int(0)) + "⇐" + std::to_string(row.Int(1)) + row.Text(2));
                   }
                   YT_ASSIGN_OR_RETURN(auto next, s.QueryOne("SELECT next_id FROM id_sequences WHERE "
                                                             "tenant_id = $1 AND kind = 'customer'",
                                                             {tenant.value()}));
                   out.push_back("next " + std::to_string(next ? next->Int(0) : 0));
                   return out;
               };
               YT_ASSIGN_OR_RETURN(auto a, state(one));
               YT_ASSIGN_OR_RETURN(auto b, state(batched));
               EXPECT_EQ(a, b);
               EXPECT_GT(a.size(), 20u);
               return OkStatus();
           })
            .ok());
}

TEST_P(ResolverTest, MergedCustomersBecomeTombstonesOneHopFromTheirCustomer) {
    // X (oldest) has the email; A has the phone; B the JD account.
    const auto x = Resolve(TenantId(1), {kEmail});
    const auto a = Resolve(TenantId(1), {kPhone1});
    const auto b = Resolve(TenantId(1), {kJd});
    ASSERT_TRUE(x.ok() && a.ok() && b.ok());
    ASSERT_TRUE(Resolve(TenantId(1), {kPhone1, kJd}).ok());     // B → A
    ASSERT_TRUE(Resolve(TenantId(1), {kEmail, kPhone1}).ok());  // A → X, and B now points at X too
    ASSERT_TRUE(
        db_->Read([&](store::Session& s) -> Status {
               for (const auto* loser : {&*a, &*b}) {
                   YT_ASSIGN_OR_RETURN(CustomerId canonical, resolver_.Canonical(s, TenantId(1), loser->customer));
                   EXPECT_EQ(canonical, x->customer);
                   YT_ASSIGN_OR_RETURN(auto row, s.QueryOne("SELECT merged_into FROM customers WHERE tenant_id = 1 AND "
                                                            "customer_id = $1",
                                                            {loser->customer.value()}));
                   EXPECT_EQ(row->Int(0), x->customer.value()) << "one hop";
               }
               YT_ASSIGN_OR_RETURN(auto ids, resolver_.Identities(s, TenantId(1), x->customer));
               EXPECT_EQ(ids.size(), 3u);
               YT_ASSIGN_OR_RETURN(auto merges, s.Query("SELECT reason, detail FROM customer_merges "
                                                        "WHERE tenant_id = 1 ORDER BY merge_id"));
               EXPECT_EQ(merges.size(), 2u);
               EXPECT_EQ(merges.rows[0].Text(1), R"({"shared":["jd"],"moved":["jd"]})");
               EXPECT_EQ(resolver_.Canonical(s, TenantId(1), CustomerId(99)).status().code(), ErrorCode::kNotFound);
               return OkStatus();
           })
            .ok());
}

TEST_P(ResolverTest, AliasMergesOrSaysWhyNot) {
    const auto anon = Resolve(TenantId(1), {kAnon});
    const auto user = Resolve(TenantId(1), {kUser1});
    ASSERT_TRUE(anon.ok() && user.ok());
    Result<Resolution> aliased = Internal("not run");
    ASSERT_TRUE(db_->Write([&](store::Session& s) {
                       aliased = resolver_.Alias(s, TenantId(1), kAnon, kUser1, "segment");
                       return aliased.status();
                   })
                    .ok());
    EXPECT_EQ(aliased->customer, anon->customer);
    ASSERT_EQ(aliased->merged.size(), 1u);
    EXPECT_EQ(aliased->merged[0], user->customer);

    ASSERT_TRUE(Resolve(TenantId(1), {kUser2, kJd}).ok());
    const Status refused =
        db_->Write([&](store::Session& s) { return resolver_.Alias(s, TenantId(1), kJd, kUser1, "segment").status(); });
    EXPECT_EQ(refused.code(), ErrorCode::kFailedPrecondition);
    const Status masked = db_->Write(
        [&](store::Session& s) { return resolver_.Alias(s, TenantId(1), kMaskedPhone, kUser1, "segment").status(); });
    EXPECT_EQ(masked.code(), ErrorCode::kInvalidArgument);
}

TEST_P(ResolverTest, MerchantsNeverShareCustomersAndValuesAreEncrypted) {
    const auto one = Resolve(TenantId(1), {kPhone1});
    const auto two = Resolve(TenantId(2), {kPhone1});
    ASSERT_TRUE(one.ok() && two.ok());
    EXPECT_TRUE(two->created);
    ASSERT_TRUE(db_->Read([&](store::Session& s) -> Status {
                       YT_ASSIGN_OR_RETURN(auto rows, s.Query("SELECT value_index, value_cipher, hint "
                                                              "FROM customer_identities WHERE kind = 'phone'"));
                       EXPECT_EQ(rows.size(), 2u);
                       EXPECT_NE(rows.rows[0].Text(0), rows.rows[1].Text(0)) << "per-merchant blind index";
                       for (const auto& row : rows) {
                           EXPECT_EQ(row.Text(1).find("138"
                                                      "1234"
                                                      "5678"),
                                     std::string::npos);
                           EXPECT_EQ(row.Text(2), "138****5678");
                       }
                       YT_ASSIGN_OR_RETURN(auto found, resolver_.Find(s, TenantId(2), kPhone1Formatted));
                       EXPECT_EQ(found, std::optional<CustomerId>(two->customer));
                       YT_ASSIGN_OR_RETURN(auto ids, resolver_.Identities(s, TenantId(1), one->customer));
                       EXPECT_EQ(ids.at(0).value, "+8613812345678");
                       return OkStatus();
                   })
                    .ok());
}

INSTANTIATE_TEST_SUITE_P(Backends, ResolverTest, ::testing::Values("sqlite", "postgres"),
                         [](const auto& param_info) { return param_info.param; });

}  // namespace
}  // namespace yutang::customers
