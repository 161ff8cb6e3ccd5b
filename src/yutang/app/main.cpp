// The yutang binary: the one composition root.
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <optional>
#include <sstream>
#include <thread>

#include <signal.h>
#include <sys/stat.h>

#include "yutang/app/build_info.hpp"
#include "yutang/app/config.hpp"
#include "yutang/app/instance.hpp"
#include "yutang/app/scheduler.hpp"
#include "yutang/audience/engine.hpp"
#include "yutang/audience/rule.hpp"
#include "yutang/audience/segments.hpp"
#include "yutang/base/log.hpp"
#include "yutang/base/time_zone.hpp"
#include "yutang/cli/cli.hpp"
#include "yutang/events/demo.hpp"
#include "yutang/events/order_import.hpp"
#include "yutang/events/timeline.hpp"
#include "yutang/http/router.hpp"
#include "yutang/http/routes.hpp"
#include "yutang/http/segment_export.hpp"
#include "yutang/http/server.hpp"
#include "yutang/imports/order_reader.hpp"
#include "yutang/staff/permissions.hpp"
#include "yutang/store/change_log.hpp"

namespace yutang::app {
namespace {

constexpr const char* kDemoMerchant = "演示旗舰店";
// Rows of the customer change log kept (about 16 bytes each in SQLite).
constexpr int64_t kKeptCustomerChanges = 5'000'000;
constexpr const char* kDemoOwner = "demo@yutang.local";

// Creates the first merchant and its owner; prints the password when it was generated.
// Returns the password used.
Result<std::string> CreateFirstMerchant(Instance& instance, const std::string& name, const std::string& email,
                                        const std::string& time_zone) {
    std::string password = EnvFromProcess()("YUTANG_OWNER_PASSWORD").value_or("");
    const bool generated = password.empty();
    if (generated) password = RandomToken(12);  // 16 characters of base64url
    staff::NewTenant request{.name = name, .owner_email = email, .owner_password = password};
    if (!time_zone.empty()) request.time_zone = time_zone;
    YT_ASSIGN_OR_RETURN(staff::Tenant tenant, instance.staff().CreateTenant(request));
    std::printf("已创建商户 Created merchant 「%s」 (id %lld)\n", tenant.name.c_str(),
                static_cast<long long>(tenant.id.value()));
    std::printf("所有者 Owner login: %s\n", email.c_str());
    if (generated) std::printf("密码 Password (shown once, keep it safe): %s\n", password.c_str());
    return password;
}

class AppCommands final : public cli::Commands {
  public:
    int Version() override {
        std::printf("yutang %s (commit %s, %s build)\n", kVersion, kCommit, kBuildType);
        return 0;
    }

    int Init(const cli::GlobalOptions& global, const cli::InitOptions& options) override {
        auto config = Setup(global, nullptr);
        if (!config.ok()) return cli::ReportError(config.status());
        if (Status s = Instance::InitDataDir(*config); !s.ok()) return cli::ReportError(s);
        auto instance = Instance::Open(*config);
        if (!instance.ok()) return cli::ReportError(instance.status());
        auto created = CreateFirstMerchant(**instance, options.merchant_name, options.owner_email, options.time_zone);
        if (!created.ok()) return cli::ReportError(created.status());
        std::printf("数据目录 Data dir: %s (key file %s, mode 0600: back it up, it is not in the database)\n",
                    config->data_dir.c_str(), config->key_file().c_str());
        return 0;
    }

    int Migrate(const cli::GlobalOptions& global) override {
        auto config = Setup(global, nullptr);
        if (!config.ok()) return cli::ReportError(config.status());
        auto instance = Instance::Open(*config);  // Open applies pending migrations.
        if (!instance.ok()) return cli::ReportError(instance.status());
        if (Status ready = (*instance)->CheckReady(); !ready.ok()) return cli::ReportError(ready);
        std::printf("schema up to date\n");
        return 0;
    }

