#include "yutang/events/order_import.hpp"

#include <condition_variable>
#include <deque>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "yutang/base/log.hpp"
#include "yutang/base/text.hpp"

namespace yutang::events {
namespace {

using customers::IdentityInput;
using customers::IdentityKind;
using imports::Platform;

// The export column that identifies a buyer on each platform. Youzan's exports name the buyer
// by nickname, which is not unique, so only its (full) phone identifies a Youzan buyer.
std::optional<IdentityKind> AccountKind(Platform platform) {
    switch (platform) {
        case Platform::kJd:
            return IdentityKind::kJdBuyer;
        case Platform::kTaobao:
            return IdentityKind::kTaobaoBuyer;
        case Platform::kDouyin:
            return IdentityKind::kDouyinBuyer;
        case Platform::kPdd:
            return IdentityKind::kPddBuyer;
        case Platform::kYouzan:
        case Platform::kMapped:
            return std::nullopt;
    }
    return std::nullopt;
}

std::string BuyerDetails(const imports::ImportedOrder& order) {
    std::string out = "{";
    auto add = [&](const char* key, const std::string& value) {
        if (value.empty()) return;
        if (out.size() > 1) out += ",";
        out += "\"" + std::string(key) + "\":\"";
        AppendJsonEscaped(out, value);
        out += "\"";
    };
    add("account", order.buyer_account);
    add("name", order.buyer_name);
    add("phone", order.buyer_phone);
    add("province", order.province);
    add("city", order.city);
    add("address", order.address);
    return out + "}";
}

Status WriteRejected(const std::string& path, const std::vector<imports::RowError>& rows) {
    std::ofstream out(path, std::ios::trunc);
    if (!out) return Unavailable("cannot write the rejected-rows file", path);
    out << "\xEF\xBB\xBF"
        << "行号 line,列 column,原因 reason,原始行 row\r\n";  // BOM: Excel opens it as UTF-8
    for (const auto& row : rows) {
        out << row.line << ',' << CsvQuote(row.column) << ',' << CsvQuote(row.reason) << ',' << CsvQuote(row.raw_row)
            << "\r\n";
    }
    out.close();
    if (!out) return Unavailable("cannot write the rejected-rows file", path);
    return OkStatus();
}

// Orders made ready to store: the order as OrderStore takes it (its customer and buyer hint are
// filled in once the buyer is resolved) and the buyer's identities.
struct PreparedOrders {
    std::vector<OrderInput> orders;
    std::vector<customers::PreparedIdentities> buyers;

    size_t size() const { return orders.size(); }
};

// Reads and prepares the export on a thread of its own, a little ahead of the transactions that
// store it, so that decoding, parsing, blind indexes and encryption overlap with the store's
// work. Orders come in chunks; each chunk carries the rows the reader rejected while reading it
// and how far into the file it got.
class ReadAhead {
  public:
    struct Chunk {
        PreparedOrders prepared;
        std::vector<imports::RowError> rejected;
        uint64_t bytes_read = 0;
    };
    using Prepare = std::function<void(const imports::ImportedOrder&, PreparedOrders&)>;

    ReadAhead(imports::OrderReader& reader, Prepare prepare)
        : reader_(reader), prepare_(std::move(prepare)), thread_([this] { Run(); }) {}
    ~ReadAhead() {
        {
            std::lock_guard lock(mutex_);
            stopping_ = true;
        }
        changed_.notify_all();
        thread_.join();
    }
    ReadAhead(const ReadAhead&) = delete;
    ReadAhead& operator=(const ReadAhead&) = delete;

    // The next chunk; nullopt at the end of the file; the reader's error if it failed.
    Result<std::optional<Chunk>> Next() {
        std::unique_lock lock(mutex_);
        changed_.wait(lock, [this] { return !ready_.empty() || finished_; });
        if (ready_.empty()) {
            if (!failure_.ok()) return failure_;
            return std::optional<Chunk>();
        }
        Chunk chunk = std::move(ready_.front());
        ready_.pop_front();
        changed_.notify_all();
        return std::optional<Chunk>(std::move(chunk));
    }

  private:
    static constexpr size_t kChunkOrders = 250;
    static constexpr size_t kChunksAhead = 8;

    void Run() {
        size_t errors_seen = 0;
        Status failure;
        bool more = true;
        while (more) {
            Chunk chunk;
            while (chunk.prepared.size() < kChunkOrders) {
                auto next = reader_.Next();
                if (!next.ok()) {
                    failure = next.status();
                    more = false;
                    break;
                }
                if (!*next) {
                    more = false;
                    break;
                }
                prepare_(**next, chunk.prepared);
            }
            const auto& errors = reader_.errors();
            chunk.rejected.assign(errors.begin() + static_cast<std::ptrdiff_t>(errors_seen), errors.end());
            errors_seen = errors.size();
            chunk.bytes_read = reader_.bytes_read();
            std::unique_lock lock(mutex_);
            changed_.wait(lock, [this] { return ready_.size() < kChunksAhead || stopping_; });
            if (stopping_) return;
            if (chunk.prepared.size() > 0 || !chunk.rejected.empty()) ready_.push_back(std::move(chunk));
            if (!more) {
                failure_ = failure;
                finished_ = true;
            }
            changed_.notify_all();
        }
    }

