#include "yutang/app/config.hpp"

#include <cctype>
#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <boost/json.hpp>

namespace yutang::app {
namespace {

Result<unsigned long> ParseUnsigned(std::string_view text, const std::string& field) {
    unsigned long value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size()) {
        return InvalidArgument("must be a non-negative integer", field);
    }
    return value;
}

// One layer of settings as strings, applied on top of the previous layers.
struct Layer {
    std::optional<std::string> database, listen, static_dir, threads, log_level, log_format, max_body_bytes,
        max_import_bytes, trust_forwarded_for, audience_index_max_age;
};

// `field` names a key the way the user wrote it: "threads" (file), "YUTANG_THREADS" (env),
// "--threads" (flag).
using FieldName = std::string (*)(std::string_view key);

Status Apply(const Layer& layer, Config& config, FieldName field) {
    if (layer.database) config.database = *layer.database;
    if (layer.listen) YT_TRY(ParseListen(*layer.listen, config.listen_host, config.listen_port, field("listen")));
    if (layer.static_dir) config.static_dir = *layer.static_dir;
    if (layer.threads) {
        YT_ASSIGN_OR_RETURN(auto n, ParseUnsigned(*layer.threads, field("threads")));
        if (n > 1024) return InvalidArgument("must be at most 1024", field("threads"));
        config.threads = static_cast<unsigned>(n);
    }
    if (layer.log_level) config.log.level = *layer.log_level;
    if (layer.log_format) {
        auto format = ParseLogFormat(*layer.log_format);
        if (!format.ok()) return InvalidArgument("log format must be text or json", field("log_format"));
        config.log.format = *format;
    }
    if (layer.trust_forwarded_for) {
        const std::string& v = *layer.trust_forwarded_for;
        if (v == "true" || v == "1") {
            config.trust_forwarded_for = true;
        } else if (v == "false" || v == "0") {
            config.trust_forwarded_for = false;
        } else {
            return InvalidArgument("must be true or false", field("trust_forwarded_for"));
        }
    }
    if (layer.max_body_bytes) {
        YT_ASSIGN_OR_RETURN(auto n, ParseUnsigned(*layer.max_body_bytes, field("max_body_bytes")));
        config.max_body_bytes = n;
    }
    if (layer.max_import_bytes) {
        YT_ASSIGN_OR_RETURN(auto n, ParseUnsigned(*layer.max_import_bytes, field("max_import_bytes")));
        if (n == 0) return InvalidArgument("must be positive", field("max_import_bytes"));
        config.max_import_bytes = n;
    }
    if (layer.audience_index_max_age) {
        YT_ASSIGN_OR_RETURN(auto n, ParseUnsigned(*layer.audience_index_max_age, field("audience_index_max_age")));
        // Each rebuild reads the whole store on the scheduler's thread: not more than once an hour.
        if (n < 3600 || n > 86400) {
            return InvalidArgument("must be 3600 … 86400 seconds", field("audience_index_max_age"));
        }
        config.audience_index_max_age_seconds = static_cast<int64_t>(n);
    }
    return OkStatus();
}

// The config file's keys and where each goes.
constexpr std::pair<std::string_view, std::optional<std::string> Layer::*> kConfigKeys[] = {
    {"database", &Layer::database},
    {"listen", &Layer::listen},
    {"static_dir", &Layer::static_dir},
    {"threads", &Layer::threads},
    {"log_level", &Layer::log_level},
    {"log_format", &Layer::log_format},
    {"max_body_bytes", &Layer::max_body_bytes},
    {"max_import_bytes", &Layer::max_import_bytes},
    {"trust_forwarded_for", &Layer::trust_forwarded_for},
    {"audience_index_max_age", &Layer::audience_index_max_age},
};

Result<Layer> ReadConfigFile(const std::string& path) {
    std::ifstream in(path);
    if (!in) return NotFound("config file not found: " + path);
    std::stringstream text;
    text << in.rdbuf();
    boost::system::error_code ec;
    const boost::json::value doc = boost::json::parse(text.str(), ec);
    if (ec || !doc.is_object()) return InvalidArgument("config file is not a JSON object: " + path, "config");
    Layer layer;
    for (const auto& [key, value] : doc.as_object()) {
        std::string text_value;
        if (value.is_string()) {
            text_value = std::string(value.as_string());
        } else if (value.is_int64() && value.as_int64() >= 0) {
            text_value = std::to_string(value.as_int64());
        } else if (value.is_bool()) {
            text_value = value.as_bool() ? "true" : "false";
        } else if (value.is_uint64()) {
            text_value = std::to_string(value.as_uint64());
        } else {
            return InvalidArgument("must be a string, a boolean or a non-negative integer", std::string(key));
        }
        std::optional<std::string> Layer::*slot = nullptr;
        for (const auto& [name, member] : kConfigKeys) {
            if (key == name) slot = member;
        }
        if (slot == nullptr) return InvalidArgument("unknown config key in " + path, std::string(key));
        layer.*slot = text_value;
    }
    return layer;
}

std::optional<std::string> NonEmpty(const std::string& s) {
    if (s.empty()) return std::nullopt;
    return s;
}

}  // namespace

