// Logging: spdlog, as human-readable text or as JSON lines.
//
// Personal information (phones, emails, names, addresses, chat text), passwords, tokens and
// key secrets are never logged. Log ids and masked values instead.
//
//   InitLogging({.level = "info", .format = LogFormat::kJson});
//   spdlog::info("server listening on {}", endpoint);
#pragma once

#include <string>

#include <spdlog/spdlog.h>

#include "yutang/base/status.hpp"

namespace yutang {

enum class LogFormat { kText, kJson };

struct LogSettings {
    std::string level = "info";  // trace, debug, info, warn, error, critical, off
    LogFormat format = LogFormat::kText;
    std::string file;  // empty: standard error
};

// Installs the process-wide logger. invalid_argument for an unknown level or format.
Status InitLogging(const LogSettings& settings);
// "text" | "json" → LogFormat; invalid_argument otherwise.
Result<LogFormat> ParseLogFormat(std::string_view text);

// Escapes a string for inclusion inside a JSON string literal (no surrounding quotes).
void AppendJsonEscaped(std::string& out, std::string_view text);

}  // namespace yutang
