#include "yutang/app/instance.hpp"

#include <filesystem>

#include <sys/stat.h>

#include "yutang/base/log.hpp"
#include "yutang/store/migrations.hpp"
#include "yutang/store/postgres/postgres_database.hpp"
#include "yutang/store/sqlite/sqlite_database.hpp"

namespace yutang::app {

Status Instance::InitDataDir(const Config& config) {
    std::error_code ec;
    std::filesystem::create_directories(config.data_dir, ec);
    if (ec) return Unavailable("cannot create the data dir " + config.data_dir, ec.message());
    ::chmod(config.data_dir.c_str(), 0700);
    if (std::filesystem::exists(config.key_file())) {
        return FailedPrecondition("the data dir " + config.data_dir + " is already initialised");
    }
    return KeyRing::Generate().WriteNewFile(config.key_file());
}

Result<std::unique_ptr<Instance>> Instance::Open(const Config& config) {
    YT_TRY(InitCrypto());
    auto keys = KeyRing::LoadFile(config.key_file());
    if (keys.status().code() == ErrorCode::kNotFound) {
        return FailedPrecondition("the data dir " + config.data_dir +
                                  " is not initialised; run `yutang init` or `yutang serve --demo`");
    }
    YT_TRY(keys);
    std::unique_ptr<Instance> instance(new Instance(config, std::move(*keys)));
    if (config.uses_postgres()) {
        YT_ASSIGN_OR_RETURN(instance->db_, store::OpenPostgres({.conninfo = config.database}));
    } else {
        YT_ASSIGN_OR_RETURN(instance->db_, store::OpenSqlite({.path = config.sqlite_path()}));
    }
    YT_ASSIGN_OR_RETURN(int applied,
                        store::ApplyMigrations(*instance->db_, store::BuiltinMigrations(), instance->clock_));
    if (applied > 0) spdlog::info("applied {} schema migration(s)", applied);
    instance->staff_ = std::make_unique<staff::StaffService>(*instance->db_, instance->keys_, instance->clock_);
    instance->sessions_ = std::make_unique<staff::SessionService>(*instance->db_, *instance->staff_, instance->clock_);
    instance->stores_ = std::make_unique<staff::StoreService>(*instance->db_, instance->clock_);
    instance->api_keys_ = std::make_unique<staff::ApiKeyService>(*instance->db_, instance->clock_);
    instance->audit_ = std::make_unique<staff::AuditReader>(*instance->db_);
    instance->writer_ = std::make_unique<store::WriteBatcher>(*instance->db_);
    instance->resolver_ = std::make_unique<customers::IdentityResolver>(instance->keys_, instance->clock_);
    instance->orders_ = std::make_unique<events::OrderStore>(instance->keys_, instance->clock_);
    instance->audiences_ = std::make_unique<audience::AudienceService>(
        *instance->db_, instance->keys_, instance->clock_,
        audience::AudienceSettings{.max_index_age = std::chrono::seconds(config.audience_index_max_age_seconds),
                                   .snapshot_dir = config.audience_dir()});
    instance->ingestor_ =
        std::make_unique<events::Ingestor>(*instance->writer_, *instance->resolver_, *instance->orders_,
                                           instance->keys_, instance->clock_, events::IngestSettings{});
    instance->failed_events_ =
        std::make_unique<events::FailedEvents>(*instance->db_, instance->keys_, instance->clock_);
    instance->customer_records_ = std::make_unique<events::CustomerRecords>(
        *instance->db_, *instance->resolver_, *instance->orders_, instance->keys_, instance->clock_);
    instance->customer_editor_ = std::make_unique<events::CustomerEditor>(
        *instance->db_, *instance->resolver_, *instance->staff_, instance->keys_, instance->clock_);
    instance->trait_refresher_ =
        std::make_unique<events::TraitRefresher>(*instance->db_, instance->clock_, events::RefreshSettings{});
    instance->importer_ = std::make_unique<events::OrderImporter>(*instance->db_, *instance->resolver_,
                                                                  *instance->orders_, instance->clock_);
    instance->segments_ =
        std::make_unique<audience::SegmentService>(*instance->db_, *instance->audiences_, instance->clock_);
    instance->overview_ = std::make_unique<insight::OverviewReport>(*instance->db_, instance->clock_);
    instance->import_jobs_ =
        std::make_unique<events::ImportJobs>(*instance->db_, *instance->importer_, instance->keys_, instance->clock_,
                                             events::ImportJobSettings{.spool_dir = config.spool_dir()});
    return instance;
}

Status Instance::CheckReady() {
    YT_TRY(db_->Ping());
    YT_ASSIGN_OR_RETURN(auto state, store::ReadMigrationState(*db_, store::BuiltinMigrations()));
    if (!state.up_to_date()) return Unavailable("schema migrations are not applied");
    return OkStatus();
}

}  // namespace yutang::app
