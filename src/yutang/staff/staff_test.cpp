#include "yutang/staff/staff.hpp"

#include <gtest/gtest.h>

#include "yutang/staff/sessions.hpp"

#include "tests/support/test_store.hpp"

namespace yutang::staff {
namespace {

class StaffTest : public ::testing::Test {
  protected:
    void SetUp() override {
        db_ = testing::OpenTestStore(dir_, clock_);
        ASSERT_NE(db_, nullptr);
        service_ = std::make_unique<StaffService>(*db_, keys_, clock_,
                                                  StaffSettings{.password_hash = kMinimumPasswordHashParams});
    }
    NewTenant Demo() {
        return NewTenant{.name = "演示旗舰店", .owner_email = " Demo@Yutang.Local ", .owner_password = "s3cret-pass"};
    }
    testing::TempDir dir_;
    std::unique_ptr<store::Database> db_;
    KeyRing keys_ = KeyRing::Generate();
    ManualClock clock_{Timestamp::FromSeconds(1795406067)};
    std::unique_ptr<StaffService> service_;
    StaffService& staff() { return *service_; }
};

TEST_F(StaffTest, CreatesTenantWithOwnerAndDenseIds) {
    auto first = staff().CreateTenant(Demo());
    ASSERT_TRUE(first.ok()) << first.status().ToString();
    EXPECT_EQ(first->id.value(), 1);
    EXPECT_EQ(first->time_zone, "Asia/Shanghai");
    NewTenant second = Demo();
    second.name = "第二家店";
    EXPECT_EQ(staff().CreateTenant(second)->id.value(), 2);

    auto owners = staff().ListStaff(first->id);
    ASSERT_TRUE(owners.ok());
    ASSERT_EQ(owners->size(), 1u);
    EXPECT_EQ((*owners)[0].id.value(), 1);
    EXPECT_EQ((*owners)[0].role, Role::kOwner);
    EXPECT_EQ((*owners)[0].email_masked, "d***@yutang.local");
    EXPECT_EQ((*owners)[0].display_name, "demo");

    EXPECT_EQ(staff().FindTenant("2")->name, "第二家店");
    EXPECT_EQ(staff().FindTenant("演示旗舰店")->id.value(), 1);
    EXPECT_EQ(staff().FindTenant("nope").status().code(), ErrorCode::kNotFound);
    EXPECT_EQ(staff().ListTenants()->size(), 2u);
}

TEST_F(StaffTest, EmailIsEncryptedAtRest) {
    ASSERT_TRUE(staff().CreateTenant(Demo()).ok());
    ASSERT_TRUE(db_->Read([](store::Session& s) -> Status {
                       YT_ASSIGN_OR_RETURN(auto rows, s.Query("SELECT email_index, email_cipher FROM staff"));
                       for (const auto& row : rows) {
                           EXPECT_EQ(row.Text(0).find("demo"), std::string::npos);
                           EXPECT_EQ(row.Text(1).find("demo"), std::string::npos);
                       }
                       return OkStatus();
                   })
                    .ok());
}

TEST_F(StaffTest, DuplicateNameIsAlreadyExistsAndNothingIsHalfWritten) {
    ASSERT_TRUE(staff().CreateTenant(Demo()).ok());
    auto again = staff().CreateTenant(Demo());
    EXPECT_EQ(again.status().code(), ErrorCode::kAlreadyExists);
    EXPECT_EQ(again.status().field(), "name");
    EXPECT_EQ(staff().ListTenants()->size(), 1u);
    int64_t staff_rows = 0;
    ASSERT_TRUE(db_->Read([&](store::Session& s) -> Status {
                       YT_ASSIGN_OR_RETURN(auto row, s.QueryOne("SELECT COUNT(*) FROM staff"));
                       staff_rows = row->Int(0);
                       return OkStatus();
                   })
                    .ok());
    EXPECT_EQ(staff_rows, 1);
}

TEST_F(StaffTest, ValidatesInput) {
    struct Case {
        NewTenant request;
        const char* field;
    };
    NewTenant no_name = Demo();
    no_name.name = "";
    NewTenant bad_zone = Demo();
    bad_zone.time_zone = "Asia/Atlantis";
    NewTenant bad_email = Demo();
    bad_email.owner_email = "not-an-email";
    NewTenant short_password = Demo();
    short_password.owner_password = "short";
    NewTenant common_password = Demo();
    common_password.owner_password = "Password123";
    for (const Case& c : {Case{no_name, "name"}, Case{bad_zone, "time_zone"}, Case{bad_email, "email"},
                          Case{short_password, "password"}, Case{common_password, "password"}}) {
        auto result = staff().CreateTenant(c.request);
        EXPECT_EQ(result.status().code(), ErrorCode::kInvalidArgument) << c.field;
        EXPECT_EQ(result.status().field(), c.field);
    }
    EXPECT_TRUE(staff().ListTenants()->empty());
}

TEST_F(StaffTest, AuthenticateGivesOneAnswerForEveryFailure) {
    auto tenant = staff().CreateTenant(Demo());
    ASSERT_TRUE(tenant.ok());
    auto ok = staff().Authenticate(tenant->id, "DEMO@yutang.local", "s3cret-pass");
    ASSERT_TRUE(ok.ok()) << ok.status().ToString();
    EXPECT_EQ(ok->role, Role::kOwner);
    const auto wrong_password = staff().Authenticate(tenant->id, "demo@yutang.local", "s3cret-pasS");
    const auto wrong_email = staff().Authenticate(tenant->id, "nobody@yutang.local", "s3cret-pass");
    const auto wrong_tenant = staff().Authenticate(TenantId(99), "demo@yutang.local", "s3cret-pass");
    for (const auto* r : {&wrong_password, &wrong_email, &wrong_tenant}) {
        EXPECT_EQ(r->status().code(), ErrorCode::kUnauthenticated);
        EXPECT_EQ(r->status().message(), "wrong email or password");
    }
}

class StaffManagementTest : public StaffTest {
  protected:
    void SetUp() override {
        StaffTest::SetUp();
        auto tenant = staff().CreateTenant(Demo());
        ASSERT_TRUE(tenant.ok());
        tenant_ = tenant->id;
    }
    int64_t AuditCount(const std::string& action) {
        auto page = ListAudit(*db_, tenant_, {.action = action, .limit = 200});
        EXPECT_TRUE(page.ok());
        return static_cast<int64_t>(page->entries.size());
    }
    TenantId tenant_;
    Actor actor_ = Actor::Staff(StaffId(1), "req-1", "127.0.0.1");
};

TEST_F(StaffManagementTest, OwnerAddsStaffWithAGeneratedPassword) {
    auto created =
        staff().CreateStaff(tenant_, {.email = "Guide@Example.com", .role = Role::kGuide}, Role::kOwner, actor_);
    ASSERT_TRUE(created.ok()) << created.status().ToString();
    EXPECT_EQ(created->account.id.value(), 2);
    EXPECT_EQ(created->account.email_masked, "g***@example.com");
    EXPECT_EQ(created->generated_password.size(), 16u);
    EXPECT_TRUE(staff().Authenticate(tenant_, "guide@example.com", created->generated_password).ok());
    EXPECT_EQ(AuditCount("staff.created"), 1);

    auto again = staff().CreateStaff(tenant_, {.email = "guide@example.com"}, Role::kOwner, actor_);
    EXPECT_EQ(again.status().code(), ErrorCode::kAlreadyExists);
    EXPECT_EQ(again.status().field(), "email");
    EXPECT_EQ(AuditCount("staff.created"), 1) << "a refused change leaves no audit entry";
}

TEST_F(StaffManagementTest, OnlyOwnersMakeOwnersAndAdmins) {
    auto by_admin =
        staff().CreateStaff(tenant_, {.email = "a@example.com", .role = Role::kAdmin}, Role::kAdmin, actor_);
    EXPECT_EQ(by_admin.status().code(), ErrorCode::kPermissionDenied);
    auto admin = staff().CreateStaff(tenant_, {.email = "a@example.com", .role = Role::kAdmin}, Role::kOwner, actor_);
    ASSERT_TRUE(admin.ok());
    auto guide = staff().CreateStaff(tenant_, {.email = "g@example.com"}, Role::kAdmin, actor_);
    ASSERT_TRUE(guide.ok());
    EXPECT_EQ(
        staff().UpdateStaff(tenant_, guide->account.id, {.role = Role::kAdmin}, Role::kAdmin, actor_).status().code(),
        ErrorCode::kPermissionDenied);
    EXPECT_EQ(staff().UpdateStaff(tenant_, admin->account.id, {.active = false}, Role::kAdmin, actor_).status().code(),
              ErrorCode::kPermissionDenied);
    auto promoted = staff().UpdateStaff(tenant_, guide->account.id, {.role = Role::kOperator}, Role::kAdmin, actor_);
    ASSERT_TRUE(promoted.ok()) << promoted.status().ToString();
    EXPECT_EQ(promoted->role, Role::kOperator);
    auto entries = ListAudit(*db_, tenant_, {.action = "staff.role_changed"});
    ASSERT_EQ(entries->entries.size(), 1u);
    EXPECT_EQ(entries->entries[0].detail, R"({"from":"guide","to":"operator"})");
    EXPECT_EQ(entries->entries[0].actor_type, "staff");
    EXPECT_EQ(entries->entries[0].request_id, "req-1");
}

TEST_F(StaffManagementTest, TheLastOwnerStays) {
    EXPECT_EQ(staff().UpdateStaff(tenant_, StaffId(1), {.role = Role::kAdmin}, Role::kOwner, actor_).status().code(),
              ErrorCode::kFailedPrecondition);
    EXPECT_EQ(staff().UpdateStaff(tenant_, StaffId(1), {.active = false}, Role::kOwner, actor_).status().code(),
              ErrorCode::kFailedPrecondition);
    ASSERT_TRUE(
        staff().CreateStaff(tenant_, {.email = "o2@example.com", .role = Role::kOwner}, Role::kOwner, actor_).ok());
    EXPECT_TRUE(staff().UpdateStaff(tenant_, StaffId(1), {.role = Role::kAdmin}, Role::kOwner, actor_).ok());
    EXPECT_EQ(staff().UpdateStaff(tenant_, StaffId(99), {.active = false}, Role::kOwner, actor_).status().code(),
              ErrorCode::kNotFound);
    EXPECT_EQ(staff().UpdateStaff(tenant_, StaffId(1), {.display_name = ""}, Role::kOwner, actor_).status().field(),
              "display_name");
}

TEST_F(StaffManagementTest, DisablingEndsSessionsAndLogin) {
    auto guide =
        staff().CreateStaff(tenant_, {.email = "g@example.com", .password = "guide-pass-1"}, Role::kOwner, actor_);
    ASSERT_TRUE(guide.ok());
    SessionService sessions(*db_, staff(), clock_);
    auto login = sessions.Login("g@example.com", "guide-pass-1", std::nullopt);
    ASSERT_TRUE(login.ok());
    ASSERT_TRUE(staff().UpdateStaff(tenant_, guide->account.id, {.active = false}, Role::kOwner, actor_).ok());
    EXPECT_EQ(sessions.Resolve(login->token).status().code(), ErrorCode::kUnauthenticated);
    EXPECT_EQ(sessions.Login("g@example.com", "guide-pass-1", std::nullopt).status().code(),
              ErrorCode::kUnauthenticated);
    EXPECT_EQ(AuditCount("staff.disabled"), 1);
}

TEST_F(StaffManagementTest, RevealingAnEmailIsAudited) {
    auto email = staff().RevealEmail(tenant_, StaffId(1), actor_);
    ASSERT_TRUE(email.ok());
    EXPECT_EQ(*email, "demo@yutang.local");
    EXPECT_EQ(AuditCount("pii.viewed"), 1);
    EXPECT_EQ(staff().RevealEmail(TenantId(tenant_.value() + 1), StaffId(1), actor_).status().code(),
              ErrorCode::kNotFound);
}

TEST_F(StaffManagementTest, MerchantSettingsChangeOnlyWhatIsSentAndAreAudited) {
    auto other =
        staff().CreateTenant({.name = "二号店", .owner_email = "two@yutang.local", .owner_password = "s3cret-pass"});
    ASSERT_TRUE(other.ok());
    auto moved = staff().UpdateTenant(tenant_, {.time_zone = "America/New_York"}, actor_);
    ASSERT_TRUE(moved.ok()) << moved.status().ToString();
    EXPECT_EQ(moved->name, "演示旗舰店");
    EXPECT_EQ(moved->time_zone, "America/New_York");
    EXPECT_EQ(staff().FindTenant(std::to_string(tenant_.value()))->time_zone, "America/New_York");
    auto entries = ListAudit(*db_, tenant_, {.action = "merchant.updated", .limit = 10});
    ASSERT_TRUE(entries.ok());
    ASSERT_EQ(entries->entries.size(), 1u);
    EXPECT_EQ(entries->entries[0].detail, R"({"time_zone":{"from":"Asia/Shanghai","to":"America/New_York"}})");

    EXPECT_TRUE(staff().UpdateTenant(tenant_, {.time_zone = "America/New_York"}, actor_).ok());
    EXPECT_EQ(AuditCount("merchant.updated"), 1) << "nothing changed, nothing audited";

    const auto code = [&](const TenantUpdate& u) { return staff().UpdateTenant(tenant_, u, actor_).status(); };
    EXPECT_EQ(code({.time_zone = "Mars/Olympus"}).field(), "time_zone");
    EXPECT_EQ(code({.name = ""}).field(), "name");
    EXPECT_EQ(code({.name = "二号店"}).code(), ErrorCode::kAlreadyExists);
    EXPECT_EQ(staff().FindTenant(std::to_string(tenant_.value()))->name, "演示旗舰店")
        << "refused changes change nothing";
    EXPECT_EQ(staff().UpdateTenant(TenantId(99), {.name = "x"}, actor_).status().code(), ErrorCode::kNotFound);
}

TEST(PasswordRules, CountsCharactersNotBytes) {
    EXPECT_EQ(CheckPasswordRules("鱼塘鱼塘鱼塘鱼").code(), ErrorCode::kInvalidArgument);  // 7 characters
    EXPECT_TRUE(CheckPasswordRules("鱼塘鱼塘鱼塘鱼塘").ok());
    EXPECT_EQ(CheckPasswordRules(std::string(129, 'x')).code(), ErrorCode::kInvalidArgument);
    EXPECT_TRUE(CheckPasswordRules(std::string(128, 'x')).ok());
}

TEST(Roles, RoundTripNames) {
    for (Role r : {Role::kOwner, Role::kAdmin, Role::kOperator, Role::kGuide, Role::kAnalyst, Role::kAuditor}) {
        EXPECT_EQ(*ParseRole(RoleName(r)), r);
    }
    EXPECT_EQ(ParseRole("boss").status().field(), "role");
}

}  // namespace
}  // namespace yutang::staff
