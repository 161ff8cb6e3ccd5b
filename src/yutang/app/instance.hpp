// One opened Yutang data dir: config, keys, store and services, wired together.
//
// This is the only place that knows which store backend runs.
//
//   YT_ASSIGN_OR_RETURN(auto instance, Instance::Open(config));
//   instance->staff().ListTenants();
#pragma once

#include <memory>

#include "yutang/app/config.hpp"
#include "yutang/audience/segments.hpp"
#include "yutang/audience/service.hpp"
#include "yutang/base/clock.hpp"
#include "yutang/base/crypto.hpp"
#include "yutang/customers/resolver.hpp"
#include "yutang/events/customer_edits.hpp"
#include "yutang/events/customer_records.hpp"
#include "yutang/events/failed_events.hpp"
#include "yutang/events/import_jobs.hpp"
#include "yutang/events/ingest.hpp"
#include "yutang/events/trait_refresh.hpp"
#include "yutang/insight/overview.hpp"
#include "yutang/staff/api_keys.hpp"
#include "yutang/staff/audit.hpp"
#include "yutang/staff/sessions.hpp"
#include "yutang/staff/staff.hpp"
#include "yutang/staff/stores.hpp"
#include "yutang/store/database.hpp"
#include "yutang/store/write_batcher.hpp"

namespace yutang::app {

class Instance {
  public:
    // Opens the key file and the store and applies pending migrations.
    // failed_precondition if the data dir was never initialised (no key file).
    static Result<std::unique_ptr<Instance>> Open(const Config& config);

    // Creates the data dir (mode 0700) and its key file; failed_precondition if the data dir
    // already has one.
    static Status InitDataDir(const Config& config);

    const Config& config() const { return config_; }
    store::Database& db() { return *db_; }
    const KeyRing& keys() const { return keys_; }
    const Clock& clock() const { return clock_; }
    staff::StaffService& staff() { return *staff_; }
    staff::SessionService& sessions() { return *sessions_; }
    staff::StoreService& stores() { return *stores_; }
    staff::ApiKeyService& api_keys() { return *api_keys_; }
    staff::AuditReader& audit() { return *audit_; }
    events::Ingestor& ingestor() { return *ingestor_; }
    events::FailedEvents& failed_events() { return *failed_events_; }
    customers::IdentityResolver& resolver() { return *resolver_; }
    events::OrderStore& orders() { return *orders_; }
    events::CustomerRecords& customer_records() { return *customer_records_; }
    events::CustomerEditor& customer_editor() { return *customer_editor_; }
    events::TraitRefresher& trait_refresher() { return *trait_refresher_; }
    // Created here, started only by `yutang serve` (ImportJobs::Start).
    events::ImportJobs& import_jobs() { return *import_jobs_; }
    // Counts audiences on a per-merchant in-memory index (built on first use).
    audience::AudienceService& audiences() { return *audiences_; }
    // Saved segments and their live membership (evaluated by the server's scheduler).
    audience::SegmentService& segments() { return *segments_; }
    // The dashboard's figures.
    insight::OverviewReport& overview() { return *overview_; }

    // Store reachable and schema up to date: what /readyz reports.
    Status CheckReady();

  private:
    Instance(Config config, KeyRing keys) : config_(std::move(config)), keys_(std::move(keys)) {}

    Config config_;
    KeyRing keys_;
    SystemClock clock_;
    std::unique_ptr<store::Database> db_;
    std::unique_ptr<audience::AudienceService> audiences_;
    std::unique_ptr<staff::StaffService> staff_;
    std::unique_ptr<staff::SessionService> sessions_;
    std::unique_ptr<staff::StoreService> stores_;
    std::unique_ptr<staff::ApiKeyService> api_keys_;
    std::unique_ptr<staff::AuditReader> audit_;
    // Declared after db_ so that it is destroyed first: it drains pending writes into the store.
    std::unique_ptr<store::WriteBatcher> writer_;
    std::unique_ptr<customers::IdentityResolver> resolver_;
    std::unique_ptr<events::OrderStore> orders_;
    std::unique_ptr<events::Ingestor> ingestor_;
    std::unique_ptr<events::FailedEvents> failed_events_;
    std::unique_ptr<events::CustomerRecords> customer_records_;
    std::unique_ptr<events::CustomerEditor> customer_editor_;
    std::unique_ptr<events::TraitRefresher> trait_refresher_;
    std::unique_ptr<events::OrderImporter> importer_;
    std::unique_ptr<audience::SegmentService> segments_;
    std::unique_ptr<insight::OverviewReport> overview_;
    // Last, so that it is destroyed first: stopping it still writes to the store.
    std::unique_ptr<events::ImportJobs> import_jobs_;
};

}  // namespace yutang::app
