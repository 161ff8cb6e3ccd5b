// What tracking refused, for the people who connect senders: the failed events of a merchant,
// newest first, a summary of the last days (how many per day in the merchant's time zone, and
// per reason), and one refused message as it was sent.
//
// Personal data. A refused message is someone's message (Ingestor keeps it encrypted in
// failed_events for 30 days): List and Summary show only when, why and which field; Get
// decrypts one, which the HTTP layer lets only those who may export customers' data do, and
// audits as data.exported.
//
//   FailedEvents failed(db, keys, clock);
//   YT_ASSIGN_OR_RETURN(FailedEventPage page, failed.List(tenant, {.limit = 50}));
//   YT_ASSIGN_OR_RETURN(FailedEvent one, failed.Get(tenant, page.items[0].id, actor));  // audited
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "yutang/base/clock.hpp"
#include "yutang/base/crypto.hpp"
#include "yutang/staff/audit.hpp"
#include "yutang/store/database.hpp"

namespace yutang::events {

struct FailedEvent {
    int64_t id = 0;
    Timestamp received_at;
    std::string reason;
    std::string field;    // "userId", "properties.total", … or "body" for a request refused whole
    std::string payload;  // Get only: the message as sent (or what was kept of it)
};

struct FailedEventQuery {
    std::optional<int64_t> before_id;  // cursor: failed events older than this id
    int limit = 50;                    // 1..200
};

struct FailedEventPage {
    std::vector<FailedEvent> items;         // newest first
    std::optional<int64_t> next_before_id;  // pass as before_id for the next page; empty at the end
};

struct FailureSummary {
    struct Day {
        std::string date;  // YYYY-MM-DD in the merchant's time zone
        int64_t count = 0;
    };
    struct Reason {
        std::string reason;
        std::string field;
        int64_t count = 0;
        Timestamp last_at;
    };
    std::vector<Day> days;  // every day of the window, oldest first, zeros included
    // The most frequent first, at most 20; reasons and fields that differ only in their numbers
    // ("offset 25", "offset 31"; "products[0]", "products[1]") count as one, as the latest.
    std::vector<Reason> reasons;
    int64_t total = 0;  // in the window
};

class FailedEvents {
  public:
    FailedEvents(store::Database& db, const KeyRing& keys, const Clock& clock);

    // invalid_argument (field "limit") for a limit outside 1..200.
    Result<FailedEventPage> List(TenantId tenant, const FailedEventQuery& query) const;
    // The last `days` (1..31) days up to today, in the merchant's time zone.
    Result<FailureSummary> Summary(TenantId tenant, int days) const;
    // One failed event with its payload decrypted; audited. not_found for an unknown id
    // (or another merchant's).
    Result<FailedEvent> Get(TenantId tenant, int64_t id, const staff::Actor& actor) const;

  private:
    store::Database& db_;
    const KeyRing& keys_;
    const Clock& clock_;
};

}  // namespace yutang::events
