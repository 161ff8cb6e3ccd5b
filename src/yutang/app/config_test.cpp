#include "yutang/app/config.hpp"

#include <fstream>
#include <map>

#include <gtest/gtest.h>

#include "tests/support/temp_dir.hpp"

namespace yutang::app {
namespace {

EnvLookup FakeEnv(std::map<std::string, std::string> vars) {
    return [vars](const std::string& name) -> std::optional<std::string> {
        auto it = vars.find(name);
        if (it == vars.end()) return std::nullopt;
        return it->second;
    };
}

TEST(Config, DefaultsWhenNothingIsGiven) {
    testing::TempDir dir;
    cli::GlobalOptions global{.data_dir = dir.path()};
    auto config = ResolveConfig(global, nullptr, FakeEnv({}));
    ASSERT_TRUE(config.ok()) << config.status().ToString();
    EXPECT_EQ(config->listen_host, "127.0.0.1");
    EXPECT_EQ(config->listen_port, 8080);
    EXPECT_EQ(config->database, "sqlite");
    EXPECT_EQ(config->sqlite_path(), dir.path() + "/yutang.db");
}

TEST(Config, FlagsBeatEnvironmentWhichBeatsTheFile) {
    testing::TempDir dir;
    std::ofstream(dir.File("yutang.json")) << R"({"listen": "0.0.0.0:9000", "threads": 3, "log_level": "warn"})";
    cli::GlobalOptions global{.data_dir = dir.path()};
    cli::ServeOptions serve;
    auto from_file = ResolveConfig(global, &serve, FakeEnv({}));
    ASSERT_TRUE(from_file.ok()) << from_file.status().ToString();
    EXPECT_EQ(from_file->listen_host, "0.0.0.0");
    EXPECT_EQ(from_file->listen_port, 9000);
    EXPECT_EQ(from_file->threads, 3u);
    EXPECT_EQ(from_file->log.level, "warn");

    auto from_env = ResolveConfig(global, &serve, FakeEnv({{"YUTANG_LISTEN", "127.0.0.1:9100"}}));
    ASSERT_TRUE(from_env.ok());
    EXPECT_EQ(from_env->listen_port, 9100);
    EXPECT_EQ(from_env->threads, 3u);

    serve.listen = "[::1]:0";
    auto from_flag = ResolveConfig(global, &serve, FakeEnv({{"YUTANG_LISTEN", "127.0.0.1:9100"}}));
    ASSERT_TRUE(from_flag.ok());
    EXPECT_EQ(from_flag->listen_host, "::1");
    EXPECT_EQ(from_flag->listen_port, 0);
}

TEST(Config, BadValuesNameTheirSource) {
    testing::TempDir dir;
    cli::GlobalOptions global{.data_dir = dir.path()};
    cli::ServeOptions serve;
    auto env = ResolveConfig(global, &serve, FakeEnv({{"YUTANG_THREADS", "many"}}));
    EXPECT_EQ(env.status().code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(env.status().field(), "YUTANG_THREADS");

    serve.listen = "localhost";
    auto flag = ResolveConfig(global, &serve, FakeEnv({}));
    EXPECT_EQ(flag.status().field(), "--listen");

    serve.listen = "127.0.0.1:70000";
    EXPECT_EQ(ResolveConfig(global, &serve, FakeEnv({})).status().field(), "--listen");

    std::ofstream(dir.File("yutang.json")) << R"({"lisen": "0.0.0.0:9000"})";
    serve.listen.clear();
    auto file = ResolveConfig(global, &serve, FakeEnv({}));
    EXPECT_EQ(file.status().code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(file.status().field(), "lisen");

    global.config_file = dir.File("missing.json");
    EXPECT_EQ(ResolveConfig(global, &serve, FakeEnv({})).status().code(), ErrorCode::kNotFound);
}

TEST(Config, TrustForwardedForIsABoolean) {
    testing::TempDir dir;
    cli::GlobalOptions global{.data_dir = dir.path()};
    EXPECT_FALSE(ResolveConfig(global, nullptr, FakeEnv({}))->trust_forwarded_for);
    EXPECT_TRUE(ResolveConfig(global, nullptr, FakeEnv({{"YUTANG_TRUST_FORWARDED_FOR", "true"}}))->trust_forwarded_for);
    EXPECT_EQ(ResolveConfig(global, nullptr, FakeEnv({{"YUTANG_TRUST_FORWARDED_FOR", "yes"}})).status().field(),
              "YUTANG_TRUST_FORWARDED_FOR");
    std::ofstream(dir.File("yutang.json")) << R"({"trust_forwarded_for": true})";
    EXPECT_TRUE(ResolveConfig(global, nullptr, FakeEnv({}))->trust_forwarded_for);
}

TEST(Config, TheImportUploadLimitIsSetApartFromTheBodyLimit) {
    testing::TempDir dir;
    cli::GlobalOptions global{.data_dir = dir.path()};
    auto defaults = ResolveConfig(global, nullptr, FakeEnv({}));
    ASSERT_TRUE(defaults.ok());
    EXPECT_EQ(defaults->max_body_bytes, size_t{1} << 20);
    EXPECT_EQ(defaults->max_import_bytes, size_t{200} << 20);
    EXPECT_EQ(defaults->spool_dir(), dir.path() + "/spool");

    std::ofstream(dir.File("yutang.json")) << R"({"max_import_bytes": 1000})";
    EXPECT_EQ(ResolveConfig(global, nullptr, FakeEnv({}))->max_import_bytes, 1000u);
    auto from_env = ResolveConfig(global, nullptr, FakeEnv({{"YUTANG_MAX_IMPORT_BYTES", "2000"}}));
    ASSERT_TRUE(from_env.ok());
    EXPECT_EQ(from_env->max_import_bytes, 2000u);
    EXPECT_EQ(from_env->max_body_bytes, size_t{1} << 20);
    EXPECT_EQ(ResolveConfig(global, nullptr, FakeEnv({{"YUTANG_MAX_IMPORT_BYTES", "0"}})).status().field(),
              "YUTANG_MAX_IMPORT_BYTES");
}

TEST(Config, AudienceIndexMaxAgeInSeconds) {
    testing::TempDir dir;
    cli::GlobalOptions global{.data_dir = dir.path()};
    EXPECT_EQ(ResolveConfig(global, nullptr, FakeEnv({}))->audience_index_max_age_seconds, 86400);
    std::ofstream(dir.File("yutang.json")) << R"({"audience_index_max_age": 7200})";
    EXPECT_EQ(ResolveConfig(global, nullptr, FakeEnv({}))->audience_index_max_age_seconds, 7200);
    EXPECT_EQ(ResolveConfig(global, nullptr, FakeEnv({{"YUTANG_AUDIENCE_INDEX_MAX_AGE", "3600"}}))
                  ->audience_index_max_age_seconds,
              3600);
    // A rebuild reads the whole store: at most once an hour.
    EXPECT_EQ(ResolveConfig(global, nullptr, FakeEnv({{"YUTANG_AUDIENCE_INDEX_MAX_AGE", "0"}})).status().field(),
              "YUTANG_AUDIENCE_INDEX_MAX_AGE");
    EXPECT_EQ(ResolveConfig(global, nullptr, FakeEnv({{"YUTANG_AUDIENCE_INDEX_MAX_AGE", "86401"}})).status().field(),
              "YUTANG_AUDIENCE_INDEX_MAX_AGE");
    EXPECT_EQ(ResolveConfig(global, nullptr, FakeEnv({{"YUTANG_AUDIENCE_INDEX_MAX_AGE", "-1"}})).status().field(),
              "YUTANG_AUDIENCE_INDEX_MAX_AGE");
}

TEST(Config, DatabaseMustBeSqliteOrPostgres) {
    testing::TempDir dir;
    cli::GlobalOptions global{.data_dir = dir.path(), .database = "mysql://x"};
    EXPECT_EQ(ResolveConfig(global, nullptr, FakeEnv({})).status().field(), "database");
    global.database = "postgresql://yutang@127.0.0.1:5432/yutang";
    auto pg = ResolveConfig(global, nullptr, FakeEnv({}));
    ASSERT_TRUE(pg.ok());
    EXPECT_TRUE(pg->uses_postgres());
}

}  // namespace
}  // namespace yutang::app
