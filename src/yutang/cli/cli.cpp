#include "yutang/cli/cli.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>

#include <CLI/CLI.hpp>
#include <unistd.h>

namespace yutang::cli {

int ExitCodeFor(const Status& status) {
    switch (status.code()) {
        case ErrorCode::kOk:
            return 0;
        case ErrorCode::kInvalidArgument:
            return 2;
        case ErrorCode::kNotFound:
            return 3;
        case ErrorCode::kAlreadyExists:
        case ErrorCode::kFailedPrecondition:
        case ErrorCode::kAborted:
            return 4;
        case ErrorCode::kUnavailable:
        case ErrorCode::kDeadlineExceeded:
        case ErrorCode::kResourceExhausted:
            return 5;
        case ErrorCode::kPermissionDenied:
        case ErrorCode::kUnauthenticated:
            return 6;
        case ErrorCode::kInternal:
            return 1;
    }
    return 1;
}

int ReportError(const Status& status) {
    std::string line = "错误 error: " + status.message();
    if (!status.field().empty()) line += " [" + status.field() + "]";
    std::fprintf(stderr, "%s\n", line.c_str());
    return ExitCodeFor(status);
}

int Run(int argc, char** argv, Commands& commands) {
    CLI::App app{"Yutang (鱼塘) — private-domain traffic operations platform", "yutang"};
    app.require_subcommand(1);
    app.set_help_all_flag("--help-all", "Show help for every command");

    GlobalOptions global;
    auto add_global = [&](CLI::App* cmd) {
        cmd->add_option("--data", global.data_dir, "Data directory (default ./data; env YUTANG_DATA)");
        cmd->add_option("--config", global.config_file, "Config file (JSON; default <data>/yutang.json if present)");
        cmd->add_option("--database", global.database,
                        "Store: 'sqlite' (default, <data>/yutang.db) or a postgresql:// URI (env YUTANG_DATABASE)");
        cmd->add_option("--log-level", global.log_level, "trace|debug|info|warn|error (env YUTANG_LOG_LEVEL)");
        cmd->add_option("--log-format", global.log_format, "text|json (env YUTANG_LOG_FORMAT)");
    };

    ServeOptions serve;
    CLI::App* serve_cmd = app.add_subcommand("serve", "Run the server (HTTP API, tracking API and console)");
    add_global(serve_cmd);
    serve_cmd->add_option("--listen", serve.listen, "HOST:PORT to listen on (default 127.0.0.1:8080; port 0 = any)");
    serve_cmd->add_option("--static-dir", serve.static_dir, "Directory with the built console");
    serve_cmd->add_option("--threads", serve.threads, "HTTP threads (default: one per core)");
    serve_cmd->add_flag("--demo", serve.demo, "Initialise an empty data dir with the demo merchant 演示旗舰店");
    serve_cmd->add_option("--demo-customers", serve.demo_customers,
                          "Customers the demo merchant gets on first start (default 50000)");

    InitOptions init;
    CLI::App* init_cmd = app.add_subcommand("init", "Create a data dir, its key file, the first merchant and owner");
    add_global(init_cmd);
    init_cmd->add_option("--merchant", init.merchant_name, "Merchant name")->required();
    init_cmd->add_option("--owner-email", init.owner_email, "Owner's login email")->required();
    init_cmd->add_option("--time-zone", init.time_zone, "Merchant time zone (default Asia/Shanghai)");
    init_cmd->footer("The owner's password is read from YUTANG_OWNER_PASSWORD, or generated and printed once.");

    CLI::App* migrate_cmd = app.add_subcommand("migrate", "Apply schema migrations to the store and exit");
    add_global(migrate_cmd);

    CLI::App* version_cmd = app.add_subcommand("version", "Print the version and build");

    DemoOptions demo;
    CLI::App* demo_cmd = app.add_subcommand("demo", "Fill a merchant with believable demo customers and orders");
    add_global(demo_cmd);
    demo_cmd->add_option("--merchant", demo.merchant, "Merchant id or name")->required();
    demo_cmd->add_option("--customers", demo.customers, "How many people (default 50000)");
    demo_cmd->add_option("--seed", demo.seed, "Random seed: the same seed gives the same data (default 1)");

    CLI::App* import_cmd = app.add_subcommand("import", "Import data (导入)")->require_subcommand(1);
    ImportOrdersOptions import_orders;
    CLI::App* import_orders_cmd =
        import_cmd->add_subcommand("orders", "Import an order export from 京东, 淘宝/天猫, 抖店, 拼多多 or 有赞");
    add_global(import_orders_cmd);
    import_orders_cmd->add_option("file", import_orders.file, "The export file (CSV or XLSX), as downloaded")
        ->required();
    import_orders_cmd->add_option("--merchant", import_orders.merchant, "Merchant id or name")->required();
    import_orders_cmd->add_option("--platform", import_orders.platform,
                                  "auto (default: from the header), jd, taobao, douyin, pdd, youzan, mapped");
    import_orders_cmd->add_option("--mapping", import_orders.mapping_file,
                                  "Column mapping (JSON) for --platform mapped");
    import_orders_cmd->add_option("--rejected", import_orders.rejected_file,
                                  "Where rejected rows go (default <file>.rejected.csv)");

    CLI::App* segment_cmd = app.add_subcommand("segment", "Audiences (圈人)")->require_subcommand(1);
    SegmentCountOptions segment_count;
    CLI::App* segment_count_cmd =
        segment_cmd->add_subcommand("count", "Count the customers a rule holds, with a sample and the time taken");
    add_global(segment_count_cmd);
    segment_count_cmd
        ->add_option("rule", segment_count.rule,
                     "A saved segment (id or name), or a rule as text, e.g. 'tag = \"母婴\" and has wecom'")
        ->required();
    segment_count_cmd->add_option("--merchant", segment_count.merchant, "Merchant id or name")->required();
    segment_count_cmd->add_option("--sample", segment_count.sample, "How many member ids to show (default 10)");
    segment_count_cmd->footer(
        "A saved segment is counted now, on the current data. The rule language: docs/design/rules.md. A rule that "
        "does not parse (and names no saved segment) exits with 2.");
    SegmentExportOptions segment_export;
    CLI::App* segment_export_cmd =
        segment_cmd->add_subcommand("export", "Export a saved segment's members as CSV or XLSX (audited)");
    add_global(segment_export_cmd);
    segment_export_cmd->add_option("segment", segment_export.segment, "The saved segment's id or name")->required();
    segment_export_cmd->add_option("--merchant", segment_export.merchant, "Merchant id or name")->required();
    segment_export_cmd->add_option("--format", segment_export.format, "csv (default) or xlsx")
        ->check(CLI::IsMember({"csv", "xlsx"}));
    segment_export_cmd->add_option("--output", segment_export.output,
                                   "The file to write (csv: standard output when not given; xlsx: required)");
    segment_export_cmd->footer(
        "The members as of the segment's last evaluation: customer_id, entered_at (UTC), identities (masked, as in "
        "the console). The export is recorded in the merchant's audit log (data.exported).");

    // Administration on the data dir directly (the server may be running: SQLite allows it).
    CLI::App* tenant_cmd = app.add_subcommand("tenant", "Merchants (商户)")->require_subcommand(1);
    TenantAddOptions tenant_add;
    CLI::App* tenant_add_cmd = tenant_cmd->add_subcommand("add", "Add a merchant with its owner");
    add_global(tenant_add_cmd);
    tenant_add_cmd->add_option("--name", tenant_add.name, "Merchant name")->required();
    tenant_add_cmd->add_option("--owner-email", tenant_add.owner_email, "Owner's login email")->required();
    tenant_add_cmd->add_option("--time-zone", tenant_add.time_zone, "Time zone (default Asia/Shanghai)");
    tenant_add_cmd->footer("The owner's password is read from YUTANG_OWNER_PASSWORD, or generated and printed once.");
    CLI::App* tenant_list_cmd = tenant_cmd->add_subcommand("list", "List merchants");
    add_global(tenant_list_cmd);

    CLI::App* staff_cmd = app.add_subcommand("staff", "Staff accounts (员工)")->require_subcommand(1);
    StaffAddOptions staff_add;
    CLI::App* staff_add_cmd = staff_cmd->add_subcommand("add", "Add a staff member");
    add_global(staff_add_cmd);
    staff_add_cmd->add_option("--merchant", staff_add.merchant, "Merchant id or name")->required();
    staff_add_cmd->add_option("--email", staff_add.email, "Login email")->required();
    staff_add_cmd->add_option("--role", staff_add.role, "owner|admin|operator|guide|analyst|auditor (default guide)");
    staff_add_cmd->add_option("--name", staff_add.display_name, "Display name");
    staff_add_cmd->footer("The password is read from YUTANG_STAFF_PASSWORD, or generated and printed once.");
    std::string staff_list_merchant;
    CLI::App* staff_list_cmd = staff_cmd->add_subcommand("list", "List a merchant's staff");
    add_global(staff_list_cmd);
    staff_list_cmd->add_option("--merchant", staff_list_merchant, "Merchant id or name")->required();
    StaffDisableOptions staff_disable;
    CLI::App* staff_disable_cmd = staff_cmd->add_subcommand("disable", "Disable an account and end its sessions");
    add_global(staff_disable_cmd);
    staff_disable_cmd->add_option("--merchant", staff_disable.merchant, "Merchant id or name")->required();
    staff_disable_cmd->add_option("--id", staff_disable.staff_id, "Staff id")->required();

    CLI::App* apikey_cmd = app.add_subcommand("apikey", "API keys for integrations (密钥)")->require_subcommand(1);
    ApiKeyCreateOptions apikey_create;
    CLI::App* apikey_create_cmd = apikey_cmd->add_subcommand("create", "Create a key; the secret is printed once");
    add_global(apikey_create_cmd);
    apikey_create_cmd->add_option("--merchant", apikey_create.merchant, "Merchant id or name")->required();
    apikey_create_cmd->add_option("--name", apikey_create.name, "What the key is for")->required();
    apikey_create_cmd->add_option("--kind", apikey_create.kind, "write (tracking SDKs) or admin (default write)");
    apikey_create_cmd->add_option("--scope", apikey_create.scopes, "Admin keys: a permission, e.g. stores.read")
        ->expected(0, -1);
    std::string apikey_list_merchant;
    CLI::App* apikey_list_cmd = apikey_cmd->add_subcommand("list", "List a merchant's keys");
    add_global(apikey_list_cmd);
    apikey_list_cmd->add_option("--merchant", apikey_list_merchant, "Merchant id or name")->required();
    ApiKeyRevokeOptions apikey_revoke;
    CLI::App* apikey_revoke_cmd = apikey_cmd->add_subcommand("revoke", "Revoke a key at once");
    add_global(apikey_revoke_cmd);
    apikey_revoke_cmd->add_option("--merchant", apikey_revoke.merchant, "Merchant id or name")->required();
    apikey_revoke_cmd->add_option("--id", apikey_revoke.key_id, "Key id")->required();

    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        app.exit(e);
        return 2;
    }
    if (serve_cmd->parsed()) return commands.Serve(global, serve);
    if (init_cmd->parsed()) return commands.Init(global, init);
    if (migrate_cmd->parsed()) return commands.Migrate(global);
    if (version_cmd->parsed()) return commands.Version();
    if (import_orders_cmd->parsed()) return commands.ImportOrders(global, import_orders);
    if (demo_cmd->parsed()) return commands.Demo(global, demo);
    if (segment_count_cmd->parsed()) return commands.SegmentCount(global, segment_count);
    if (segment_export_cmd->parsed()) return commands.SegmentExport(global, segment_export);
    if (tenant_add_cmd->parsed()) return commands.TenantAdd(global, tenant_add);
    if (tenant_list_cmd->parsed()) return commands.TenantList(global);
    if (staff_add_cmd->parsed()) return commands.StaffAdd(global, staff_add);
    if (staff_list_cmd->parsed()) return commands.StaffList(global, staff_list_merchant);
    if (staff_disable_cmd->parsed()) return commands.StaffDisable(global, staff_disable);
    if (apikey_create_cmd->parsed()) return commands.ApiKeyCreate(global, apikey_create);
    if (apikey_list_cmd->parsed()) return commands.ApiKeyList(global, apikey_list_merchant);
    if (apikey_revoke_cmd->parsed()) return commands.ApiKeyRevoke(global, apikey_revoke);
    return 2;
}

