// The `yutang` command line: parsing, help, exit codes and terminal output.
//
// The commands themselves are carried out by the composition root (app), which implements
// Commands; this module only turns argv into options and results into exit codes, so that
// scripts can trust them:
//   0 success · 1 internal or unexpected error · 2 bad usage or invalid argument ·
//   3 not found · 4 already exists or failed precondition · 5 store or network unavailable ·
//   6 permission denied or unauthenticated.
//
//   class MyCommands : public cli::Commands { … };
//   int main(int argc, char** argv) { MyCommands c; return cli::Run(argc, argv, c); }
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "yutang/base/status.hpp"

namespace yutang::cli {

// Options every command accepts. Empty means "not given": the config file, then YUTANG_*
// environment variables, then built-in defaults decide.
struct GlobalOptions {
    std::string data_dir;     // --data, YUTANG_DATA (default ./data)
    std::string config_file;  // --config, YUTANG_CONFIG (default <data>/yutang.json if present)
    std::string database;     // --database, YUTANG_DATABASE: "" / "sqlite" or a postgresql:// URI
    std::string log_level;    // --log-level, YUTANG_LOG_LEVEL
    std::string log_format;   // --log-format, YUTANG_LOG_FORMAT (text|json)
};

struct ServeOptions {
    std::string listen;               // --listen HOST:PORT, YUTANG_LISTEN (default 127.0.0.1:8080)
    std::string static_dir;           // --static-dir, YUTANG_STATIC_DIR
    unsigned threads = 0;             // --threads, YUTANG_THREADS (0: one per core)
    bool demo = false;                // --demo: initialise an empty data dir with the demo merchant
    int64_t demo_customers = 50'000;  // --demo-customers: how many the demo merchant gets
};

struct InitOptions {
    std::string merchant_name;  // --merchant
    std::string owner_email;    // --owner-email
    std::string time_zone;      // --time-zone (default Asia/Shanghai)
};

struct TenantAddOptions {
    std::string name;         // --name
    std::string owner_email;  // --owner-email
    std::string time_zone;    // --time-zone
};

// Commands that act inside one merchant take it by id or exact name (--merchant).
struct StaffAddOptions {
    std::string merchant;
    std::string email;
    std::string role = "guide";
    std::string display_name;
};

struct StaffDisableOptions {
    std::string merchant;
    int64_t staff_id = 0;
};

struct ApiKeyCreateOptions {
    std::string merchant;
    std::string name;
    std::string kind = "write";       // write | admin
    std::vector<std::string> scopes;  // admin keys: permission names
};

struct ApiKeyRevokeOptions {
    std::string merchant;
    int64_t key_id = 0;
};

struct ImportOrdersOptions {
    std::string merchant;
    std::string file;
    std::string platform = "auto";  // auto | jd | taobao | douyin | pdd | youzan | mapped
    std::string mapping_file;       // --mapping: JSON column mapping for `mapped`
    std::string rejected_file;      // default: <file>.rejected.csv
};

struct DemoOptions {
    std::string merchant;  // --merchant
    int64_t customers = 50'000;
    uint64_t seed = 1;
};

struct SegmentCountOptions {
    std::string merchant;  // --merchant
    std::string rule;      // a saved segment's id or name, or a rule's text form (docs/design/rules.md)
    size_t sample = 10;    // --sample: how many member ids to show
};

struct SegmentExportOptions {
    std::string merchant;        // --merchant
    std::string segment;         // a saved segment's id or name
    std::string format = "csv";  // --format: csv | xlsx
    std::string output;          // --output FILE; standard output when empty (csv only)
};

// Implemented by app. Each returns the process exit code.
class Commands {
  public:
    virtual ~Commands() = default;
    virtual int Serve(const GlobalOptions& global, const ServeOptions& options) = 0;
    virtual int Init(const GlobalOptions& global, const InitOptions& options) = 0;
    virtual int Migrate(const GlobalOptions& global) = 0;
    virtual int Version() = 0;
    virtual int TenantAdd(const GlobalOptions& global, const TenantAddOptions& options) = 0;
    virtual int TenantList(const GlobalOptions& global) = 0;
    virtual int StaffAdd(const GlobalOptions& global, const StaffAddOptions& options) = 0;
    virtual int StaffList(const GlobalOptions& global, const std::string& merchant) = 0;
    virtual int StaffDisable(const GlobalOptions& global, const StaffDisableOptions& options) = 0;
    virtual int ApiKeyCreate(const GlobalOptions& global, const ApiKeyCreateOptions& options) = 0;
    virtual int ApiKeyList(const GlobalOptions& global, const std::string& merchant) = 0;
    virtual int ApiKeyRevoke(const GlobalOptions& global, const ApiKeyRevokeOptions& options) = 0;
    virtual int ImportOrders(const GlobalOptions& global, const ImportOrdersOptions& options) = 0;
    virtual int Demo(const GlobalOptions& global, const DemoOptions& options) = 0;
    virtual int SegmentCount(const GlobalOptions& global, const SegmentCountOptions& options) = 0;
    virtual int SegmentExport(const GlobalOptions& global, const SegmentExportOptions& options) = 0;
};

// A progress bar on standard error: redrawn in place on a terminal (at most 10 times a second),
// one line per 10% otherwise (logs, CI).
class ProgressBar {
  public:
    explicit ProgressBar(std::string label);
    // `done` of `total` units; `detail` is shown after the bar ("12,345 orders").
    void Update(uint64_t done, uint64_t total, const std::string& detail);
    void Finish(const std::string& detail);

  private:
    std::string label_;
    bool terminal_;
    int last_decile_ = -1;
    int64_t last_draw_micros_ = 0;
};

// Prints rows as aligned columns (CJK characters count as two columns), header first.
void PrintTable(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows);

// Parses argv and calls one command. Usage errors print help to stderr and return 2.
int Run(int argc, char** argv, Commands& commands);

// The exit code for an error (see the table above); 0 for OK.
int ExitCodeFor(const Status& status);
// Prints "错误 error: <message> [field]" to stderr (never the log-only detail) and returns
// ExitCodeFor(status).
int ReportError(const Status& status);

}  // namespace yutang::cli