    int Serve(const cli::GlobalOptions& global, const cli::ServeOptions& options) override {
        // Block the shutdown signals before any thread starts so that only the waiter below
        // receives them.
        sigset_t signals;
        sigemptyset(&signals);
        sigaddset(&signals, SIGTERM);
        sigaddset(&signals, SIGINT);
        pthread_sigmask(SIG_BLOCK, &signals, nullptr);

        auto config = Setup(global, &options);
        if (!config.ok()) return cli::ReportError(config.status());
        std::string demo_password;
        if (options.demo) {
            auto prepared = PrepareDemo(*config, options.demo_customers);
            if (!prepared.ok()) return cli::ReportError(prepared.status());
            demo_password = *prepared;
        }
        auto opened = Instance::Open(*config);
        if (!opened.ok()) return cli::ReportError(opened.status());
        Instance& instance = **opened;

        http::Router router;
        http::AddApiRoutes(router, {.staff = &instance.staff(),
                                    .sessions = &instance.sessions(),
                                    .stores = &instance.stores(),
                                    .api_keys = &instance.api_keys(),
                                    .audit = &instance.audit(),
                                    .ingestor = &instance.ingestor(),
                                    .failed_events = &instance.failed_events(),
                                    .customers = &instance.customer_records(),
                                    .customer_editor = &instance.customer_editor(),
                                    .imports = &instance.import_jobs(),
                                    .audiences = &instance.audiences(),
                                    .segments = &instance.segments(),
                                    .overview = &instance.overview(),
                                    .max_import_bytes = config->max_import_bytes});
        http::ServerSettings settings;
        settings.host = config->listen_host;
        settings.port = config->listen_port;
        settings.threads = config->threads;
        settings.max_body_bytes = config->max_body_bytes;
        settings.spool_dir = config->spool_dir();
        settings.static_dir = config->static_dir;
        settings.trust_forwarded_for = config->trust_forwarded_for;
        settings.version = kVersion;
        settings.commit = kCommit;
        // Before the server accepts uploads: it fails the jobs a crash left behind and clears the spool dir.
        if (Status started = instance.import_jobs().Start(); !started.ok()) return cli::ReportError(started);
        auto server = http::Server::Create(settings, router, [&instance] { return instance.CheckReady(); });
        if (!server.ok()) return cli::ReportError(server.status());

        // Computed traits move as days pass (RFM, lifecycle): refreshed once per merchant-local day.
        Scheduler scheduler(std::chrono::minutes(1));
        scheduler.Add("trait refresh", [&instance] { return instance.trait_refresher().RefreshDue().status(); });
        // Saved segments: every live segment re-evaluated each minute, so windows and calendars turn
        // at the merchant's midnight and data changes show within a minute.
        scheduler.Add("segment evaluation", [&instance] { return instance.segments().EvaluateDue().status(); });
        // Several servers on one PostgreSQL store: the import jobs of a server that stopped for good.
        scheduler.Add("abandoned imports", [&instance] { return instance.import_jobs().FailAbandoned().status(); });
        // The customer change log that keeps audience indexes current: the newest rows are enough
        // (an index further behind is rebuilt).
        scheduler.Add("change log pruning",
                      [&instance] { return store::PruneChanges(instance.db(), kKeptCustomerChanges).status(); });
        // The customer timeline's index of the newest events (events/timeline.hpp), for merchants
        // whose ingest has not made a full run since.
        scheduler.Add("event timeline", [&instance] { return events::IndexTimelines(instance.db()).status(); });
        // Failed events past their retention (30 days), with the personal data they hold.
        scheduler.Add("failed event retention",
                      [&instance] { return instance.ingestor().DeleteExpiredFailures().status(); });
        // Audience indexes older than audience_index_max_age built again aside, counts going on with
        // the old ones meanwhile.
        scheduler.Add("audience rebuilds", [&instance] { return instance.audiences().RebuildAged().status(); });
        // Audience indexes saved (hourly at most), so that a restart loads them instead of building.
        scheduler.Add("audience snapshots",
                      [&instance] { return instance.audiences().SaveSnapshots(std::chrono::hours(1)).status(); });
        scheduler.Start();

        std::thread signal_waiter([&signals, &server] {
            int received = 0;
            sigwait(&signals, &received);
            spdlog::info("received {}, shutting down", received == SIGTERM ? "SIGTERM" : "SIGINT");
            (*server)->Stop();
        });

        const std::string host = config->listen_host == "0.0.0.0" ? "127.0.0.1" : config->listen_host;
        std::printf("鱼塘 Yutang %s is listening on http://%s:%u/\n", kVersion, host.c_str(), (*server)->port());
        if (options.demo) {
            std::printf("演示商户 Demo merchant 「%s」 — log in as %s with password %s\n", kDemoMerchant, kDemoOwner,
                        demo_password.c_str());
        }
        std::printf("Health: http://%s:%u/healthz · API reference: http://%s:%u/api/openapi.json\n", host.c_str(),
                    (*server)->port(), host.c_str(), (*server)->port());
        std::fflush(stdout);

        (*server)->Run();
        // Run returned: either a signal arrived, or the server stopped by itself. Wake the
        // waiter in the second case so it can be joined.
        pthread_kill(signal_waiter.native_handle(), SIGTERM);
        signal_waiter.join();
        instance.import_jobs().Stop();  // a running import stops after its batch, marked failed
        if (auto saved = instance.audiences().SaveSnapshots(); !saved.ok()) {
            spdlog::warn("audience indexes not saved: {}", saved.status().ToString());
        } else if (*saved > 0) {
            spdlog::info("saved {} audience index(es)", *saved);
        }
        spdlog::info("stopped");
        return 0;
    }

