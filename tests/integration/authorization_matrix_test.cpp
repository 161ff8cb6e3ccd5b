// Every route of the router × every kind of caller × own and another merchant's object ids.
//
// The route list is read from the router itself, so routes added later are covered without
// editing this test (a route that needs a request body must add a sample below, or the test
// says so). Expectations come from the declared permission and the one role→permission table:
//   no credentials                 → 401 (public routes excepted)
//   caller lacks the permission    → 403, and never a 2xx
//   another merchant's object id   → 404, never its data
//   caller holds the permission    → 2xx on its own objects
#include <map>
#include <set>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "yutang/audience/segments.hpp"
#include "yutang/audience/service.hpp"
#include "yutang/events/import_jobs.hpp"
#include "yutang/http/guard.hpp"
#include "yutang/http/router.hpp"
#include "yutang/http/routes.hpp"
#include "yutang/staff/api_keys.hpp"
#include "yutang/staff/audit.hpp"
#include "yutang/staff/permissions.hpp"
#include "yutang/staff/sessions.hpp"
#include "yutang/staff/stores.hpp"

#include "tests/support/test_store.hpp"

namespace yutang {
namespace {

using http::Method;
using staff::Permission;
using staff::Role;

// Routes anyone may call. Anything else declared "public" fails the test.
const std::set<std::string> kPublicRoutes = {"getHealth",  "getReadiness", "getMetrics",
                                             "getOpenApi", "login",        "logout"};

struct Caller {
    std::string label;
    std::string authorization;       // header value; empty = anonymous
    std::optional<Role> role;        // staff callers
    std::vector<Permission> scopes;  // API key callers
    bool anonymous = false;

