#include "yutang/base/log.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>

namespace yutang {
namespace {

// One JSON object per line: {"ts":"2026-11-23T03:54:27.123456Z","level":"info","msg":"…"}.
class JsonLineFormatter final : public spdlog::formatter {
  public:
    void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
        std::string line = "{\"ts\":\"";
        const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(msg.time.time_since_epoch()).count();
        const std::time_t seconds = static_cast<std::time_t>(micros / 1'000'000);
        std::tm tm{};
        gmtime_r(&seconds, &tm);
        char buf[48];
        std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ", tm.tm_year + 1900, tm.tm_mon + 1,
                      tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<long long>(micros % 1'000'000));
        line += buf;
        line += "\",\"level\":\"";
        const auto level_name = spdlog::level::to_string_view(msg.level);
        line.append(level_name.data(), level_name.size());
        line += "\",\"msg\":\"";
        AppendJsonEscaped(line, std::string_view(msg.payload.data(), msg.payload.size()));
        line += "\"}\n";
        dest.append(line.data(), line.data() + line.size());
    }
    std::unique_ptr<spdlog::formatter> clone() const override { return std::make_unique<JsonLineFormatter>(); }
};

}  // namespace

void AppendJsonEscaped(std::string& out, std::string_view text) {
    static constexpr char kHex[] = "0123456789abcdef";
    for (char c : text) {
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            default:
                if (static_cast<unsigned char>(c) < 0x20) {
                    out += "\\u00";
                    out += kHex[(c >> 4) & 0xf];
                    out += kHex[c & 0xf];
                } else {
                    out += c;
                }
        }
    }
}

Result<LogFormat> ParseLogFormat(std::string_view text) {
    if (text == "text") return LogFormat::kText;
    if (text == "json") return LogFormat::kJson;
    return InvalidArgument("log format must be text or json", "log_format");
}

Status InitLogging(const LogSettings& settings) {
    const auto level = spdlog::level::from_str(settings.level);
    if (level == spdlog::level::off && settings.level != "off") {
        return InvalidArgument("unknown log level: " + settings.level, "log_level");
    }
    std::shared_ptr<spdlog::logger> logger;
    try {
        if (settings.file.empty()) {
            logger = std::make_shared<spdlog::logger>("yutang", std::make_shared<spdlog::sinks::stderr_sink_mt>());
        } else {
            logger = std::make_shared<spdlog::logger>(
                "yutang", std::make_shared<spdlog::sinks::basic_file_sink_mt>(settings.file, /*truncate=*/false));
        }
    } catch (const spdlog::spdlog_ex& e) {
        return InvalidArgument("cannot open log file", "log_file").WithDetail(e.what());
    }
    if (settings.format == LogFormat::kJson) {
        logger->set_formatter(std::make_unique<JsonLineFormatter>());
    } else {
        logger->set_pattern("%Y-%m-%d %H:%M:%S.%e %^%-5l%$ %v");
    }
    logger->set_level(level);
    logger->flush_on(spdlog::level::info);
    spdlog::set_default_logger(std::move(logger));
    return OkStatus();
}

}  // namespace yutang