    int TenantAdd(const cli::GlobalOptions& global, const cli::TenantAddOptions& options) override {
        return WithInstance(global, [&](Instance& instance) -> Status {
            return CreateFirstMerchant(instance, options.name, options.owner_email, options.time_zone).status();
        });
    }

    int TenantList(const cli::GlobalOptions& global) override {
        return WithInstance(global, [&](Instance& instance) -> Status {
            YT_ASSIGN_OR_RETURN(auto tenants, instance.staff().ListTenants());
            std::vector<std::vector<std::string>> rows;
            for (const auto& t : tenants) {
                rows.push_back(
                    {std::to_string(t.id.value()), t.name, t.time_zone, TimeZone::Default().Format(t.created_at)});
            }
            cli::PrintTable({"ID", "商户 Merchant", "时区 Time zone", "创建 Created"}, rows);
            return OkStatus();
        });
    }

    int StaffAdd(const cli::GlobalOptions& global, const cli::StaffAddOptions& options) override {
        return WithInstance(global, [&](Instance& instance) -> Status {
            YT_ASSIGN_OR_RETURN(staff::Tenant tenant, instance.staff().FindTenant(options.merchant));
            YT_ASSIGN_OR_RETURN(staff::Role role, staff::ParseRole(options.role));
            const std::string password = EnvFromProcess()("YUTANG_STAFF_PASSWORD").value_or("");
            YT_ASSIGN_OR_RETURN(
                auto created,
                instance.staff().CreateStaff(
                    tenant.id,
                    {.email = options.email, .display_name = options.display_name, .role = role, .password = password},
                    staff::Role::kOwner, staff::Actor::System()));
            std::printf("已添加员工 Added staff #%lld %s (%s) to 「%s」\n",
                        static_cast<long long>(created.account.id.value()), created.account.email_masked.c_str(),
                        std::string(staff::RoleName(role)).c_str(), tenant.name.c_str());
            if (!created.generated_password.empty()) {
                std::printf("密码 Password (shown once, hand it over safely): %s\n",
                            created.generated_password.c_str());
            }
            return OkStatus();
        });
    }

