// The daily refresh of computed traits: RFM scores and lifecycle stages move as days pass even
// when no order arrives, so once per local day of each merchant (its time zone) every buyer is
// ranked again.
//
// RFM: recency (the last order), frequency (order count) and monetary (spend less refunds) are
// each scored 1–5 by quintile among the merchant's buyers: score = 1 + ⌊5·below/n⌋, where
// `below` counts the buyers with a strictly worse value — equal values get equal scores, so a
// merchant whose buyers mostly bought once gives them all F = 1. Lifecycle stages follow
// LifecycleStageFor (orders.hpp). Only rows whose scores or stage changed are written, in
// batches of `batch_size` per transaction.
//
//   TraitRefresher refresher(db, clock);
//   YT_ASSIGN_OR_RETURN(RefreshReport r, refresher.Refresh(tenant));   // now
//   YT_ASSIGN_OR_RETURN(int ran, refresher.RefreshDue());             // merchants whose day turned
#pragma once

#include <string>

#include "yutang/base/clock.hpp"
#include "yutang/base/ids.hpp"
#include "yutang/store/database.hpp"

namespace yutang::events {

struct RefreshReport {
    std::string local_date;  // the merchant's day it ran for, "2026-11-23"
    int64_t customers = 0;   // buyers ranked
    int64_t changed = 0;     // rows written
};

struct RefreshSettings {
    size_t batch_size = 2000;
};

// Thread-compatible: one caller at a time (the server runs it from one scheduler thread).
class TraitRefresher {
  public:
    TraitRefresher(store::Database& db, const Clock& clock, RefreshSettings settings = {});

    // Ranks every buyer of `tenant` now. Store errors; the batches written before stay.
    Result<RefreshReport> Refresh(TenantId tenant);
    // Refreshes every merchant whose local date is not the date of its last refresh (none yet
    // counts as due). Returns how many ran.
    Result<int> RefreshDue();
    // The last refresh of `tenant`, if any.
    Result<std::optional<RefreshReport>> LastRefresh(TenantId tenant);

  private:
    store::Database& db_;
    const Clock& clock_;
    RefreshSettings settings_;
};

}  // namespace yutang::events
