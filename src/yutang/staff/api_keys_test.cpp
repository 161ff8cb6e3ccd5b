#include "yutang/staff/api_keys.hpp"

#include <regex>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/support/test_store.hpp"

namespace yutang::staff {
namespace {

using std::chrono::seconds;

class ApiKeysTest : public ::testing::Test {
  protected:
    void SetUp() override {
        db_ = testing::OpenTestStore(dir_, clock_);
        ASSERT_NE(db_, nullptr);
        ASSERT_TRUE(
            db_->Write([](store::Session& s) -> Status {
                   YT_TRY(s.Execute("INSERT INTO tenants (tenant_id, name, created_at) VALUES (1, 'one', 0)"));
                   return s.Execute("INSERT INTO tenants (tenant_id, name, created_at) VALUES (2, 'two', 0)").status();
               })
                .ok());
        keys_ = std::make_unique<ApiKeyService>(*db_, clock_);
    }

    CreatedApiKey CreateAdmin(TenantId tenant, std::vector<Permission> scopes = {Permission::kCustomersRead}) {
        auto created =
            keys().Create(tenant, {.name = "ERP sync", .kind = ApiKeyKind::kAdmin, .scopes = scopes}, actor_);
        EXPECT_TRUE(created.ok()) << created.status().ToString();
        return created.ok() ? *created : CreatedApiKey{};
    }

    std::vector<AuditEntry> Audit(TenantId tenant, std::string action) {
        auto page = ListAudit(*db_, tenant, {.action = std::move(action), .limit = 200});
        EXPECT_TRUE(page.ok()) << page.status().ToString();
        return page.ok() ? page->entries : std::vector<AuditEntry>{};
    }

    // Every column of every api_keys row, as text (blobs as their raw bytes).
    std::vector<std::string> ApiKeyCells() {
        std::vector<std::string> cells;
        EXPECT_TRUE(db_->Read([&](store::Session& s) -> Status {
                           YT_ASSIGN_OR_RETURN(auto rows, s.Query("SELECT * FROM api_keys"));
                           for (const auto& row : rows) {
                               for (size_t i = 0; i < row.size(); ++i) cells.push_back(row.Text(i));
                           }
                           return OkStatus();
                       })
                        .ok());
        return cells;
    }

    ApiKeyService& keys() { return *keys_; }