    int StaffList(const cli::GlobalOptions& global, const std::string& merchant) override {
        return WithInstance(global, [&](Instance& instance) -> Status {
            YT_ASSIGN_OR_RETURN(staff::Tenant tenant, instance.staff().FindTenant(merchant));
            YT_ASSIGN_OR_RETURN(auto accounts, instance.staff().ListStaff(tenant.id));
            std::vector<std::vector<std::string>> rows;
            for (const auto& a : accounts) {
                rows.push_back({std::to_string(a.id.value()), a.email_masked, a.display_name,
                                std::string(staff::RoleName(a.role)), a.active ? "active" : "disabled"});
            }
            cli::PrintTable({"ID", "邮箱 Email", "姓名 Name", "角色 Role", "状态 Status"}, rows);
            return OkStatus();
        });
    }

    int StaffDisable(const cli::GlobalOptions& global, const cli::StaffDisableOptions& options) override {
        return WithInstance(global, [&](Instance& instance) -> Status {
            YT_ASSIGN_OR_RETURN(staff::Tenant tenant, instance.staff().FindTenant(options.merchant));
            YT_ASSIGN_OR_RETURN(auto account,
                                instance.staff().UpdateStaff(tenant.id, StaffId(options.staff_id), {.active = false},
                                                             staff::Role::kOwner, staff::Actor::System()));
            std::printf("已停用 Disabled #%lld %s; its sessions have ended\n",
                        static_cast<long long>(account.id.value()), account.email_masked.c_str());
            return OkStatus();
        });
    }

    int ApiKeyCreate(const cli::GlobalOptions& global, const cli::ApiKeyCreateOptions& options) override {
        return WithInstance(global, [&](Instance& instance) -> Status {
            YT_ASSIGN_OR_RETURN(staff::Tenant tenant, instance.staff().FindTenant(options.merchant));
            staff::NewApiKey request{.name = options.name};
            YT_ASSIGN_OR_RETURN(request.kind, staff::ParseApiKeyKind(options.kind));
            for (const std::string& scope : options.scopes) {
                YT_ASSIGN_OR_RETURN(staff::Permission p, staff::ParsePermission(scope, "--scope"));
                request.scopes.push_back(p);
            }
            YT_ASSIGN_OR_RETURN(auto created, instance.api_keys().Create(tenant.id, request, staff::Actor::System()));
            std::printf("已创建密钥 Created API key #%lld (%s) for 「%s」\n", static_cast<long long>(created.key.id),
                        std::string(staff::ApiKeyKindName(created.key.kind)).c_str(), tenant.name.c_str());
            std::printf("密钥 Key (shown once, store it safely): %s\n", created.token.c_str());
            return OkStatus();
        });
    }

    int ApiKeyList(const cli::GlobalOptions& global, const std::string& merchant) override {
        return WithInstance(global, [&](Instance& instance) -> Status {
            YT_ASSIGN_OR_RETURN(staff::Tenant tenant, instance.staff().FindTenant(merchant));
            YT_ASSIGN_OR_RETURN(auto keys, instance.api_keys().List(tenant.id));
            const TimeZone zone = TimeZone::Default();
            std::vector<std::vector<std::string>> rows;
            for (const auto& k : keys) {
                std::string scopes;
                for (staff::Permission p : k.scopes)
                    scopes += (scopes.empty() ? "" : ",") + std::string(staff::PermissionName(p));
                rows.push_back({std::to_string(k.id), k.name, std::string(staff::ApiKeyKindName(k.kind)),
                                k.display_prefix + "…", scopes, k.last_used_at ? zone.Format(*k.last_used_at) : "-",
                                k.revoked_at ? "revoked" : "active"});
            }
            cli::PrintTable(
                {"ID", "名称 Name", "类型 Kind", "前缀 Prefix", "权限 Scopes", "最近使用 Last used", "状态 Status"},
                rows);
            return OkStatus();
        });
    }

