// Configuration: built-in defaults < config file < YUTANG_* environment < command-line flags.
//
//   YT_ASSIGN_OR_RETURN(Config config, ResolveConfig(global, &serve, EnvFromProcess()));
//   config.listen_host, config.listen_port, config.database …
//
// The config file is JSON (default <data>/yutang.json when it exists):
//   {"listen": "0.0.0.0:8080", "database": "postgresql://yutang@db/yutang",
//    "static_dir": "/opt/yutang/web", "threads": 4, "log_level": "info", "log_format": "json",
//    "max_body_bytes": 1048576, "max_import_bytes": 209715200, "trust_forwarded_for": "true",
//    "audience_index_max_age": 86400}
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "yutang/base/log.hpp"
#include "yutang/cli/cli.hpp"

namespace yutang::app {

struct Config {
    std::string data_dir = "./data";
    std::string database = "sqlite";  // or a postgresql:// URI
    std::string listen_host = "127.0.0.1";
    uint16_t listen_port = 8080;
    std::string static_dir;
    unsigned threads = 0;
    size_t max_body_bytes = size_t{1} << 20;      // request bodies of every route but uploads
    size_t max_import_bytes = size_t{200} << 20;  // order-export uploads (POST /api/v1/imports)
    bool trust_forwarded_for = false;             // behind a reverse proxy that sets X-Forwarded-For
    // The audience index of a merchant is rebuilt when older than this. The store's change log
    // keeps it current with every commit (of any process on the same store); this only bounds
    // how long one index lives. 0 rebuilds it for every count.
    int64_t audience_index_max_age_seconds = 86400;
    LogSettings log;

    std::string sqlite_path() const { return data_dir + "/yutang.db"; }
    std::string key_file() const { return data_dir + "/keys.json"; }
    // Saved audience indexes, one file per merchant (sealed with the keys).
    std::string audience_dir() const { return data_dir + "/audience"; }
    // Uploaded files waiting for their import job (mode 0700; they hold personal data).
    std::string spool_dir() const { return data_dir + "/spool"; }
    bool uses_postgres() const;
};

// Reads one environment variable; std::nullopt when unset.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;
EnvLookup EnvFromProcess();

// Applies the layers in order. `serve` may be null for commands that do not serve.
// invalid_argument naming the offending key/flag/variable for malformed values; not_found
// for an explicitly given config file that does not exist.
Result<Config> ResolveConfig(const cli::GlobalOptions& global, const cli::ServeOptions* serve, const EnvLookup& env);

// "127.0.0.1:8080", "[::1]:0", ":8080" (all interfaces) → host and port.
Status ParseListen(std::string_view text, std::string& host, uint16_t& port, const std::string& field = "listen");

}  // namespace yutang::app