    bool Has(std::string_view permission) const {
        if (anonymous) return false;
        if (permission == "session") return true;
        const auto p = staff::ParsePermission(permission);
        if (!p.ok()) return false;
        if (role) return staff::RoleHas(*role, *p);
        return std::find(scopes.begin(), scopes.end(), *p) != scopes.end();
    }
};

class AuthorizationMatrixTest : public ::testing::Test {
  protected:
    void SetUp() override {
        db_ = testing::OpenTestStore(dir_, clock_);
        ASSERT_NE(db_, nullptr);
        staff_ = std::make_unique<staff::StaffService>(
            *db_, keys_, clock_, staff::StaffSettings{.password_hash = kMinimumPasswordHashParams});
        sessions_ = std::make_unique<staff::SessionService>(*db_, *staff_, clock_);
        stores_ = std::make_unique<staff::StoreService>(*db_, clock_);
        api_keys_ = std::make_unique<staff::ApiKeyService>(*db_, clock_);
        audit_ = std::make_unique<staff::AuditReader>(*db_);
        writer_ = std::make_unique<store::WriteBatcher>(*db_);
        ingestor_ = std::make_unique<events::Ingestor>(*writer_, resolver_, orders_, keys_, clock_);
        failed_events_ = std::make_unique<events::FailedEvents>(*db_, keys_, clock_);
        records_ = std::make_unique<events::CustomerRecords>(*db_, resolver_, orders_, keys_, clock_);
        editor_ = std::make_unique<events::CustomerEditor>(*db_, resolver_, *staff_, keys_, clock_);
        importer_ = std::make_unique<events::OrderImporter>(*db_, resolver_, orders_, clock_);
        imports_ = std::make_unique<events::ImportJobs>(*db_, *importer_, keys_, clock_,
                                                        events::ImportJobSettings{.spool_dir = dir_.File("spool")});
        ASSERT_TRUE(imports_->Start().ok());
        audiences_ = std::make_unique<audience::AudienceService>(*db_, keys_, clock_);
        segments_ = std::make_unique<audience::SegmentService>(*db_, *audiences_, clock_);
        overview_ = std::make_unique<insight::OverviewReport>(*db_, clock_);
        http::AddSystemRoutes(router_, {});
        http::AddApiRoutes(router_, {.staff = staff_.get(),
                                     .sessions = sessions_.get(),
                                     .stores = stores_.get(),
                                     .api_keys = api_keys_.get(),
                                     .audit = audit_.get(),
                                     .ingestor = ingestor_.get(),
                                     .failed_events = failed_events_.get(),
                                     .customers = records_.get(),
                                     .customer_editor = editor_.get(),
                                     .imports = imports_.get(),
                                     .audiences = audiences_.get(),
                                     .segments = segments_.get(),
                                     .overview = overview_.get()});

        own_ = MakeMerchant(
            "甲店",
            {.staff = 2, .stores = 1, .keys = 3, .customers = 1, .imports = 1, .tags = 1, .segments = 1, .failed = 1});
        // The other merchant has more of everything, so its ids include ones the first
        // merchant does not have: a query that forgot tenant_id would find them.
        other_ = MakeMerchant("乙店", {.staff = 40,
                                       .stores = 30,
                                       .keys = 40,
                                       .customers = 5,
                                       .imports = 10,
                                       .tags = 30,
                                       .segments = 30,
                                       .failed = 30});
        imports_->WaitIdle();  // finished jobs, so that their rejected rows can be downloaded
        const staff::Actor system = staff::Actor::System("test");
        for (Role role : staff::AllRoles()) {
            if (role == Role::kOwner) {
                callers_.push_back(LoginCaller(own_.tenant, "owner@a.example", role));
                continue;
            }
            const std::string email = std::string(staff::RoleName(role)) + "@a.example";
            ASSERT_TRUE(staff_
                            ->CreateStaff(own_.tenant, {.email = email, .role = role, .password = kPassword},
                                          Role::kOwner, system)
                            .ok());
            callers_.push_back(LoginCaller(own_.tenant, email, role));
            // Guides see only the customers they own: the sample customer is the guide's.
            if (role == Role::kGuide) {
                ASSERT_TRUE(db_->Write([&](store::Session& s) {
                                   return s
                                       .Execute(
                                           "UPDATE customers SET owner_staff_id = (SELECT staff_id FROM staff "
                                           "WHERE tenant_id = $1 AND role = 'guide' ORDER BY staff_id DESC "
                                           "LIMIT 1) WHERE tenant_id = $1",
                                           {own_.tenant.value()})
                                       .status();
                               })
                                .ok());
            }
        }
        auto write_key = api_keys_->Create(own_.tenant, {.name = "sdk", .kind = staff::ApiKeyKind::kWrite}, system);
        ASSERT_TRUE(write_key.ok());
        callers_.push_back({"write key", "Bearer " + write_key->token, std::nullopt, {Permission::kEventsWrite}});
        const std::vector<Permission> narrow = {Permission::kStoresRead, Permission::kStaffRead};
        auto admin_key =
            api_keys_->Create(own_.tenant, {.name = "bi", .kind = staff::ApiKeyKind::kAdmin, .scopes = narrow}, system);
        ASSERT_TRUE(admin_key.ok());
        callers_.push_back({"admin key (stores.read, staff.read)", "Bearer " + admin_key->token, std::nullopt, narrow});
        callers_.push_back({"anonymous", "", std::nullopt, {}, true});
    }

    struct Merchant {
        TenantId tenant;
        std::map<std::string, int64_t> ids;  // path parameter → an object id of this merchant
    };