    int ApiKeyRevoke(const cli::GlobalOptions& global, const cli::ApiKeyRevokeOptions& options) override {
        return WithInstance(global, [&](Instance& instance) -> Status {
            YT_ASSIGN_OR_RETURN(staff::Tenant tenant, instance.staff().FindTenant(options.merchant));
            YT_TRY(instance.api_keys().Revoke(tenant.id, options.key_id, staff::Actor::System()));
            std::printf("已吊销 Revoked API key #%lld\n", static_cast<long long>(options.key_id));
            return OkStatus();
        });
    }

    int ImportOrders(const cli::GlobalOptions& global, const cli::ImportOrdersOptions& options) override {
        return WithInstance(global, [&](Instance& instance) -> Status {
            YT_ASSIGN_OR_RETURN(staff::Tenant tenant, instance.staff().FindTenant(options.merchant));
            events::ImportOptions import_options;
            import_options.reader.time_zone = tenant.time_zone;
            import_options.max_batch_size = events::kAdaptiveImportMaxBatch;
            if (options.platform != "auto") {
                YT_ASSIGN_OR_RETURN(import_options.reader.platform,
                                    imports::ParsePlatform(options.platform, "--platform"));
            }
            if (!options.mapping_file.empty()) {
                std::ifstream in(options.mapping_file);
                if (!in) return NotFound("mapping file not found: " + options.mapping_file);
                std::stringstream text;
                text << in.rdbuf();
                YT_ASSIGN_OR_RETURN(import_options.reader.mapping, imports::ParseColumnMapping(text.str()));
            }
            import_options.rejected_path =
                options.rejected_file.empty() ? options.file + ".rejected.csv" : options.rejected_file;
            cli::ProgressBar bar("导入 Importing");
            import_options.progress = [&bar](uint64_t done, uint64_t total, const events::ImportReport& so_far) {
                bar.Update(done, total, std::to_string(so_far.orders_read) + " orders");
            };
            events::OrderImporter importer(instance.db(), instance.resolver(), instance.orders(), instance.clock());
            YT_ASSIGN_OR_RETURN(events::ImportReport report, importer.Import(tenant.id, options.file, import_options));
            bar.Finish(std::to_string(report.orders_read) + " orders");
            std::printf("导入完成 Imported a %s export (%s) into 「%s」\n", report.platform.c_str(),
                        report.encoding.c_str(), tenant.name.c_str());
            cli::PrintTable({"", "数量 Count"},
                            {{"订单 orders read", std::to_string(report.orders_read)},
                             {"新建 created", std::to_string(report.orders_created)},
                             {"更新 updated", std::to_string(report.orders_updated)},
                             {"未变 unchanged", std::to_string(report.orders_unchanged)},
                             {"新客户 customers created", std::to_string(report.customers_created)},
                             {"老客户 customers matched", std::to_string(report.customers_matched)},
                             {"无法识别买家 unidentified buyers", std::to_string(report.orders_unidentified)},
                             {"拒绝行 rows rejected", std::to_string(report.rejected.size())}});
            for (size_t i = 0; i < report.rejected.size() && i < 10; ++i) {
                const auto& r = report.rejected[i];
                std::printf("  第 %lld 行 line %lld%s%s: %s\n", static_cast<long long>(r.line),
                            static_cast<long long>(r.line), r.column.empty() ? "" : ", ", r.column.c_str(),
                            r.reason.c_str());
            }
            if (report.rejected.size() > 10) std::printf("  … %zu more\n", report.rejected.size() - 10);
            if (!report.rejected_file.empty()) {
                std::printf("拒绝的行已另存 Rejected rows kept in %s\n", report.rejected_file.c_str());
            }
            return OkStatus();
        });
    }

