#include "yutang/staff/sessions.hpp"

#include <gtest/gtest.h>

#include "yutang/staff/audit.hpp"

#include "tests/support/test_store.hpp"

namespace yutang::staff {
namespace {

using std::chrono::hours;
using std::chrono::minutes;

class SessionsTest : public ::testing::Test {
  protected:
    void SetUp() override {
        db_ = testing::OpenTestStore(dir_, clock_);
        ASSERT_NE(db_, nullptr);
        staff_ = std::make_unique<StaffService>(*db_, keys_, clock_,
                                                StaffSettings{.password_hash = kMinimumPasswordHashParams});
        sessions_ = std::make_unique<SessionService>(*db_, *staff_, clock_);
        auto tenant = staff_->CreateTenant(
            {.name = "演示旗舰店", .owner_email = "demo@yutang.local", .owner_password = "s3cret-pass"});
        ASSERT_TRUE(tenant.ok());
        tenant_ = tenant->id;
    }
    testing::TempDir dir_;
    std::unique_ptr<store::Database> db_;
    KeyRing keys_ = KeyRing::Generate();
    ManualClock clock_{Timestamp::FromSeconds(1795406067)};
    std::unique_ptr<StaffService> staff_;
    std::unique_ptr<SessionService> sessions_;
    TenantId tenant_;
};

TEST_F(SessionsTest, LoginResolveLogout) {
    auto login = sessions_->Login("Demo@yutang.local", "s3cret-pass", std::nullopt);
    ASSERT_TRUE(login.ok()) << login.status().ToString();
    EXPECT_EQ(login->tenant.id, tenant_);
    EXPECT_EQ(login->token.rfind("1.", 0), 0u);
    EXPECT_EQ(login->expires_at, clock_.Now() + hours(12));
    auto me = sessions_->Resolve(login->token);
    ASSERT_TRUE(me.ok()) << me.status().ToString();
    EXPECT_EQ(me->role, Role::kOwner);

    ASSERT_TRUE(sessions_->Logout(login->token).ok());
    EXPECT_EQ(sessions_->Resolve(login->token).status().code(), ErrorCode::kUnauthenticated);
    EXPECT_TRUE(sessions_->Logout(login->token).ok());
}

TEST_F(SessionsTest, StoresOnlyAHashOfTheSecret) {
    auto login = sessions_->Login("demo@yutang.local", "s3cret-pass", tenant_);
    ASSERT_TRUE(login.ok());
    const std::string secret = login->token.substr(login->token.find('.') + 1);
    ASSERT_TRUE(db_->Read([&](store::Session& s) -> Status {
                       YT_ASSIGN_OR_RETURN(auto rows, s.Query("SELECT token_hash FROM staff_sessions"));
                       EXPECT_EQ(rows.size(), 1u);
                       EXPECT_NE(rows.rows[0].Text(0), secret);
                       return OkStatus();
                   })
                    .ok());
}

TEST_F(SessionsTest, WrongCredentialsAreOneError) {
    for (auto [email, password] : {std::pair{"demo@yutang.local", "wrong-pass"}, std::pair{"x@y.z", "s3cret-pass"},
                                   std::pair{"not an email", "s3cret-pass"}}) {
        auto login = sessions_->Login(email, password, std::nullopt);
        EXPECT_EQ(login.status().code(), ErrorCode::kUnauthenticated);
        EXPECT_EQ(login.status().message(), "wrong email or password");
    }
    EXPECT_EQ(sessions_->Login("demo@yutang.local", "s3cret-pass", TenantId(5)).status().code(),
              ErrorCode::kUnauthenticated);
}

TEST_F(SessionsTest, IdleAndAbsoluteTimeoutsEndSessions) {
    auto login = sessions_->Login("demo@yutang.local", "s3cret-pass", std::nullopt);
    ASSERT_TRUE(login.ok());
    // Active every hour: the idle timer (2 h) keeps being reset …
    for (int i = 0; i < 11; ++i) {
        clock_.Advance(hours(1));
        ASSERT_TRUE(sessions_->Resolve(login->token).ok()) << "hour " << i + 1;
    }
    // … but 12 h after login the session ends anyway.
    clock_.Advance(hours(1));
    EXPECT_EQ(sessions_->Resolve(login->token).status().code(), ErrorCode::kUnauthenticated);

    auto idle = sessions_->Login("demo@yutang.local", "s3cret-pass", std::nullopt);
    ASSERT_TRUE(idle.ok());
    clock_.Advance(hours(2) - minutes(1));
    EXPECT_TRUE(sessions_->Resolve(idle->token).ok());
    clock_.Advance(hours(2));
    EXPECT_EQ(sessions_->Resolve(idle->token).status().code(), ErrorCode::kUnauthenticated);
}

TEST_F(SessionsTest, RevokeAllEndsEverySessionOfTheAccount) {
    auto a = sessions_->Login("demo@yutang.local", "s3cret-pass", std::nullopt);
    auto b = sessions_->Login("demo@yutang.local", "s3cret-pass", std::nullopt);
    ASSERT_TRUE(a.ok() && b.ok());
    ASSERT_TRUE(sessions_->RevokeAll(tenant_, a->account.id).ok());
    EXPECT_FALSE(sessions_->Resolve(a->token).ok());
    EXPECT_FALSE(sessions_->Resolve(b->token).ok());
}

TEST_F(SessionsTest, TwentyFailuresLockTheAccountEvenForTheRightPassword) {
    const LoginContext from{.client_address = "10.0.0.7", .request_id = "r"};
    for (int i = 0; i < 20; ++i) {
        EXPECT_EQ(sessions_->Login("demo@yutang.local", "wrong-pass", std::nullopt, from).status().code(),
                  ErrorCode::kUnauthenticated);
    }
    const auto locked = sessions_->Login("demo@yutang.local", "s3cret-pass", std::nullopt, from);
    EXPECT_EQ(locked.status().code(), ErrorCode::kResourceExhausted);
    // The lock-out had no side effect: no session row, no further audit entry.
    auto failed = ListAudit(*db_, tenant_, {.action = "auth.login_failed", .limit = 200});
    ASSERT_TRUE(failed.ok());
    EXPECT_EQ(failed->entries.size(), 20u);
    EXPECT_EQ(failed->entries[0].client_address, "10.0.0.7");
    EXPECT_EQ(failed->entries[0].target_id, "d***@yutang.local");
    EXPECT_TRUE(ListAudit(*db_, tenant_, {.action = "auth.login"})->entries.empty());
    clock_.Advance(minutes(16));
    EXPECT_TRUE(sessions_->Login("demo@yutang.local", "s3cret-pass", std::nullopt, from).ok());
    EXPECT_EQ(ListAudit(*db_, tenant_, {.action = "auth.login"})->entries.size(), 1u);
}

TEST_F(SessionsTest, ManyAccountsFromOneAddressLockTheAddress) {
    const LoginContext from{.client_address = "10.0.0.8"};
    for (int i = 0; i < 100; ++i) {
        (void)sessions_->Login("user" + std::to_string(i) + "@example.com", "whatever-pass", std::nullopt, from);
    }
    EXPECT_EQ(sessions_->Login("demo@yutang.local", "s3cret-pass", std::nullopt, from).status().code(),
              ErrorCode::kResourceExhausted);
    EXPECT_TRUE(
        sessions_->Login("demo@yutang.local", "s3cret-pass", std::nullopt, {.client_address = "10.0.0.9"}).ok());
}

TEST_F(SessionsTest, MalformedAndForgedTokensAreRejected) {
    auto login = sessions_->Login("demo@yutang.local", "s3cret-pass", std::nullopt);
    ASSERT_TRUE(login.ok());
    std::string other_tenant = login->token;
    other_tenant[0] = '2';
    std::string altered = login->token;
    altered.back() = altered.back() == 'A' ? 'B' : 'A';
    for (const std::string& token : {std::string(""), std::string("abc"), std::string("1."),
                                     std::string("x.") + login->token.substr(2), other_tenant, altered}) {
        EXPECT_EQ(sessions_->Resolve(token).status().code(), ErrorCode::kUnauthenticated) << token;
    }
}

}  // namespace
}  // namespace yutang::staff