    struct Counts {
        int staff, stores, keys, customers, imports, tags, segments, failed;
    };
    Merchant MakeMerchant(const std::string& name, Counts count) {
        const std::string owner = name == "甲店" ? "owner@a.example" : "owner@b.example";
        auto tenant = staff_->CreateTenant({.name = name, .owner_email = owner, .owner_password = kPassword});
        EXPECT_TRUE(tenant.ok()) << tenant.status().ToString();
        Merchant m{tenant->id, {}};
        const staff::Actor system = staff::Actor::System("test");
        for (int i = 0; i < count.staff; ++i) {
            auto s = staff_->CreateStaff(m.tenant,
                                         {.email = "s" + std::to_string(i) + "@" + name + ".example",
                                          .role = Role::kGuide,
                                          .password = kPassword},
                                         Role::kOwner, system);
            EXPECT_TRUE(s.ok()) << s.status().ToString();
            m.ids["staff_id"] = s->account.id.value();
        }
        for (int i = 0; i < count.stores; ++i) {
            auto store = stores_->Create(m.tenant, {.name = "门店", .code = "S" + std::to_string(i)}, system);
            EXPECT_TRUE(store.ok());
            m.ids["store_id"] = store->id.value();
        }
        for (int i = 0; i < count.keys; ++i) {
            auto key = api_keys_->Create(m.tenant, {.name = "spare", .scopes = {Permission::kStoresRead}}, system);
            EXPECT_TRUE(key.ok());
            m.ids["key_id"] = key->key.id;
        }
        for (int i = 0; i < count.customers; ++i) {
            const customers::IdentityInput phone{customers::IdentityKind::kUserId, name + std::to_string(i), ""};
            EXPECT_TRUE(db_->Write([&](store::Session& s) -> Status {
                               YT_ASSIGN_OR_RETURN(auto r, resolver_.Resolve(s, m.tenant, {phone}, "test"));
                               m.ids["customer_id"] = r.customer.value();
                               return OkStatus();
                           })
                            .ok());
        }
        for (int i = 0; i < count.tags; ++i) {
            EXPECT_TRUE(db_->Write([&](store::Session& s) -> Status {
                               YT_ASSIGN_OR_RETURN(
                                   auto tag, profiles_.EnsureTag(s, m.tenant, "人群", "标签" + std::to_string(i)));
                               m.ids["tag_id"] = tag.id;
                               m.ids["group_id"] = tag.group_id;
                               return OkStatus();
                           })
                            .ok());
        }
        for (int i = 0; i < count.segments; ++i) {
            auto segment = segments_->Create(m.tenant, "分层" + std::to_string(i),
                                             audience::Rule::Of(audience::Everyone{}), std::nullopt);
            EXPECT_TRUE(segment.ok()) << segment.status().ToString();
            m.ids["segment_id"] = segment->id.value();
        }
        for (int i = 0; i < count.failed; ++i) {
            // A track message without an event name is refused and kept among the failed events.
            auto r = ingestor_->IngestSingle(m.tenant, events::MessageType::kTrack, R"({"userId":"u"})");
            EXPECT_TRUE(r.ok() && r->rejected.size() == 1);
            auto page = failed_events_->List(m.tenant, {.limit = 1});
            EXPECT_TRUE(page.ok() && !page->items.empty());
            if (page.ok() && !page->items.empty()) m.ids["failed_id"] = page->items[0].id;
        }
        for (int i = 0; i < count.imports; ++i) {
            auto job = imports_->Submit(m.tenant, {.content = kJdExport}, system);
            EXPECT_TRUE(job.ok()) << job.status().ToString();
            m.ids["import_id"] = job->job.id.value();
        }
        return m;
    }

    Caller LoginCaller(TenantId tenant, const std::string& email, Role role) {
        auto login = sessions_->Login(email, kPassword, tenant);
        EXPECT_TRUE(login.ok()) << email << ": " << login.status().ToString();
        return {std::string(staff::RoleName(role)), "Bearer " + login->token, role, {}};
    }