    int Demo(const cli::GlobalOptions& global, const cli::DemoOptions& options) override {
        return WithInstance(global, [&](Instance& instance) -> Status {
            YT_ASSIGN_OR_RETURN(staff::Tenant tenant, instance.staff().FindTenant(options.merchant));
            return FillDemo(instance, tenant, options.customers, options.seed);
        });
    }

    int SegmentCount(const cli::GlobalOptions& global, const cli::SegmentCountOptions& options) override {
        const audience::RuleResult parsed = audience::ParseRuleText(options.rule);
        bool unparsed = false;
        const int code = WithInstance(global, [&](Instance& instance) -> Status {
            YT_ASSIGN_OR_RETURN(staff::Tenant tenant, instance.staff().FindTenant(options.merchant));
            // A saved segment first, so that a segment called like a rule ("everyone") is still the segment.
            YT_ASSIGN_OR_RETURN(std::optional<audience::Segment> saved, FindSegment(instance, tenant.id, options.rule));
            if (!saved && !parsed.ok()) {
                unparsed = true;
                return OkStatus();
            }
            const audience::Rule& rule = saved ? saved->rule : parsed.value();
            // Through the saved segments, so that a rule may name them (segment "高价值" and has wecom).
            YT_ASSIGN_OR_RETURN(audience::Evaluation result, instance.segments().Count(tenant.id, rule));
            YT_ASSIGN_OR_RETURN(auto index, instance.audiences().Index(tenant.id));
            const audience::IndexStats stats = index->Stats();
            const std::vector<CustomerId> first = result.members.First(options.sample);
            std::string sample;
            for (CustomerId id : first) sample += (sample.empty() ? "" : ", ") + std::to_string(id.value());
            if (result.count > static_cast<int64_t>(first.size())) sample += sample.empty() ? "…" : ", …";
            if (saved) {
                std::printf("分层 Segment: 「%s」 (id %lld, %lld members at its last evaluation)\n",
                            saved->name.c_str(), static_cast<long long>(saved->id.value()),
                            static_cast<long long>(saved->size));
            }
            std::printf("规则 Rule: %s\n", audience::ToText(rule).c_str());
            std::printf("人数 Count: %lld (of %lld customers in 「%s」)\n", static_cast<long long>(result.count),
                        static_cast<long long>(stats.customers), tenant.name.c_str());
            std::printf("样本 Sample: %s\n", sample.empty() ? "—" : sample.c_str());
            std::printf("用时 Took: %.3f ms (index of %.1f MiB built in %.0f ms)\n",
                        static_cast<double>(result.took.count()) / 1000.0,
                        static_cast<double>(stats.bytes) / (1024.0 * 1024.0),
                        static_cast<double>(stats.build_time.count()) / 1000.0);
            return OkStatus();
        });
        if (unparsed) return ReportRuleError(options.rule, parsed.error());
        return code;
    }