    testing::TempDir dir_;
    ManualClock clock_{Timestamp::FromSeconds(1795406067)};
    std::unique_ptr<store::Database> db_;
    std::unique_ptr<ApiKeyService> keys_;
    Actor actor_ = Actor::Staff(StaffId(7), "req-1", "127.0.0.1");
};

TEST_F(ApiKeysTest, TokenIsShownOnceAndOnlyItsHashIsStored) {
    const CreatedApiKey created = CreateAdmin(TenantId(1));
    EXPECT_TRUE(std::regex_match(created.token, std::regex("yta_1_[A-Za-z0-9_-]{43}"))) << created.token;
    const std::string secret = created.token.substr(6);
    EXPECT_EQ(created.key.id, 1);
    EXPECT_EQ(created.key.display_prefix, created.token.substr(0, 10));
    EXPECT_EQ(created.key.created_by, 7);
    EXPECT_EQ(created.key.created_at, clock_.Now());

    const std::vector<std::string> cells = ApiKeyCells();
    ASSERT_FALSE(cells.empty());
    bool found_hash = false;
    for (const std::string& cell : cells) {
        EXPECT_EQ(cell.find(secret), std::string::npos);
        EXPECT_EQ(cell.find(secret.substr(4, 20)), std::string::npos);  // not even a part past the prefix
        if (cell.size() == 32) found_hash = true;                       // crypto_generichash_BYTES
    }
    EXPECT_TRUE(found_hash);

    // Listing never gives the secret back.
    auto listed = keys().List(TenantId(1));
    ASSERT_TRUE(listed.ok());
    ASSERT_EQ(listed->size(), 1u);
    EXPECT_EQ((*listed)[0].display_prefix, created.key.display_prefix);
    EXPECT_EQ((*listed)[0].display_prefix.find(secret), std::string::npos);
}

TEST_F(ApiKeysTest, AuthenticateGivesPrincipalWithTenantAndScopes) {
    CreateAdmin(TenantId(1));
    const CreatedApiKey created =
        CreateAdmin(TenantId(2), {Permission::kInsightRead, Permission::kCustomersRead, Permission::kInsightRead});
    EXPECT_EQ(created.key.id, 1);  // dense per tenant
    EXPECT_TRUE(created.token.starts_with("yta_2_"));
    EXPECT_EQ(created.key.scopes, (std::vector{Permission::kCustomersRead, Permission::kInsightRead}));

    auto principal = keys().Authenticate(created.token);
    ASSERT_TRUE(principal.ok()) << principal.status().ToString();
    EXPECT_EQ(principal->kind, Principal::Kind::kApiKey);
    EXPECT_EQ(principal->tenant, TenantId(2));
    EXPECT_EQ(principal->api_key_id, 1);
    EXPECT_EQ(principal->scopes, (std::vector{Permission::kCustomersRead, Permission::kInsightRead}));
    EXPECT_TRUE(principal->Has(Permission::kInsightRead));
    EXPECT_FALSE(principal->Has(Permission::kStaffWrite));
    EXPECT_FALSE(principal->Has(Permission::kEventsWrite));
}

TEST_F(ApiKeysTest, WriteKeyHoldsExactlyEventsWrite) {
    for (const std::vector<Permission>& scopes : {std::vector<Permission>{},
                                                  {Permission::kEventsWrite},
                                                  {Permission::kEventsWrite, Permission::kEventsWrite}}) {
        auto created =
            keys().Create(TenantId(1), {.name = "app", .kind = ApiKeyKind::kWrite, .scopes = scopes}, actor_);
        ASSERT_TRUE(created.ok()) << created.status().ToString();
        EXPECT_EQ(created->key.kind, ApiKeyKind::kWrite);
        EXPECT_EQ(created->key.scopes, std::vector{Permission::kEventsWrite});
        EXPECT_TRUE(created->token.starts_with("ytw_1_"));
        auto principal = keys().Authenticate(created->token);
        ASSERT_TRUE(principal.ok()) << principal.status().ToString();
        EXPECT_EQ(principal->scopes, std::vector{Permission::kEventsWrite});
        EXPECT_FALSE(principal->Has(Permission::kCustomersRead));
    }
}

struct BadRequestCase {
    const char* label;
    NewApiKey request;
    const char* field;
};

TEST_F(ApiKeysTest, BadRequestsAreInvalidArgumentNamingTheField) {
    const auto admin = [](std::string name, std::vector<Permission> scopes) {
        return NewApiKey{.name = std::move(name), .kind = ApiKeyKind::kAdmin, .scopes = std::move(scopes)};
    };
    const auto write = [](std::vector<Permission> scopes) {
        return NewApiKey{.name = "k", .kind = ApiKeyKind::kWrite, .scopes = std::move(scopes)};
    };
    std::string cjk_101;
    for (int i = 0; i < 101; ++i) cjk_101 += "店";
    const std::vector<BadRequestCase> cases = {
        {"write key with another scope", write({Permission::kCustomersRead}), "scopes"},
        {"write key with events.write and more", write({Permission::kEventsWrite, Permission::kStaffRead}), "scopes"},
        {"admin key without scopes", admin("k", {}), "scopes"},
        {"admin key with events.write", admin("k", {Permission::kStaffRead, Permission::kEventsWrite}), "scopes"},
        {"empty name", admin("", {Permission::kStaffRead}), "name"},
        {"101 characters", admin(std::string(101, 'a'), {Permission::kStaffRead}), "name"},
        {"101 CJK characters", admin(cjk_101, {Permission::kStaffRead}), "name"},
        {"invalid UTF-8", admin("\xff\xfe", {Permission::kStaffRead}), "name"},
    };
    for (const auto& c : cases) {
        auto created = keys().Create(TenantId(1), c.request, actor_);
        EXPECT_EQ(created.status().code(), ErrorCode::kInvalidArgument) << c.label;
        EXPECT_EQ(created.status().field(), c.field) << c.label;
    }
    EXPECT_TRUE(keys().List(TenantId(1))->empty());
    EXPECT_TRUE(Audit(TenantId(1), "apikey.created").empty());

    EXPECT_TRUE(keys().Create(TenantId(1), admin(cjk_101.substr(3), {Permission::kStaffRead}), actor_).ok());
}

TEST_F(ApiKeysTest, ParsesKindNames) {
    EXPECT_EQ(ParseApiKeyKind("write").value(), ApiKeyKind::kWrite);
    EXPECT_EQ(ParseApiKeyKind("admin").value(), ApiKeyKind::kAdmin);
    EXPECT_EQ(ApiKeyKindName(ApiKeyKind::kWrite), "write");
    EXPECT_EQ(ApiKeyKindName(ApiKeyKind::kAdmin), "admin");
    auto bad = ParseApiKeyKind("Admin", "body.kind");
    EXPECT_EQ(bad.status().code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(bad.status().field(), "body.kind");
}

TEST_F(ApiKeysTest, RevokedKeyIsRejectedOnTheNextCallAndRevokeAuditsOnce) {
    const CreatedApiKey created = CreateAdmin(TenantId(1));
    ASSERT_TRUE(keys().Authenticate(created.token).ok());

    clock_.Advance(seconds(5));
    ASSERT_TRUE(keys().Revoke(TenantId(1), created.key.id, actor_).ok());
    auto rejected = keys().Authenticate(created.token);
    EXPECT_EQ(rejected.status().code(), ErrorCode::kUnauthenticated);
    EXPECT_EQ(rejected.status().message(), "invalid API key");

    clock_.Advance(seconds(5));
    EXPECT_TRUE(keys().Revoke(TenantId(1), created.key.id, actor_).ok());  // idempotent
    auto listed = keys().List(TenantId(1));
    ASSERT_TRUE(listed.ok());
    ASSERT_EQ(listed->size(), 1u);
    ASSERT_TRUE((*listed)[0].revoked_at.has_value());
    EXPECT_EQ(*(*listed)[0].revoked_at, clock_.Now() - seconds(5));  // the first revoke's time
    EXPECT_EQ(Audit(TenantId(1), "apikey.revoked").size(), 1u);
}

TEST_F(ApiKeysTest, RevokingAnotherTenantsKeyIsNotFound) {
    const CreatedApiKey created = CreateAdmin(TenantId(1));
    const Status other = keys().Revoke(TenantId(2), created.key.id, actor_);
    EXPECT_EQ(other.code(), ErrorCode::kNotFound);
    EXPECT_EQ(other.message(), "no such API key");
    EXPECT_EQ(keys().Revoke(TenantId(1), 99, actor_).code(), ErrorCode::kNotFound);
    EXPECT_TRUE(keys().Authenticate(created.token).ok());  // still live
    EXPECT_TRUE(Audit(TenantId(1), "apikey.revoked").empty());
    EXPECT_TRUE(Audit(TenantId(2), "apikey.revoked").empty());
}

TEST_F(ApiKeysTest, TamperedAndMalformedTokensAreRejectedAlike) {
    const CreatedApiKey created = CreateAdmin(TenantId(1));
    CreateAdmin(TenantId(2));  // tenant 2 exists and has a key with the same id
    const std::string& token = created.token;
    const std::string secret = token.substr(6);

    std::string last_changed = token;
    last_changed.back() = last_changed.back() == 'A' ? 'B' : 'A';  // a DIFFERENT character
    std::string first_changed = token;
    first_changed[6] = first_changed[6] == 'A' ? 'B' : 'A';

    const std::vector<std::pair<const char*, std::string>> cases = {
        {"tenant digit changed", "yta_2_" + secret},
        {"last character changed", last_changed},
        {"first secret character changed", first_changed},
        {"kind prefix changed", "ytw_1_" + secret},
        {"leading zero in tenant", "yta_01_" + secret},
        {"tenant zero", "yta_0_" + secret},
        {"negative tenant", "yta_-1_" + secret},
        {"no tenant", "yta__" + secret},
        {"secret truncated", token.substr(0, token.size() - 1)},
        {"secret extended", token + "A"},
        {"secret with a non-base64url character", token.substr(0, token.size() - 1) + "="},
        {"unknown prefix", "ytx_1_" + secret},
        {"secret alone", secret},
        {"empty", ""},
        {"session-style token", "1." + secret},
    };
    for (const auto& [label, candidate] : cases) {
        ASSERT_NE(candidate, token) << label;
        auto result = keys().Authenticate(candidate);
        EXPECT_EQ(result.status().code(), ErrorCode::kUnauthenticated) << label;
        EXPECT_EQ(result.status().message(), "invalid API key") << label;
    }
    EXPECT_TRUE(keys().Authenticate(token).ok());
}

TEST_F(ApiKeysTest, LastUsedAtIsTouchedAtMostOncePerInterval) {
    const CreatedApiKey created = CreateAdmin(TenantId(1));
    auto last_used = [&]() -> std::optional<Timestamp> {
        auto listed = keys().List(TenantId(1));
        EXPECT_TRUE(listed.ok());
        return listed.ok() && !listed->empty() ? (*listed)[0].last_used_at : std::nullopt;
    };
    EXPECT_EQ(last_used(), std::nullopt);

    const Timestamp first = clock_.Now();
    ASSERT_TRUE(keys().Authenticate(created.token).ok());
    EXPECT_EQ(last_used(), first);

    clock_.Advance(seconds(59));
    ASSERT_TRUE(keys().Authenticate(created.token).ok());
    EXPECT_EQ(last_used(), first);  // within touch_interval (60 s): not written

    clock_.Advance(seconds(1));
    ASSERT_TRUE(keys().Authenticate(created.token).ok());
    EXPECT_EQ(last_used(), first + seconds(60));

    // A custom interval.
    ApiKeyService hourly(*db_, clock_, {.touch_interval = std::chrono::hours(1)});
    clock_.Advance(std::chrono::minutes(30));
    ASSERT_TRUE(hourly.Authenticate(created.token).ok());
    EXPECT_EQ(last_used(), first + seconds(60));
    clock_.Advance(std::chrono::minutes(30));
    ASSERT_TRUE(hourly.Authenticate(created.token).ok());
    EXPECT_EQ(last_used(), clock_.Now());
}

TEST_F(ApiKeysTest, CreateAndRevokeAreAuditedWithoutTheToken) {
    const CreatedApiKey created = CreateAdmin(TenantId(1), {Permission::kInsightRead, Permission::kCustomersRead});
    auto write = keys().Create(TenantId(1), {.name = "app", .kind = ApiKeyKind::kWrite}, actor_);
    ASSERT_TRUE(write.ok());
    clock_.Advance(seconds(1));
    ASSERT_TRUE(keys().Revoke(TenantId(1), created.key.id, actor_).ok());

    const std::vector<AuditEntry> entries = Audit(TenantId(1), "apikey.");
    ASSERT_EQ(entries.size(), 3u);  // newest first
    EXPECT_EQ(entries[0].action, "apikey.revoked");
    EXPECT_EQ(entries[0].target_type, "api_key");
    EXPECT_EQ(entries[0].target_id, std::to_string(created.key.id));
    EXPECT_EQ(entries[0].at, clock_.Now());
    EXPECT_EQ(entries[1].action, "apikey.created");
    EXPECT_EQ(entries[1].target_id, std::to_string(write->key.id));
    EXPECT_EQ(entries[1].detail, R"({"kind":"write","scopes":["events.write"]})");
    EXPECT_EQ(entries[2].action, "apikey.created");
    EXPECT_EQ(entries[2].target_type, "api_key");
    EXPECT_EQ(entries[2].target_id, "1");
    EXPECT_EQ(entries[2].detail, R"({"kind":"admin","scopes":["customers.read","insight.read"]})");
    for (const AuditEntry& entry : entries) {
        EXPECT_EQ(entry.actor_type, "staff");
        EXPECT_EQ(entry.actor_id, 7);
        EXPECT_EQ(entry.request_id, "req-1");
        for (const std::string& token : {created.token, write->token}) {
            EXPECT_EQ(entry.detail.find(token.substr(6)), std::string::npos);
            EXPECT_EQ(entry.target_id.find(token.substr(6)), std::string::npos);
        }
    }
    EXPECT_TRUE(Audit(TenantId(2), "apikey.").empty());
}

TEST_F(ApiKeysTest, ListIsNewestFirstWithRevokedKeys) {
    const CreatedApiKey first = CreateAdmin(TenantId(1));
    clock_.Advance(seconds(1));
    const CreatedApiKey second = CreateAdmin(TenantId(1), {Permission::kAuditRead});
    ASSERT_TRUE(keys().Revoke(TenantId(1), first.key.id, actor_).ok());
    CreateAdmin(TenantId(2));

    auto listed = keys().List(TenantId(1));
    ASSERT_TRUE(listed.ok());
    ASSERT_EQ(listed->size(), 2u);
    EXPECT_EQ((*listed)[0].id, second.key.id);
    EXPECT_EQ((*listed)[0].name, "ERP sync");
    EXPECT_EQ((*listed)[0].kind, ApiKeyKind::kAdmin);
    EXPECT_EQ((*listed)[0].scopes, std::vector{Permission::kAuditRead});
    EXPECT_EQ((*listed)[0].created_at, clock_.Now());
    EXPECT_EQ((*listed)[0].created_by, 7);
    EXPECT_FALSE((*listed)[0].revoked_at.has_value());
    EXPECT_EQ((*listed)[1].id, first.key.id);
    EXPECT_TRUE((*listed)[1].revoked_at.has_value());
}

}  // namespace
}  // namespace yutang::staff
