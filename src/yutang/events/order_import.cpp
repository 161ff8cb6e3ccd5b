#include "yutang/events/order_import.hpp"

#include <fstream>

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

}  // namespace

OrderImporter::OrderImporter(store::Database& db, customers::IdentityResolver& resolver, OrderStore& orders,
                             const Clock& clock, CustomerChangeListener* changes)
    : db_(db), resolver_(resolver), orders_(orders), clock_(clock), changes_(changes) {}

Result<ImportReport> OrderImporter::Import(TenantId tenant, const std::string& path, const ImportOptions& options) {
    YT_ASSIGN_OR_RETURN(auto reader, imports::OrderReader::Open(path, options.reader));
    ImportReport report;
    report.platform = std::string(imports::PlatformName(reader->platform()));
    report.encoding = std::string(reader->encoding());
    report.header_row = reader->header_row();
    const std::string source = report.platform;
    const auto account_kind = AccountKind(reader->platform());

    bool done = false;
    std::vector<imports::ImportedOrder> batch;
    const size_t min_batch = std::max<size_t>(1, options.batch_size);
    const size_t max_batch = std::max(min_batch, options.max_batch_size);
    size_t batch_size = min_batch;
    while (!done) {
        if (options.should_stop && options.should_stop()) return Aborted("the import was stopped");
        batch.clear();
        while (batch.size() < batch_size) {
            YT_ASSIGN_OR_RETURN(auto next, reader->Next());
            if (!next) {
                done = true;
                break;
            }
            batch.push_back(std::move(*next));
        }
        if (!batch.empty()) {
            ImportReport delta;
            // Wall time of the transaction, for sizing the next batch (not a timestamp: the
            // injected Clock is for what is stored).
            const auto started = std::chrono::steady_clock::now();
            std::vector<CustomerId> changed;
            YT_TRY(db_.Write([&](store::Session& s) -> Status {
                delta = ImportReport{};
                changed.clear();
                for (const imports::ImportedOrder& order : batch) {
                    std::vector<IdentityInput> identities;
                    if (account_kind && !order.buyer_account.empty()) {
                        identities.push_back({*account_kind, order.buyer_account, ""});
                    }
                    if (!order.buyer_phone.empty()) identities.push_back({IdentityKind::kPhone, order.buyer_phone, ""});
                    YT_ASSIGN_OR_RETURN(auto resolved, resolver_.Resolve(s, tenant, identities, "import:" + source));
                    std::optional<CustomerId> customer;
                    std::string hint;
                    if (resolved.identified()) {
                        customer = resolved.customer;
                        ++(resolved.created ? delta.customers_created : delta.customers_matched);
                        YT_TRY(orders_.Reassign(s, tenant, resolved.customer, resolved.merged));
                    } else {
                        ++delta.orders_unidentified;
                    }
                    for (const auto& skipped : resolved.skipped) {
                        if (!skipped.hint.empty()) hint = skipped.hint;
                    }
                    OrderInput input{.source = source,
                                     .external_id = order.order_id,
                                     .customer = customer,
                                     .status = std::string(imports::OrderStatusName(order.status)),
                                     .raw_status = order.raw_status,
                                     .total = order.total,
                                     .paid = order.paid,
                                     .refunded = order.refunded,
                                     .ordered_at = order.created_at,
                                     .paid_at = order.paid_at,
                                     .completed_at = order.completed_at,
                                     .buyer_hint = hint,
                                     .buyer_details = BuyerDetails(order)};
                    for (const auto& line : order.lines) {
                        input.lines.push_back({line.sku, line.title, line.quantity, line.unit_price});
                    }
                    YT_ASSIGN_OR_RETURN(UpsertOutcome outcome, orders_.Upsert(s, tenant, input));
                    if (customer && (resolved.changed || outcome != UpsertOutcome::kUnchanged)) {
                        changed.push_back(*customer);
                    }
                    switch (outcome) {
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
            NotifyChanged(changes_, tenant, changed);
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
        report.rejected = reader->errors();
        if (options.progress) options.progress(reader->bytes_read(), reader->bytes_total(), report);
    }
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