    int SegmentExport(const cli::GlobalOptions& global, const cli::SegmentExportOptions& options) override {
        auto format = http::ParseSegmentExportFormat(options.format, "--format");
        if (!format.ok()) return cli::ReportError(format.status());
        if (*format == http::SegmentExportFormat::kXlsx && options.output.empty()) {
            return cli::ReportError(
                InvalidArgument("an XLSX workbook is written to a file: give --output FILE", "--output"));
        }
        return WithInstance(global, [&](Instance& instance) -> Status {
            YT_ASSIGN_OR_RETURN(staff::Tenant tenant, instance.staff().FindTenant(options.merchant));
            YT_ASSIGN_OR_RETURN(std::optional<audience::Segment> saved,
                                FindSegment(instance, tenant.id, options.segment));
            if (!saved) return NotFound("no saved segment has this id or name: " + options.segment);
            // The command line acts for the merchant as a whole, as its other commands do (`staff add`
            // as the owner): every member, identities masked as in the console's export, and the export
            // recorded in the audit log like the API's, by the system (origin "cli").
            std::optional<cli::ProgressBar> bar;
            auto progress = [&](size_t written, size_t total) {
                if (!bar && total >= http::kSegmentExportProgressRows) bar.emplace("导出 Exporting");
                if (bar) bar->Update(written, total, std::to_string(written) + " members");
            };
            auto export_to = [&](std::FILE* out) {
                return http::WriteSegmentExport(instance.segments(), tenant.id, saved->id, std::nullopt,
                                                staff::Actor::System(), *format, out, progress);
            };
            int64_t members = 0;
            if (options.output.empty()) {
                YT_ASSIGN_OR_RETURN(members, export_to(stdout));
            } else {
                // Written beside the target and renamed over it once complete.
                const std::string partial = options.output + ".partial";
                std::FILE* out = std::fopen(partial.c_str(), "wb");
                if (out == nullptr) return Unavailable("cannot write " + options.output, std::strerror(errno));
                Result<int64_t> written = export_to(out);
                const bool closed = std::fclose(out) == 0;
                std::error_code renamed;
                if (written.ok() && closed) std::filesystem::rename(partial, options.output, renamed);
                if (!written.ok() || !closed || renamed) {
                    std::error_code ignored;
                    std::filesystem::remove(partial, ignored);
                    return written.ok() ? Unavailable("cannot write " + options.output) : written.status();
                }
                members = *written;
            }
            if (bar) bar->Finish(std::to_string(members) + " members");
            // On standard error when the CSV itself went to standard output.
            std::fprintf(options.output.empty() ? stderr : stdout, "已导出 Exported %lld members of 「%s」%s%s\n",
                         static_cast<long long>(members), saved->name.c_str(), options.output.empty() ? "" : " to ",
                         options.output.c_str());
            return OkStatus();
        });
    }

  private:
    // A rule that does not parse: where, why (in English and Chinese) and a caret under the
    // spot; exit code 2.
    static int ReportRuleError(const std::string& text, const audience::RuleError& error) {
        std::fprintf(stderr, "错误 error: %s: %s\n", error.where().c_str(), error.message_en.c_str());
        std::fprintf(stderr, "          %s: %s\n", error.where().c_str(), error.message_zh.c_str());
        if (error.line > 0) {
            // The offending line, and a caret under the column (wide characters take two cells).
            size_t start = 0;
            for (int line = 1; line < error.line && start < text.size(); ++line) start = text.find('\n', start) + 1;
            const std::string line = text.substr(start, text.find('\n', start) - start);
            std::string pad;
            int column = 1;
            for (size_t i = 0; i < line.size() && column < error.column; ++column) {
                const auto byte = static_cast<unsigned char>(line[i]);
                const size_t length = byte < 0x80 ? 1 : byte < 0xe0 ? 2 : byte < 0xf0 ? 3 : 4;
                pad += length >= 3 ? "  " : " ";
                i += length;
            }
            std::fprintf(stderr, "  %s\n  %s^\n", line.c_str(), pad.c_str());
        }
        return 2;
    }

    // Generates demo customers with a progress bar and a one-line summary.
    static Status FillDemo(Instance& instance, const staff::Tenant& tenant, int64_t customers, uint64_t seed) {
        events::DemoGenerator generator(instance.db(), instance.resolver(), instance.orders(), instance.ingestor(),
                                        instance.keys(), instance.clock());
        // The merchant's active guides look after some of the customers.
        std::vector<StaffId> guides;
        YT_ASSIGN_OR_RETURN(auto staff, instance.staff().ListStaff(tenant.id));
        for (const auto& account : staff) {
            if (account.role == staff::Role::kGuide && account.active) guides.push_back(account.id);
        }
        cli::ProgressBar bar("演示数据 Demo data");
        YT_ASSIGN_OR_RETURN(auto report,
                            generator.Generate(tenant.id, {.customers = customers, .seed = seed, .guides = guides},
                                               [&bar](int64_t done, int64_t total) {
                                                   bar.Update(static_cast<uint64_t>(done), static_cast<uint64_t>(total),
                                                              std::to_string(done) + " customers");
                                               }));
        bar.Finish(std::to_string(report.customers) + " customers");
        std::printf("演示数据 Demo data for 「%s」: %lld people, %lld orders, %lld events\n", tenant.name.c_str(),
                    static_cast<long long>(report.customers), static_cast<long long>(report.orders),
                    static_cast<long long>(report.events));
        return OkStatus();
    }