ProgressBar::ProgressBar(std::string label) : label_(std::move(label)), terminal_(::isatty(STDERR_FILENO) != 0) {}

void ProgressBar::Update(uint64_t done, uint64_t total, const std::string& detail) {
    const int percent = total == 0 ? 100 : static_cast<int>(std::min<uint64_t>(100, done * 100 / total));
    if (terminal_) {
        const auto now =
            std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now().time_since_epoch())
                .count();
        if (now - last_draw_micros_ < 100'000 && percent < 100) return;
        last_draw_micros_ = now;
        constexpr int kWidth = 30;
        const int filled = percent * kWidth / 100;
        std::fprintf(stderr, "\r%s [%s%s] %3d%%  %s\033[K", label_.c_str(),
                     std::string(static_cast<size_t>(filled), '#').c_str(),
                     std::string(static_cast<size_t>(kWidth - filled), '.').c_str(), percent, detail.c_str());
    } else if (percent / 10 > last_decile_) {
        last_decile_ = percent / 10;
        std::fprintf(stderr, "%s %3d%%  %s\n", label_.c_str(), percent, detail.c_str());
    }
    std::fflush(stderr);
}

void ProgressBar::Finish(const std::string& detail) {
    Update(1, 1, detail);
    if (terminal_) std::fprintf(stderr, "\n");
}