    // A valid body for each route that reads one. Routes added later need an entry here.
    std::optional<std::string> SampleBody(const std::string& route) {
        ++counter_;
        const std::string n = std::to_string(counter_);
        if (route == "createStaff") return R"({"email":"new)" + n + R"(@a.example","role":"guide"})";
        if (route == "updateStaff") return R"({"display_name":"改名)" + n + R"("})";
        if (route == "createStore") return R"({"name":"新店","code":"N)" + n + R"("})";
        if (route == "updateStore") return R"({"name":"新名)" + n + R"("})";
        if (route == "updateMerchant") return R"({"time_zone":"Asia/Shanghai"})";
        if (route == "createApiKey") return R"({"name":"k)" + n + R"(","kind":"admin","scopes":["stores.read"]})";
        if (route == "ingestTrack") return R"({"userId":"u1","event":"Viewed"})";
        if (route == "ingestIdentify" || route == "ingestPage" || route == "ingestScreen") return R"({"userId":"u1"})";
        if (route == "ingestAlias") return R"({"previousId":"a)" + n + R"(","userId":"u1"})";
        if (route == "ingestGroup") return R"({"userId":"u1","groupId":"g1"})";
        if (route == "ingestBatch") return R"({"batch":[{"type":"track","userId":"u1","event":"Viewed"}]})";
        if (route == "createImport") return kJdExport;  // the raw file, whatever the Content-Type
        if (route == "updateCustomer") return R"({"attributes":{"vip":true,"city":"杭州"}})";
        if (route == "changeCustomerTags") return R"({"add":[],"remove":[]})";
        if (route == "addCustomerNote") return R"({"body":"回访)" + n + R"("})";
        if (route == "recordCustomerConsent") return R"({"purpose":"marketing.sms","granted":true})";
        if (route == "createTagGroup") return R"({"name":"组)" + n + R"("})";
        if (route == "previewAudience") {
            return counter_ % 2 == 0 ? R"({"text":"everyone"})" : R"({"rule":{"has":"user_id"}})";
        }
        if (route == "createSegment") {
            return counter_ % 2 == 0 ? R"({"name":"新分层)" + n + R"(","text":"has user_id"})"
                                     : R"({"name":"新分层)" + n + R"(","rule":{"has":"user_id"}})";
        }
        if (route == "updateSegment") return R"({"name":"改名)" + n + R"(","text":"everyone"})";
        if (route == "createTag") {
            return R"({"group_id":)" + std::to_string(own_.ids["group_id"]) + R"(,"name":"新)" + n + R"("})";
        }
        return std::nullopt;
    }

    http::Response Call(const http::RouteInfo& route, const Caller& caller, const Merchant& ids) {
        http::Request request;
        request.method = route.method;
        request.path = route.pattern;
        for (const auto& [param, id] : ids.ids) {
            const std::string placeholder = "{" + param + "}";
            if (auto at = request.path.find(placeholder); at != std::string::npos) {
                request.path.replace(at, placeholder.size(), std::to_string(id));
            }
        }
        EXPECT_EQ(request.path.find('{'), std::string::npos) << route.name << ": no sample id for " << request.path;
        // Routes with required query parameters. Routes added later with some need an entry here.
        static const std::map<std::string, std::string> kSampleQueries = {{"listCustomers", "limit=10"}};
        if (auto q = kSampleQueries.find(route.name); q != kSampleQueries.end()) request.query = q->second;
        request.target = request.path + (request.query.empty() ? "" : "?" + request.query);
        request.request_id = "matrix";
        request.remote_address = "127.0.0.1";
        if (!caller.authorization.empty()) request.headers.emplace_back("Authorization", caller.authorization);
        if (route.method == Method::kPost || route.method == Method::kPatch || route.method == Method::kPut) {
            const auto body = SampleBody(route.name);
            static const std::set<std::string> kNoBody = {"revealStaffEmail", "revealCustomer", "exportCustomer"};
            const bool reads_body = !kNoBody.count(route.name);
            if (reads_body) {
                EXPECT_TRUE(body) << "add a sample body for route " << route.name;
                request.body = body.value_or("{}");
                request.headers.emplace_back("Content-Type", "application/json");
            }
        }
        return router_.Dispatch(request);
    }

