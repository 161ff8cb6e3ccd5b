// Importing a platform's order export: read (imports::OrderReader), resolve each buyer, store
// each order, report.
//
// Buyers are identified by what the export offers: the platform's buyer account (JD 下单帐号,
// Taobao 买家会员名, Douyin/PDD buyer ids) and the phone when it is real — masked phones and
// ciphertext are kept only as display hints (docs/design/identity.md), and such orders are still
// stored and counted, unlinked. Orders are upserted by (platform, order id), so importing the
// same file again changes nothing. Bad rows are reported with their line and kept aside in a
// CSV file next to the report; good rows go in. Work is committed in batches; a failure stops
// the import with what was committed so far reported. A batch is written while the disk makes
// the one before it durable, and Import returns once every batch is durable.
//
//   OrderImporter importer(db, resolver, orders, clock);
//   YT_ASSIGN_OR_RETURN(ImportReport report, importer.Import(tenant, "ExportOrderList.csv",
//       {.reader = {.platform = std::nullopt}, .rejected_path = "ExportOrderList.rejected.csv"}));
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "yutang/customers/resolver.hpp"
#include "yutang/events/orders.hpp"
#include "yutang/imports/order_reader.hpp"

namespace yutang::events {

struct ImportReport {
    std::string platform;
    std::string encoding;
    int64_t orders_read = 0;
    int64_t orders_created = 0;
    int64_t orders_updated = 0;
    int64_t orders_unchanged = 0;
    int64_t customers_created = 0;
    int64_t customers_matched = 0;
    int64_t orders_unidentified = 0;  // no usable buyer identity: stored, not linked
    std::vector<imports::RowError> rejected;
    std::string rejected_file;  // where the rejected rows were written ("" when none)
    std::string header_row;     // the export's header, in the form of RowError::raw_row
};

// The largest adaptive batch the CLI and import jobs use (ImportOptions::max_batch_size).
inline constexpr size_t kAdaptiveImportMaxBatch = 5000;

struct ImportOptions {
    imports::ReaderOptions reader;
    size_t batch_size = 500;  // orders per transaction (the first one, when batches adapt)
    // Adaptive batches, when set: a batch doubles (up to max_batch_size orders) while its
    // transaction took less than half of target_transaction_time, and halves (down to
    // batch_size) when it took longer. Fewer, larger commits write far fewer pages per order,
    // without holding the store's single writer much longer than the target (tracking events
    // wait behind it). 0 = every batch is batch_size.
    size_t max_batch_size = 0;
    std::chrono::milliseconds target_transaction_time{150};
    std::string rejected_path;  // "" = do not write a rejected-rows file
    // Called after each batch with bytes read and the file's size.
    std::function<void(uint64_t bytes_read, uint64_t bytes_total, const ImportReport& so_far)> progress;
    // Asked before each batch; true stops the import with aborted "the import was stopped" (the
    // batches before stay committed). Empty = never stop.
    std::function<bool()> should_stop;
};

class OrderImporter {
  public:
    OrderImporter(store::Database& db, customers::IdentityResolver& resolver, OrderStore& orders, const Clock& clock);

    // Errors: those of OrderReader::Open (not_found, invalid_argument naming the problem), store
    // errors, and aborted when options.should_stop said so (the batches before the failure or the
    // stop stay committed; a commit that fails after its work succeeded can come to light only
    // once the next batch committed too).
    Result<ImportReport> Import(TenantId tenant, const std::string& path, const ImportOptions& options);

  private:
    store::Database& db_;
    customers::IdentityResolver& resolver_;
    OrderStore& orders_;
    const Clock& clock_;
};

}  // namespace yutang::events