namespace {
// Display width: CJK and other wide characters take two terminal columns.
size_t DisplayWidth(std::string_view text) {
    size_t width = 0;
    for (size_t i = 0; i < text.size();) {
        const auto byte = static_cast<unsigned char>(text[i]);
        const size_t length = byte < 0x80 ? 1 : byte < 0xe0 ? 2 : byte < 0xf0 ? 3 : 4;
        width += length >= 3 ? 2 : 1;
        i += length;
    }
    return width;
}
}  // namespace

void PrintTable(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows) {
    std::vector<size_t> widths(header.size());
    for (size_t c = 0; c < header.size(); ++c) widths[c] = DisplayWidth(header[c]);
    for (const auto& row : rows) {
        for (size_t c = 0; c < row.size() && c < widths.size(); ++c)
            widths[c] = std::max(widths[c], DisplayWidth(row[c]));
    }
    auto print_row = [&](const std::vector<std::string>& row) {
        std::string line;
        for (size_t c = 0; c < row.size() && c < widths.size(); ++c) {
            line += row[c];
            if (c + 1 < row.size()) line += std::string(widths[c] - DisplayWidth(row[c]) + 2, ' ');
        }
        std::printf("%s\n", line.c_str());
    };
    print_row(header);
    for (const auto& row : rows) print_row(row);
}

}  // namespace yutang::cli