    imports::OrderReader& reader_;
    Prepare prepare_;
    std::mutex mutex_;
    std::condition_variable changed_;
    std::deque<Chunk> ready_;
    bool finished_ = false;
    bool stopping_ = false;
    Status failure_;
    std::thread thread_;  // last: starts once the members above exist
};

// The import's batches between their commit and their fsync. The next batch is written while
// the disk makes the one before it durable (Database::WriteThen), instead of the writer waiting
// for each fsync in turn. The report counts a batch once it committed; the import answers once
// every batch is durable. The callbacks may run on the store's syncer thread.
class DurableBatches {
  public:
    DurableBatches() : state_(std::make_shared<State>()) {}
    // Waits for every batch: none is left waiting once the import returns, whatever it returns.
    ~DurableBatches() { (void)Wait(0); }
    DurableBatches(const DurableBatches&) = delete;
    DurableBatches& operator=(const DurableBatches&) = delete;

    // Runs `work` in a transaction and returns once it committed, with the work's own error if
    // it failed (rolled back). A commit or fsync that fails comes out of a later Wait.
    Status Commit(store::Database& db, const store::Work& work) {
        Status work_status;
        {
            std::lock_guard lock(state_->mutex);
            ++state_->in_flight;
        }
        db.WriteThen(
            [&](store::Session& s) {
                work_status = work(s);
                return work_status;
            },
            [state = state_](const Status& status) {
                std::lock_guard lock(state->mutex);
                --state->in_flight;
                if (!status.ok() && state->failure.ok()) state->failure = status;
                state->answered.notify_all();
            });
        return work_status;
    }

    // Waits until at most `in_flight` batches wait for the disk; the first failure, if any.
    Status Wait(size_t in_flight) {
        std::unique_lock lock(state_->mutex);
        state_->answered.wait(lock, [&] { return state_->in_flight <= in_flight; });
        return state_->failure;
    }