    static constexpr const char* kPassword = "matrix-pass-1";
    // A tiny JD order export (the body of createImport).
    static constexpr const char* kJdExport =
        "订单号,商品ID,下单时间,订单状态,下单帐号\nJ1,2,2026-01-01 00:00:00,完成,jd_a\n";
    testing::TempDir dir_;
    ManualClock clock_{Timestamp::FromSeconds(1795406067)};
    KeyRing keys_ = KeyRing::Generate();
    std::unique_ptr<store::Database> db_;
    std::unique_ptr<staff::StaffService> staff_;
    std::unique_ptr<staff::SessionService> sessions_;
    std::unique_ptr<staff::StoreService> stores_;
    std::unique_ptr<staff::ApiKeyService> api_keys_;
    std::unique_ptr<staff::AuditReader> audit_;
    customers::IdentityResolver resolver_{keys_, clock_};
    events::OrderStore orders_{keys_, clock_};
    std::unique_ptr<store::WriteBatcher> writer_;
    std::unique_ptr<events::Ingestor> ingestor_;
    std::unique_ptr<events::FailedEvents> failed_events_;
    std::unique_ptr<events::CustomerRecords> records_;
    std::unique_ptr<events::CustomerEditor> editor_;
    customers::ProfileStore profiles_{keys_, clock_};
    std::unique_ptr<events::OrderImporter> importer_;
    std::unique_ptr<events::ImportJobs> imports_;
    std::unique_ptr<audience::AudienceService> audiences_;
    std::unique_ptr<audience::SegmentService> segments_;
    std::unique_ptr<insight::OverviewReport> overview_;
    http::Router router_;
    Merchant own_, other_;
    std::vector<Caller> callers_;
    int counter_ = 0;
};

TEST_F(AuthorizationMatrixTest, EveryRouteEveryCallerOwnAndOtherMerchant) {
    int checked = 0;
    for (const http::RouteInfo& route : router_.routes()) {
        ASSERT_TRUE(http::CheckPermissionDeclaration(route.permission).ok())
            << route.name << " declares '" << route.permission << "'";
        if (route.permission == http::kPublic) {
            EXPECT_TRUE(kPublicRoutes.count(route.name)) << route.name << " is public but not on the public list";
            continue;
        }
        const bool has_id = route.pattern.find('{') != std::string::npos;
        for (const Caller& caller : callers_) {
            SCOPED_TRACE(route.name + " as " + caller.label);
            const http::Response own = Call(route, caller, own_);
            ++checked;
            if (caller.anonymous) {
                EXPECT_EQ(own.status, 401u) << own.body;
            } else if (!caller.Has(route.permission)) {
                EXPECT_EQ(own.status, 403u) << own.body;
            } else {
                EXPECT_GE(own.status, 200u) << own.body;
                EXPECT_LT(own.status, 300u) << own.body;
            }
            if (!has_id) continue;
            const http::Response other = Call(route, caller, other_);
            ++checked;
            EXPECT_FALSE(other.status >= 200 && other.status < 300)
                << "another merchant's object answered " << other.status << ": " << other.body;
            if (caller.Has(route.permission)) {
                EXPECT_EQ(other.status, 404u) << other.body;
            }
        }
    }
    EXPECT_GT(checked, 100);
}

TEST_F(AuthorizationMatrixTest, RevokedKeysAndEndedSessionsAreRefusedAtOnce) {
    const staff::Actor system = staff::Actor::System("test");
    auto key = api_keys_->Create(own_.tenant, {.name = "tmp", .scopes = {Permission::kStoresRead}}, system);
    ASSERT_TRUE(key.ok());
    const http::RouteInfo list_stores{Method::kGet, "/api/v1/stores", "listStores", "stores.read", ""};
    Caller caller{"tmp key", "Bearer " + key->token, std::nullopt, {Permission::kStoresRead}};
    EXPECT_EQ(Call(list_stores, caller, own_).status, 200u);
    ASSERT_TRUE(api_keys_->Revoke(own_.tenant, key->key.id, system).ok());
    EXPECT_EQ(Call(list_stores, caller, own_).status, 401u);

    // A write key sent the Segment way (Basic, key as user name) still reaches no admin route.
    auto write_key = api_keys_->Create(own_.tenant, {.name = "segment", .kind = staff::ApiKeyKind::kWrite}, system);
    ASSERT_TRUE(write_key.ok());
    Caller basic{
        "write key (basic)", "Basic " + Base64Encode(write_key->token + ":"), std::nullopt, {Permission::kEventsWrite}};
    EXPECT_EQ(Call(list_stores, basic, own_).status, 403u);
}

}  // namespace
}  // namespace yutang