bool Config::uses_postgres() const {
    return database.rfind("postgresql://", 0) == 0 || database.rfind("postgres://", 0) == 0;
}

EnvLookup EnvFromProcess() {
    return [](const std::string& name) -> std::optional<std::string> {
        const char* value = std::getenv(name.c_str());
        if (value == nullptr) return std::nullopt;
        return std::string(value);
    };
}

Status ParseListen(std::string_view text, std::string& host, uint16_t& port, const std::string& field) {
    const size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) return InvalidArgument("listen address must be HOST:PORT", field);
    std::string_view h = text.substr(0, colon);
    if (h.size() >= 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
    auto p = ParseUnsigned(text.substr(colon + 1), field);
    if (!p.ok() || *p > 65535) return InvalidArgument("listen port must be 0 to 65535", field);
    host = h.empty() ? "0.0.0.0" : std::string(h);
    port = static_cast<uint16_t>(*p);
    return OkStatus();
}

Result<Config> ResolveConfig(const cli::GlobalOptions& global, const cli::ServeOptions* serve, const EnvLookup& env) {
    Config config;
    if (!global.data_dir.empty()) {
        config.data_dir = global.data_dir;
    } else if (auto d = env("YUTANG_DATA"); d && !d->empty()) {
        config.data_dir = *d;
    }

    // Config file: explicit (must exist) or the data dir's (optional).
    std::string file = global.config_file;
    if (file.empty()) file = env("YUTANG_CONFIG").value_or("");
    const bool explicit_file = !file.empty();
    if (!explicit_file) file = config.data_dir + "/yutang.json";
    if (explicit_file || std::filesystem::exists(file)) {
        YT_ASSIGN_OR_RETURN(Layer from_file, ReadConfigFile(file));
        YT_TRY(Apply(from_file, config, [](std::string_view key) { return std::string(key); }));
    }

    Layer from_env{.database = env("YUTANG_DATABASE"),
                   .listen = env("YUTANG_LISTEN"),
                   .static_dir = env("YUTANG_STATIC_DIR"),
                   .threads = env("YUTANG_THREADS"),
                   .log_level = env("YUTANG_LOG_LEVEL"),
                   .log_format = env("YUTANG_LOG_FORMAT"),
                   .max_body_bytes = env("YUTANG_MAX_BODY_BYTES"),
                   .max_import_bytes = env("YUTANG_MAX_IMPORT_BYTES"),
                   .trust_forwarded_for = env("YUTANG_TRUST_FORWARDED_FOR"),
                   .audience_index_max_age = env("YUTANG_AUDIENCE_INDEX_MAX_AGE")};
    YT_TRY(Apply(from_env, config, [](std::string_view key) {
        std::string name = "YUTANG_";
        for (char c : key) name += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        return name;
    }));

    Layer from_flags;
    from_flags.database = NonEmpty(global.database);
    from_flags.log_level = NonEmpty(global.log_level);
    from_flags.log_format = NonEmpty(global.log_format);
    if (serve) {
        from_flags.listen = NonEmpty(serve->listen);
        from_flags.static_dir = NonEmpty(serve->static_dir);
        if (serve->threads > 0) from_flags.threads = std::to_string(serve->threads);
    }
    YT_TRY(Apply(from_flags, config, [](std::string_view key) {
        std::string name = "--";
        for (char c : key) name += c == '_' ? '-' : c;
        return name;
    }));
    if (config.database != "sqlite" && !config.uses_postgres()) {
        return InvalidArgument("database must be 'sqlite' or a postgresql:// URI", "database");
    }
    return config;
}

}  // namespace yutang::app