  private:
    struct State {
        std::mutex mutex;
        std::condition_variable answered;
        size_t in_flight = 0;
        Status failure;
    };
    std::shared_ptr<State> state_;
};

}  // namespace

OrderImporter::OrderImporter(store::Database& db, customers::IdentityResolver& resolver, OrderStore& orders,
                             const Clock& clock)
    : db_(db), resolver_(resolver), orders_(orders), clock_(clock) {}

Result<ImportReport> OrderImporter::Import(TenantId tenant, const std::string& path, const ImportOptions& options) {
    YT_ASSIGN_OR_RETURN(auto reader, imports::OrderReader::Open(path, options.reader));
    ImportReport report;
    report.platform = std::string(imports::PlatformName(reader->platform()));
    report.encoding = std::string(reader->encoding());
    report.header_row = reader->header_row();
    const std::string source = report.platform;
    const auto account_kind = AccountKind(reader->platform());

    const auto prepare = [&](const imports::ImportedOrder& order, PreparedOrders& out) {
        std::vector<IdentityInput> identities;
        if (account_kind && !order.buyer_account.empty()) {
            identities.push_back({*account_kind, order.buyer_account, ""});
        }
        if (!order.buyer_phone.empty()) identities.push_back({IdentityKind::kPhone, order.buyer_phone, ""});
        out.buyers.push_back(resolver_.Prepare(tenant, identities));
        OrderInput& input =
            out.orders.emplace_back(OrderInput{.source = source,
                                               .external_id = order.order_id,
                                               .status = std::string(imports::OrderStatusName(order.status)),
                                               .raw_status = order.raw_status,
                                               .total = order.total,
                                               .paid = order.paid,
                                               .refunded = order.refunded,
                                               .ordered_at = order.created_at,
                                               .paid_at = order.paid_at,
                                               .completed_at = order.completed_at,
                                               .buyer_details = BuyerDetails(order)});
        for (const auto& line : order.lines) {
            input.lines.push_back({line.sku, line.title, line.quantity, line.unit_price});
        }
        orders_.Seal(tenant, input);
    };

    bool done = false;
    PreparedOrders batch;
    const size_t min_batch = std::max<size_t>(1, options.batch_size);
    const size_t max_batch = std::max(min_batch, options.max_batch_size);
    size_t batch_size = min_batch;
    uint64_t bytes_read = 0;
    // Orders prepared but not yet in a batch (a chunk may end past the batch's size), from
    // `pending_from` on.
    PreparedOrders pending;
    size_t pending_from = 0;
    DurableBatches durable;  // destroyed after the read-ahead: waits for the last fsyncs
    std::optional<ReadAhead> ahead;
    ahead.emplace(*reader, prepare);
    while (!done) {
        if (options.should_stop && options.should_stop()) return Aborted("the import was stopped");
        batch.orders.clear();
        batch.buyers.clear();
        while (batch.size() < batch_size) {
            if (pending_from == pending.size()) {
                YT_ASSIGN_OR_RETURN(auto chunk, ahead->Next());
                if (!chunk) {
                    done = true;
                    break;
                }
                pending = std::move(chunk->prepared);
                pending_from = 0;
                std::move(chunk->rejected.begin(), chunk->rejected.end(), std::back_inserter(report.rejected));
                bytes_read = chunk->bytes_read;
                continue;
            }
            batch.orders.push_back(std::move(pending.orders[pending_from]));
            batch.buyers.push_back(std::move(pending.buyers[pending_from]));
            ++pending_from;
        }
        if (batch.size() > 0) {
            // At most one batch waits for the disk while this one is written.
            YT_TRY(durable.Wait(1));
            ImportReport delta;
            // Wall time of the transaction, for sizing the next batch (not a timestamp: the
            // injected Clock is for what is stored). Its fsync is not in it: the store's writer
            // is free for others once the transaction committed.
            const auto started = std::chrono::steady_clock::now();
            YT_TRY(durable.Commit(db_, [&](store::Session& s) -> Status {
                delta = ImportReport{};
                YT_ASSIGN_OR_RETURN(auto resolutions,
                                    resolver_.ResolveBatch(s, tenant, batch.buyers, "import:" + source));
                // A buyer merged by a later order of the batch: its earlier orders go to the
                // customer that remains, as the merge would have moved them.
                std::map<int64_t, int64_t> merged_into;
                for (const auto& resolved : resolutions) {
                    for (CustomerId loser : resolved.merged) merged_into[loser.value()] = resolved.customer.value();
                    YT_TRY(orders_.Reassign(s, tenant, resolved.customer, resolved.merged));
                }
                const auto remaining = [&](CustomerId customer) {
                    int64_t id = customer.value();
                    for (auto it = merged_into.find(id); it != merged_into.end(); it = merged_into.find(id)) {
                        id = it->second;
                    }
                    return CustomerId(id);
                };
                for (size_t i = 0; i < batch.size(); ++i) {
                    const customers::Resolution& resolved = resolutions[i];
                    OrderInput& input = batch.orders[i];
                    input.customer.reset();
                    input.buyer_hint.clear();
                    if (resolved.identified()) {
                        input.customer = remaining(resolved.customer);
                        ++(resolved.created ? delta.customers_created : delta.customers_matched);
                    } else {
                        ++delta.orders_unidentified;
                    }
                    for (const auto& skipped : resolved.skipped) {
                        if (!skipped.hint.empty()) input.buyer_hint = skipped.hint;
                    }
                }
                YT_ASSIGN_OR_RETURN(auto outcomes, orders_.UpsertBatch(s, tenant, batch.orders));
                for (size_t i = 0; i < batch.size(); ++i) {
                    switch (outcomes[i]) {
                        case UpsertOutcome::kCreated:
                            ++delta.orders_created;
                            break;
                        case UpsertOutcome::kUpdated:
                            ++delta.orders_updated;
                            break;
                        case UpsertOutcome::kUnchanged:
                            ++delta.orders_unchanged;
                            break;
                    }
                }
                return OkStatus();
            }));
            const auto took = std::chrono::steady_clock::now() - started;
            if (took < options.target_transaction_time / 2 && batch.size() == batch_size) {
                batch_size = std::min(max_batch, batch_size * 2);
            } else if (took > options.target_transaction_time) {
                batch_size = std::max(min_batch, batch_size / 2);
            }
            report.orders_read += static_cast<int64_t>(batch.size());
            report.orders_created += delta.orders_created;
            report.orders_updated += delta.orders_updated;
            report.orders_unchanged += delta.orders_unchanged;
            report.customers_created += delta.customers_created;
            report.customers_matched += delta.customers_matched;
            report.orders_unidentified += delta.orders_unidentified;
        }
        if (options.progress) options.progress(bytes_read, reader->bytes_total(), report);
    }
    ahead.reset();
    YT_TRY(durable.Wait(0));
    report.rejected = reader->errors();
    if (!report.rejected.empty() && !options.rejected_path.empty()) {
        YT_TRY(WriteRejected(options.rejected_path, report.rejected));
        report.rejected_file = options.rejected_path;
    }
    spdlog::info("imported {} orders from a {} export ({} created, {} updated, {} unchanged, {} rows rejected)",
                 report.orders_read, report.platform, report.orders_created, report.orders_updated,
                 report.orders_unchanged, report.rejected.size());
    return report;
}

}  // namespace yutang::events