    // The live segment `text` names: its id ("12") or, failing that, its exact name (a segment may
    // be called "2025"); nullopt when none.
    static Result<std::optional<audience::Segment>> FindSegment(Instance& instance, TenantId tenant,
                                                                const std::string& text) {
        YT_ASSIGN_OR_RETURN(std::vector<audience::Segment> segments, instance.segments().List(tenant));
        const bool digits = !text.empty() && text.size() <= 18 &&
                            std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
        if (digits) {
            const int64_t id = std::stoll(text);
            for (const auto& s : segments)
                if (s.id.value() == id) return std::optional<audience::Segment>(s);
        }
        for (const auto& s : segments)
            if (s.name == text) return std::optional<audience::Segment>(s);
        return std::optional<audience::Segment>();
    }

    // Opens the data dir, runs `work`, and turns its error into an exit code.
    static int WithInstance(const cli::GlobalOptions& global, const std::function<Status(Instance&)>& work) {
        auto config = Setup(global, nullptr);
        if (!config.ok()) return cli::ReportError(config.status());
        auto instance = Instance::Open(*config);
        if (!instance.ok()) return cli::ReportError(instance.status());
        if (Status s = work(**instance); !s.ok()) return cli::ReportError(s);
        return 0;
    }

    static Result<Config> Setup(const cli::GlobalOptions& global, const cli::ServeOptions* serve) {
        YT_ASSIGN_OR_RETURN(Config config, ResolveConfig(global, serve, EnvFromProcess()));
        YT_TRY(InitLogging(config.log));
        return config;
    }

    // Initialises an empty data dir with the demo merchant, once. The demo login is kept in
    // <data>/demo-login.txt (mode 0600) so that every later start can show it; a real
    // merchant's password is never written anywhere.
    static Result<std::string> PrepareDemo(const Config& config, int64_t customers) {
        const std::string login_file = config.data_dir + "/demo-login.txt";
        if (!std::filesystem::exists(config.key_file())) {
            YT_TRY(Instance::InitDataDir(config));
            YT_ASSIGN_OR_RETURN(auto instance, Instance::Open(config));
            YT_ASSIGN_OR_RETURN(std::string password, CreateFirstMerchant(*instance, kDemoMerchant, kDemoOwner, ""));
            YT_ASSIGN_OR_RETURN(staff::Tenant tenant, instance->staff().FindTenant(kDemoMerchant));
            // Two store guides (导购) who look after some of the customers; they sign in once
            // the owner sets their passwords.
            for (const char* guide : {"guide1@yutang.local", "guide2@yutang.local"}) {
                YT_TRY(instance->staff()
                           .CreateStaff(tenant.id, {.email = guide, .role = staff::Role::kGuide}, staff::Role::kOwner,
                                        staff::Actor::System("demo"))
                           .status());
            }
            YT_TRY(FillDemo(*instance, tenant, customers, 1));
            std::ofstream out(login_file);
            out << password << "\n";
            out.close();
            ::chmod(login_file.c_str(), 0600);
            return password;
        }
        std::ifstream in(login_file);
        std::string password;
        std::getline(in, password);
        if (password.empty()) password = "(set when this data dir was created)";
        return password;
    }
};

}  // namespace
}  // namespace yutang::app

int main(int argc, char** argv) {
    yutang::app::AppCommands commands;
    try {
        return yutang::cli::Run(argc, argv, commands);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "错误 error: unexpected failure: %s\n", e.what());
        return 1;
    }
}
