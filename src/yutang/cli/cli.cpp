#include "yutang/cli/cli.hpp"

#include <cstdio>
#include <iostream>

#include <CLI/CLI.hpp>

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
    return 2;
}

}  // namespace yutang::cli
